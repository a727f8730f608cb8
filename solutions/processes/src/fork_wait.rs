//! Fork one child process per job. Each child runs its job and exits with the job's code; the
//! parent waits for every child (`waitpid`) and reads its exit status.

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
    let mut children = Vec::with_capacity(jobs);
    // Fork them all first, wait afterwards: waiting inside this loop would run one child at a
    // time.
    for i in 0..jobs {
        // Safety: the child runs only `job` and then `_exit`s; it never returns into the
        // (possibly multi-threaded) caller, whose other threads do not exist in the child.
        match unsafe { fork() } {
            Ok(ForkResult::Child) => {
                // A panic must not unwind out of the child into the parent's code path.
                let code = panic::catch_unwind(AssertUnwindSafe(|| job(i))).unwrap_or(101);
                // `_exit`, not `exit`: the child must not run the parent's exit handlers or
                // flush buffers it inherited.
                // Safety: `_exit` ends the process at once; always sound to call.
                unsafe { libc::_exit(i32::from(code)) }
            }
            Ok(ForkResult::Parent { child }) => children.push(child),
            Err(e) => {
                // Reap the children already started before giving up, or they become zombies.
                for child in children {
                    let _ = waitpid(child, None);
                }
                return Err(e);
            }
        }
    }
    // Waiting reaps the child: until then it stays in the process table as a zombie.
    children
        .into_iter()
        .map(|pid| {
            Ok(Finished {
                pid,
                code: wait_for(pid)?,
            })
        })
        .collect()
}

/// Blocks until `pid` ends and turns its status into a Python-style exit code.
fn wait_for(pid: Pid) -> nix::Result<i32> {
    loop {
        match waitpid(pid, None)? {
            WaitStatus::Exited(_, code) => return Ok(code),
            WaitStatus::Signaled(_, signal, _) => return Ok(-(signal as i32)),
            // Stopped or continued: the child has not ended yet.
            _ => continue,
        }
    }
}
