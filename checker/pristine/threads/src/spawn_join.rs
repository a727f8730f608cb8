//! Spawn `n` worker threads, let worker `i` compute `work(i)`, and collect the results in index
//! order once every worker is done. The workers must all run at the same time, each on its own
//! thread, never on the calling thread.

use std::thread::{self, JoinHandle};

/// Runs `work(0)`, ..., `work(n - 1)` on `n` worker threads, all at the same time, and returns
/// the results in index order. Returns only once every worker thread has ended (joined), not
/// merely once every result has arrived; `n == 0` starts no thread.
///
/// # Panics
///
/// If a worker panics: its panic is passed on to the caller, never lost.
pub fn run_workers<T, F>(n: usize, work: F) -> Vec<T>
where
    T: Send + 'static,
    F: Fn(usize) -> T + Send + Sync + Clone + 'static,
{
    // TODO: spawn one thread per index (each needs its own clone of `work`), keep the
    // `JoinHandle`s, and only after the loop join them, in spawn order.
    todo!()
}
