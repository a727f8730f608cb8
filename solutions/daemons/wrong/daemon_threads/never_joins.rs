//! Wrong: treats every thread as a daemon (drops each handle), so the program ends without
//! waiting for its non-daemon worker, cutting its work short.
//! Expect: did not wait for its non-daemon worker

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
        let handle = thread::Builder::new()
            .name(name.to_owned())
            .spawn(work)
            .expect("spawn a thread");
        // Dropping a `JoinHandle` detaches the thread: that is a daemon. Keeping it lets
        // `shutdown` wait for the thread: that is a non-daemon.
        let _ = (daemon, handle);
    }

    /// What happens when the main thread is done: wait for every non-daemon thread; daemon
    /// threads keep running only until the process exits (in Rust, when `main` returns).
    pub fn shutdown(self) {
        // Nothing to do: the threads run by themselves.
        drop(self.waited_for);
    }
}
