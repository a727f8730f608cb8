//! Alternative: a condition variable for readers and one for writers, so each release wakes only threads that can go in: the last reader out wakes one writer, a leaving writer wakes the next writer or else every reader.

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
    /// Readers wait here while a writer is inside or waiting.
    readers_may_enter: Condvar,
    /// Writers wait here while anyone is inside.
    writer_may_enter: Condvar,
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
            readers_may_enter: Condvar::new(),
            writer_may_enter: Condvar::new(),
        }
    }

    /// Waits for shared access.
    pub fn read(&self) -> ReadGuard<'_> {
        let mut state = self.state.lock().unwrap();
        while state.writing || state.writers_waiting > 0 {
            state = self.readers_may_enter.wait(state).unwrap();
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
        state.writers_waiting += 1;
        while state.writing || state.readers > 0 {
            state = self.writer_may_enter.wait(state).unwrap();
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
        // Readers only wait while a writer is inside or waiting, so when the last reader leaves
        // the only threads that can go in are writers: one of them.
        if state.readers == 0 && state.writers_waiting > 0 {
            self.lock.writer_may_enter.notify_one();
        }
    }
}

impl Drop for WriteGuard<'_> {
    fn drop(&mut self) {
        let mut state = self.lock.state.lock().unwrap();
        state.writing = false;
        if state.writers_waiting > 0 {
            // Readers keep queueing behind the waiting writer: only it may go in.
            self.lock.writer_may_enter.notify_one();
        } else {
            self.lock.readers_may_enter.notify_all();
        }
    }
}
