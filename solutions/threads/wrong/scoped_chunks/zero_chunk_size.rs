//! Wrong: forgets that empty data gives a chunk size of 0, and `chunks(0)` panics.
//! Expect: empty data

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
    // The mistake: `0.div_ceil(threads)` is 0.
    let size = data.len().div_ceil(threads);
    let f = &f;
    thread::scope(|scope| {
        let handles: Vec<_> = data
            .chunks(size)
            .map(|chunk| scope.spawn(move || f(chunk)))
            .collect();
        handles
            .into_iter()
            .map(|handle| handle.join().unwrap())
            .collect()
    })
}
