//! Spawn `n` worker threads, let worker `i` compute `work(i)`, and collect the results in index
//! order once every worker is done.

use std::panic;
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
    // Spawn every worker before joining any: a worker starts running the moment it is spawned,
    // so all `n` are alive together. Joining inside this loop would wait for each worker before
    // starting the next one, and the threads would run one after another.
    let handles: Vec<JoinHandle<T>> = (0..n)
        .map(|i| {
            // `thread::spawn` needs a `'static` closure: the thread may outlive this call, so it
            // must own what it uses. Each worker moves in its own clone of `work` and its index.
            let work = work.clone();
            thread::spawn(move || work(i))
        })
        .collect();

    // Joining the handles in spawn order gives the results in index order, whatever order the
    // workers finish in. A worker's panic comes back from `join` as `Err`; pass it on unchanged.
    handles
        .into_iter()
        .map(|handle| {
            handle
                .join()
                .unwrap_or_else(|payload| panic::resume_unwind(payload))
        })
        .collect()
}
