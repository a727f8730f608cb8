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
    // Bounded: `send` blocks while `capacity` jobs are waiting, so the producer never gets
    // more than that far ahead of the workers (backpressure).
    let (job_tx, job_rx) = bounded::<(usize, T)>(capacity);
    let (result_tx, result_rx) = unbounded();
    thread::scope(|s| {
        for _ in 0..workers {
            // Every worker holds a clone of the one receiver: whoever is free takes the next job.
            let (job_rx, result_tx, work) = (job_rx.clone(), result_tx.clone(), &work);
            s.spawn(move || {
                for (index, job) in job_rx {
                    result_tx
                        .send((index, work(job)))
                        .expect("the caller keeps the results channel open");
                }
            });
        }
        // The calling thread is the producer; it pulls the next job only when the queue takes it.
        for job in jobs.into_iter().enumerate() {
            job_tx.send(job).expect("the workers outlive the jobs");
        }
        // Closing the queue lets the workers' loops end once it is drained.
        drop(job_tx);
    });
    drop(result_tx);
    // Results arrive in completion order; put each back in its job's place.
    let mut results: Vec<(usize, R)> = result_rx.iter().collect();
    results.sort_unstable_by_key(|(index, _)| *index);
    results.into_iter().map(|(_, result)| result).collect()
}
