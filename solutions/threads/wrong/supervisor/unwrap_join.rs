//! Wrong: unwraps each `join()`, so a worker's panic is re-raised in the main thread.
//! Expect: brought down

use std::thread::{self, JoinHandle};

/// How one worker ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The job returned this value.
    Finished(u64),
    /// The job panicked with this message.
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
    /// In spawn order; the name is kept here too, so `running` needs no lock and no thread.
    workers: Vec<(String, JoinHandle<u64>)>,
}

impl Supervisor {
    /// A supervisor with no workers yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Starts `job` on a new worker thread named `name`.
    ///
    /// # Panics
    ///
    /// If the operating system cannot create the thread.
    pub fn spawn(&mut self, name: &str, job: impl FnOnce() -> u64 + Send + 'static) {
        // `thread::spawn` makes anonymous threads; the `Builder` names the OS thread, so the
        // name shows in `thread::current().name()`, in panic messages and in debuggers.
        let handle = thread::Builder::new()
            .name(name.to_owned())
            .spawn(job)
            .unwrap_or_else(|err| panic!("could not spawn worker `{name}`: {err}"));
        self.workers.push((name.to_owned(), handle));
    }

    /// The names of the workers whose job has not finished yet, in spawn order.
    pub fn running(&self) -> Vec<String> {
        // `is_finished` looks without blocking; `join` would wait for the worker to end.
        self.workers
            .iter()
            .filter(|(_, handle)| !handle.is_finished())
            .map(|(name, _)| name.clone())
            .collect()
    }

    // ANCHOR: mistake
    /// Waits for every worker and reports how each ended, in spawn order.
    pub fn join_all(self) -> Vec<Report> {
        self.workers
            .into_iter()
            .map(|(name, handle)| {
                // The mistake: `unwrap` turns a worker's `Err(payload)` into a panic right here.
                let outcome = Outcome::Finished(handle.join().unwrap());
                Report { name, outcome }
            })
            .collect()
    }
    // ANCHOR_END: mistake
}
