//! Wrong: joins each worker right after spawning it, so no two workers ever run at once.
//! Expect: did not run at the same time

use std::thread;

// ANCHOR: mistake
pub fn run_workers<T, F>(n: usize, work: F) -> Vec<T>
where
    T: Send + 'static,
    F: Fn(usize) -> T + Send + Sync + Clone + 'static,
{
    (0..n)
        .map(|i| {
            let work = work.clone();
            // The mistake: waiting here means worker i + 1 starts only after worker i ended.
            thread::spawn(move || work(i)).join().unwrap()
        })
        .collect()
}
// ANCHOR_END: mistake
