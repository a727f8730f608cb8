//! Loom's synchronisation primitives with the API of `std`'s, each operation recorded in the
//! execution's trace: a topic's `sync` shim re-exports these under its `model`
//! feature, so a failing interleaving can be shown step by step, at the student's lines.
//!
//! Every method that can block or change shared state is `#[track_caller]`, so both the trace
//! and loom's own deadlock report point at the caller, not at this file.

pub mod atomic;
mod condvar;
mod mutex;
pub(crate) mod quiet;
mod rwlock;
pub mod thread;

use std::panic::Location;
use std::sync::{LockResult, PoisonError, TryLockError, TryLockResult};

use super::trace::{self, Op};

pub use condvar::{Condvar, WaitTimeoutResult};
pub use loom::sync::Arc;
pub use mutex::{Mutex, MutexGuard};
pub use rwlock::{RwLock, RwLockReadGuard, RwLockWriteGuard};

/// The model checker's number for the running thread (0 is the test's own).
fn me() -> usize {
    // Loom numbers the threads of an execution 0, 1, 2, ... and says so only in `Debug`.
    let id = format!("{:?}", loom::thread::current().id());
    id.trim_start_matches("ThreadId(")
        .trim_end_matches(')')
        .parse()
        .unwrap_or(usize::MAX)
}

/// Records that the running thread did `op` at `at`. Nothing is recorded while a thread
/// unwinds: the execution has already failed, and loom may be tearing it down.
fn note(op: Op, at: &'static Location<'static>) {
    if !std::thread::panicking() {
        trace::record(me(), op, at);
    }
}

/// Records who holds a lock now. Not while a thread unwinds: the execution has failed and the
/// trace must keep saying who held what when it did.
fn hold(obj: trace::Obj, holder: trace::Holder) {
    if !std::thread::panicking() {
        trace::set_holder(obj, holder);
    }
}

/// Notes that the running thread asks for a lock, which `op` (a wait) says; if the execution
/// fails before [`granted`], the trace ends with that wait.
fn asking(op: Op, at: &'static Location<'static>) {
    if !std::thread::panicking() {
        trace::asking(me(), op, at);
    }
}

/// The running thread got the lock it asked for.
fn granted() {
    if !std::thread::panicking() {
        trace::granted(me());
    }
}

/// `result` with its guard (or the guard inside its poison error) turned into ours.
fn map_lock<G, H>(result: LockResult<G>, wrap: impl FnOnce(G) -> H) -> LockResult<H> {
    match result {
        Ok(guard) => Ok(wrap(guard)),
        Err(poisoned) => Err(PoisonError::new(wrap(poisoned.into_inner()))),
    }
}

/// [`map_lock`] for `try_lock` and its kin.
fn map_try<G, H>(result: TryLockResult<G>, wrap: impl FnOnce(G) -> H) -> TryLockResult<H> {
    match result {
        Ok(guard) => Ok(wrap(guard)),
        Err(TryLockError::WouldBlock) => Err(TryLockError::WouldBlock),
        Err(TryLockError::Poisoned(poisoned)) => Err(TryLockError::Poisoned(PoisonError::new(
            wrap(poisoned.into_inner()),
        ))),
    }
}
