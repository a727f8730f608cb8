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
    // Spawn everything first: a task only makes progress when the runtime polls it, and the
    // runtime can switch between tasks only at their `.await` points. Awaiting each handle
    // right after spawning it would run the tasks one after another.
    let handles: Vec<_> = (0..n).map(|i| tokio::spawn(task(i))).collect();
    let mut results = Vec::with_capacity(n);
    for handle in handles {
        results.push(handle.await.expect("a task panicked"));
    }
    results
}

/// Awaits both futures at the same time (in this one task) and returns both outputs.
pub async fn both<A, B>(a: impl Future<Output = A>, b: impl Future<Output = B>) -> (A, B) {
    // `join!` polls both in turn: while one waits, the other advances. `(a.await, b.await)`
    // would only start `b` once `a` was done.
    tokio::join!(a, b)
}

/// `Some(output)` if `fut` finishes within `limit`, else `None` (and `fut` is dropped, which
/// cancels it).
pub async fn with_timeout<T>(limit: Duration, fut: impl Future<Output = T>) -> Option<T> {
    // `select!` polls both branches and drops the loser: a future is cancelled simply by no
    // longer being polled. (`tokio::time::timeout` packages exactly this.)
    tokio::select! {
        output = fut => Some(output),
        () = tokio::time::sleep(limit) => None,
    }
}
