//! Wrong: the chunk threads send their results on a channel, and the results are collected in
//! the order they arrive — the order the chunks finished, not chunk order.
//! Expect: out of order

use std::sync::mpsc;
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
    let (results, arrivals) = mpsc::channel();
    thread::scope(|scope| {
        for chunk in data.chunks(size) {
            let results = results.clone();
            scope.spawn(move || results.send(f(chunk)).unwrap());
        }
    });
    drop(results);
    // The mistake: arrival order is finishing order.
    arrivals.into_iter().collect()
}
