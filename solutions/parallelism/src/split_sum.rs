//! Split a CPU-bound job across N threads: each sums `f` over its own chunk of the data, in
//! parallel, and the partial sums are added at the end.

use std::thread;

/// The sum of `f(x)` over `data`, computed by worker threads that all run at the same time,
/// each over one contiguous chunk of `data.len().div_ceil(threads)` items (the last one
/// shorter): `threads` workers, fewer when the chunks run out first (fewer items than threads,
/// or 9 items over 4 threads: 3 chunks of 3). The calling thread only waits; empty `data` sums
/// to 0.
///
/// # Panics
///
/// If `threads` is 0; if `f` panics, the panic is passed on to the caller.
pub fn parallel_sum<F>(data: &[u64], threads: usize, f: F) -> u64
where
    F: Fn(u64) -> u64 + Sync,
{
    assert!(threads > 0, "at least one thread");
    if data.is_empty() {
        return 0;
    }
    // One chunk per thread, the last one possibly shorter: N threads, not one per item —
    // more threads than CPUs only adds context switches.
    let size = data.len().div_ceil(threads);
    let f = &f;
    thread::scope(|s| {
        // Spawn every worker before joining any: joining inside the loop would run the
        // chunks one after another.
        let workers: Vec<_> = data
            .chunks(size)
            .map(|chunk| s.spawn(move || chunk.iter().map(|&x| f(x)).sum::<u64>()))
            .collect();
        workers
            .into_iter()
            .map(|w| w.join().expect("a worker panicked"))
            .sum()
    })
}
