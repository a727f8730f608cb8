//! Alternative: looks at the stop flag before the child in each round (the other order), and sends SIGTERM with `libc::kill`; a child that already ended is still waited for, so the status is the same.

use std::io;
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

    /// Runs until the child ends on its own (or is killed), or until `stop` is set; then
    /// forwards SIGTERM to the child and waits for it. Returns how the child ended; the child
    /// has been reaped when this returns.
    pub fn run(mut self, stop: &AtomicBool) -> io::Result<ExitStatus> {
        loop {
            if stop.load(Ordering::SeqCst) {
                // The child is not reaped yet (try_wait said so last round), so its pid is
                // still its own, even if it has just become a zombie (which ignores signals).
                let pid = self.child.id() as libc::pid_t;
                // Safety: a plain system call with plain integers.
                if unsafe { libc::kill(pid, libc::SIGTERM) } == -1 {
                    return Err(io::Error::last_os_error());
                }
                return self.child.wait();
            }
            if let Some(status) = self.child.try_wait()? {
                return Ok(status);
            }
            thread::sleep(Duration::from_millis(5));
        }
    }
}
