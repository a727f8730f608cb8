//! Wrong: collects the results from a channel in the order the workers finish, not index order.
//! Expect: order

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
        thread::spawn(move || results.send(work(i)).unwrap());
    }
    drop(results);
    // The mistake: arrival order is finishing order, which says nothing about the index.
    arrivals.into_iter().collect()
}
