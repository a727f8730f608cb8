//! A thread pool: a fixed set of worker threads, sized to the CPU count, each taking the next
//! task from one shared crossbeam channel. Build it so threads are made once and reused, a
//! panicking task does not kill its worker, and dropping the pool joins every worker.

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
        // TODO: `thread::available_parallelism()` tells how many CPUs this process may use.
        todo!()
    }

    /// A pool with exactly `workers` worker threads. Panics if `workers` is 0: a pool without
    /// workers would never run a task.
    pub fn with_workers(workers: usize) -> Self {
        // TODO: one task channel; spawn `workers` threads, each with a clone of the receiver,
        //       looping over the tasks until the channel closes.
        // TODO: what happens to a worker when one of its tasks panics?
        todo!()
    }

    /// How many worker threads the pool has.
    pub fn workers(&self) -> usize {
        // TODO
        todo!()
    }

    /// Queues `task` to run on one of the workers; returns at once, even while every worker is
    /// busy. A task that panics does not take its worker down.
    pub fn execute(&self, task: impl FnOnce() + Send + 'static) {
        // TODO: box the task and send it down the channel.
        todo!()
    }
}

impl Default for ThreadPool {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for ThreadPool {
    /// Graceful shutdown: the queued tasks finish, then every worker has exited.
    fn drop(&mut self) {
        // TODO: close the channel and join every worker — in which order?
        todo!()
    }
}
