//! Wrong: gives each worker its own counter (and so its own lock), like creating the `Lock()`
//! inside the worker function: the locks exclude nobody and the workers' counts are dropped.
//! Expect: lost update

use crate::sync::{Arc, Mutex, thread};

/// A counter that many threads bump through a shared reference.
pub struct Counter {
    value: Mutex<u64>,
}

impl Counter {
    /// A counter at zero.
    pub fn new() -> Self {
        Counter {
            value: Mutex::new(0),
        }
    }

    /// Adds one.
    pub fn increment(&self) {
        // The guard is Python's `with lock:`: the lock is held while the guard lives (here, to
        // the end of the statement) and released when it is dropped, even by a panic. Reading
        // and writing through the same guard makes `+= 1` one indivisible step.
        *self.value.lock().unwrap() += 1;
    }

    /// The current count.
    pub fn get(&self) -> u64 {
        *self.value.lock().unwrap()
    }
}

impl Default for Counter {
    fn default() -> Self {
        Self::new()
    }
}

/// Starts `threads` workers that each call [`Counter::increment`] `per_thread` times on one
/// shared counter, waits for all of them, and returns the final count.
pub fn count_with(threads: usize, per_thread: u64) -> u64 {
    // One counter (and so one lock) shared by every worker: a lock only excludes the threads
    // that use the same lock.
    let counter = Arc::new(Counter::new());
    let workers: Vec<_> = (0..threads)
        .map(|_| {
            let counter = Arc::new(Counter::new());
            thread::spawn(move || {
                for _ in 0..per_thread {
                    counter.increment();
                }
            })
        })
        .collect();
    for worker in workers {
        worker.join().unwrap();
    }
    counter.get()
}
