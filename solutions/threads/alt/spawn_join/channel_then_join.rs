//! Alternative: the workers send `(index, result)` on a channel; the caller files each result at its index as it arrives, then joins every handle before returning.

use std::sync::mpsc;
use std::thread;

/// Runs `work(0)`, ..., `work(n - 1)` on `n` worker threads, all at the same time, and returns
/// the results in index order.
pub fn run_workers<T, F>(n: usize, work: F) -> Vec<T>
where
    T: Send + 'static,
    F: Fn(usize) -> T + Send + Sync + Clone + 'static,
{
    let (results, arrivals) = mpsc::channel();
    let handles: Vec<_> = (0..n)
        .map(|i| {
            let work = work.clone();
            let results = results.clone();
            thread::spawn(move || {
                let result = work(i);
                // The receiver outlives every worker that is joined; a send fails only if the
                // caller is already unwinding.
                let _ = results.send((i, result));
            })
        })
        .collect();
    drop(results);
    // The index files each result in its place, whatever order they arrive in. Loop until every
    // sender is gone: that also ends if a worker panicked before sending.
    let mut slots: Vec<Option<T>> = (0..n).map(|_| None).collect();
    for (i, result) in arrivals {
        slots[i] = Some(result);
    }
    // Every result is in, but the threads may still be running: join them all before returning.
    for handle in handles {
        if let Err(payload) = handle.join() {
            std::panic::resume_unwind(payload);
        }
    }
    slots
        .into_iter()
        .map(|slot| slot.expect("a joined worker sent its result"))
        .collect()
}
