//! Fork a child that writes a message into an OS pipe; the parent reads it to end-of-file.
//!
//! Build `read_from_child`: make a pipe, fork, let the child write and `_exit`, let the parent
//! read everything until end-of-file and wait for the child. `ChildGuard` is given.

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
    // TODO: `pipe()` gives (read end, write end); then `unsafe { fork() }` (say why it is safe).
    // TODO: in the child: close the end it does not use, `write_all` the message, then
    //       `libc::_exit` — never return, never allocate, never panic in a forked child.
    // TODO: in the parent: guard the child with `ChildGuard::new`, close the end it does not
    //       use (which one keeps `read` from ever seeing end-of-file?), read to end-of-file,
    //       then `guard.wait()`.
    todo!()
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

/// Turns an I/O error (from `File::read_to_end`) into nix's error type.
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
