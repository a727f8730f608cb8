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
    let mut started = Vec::with_capacity(tasks.len());
    for (name, task) in tasks {
        // Safety: the child runs only the task and `_exit`s; it never returns into the caller.
        match unsafe { fork() } {
            Err(e) => {
                // Reap the children already started before giving up, or they become zombies.
                for (_, child) in started {
                    let _ = waitpid(child, None);
                }
                return Err(e);
            }
            Ok(ForkResult::Child) => {
                // A panic stays in the child: it becomes exit code 101, not a panic in the parent.
                let code = if panic::catch_unwind(AssertUnwindSafe(task)).is_ok() {
                    0
                } else {
                    101
                };
                // Safety: `_exit` ends the process at once; always sound to call.
                unsafe { libc::_exit(code) }
            }
            Ok(ForkResult::Parent { child }) => started.push((name, child)),
        }
    }
    started
        .into_iter()
        .map(|(name, pid)| {
            // A failed child is a fact to report, not an error of the parent's.
            let ending = loop {
                match waitpid(pid, None)? {
                    WaitStatus::Exited(_, 0) => break Ending::Success,
                    WaitStatus::Exited(_, code) => break Ending::Failed(code),
                    WaitStatus::Signaled(_, signal, _) => break Ending::Killed(signal),
                    _ => continue,
                }
            };
            Ok(Report { name, pid, ending })
        })
        .collect()
}
