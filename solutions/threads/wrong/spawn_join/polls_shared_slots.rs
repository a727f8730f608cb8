//! Wrong: each detached worker stores its result in a shared slot, and the caller spins until
//! every slot is filled: the results are all there, but no thread was joined.
//! Expect: returned before its threads finished

use std::sync::{Arc, Mutex};
use std::thread;

pub fn run_workers<T, F>(n: usize, work: F) -> Vec<T>
where
    T: Send + 'static,
    F: Fn(usize) -> T + Send + Sync + Clone + 'static,
{
    let slots: Arc<Vec<Mutex<Option<T>>>> = Arc::new((0..n).map(|_| Mutex::new(None)).collect());
    for i in 0..n {
        let work = work.clone();
        let slots = Arc::clone(&slots);
        thread::spawn(move || {
            let result = work(i);
            *slots[i].lock().unwrap() = Some(result);
        });
    }
    // The mistake: "every slot is filled" is not "every thread has ended".
    while slots.iter().any(|slot| slot.lock().unwrap().is_none()) {
        thread::yield_now();
    }
    slots
        .iter()
        .map(|slot| slot.lock().unwrap().take().unwrap())
        .collect()
}
