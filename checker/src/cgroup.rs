//! A pids cgroup for one test: the kernel's own bound on how many tasks it may start, and an
//! exact list of everything it started — daemons that left the process group included.
//!
//! Needs a writable pids controller (cgroup v1 `/sys/fs/cgroup/pids`, or v2 with `pids` in
//! the root's controllers): usually root, or a delegated subtree. Where there is none, the
//! sandbox falls back to `RLIMIT_NPROC` and its own watchdog.

use std::ffi::{CStr, CString};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use nix::sys::signal::{self, Signal};
use nix::unistd::Pid;

/// The name of a sandbox's group, before the sandbox's process id.
const PREFIX: &str = "kit-sandbox-";

pub struct Cgroup {
    dir: PathBuf,
    /// `DIR/cgroup.procs`, ready for the child to write itself into before exec.
    procs: CString,
}

impl Cgroup {
    /// A fresh cgroup allowing at most `max_tasks` tasks (threads count), if the system lets us.
    pub fn create(max_tasks: usize) -> Option<Cgroup> {
        let v2 = Path::new("/sys/fs/cgroup");
        let base = if Path::new("/sys/fs/cgroup/pids/cgroup.procs").is_file() {
            PathBuf::from("/sys/fs/cgroup/pids")
        } else if std::fs::read_to_string(v2.join("cgroup.controllers"))
            .is_ok_and(|c| c.split_whitespace().any(|c| c == "pids"))
        {
            v2.to_path_buf()
        } else {
            return None;
        };
        remove_orphaned_groups(&base);
        let dir = base.join(format!("{PREFIX}{}", std::process::id()));
        std::fs::create_dir(&dir).ok()?;
        let cgroup = Cgroup {
            procs: CString::new(dir.join("cgroup.procs").as_os_str().as_bytes()).ok()?,
            dir,
        };
        // Without the limit there is no point: drop (and remove) the group.
        std::fs::write(cgroup.dir.join("pids.max"), max_tasks.to_string()).ok()?;
        Some(cgroup)
    }

    /// The group's `cgroup.procs`, for [`enter`] in a child about to exec.
    pub fn procs_file(&self) -> CString {
        self.procs.clone()
    }
}

/// Removes the groups of sandboxes that are gone (killed with SIGKILL, they could not remove
/// their own). Only an empty group can be removed, so a group still in use is never touched.
fn remove_orphaned_groups(base: &Path) {
    let Ok(entries) = std::fs::read_dir(base) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = name
            .to_str()
            .and_then(|n| n.strip_prefix(PREFIX))
            .and_then(|pid| pid.parse::<i32>().ok())
        else {
            continue;
        };
        let gone = signal::kill(Pid::from_raw(pid), None) == Err(nix::errno::Errno::ESRCH);
        if gone {
            let _ = std::fs::remove_dir(entry.path());
        }
    }
}

/// Moves the calling process into the group whose `cgroup.procs` is `procs`. Runs in the child
/// between fork and exec, so it only makes system calls, on memory prepared before the fork.
pub fn enter(procs: &CStr) -> std::io::Result<()> {
    // Safety: `procs` is a valid NUL-terminated path; open/write/close are
    // async-signal-safe and the buffers outlive the calls.
    unsafe {
        let fd = libc::open(procs.as_ptr(), libc::O_WRONLY | libc::O_CLOEXEC);
        if fd < 0 {
            return Err(std::io::Error::last_os_error());
        }
        let written = libc::write(fd, b"0\n".as_ptr().cast(), 2);
        libc::close(fd);
        if written < 0 {
            return Err(std::io::Error::last_os_error());
        }
    }
    Ok(())
}

impl Cgroup {
    /// The processes in the group now.
    pub fn pids(&self) -> Vec<i32> {
        let text = std::fs::read_to_string(self.dir.join("cgroup.procs")).unwrap_or_default();
        text.lines().filter_map(|l| l.trim().parse().ok()).collect()
    }

    /// How many tasks are in the group now.
    pub fn tasks(&self) -> usize {
        std::fs::read_to_string(self.dir.join("pids.current"))
            .ok()
            .and_then(|t| t.trim().parse().ok())
            .unwrap_or(0)
    }

    /// How many times a fork or clone was refused because the group was full.
    pub fn refused_forks(&self) -> u64 {
        let text = std::fs::read_to_string(self.dir.join("pids.events")).unwrap_or_default();
        text.lines()
            .find_map(|l| l.strip_prefix("max "))
            .and_then(|n| n.trim().parse().ok())
            .unwrap_or(0)
    }

    /// Kills every process in the group until it is empty (nothing in it can fork past the
    /// limit, so this converges).
    pub fn kill_all(&self) {
        for _ in 0..200 {
            let pids = self.pids();
            if pids.is_empty() {
                return;
            }
            for pid in pids {
                let _ = signal::kill(Pid::from_raw(pid), Signal::SIGKILL);
            }
            std::thread::sleep(std::time::Duration::from_millis(2));
        }
    }
}

impl Drop for Cgroup {
    fn drop(&mut self) {
        self.kill_all();
        // A group can be removed once its processes are gone (zombies included: they are
        // reaped by the sandbox, their subreaper).
        for _ in 0..50 {
            if std::fs::remove_dir(&self.dir).is_ok() {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_dead_sandboxs_group_is_removed_by_the_next() {
        let Some(cgroup) = Cgroup::create(64) else {
            eprintln!("no writable pids cgroup here: nothing to test");
            return;
        };
        let base = cgroup.dir.parent().unwrap().to_path_buf();
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let dead = child.id();
        child.wait().unwrap();
        let orphan = base.join(format!("{PREFIX}{dead}"));
        std::fs::create_dir(&orphan).unwrap();
        drop(Cgroup::create(64));
        assert!(!orphan.exists(), "{} is left behind", orphan.display());
        assert!(cgroup.dir.exists(), "a live sandbox's group is kept");
    }
}
