//! Fork a child that writes a message into an OS pipe; the parent reads it to end-of-file.
//!
//! A pipe has two ends and each process closes the end it does not use. The reader sees
//! end-of-file only once *every* write end is closed — the parent's own copy included.

use std::fs::File;
use std::io::{self, Read};
use std::os::fd::{AsFd, OwnedFd};

use nix::errno::Errno;
use nix::sys::signal::{Signal, kill};
use nix::sys::wait::{WaitStatus, waitpid};
use nix::unistd::{ForkResult, Pid, fork, pipe, write};

/// What the parent got from its child.
#[derive(Debug)]
pub struct Received {
    /// Every byte the child wrote, in order.
    pub bytes: Vec<u8>,
    /// The child's process id. By the time the caller sees it, the child has been waited for.
    pub child: Pid,
}

/// Forks a child that writes `message` into a pipe and exits; the parent reads everything up
/// to end-of-file, waits for that child — its own, by pid (no zombie, and no other child of
/// the program reaped) — and returns what it read. Both ends of the pipe are closed by then.
/// Several threads may call it at the same time.
pub fn read_from_child(message: &[u8]) -> nix::Result<Received> {
    let (reader, writer) = pipe()?;
    // Safety: after the fork the child only closes a descriptor, calls write(2) on memory that
    // existed before the fork, and _exit(2)s: no allocation, no lock, no unwinding, all of it
    // async-signal-safe, as a child of a multithreaded parent requires.
    match unsafe { fork() }? {
        ForkResult::Child => {
            // The child only writes: it closes its copy of the read end.
            drop(reader);
            let code = if write_all(&writer, message) { 0 } else { 1 };
            // Safety: _exit ends the child at once, without running the parent's atexit
            // handlers or flushing its copied buffers (which `std::process::exit` would do).
            unsafe { libc::_exit(code) }
        }
        ForkResult::Parent { child } => {
            // From here on, leaving early (an error, a panic) kills and reaps the child.
            let guard = ChildGuard::new(child);
            // The parent only reads: it must close its copy of the write end, or the pipe
            // keeps a writer forever and `read_to_end` never sees end-of-file.
            drop(writer);
            let mut bytes = Vec::new();
            // Read while the child writes: a message larger than the pipe's buffer (64 KiB)
            // needs a reader, so waiting for the child first would deadlock.
            File::from(reader).read_to_end(&mut bytes).map_err(errno)?;
            guard.wait()?;
            Ok(Received { bytes, child })
        }
    }
}

/// Writes all of `bytes` with raw write(2) calls (no allocation: safe in a forked child).
fn write_all(fd: &OwnedFd, mut bytes: &[u8]) -> bool {
    while !bytes.is_empty() {
        match write(fd.as_fd(), bytes) {
            Ok(n) => bytes = &bytes[n..],
            Err(Errno::EINTR) => continue,
            Err(_) => return false,
        }
    }
    true
}

fn errno(err: io::Error) -> Errno {
    err.raw_os_error().map_or(Errno::EIO, Errno::from_raw)
}

/// Owns a forked child until it has been waited for. Dropped without [`ChildGuard::wait`]
/// (an early return, a panic), it kills and reaps the child, so no process is left behind.
pub struct ChildGuard(Option<Pid>);

impl ChildGuard {
    /// Takes charge of `child`.
    pub fn new(child: Pid) -> Self {
        ChildGuard(Some(child))
    }

    /// Waits for the child to end (reaps it: no zombie) and returns how it ended.
    pub fn wait(mut self) -> nix::Result<WaitStatus> {
        let pid = self.0.take().expect("a guard is waited for once");
        loop {
            match waitpid(pid, None) {
                Err(Errno::EINTR) => continue,
                other => return other,
            }
        }
    }
}

impl Drop for ChildGuard {
    fn drop(&mut self) {
        if let Some(pid) = self.0.take() {
            let _ = kill(pid, Signal::SIGKILL);
            let _ = waitpid(pid, None);
        }
    }
}
