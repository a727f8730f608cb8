//! Alternative: each worker adds its partial sum into one shared `AtomicU64` (one `fetch_add` per chunk, after the chunk is summed), and the scope's end waits for them all.

use std::sync::atomic::{AtomicU64, Ordering};
use std::thread;

/// The sum of `f(x)` over `data`, computed by worker threads that all run at the same time,
/// each over one contiguous chunk of `data.len().div_ceil(threads)` items (the last one
/// shorter).
///
/// # Panics
///
/// If `threads` is 0; if `f` panics, the panic is passed on to the caller.
pub fn parallel_sum<F>(data: &[u64], threads: usize, f: F) -> u64
where
    F: Fn(u64) -> u64 + Sync,
{
    assert!(threads > 0, "parallel_sum needs at least one thread");
    let total = AtomicU64::new(0);
    if data.is_empty() {
        return 0;
    }
    let (f, total_ref) = (&f, &total);
    thread::scope(|s| {
        for chunk in data.chunks(data.len().div_ceil(threads)) {
            s.spawn(move || {
                // Sum privately, then publish once: no contention while working. Relaxed is
                // enough — the scope's end orders every add before the load below.
                let partial: u64 = chunk.iter().map(|&x| f(x)).sum();
                total_ref.fetch_add(partial, Ordering::Relaxed);
            });
        }
        // Leaving the scope joins every worker and re-raises a worker's panic.
    });
    total.into_inner()
}
