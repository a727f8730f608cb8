//! Model checking, for the topics graded by it (`locks`, `races`, `deadlock`): the verdict for
//! a failing interleaving ([`model_check`]) and, under the `model` feature, loom's primitives
//! wrapped to record each step ([`sync`]) and the suites' way to explore a test body
//! ([`check`], [`race`]).

// Without the `model` feature nothing records steps: only `model_check` (which then finds
// none) is used.
#[cfg_attr(not(feature = "model"), allow(dead_code))]
mod diagnose;
#[cfg_attr(not(feature = "model"), allow(dead_code))]
mod smallest;
#[cfg_attr(not(feature = "model"), allow(dead_code))]
pub mod timeline;
#[cfg_attr(not(feature = "model"), allow(dead_code))]
mod trace;
mod verdict;

#[cfg(feature = "model")]
pub mod sync;

pub use verdict::{DEADLOCK, PICTURE, model_check};

#[cfg(feature = "model")]
pub use explore::{check, race};

#[cfg(feature = "model")]
mod explore {
    use std::sync::Arc;
    use std::time::Instant;

    use super::smallest::Explorer;
    use super::{sync, trace, verdict};

    /// How many times loom lets the scheduler take the processor away from a thread that could
    /// go on, per execution. Three finds every mistake in the catalogue (and is loom's advice).
    const PREEMPTIONS: usize = 3;

    /// Explores every interleaving of `body` (up to three preemptions); if one fails, the test
    /// fails with what went wrong, the steps of the smallest failing schedule (the fewest
    /// preemptions), a picture of them, and `hint`.
    pub fn check(hint: &'static str, body: impl Fn() + Sync + Send + 'static) {
        let body: Arc<dyn Fn() + Sync + Send> = Arc::new(body);
        let explorer: Explorer = Arc::new(move |bound, deadline| explore(&body, bound, deadline));
        // `LOOM_MAX_PREEMPTIONS` still overrides the bound, as loom documents.
        let bound = loom::model::Builder::new()
            .preemption_bound
            .unwrap_or(PREEMPTIONS);
        verdict::model_check_smallest(hint, explorer, bound);
    }

    /// Explores `body` with up to `bound` preemptions, until `deadline` if there is one (a
    /// search for a smaller failing schedule must not outlive the test's time limit).
    fn explore(body: &Arc<dyn Fn() + Sync + Send>, bound: usize, deadline: Option<Instant>) {
        let run = || {
            let body = Arc::clone(body);
            let mut builder = loom::model::Builder::new();
            // Record where each thread blocks, so a deadlock verdict names the lock it
            // waits on.
            builder.location = true;
            builder.preemption_bound = Some(bound);
            if let Some(deadline) = deadline {
                builder.max_duration = Some(deadline.saturating_duration_since(Instant::now()));
                // Loom looks at the clock once per this many executions (20 000 by default).
                builder.checkpoint_interval = 1;
            }
            builder.check(move || {
                trace::begin();
                body();
            });
        };
        sync::quiet::reset();
        run();
        // A program that tries locks is explored again, with critical sections that other
        // threads can see from inside (see `sync::quiet::Probe`).
        if sync::quiet::tried() {
            sync::quiet::preemptible();
            run();
        }
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
