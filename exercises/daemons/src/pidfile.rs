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

// TODO: the pidfile must go when its holder is done with it.

/// Takes the pidfile at `path` for this process, writing its pid there. Refuses if a running
/// process holds it (one that exists, even if it belongs to another user); takes over a stale
/// one (its process is gone, or its content is not a pid: a number above 0).
pub fn acquire(path: &Path) -> Result<PidFile, Refused> {
    // TODO: write our pid to a file of our own first (`path.with_extension(...)` named after
    // our pid), then give it the pidfile's name only if that name is free, in one step
    // (`fs::hard_link` fails with `AlreadyExists`); remove our own file either way. (Why not
    // `create_new` and then a write? Another start could read the pidfile while it is empty.)
    // TODO: if it exists: is the pid in it a running process? (`kill(pid, None)` sends no
    // signal, it only checks.) Running: refuse. Otherwise it is stale: remove it and retry.
    todo!()
}
