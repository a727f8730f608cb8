//! A forked "lab" process for a test whose code under test works on processes: what it starts
//! and waits for stays inside the lab, never mixed with the test's own children, and an
//! `alarm` ends the lab if something inside blocks.

use nix::fcntl::OFlag;
use nix::sys::signal::{Signal, kill};
use nix::sys::wait::{WaitStatus, waitpid};
use nix::unistd::{ForkResult, Pid, alarm, fork};
use std::panic::{self, AssertUnwindSafe};

use crate::caught::panic_message;
use crate::procfs;

/// How long a lab process may live: far more than its work takes, and less than the test's
/// own limit, so that a blocking call inside it becomes a clear verdict.
pub const LAB_SECONDS: u32 = 3;

/// Kills and reaps a child that is still ours when the test ends, whatever happened.
pub struct Reap(pub Vec<Pid>);

impl Drop for Reap {
    fn drop(&mut self) {
        for &pid in &self.0 {
            if procfs::is_unreaped_child(pid.as_raw()) {
                let _ = kill(pid, Signal::SIGKILL);
                let _ = waitpid(pid, None);
            }
        }
    }
}

/// Runs `body` in a forked lab process, which reports through a pipe: `Err(verdict)` and a
/// panic fail the test (a `todo!()` reads "not yet implemented"), and a lab still running after
/// [`LAB_SECONDS`] fails it with `on_hang`. The verdict is raised at the caller's line.
#[track_caller]
pub fn in_a_lab(on_hang: &str, body: impl FnOnce() -> Result<(), String>) {
    // Non-blocking: the lab's children inherit the write end, so the test reads what the lab
    // wrote once the lab has ended instead of waiting for end-of-file.
    let (read, write) = nix::unistd::pipe2(OFlag::O_CLOEXEC | OFlag::O_NONBLOCK).expect("pipe");
    // Safety: the lab runs `body` and `_exit`s; it never returns into the test.
    match unsafe { fork() }.expect("fork the lab") {
        ForkResult::Child => {
            drop(read);
            alarm::set(LAB_SECONDS);
            let outcome = panic::catch_unwind(AssertUnwindSafe(body));
            let (code, message) = match outcome {
                Ok(Ok(())) => (0, String::new()),
                Ok(Err(message)) => (1, message),
                Err(payload) => (2, panic_message(&*payload)),
            };
            let _ = nix::unistd::write(&write, message.as_bytes());
            // Safety: ends the lab at once.
            unsafe { libc::_exit(code) }
        }
        ForkResult::Parent { child } => {
            drop(write);
            let _lab = Reap(vec![child]);
            let status = waitpid(child, None).expect("wait for the lab");
            let mut report = Vec::new();
            let mut chunk = [0u8; 4096];
            while let Ok(n @ 1..) = nix::unistd::read(&read, &mut chunk) {
                report.extend_from_slice(&chunk[..n]);
            }
            let report = String::from_utf8_lossy(&report).into_owned();
            match status {
                WaitStatus::Exited(_, 0) => {}
                WaitStatus::Exited(_, 1) => panic!("{report}"),
                WaitStatus::Exited(_, 2) if report.starts_with("not yet implemented") => {
                    panic!("{report}")
                }
                WaitStatus::Exited(_, 2) => panic!("the code under test panicked: {report}"),
                WaitStatus::Signaled(_, Signal::SIGALRM, _) => {
                    panic!("did not finish within {LAB_SECONDS} s: {on_hang}")
                }
                other => panic!("the lab process ended unexpectedly ({other:?}): {report}"),
            }
        }
    }
}
