//! Wrong: the workers share a std `Receiver` behind a `Mutex` and take jobs with
//! `while let Ok(job) = rx.lock().unwrap().recv()`: the guard lives for the whole loop body, so
//! each worker holds the lock while it works and the workers run one at a time.
//! Expect: did not run at the same time
//! Expect: lock held

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
    // A bounded std channel; its one Receiver is shared by the workers through a Mutex.
    let (job_tx, job_rx) = sync_channel::<(usize, T)>(capacity);
    let job_rx = Arc::new(Mutex::new(job_rx));
    let (result_tx, result_rx) = channel();
    thread::scope(|s| {
        for _ in 0..workers {
            let (job_rx, result_tx, work) = (Arc::clone(&job_rx), result_tx.clone(), &work);
            s.spawn(move || {
                while let Ok((index, job)) = job_rx.lock().unwrap().recv() {
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
