//! A supervisor for named worker threads: it tells which workers are still running and, at the
//! end, reports how each one ended — a worker's panic becomes a report, never the main
//! thread's crash.

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
    /// In spawn order; the name is kept here too, so `running` needs no lock and no thread.
    workers: Vec<(String, JoinHandle<u64>)>,
}

impl Supervisor {
    /// A supervisor with no workers yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Starts `job` on a new worker thread named `name`, and returns at once while the job
    /// runs. Names need not be unique: two workers with the same name are two workers.
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

    /// Waits for every worker thread to end (joins it) and reports how each ended, in spawn
    /// order — a panicked one included.
    pub fn join_all(self) -> Vec<Report> {
        self.workers
            .into_iter()
            .map(|(name, handle)| {
                // A panic unwinds only its own thread; `join` hands the panic's payload to the
                // main thread as `Err`. Unwrapping it would re-raise the panic here and bring the
                // main thread down with it: turn it into a report instead.
                let outcome = match handle.join() {
                    Ok(value) => Outcome::Finished(value),
                    Err(payload) => Outcome::Panicked(panic_message(payload)),
                };
                Report { name, outcome }
            })
            .collect()
    }
}

/// The message of a panic payload: `panic!("literal")` carries a `&'static str`,
/// `panic!("{x}")` a formatted `String`; anything else (`panic_any`) has no message.
fn panic_message(payload: Box<dyn Any + Send>) -> String {
    match payload.downcast::<String>() {
        Ok(message) => *message,
        Err(payload) => match payload.downcast_ref::<&str>() {
            Some(message) => (*message).to_owned(),
            None => "a panic without a message".to_owned(),
        },
    }
}
