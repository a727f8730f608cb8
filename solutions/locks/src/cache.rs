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
        // `unwrap` on a lock result panics only if the lock is poisoned: a thread panicked
        // while holding a write guard, maybe half-way through an update. This cache never runs
        // foreign code under a guard, so a panic in `compute` cannot poison it.
        self.values.read().unwrap().get(key).copied()
    }

    /// The cached value for `key`, computing and storing it first if missing. If two threads
    /// compute the same key at once, both return the value that was stored first. `compute`
    /// runs with no lock held: other threads read and compute other keys meanwhile. If it
    /// panics, the panic reaches the caller, nothing is stored, and the cache stays usable.
    pub fn get_or_compute(&self, key: &str, compute: impl FnOnce() -> u64) -> u64 {
        // The read guard is a temporary: it is dropped at the end of this statement, before
        // the write lock is asked for (asking while still holding it would wait for ourselves).
        if let Some(value) = self.get(key) {
            return value;
        }
        // The slow work runs with no lock held: readers of other keys are not kept waiting, and
        // if `compute` panics no guard is alive, so the lock is not poisoned.
        let value = compute();
        // Another thread may have stored the key meanwhile: keep the first value, so every
        // caller agrees on one answer.
        *self
            .values
            .write()
            .unwrap()
            .entry(key.to_owned())
            .or_insert(value)
    }

    /// How many keys are cached.
    pub fn len(&self) -> usize {
        self.values.read().unwrap().len()
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
