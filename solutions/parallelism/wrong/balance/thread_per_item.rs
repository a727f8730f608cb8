//! Wrong: spawns one scoped thread per item instead of `threads` workers: no slow item holds up
//! another, but 40 items make 40 threads where 4 were asked for.
//! Expect: threads where 4 were asked for

use std::thread;

pub fn par_map<T, R, F>(items: Vec<T>, threads: usize, f: F) -> Vec<R>
where
    T: Send,
    R: Send,
    F: Fn(T) -> R + Sync,
{
    assert!(threads > 0, "at least one thread");
    let f = &f;
    thread::scope(|s| {
        // The mistake: `threads` is ignored.
        let handles: Vec<_> = items
            .into_iter()
            .map(|item| s.spawn(move || f(item)))
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("a worker panicked"))
            .collect()
    })
}
