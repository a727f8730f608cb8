//! A thread pool: a fixed set of worker threads, sized to the CPU count, each taking the next
//! task from one shared crossbeam channel. Threads are made once and reused for every task;
//! dropping the pool lets the queued tasks finish and joins every worker.

use std::num::NonZeroUsize;
use std::panic::{self, AssertUnwindSafe};
use std::thread::{self, JoinHandle};

use crossbeam_channel::{Sender, unbounded};

/// A task: any closure a worker can run once.
type Task = Box<dyn FnOnce() + Send + 'static>;

/// A fixed set of worker threads running submitted tasks. It is `Sync`: several threads may
/// `execute` on one pool at the same time.
pub struct ThreadPool {
    /// `None` once the pool is shutting down.
    tasks: Option<Sender<Task>>,
    workers: Vec<JoinHandle<()>>,
}

impl ThreadPool {
    /// A pool with one worker per CPU the process may use.
    pub fn new() -> Self {
        // CPU-bound work gains nothing from more threads than cores: they only take turns.
        Self::with_workers(thread::available_parallelism().map_or(1, NonZeroUsize::get))
    }

    /// A pool with exactly `workers` worker threads. Panics if `workers` is 0: a pool without
    /// workers would never run a task.
    pub fn with_workers(workers: usize) -> Self {
        assert!(workers > 0, "a pool needs at least one worker");
        // Unbounded: `execute` queues the task and returns at once, however busy the workers
        // are; a bounded channel would make the caller wait for a free slot.
        let (tasks, queue) = unbounded::<Task>();
        let workers = (0..workers)
            .map(|i| {
                // crossbeam's Receiver is multi-consumer: each worker holds a clone, and the
                // idle one takes the next task. No Mutex around the receiver is needed.
                let queue = queue.clone();
                thread::Builder::new()
                    .name(format!("pool-worker-{i}"))
                    .spawn(move || {
                        // The loop ends when the pool drops its Sender and the queue is empty.
                        for task in queue {
                            // A panicking task must not take its worker down with it: the
                            // pool would silently shrink. (The caller hears of the panic
                            // through `pool_map`'s handles.)
                            let _ = panic::catch_unwind(AssertUnwindSafe(task));
                        }
                    })
                    .expect("failed to spawn a pool worker")
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
        let tasks = self
            .tasks
            .as_ref()
            .expect("the pool is running until dropped");
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
    /// Graceful shutdown: close the queue first (the workers finish what is queued, then their
    /// loops end), then join every worker, so no thread outlives the pool.
    fn drop(&mut self) {
        drop(self.tasks.take());
        for worker in self.workers.drain(..) {
            // Task panics are caught inside the worker, so a join error cannot happen here.
            let _ = worker.join();
        }
    }
}
