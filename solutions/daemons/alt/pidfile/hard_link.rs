//! Alternative: the pid written to a file of our own, then given the pidfile's name with `hard_link`, which fails if the name is taken (instead of `create_new` and a write).
//!
//! A pidfile that guards a single instance: a second copy of a daemon refuses to start while
//! the first runs, and a pidfile left behind by a daemon that died (stale) is taken over.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use nix::errno::Errno;
use nix::sys::signal::kill;
use nix::unistd::Pid;

/// Why the pidfile could not be taken.
#[derive(Debug)]
pub enum Refused {
    /// A live process with this pid holds it.
    Running(i32),
    /// The file could not be read or written: the error that stopped `acquire`.
    Io(io::Error),
}

impl From<io::Error> for Refused {
    fn from(e: io::Error) -> Refused {
        Refused::Io(e)
    }
}

/// A held pidfile, removed when dropped.
#[derive(Debug)]
pub struct PidFile {
    path: PathBuf,
}

impl PidFile {
    /// Where the pidfile is.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for PidFile {
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.path);
    }
}

/// Takes the pidfile at `path` for this process, writing its pid there. Refuses if a running
/// process holds it (one that exists, even if it belongs to another user); takes over a stale
/// one (its process is gone, or its content is not a pid: a number above 0).
pub fn acquire(path: &Path) -> Result<PidFile, Refused> {
    // The pid is written in full to a file of our own first; `hard_link` then gives it the
    // pidfile's name only if that name is free, in one step. Nobody ever reads a half-written pid.
    let ours = path.with_extension(format!("{}.new", std::process::id()));
    fs::write(&ours, format!("{}\n", std::process::id()))?;
    let result = link_or_refuse(&ours, path);
    let _ = fs::remove_file(&ours);
    result
}

fn link_or_refuse(ours: &Path, path: &Path) -> Result<PidFile, Refused> {
    for _ in 0..3 {
        match fs::hard_link(ours, path) {
            Ok(()) => {
                return Ok(PidFile {
                    path: path.to_owned(),
                });
            }
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                if let Some(pid) = holder(path) {
                    return Err(Refused::Running(pid));
                }
                if let Err(e) = fs::remove_file(path) {
                    if e.kind() != io::ErrorKind::NotFound {
                        return Err(e.into());
                    }
                }
            }
            Err(e) => return Err(e.into()),
        }
    }
    Err(Refused::Io(io::Error::other("the pidfile keeps changing under us")))
}

/// The pid in the file, if it names a process that is still running.
fn holder(path: &Path) -> Option<i32> {
    let pid: i32 = fs::read_to_string(path).ok()?.trim().parse().ok()?;
    // Signal 0 sends nothing and only checks that the process exists (EPERM: it exists but
    // belongs to someone else).
    match kill(Pid::from_raw(pid), None) {
        Ok(()) | Err(Errno::EPERM) if pid > 0 => Some(pid),
        _ => None,
    }
}
