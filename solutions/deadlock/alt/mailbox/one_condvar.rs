//! Alternative: one condition variable for both conditions, with `notify_all`: every waiter wakes on every change and re-checks its own condition in its `while` loop, so the one that can proceed always does.

use crate::sync::{Condvar, Mutex};

/// A slot holding at most one message, passed between threads.
pub struct Mailbox<T> {
    slot: Mutex<Option<T>>,
    /// Signalled whenever the slot changes (filled or emptied): putters and takers wait on it.
    changed: Condvar,
}

impl<T> Mailbox<T> {
    /// An empty mailbox.
    pub fn new() -> Self {
        Mailbox {
            slot: Mutex::new(None),
            changed: Condvar::new(),
        }
    }

    /// Puts `message` in the slot, waiting until it is empty.
    pub fn put(&self, message: T) {
        let mut slot = self.slot.lock().unwrap();
        while slot.is_some() {
            slot = self.changed.wait(slot).unwrap();
        }
        *slot = Some(message);
        // Putters wait here too: `notify_one` could wake one of them and leave the takers asleep.
        self.changed.notify_all();
    }

    /// Takes the message out of the slot, waiting until there is one.
    pub fn take(&self) -> T {
        let mut slot = self.slot.lock().unwrap();
        loop {
            if let Some(message) = slot.take() {
                self.changed.notify_all();
                return message;
            }
            slot = self.changed.wait(slot).unwrap();
        }
    }
}

impl<T> Default for Mailbox<T> {
    fn default() -> Self {
        Self::new()
    }
}
