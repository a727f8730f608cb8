//! A probe that tells whether a group of workers was running at the same time.

use std::sync::{Condvar, Mutex};
use std::time::{Duration, Instant};

/// Each of `expected` workers calls [`Rendezvous::arrive`]; it returns once all of them have
/// arrived (they were alive together: concurrency) or after `patience` (they were not).
///
/// Unlike `std::sync::Barrier` it never blocks forever, so a solution that runs its workers
/// one after another gets a clear "not concurrent" verdict instead of a deadlock.
pub struct Rendezvous {
    expected: usize,
    patience: Duration,
    arrived: Mutex<usize>,
    all_here: Condvar,
}

impl Rendezvous {
    /// A rendezvous for `expected` workers that each wait at most `patience` for the others.
    pub fn new(expected: usize, patience: Duration) -> Self {
        Rendezvous {
            expected,
            patience,
            arrived: Mutex::new(0),
            all_here: Condvar::new(),
        }
    }

    /// Marks this worker as arrived and waits for the rest. Returns `true` if every worker
    /// arrived while this one was waiting.
    pub fn arrive(&self) -> bool {
        let deadline = Instant::now() + self.patience;
        let mut arrived = self.arrived.lock().unwrap_or_else(|e| e.into_inner());
        *arrived += 1;
        if *arrived >= self.expected {
            self.all_here.notify_all();
            return true;
        }
        while *arrived < self.expected {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return false;
            }
            arrived = self
                .all_here
                .wait_timeout(arrived, left)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
        true
    }

    /// How many workers have arrived so far.
    pub fn arrived(&self) -> usize {
        *self.arrived.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::thread;

    #[test]
    fn workers_alive_together_meet() {
        let meet = Rendezvous::new(3, Duration::from_secs(5));
        let met: Vec<bool> = thread::scope(|s| {
            let handles: Vec<_> = (0..3).map(|_| s.spawn(|| meet.arrive())).collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        assert_eq!(met, [true, true, true]);
    }

    #[test]
    fn workers_one_after_another_do_not_meet() {
        let meet = Rendezvous::new(2, Duration::from_millis(20));
        let first = thread::scope(|s| s.spawn(|| meet.arrive()).join().unwrap());
        assert!(!first);
        assert_eq!(meet.arrived(), 1);
    }
}
