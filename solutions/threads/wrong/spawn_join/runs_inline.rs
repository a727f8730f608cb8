//! Wrong: the calling (main) thread does worker 0's share itself instead of only waiting.
//! Expect: calling thread

use std::thread::{self, JoinHandle};

pub fn run_workers<T, F>(n: usize, work: F) -> Vec<T>
where
    T: Send + 'static,
    F: Fn(usize) -> T + Send + Sync + Clone + 'static,
{
    if n == 0 {
        return Vec::new();
    }
    let handles: Vec<JoinHandle<T>> = (1..n)
        .map(|i| {
            let work = work.clone();
            thread::spawn(move || work(i))
        })
        .collect();
    // The mistake: "the main thread is idle anyway" — but worker 0 was asked to be a worker.
    let mut results = vec![work(0)];
    results.extend(handles.into_iter().map(|handle| handle.join().unwrap()));
    results
}
