//! A supervisor for named worker threads: it tells which workers are still running and, at the
//! end, reports how each one ended. A worker's panic must become a report, never bring down the
//! main thread.

use std::any::Any;
use std::thread::{self, JoinHandle};

/// How one worker ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The job returned this value.
    Finished(u64),
    /// The job panicked with this message (a placeholder of your choice when the payload is
    /// neither a `&str` nor a `String`, as with `std::panic::panic_any`).
    Panicked(String),
}

/// The end of one worker, as `join_all` reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    pub name: String,
    pub outcome: Outcome,
}

/// Keeps the main thread's handle on each worker it started.
#[derive(Default)]
pub struct Supervisor {
    // TODO: keep each worker's name and `JoinHandle`, in spawn order.
}

impl Supervisor {
    /// A supervisor with no workers yet.
    pub fn new() -> Self {
        // TODO: start with no workers.
        todo!()
    }

    /// Starts `job` on a new worker thread named `name`, and returns at once while the job
    /// runs. Names need not be unique: two workers with the same name are two workers.
    pub fn spawn(&mut self, name: &str, job: impl FnOnce() -> u64 + Send + 'static) {
        // TODO: spawn a thread that carries `name` (see `thread::Builder`) and keep its handle.
        todo!()
    }

    /// The names of the workers whose job has not finished yet, in spawn order.
    pub fn running(&self) -> Vec<String> {
        // TODO: look at each handle without blocking.
        todo!()
    }

    /// Waits for every worker thread to end (joins it) and reports how each ended, in spawn
    /// order — a panicked one included.
    pub fn join_all(self) -> Vec<Report> {
        // TODO: join each worker; a panicked worker's `join` gives `Err(payload)`: report its
        // message (the payload is a `&str` or a `String`) instead of unwrapping.
        todo!()
    }
}
