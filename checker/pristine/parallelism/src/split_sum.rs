//! Split a CPU-bound job across N threads: each sums `f` over its own chunk of the data, in
//! parallel, and the partial sums are added at the end.

use std::thread;

/// The sum of `f(x)` over `data`, computed by exactly `threads` worker threads (fewer if
/// there are fewer items), each over one contiguous chunk.
pub fn parallel_sum<F>(data: &[u64], threads: usize, f: F) -> u64
where
    F: Fn(u64) -> u64 + Sync,
{
    // TODO: split `data` into `threads` chunks (`data.chunks(data.len().div_ceil(threads))`;
    // mind the empty slice), spawn one scoped thread per chunk that sums `f(x)` over it, then
    // join them all and add the partial sums.
    todo!("sum in parallel")
}
