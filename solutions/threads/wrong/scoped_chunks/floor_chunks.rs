//! Wrong: rounds the chunk size down and slices exactly `threads` chunks, so the remainder of
//! the data is silently dropped.
//! Expect: lost

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
    // The mistake: 10 items over 4 threads gives size 2, and items 8 and 9 belong to no chunk.
    let size = data.len() / threads;
    let f = &f;
    thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let chunk = &data[t * size..(t + 1) * size];
                scope.spawn(move || f(chunk))
            })
            .collect();
        handles
            .into_iter()
            .map(|handle| handle.join().unwrap())
            .collect()
    })
}
