//! `Mutex` and its guard.

use std::fmt;
use std::ops::{Deref, DerefMut};
use std::panic::Location;
use std::sync::{LockResult, TryLockResult};

use super::quiet::Probe;
use super::{asking, granted, hold, map_lock, map_try, me, note};
use crate::model::trace::{self, Holder, Kind, Obj, Op};

/// `std::sync::Mutex`, model-checked and recorded.
pub struct Mutex<T: ?Sized> {
    id: Obj,
    /// Where `try_lock` may be preempted (see [`Probe`]).
    probe: Probe,
    inner: loom::sync::Mutex<T>,
}

/// `std::sync::MutexGuard`: unlocks (and says so in the trace) when dropped.
pub struct MutexGuard<'a, T: ?Sized> {
    pub(super) mutex: Obj,
    /// The first touch of the data is a step (see [`Probe`]): one place inside the critical
    /// section where another thread may run.
    pub(super) probe: &'a Probe,
    pub(super) touched: std::cell::Cell<bool>,
    /// Where the guard was taken: the trace's line for its unlock points there.
    pub(super) at: &'static Location<'static>,
    /// `None` only while a condition variable waits with it.
    pub(super) inner: Option<loom::sync::MutexGuard<'a, T>>,
}

impl<T> Mutex<T> {
    #[track_caller]
    pub fn new(value: T) -> Self {
        Self {
            id: trace::create(Kind::Mutex, Location::caller()),
            probe: Probe::new(),
            inner: loom::sync::Mutex::new(value),
        }
    }

    pub fn into_inner(self) -> LockResult<T> {
        self.inner.into_inner()
    }
}

impl<T: ?Sized> Mutex<T> {
    #[track_caller]
    pub fn lock(&self) -> LockResult<MutexGuard<'_, T>> {
        let at = Location::caller();
        match trace::holder(self.id) {
            Holder::Free => {}
            holder => note(Op::WaitLock(self.id, holder), at),
        }
        asking(Op::WaitLock(self.id, Holder::Free), at);
        let result = self.inner.lock();
        map_lock(result, |guard| self.locked(guard, Op::Lock(self.id), at))
    }

    #[track_caller]
    pub fn try_lock(&self) -> TryLockResult<MutexGuard<'_, T>> {
        let at = Location::caller();
        let holder = trace::holder(self.id);
        let result = self.probe.attempt(|| self.inner.try_lock());
        if result.is_err() {
            note(Op::TryLock(self.id, holder), at);
        }
        map_try(result, |guard| {
            self.locked(guard, Op::TryLock(self.id, Holder::Free), at)
        })
    }

    pub fn get_mut(&mut self) -> LockResult<&mut T> {
        self.inner.get_mut()
    }

    fn locked<'a>(
        &'a self,
        guard: loom::sync::MutexGuard<'a, T>,
        op: Op,
        at: &'static Location<'static>,
    ) -> MutexGuard<'a, T> {
        note(op, at);
        granted();
        hold(self.id, Holder::Thread(me()));
        MutexGuard {
            mutex: self.id,
            probe: &self.probe,
            touched: std::cell::Cell::new(false),
            at,
            inner: Some(guard),
        }
    }
}

impl<T: Default> Default for Mutex<T> {
    #[track_caller]
    fn default() -> Self {
        Self::new(T::default())
    }
}

impl<T> From<T> for Mutex<T> {
    #[track_caller]
    fn from(value: T) -> Self {
        Self::new(value)
    }
}

impl<T: ?Sized> fmt::Debug for Mutex<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Mutex").finish_non_exhaustive()
    }
}

impl<T: ?Sized> Deref for MutexGuard<'_, T> {
    type Target = T;

    fn deref(&self) -> &T {
        if !self.touched.replace(true) {
            self.probe.touch();
        }
        self.inner.as_deref().expect("the guard holds its lock")
    }
}

impl<T: ?Sized> DerefMut for MutexGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        if !self.touched.replace(true) {
            self.probe.touch();
        }
        self.inner.as_deref_mut().expect("the guard holds its lock")
    }
}

impl<T: ?Sized> Drop for MutexGuard<'_, T> {
    fn drop(&mut self) {
        if self.inner.is_some() {
            note(Op::Unlock(self.mutex), self.at);
            hold(self.mutex, Holder::Free);
        }
        // The lock itself is released when `inner` drops, after this.
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for MutexGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<T: ?Sized + fmt::Display> fmt::Display for MutexGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&**self, f)
    }
}
