//! Fork one child process per job. Each child runs its job and exits with the job's code; the
//! parent waits for every child (`waitpid`) and reads its exit status. A child that is never
//! waited for stays in the process table as a zombie.

use std::panic::{self, AssertUnwindSafe};

use nix::sys::wait::{WaitStatus, waitpid};
use nix::unistd::{ForkResult, Pid, fork};

/// What the parent learned about one child.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Finished {
    /// The child's process id.
    pub pid: Pid,
    /// The child's exit code, or minus the signal number if a signal killed it (as Python's
    /// `Process.exitcode`).
    pub code: i32,
}

/// Runs `job(0)`, ..., `job(jobs - 1)`, each in a child process of its own, all at the same
/// time, and returns what each child exited with, in job order (whatever order they end in).
/// A job that panics ends its child with code 101, as a Rust program that panics does: the
/// panic never leaves the child. Every child has been waited for when this returns.
pub fn run_jobs(jobs: usize, job: impl Fn(usize) -> u8) -> nix::Result<Vec<Finished>> {
    // TODO: fork one child per job (`unsafe { fork() }`: the child may only run `job(i)` and
    // then end with `unsafe { libc::_exit(code) }` — it must never return from this function).
    // Wrap the job in `panic::catch_unwind` so a panic cannot escape the child (it means 101).
    // TODO: only after forking them all, `waitpid` each child in job order and turn its
    // `WaitStatus` into a code: `Exited(_, code)` gives `code`, `Signaled(_, sig, _)` gives
    // `-(sig as i32)`.
    todo!()
}
