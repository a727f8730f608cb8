//! Alternative: reaps each child as soon as it ends (polling the unfinished pids with WNOHANG) instead of in job order, and puts each result in its job's place.

use std::panic::{self, AssertUnwindSafe};
use std::thread;
use std::time::Duration;

use nix::sys::wait::{WaitPidFlag, WaitStatus, waitpid};
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
    let mut pids = Vec::with_capacity(jobs);
    for i in 0..jobs {
        // Safety: the child runs only `job` and then `_exit`s; it never returns.
        match unsafe { fork() } {
            Ok(ForkResult::Child) => {
                let code = panic::catch_unwind(AssertUnwindSafe(|| job(i))).unwrap_or(101);
                // Safety: `_exit` ends the process at once.
                unsafe { libc::_exit(i32::from(code)) }
            }
            Ok(ForkResult::Parent { child }) => pids.push(child),
            Err(e) => {
                for child in pids {
                    let _ = waitpid(child, None);
                }
                return Err(e);
            }
        }
    }
    // One slot per job, filled in whatever order the children end: a child that ends early
    // is reaped early instead of staying a zombie behind a slow one.
    let mut codes: Vec<Option<i32>> = vec![None; jobs];
    while codes.iter().any(Option::is_none) {
        let mut progress = false;
        for (slot, &pid) in codes.iter_mut().zip(&pids).filter(|(c, _)| c.is_none()) {
            match waitpid(pid, Some(WaitPidFlag::WNOHANG))? {
                WaitStatus::Exited(_, code) => *slot = Some(code),
                WaitStatus::Signaled(_, signal, _) => *slot = Some(-(signal as i32)),
                _ => continue,
            }
            progress = true;
        }
        if !progress {
            thread::sleep(Duration::from_millis(1));
        }
    }
    Ok(pids
        .into_iter()
        .zip(codes)
        .map(|(pid, code)| Finished {
            pid,
            code: code.expect("every slot is filled"),
        })
        .collect())
}
