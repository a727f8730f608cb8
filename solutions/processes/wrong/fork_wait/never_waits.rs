//! Wrong: each child sends its code back through a pipe and the parent never calls waitpid,
//! so every child stays in the process table as a zombie.
//! Expect: zombie

use std::panic::{self, AssertUnwindSafe};

use nix::sys::wait::waitpid;
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
/// time, and returns what each child exited with, in job order. Every child has been waited for
/// when this returns.
pub fn run_jobs(jobs: usize, job: impl Fn(usize) -> u8) -> nix::Result<Vec<Finished>> {
    let mut children = Vec::with_capacity(jobs);
    // Fork them all first, wait afterwards: waiting inside this loop would run one child at a
    // time.
    for i in 0..jobs {
        // Safety: the child runs only `job` and then `_exit`s; it never returns into the
        // (possibly multi-threaded) caller, whose other threads do not exist in the child.
        let (read, write) = nix::unistd::pipe()?;
        match unsafe { fork() } {
            Ok(ForkResult::Child) => {
                // A panic must not unwind out of the child into the parent's code path.
                let code = panic::catch_unwind(AssertUnwindSafe(|| job(i))).unwrap_or(101);
                let _ = nix::unistd::write(&write, &[code]);
                // `_exit`, not `exit`: the child must not run the parent's exit handlers or
                // flush buffers it inherited.
                // Safety: `_exit` ends the process at once; always sound to call.
                unsafe { libc::_exit(i32::from(code)) }
            }
            Ok(ForkResult::Parent { child }) => {
                drop(write);
                children.push((child, read));
            }
            Err(e) => {
                // Reap the children already started before giving up, or they become zombies.
                for (child, _) in children {
                    let _ = waitpid(child, None);
                }
                return Err(e);
            }
        }
    }
    // The code came back through the pipe already, so there is nothing to wait for.
    Ok(children
        .into_iter()
        .map(|(pid, pipe)| Finished {
            pid,
            code: read_code(pipe),
        })
        .collect())
}

/// Reads the code the child wrote; a child that wrote nothing was killed.
fn read_code(pipe: std::os::fd::OwnedFd) -> i32 {
    let mut byte = [0u8];
    match nix::unistd::read(&pipe, &mut byte) {
        Ok(1) => i32::from(byte[0]),
        _ => -9,
    }
}
