//! Alternative: the Rust book's pool: std's mpsc channel with one `Receiver` shared behind an `Arc<Mutex<_>>`, the lock held only while taking a task.

use std::num::NonZeroUsize;
use std::panic::{self, AssertUnwindSafe};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};

/// A task: any closure a worker can run once.
type Task = Box<dyn FnOnce() + Send + 'static>;

/// A fixed set of worker threads running submitted tasks. It is `Sync`: several threads may
/// `execute` on one pool at the same time.
pub struct ThreadPool {
    /// `None` once the pool is shutting down.
    tasks: Option<Sender<Task>>,
    workers: Vec<JoinHandle<()>>,
}

/// A worker's loop: take the next task (holding the lock only for that), run it, repeat until
/// the channel is closed and empty.
fn work(queue: &Mutex<Receiver<Task>>) {
    loop {
        // The guard is a temporary of this statement: it is dropped before the task runs, so
        // another worker can take the next task meanwhile.
        let next = queue.lock().unwrap_or_else(|e| e.into_inner()).recv();
        match next {
            Ok(task) => {
                let _ = panic::catch_unwind(AssertUnwindSafe(task));
            }
            Err(_) => return,
        }
    }
}

impl ThreadPool {
    /// A pool with one worker per CPU the process may use.
    pub fn new() -> Self {
        Self::with_workers(thread::available_parallelism().map_or(1, NonZeroUsize::get))
    }

    /// A pool with exactly `workers` worker threads. Panics if `workers` is 0: a pool without
    /// workers would never run a task.
    pub fn with_workers(workers: usize) -> Self {
        assert!(workers > 0, "a pool needs at least one worker");
        // std's Receiver has a single consumer: the workers take turns holding it.
        let (tasks, queue) = channel::<Task>();
        let queue = Arc::new(Mutex::new(queue));
        let workers = (0..workers)
            .map(|_| {
                let queue = Arc::clone(&queue);
                thread::spawn(move || work(&queue))
            })
            .collect();
        ThreadPool {
            tasks: Some(tasks),
            workers,
        }
    }

    /// How many worker threads the pool has.
    pub fn workers(&self) -> usize {
        self.workers.len()
    }

    /// Queues `task` to run on one of the workers; returns at once, even while every worker is
    /// busy. A task that panics does not take its worker down.
    pub fn execute(&self, task: impl FnOnce() + Send + 'static) {
        let tasks = self.tasks.as_ref().expect("the pool is running until dropped");
        tasks
            .send(Box::new(task))
            .expect("the workers live as long as the pool");
    }
}

impl Default for ThreadPool {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for ThreadPool {
    /// Graceful shutdown: close the channel (the workers drain it, then `recv` fails), then
    /// join every worker.
    fn drop(&mut self) {
        drop(self.tasks.take());
        for worker in self.workers.drain(..) {
            let _ = worker.join();
        }
    }
}
