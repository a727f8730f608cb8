//! Wrong: gives each worker a bounded queue of its own and deals the jobs round-robin: a worker
//! stuck on a long job holds up every job dealt to it while the others sit idle.
//! Expect: shared queue

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
    let (result_tx, result_rx) = unbounded();
    thread::scope(|s| {
        // One queue per worker, each with its share of the capacity.
        let queues: Vec<_> = (0..workers)
            .map(|_| {
                let (job_tx, job_rx) = bounded::<(usize, T)>(capacity.div_ceil(workers));
                let (result_tx, work) = (result_tx.clone(), &work);
                s.spawn(move || {
                    for (index, job) in job_rx {
                        result_tx
                            .send((index, work(job)))
                            .expect("the caller keeps the results channel open");
                    }
                });
                job_tx
            })
            .collect();
        for (index, job) in jobs.into_iter().enumerate() {
            queues[index % workers]
                .send((index, job))
                .expect("the workers outlive the jobs");
        }
        drop(queues);
    });
    drop(result_tx);
    let mut results: Vec<(usize, R)> = result_rx.iter().collect();
    results.sort_unstable_by_key(|(index, _)| *index);
    results.into_iter().map(|(_, result)| result).collect()
}
