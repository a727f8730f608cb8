//! A supervisor: a parent that runs a child program and, when it is asked to stop (its own
//! SIGTERM sets a flag), passes the request on to the child and waits for it, so that the
//! child can shut down gracefully and is never left behind as an orphan.

use std::io;
use std::process::{Child, Command, ExitStatus};
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::Duration;

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;

/// A running child under supervision.
pub struct Supervisor {
    child: Child,
}

impl Supervisor {
    /// Starts `command` as the supervised child.
    pub fn start(command: &mut Command) -> io::Result<Supervisor> {
        Ok(Supervisor {
            child: command.spawn()?,
        })
    }

    /// The child's pid.
    pub fn child_pid(&self) -> u32 {
        self.child.id()
    }

    /// Runs until the child ends on its own (or is killed), or until `stop` is set; then
    /// forwards SIGTERM to the child and waits for it. Returns how the child ended; the child
    /// has been reaped when this returns.
    pub fn run(self, stop: &AtomicBool) -> io::Result<ExitStatus> {
        // TODO: loop: if the child has ended (`try_wait`), return its status; if `stop` is
        // set, send the child SIGTERM (`kill(Pid::from_raw(..), Signal::SIGTERM)` — note what
        // `Child::kill` sends) and wait for it; otherwise sleep a few milliseconds.
        todo!()
    }
}
