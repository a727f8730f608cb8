//! `RwLock` and its two guards.

use std::fmt;
use std::ops::{Deref, DerefMut};
use std::panic::Location;
use std::sync::{LockResult, TryLockResult};

use super::quiet::Probe;
use super::{asking, granted, hold, map_lock, map_try, me, note};
use crate::model::trace::{self, Holder, Kind, Obj, Op};

/// `std::sync::RwLock`, model-checked and recorded.
pub struct RwLock<T: ?Sized> {
    id: Obj,
    /// Where `try_read` and `try_write` may be preempted (see [`Probe`]).
    probe: Probe,
    inner: loom::sync::RwLock<T>,
}

/// `std::sync::RwLockReadGuard`.
pub struct RwLockReadGuard<'a, T: ?Sized> {
    lock: Obj,
    at: &'static Location<'static>,
    inner: loom::sync::RwLockReadGuard<'a, T>,
}

/// `std::sync::RwLockWriteGuard`.
pub struct RwLockWriteGuard<'a, T: ?Sized> {
    lock: Obj,
    at: &'static Location<'static>,
    inner: loom::sync::RwLockWriteGuard<'a, T>,
}

impl<T> RwLock<T> {
    #[track_caller]
    pub fn new(value: T) -> Self {
        Self {
            id: trace::create(Kind::RwLock, Location::caller()),
            probe: Probe::new(),
            inner: loom::sync::RwLock::new(value),
        }
    }

    pub fn into_inner(self) -> LockResult<T> {
        self.inner.into_inner()
    }
}

impl<T: ?Sized> RwLock<T> {
    #[track_caller]
    pub fn read(&self) -> LockResult<RwLockReadGuard<'_, T>> {
        let at = Location::caller();
        if let holder @ Holder::Thread(_) = trace::holder(self.id) {
            note(Op::WaitRead(self.id, holder), at);
        }
        asking(Op::WaitRead(self.id, Holder::Free), at);
        let result = self.inner.read();
        map_lock(result, |guard| {
            self.read_locked(guard, Op::Read(self.id), at)
        })
    }

    #[track_caller]
    pub fn try_read(&self) -> TryLockResult<RwLockReadGuard<'_, T>> {
        let at = Location::caller();
        let holder = trace::holder(self.id);
        let result = self.probe.attempt(|| self.inner.try_read());
        if result.is_err() {
            note(Op::TryRead(self.id, holder), at);
        }
        map_try(result, |guard| {
            self.read_locked(guard, Op::TryRead(self.id, Holder::Free), at)
        })
    }

    #[track_caller]
    pub fn write(&self) -> LockResult<RwLockWriteGuard<'_, T>> {
        let at = Location::caller();
        match trace::holder(self.id) {
            Holder::Free => {}
            holder => note(Op::WaitWrite(self.id, holder), at),
        }
        asking(Op::WaitWrite(self.id, Holder::Free), at);
        let result = self.inner.write();
        map_lock(result, |guard| {
            self.write_locked(guard, Op::Write(self.id), at)
        })
    }

    #[track_caller]
    pub fn try_write(&self) -> TryLockResult<RwLockWriteGuard<'_, T>> {
        let at = Location::caller();
        let holder = trace::holder(self.id);
        let result = self.probe.attempt(|| self.inner.try_write());
        if result.is_err() {
            note(Op::TryWrite(self.id, holder), at);
        }
        map_try(result, |guard| {
            self.write_locked(guard, Op::TryWrite(self.id, Holder::Free), at)
        })
    }

    pub fn get_mut(&mut self) -> LockResult<&mut T> {
        self.inner.get_mut()
    }

    fn read_locked<'a>(
        &self,
        inner: loom::sync::RwLockReadGuard<'a, T>,
        op: Op,
        at: &'static Location<'static>,
    ) -> RwLockReadGuard<'a, T> {
        note(op, at);
        granted();
        let readers = match trace::holder(self.id) {
            Holder::Readers(n) => n + 1,
            _ => 1,
        };
        hold(self.id, Holder::Readers(readers));
        RwLockReadGuard {
            lock: self.id,
            at,
            inner,
        }
    }

    fn write_locked<'a>(
        &self,
        inner: loom::sync::RwLockWriteGuard<'a, T>,
        op: Op,
        at: &'static Location<'static>,
    ) -> RwLockWriteGuard<'a, T> {
        note(op, at);
        granted();
        hold(self.id, Holder::Thread(me()));
        RwLockWriteGuard {
            lock: self.id,
            at,
            inner,
        }
    }
}

impl<T: Default> Default for RwLock<T> {
    #[track_caller]
    fn default() -> Self {
        Self::new(T::default())
    }
}

impl<T> From<T> for RwLock<T> {
    #[track_caller]
    fn from(value: T) -> Self {
        Self::new(value)
    }
}

impl<T: ?Sized> fmt::Debug for RwLock<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RwLock").finish_non_exhaustive()
    }
}

impl<T: ?Sized> Deref for RwLockReadGuard<'_, T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.inner
    }
}

impl<T: ?Sized> Drop for RwLockReadGuard<'_, T> {
    fn drop(&mut self) {
        note(Op::ReadUnlock(self.lock), self.at);
        let holder = match trace::holder(self.lock) {
            Holder::Readers(n) if n > 1 => Holder::Readers(n - 1),
            _ => Holder::Free,
        };
        hold(self.lock, holder);
    }
}

impl<T: ?Sized> Deref for RwLockWriteGuard<'_, T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.inner
    }
}

impl<T: ?Sized> DerefMut for RwLockWriteGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.inner
    }
}

impl<T: ?Sized> Drop for RwLockWriteGuard<'_, T> {
    fn drop(&mut self) {
        note(Op::WriteUnlock(self.lock), self.at);
        hold(self.lock, Holder::Free);
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for RwLockReadGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for RwLockWriteGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}
