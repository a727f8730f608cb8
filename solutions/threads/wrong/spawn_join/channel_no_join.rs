//! Wrong: gathers the results through a channel, tagged with their index, and returns once the
//! last one arrives — without joining, so the workers may still be running.
//! Expect: returned before its threads finished

use std::sync::mpsc;
use std::thread;

pub fn run_workers<T, F>(n: usize, work: F) -> Vec<T>
where
    T: Send + 'static,
    F: Fn(usize) -> T + Send + Sync + Clone + 'static,
{
    let (results, arrivals) = mpsc::channel();
    for i in 0..n {
        let work = work.clone();
        let results = results.clone();
        // The mistake: the handle is dropped here, so nobody ever waits for this thread.
        thread::spawn(move || {
            let result = work(i);
            results.send((i, result)).unwrap();
        });
    }
    drop(results);
    let mut tagged: Vec<(usize, T)> = arrivals.into_iter().collect();
    tagged.sort_by_key(|(i, _)| *i);
    tagged.into_iter().map(|(_, result)| result).collect()
}
