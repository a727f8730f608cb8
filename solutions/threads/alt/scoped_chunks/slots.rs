//! Alternative: each scoped thread writes its result into its own slot of a `Vec<Option<R>>` (split `&mut` borrows, no lock, no join handles); the scope's end waits for every thread.

use std::thread;

/// Applies `f` to `data` split into at most `threads` contiguous chunks of
/// `data.len().div_ceil(threads)` items (the last one shorter), one scoped thread per chunk, all
/// running at the same time. Returns one result per chunk, in chunk order; empty `data` gives an
/// empty `Vec` and runs no thread.
///
/// # Panics
///
/// If `threads` is 0, or if `f` panics.
pub fn map_chunks<T: Sync, R: Send>(
    data: &[T],
    threads: usize,
    f: impl Fn(&[T]) -> R + Sync,
) -> Vec<R> {
    assert!(
        threads > 0,
        "map_chunks needs at least one thread, got 0 threads"
    );
    if data.is_empty() {
        return Vec::new();
    }
    let chunks: Vec<&[T]> = data.chunks(data.len().div_ceil(threads)).collect();
    let mut slots: Vec<Option<R>> = chunks.iter().map(|_| None).collect();
    let f = &f;
    thread::scope(|scope| {
        // Each thread gets exclusive access to one slot: `iter_mut` hands out disjoint `&mut`.
        for (slot, chunk) in slots.iter_mut().zip(chunks) {
            scope.spawn(move || *slot = Some(f(chunk)));
        }
        // Leaving the scope waits for every thread, and re-raises a panic of any of them.
    });
    slots
        .into_iter()
        .map(|slot| slot.expect("every chunk thread filled its slot"))
        .collect()
}
