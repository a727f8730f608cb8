//! Daemon and non-daemon threads, as Python's `threading` has them: when the main thread is
//! done, the program waits for every non-daemon thread, but not for daemon threads, which
//! die with the process.

use std::thread::{self, JoinHandle};

/// The threads a program started, each daemon or not.
#[derive(Default)]
pub struct Threads {
    waited_for: Vec<JoinHandle<()>>,
}

impl Threads {
    /// No threads yet.
    pub fn new() -> Threads {
        Threads::default()
    }

    /// Starts `work` on a new thread called `name`. A `daemon` thread is background work
    /// (a periodic saver, a monitor) that nobody waits for at shutdown.
    pub fn spawn(&mut self, name: &str, daemon: bool, work: impl FnOnce() + Send + 'static) {
        // TODO: spawn a named thread (`thread::Builder::new().name(..)`); decide, from
        // `daemon`, whether to keep its `JoinHandle` (what does dropping one do?).
        todo!()
    }

    /// What happens when the main thread is done: wait for every non-daemon thread; daemon
    /// threads keep running only until the process exits (in Rust, when `main` returns).
    /// A worker that panicked has ended too: shutdown still waits for the others, and does not
    /// panic itself (as in Python, a thread's exception does not stop the program's shutdown).
    pub fn shutdown(self) {
        // TODO: join the threads that must be waited for.
        todo!()
    }
}
