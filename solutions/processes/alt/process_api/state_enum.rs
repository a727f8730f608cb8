//! Alternative: keeps the lifecycle in one enum (not started, running, ended) instead of separate `Option` fields, so no impossible combination can be represented.

use std::panic::{self, AssertUnwindSafe};

use nix::sys::signal::{Signal, kill};
use nix::sys::wait::{WaitPidFlag, WaitStatus, waitpid};
use nix::unistd::{ForkResult, Pid, fork};

/// Where a process is in its life.
enum State {
    NotStarted(Box<dyn FnOnce() -> i32>),
    Running(Pid),
    Ended(Pid, i32),
    /// Only while `start` moves the target out.
    Taken,
}

/// A target to run in a child process, like `Process(target=f, name=...)` in Python.
pub struct Process {
    name: String,
    state: State,
}

impl Process {
    /// A process that is not started yet. `target`'s return value becomes the exit code.
    pub fn new(name: &str, target: impl FnOnce() -> i32 + 'static) -> Process {
        Process {
            name: name.to_owned(),
            state: State::NotStarted(Box::new(target)),
        }
    }

    /// The name given to [`Process::new`].
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The child's pid once started, `None` before.
    pub fn pid(&self) -> Option<Pid> {
        match self.state {
            State::Running(pid) | State::Ended(pid, _) => Some(pid),
            State::NotStarted(_) | State::Taken => None,
        }
    }

    /// `None` while the child runs (or before it starts); then its exit code, or minus the
    /// number of the signal that killed it (`-15` after `terminate`), as in Python.
    pub fn exitcode(&self) -> Option<i32> {
        match self.state {
            State::Ended(_, code) => Some(code),
            _ => None,
        }
    }

    /// Forks the child, which runs the target and exits with its return value (1 if it
    /// panics). Panics if started twice.
    pub fn start(&mut self) -> nix::Result<()> {
        // Check before moving anything out: a second start must leave the process as it was.
        assert!(
            matches!(self.state, State::NotStarted(_)),
            "a process can only be started once"
        );
        let State::NotStarted(target) = std::mem::replace(&mut self.state, State::Taken) else {
            unreachable!("checked just above");
        };
        // Safety: the child runs only the target and `_exit`s.
        match unsafe { fork() } {
            Ok(ForkResult::Child) => {
                let code = panic::catch_unwind(AssertUnwindSafe(target)).unwrap_or(1);
                // Safety: `_exit` ends the process at once.
                unsafe { libc::_exit(code) }
            }
            Ok(ForkResult::Parent { child }) => {
                self.state = State::Running(child);
                Ok(())
            }
            Err(e) => {
                self.state = State::NotStarted(target);
                Err(e)
            }
        }
    }

    /// Whether the child is still running; reaps it and records its code when it has ended.
    pub fn is_alive(&mut self) -> bool {
        let State::Running(pid) = self.state else {
            return false;
        };
        match waitpid(pid, Some(WaitPidFlag::WNOHANG)) {
            Ok(status) => !self.ended(pid, status),
            Err(_) => false,
        }
    }

    /// Waits until the child ends (reaping it) and returns its exit code; `None` if the
    /// process was never started.
    pub fn join(&mut self) -> nix::Result<Option<i32>> {
        while let State::Running(pid) = self.state {
            let status = waitpid(pid, None)?;
            self.ended(pid, status);
        }
        Ok(self.exitcode())
    }

    /// Asks the child to stop with SIGTERM; does nothing unless it is running.
    pub fn terminate(&self) -> nix::Result<()> {
        match self.state {
            State::Running(pid) => kill(pid, Signal::SIGTERM),
            _ => Ok(()),
        }
    }

    /// Moves to `Ended` if `status` is an ending; returns whether it was.
    fn ended(&mut self, pid: Pid, status: WaitStatus) -> bool {
        let code = match status {
            WaitStatus::Exited(_, code) => code,
            WaitStatus::Signaled(_, signal, _) => -(signal as i32),
            _ => return false,
        };
        self.state = State::Ended(pid, code);
        true
    }
}
