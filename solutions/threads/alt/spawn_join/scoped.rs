//! Alternative: scoped threads (`thread::scope`) instead of `'static` spawns; the scope joins every worker before it returns.

use std::thread;

/// Runs `work(0)`, ..., `work(n - 1)` on `n` worker threads, all at the same time, and returns
/// the results in index order.
pub fn run_workers<T, F>(n: usize, work: F) -> Vec<T>
where
    T: Send + 'static,
    F: Fn(usize) -> T + Send + Sync + Clone + 'static,
{
    // Scoped threads may borrow `work`: no clone per worker, and no `'static` needed.
    thread::scope(|s| {
        let work = &work;
        let handles: Vec<_> = (0..n).map(|i| s.spawn(move || work(i))).collect();
        handles
            .into_iter()
            .map(|handle| {
                handle
                    .join()
                    .unwrap_or_else(|payload| std::panic::resume_unwind(payload))
            })
            .collect()
    })
}
