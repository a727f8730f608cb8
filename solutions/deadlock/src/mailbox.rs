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
        let mut slot = self.slot.lock().unwrap();
        // Check first, and again after every wake-up: `wait` releases the lock while asleep and
        // takes it back before returning, and by then another putter may have filled the slot.
        while slot.is_some() {
            slot = self.emptied.wait(slot).unwrap();
        }
        *slot = Some(message);
        // Separate condition variables for "filled" and "emptied": the one thread woken is
        // always one that can proceed, so `notify_one` cannot wake the wrong kind of waiter.
        self.filled.notify_one();
    }

    /// Takes the message out of the slot, waiting until there is one.
    pub fn take(&self) -> T {
        let mut slot = self.slot.lock().unwrap();
        loop {
            if let Some(message) = slot.take() {
                self.emptied.notify_one();
                return message;
            }
            slot = self.filled.wait(slot).unwrap();
        }
    }
}

impl<T> Default for Mailbox<T> {
    fn default() -> Self {
        Self::new()
    }
}
