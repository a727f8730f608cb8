//! Dynamic load balancing: items of very different cost, handed out one at a time to
//! whichever worker is free, so a slow item never holds up the ones behind it (the idea
//! behind rayon's work stealing and `Pool.imap`'s chunksize=1).

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;

/// `f` applied to every item, each exactly once, by `threads` worker threads (fewer when there
/// are fewer items) running at the same time, each taking the next item as soon as it is free;
/// the calling thread only waits. Results in input order.
///
/// # Panics
///
/// If `threads` is 0; if `f` panics, the panic is passed on to the caller.
pub fn par_map<T, R, F>(items: Vec<T>, threads: usize, f: F) -> Vec<R>
where
    T: Send,
    R: Send,
    F: Fn(T) -> R + Sync,
{
    // TODO: put each item in its own `Mutex<Option<T>>` slot; start `threads` scoped workers
    // that repeatedly take the next index from a shared `AtomicUsize` (one item at a time),
    // process that item and keep `(index, result)`, until the index passes the end. Then put
    // every result back in its input position.
    todo!("map in parallel with dynamic load balancing")
}
