//! rayon's answer to `Pool.map`: `par_iter().map(f).collect()`. Its pool splits the work,
//! lets idle threads steal the other halves, and `collect` keeps the input order.

use rayon::ThreadPoolBuilder;
use rayon::prelude::*;

/// `f(item)` for every item, in parallel on a rayon pool of `threads` worker threads; the
/// results in input order.
pub fn par_map<T, R, F>(threads: usize, items: &[T], f: F) -> Vec<R>
where
    T: Sync,
    R: Send,
    F: Fn(&T) -> R + Sync + Send,
{
    // TODO: build a pool with `ThreadPoolBuilder::new().num_threads(threads)`.
    // TODO: inside `pool.install(...)`, map the items in parallel and collect the results.
    todo!()
}
