//! Alternative: each worker catches its own job's panic (`catch_unwind`) and returns the outcome, so `join` never gives `Err`; names are read back from each handle's thread instead of being stored.

use std::any::Any;
use std::panic::{self, AssertUnwindSafe};
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
    /// In spawn order; each thread carries its own name.
    workers: Vec<JoinHandle<Outcome>>,
}

impl Supervisor {
    /// A supervisor with no workers yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Starts `job` on a new worker thread named `name`.
    pub fn spawn(&mut self, name: &str, job: impl FnOnce() -> u64 + Send + 'static) {
        let handle = thread::Builder::new()
            .name(name.to_owned())
            .spawn(move || match panic::catch_unwind(AssertUnwindSafe(job)) {
                Ok(value) => Outcome::Finished(value),
                Err(payload) => Outcome::Panicked(panic_message(payload.as_ref())),
            })
            .expect("could not spawn a worker");
        self.workers.push(handle);
    }

    /// The names of the workers whose job has not finished yet, in spawn order.
    pub fn running(&self) -> Vec<String> {
        self.workers
            .iter()
            .filter(|handle| !handle.is_finished())
            .map(name_of)
            .collect()
    }

    /// Waits for every worker and reports how each ended, in spawn order.
    pub fn join_all(self) -> Vec<Report> {
        self.workers
            .into_iter()
            .map(|handle| {
                let name = name_of(&handle);
                // The worker caught its job's panic, so its thread itself never panics.
                let outcome = handle.join().expect("the worker caught its job's panic");
                Report { name, outcome }
            })
            .collect()
    }
}

fn name_of<T>(handle: &JoinHandle<T>) -> String {
    handle.thread().name().unwrap_or_default().to_owned()
}

fn panic_message(payload: &(dyn Any + Send)) -> String {
    if let Some(message) = payload.downcast_ref::<&str>() {
        (*message).to_owned()
    } else if let Some(message) = payload.downcast_ref::<String>() {
        message.clone()
    } else {
        "(a panic with no message)".to_owned()
    }
}
