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
    // First fork: the launcher can exit, and the child is not a process-group leader, which
    // `setsid` requires.
    // Safety: the caller is single-threaded; each side goes on with ordinary code.
    if let ForkResult::Parent { child } = unsafe { fork() }? {
        // Reap the short-lived middle child, so it leaves no zombie, then go.
        let _ = waitpid(child, None);
        // Safety: ends the launcher at once, without running the daemon's exit handlers twice.
        unsafe { libc::_exit(0) };
    }
    // A new session without a controlling terminal: a closed terminal (SIGHUP) or Ctrl-C in
    // the launcher's shell no longer reaches us.
    setsid()?;
    // Second fork: the session leader exits, so the daemon is not a session leader and can
    // never acquire a controlling terminal again by opening one.
    // Safety: still single-threaded.
    if let ForkResult::Parent { .. } = unsafe { fork() }? {
        // Safety: ends the middle child at once.
        unsafe { libc::_exit(0) };
    }
    // Do not keep the launcher's directory busy (it could not be unmounted), and create
    // files with predictable permissions.
    chdir("/")?;
    umask(Mode::from_bits_truncate(0o022));
    // Nobody reads the old stdout any more: a write there could block or kill us (SIGPIPE).
    let null = OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/null")?;
    dup2_stdin(&null)?;
    dup2_stdout(&null)?;
    dup2_stderr(&null)?;
    if null.as_raw_fd() <= 2 {
        // It landed on one of the standard slots itself (they were closed): keep it open.
        std::mem::forget(null);
    }
    // Written by the daemon itself, after the last fork: the pid is the one to signal.
    // Through a temporary file and a rename, so a reader never sees a half-written pid.
    let partial = pidfile.with_extension("pid.partial");
    fs::write(&partial, format!("{}\n", getpid()))?;
    fs::rename(&partial, pidfile)?;
    Ok(())
}

/// The daemon's work: appends `tick N` (N = 1, 2, ...) to `log` every `every` until SIGTERM;
/// then appends `stopped`, removes `pidfile` and returns.
pub fn serve(log: &Path, every: Duration, pidfile: &Path) -> io::Result<()> {
    let stop = Arc::new(AtomicBool::new(false));
    signal_hook::flag::register(SIGTERM, Arc::clone(&stop))?;
    let mut log = OpenOptions::new().create(true).append(true).open(log)?;
    let mut ticks = 0u64;
    while !stop.load(Ordering::SeqCst) {
        ticks += 1;
        writeln!(log, "tick {ticks}")?;
        thread::sleep(every);
    }
    writeln!(log, "stopped")?;
    // The pidfile says "running": once we stop, it must go, or the next start thinks we are.
    fs::remove_file(pidfile)
}
