//! Wrong: joins each scoped thread inside the loop that spawns it, so the chunks are processed
//! one after another.
//! Expect: did not run at the same time

use std::thread;

pub fn map_chunks<T: Sync, R: Send>(
    data: &[T],
    threads: usize,
    f: impl Fn(&[T]) -> R + Sync,
) -> Vec<R> {
    assert!(
        threads > 0,
        "map_chunks needs at least one thread (threads = 0)"
    );
    let size = data.len().div_ceil(threads).max(1);
    let f = &f;
    thread::scope(|scope| {
        data.chunks(size)
            // The mistake: `join` right after `spawn` waits for this chunk before the next starts.
            .map(|chunk| scope.spawn(move || f(chunk)).join().unwrap())
            .collect()
    })
}
