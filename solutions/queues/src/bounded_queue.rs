//! A blocking bounded queue — what Python's `queue.Queue(maxsize)` gives you — built from one
//! `Mutex` and two `Condvar`s. `put` sleeps while the queue is full, `get` while it is empty,
//! and `close` wakes everybody up for good.

use std::collections::VecDeque;

use crate::sync::{Condvar, Mutex};

/// A FIFO queue of at most `capacity` items, shared by many producers and consumers.
pub struct BoundedQueue<T> {
    state: Mutex<State<T>>,
    capacity: usize,
    /// Consumers sleep here until an item arrives (or the queue closes).
    not_empty: Condvar,
    /// Producers sleep here until there is room (or the queue closes).
    not_full: Condvar,
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
            not_empty: Condvar::new(),
            not_full: Condvar::new(),
        }
    }

    /// Adds `item` at the back, sleeping while the queue is full. Gives the item back as
    /// `Err(item)` if the queue is (or gets) closed, at once and leaving the queue unchanged,
    /// even when it is full.
    pub fn put(&self, item: T) -> Result<(), T> {
        let state = self.state.lock().unwrap();
        // `wait_while` re-checks after every wakeup: a wakeup may be spurious, or another
        // producer may have taken the free slot first. (An `if` would check only once.)
        let mut state = self
            .not_full
            .wait_while(state, |s| s.items.len() == self.capacity && !s.closed)
            .unwrap();
        if state.closed {
            return Err(item);
        }
        state.items.push_back(item);
        // Producers and consumers sleep on different condvars, so one wakeup goes to a
        // consumer, never to another producer: `notify_one` is enough.
        self.not_empty.notify_one();
        Ok(())
    }

    /// Takes the front item, sleeping while the queue is empty. Returns `None` once the queue is
    /// closed and every item has been taken.
    pub fn get(&self) -> Option<T> {
        let state = self.state.lock().unwrap();
        let mut state = self
            .not_empty
            .wait_while(state, |s| s.items.is_empty() && !s.closed)
            .unwrap();
        let item = state.items.pop_front()?;
        // A slot is free: wake one producer, or it sleeps forever on a queue with room.
        self.not_full.notify_one();
        Some(item)
    }

    /// Closes the queue: `put` fails from now on, `get` drains what is left and then returns
    /// `None`. Every sleeping thread must hear it, so this is a `notify_all`.
    pub fn close(&self) {
        self.state.lock().unwrap().closed = true;
        self.not_empty.notify_all();
        self.not_full.notify_all();
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
