//! A blocking bounded queue — what Python's `queue.Queue(maxsize)` gives you — built from a
//! `Mutex` and `Condvar`s (use the instrumented ones in `crate::sync`). `put` sleeps while the
//! queue is full, `get` while it is empty, and `close` wakes everybody up for good.

use std::collections::VecDeque;

use crate::sync::{Condvar, Mutex};

/// A FIFO queue of at most `capacity` items, shared by many producers and consumers.
pub struct BoundedQueue<T> {
    state: Mutex<State<T>>,
    capacity: usize,
    // TODO: the condition variable(s) your threads sleep on. Who waits for what?
}

struct State<T> {
    items: VecDeque<T>,
    closed: bool,
}

impl<T> BoundedQueue<T> {
    /// An empty open queue holding at most `capacity` items (`capacity` > 0).
    pub fn new(capacity: usize) -> Self {
        // TODO: build the state and the condition variable(s).
        todo!()
    }

    /// Adds `item` at the back, sleeping while the queue is full. Gives the item back as
    /// `Err(item)` if the queue is (or gets) closed, at once and leaving the queue unchanged,
    /// even when it is full.
    pub fn put(&self, item: T) -> Result<(), T> {
        // TODO: lock; sleep while full and open (a wakeup may be spurious: check again);
        //       push; wake a consumer.
        todo!()
    }

    /// Takes the front item, sleeping while the queue is empty. Returns `None` once the queue is
    /// closed and every item has been taken.
    pub fn get(&self) -> Option<T> {
        // TODO: lock; sleep while empty and open; pop; who must hear that there is room now?
        todo!()
    }

    /// Closes the queue: `put` fails from now on, `get` drains what is left and then returns
    /// `None`. Every sleeping thread must hear it.
    pub fn close(&self) {
        // TODO: mark it closed, then wake the sleepers — how many of them?
        todo!()
    }

    /// How many items are queued right now.
    pub fn len(&self) -> usize {
        // TODO
        todo!()
    }

    /// Whether no item is queued right now.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The most items the queue holds at once.
    pub fn capacity(&self) -> usize {
        self.capacity
    }
}
