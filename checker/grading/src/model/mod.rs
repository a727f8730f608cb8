//! Model checking, for the topics graded by it (`locks`, `races`, `deadlock`): the verdict for
//! a failing interleaving ([`model_check`]) and, under the `model` feature, loom's primitives
//! wrapped to record each step ([`sync`]) and the suites' way to explore a test body
//! ([`check`], [`race`]).

// Without the `model` feature nothing records steps: only `render` (which then finds none) is
// used.
#[cfg_attr(not(feature = "model"), allow(dead_code))]
mod diagnose;
#[cfg_attr(not(feature = "model"), allow(dead_code))]
mod trace;
mod verdict;

#[cfg(feature = "model")]
pub mod sync;

pub use verdict::{DEADLOCK, model_check};

#[cfg(feature = "model")]
pub use explore::{check, race};

#[cfg(feature = "model")]
mod explore {
    use super::{model_check, sync, trace};

    /// How many times loom lets the scheduler take the processor away from a thread that could
    /// go on, per execution. Three finds every mistake in the catalogue (and is loom's advice).
    const PREEMPTIONS: usize = 3;

    /// Explores every interleaving of `body` (up to three preemptions); if one fails, the test
    /// fails with what went wrong, the steps of that interleaving, and `hint`.
    pub fn check(hint: &'static str, body: impl Fn() + Sync + Send + 'static) {
        model_check(hint, move || {
            let body = std::sync::Arc::new(body);
            let explore = || {
                let body = std::sync::Arc::clone(&body);
                let mut builder = loom::model::Builder::new();
                // Record where each thread blocks, so a deadlock verdict names the lock it
                // waits on.
                builder.location = true;
                builder.preemption_bound.get_or_insert(PREEMPTIONS);
                builder.check(move || {
                    trace::begin();
                    body();
                });
            };
            sync::quiet::reset();
            explore();
            // A program that tries locks is explored again, with critical sections that
            // other threads can see from inside (see `sync::quiet::Probe`).
            if sync::quiet::tried() {
                sync::quiet::preemptible();
                explore();
            }
        });
    }

    /// Runs `mine` on the test's thread and `theirs` on another, at the same time; returns both
    /// results.
    #[track_caller]
    pub fn race<T: Send + Sync + 'static, A, B: Send + 'static>(
        shared: &std::sync::Arc<T>,
        mine: impl FnOnce(&T) -> A,
        theirs: impl FnOnce(&T) -> B + Send + 'static,
    ) -> (A, B) {
        let other = {
            let shared = std::sync::Arc::clone(shared);
            sync::thread::spawn(move || theirs(&shared))
        };
        let a = mine(shared);
        (a, other.join().unwrap())
    }
}
