//! Split a borrowed slice into contiguous chunks, map each chunk on its own scoped thread (all
//! at the same time), and return the results in chunk order. The data is borrowed, not
//! `'static`: use `std::thread::scope`.

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
    // TODO: refuse `threads == 0` with a clear panic message.
    // TODO: inside `thread::scope`, spawn one thread per chunk, then join them in chunk order.
    todo!()
}
