//! Alternative: reaps with `waitid(Id::All, WEXITED | WNOHANG)` instead of `waitpid(-1, WNOHANG)`, the other system call that asks "which child ended?".

use std::io;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use nix::errno::Errno;
use nix::sys::wait::{Id, WaitPidFlag, WaitStatus, waitid};
use nix::unistd::Pid;
use signal_hook::consts::SIGCHLD;

/// Installs a SIGCHLD handler that sets the returned flag.
pub fn watch_children() -> io::Result<Arc<AtomicBool>> {
    let ended = Arc::new(AtomicBool::new(false));
    signal_hook::flag::register(SIGCHLD, Arc::clone(&ended))?;
    Ok(ended)
}

/// Reaps every child that has ended by now and returns each one's pid and exit code (minus
/// the signal number if a signal killed it). Never blocks: children still running are left.
/// With no child at all, there is nothing to reap: an empty list.
pub fn reap_ended() -> nix::Result<Vec<(Pid, i32)>> {
    let mut reaped = Vec::new();
    // Signals do not queue: three children ending together may deliver a single SIGCHLD. So
    // one signal means "at least one ended": keep asking until none is left. WNOHANG makes
    // waitpid answer "still running" instead of blocking on a child that has not ended.
    loop {
        // WEXITED: only endings (not stops); WNOHANG: answer at once.
        match waitid(Id::All, WaitPidFlag::WEXITED | WaitPidFlag::WNOHANG) {
            Ok(WaitStatus::Exited(pid, code)) => reaped.push((pid, code)),
            Ok(WaitStatus::Signaled(pid, signal, _)) => reaped.push((pid, -(signal as i32))),
            Ok(WaitStatus::StillAlive) | Err(Errno::ECHILD) => return Ok(reaped),
            // Stopped or continued children have not ended.
            Ok(_) => continue,
            Err(e) => return Err(e),
        }
    }
}
