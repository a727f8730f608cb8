//! Panics caught from the code under test: what they say, and the verdicts the suites make of
//! them. A `todo!()` is always passed on unchanged, so an unfinished exercise reads "not yet
//! implemented" rather than a verdict about a mistake the student did not make.

use std::any::Any;
use std::panic::{self, AssertUnwindSafe};

/// The text of a caught panic (`panic!("...")` carries a `&str`, a formatted one a `String`),
/// if it has one.
pub fn panic_text(payload: &(dyn Any + Send)) -> Option<String> {
    payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| (*s).to_owned()))
}

/// The message of a caught panic, for verdicts that quote it.
pub fn panic_message(payload: &(dyn Any + Send)) -> String {
    panic_text(payload).unwrap_or_else(|| "a panic without a message".to_owned())
}

/// Passes on a caught panic that comes from an unfinished exercise (`todo!()`), so the student
/// reads "not yet implemented" rather than a verdict about a mistake they did not make.
pub fn unless_todo(payload: Box<dyn Any + Send>) -> Box<dyn Any + Send> {
    if panic_message(&*payload).starts_with("not yet implemented") {
        panic::resume_unwind(payload);
    }
    payload
}

/// Runs `call` (one call into the student's code, described by `what`) and turns a panic into a
/// verdict that says which call panicked and what it should have done. A `todo!()` panic is
/// passed on unchanged, so an unfinished exercise reads "not yet implemented". The verdict is
/// raised at the caller's line, in the suite.
#[track_caller]
pub fn no_panic<T>(what: &str, should: &str, call: impl FnOnce() -> T) -> T {
    match panic::catch_unwind(AssertUnwindSafe(call)) {
        Ok(value) => value,
        Err(payload) => {
            let message = panic_message(&*payload);
            if message.starts_with("not yet implemented") {
                panic::resume_unwind(payload);
            }
            panic!("{what} panicked ({message}): it should {should}")
        }
    }
}

/// Runs `call`, one call into the student's code described by `what`. An arithmetic overflow
/// (an amount taken from less than it) becomes a verdict that names the race behind it; any
/// other panic, `todo!()` included, is passed on unchanged. The verdict is raised at the
/// caller's line, in the suite.
#[track_caller]
pub fn no_overflow<T>(what: &str, call: impl FnOnce() -> T) -> T {
    match panic::catch_unwind(AssertUnwindSafe(call)) {
        Ok(value) => value,
        Err(payload) => {
            let message = panic_message(&*payload);
            if !message.contains("overflow") {
                panic::resume_unwind(payload);
            }
            panic!(
                "check-then-act: {what} took more than there was ({message}): the amount was \
                 checked against an older value that another thread had changed. Check and \
                 subtract in one step (under one guard, or one compare_exchange), and check \
                 again on every retry"
            )
        }
    }
}
