//! Alternative: the pidfile written in one step (`fs::write`) before the standard streams are redirected, and a serve loop that blocks SIGTERM and waits for it with a timeout of one period (`sigtimedwait`) instead of a handler, a flag and a sleep.

use std::fs::{self, OpenOptions};
use std::io::{self, Write};
use std::os::fd::AsRawFd;
use std::path::Path;
use std::time::Duration;

use nix::sys::signal::{SigSet, Signal};
use nix::sys::stat::{Mode, umask};
use nix::sys::wait::waitpid;
use nix::unistd::{ForkResult, chdir, dup2_stderr, dup2_stdin, dup2_stdout, fork, getpid, setsid};

/// Turns the calling (single-threaded) process into a daemon and writes its pid to
/// `pidfile` (an absolute path). Returns only in the daemon; the calling process exits with
/// status 0 once the daemon is on its way.
pub fn daemonize(pidfile: &Path) -> io::Result<()> {
    // Safety: the caller is single-threaded; each side goes on with ordinary code.
    if let ForkResult::Parent { child } = unsafe { fork() }? {
        let _ = waitpid(child, None);
        // Safety: ends the launcher at once.
        unsafe { libc::_exit(0) };
    }
    setsid()?;
    // Safety: still single-threaded.
    if let ForkResult::Parent { .. } = unsafe { fork() }? {
        // Safety: ends the session leader at once.
        unsafe { libc::_exit(0) };
    }
    chdir("/")?;
    umask(Mode::from_bits_truncate(0o027));
    // The pid first, while an error could still be reported on the launcher's stderr.
    fs::write(pidfile, format!("{}\n", getpid()))?;
    let null = OpenOptions::new().read(true).write(true).open("/dev/null")?;
    dup2_stdin(&null)?;
    dup2_stdout(&null)?;
    dup2_stderr(&null)?;
    if null.as_raw_fd() <= 2 {
        std::mem::forget(null);
    }
    Ok(())
}

/// The daemon's work: appends `tick N` (N = 1, 2, ...) to `log` every `every` until SIGTERM;
/// then appends `stopped`, removes `pidfile` and returns.
pub fn serve(log: &Path, every: Duration, pidfile: &Path) -> io::Result<()> {
    // SIGTERM blocked stays pending instead of killing us; `sigtimedwait` takes it when it comes.
    let mut term = SigSet::empty();
    term.add(Signal::SIGTERM);
    term.thread_block()?;
    let mut log = OpenOptions::new().create(true).append(true).open(log)?;
    let timeout = libc::timespec {
        tv_sec: every.as_secs() as libc::time_t,
        tv_nsec: every.subsec_nanos() as libc::c_long,
    };
    let mut ticks = 0u64;
    loop {
        ticks += 1;
        log.write_all(format!("tick {ticks}\n").as_bytes())?;
        // Waits one period for SIGTERM: the period and the stop in one call.
        // Safety: `term` and `timeout` are valid for the call; no siginfo is asked for.
        let got = unsafe { libc::sigtimedwait(term.as_ref(), std::ptr::null_mut(), &timeout) };
        if got == libc::SIGTERM {
            break;
        }
    }
    log.write_all(b"stopped\n")?;
    fs::remove_file(pidfile)
}
