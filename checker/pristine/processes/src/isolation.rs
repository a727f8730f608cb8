//! Isolation: run each task in a child process of its own, so that one that panics, exits
//! with an error or is killed cannot bring the parent down; the parent reports which task
//! failed and how.

use std::panic::{self, AssertUnwindSafe};

use nix::sys::signal::Signal;
use nix::sys::wait::{WaitStatus, waitpid};
use nix::unistd::{ForkResult, Pid, fork};

/// How a task's process ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ending {
    /// It returned normally (exit code 0).
    Success,
    /// It exited with this non-zero code (101 when the task panicked, as Rust programs do).
    Failed(i32),
    /// A signal killed it: it has no exit code at all.
    Killed(Signal),
}

/// What happened to one task.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Report {
    /// The task's name.
    pub name: String,
    /// The pid of the process that ran it.
    pub pid: Pid,
    /// How that process ended.
    pub ending: Ending,
}

/// A named piece of work.
pub type Task = (String, Box<dyn FnOnce()>);

/// Runs every task in its own child process, all at once, and reports each one's ending in
/// task order. Returns only after every child has been reaped.
pub fn run_isolated(tasks: Vec<Task>) -> nix::Result<Vec<Report>> {
    // TODO: fork a child per task; the child runs it under `panic::catch_unwind` and ends with
    // `unsafe { libc::_exit(0 or 101) }`.
    // TODO: wait for each child in order and map its `WaitStatus` to an `Ending`; a failed
    // child is something to report, never a reason for the parent to fail.
    todo!()
}
