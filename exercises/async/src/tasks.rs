//! Many tasks on one thread: spawn them all, then await them; wait for two futures at once
//! with `join!`; give up on a slow future with `select!` and a timer.

use std::future::Future;
use std::time::Duration;

/// Runs `task(0)`, …, `task(n - 1)` as concurrent tokio tasks and returns their results in
/// index order, whatever order they finish in. If a task panics, so does `run_all`: no result
/// is left out.
pub async fn run_all<T, F, Fut>(n: usize, task: F) -> Vec<T>
where
    F: Fn(usize) -> Fut,
    Fut: Future<Output = T> + Send + 'static,
    T: Send + 'static,
{
    // TODO: `tokio::spawn(task(i))` for every i, keeping the `JoinHandle`s; then await each
    // handle in order and collect the outputs.
    todo!("spawn n tasks and gather their results")
}

/// Awaits both futures at the same time (in this one task) and returns both outputs.
pub async fn both<A, B>(a: impl Future<Output = A>, b: impl Future<Output = B>) -> (A, B) {
    // TODO: wait for `a` and `b` concurrently (see `tokio::join!`).
    todo!("await two futures at once")
}

/// `Some(output)` if `fut` finishes within `limit`, else `None` (and `fut` is dropped, which
/// cancels it).
pub async fn with_timeout<T>(limit: Duration, fut: impl Future<Output = T>) -> Option<T> {
    // TODO: race `fut` against `tokio::time::sleep(limit)` with `tokio::select!`.
    todo!("give up on a slow future")
}
