//! The trap of cooperative multitasking: a task that blocks (sleeps the thread, computes for
//! long, calls a blocking library) never reaches an `.await`, so no other task on the event
//! loop can run. Wait with tokio's timers, push blocking calls to `spawn_blocking`, and yield
//! now and then during long computations.

use std::sync::Arc;
use std::time::Duration;

/// Returns `"hello, NAME"` after `delay`, without blocking the event loop.
pub async fn greet_after(name: &str, delay: Duration) -> String {
    // `tokio::time::sleep` registers a timer and returns to the event loop; the task is woken
    // when it fires. `std::thread::sleep` would put the loop's only thread to sleep instead.
    tokio::time::sleep(delay).await;
    format!("hello, {name}")
}

/// Calls the blocking `lookup` for every key, all at the same time, off the event loop, and
/// returns the answers in key order.
pub async fn lookup_all(keys: Vec<u64>, lookup: Arc<dyn Fn(u64) -> u64 + Send + Sync>) -> Vec<u64> {
    // `spawn_blocking` runs the call on tokio's pool of blocking threads; the event loop only
    // awaits its handle. Spawn them all before awaiting, so the calls overlap.
    let handles: Vec<_> = keys
        .into_iter()
        .map(|key| {
            let lookup = Arc::clone(&lookup);
            tokio::task::spawn_blocking(move || lookup(key))
        })
        .collect();
    let mut answers = Vec::with_capacity(handles.len());
    for handle in handles {
        answers.push(handle.await.expect("a lookup panicked"));
    }
    answers
}

/// The sum of `0..n`, computed on the event loop but yielding to other tasks once after every
/// `chunk` numbers (not more often: each yield costs a trip through the scheduler).
pub async fn sum_cooperatively(n: u64, chunk: u64) -> u64 {
    let mut sum = 0;
    for i in 0..n {
        sum += i;
        // Cooperative multitasking: nothing preempts a task, so long CPU work must offer the
        // thread back at points it chooses.
        if (i + 1) % chunk == 0 {
            tokio::task::yield_now().await;
        }
    }
    sum
}
