//! A probe that tells when threads have exited, so a suite can order events without sleeping.

use std::cell::RefCell;
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

/// Counts the threads that called [`ExitWatch::watch_current_thread`] and have since exited.
///
/// A thread counts as exited once everything it ran is over, including what its spawner did
/// after the watched code returned (sending the result on a channel, storing it for `join`):
/// the count is kept by a thread-local value whose destructor runs as the thread ends. That lets
/// a suite make one worker finish last for sure ("wait until the others have exited") instead of
/// hoping a `sleep` is long enough.
///
/// Threads that never exit (a thread pool's workers, the process's main thread) are never
/// counted; [`ExitWatch::wait_for`] gives up after its patience, so nothing hangs.
#[derive(Clone, Default)]
pub struct ExitWatch {
    shared: Arc<Exits>,
}

#[derive(Default)]
struct Exits {
    count: Mutex<usize>,
    changed: Condvar,
}

/// Dropped with the thread-local storage of a watched thread, i.e. when that thread exits.
struct ExitGuard(Arc<Exits>);

impl Drop for ExitGuard {
    fn drop(&mut self) {
        *self.0.count.lock().unwrap_or_else(|e| e.into_inner()) += 1;
        self.0.changed.notify_all();
    }
}

thread_local! {
    static GUARDS: RefCell<Vec<ExitGuard>> = const { RefCell::new(Vec::new()) };
}

impl ExitWatch {
    /// A watch with no thread registered yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Registers the calling thread: its exit will be counted.
    pub fn watch_current_thread(&self) {
        let guard = ExitGuard(Arc::clone(&self.shared));
        GUARDS.with(|guards| guards.borrow_mut().push(guard));
    }

    /// How many watched threads have exited so far.
    pub fn exited(&self) -> usize {
        *self.shared.count.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Waits until at least `count` watched threads have exited, at most `patience`. Returns
    /// whether they did.
    pub fn wait_for(&self, count: usize, patience: Duration) -> bool {
        let deadline = Instant::now() + patience;
        let mut exited = self.shared.count.lock().unwrap_or_else(|e| e.into_inner());
        while *exited < count {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return false;
            }
            exited = self
                .shared
                .changed
                .wait_timeout(exited, left)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;
    use std::thread;

    #[test]
    fn counts_a_thread_only_after_everything_it_ran() {
        let watch = ExitWatch::new();
        let (tx, rx) = mpsc::channel();
        let handle = thread::spawn({
            let watch = watch.clone();
            move || {
                watch.watch_current_thread();
                // Still running: the exit has not been counted yet.
                tx.send(watch.exited()).unwrap();
            }
        });
        assert!(watch.wait_for(1, Duration::from_secs(5)));
        assert_eq!(rx.recv().unwrap(), 0);
        handle.join().unwrap();
    }

    #[test]
    fn gives_up_on_threads_that_do_not_exit() {
        let watch = ExitWatch::new();
        watch.watch_current_thread();
        assert!(!watch.wait_for(1, Duration::from_millis(20)));
    }
}
