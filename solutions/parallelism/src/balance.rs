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
    assert!(threads > 0, "at least one thread");
    let n = items.len();
    // Each item sits in its own slot, taken by exactly one worker.
    let slots: Vec<Mutex<Option<T>>> = items
        .into_iter()
        .map(|item| Mutex::new(Some(item)))
        .collect();
    let next = AtomicUsize::new(0);
    let (slots, next, f) = (&slots, &next, &f);
    let mut results: Vec<Option<R>> = (0..n).map(|_| None).collect();
    let done: Vec<Vec<(usize, R)>> = thread::scope(|s| {
        let workers: Vec<_> = (0..threads.min(n.max(1)))
            .map(|_| {
                s.spawn(move || {
                    let mut mine = Vec::new();
                    loop {
                        // fetch_add hands out each index exactly once, to whichever worker
                        // asks first: a worker stuck on a slow item simply asks less often.
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        if i >= n {
                            return mine;
                        }
                        let item = slots[i]
                            .lock()
                            .unwrap()
                            .take()
                            .expect("each item is taken once");
                        mine.push((i, f(item)));
                    }
                })
            })
            .collect();
        workers
            .into_iter()
            .map(|w| w.join().expect("a worker panicked"))
            .collect()
    });
    // Results come back in completion order; the index puts each one in its place.
    for (i, r) in done.into_iter().flatten() {
        results[i] = Some(r);
    }
    results
        .into_iter()
        .map(|r| r.expect("every item was processed"))
        .collect()
}
