//! Wrong: the last reader out wakes only one waiter with `notify_one`; it may wake a reader
//! (which must keep waiting behind the writer) instead of the writer, and nobody wakes again.
//! Expect: deadlock

use crate::sync::{Condvar, Mutex};

/// Who holds the lock and who waits for it.
struct State {
    readers: usize,
    writing: bool,
    writers_waiting: usize,
}

/// A lock many readers may hold at once, or one writer alone; fair to writers.
pub struct FairRwLock {
    state: Mutex<State>,
    changed: Condvar,
}

/// Shared access; released on drop.
pub struct ReadGuard<'a> {
    lock: &'a FairRwLock,
}

/// Exclusive access; released on drop.
pub struct WriteGuard<'a> {
    lock: &'a FairRwLock,
}

impl FairRwLock {
    /// An unlocked lock.
    pub fn new() -> Self {
        FairRwLock {
            state: Mutex::new(State {
                readers: 0,
                writing: false,
                writers_waiting: 0,
            }),
            changed: Condvar::new(),
        }
    }

    /// Waits for shared access.
    pub fn read(&self) -> ReadGuard<'_> {
        let mut state = self.state.lock().unwrap();
        // The turnstile: a waiting writer also keeps new readers out, so readers that keep
        // overlapping cannot hold the lock among themselves forever.
        while state.writing || state.writers_waiting > 0 {
            state = self.changed.wait(state).unwrap();
        }
        state.readers += 1;
        ReadGuard { lock: self }
    }

    /// Shared access if it is available right now (no writer inside or waiting).
    pub fn try_read(&self) -> Option<ReadGuard<'_>> {
        let mut state = self.state.lock().unwrap();
        if state.writing || state.writers_waiting > 0 {
            return None;
        }
        state.readers += 1;
        Some(ReadGuard { lock: self })
    }

    /// Waits for exclusive access.
    pub fn write(&self) -> WriteGuard<'_> {
        let mut state = self.state.lock().unwrap();
        // Announce ourselves before waiting, so readers arriving from now on queue behind us.
        state.writers_waiting += 1;
        while state.writing || state.readers > 0 {
            state = self.changed.wait(state).unwrap();
        }
        state.writers_waiting -= 1;
        state.writing = true;
        WriteGuard { lock: self }
    }

    /// How many writers are waiting to get in.
    pub fn waiting_writers(&self) -> usize {
        self.state.lock().unwrap().writers_waiting
    }
}

impl Default for FairRwLock {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for ReadGuard<'_> {
    fn drop(&mut self) {
        let mut state = self.lock.state.lock().unwrap();
        state.readers -= 1;
        if state.readers == 0 {
            // Readers and writers wait on one condition variable: wake them all and let each
            // re-check its own condition.
            self.lock.changed.notify_one();
        }
    }
}

impl Drop for WriteGuard<'_> {
    fn drop(&mut self) {
        self.lock.state.lock().unwrap().writing = false;
        self.lock.changed.notify_one();
    }
}
