//! The trap of cooperative multitasking: a task that blocks (sleeps the thread, computes for
//! long, calls a blocking library) never reaches an `.await`, so no other task on the event
//! loop can run. Wait with tokio's timers, push blocking calls to `spawn_blocking`, and yield
//! now and then during long computations.

use std::sync::Arc;
use std::time::Duration;

/// Returns `"hello, NAME"` after `delay`, without blocking the event loop.
pub async fn greet_after(name: &str, delay: Duration) -> String {
    // TODO: wait `delay` in a way that lets other tasks run meanwhile, then greet.
    todo!("wait, then greet")
}

/// Calls the blocking `lookup` for every key, all at the same time, off the event loop, and
/// returns the answers in key order.
pub async fn lookup_all(keys: Vec<u64>, lookup: Arc<dyn Fn(u64) -> u64 + Send + Sync>) -> Vec<u64> {
    // TODO: run each `lookup(key)` with `tokio::task::spawn_blocking` (clone the `Arc` into
    // each closure); start them all, then await the handles in order.
    todo!("run blocking lookups off the event loop")
}

/// The sum of `0..n`, computed on the event loop but yielding to other tasks once after every
/// `chunk` numbers (not more often: each yield costs a trip through the scheduler).
pub async fn sum_cooperatively(n: u64, chunk: u64) -> u64 {
    // TODO: add up 0..n; after every `chunk` numbers, give the other tasks a turn.
    todo!("sum, yielding now and then")
}
