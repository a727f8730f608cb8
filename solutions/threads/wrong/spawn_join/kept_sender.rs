//! Wrong: the original `Sender` is never dropped, so the receiving loop waits forever for a
//! message no one will send (the kit's deadlock fixture: it must be caught by the timeout).
//! Expect: did not finish

use std::sync::mpsc;
use std::thread;

// ANCHOR: mistake
pub fn run_workers<T, F>(n: usize, work: F) -> Vec<T>
where
    T: Send + 'static,
    F: Fn(usize) -> T + Send + Sync + Clone + 'static,
{
    let (results, arrivals) = mpsc::channel();
    for i in 0..n {
        let work = work.clone();
        let results = results.clone();
        thread::spawn(move || results.send((i, work(i))).unwrap());
    }
    // The mistake: `results` is still alive here, so the channel never closes and the loop
    // below never sees its end.
    let mut slots: Vec<Option<T>> = (0..n).map(|_| None).collect();
    for (i, result) in arrivals {
        slots[i] = Some(result);
    }
    slots.into_iter().map(Option::unwrap).collect()
}
// ANCHOR_END: mistake
