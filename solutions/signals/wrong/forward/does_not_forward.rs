//! Wrong: the supervisor stops on SIGTERM without telling its child, which goes on running as an
//! orphan.
//! Expect: orphan

use std::io;
use std::os::unix::process::ExitStatusExt;
use std::process::{Child, Command, ExitStatus};
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::Duration;

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

    /// Runs until the child ends on its own, or until `stop` is set; then forwards SIGTERM to
    /// the child and waits for it. Returns how the child ended.
    pub fn run(mut self, stop: &AtomicBool) -> io::Result<ExitStatus> {
        loop {
            if let Some(status) = self.child.try_wait()? {
                return Ok(status);
            }
            if stop.load(Ordering::SeqCst) {
                // We were asked to stop: stop.
                return Ok(ExitStatus::from_raw(0));
            }
            thread::sleep(Duration::from_millis(5));
        }
    }
}
