//! Split a borrowed slice into contiguous chunks, map each chunk on its own scoped thread, and
//! return the results in chunk order.

use std::thread;

/// Applies `f` to `data` split into at most `threads` contiguous chunks of
/// `data.len().div_ceil(threads)` items (the last one shorter), one scoped thread per chunk, all
/// running at the same time. Returns one result per chunk, in chunk order; empty `data` gives an
/// empty `Vec` and runs no thread.
///
/// # Panics
///
/// If `threads` is 0, with a message that says so; if `f` panics, the panic is passed on
/// to the caller.
pub fn map_chunks<T: Sync, R: Send>(
    data: &[T],
    threads: usize,
    f: impl Fn(&[T]) -> R + Sync,
) -> Vec<R> {
    assert!(
        threads > 0,
        "map_chunks needs at least one thread (threads = 0)"
    );
    // Rounding up hands the remainder to the chunks instead of dropping it; `max(1)` because
    // `chunks(0)` panics and empty data has nothing to split anyway.
    let size = data.len().div_ceil(threads).max(1);
    let f = &f;

    // A scope joins every thread spawned in it before it returns, so the threads may borrow
    // `data` and `f` from this stack frame: no `'static`, no `Arc`, no copy of the data. That is
    // also why `T: Sync` (threads share `&T`) and `R: Send` (results cross back) are required.
    thread::scope(|scope| {
        // Spawn them all first so the chunks are processed at the same time...
        let handles: Vec<_> = data
            .chunks(size)
            .map(|chunk| scope.spawn(move || f(chunk)))
            .collect();
        // ...then join in spawn order, which is chunk order. A panicking `f` is passed on.
        handles
            .into_iter()
            .map(|handle| {
                handle
                    .join()
                    .unwrap_or_else(|payload| std::panic::resume_unwind(payload))
            })
            .collect()
    })
}
