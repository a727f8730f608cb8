//! Alternative: the file holding our pid is renamed to the pidfile's name with `renameat2(RENAME_NOREPLACE)`, which fails if the name is taken (instead of `hard_link`).
//!
//! A pidfile that guards a single instance: a second copy of a daemon refuses to start while
//! the first runs, and a pidfile left behind by a daemon that died (stale) is taken over.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use nix::errno::Errno;
use nix::fcntl::{AT_FDCWD, RenameFlags, renameat2};
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
    // Our pid, written in full to a file of our own first (named after our pid, so no other
    // process writes the same one).
    let ours = path.with_extension(format!("{}.new", std::process::id()));
    fs::write(&ours, format!("{}\n", std::process::id()))?;
    let taken = take(&ours, path);
    // Whether or not it got the pidfile's name, our own name for it goes.
    let _ = fs::remove_file(&ours);
    taken
}

/// Gives the complete file `ours` the name `path`, if no running process holds that name.
fn take(ours: &Path, path: &Path) -> Result<PidFile, Refused> {
    for _ in 0..3 {
        // A rename that refuses to replace an existing name: atomic like a link, and our own
        // name is gone with it when it succeeds.
        match renameat2(AT_FDCWD, ours, AT_FDCWD, path, RenameFlags::RENAME_NOREPLACE) {
            Ok(()) => {
                return Ok(PidFile {
                    path: path.to_owned(),
                });
            }
            Err(Errno::EEXIST) => {
                if let Some(pid) = holder(path) {
                    return Err(Refused::Running(pid));
                }
                if let Err(e) = fs::remove_file(path) {
                    if e.kind() != io::ErrorKind::NotFound {
                        return Err(e.into());
                    }
                }
            }
            Err(e) => return Err(io::Error::from(e).into()),
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
