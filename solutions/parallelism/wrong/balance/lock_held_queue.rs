//! Wrong: a shared `Mutex<VecDeque>` work queue popped with `while let Some(..) =
//! queue.lock().unwrap().pop_front()`: the guard lives until the end of the loop body, so each
//! worker holds the lock while `f` runs and the workers take turns.
//! Expect: lock held around the work

use std::collections::VecDeque;
use std::sync::Mutex;
use std::thread;

pub fn par_map<T, R, F>(items: Vec<T>, threads: usize, f: F) -> Vec<R>
where
    T: Send,
    R: Send,
    F: Fn(T) -> R + Sync,
{
    assert!(threads > 0, "at least one thread");
    let n = items.len();
    let queue: Mutex<VecDeque<(usize, T)>> = Mutex::new(items.into_iter().enumerate().collect());
    let (queue, f) = (&queue, &f);
    let done: Vec<Vec<(usize, R)>> = thread::scope(|s| {
        let workers: Vec<_> = (0..threads.min(n.max(1)))
            .map(|_| {
                s.spawn(move || {
                    let mut mine = Vec::new();
                    // The mistake: the temporary guard of the `while let` scrutinee is dropped
                    // only at the end of each iteration, after `f` has run.
                    while let Some((i, item)) = queue.lock().unwrap().pop_front() {
                        mine.push((i, f(item)));
                    }
                    mine
                })
            })
            .collect();
        workers
            .into_iter()
            .map(|w| w.join().expect("a worker panicked"))
            .collect()
    });
    let mut results: Vec<Option<R>> = (0..n).map(|_| None).collect();
    for (i, r) in done.into_iter().flatten() {
        results[i] = Some(r);
    }
    results
        .into_iter()
        .map(|r| r.expect("every item was processed"))
        .collect()
}
