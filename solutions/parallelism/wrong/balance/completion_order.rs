//! Wrong: collects the results in the order the items finished, not in input order.
//! Expect: in input order

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
    let finished = Mutex::new(Vec::new());
    let finished = &finished;
    let done: Vec<Vec<(usize, ())>> = thread::scope(|s| {
        let workers: Vec<_> = (0..threads.min(n.max(1)))
            .map(|_| {
                s.spawn(move || {
                    let mut mine = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        if i >= n {
                            return mine;
                        }
                        let item = slots[i]
                            .lock()
                            .unwrap()
                            .take()
                            .expect("each item is taken once");
                        let r = f(item);
                        finished.lock().unwrap().push(r);
                        mine.push((i, ()));
                    }
                })
            })
            .collect();
        workers
            .into_iter()
            .map(|w| w.join().expect("a worker panicked"))
            .collect()
    });
    // Results in the order the workers pushed them.
    let _ = (done, &mut results);
    std::mem::take(&mut *finished.lock().unwrap())
}
