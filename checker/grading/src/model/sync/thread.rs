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
