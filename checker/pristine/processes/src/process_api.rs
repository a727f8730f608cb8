//! A small `Process` with the API of Python's `multiprocessing.Process` — `start`, `join`,
//! `is_alive`, `terminate`, `pid`, `name`, `exitcode` — built on fork, waitpid and kill, to see
//! what the library does underneath.

use std::panic::{self, AssertUnwindSafe};

use nix::sys::signal::{Signal, kill};
use nix::sys::wait::{WaitPidFlag, WaitStatus, waitpid};
use nix::unistd::{ForkResult, Pid, fork};

/// A target to run in a child process, like `Process(target=f, name=...)` in Python.
pub struct Process {
    name: String,
    target: Option<Box<dyn FnOnce() -> i32>>,
    pid: Option<Pid>,
    exitcode: Option<i32>,
}

impl Process {
    /// A process that is not started yet. `target`'s return value becomes the exit code.
    pub fn new(name: &str, target: impl FnOnce() -> i32 + 'static) -> Process {
        Process {
            name: name.to_owned(),
            target: Some(Box::new(target)),
            pid: None,
            exitcode: None,
        }
    }

    /// The name given to [`Process::new`].
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The child's pid once started, `None` before.
    pub fn pid(&self) -> Option<Pid> {
        self.pid
    }

    /// `None` while the child runs (or before it starts); then its exit code, or minus the
    /// number of the signal that killed it (`-15` after `terminate`), as in Python.
    pub fn exitcode(&self) -> Option<i32> {
        self.exitcode
    }

    /// Forks the child, which runs the target and exits with its return value (1 if it
    /// panics, as a Python exception gives exit code 1). Panics if started twice.
    pub fn start(&mut self) -> nix::Result<()> {
        // TODO: take the target, fork; in the child run it under `panic::catch_unwind`
        // (a panic gives code 1) and end with `unsafe { libc::_exit(code) }`; in the parent
        // remember the child's pid.
        todo!()
    }

    /// Whether the child is still running (false before `start`). Must not block, and must
    /// notice a child that has ended: that call reaps it, records its exit code and answers
    /// false.
    pub fn is_alive(&mut self) -> bool {
        // TODO: ask `waitpid(pid, Some(WaitPidFlag::WNOHANG))`: `StillAlive` means running;
        // any ending status means it has ended — record the exit code (this reaps the child).
        todo!()
    }

    /// Waits until the child ends (reaping it) and returns its exit code; `None` if the
    /// process was never started. Once the exit code is known (an earlier `join` or
    /// `is_alive`), returns it again without waiting.
    pub fn join(&mut self) -> nix::Result<Option<i32>> {
        // TODO: block in `waitpid(pid, None)` until it reports an ending, unless the exit code
        // is already known.
        todo!()
    }

    /// Asks the child to stop with SIGTERM. Does nothing (`Ok`) before `start` and once the
    /// child has been reaped: its pid may already belong to another process.
    pub fn terminate(&self) -> nix::Result<()> {
        // TODO: `kill(pid, Signal::SIGTERM)` if started and not yet reaped.
        todo!()
    }
}
