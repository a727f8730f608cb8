//! A readers-writer lock that does not starve its writers. A lock that lets a reader in whenever
//! no writer is inside can keep a writer waiting forever under a steady stream of overlapping
//! readers (starvation). A turnstile fixes it: once a writer is waiting, new readers queue
//! behind it; the readers already inside finish, the writer goes, then the readers.

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
        // TODO: wait (in a loop) while a writer is inside OR waiting, then count yourself in.
        todo!()
    }

    /// Shared access if it is available right now (no writer inside or waiting).
    pub fn try_read(&self) -> Option<ReadGuard<'_>> {
        // TODO: like `read`, but return `None` instead of waiting.
        todo!()
    }

    /// Waits for exclusive access.
    pub fn write(&self) -> WriteGuard<'_> {
        // TODO: announce yourself as a waiting writer, wait while anyone is inside, then go in.
        todo!()
    }

    /// How many writers are waiting to get in.
    pub fn waiting_writers(&self) -> usize {
        // TODO: how many writers are waiting.
        todo!()
    }
}

impl Default for FairRwLock {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for ReadGuard<'_> {
    fn drop(&mut self) {
        // TODO: count this reader out; the last one out wakes the waiters.
        todo!()
    }
}

impl Drop for WriteGuard<'_> {
    fn drop(&mut self) {
        // TODO: mark the writer gone and wake the waiters.
        todo!()
    }
}
