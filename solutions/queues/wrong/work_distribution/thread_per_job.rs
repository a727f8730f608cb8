//! Wrong: spawns a new thread for every job instead of sharing the queue among a fixed set of workers.
//! Expect: not a fixed set of workers

use std::thread;

use crossbeam_channel::{bounded, unbounded};

/// Runs `work` on every job with `workers` threads taking jobs from one queue of at most
/// `capacity` waiting jobs, pulling jobs from `jobs` only as the queue has room. Returns the
/// results in the order of the jobs.
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
        let dispatcher_rx = job_rx.clone();
        let (result_tx, work) = (result_tx.clone(), &work);
        s.spawn(move || {
            thread::scope(|inner| {
                for (index, job) in dispatcher_rx {
                    let result_tx = result_tx.clone();
                    inner.spawn(move || {
                        result_tx
                            .send((index, work(job)))
                            .expect("results channel open")
                    });
                }
            });
        });
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
