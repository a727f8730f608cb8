//! Wrong: ignores `threads` and runs on rayon's global pool, whatever size was asked for.
//! Expect: not the

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
    let _ = (threads, ThreadPoolBuilder::new());
    // An indexed parallel iterator: `collect` writes each result into its own slot, so the
    // order is the input's even though the items finish in any order.
    items.par_iter().map(f).collect()
}
