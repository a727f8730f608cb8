//! `Condvar`.

use std::fmt;
use std::panic::Location;
use std::sync::LockResult;
use std::time::Duration;

use super::mutex::MutexGuard;
use super::{hold, map_lock, me, note};
use crate::model::trace::{self, Holder, Kind, Obj, Op};

pub use loom::sync::WaitTimeoutResult;

/// `std::sync::Condvar`, model-checked and recorded: the trace shows each wait, each wake-up,
/// and each notification with how many threads were waiting for it (none: a lost wake-up).
pub struct Condvar {
    id: Obj,
    inner: loom::sync::Condvar,
}

impl Condvar {
    #[track_caller]
    pub fn new() -> Self {
        Self {
            id: trace::create(Kind::Condvar, Location::caller()),
            inner: loom::sync::Condvar::new(),
        }
    }

    #[track_caller]
    pub fn wait<'a, T>(&self, guard: MutexGuard<'a, T>) -> LockResult<MutexGuard<'a, T>> {
        let (kept, inner) = self.release(guard);
        let result = self.inner.wait(inner);
        let here = Location::caller();
        map_lock(result, |inner| self.woken(kept, inner, here))
    }

    #[track_caller]
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

    /// Loom never times out: it explores the wake-ups that can happen instead.
    #[track_caller]
    pub fn wait_timeout<'a, T>(
        &self,
        guard: MutexGuard<'a, T>,
        timeout: Duration,
    ) -> LockResult<(MutexGuard<'a, T>, WaitTimeoutResult)> {
        let (kept, inner) = self.release(guard);
        let here = Location::caller();
        match self.inner.wait_timeout(inner, timeout) {
            Ok((inner, timed_out)) => Ok((self.woken(kept, inner, here), timed_out)),
            Err(poisoned) => {
                let (inner, timed_out) = poisoned.into_inner();
                Err(std::sync::PoisonError::new((
                    self.woken(kept, inner, here),
                    timed_out,
                )))
            }
        }
    }

    #[track_caller]
    pub fn notify_one(&self) {
        self.notify(false, Location::caller());
        self.inner.notify_one();
    }

    #[track_caller]
    pub fn notify_all(&self) {
        self.notify(true, Location::caller());
        self.inner.notify_all();
    }

    fn notify(&self, all: bool, at: &'static Location<'static>) {
        let waiting = trace::waiting(self.id, 0);
        note(
            Op::Notify {
                cv: self.id,
                all,
                waiting,
            },
            at,
        );
    }

    /// Takes loom's guard out of ours (which then unlocks nothing when dropped) and records
    /// the wait, which unlocks the mutex.
    #[track_caller]
    fn release<'a, T>(
        &self,
        mut guard: MutexGuard<'a, T>,
    ) -> (Kept<'a>, loom::sync::MutexGuard<'a, T>) {
        let inner = guard.inner.take().expect("the guard holds its lock");
        note(
            Op::Wait {
                cv: self.id,
                mutex: guard.mutex,
            },
            Location::caller(),
        );
        hold(guard.mutex, Holder::Free);
        trace::waiting(self.id, 1);
        let kept = Kept {
            mutex: guard.mutex,
            probe: guard.probe,
            at: guard.at,
        };
        (kept, inner)
    }

    /// Records the wake-up (at `here`, the wait) and gives back our guard.
    fn woken<'a, T>(
        &self,
        kept: Kept<'a>,
        inner: loom::sync::MutexGuard<'a, T>,
        here: &'static Location<'static>,
    ) -> MutexGuard<'a, T> {
        trace::waiting(self.id, -1);
        hold(kept.mutex, Holder::Thread(me()));
        note(
            Op::Woken {
                cv: self.id,
                mutex: kept.mutex,
            },
            here,
        );
        MutexGuard {
            mutex: kept.mutex,
            probe: kept.probe,
            touched: std::cell::Cell::new(false),
            at: kept.at,
            inner: Some(inner),
        }
    }
}

/// What a guard keeps of its mutex while a condition variable waits with it.
struct Kept<'a> {
    mutex: Obj,
    probe: &'a super::quiet::Probe,
    at: &'static Location<'static>,
}

impl Default for Condvar {
    #[track_caller]
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for Condvar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Condvar").finish_non_exhaustive()
    }
}
