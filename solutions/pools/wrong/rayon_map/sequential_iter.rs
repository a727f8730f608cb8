//! Wrong: uses `iter()` instead of `par_iter()`, so the items run one after the other.
//! Expect: did not run at the same time

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
    // The global pool (one thread per CPU) is the usual choice; a pool of our own lets the
    // caller pick the size. `install` runs the closure inside it.
    let pool = ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("failed to build a rayon pool");
    // An indexed parallel iterator: `collect` writes each result into its own slot, so the
    // order is the input's even though the items finish in any order.
    pool.install(|| items.iter().map(f).collect())
}
