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
    // TODO: split `data` into `threads` chunks (`data.chunks(data.len().div_ceil(threads))`;
    // mind the empty slice), spawn one scoped thread per chunk that sums `f(x)` over it, then
    // join them all and add the partial sums.
    todo!("sum in parallel")
}
