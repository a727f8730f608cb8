//! A cache of slow computations behind an `RwLock`: many readers at once, one writer alone. The
//! traps are in the guards' scope: never hold a lock across slow work, never ask for the write
//! lock while holding the read lock, and know what a panic under a lock (poisoning) leaves behind.

use std::collections::HashMap;

use crate::sync::RwLock;

/// Remembers the result of a slow computation per key.
pub struct Cache {
    values: RwLock<HashMap<String, u64>>,
}

impl Cache {
    /// An empty cache.
    pub fn new() -> Self {
        Cache {
            values: RwLock::new(HashMap::new()),
        }
    }

    /// The cached value for `key`, if any. Many threads may read at the same time.
    pub fn get(&self, key: &str) -> Option<u64> {
        // TODO: look the key up under a read lock (many readers may hold it together).
        todo!()
    }

    /// The cached value for `key`, computing and storing it first if missing. If two threads
    /// compute the same key at once, both return the value that was stored first. `compute`
    /// runs with no lock held: other threads read and compute other keys meanwhile. If it
    /// panics, the panic reaches the caller, nothing is stored, and the cache stays usable.
    pub fn get_or_compute(&self, key: &str, compute: impl FnOnce() -> u64) -> u64 {
        // TODO: return the cached value if there is one; otherwise run `compute` with
        //       NO lock held (slow work, and it may panic), then store the value with the
        //       write lock, keeping whichever value was stored first.
        todo!()
    }

    /// How many keys are cached.
    pub fn len(&self) -> usize {
        // TODO: count the keys under a read lock.
        todo!()
    }

    /// Whether nothing is cached.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl Default for Cache {
    fn default() -> Self {
        Self::new()
    }
}
