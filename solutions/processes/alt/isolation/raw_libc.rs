//! Alternative: raw `libc::fork` and `libc::waitpid`, decoding the status word with `WIFEXITED`, `WEXITSTATUS`, `WIFSIGNALED` and `WTERMSIG` as C does, instead of nix's `WaitStatus`.

use std::panic::{self, AssertUnwindSafe};

use nix::sys::signal::Signal;
use nix::errno::Errno;
use nix::unistd::Pid;

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
    let mut started: Vec<(String, libc::pid_t)> = Vec::with_capacity(tasks.len());
    for (name, task) in tasks {
        // Safety: the child runs only the task and `_exit`s; it never returns into the caller.
        match unsafe { libc::fork() } {
            -1 => {
                let error = Errno::last();
                for &(_, pid) in &started {
                    let _ = wait_for(pid);
                }
                return Err(error);
            }
            0 => {
                let code = if panic::catch_unwind(AssertUnwindSafe(task)).is_ok() {
                    0
                } else {
                    101
                };
                // Safety: `_exit` ends the process at once; always sound to call.
                unsafe { libc::_exit(code) }
            }
            pid => started.push((name, pid)),
        }
    }
    let mut reports = Vec::with_capacity(started.len());
    for (name, pid) in started {
        let status = wait_for(pid)?;
        let ending = if libc::WIFEXITED(status) {
            match libc::WEXITSTATUS(status) {
                0 => Ending::Success,
                code => Ending::Failed(code),
            }
        } else {
            Ending::Killed(Signal::try_from(libc::WTERMSIG(status))?)
        };
        reports.push(Report {
            name,
            pid: Pid::from_raw(pid),
            ending,
        });
    }
    Ok(reports)
}

/// Blocks until `pid` has exited or been killed; returns the raw status word.
fn wait_for(pid: libc::pid_t) -> nix::Result<libc::c_int> {
    loop {
        let mut status = 0;
        // Safety: `status` is a valid place for the kernel to write the status word.
        if unsafe { libc::waitpid(pid, &mut status, 0) } == -1 {
            match Errno::last() {
                Errno::EINTR => continue,
                error => return Err(error),
            }
        }
        if libc::WIFEXITED(status) || libc::WIFSIGNALED(status) {
            return Ok(status);
        }
    }
}
