//! A one-slot mailbox: `put` waits while the slot is full, `take` waits while it is empty. A
//! `Condvar` wake-up is only a hint that something changed: the waiter must check the condition
//! before the first wait (or miss a wake-up that already happened) and again after every wake-up
//! (it may be spurious, or another thread may have got there first). So: wait in a `while` loop.

use crate::sync::{Condvar, Mutex};

/// A slot holding at most one message, passed between threads.
pub struct Mailbox<T> {
    slot: Mutex<Option<T>>,
    /// Signalled when the slot becomes full: takers wait on it.
    filled: Condvar,
    /// Signalled when the slot becomes empty: putters wait on it.
    emptied: Condvar,
}

impl<T> Mailbox<T> {
    /// An empty mailbox.
    pub fn new() -> Self {
        Mailbox {
            slot: Mutex::new(None),
            filled: Condvar::new(),
            emptied: Condvar::new(),
        }
    }

    /// Puts `message` in the slot, waiting until it is empty.
    pub fn put(&self, message: T) {
        // TODO: wait on a condition variable while the slot is full (in a `while` loop), fill
        //       it, and wake a taker.
        todo!()
    }

    /// Takes the message out of the slot, waiting until there is one.
    pub fn take(&self) -> T {
        // TODO: wait while the slot is empty (check BEFORE waiting, and again after every
        //       wake-up), take the message, and wake a putter.
        todo!()
    }
}

impl<T> Default for Mailbox<T> {
    fn default() -> Self {
        Self::new()
    }
}
