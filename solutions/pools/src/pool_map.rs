//! Python's `Pool` API on our `ThreadPool`: `apply` and `map` block until the results are in;
//! `apply_async` and `map_async` return a handle at once (or call you back). `map` keeps the
//! input order, and a panic in a task comes back to the caller as an error.

use std::any::Any;
use std::fmt;
use std::panic::{self, AssertUnwindSafe};
use std::sync::Arc;

use crossbeam_channel::{Receiver, bounded};

use crate::thread_pool::ThreadPool;

/// A task panicked; `message` is its panic message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskPanicked {
    /// What the task panicked with (its `&str` or `String` payload).
    pub message: String,
}

impl fmt::Display for TaskPanicked {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "a pool task panicked: {}", self.message)
    }
}

impl std::error::Error for TaskPanicked {}

/// The future result of one task (Python's `AsyncResult`).
pub struct TaskHandle<R> {
    result: Receiver<Result<R, TaskPanicked>>,
}

impl<R> TaskHandle<R> {
    /// Whether the result is in (`wait` would not block).
    pub fn is_ready(&self) -> bool {
        // Look, do not take: `try_recv` would remove the result that `wait` is to return.
        !self.result.is_empty()
    }

    /// Blocks until the task is done; its value, or the panic it ended with.
    pub fn wait(self) -> Result<R, TaskPanicked> {
        // The worker always sends: the task's panic is caught before it could skip the send.
        self.result
            .recv()
            .expect("a pool worker always reports its task")
    }
}

/// The future results of a `map_async`, one handle per item, in input order.
pub struct MapHandle<R> {
    parts: Vec<TaskHandle<R>>,
}

impl<R> MapHandle<R> {
    /// Whether every result is in.
    pub fn is_ready(&self) -> bool {
        // Every part, not any (and a map over no items is ready at once).
        self.parts.iter().all(TaskHandle::is_ready)
    }

    /// Blocks until every item is done; the results in input order, or the panic of the first
    /// item (in input order) that panicked.
    pub fn wait(self) -> Result<Vec<R>, TaskPanicked> {
        // Waiting on the handles in input order puts each result in its place, whatever order
        // the workers finished in.
        self.parts.into_iter().map(TaskHandle::wait).collect()
    }
}

impl ThreadPool {
    /// Runs `task` on a worker and returns a handle to its result at once.
    pub fn apply_async<F, R>(&self, task: F) -> TaskHandle<R>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        // A one-slot channel per task: the worker's send never blocks, the handle waits on it.
        let (done, result) = bounded(1);
        self.execute(move || {
            let _ = done.send(run_caught(task));
        });
        TaskHandle { result }
    }

    /// Runs `task` on a worker, then `callback` with its result (on that worker, right after the
    /// task; `Err(TaskPanicked)` if it panicked); returns at once.
    pub fn apply_async_then<F, R, C>(&self, task: F, callback: C)
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
        C: FnOnce(Result<R, TaskPanicked>) + Send + 'static,
    {
        self.execute(move || callback(run_caught(task)));
    }

    /// Runs `task` on a worker and waits for its result.
    pub fn apply<F, R>(&self, task: F) -> Result<R, TaskPanicked>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        self.apply_async(task).wait()
    }

    /// Queues `f(item)` for every item and returns a handle to the results at once.
    pub fn map_async<T, R, F>(&self, f: F, items: impl IntoIterator<Item = T>) -> MapHandle<R>
    where
        T: Send + 'static,
        R: Send + 'static,
        F: Fn(T) -> R + Send + Sync + 'static,
    {
        // Every task needs the function: share one copy instead of cloning it per item.
        let f = Arc::new(f);
        let parts = items
            .into_iter()
            .map(|item| {
                let f = Arc::clone(&f);
                self.apply_async(move || f(item))
            })
            .collect();
        MapHandle { parts }
    }

    /// `f(item)` for every item, run on the workers; the results in input order, or the panic
    /// of the first item (in input order) that panicked.
    pub fn map<T, R, F>(
        &self,
        f: F,
        items: impl IntoIterator<Item = T>,
    ) -> Result<Vec<R>, TaskPanicked>
    where
        T: Send + 'static,
        R: Send + 'static,
        F: Fn(T) -> R + Send + Sync + 'static,
    {
        self.map_async(f, items).wait()
    }
}

/// Runs `task`, turning a panic into `Err(TaskPanicked)` with the panic's message.
fn run_caught<R>(task: impl FnOnce() -> R) -> Result<R, TaskPanicked> {
    panic::catch_unwind(AssertUnwindSafe(task)).map_err(|payload| TaskPanicked {
        message: panic_message(&*payload),
    })
}

/// The message of a panic payload (`panic!` gives a `&str` or a `String`).
fn panic_message(payload: &(dyn Any + Send)) -> String {
    if let Some(message) = payload.downcast_ref::<&str>() {
        (*message).to_owned()
    } else if let Some(message) = payload.downcast_ref::<String>() {
        message.clone()
    } else {
        "a panic with a non-string payload".to_owned()
    }
}
