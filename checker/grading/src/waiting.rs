//! How long a suite waits, and for what: a share of the test's time limit, a state that
//! certainly comes, workers that should all be running at once.

use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use crate::Rendezvous;

/// A share of the test's time limit ([`crate::test_timeout`], 5 s unless the catalog says
/// otherwise): how long a probe waits for something a correct solution does at once, so a
/// loaded machine gets the most margin a wrong solution's verdict can afford.
pub fn patience(percent: u32) -> Duration {
    crate::test_timeout() * percent / 100
}

/// Polls every millisecond until `done` holds or `patience` runs out; returns whether it
/// held. For states that certainly come, never to create an interleaving.
pub fn eventually(patience: Duration, mut done: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + patience;
    loop {
        if done() {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        thread::sleep(Duration::from_millis(1));
    }
}

/// A [`Rendezvous`] for workers (threads, tasks) that may run one after another: once one of
/// them has waited in vain, the later ones do not wait again, so a sequential solution costs
/// one patience, not one per worker.
pub struct Meeting {
    rendezvous: Rendezvous,
    gave_up: AtomicBool,
}

impl Meeting {
    /// A meeting of `workers`, each waiting at most `patience` for the others.
    pub fn new(workers: usize, patience: Duration) -> Self {
        Meeting {
            rendezvous: Rendezvous::new(workers, patience),
            gave_up: AtomicBool::new(false),
        }
    }

    /// Whether every worker was alive while this one waited.
    pub fn arrive(&self) -> bool {
        if self.gave_up.load(Ordering::SeqCst) {
            return false;
        }
        let met = self.rendezvous.arrive();
        if !met {
            self.gave_up.store(true, Ordering::SeqCst);
        }
        met
    }
}
