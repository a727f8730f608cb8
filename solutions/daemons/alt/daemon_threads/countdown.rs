//! Alternative: no JoinHandles kept at all: every non-daemon thread is counted in a shared counter (a Mutex and a Condvar), a guard counts it down when it ends (panicking or not), and shutdown waits for the count to reach zero.

use std::sync::{Arc, Condvar, Mutex};
use std::thread;

/// The threads a program started, each daemon or not.
#[derive(Default)]
pub struct Threads {
    running: Arc<Running>,
}

/// How many non-daemon threads have not ended yet.
#[derive(Default)]
struct Running {
    count: Mutex<usize>,
    ended: Condvar,
}

/// Counts its thread as ended when dropped: when `work` returns, and also while a panic
/// unwinds out of it.
struct Ending(Arc<Running>);

impl Drop for Ending {
    fn drop(&mut self) {
        let mut count = self.0.count.lock().unwrap_or_else(|e| e.into_inner());
        *count -= 1;
        self.0.ended.notify_all();
    }
}

impl Threads {
    /// No threads yet.
    pub fn new() -> Threads {
        Threads::default()
    }

    /// Starts `work` on a new thread called `name`. A `daemon` thread is background work
    /// (a periodic saver, a monitor) that nobody waits for at shutdown.
    pub fn spawn(&mut self, name: &str, daemon: bool, work: impl FnOnce() + Send + 'static) {
        // Counted before the thread starts, so a shutdown right after spawn already waits.
        let ending = (!daemon).then(|| {
            *self.running.count.lock().unwrap_or_else(|e| e.into_inner()) += 1;
            Ending(Arc::clone(&self.running))
        });
        // Every handle is dropped: no thread is joined, the count does the waiting.
        thread::Builder::new()
            .name(name.to_owned())
            .spawn(move || {
                let _ending = ending;
                work();
            })
            .expect("spawn a thread");
    }

    /// What happens when the main thread is done: wait for every non-daemon thread; daemon
    /// threads keep running only until the process exits (in Rust, when `main` returns).
    /// A worker that panicked has ended too: shutdown still waits for the others, and does not
    /// panic itself (as in Python, a thread's exception does not stop the program's shutdown).
    pub fn shutdown(self) {
        let count = self.running.count.lock().unwrap_or_else(|e| e.into_inner());
        let _none_left = self
            .running
            .ended
            .wait_while(count, |count| *count > 0)
            .unwrap_or_else(|e| e.into_inner());
    }
}
