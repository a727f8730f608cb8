//! Wrong: waits for each task's child right after forking it, so the tasks run one after
//! another, never at the same time.
//! Expect: did not run at the same time

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
    let mut reports = Vec::with_capacity(tasks.len());
    for (name, task) in tasks {
        // Safety: the child runs only the task and `_exit`s; it never returns into the caller.
        match unsafe { fork() }? {
            ForkResult::Child => {
                let code = if panic::catch_unwind(AssertUnwindSafe(task)).is_ok() {
                    0
                } else {
                    101
                };
                // Safety: `_exit` ends the process at once; always sound to call.
                unsafe { libc::_exit(code) }
            }
            // Collect this task's ending before starting the next one.
            ForkResult::Parent { child } => reports.push(Report {
                name,
                pid: child,
                ending: ending_of(child)?,
            }),
        }
    }
    Ok(reports)
}

/// Blocks until `pid` ends and says how.
fn ending_of(pid: Pid) -> nix::Result<Ending> {
    loop {
        match waitpid(pid, None)? {
            WaitStatus::Exited(_, 0) => return Ok(Ending::Success),
            WaitStatus::Exited(_, code) => return Ok(Ending::Failed(code)),
            WaitStatus::Signaled(_, signal, _) => return Ok(Ending::Killed(signal)),
            _ => continue,
        }
    }
}
