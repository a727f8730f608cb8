//! Wrong: gives each worker a fixed contiguous share up front, so items behind a slow one wait for it.
//! Expect: load imbalance

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;

/// `f` applied to every item by `threads` workers, results in input order.
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
            .map(|w| {
                s.spawn(move || {
                    let _ = next;
                    // Worker w takes the w-th contiguous share, decided up front.
                    let share = n.div_ceil(threads);
                    let mine: Vec<usize> = (w * share..((w + 1) * share).min(n)).collect();
                    mine.into_iter()
                        .map(|i| {
                            let item = slots[i]
                                .lock()
                                .unwrap()
                                .take()
                                .expect("each item is taken once");
                            (i, f(item))
                        })
                        .collect::<Vec<_>>()
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
