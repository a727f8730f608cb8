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
        let target = self
            .target
            .take()
            .expect("a process can only be started once");
        // Safety: the child runs only the target and `_exit`s; it never returns into the
        // caller, whose other threads do not exist in the child.
        match unsafe { fork() }? {
            ForkResult::Child => {
                let code = panic::catch_unwind(AssertUnwindSafe(target)).unwrap_or(1);
                // Safety: `_exit` ends the process at once; always sound to call.
                unsafe { libc::_exit(code) }
            }
            ForkResult::Parent { child } => {
                self.pid = Some(child);
                Ok(())
            }
        }
    }

    /// Whether the child is still running (false before `start`). Asks `waitpid` with
    /// `WNOHANG` — "has it ended?" without blocking — which also reaps a child that has ended
    /// and records its exit code. (`kill(pid, 0)` would not do: it succeeds on a zombie.)
    pub fn is_alive(&mut self) -> bool {
        match self.pid {
            Some(pid) if self.exitcode.is_none() => {
                match waitpid(pid, Some(WaitPidFlag::WNOHANG)) {
                    Ok(WaitStatus::StillAlive) => true,
                    Ok(status) => !self.record(status),
                    Err(_) => false,
                }
            }
            _ => false,
        }
    }

    /// Waits until the child ends (reaping it) and returns its exit code; `None` if the
    /// process was never started. Once the exit code is known (an earlier `join` or
    /// `is_alive`), returns it again without waiting: the child is gone, waitpid would fail.
    pub fn join(&mut self) -> nix::Result<Option<i32>> {
        if let Some(pid) = self.pid {
            while self.exitcode.is_none() {
                let status = waitpid(pid, None)?;
                self.record(status);
            }
        }
        Ok(self.exitcode)
    }

    /// Asks the child to stop with SIGTERM (it may clean up; SIGKILL would not let it). Does
    /// nothing (`Ok`) before `start` and once the child has been reaped: its pid may already
    /// belong to another process.
    pub fn terminate(&self) -> nix::Result<()> {
        match self.pid {
            Some(pid) if self.exitcode.is_none() => kill(pid, Signal::SIGTERM),
            _ => Ok(()),
        }
    }

    /// Records the exit code from a status that says the child ended; returns whether it did.
    fn record(&mut self, status: WaitStatus) -> bool {
        self.exitcode = match status {
            WaitStatus::Exited(_, code) => Some(code),
            WaitStatus::Signaled(_, signal, _) => Some(-(signal as i32)),
            _ => return false,
        };
        true
    }
}
