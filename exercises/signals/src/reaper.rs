//! Reaping on SIGCHLD: the kernel sends SIGCHLD when a child ends; the parent then collects
//! every child that has ended — all of them, and without blocking on the ones still running.

use std::io;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use nix::errno::Errno;
use nix::sys::wait::{WaitPidFlag, WaitStatus, waitpid};
use nix::unistd::Pid;
use signal_hook::consts::SIGCHLD;

/// Installs a SIGCHLD handler that sets the returned flag.
pub fn watch_children() -> io::Result<Arc<AtomicBool>> {
    // TODO: like a shutdown flag, for SIGCHLD.
    todo!()
}

/// Reaps every child that has ended by now and returns each one's pid and exit code (minus
/// the signal number if a signal killed it). Never blocks: children still running are left.
/// With no child at all, there is nothing to reap: an empty list.
pub fn reap_ended() -> nix::Result<Vec<(Pid, i32)>> {
    // TODO: ask `waitpid(Pid::from_raw(-1), ...)` (any child). Think: how many children may
    // have ended for one SIGCHLD? And what must waitpid do when the rest are still running?
    // `Err(Errno::ECHILD)` means there are no children at all.
    todo!()
}
