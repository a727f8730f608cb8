//! Work distribution: a fixed set of worker threads share one bounded crossbeam channel of
//! jobs (multi-producer, multi-consumer), and the bound gives backpressure: the producer
//! waits instead of racing ahead of the workers.

use std::thread;

use crossbeam_channel::{bounded, unbounded};

/// Runs `work` on every job with `workers` threads taking jobs from one queue of at most
/// `capacity` waiting jobs, pulling jobs from `jobs` only as the queue has room. Returns the
/// results in the order of the jobs. A free worker takes the next job, whoever it is; a panic
/// in `work` makes `distribute` panic.
pub fn distribute<I, T, R, F>(jobs: I, workers: usize, capacity: usize, work: F) -> Vec<R>
where
    I: IntoIterator<Item = T>,
    T: Send,
    R: Send,
    F: Fn(T) -> R + Sync,
{
    // TODO: one `bounded(capacity)` channel of (index, job), one channel for (index, result).
    // TODO: inside `thread::scope`, spawn `workers` threads, each with a clone of the job
    //       receiver, sending back (index, work(job)).
    // TODO: feed the jobs from this thread, one `send` at a time, then close the job channel.
    // TODO: collect the results and put them back in job order.
    todo!()
}
