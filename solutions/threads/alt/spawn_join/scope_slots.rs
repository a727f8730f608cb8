//! Alternative: scoped threads that put each result (or panic) in a slot, with no explicit `join`: the scope joins every worker when it ends, and the first panic is passed on afterwards.

use std::panic::{self, AssertUnwindSafe};
use std::sync::Mutex;
use std::thread;

/// Runs the workers in a scope; results (or panics) land in slots; the scope joins every
/// thread when it ends, without a single explicit `join`.
pub fn run_workers<T, F>(n: usize, work: F) -> Vec<T>
where
    T: Send + 'static,
    F: Fn(usize) -> T + Send + Sync + Clone + 'static,
{
    type Slot<T> = Mutex<Option<thread::Result<T>>>;
    let slots: Vec<Slot<T>> = (0..n).map(|_| Mutex::new(None)).collect();
    thread::scope(|s| {
        for (i, slot) in slots.iter().enumerate() {
            let work = &work;
            s.spawn(move || {
                let result = panic::catch_unwind(AssertUnwindSafe(|| work(i)));
                *slot.lock().unwrap() = Some(result);
            });
        }
    });
    slots
        .into_iter()
        .map(|slot| match slot.into_inner().unwrap().expect("every worker ran") {
            Ok(value) => value,
            Err(payload) => panic::resume_unwind(payload),
        })
        .collect()
}
