//! Wrong: each worker sends its outcome on a channel and `join_all` collects them — without
//! joining, so it may return while workers are still running.
//! Expect: returned before its threads finished

//! A supervisor for named worker threads: it tells which workers are still running and, at the
//! end, reports how each one ended — a worker's panic becomes a report, never the main
//! thread's crash.

use std::any::Any;
use std::panic::{self, AssertUnwindSafe};
use std::sync::mpsc::{self, Receiver, Sender};
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
pub struct Supervisor {
    workers: Vec<(String, JoinHandle<()>)>,
    outcomes: Sender<(usize, Outcome)>,
    arrivals: Receiver<(usize, Outcome)>,
}

impl Default for Supervisor {
    fn default() -> Self {
        let (outcomes, arrivals) = mpsc::channel();
        Supervisor {
            workers: Vec::new(),
            outcomes,
            arrivals,
        }
    }
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
        let index = self.workers.len();
        let outcomes = self.outcomes.clone();
        let handle = thread::Builder::new()
            .name(name.to_owned())
            .spawn(move || {
                let outcome = match panic::catch_unwind(AssertUnwindSafe(job)) {
                    Ok(value) => Outcome::Finished(value),
                    Err(payload) => Outcome::Panicked(panic_message(payload)),
                };
                let _ = outcomes.send((index, outcome));
            })
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

    /// Waits for every worker and reports how each ended, in spawn order.
    pub fn join_all(self) -> Vec<Report> {
        let Supervisor {
            workers,
            outcomes,
            arrivals,
        } = self;
        drop(outcomes);
        // The mistake: every outcome has arrived, but no worker was joined; the handles are
        // dropped, and the threads may still be running when this returns.
        let mut reports: Vec<Option<Report>> = workers.iter().map(|_| None).collect();
        for (index, outcome) in arrivals {
            let name = workers[index].0.clone();
            reports[index] = Some(Report { name, outcome });
        }
        reports.into_iter().map(Option::unwrap).collect()
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
