//! Alternative: the items wait in a channel, and the workers share its `Receiver` behind a `Mutex`, taking one item at a time (the lock is released before `f` runs); results come back on a second channel, tagged with their index.

use std::sync::Mutex;
use std::sync::mpsc;
use std::thread;

/// `f` applied to every item, each exactly once, by `threads` worker threads (fewer when there
/// are fewer items) running at the same time, each taking the next item as soon as it is free.
/// Results in input order.
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
    assert!(threads > 0, "par_map needs at least one thread");
    let n = items.len();
    let (todo, queue) = mpsc::channel();
    for job in items.into_iter().enumerate() {
        todo.send(job).expect("the receiver is alive");
    }
    // No more items: once the queue is empty, `recv` fails and the workers stop.
    drop(todo);
    let queue = Mutex::new(queue);
    let (done, results) = mpsc::channel();
    let (queue, f) = (&queue, &f);
    thread::scope(|s| {
        for _ in 0..threads.min(n) {
            let done = done.clone();
            s.spawn(move || {
                loop {
                    // The guard is a temporary of this statement: released before `f` runs.
                    let next = queue.lock().unwrap().recv();
                    let Ok((i, item)) = next else { break };
                    done.send((i, f(item))).expect("the caller is collecting");
                }
            });
        }
    });
    drop(done);
    let mut slots: Vec<Option<R>> = (0..n).map(|_| None).collect();
    for (i, r) in results {
        slots[i] = Some(r);
    }
    slots
        .into_iter()
        .map(|r| r.expect("every item was processed"))
        .collect()
}
