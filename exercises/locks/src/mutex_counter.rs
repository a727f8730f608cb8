//! A shared counter: many threads add to one number. Each addition is a critical section (read,
//! add, write back) that a `Mutex` makes mutually exclusive, so no update is lost.

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
        // TODO: add one to the value behind the lock, reading and writing through one guard.
        todo!()
    }

    /// The current count.
    pub fn get(&self) -> u64 {
        // TODO: read the value behind the lock.
        todo!()
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
    // TODO: share ONE counter (an `Arc`) between `threads` spawned workers,
    //       each calling `increment` `per_thread` times; join them all, return the count.
    todo!()
}
