//! A Unix daemon: a process that detaches from whoever started it — double fork, `setsid`,
//! `chdir("/")`, standard streams to `/dev/null`, a pidfile — and then does periodic work
//! (a save every N ms) until SIGTERM, when it stops cleanly and removes its pidfile.

use std::fs::{self, OpenOptions};
use std::io::{self, Write};
use std::os::fd::AsRawFd;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::Duration;

use nix::sys::stat::{Mode, umask};
use nix::sys::wait::waitpid;
use nix::unistd::{ForkResult, chdir, dup2_stderr, dup2_stdin, dup2_stdout, fork, getpid, setsid};
use signal_hook::consts::SIGTERM;

/// Turns the calling (single-threaded) process into a daemon and writes its pid to
/// `pidfile` (an absolute path). Returns only in the daemon; the calling process exits with
/// status 0 once the daemon is on its way.
pub fn daemonize(pidfile: &Path) -> io::Result<()> {
    // TODO: fork; the parent reaps the child (`waitpid`) and ends with `unsafe { libc::_exit(0) }`.
    // TODO: in the child: `setsid()`, then fork again and let that parent `_exit(0)` too.
    // TODO: in the grandchild (the daemon): `chdir("/")`, `umask(..0o022)`, point stdin,
    // stdout and stderr at `/dev/null` (`dup2_stdin` & co.), and write its pid to `pidfile`.
    todo!()
}

/// The daemon's work: appends `tick N` (N = 1, 2, ...) to `log` every `every` until SIGTERM;
/// then appends `stopped`, removes `pidfile` and returns.
pub fn serve(log: &Path, every: Duration, pidfile: &Path) -> io::Result<()> {
    // TODO: a SIGTERM flag (`signal_hook::flag::register`), a loop that appends a tick and
    // sleeps until the flag is set, then the `stopped` line and the pidfile's removal.
    todo!()
}
