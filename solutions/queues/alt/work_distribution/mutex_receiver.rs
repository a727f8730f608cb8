//! Alternative: std's bounded `sync_channel`, its one `Receiver` shared by the workers behind a
//! `Mutex`; each worker holds the lock only while it takes a job, never while it works.

use std::sync::mpsc::{channel, sync_channel};
use std::sync::{Arc, Mutex};
use std::thread;

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
    // std's Receiver is single-consumer: the workers take turns through a Mutex.
    let (job_tx, job_rx) = sync_channel::<(usize, T)>(capacity);
    let job_rx = Arc::new(Mutex::new(job_rx));
    let (result_tx, result_rx) = channel();
    thread::scope(|s| {
        for _ in 0..workers {
            let (job_rx, result_tx, work) = (Arc::clone(&job_rx), result_tx.clone(), &work);
            s.spawn(move || {
                loop {
                    // The guard is a temporary of this statement: unlocked before the work.
                    let next = job_rx.lock().unwrap().recv();
                    let Ok((index, job)) = next else { break };
                    result_tx
                        .send((index, work(job)))
                        .expect("the caller keeps the results channel open");
                }
            });
        }
        for job in jobs.into_iter().enumerate() {
            job_tx.send(job).expect("the workers outlive the jobs");
        }
        drop(job_tx);
    });
    drop(result_tx);
    let mut results: Vec<(usize, R)> = result_rx.iter().collect();
    results.sort_unstable_by_key(|(index, _)| *index);
    results.into_iter().map(|(_, result)| result).collect()
}
