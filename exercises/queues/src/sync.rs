//! Instrumented `Mutex` and `Condvar` for the queue exercise (given: not an exercise file).
//!
//! They are `std::sync`'s own types with two additions that a correct queue never notices:
//! every `lock` and every blocking `wait` is counted on the calling thread's [`Probe`], so the
//! grading suite can tell a thread asleep on a condition variable from one that busy-waits;
//! and every other `wait` on a `Condvar` returns at once — a spurious wakeup, which real
//! condition variables are allowed to produce at any time.

use std::cell::RefCell;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

pub use std::sync::{LockResult, MutexGuard, PoisonError};

/// `std::sync::Mutex`, counting each `lock` on the caller's probe.
#[derive(Debug, Default)]
pub struct Mutex<T> {
    inner: std::sync::Mutex<T>,
}

impl<T> Mutex<T> {
    /// A new unlocked mutex holding `value`.
    pub const fn new(value: T) -> Self {
        Mutex {
            inner: std::sync::Mutex::new(value),
        }
    }

    /// Locks it, blocking until it is free (see `std::sync::Mutex::lock`).
    pub fn lock(&self) -> LockResult<MutexGuard<'_, T>> {
        with_probe(|probe| probe.locks.fetch_add(1, Ordering::SeqCst));
        self.inner.lock()
    }
}

/// `std::sync::Condvar`, counting blocking waits and waking spuriously every other time.
#[derive(Debug, Default)]
pub struct Condvar {
    inner: std::sync::Condvar,
    waits: AtomicUsize,
}

impl Condvar {
    /// A new condition variable with no waiters.
    pub const fn new() -> Self {
        Condvar {
            inner: std::sync::Condvar::new(),
            waits: AtomicUsize::new(0),
        }
    }

    /// Releases the lock, sleeps until notified, re-takes the lock (see
    /// `std::sync::Condvar::wait`). May return without a notification: re-check the condition.
    pub fn wait<'a, T>(&self, guard: MutexGuard<'a, T>) -> LockResult<MutexGuard<'a, T>> {
        if self.waits.fetch_add(1, Ordering::SeqCst).is_multiple_of(2) {
            return Ok(guard); // a spurious wakeup
        }
        with_probe(|probe| probe.waiting.fetch_add(1, Ordering::SeqCst));
        let woken = self.inner.wait(guard);
        with_probe(|probe| probe.waiting.fetch_sub(1, Ordering::SeqCst));
        woken
    }

    /// Waits while `condition` holds (see `std::sync::Condvar::wait_while`).
    pub fn wait_while<'a, T, F>(
        &self,
        mut guard: MutexGuard<'a, T>,
        mut condition: F,
    ) -> LockResult<MutexGuard<'a, T>>
    where
        F: FnMut(&mut T) -> bool,
    {
        while condition(&mut *guard) {
            guard = self.wait(guard)?;
        }
        Ok(guard)
    }

    /// Wakes one waiting thread, if any.
    pub fn notify_one(&self) {
        self.inner.notify_one();
    }

    /// Wakes every waiting thread.
    pub fn notify_all(&self) {
        self.inner.notify_all();
    }
}

/// What one thread did with the instrumented types, for the grading suite.
#[derive(Debug, Default)]
pub struct Probe {
    locks: AtomicUsize,
    waiting: AtomicUsize,
}

impl Probe {
    /// Counts the calling thread's locks and waits on `self` from now on.
    pub fn attach(self: &Arc<Self>) {
        PROBE.with(|slot| *slot.borrow_mut() = Some(Arc::clone(self)));
    }

    /// How many times the thread called `Mutex::lock`.
    pub fn locks(&self) -> usize {
        self.locks.load(Ordering::SeqCst)
    }

    /// Whether the thread is asleep in `Condvar::wait` right now.
    pub fn is_waiting(&self) -> bool {
        self.waiting.load(Ordering::SeqCst) > 0
    }
}

thread_local! {
    static PROBE: RefCell<Option<Arc<Probe>>> = const { RefCell::new(None) };
}

fn with_probe(count: impl FnOnce(&Probe) -> usize) {
    PROBE.with(|slot| {
        if let Some(probe) = slot.borrow().as_deref() {
            count(probe);
        }
    });
}
