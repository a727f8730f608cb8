//! `std::thread`'s spawn, join and yield, model-checked and recorded.

use std::fmt;
use std::panic::Location;

use super::note;
use crate::model::trace::{self, Op};

pub use loom::thread::{Thread, ThreadId, current, park};

/// `std::thread::JoinHandle`.
pub struct JoinHandle<T> {
    number: usize,
    inner: loom::thread::JoinHandle<T>,
}

/// `std::thread::spawn`: the trace shows the spawn, and the new thread's end.
#[track_caller]
pub fn spawn<F, T>(f: F) -> JoinHandle<T>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    let number = trace::next_thread();
    let at = Location::caller();
    note(Op::Spawn(number), at);
    let inner = loom::thread::spawn(move || {
        let out = f();
        note(Op::Finish, at);
        out
    });
    JoinHandle { number, inner }
}

/// `std::thread::yield_now`: loom lets another thread run here.
#[track_caller]
pub fn yield_now() {
    note(Op::Yield, Location::caller());
    loom::thread::yield_now();
}

impl<T> JoinHandle<T> {
    #[track_caller]
    pub fn join(self) -> std::thread::Result<T> {
        let at = Location::caller();
        if !trace::finished(self.number) {
            note(Op::WaitJoin(self.number), at);
        }
        let result = self.inner.join();
        note(Op::Join(self.number), at);
        result
    }

    pub fn thread(&self) -> &Thread {
        self.inner.thread()
    }
}

impl<T> fmt::Debug for JoinHandle<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JoinHandle").finish_non_exhaustive()
    }
}

/// The model checker has no scoped threads: [`scope`] exists so that code using it gets this
/// message from the compiler, instead of "cannot find function `scope`".
#[diagnostic::on_unimplemented(
    message = "the model checker (loom) has no scoped threads: `thread::scope` cannot be model-checked",
    label = "scoped threads here",
    note = "share the data with an `Arc` (from `crate::sync`), start the workers with `thread::spawn`, and `join` every handle"
)]
pub trait NoScopedThreadsUnderTheModelChecker {}

/// `std::thread::scope`'s signature, for a clear compile error (see
/// [`NoScopedThreadsUnderTheModelChecker`]); it cannot be called.
pub fn scope<'env, F, T>(_f: F) -> T
where
    F: for<'scope> FnOnce(&'scope Scope<'scope, 'env>) -> T,
    F: NoScopedThreadsUnderTheModelChecker,
{
    unreachable!("no type implements NoScopedThreadsUnderTheModelChecker")
}

/// `std::thread::Scope`, for [`scope`]'s signature only.
pub struct Scope<'scope, 'env: 'scope> {
    _scope: std::marker::PhantomData<&'scope mut &'scope ()>,
    _env: std::marker::PhantomData<&'env mut &'env ()>,
}

/// `std::thread::ScopedJoinHandle`, for [`scope`]'s signature only.
pub struct ScopedJoinHandle<'scope, T>(std::marker::PhantomData<&'scope T>);

impl<'scope> Scope<'scope, '_> {
    pub fn spawn<F, T>(&'scope self, _f: F) -> ScopedJoinHandle<'scope, T>
    where
        F: FnOnce() -> T + Send + 'scope,
        T: Send + 'scope,
    {
        unreachable!("a Scope is never made")
    }
}

impl<T> ScopedJoinHandle<'_, T> {
    pub fn join(self) -> std::thread::Result<T> {
        unreachable!("a Scope is never made")
    }
}
