//! Alternative: one condition variable for producers and consumers alike, with `notify_all` on
//! every change: simpler, and correct, at the price of waking threads that go back to sleep.

use std::collections::VecDeque;

use crate::sync::{Condvar, Mutex};

/// A FIFO queue of at most `capacity` items, shared by many producers and consumers.
pub struct BoundedQueue<T> {
    state: Mutex<State<T>>,
    capacity: usize,
    /// Everybody sleeps here: producers until there is room, consumers until there is an item.
    changed: Condvar,
}

struct State<T> {
    items: VecDeque<T>,
    closed: bool,
}

impl<T> BoundedQueue<T> {
    /// An empty open queue holding at most `capacity` items (`capacity` > 0).
    pub fn new(capacity: usize) -> Self {
        assert!(
            capacity > 0,
            "a bounded queue needs room for at least one item"
        );
        BoundedQueue {
            state: Mutex::new(State {
                items: VecDeque::with_capacity(capacity),
                closed: false,
            }),
            capacity,
            changed: Condvar::new(),
        }
    }

    /// Adds `item` at the back, sleeping while the queue is full. Gives the item back as
    /// `Err(item)` if the queue is (or gets) closed.
    pub fn put(&self, item: T) -> Result<(), T> {
        let mut state = self.state.lock().unwrap();
        while state.items.len() == self.capacity && !state.closed {
            state = self.changed.wait(state).unwrap();
        }
        if state.closed {
            return Err(item);
        }
        state.items.push_back(item);
        // Producers and consumers share the condvar: `notify_one` might wake another producer
        // and lose the wakeup a consumer needed, so wake them all.
        self.changed.notify_all();
        Ok(())
    }

    /// Takes the front item, sleeping while the queue is empty. Returns `None` once the queue is
    /// closed and every item has been taken.
    pub fn get(&self) -> Option<T> {
        let mut state = self.state.lock().unwrap();
        while state.items.is_empty() && !state.closed {
            state = self.changed.wait(state).unwrap();
        }
        let item = state.items.pop_front()?;
        self.changed.notify_all();
        Some(item)
    }

    /// Closes the queue: `put` fails from now on, `get` drains what is left and then returns
    /// `None`. Every sleeping thread must hear it.
    pub fn close(&self) {
        self.state.lock().unwrap().closed = true;
        self.changed.notify_all();
    }

    /// How many items are queued right now.
    pub fn len(&self) -> usize {
        self.state.lock().unwrap().items.len()
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
