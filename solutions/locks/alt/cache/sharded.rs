//! Alternative: the map is split into shards, each behind its own `RwLock`, chosen by the key's hash: computations of keys in different shards never wait for each other's write lock.

use std::collections::HashMap;
use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};

use crate::sync::RwLock;

/// How many shards the map is split into.
const SHARDS: usize = 4;

/// Remembers the result of a slow computation per key.
pub struct Cache {
    shards: Vec<RwLock<HashMap<String, u64>>>,
}

impl Cache {
    /// An empty cache.
    pub fn new() -> Self {
        Cache {
            shards: (0..SHARDS).map(|_| RwLock::new(HashMap::new())).collect(),
        }
    }

    /// The shard that holds `key`: the same one every time for the same key.
    fn shard(&self, key: &str) -> &RwLock<HashMap<String, u64>> {
        let mut hasher = DefaultHasher::new();
        key.hash(&mut hasher);
        &self.shards[hasher.finish() as usize % SHARDS]
    }

    /// The cached value for `key`, if any. Many threads may read at the same time.
    pub fn get(&self, key: &str) -> Option<u64> {
        self.shard(key).read().unwrap().get(key).copied()
    }

    /// The cached value for `key`, computing and storing it first if missing. If two threads
    /// compute the same key at once, both return the value that was stored first.
    pub fn get_or_compute(&self, key: &str, compute: impl FnOnce() -> u64) -> u64 {
        if let Some(value) = self.get(key) {
            return value;
        }
        // No guard alive while computing, as in the one-lock design.
        let value = compute();
        *self
            .shard(key)
            .write()
            .unwrap()
            .entry(key.to_owned())
            .or_insert(value)
    }

    /// How many keys are cached.
    pub fn len(&self) -> usize {
        self.shards
            .iter()
            .map(|shard| shard.read().unwrap().len())
            .sum()
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
