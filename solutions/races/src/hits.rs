//! A hit counter on an atomic integer. Each access to an atomic is indivisible, but a `load`
//! followed by a `store` is two accesses another thread can slip between: use one
//! read-modify-write operation, `fetch_add`.

use crate::sync::atomic::{AtomicU64, Ordering};

/// Counts page hits from many threads without a lock.
pub struct HitCounter {
    hits: AtomicU64,
}

impl HitCounter {
    /// A counter at zero.
    pub fn new() -> Self {
        HitCounter {
            hits: AtomicU64::new(0),
        }
    }

    /// Records one hit.
    pub fn record(&self) {
        self.record_many(1);
    }

    /// Records `n` hits at once: a reader sees all of them or none.
    pub fn record_many(&self, n: u64) {
        // One indivisible read-modify-write: no other thread can read the old value between
        // our read and our write. `Relaxed` is enough, the count orders nothing else.
        self.hits.fetch_add(n, Ordering::Relaxed);
    }

    /// The hits recorded so far.
    pub fn get(&self) -> u64 {
        self.hits.load(Ordering::Relaxed)
    }
}

impl Default for HitCounter {
    fn default() -> Self {
        Self::new()
    }
}
