//! Wrong: tries `compare_exchange` once and ignores its failure, so a hit recorded while another
//! thread changed the count is silently dropped.
//! Expect: lost update

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

    /// Records `n` hits at once.
    pub fn record_many(&self, n: u64) {
        // One indivisible read-modify-write: no other thread can read the old value between
        // our read and our write. `Relaxed` is enough, the count orders nothing else.
        let current = self.hits.load(Ordering::Relaxed);
        let _ =
            self.hits
                .compare_exchange(current, current + n, Ordering::Relaxed, Ordering::Relaxed);
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
