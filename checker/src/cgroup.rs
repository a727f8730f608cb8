//! The kernel's bounds on one test, as cgroups: a pids group (how many tasks it may start, and
//! an exact list of everything it started — daemons that left the process group included) and
//! a memory group (how much memory its processes may use together, and whether the kernel's
//! OOM killer had to step in).
//!
//! Both cgroup versions are supported, as machines mix them: v1 hierarchies per controller
//! (`/sys/fs/cgroup/pids`, `/sys/fs/cgroup/memory`: `memory.limit_in_bytes`,
//! `memory.oom_control`) and the v2 unified hierarchy (`/sys/fs/cgroup` or, beside v1,
//! `/sys/fs/cgroup/unified`: `pids.max`, `memory.max`, `memory.events`). A group is made below
//! the cgroup the sandbox itself runs in, so whatever bounds its parent set still hold.
//!
//! Needs write access to that cgroup: usually root, or a delegated subtree. Where there is
//! none, the sandbox falls back to `RLIMIT_NPROC` and its own watchdogs (see `sandbox`).

use std::ffi::{CStr, CString};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use nix::sys::signal::{self, Signal};
use nix::unistd::Pid;

/// The name of a sandbox's group, before the sandbox's process id.
const PREFIX: &str = "kit-sandbox-";

/// A controller the sandbox uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Controller {
    Pids,
    Memory,
}

impl Controller {
    fn name(self) -> &'static str {
        match self {
            Controller::Pids => "pids",
            Controller::Memory => "memory",
        }
    }
}

/// One group of one hierarchy.
struct Group {
    dir: PathBuf,
    /// Whether it lives in the v2 hierarchy (file names differ).
    v2: bool,
    /// `DIR/cgroup.procs`, ready for the child to write itself into before exec.
    procs: CString,
}

/// The groups of one test: each present only where the system allows it.
#[derive(Default)]
pub struct Cgroups {
    pids: Option<Group>,
    memory: Option<Group>,
    /// The memory limit set, in bytes.
    memory_limit: u64,
}

impl Cgroups {
    /// Fresh groups allowing at most `max_tasks` tasks (threads count) and `memory` bytes.
    pub fn create(max_tasks: usize, memory: u64) -> Cgroups {
        let pids = Group::create(Controller::Pids, &[("pids.max", max_tasks.to_string())]);
        let memory_group = Group::create(
            Controller::Memory,
            &[
                // v1: the limit first (memsw may never be below it), then memory + swap, so
                // swapping does not lift the bound.
                ("memory.limit_in_bytes", memory.to_string()),
                ("memory.memsw.limit_in_bytes?", memory.to_string()),
                // v2.
                ("memory.max", memory.to_string()),
                ("memory.swap.max?", "0".to_owned()),
            ],
        );
        Cgroups {
            pids,
            memory: memory_group,
            memory_limit: memory,
        }
    }

    /// The `cgroup.procs` files to enter, for [`enter`] in a child about to exec.
    pub fn procs_files(&self) -> Vec<CString> {
        [&self.pids, &self.memory]
            .into_iter()
            .flatten()
            .map(|g| g.procs.clone())
            .collect()
    }

    /// Whether the kernel bounds the test's tasks.
    pub fn has_pids(&self) -> bool {
        self.pids.is_some()
    }

    /// Whether the kernel bounds the test's memory.
    pub fn has_memory(&self) -> bool {
        self.memory.is_some()
    }

    /// The processes in the groups now (either group lists them all: every process of the
    /// test is in both).
    pub fn pids(&self) -> Vec<i32> {
        let Some(group) = self.pids.as_ref().or(self.memory.as_ref()) else {
            return Vec::new();
        };
        let text = std::fs::read_to_string(group.dir.join("cgroup.procs")).unwrap_or_default();
        text.lines().filter_map(|l| l.trim().parse().ok()).collect()
    }

    /// How many tasks are in the group now.
    pub fn tasks(&self) -> usize {
        self.pids
            .as_ref()
            .and_then(|g| std::fs::read_to_string(g.dir.join("pids.current")).ok())
            .and_then(|t| t.trim().parse().ok())
            .unwrap_or(0)
    }

    /// How many times a fork or clone was refused because the group was full.
    pub fn refused_forks(&self) -> u64 {
        self.pids
            .as_ref()
            .map_or(0, |g| counter(&g.dir.join("pids.events"), "max"))
    }

    /// Whether the kernel had to kill a process of the test for using more memory than its
    /// limit: `oom_kill` in `memory.events` (v2) or `memory.oom_control` (v1), or a v1 group
    /// whose usage hit the limit on a kernel too old to count its kills.
    pub fn out_of_memory(&self) -> bool {
        let Some(group) = &self.memory else {
            return false;
        };
        if group.v2 {
            return counter(&group.dir.join("memory.events"), "oom_kill") > 0;
        }
        let control = group.dir.join("memory.oom_control");
        let text = std::fs::read_to_string(&control).unwrap_or_default();
        if text.lines().any(|l| l.starts_with("oom_kill ")) {
            return counter(&control, "oom_kill") > 0;
        }
        std::fs::read_to_string(group.dir.join("memory.max_usage_in_bytes"))
            .ok()
            .and_then(|t| t.trim().parse::<u64>().ok())
            .is_some_and(|peak| peak >= self.memory_limit)
    }

    /// Kills every process in the groups until they are empty (nothing in them can fork past
    /// the limit, so this converges).
    pub fn kill_all(&self) {
        for _ in 0..500 {
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

impl Drop for Cgroups {
    fn drop(&mut self) {
        self.kill_all();
        for group in [&self.pids, &self.memory].into_iter().flatten() {
            group.remove();
        }
    }
}

impl Group {
    /// A fresh group of `controller` below the sandbox's own, with `settings` written (a name
    /// ending in `?` is optional; the first of the others that exists must be written).
    fn create(controller: Controller, settings: &[(&str, String)]) -> Option<Group> {
        let (parent, v2) = parent_of(controller)?;
        remove_orphaned_groups(&parent);
        // Unique in this process too (a sandbox makes one set, the unit tests several).
        static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let dir = parent.join(format!("{PREFIX}{}-{n}", std::process::id()));
        // A group of the same name is the leftover of an earlier sandbox with this pid.
        let _ = std::fs::remove_dir(&dir);
        std::fs::create_dir(&dir).ok()?;
        let group = Group {
            procs: CString::new(dir.join("cgroup.procs").as_os_str().as_bytes()).ok()?,
            dir,
            v2,
        };
        let mut limited = false;
        for (file, value) in settings {
            let (file, optional) = match file.strip_suffix('?') {
                Some(f) => (f, true),
                None => (*file, false),
            };
            let path = group.dir.join(file);
            if !path.exists() {
                continue;
            }
            match std::fs::write(&path, value) {
                Ok(()) => limited |= !optional,
                Err(_) if optional => {}
                // Without its limit the group is no bound: drop (and remove) it.
                Err(_) => {
                    group.remove();
                    return None;
                }
            }
        }
        if !limited {
            group.remove();
            return None;
        }
        Some(group)
    }

    fn remove(&self) {
        // A group can be removed once its processes are gone (zombies included: they are
        // reaped by the sandbox, their subreaper).
        for _ in 0..100 {
            if std::fs::remove_dir(&self.dir).is_ok() || !self.dir.exists() {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
    }
}

/// The folder to make a group of `controller` in: the sandbox's own cgroup in the hierarchy
/// that has the controller (v1 first, then v2), and whether that is v2.
fn parent_of(controller: Controller) -> Option<(PathBuf, bool)> {
    let own = std::fs::read_to_string("/proc/self/cgroup").unwrap_or_default();
    // v1: `ID:CONTROLLERS:PATH`, one line per hierarchy.
    let v1 = Path::new("/sys/fs/cgroup").join(controller.name());
    if v1.join("cgroup.procs").is_file() && !v1.join("cgroup.controllers").exists() {
        let path = own.lines().find_map(|line| {
            let mut parts = line.splitn(3, ':');
            let (_, controllers, path) = (parts.next()?, parts.next()?, parts.next()?);
            controllers
                .split(',')
                .any(|c| c == controller.name())
                .then(|| path.to_owned())
        })?;
        let dir = v1.join(path.trim_start_matches('/'));
        return dir.is_dir().then_some((dir, false));
    }
    // v2: `0::PATH`.
    let path = own.lines().find_map(|l| l.strip_prefix("0::"))?;
    let root = ["/sys/fs/cgroup/unified", "/sys/fs/cgroup"]
        .into_iter()
        .map(Path::new)
        .find(|p| p.join("cgroup.controllers").is_file())?;
    let dir = root.join(path.trim_start_matches('/'));
    let enabled = |file: &str| {
        std::fs::read_to_string(dir.join(file))
            .is_ok_and(|c| c.split_whitespace().any(|c| c == controller.name()))
    };
    if !enabled("cgroup.controllers") {
        return None;
    }
    // Children get the controller only if the parent hands it down; a non-root group that
    // holds processes cannot (v2's rule against internal processes), and then this fails.
    if !enabled("cgroup.subtree_control") {
        std::fs::write(
            dir.join("cgroup.subtree_control"),
            format!("+{}", controller.name()),
        )
        .ok()?;
    }
    Some((dir, true))
}

/// `NAME VALUE` from a flat-keyed cgroup file.
fn counter(path: &Path, name: &str) -> u64 {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(' '))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or(0)
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
            .and_then(|rest| rest.split('-').next()?.parse::<i32>().ok())
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_dead_sandboxs_group_is_removed_by_the_next() {
        let Some(group) = Group::create(Controller::Pids, &[("pids.max", "64".into())]) else {
            eprintln!("no writable pids cgroup here: nothing to test");
            return;
        };
        let base = group.dir.parent().unwrap().to_path_buf();
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let dead = child.id();
        child.wait().unwrap();
        let orphan = base.join(format!("{PREFIX}{dead}-0"));
        std::fs::create_dir(&orphan).unwrap();
        remove_orphaned_groups(&base);
        assert!(!orphan.exists(), "{} is left behind", orphan.display());
        assert!(group.dir.exists(), "a live sandbox's group is kept");
        group.remove();
        assert!(!group.dir.exists());
    }

    #[test]
    fn a_memory_hog_is_killed_and_named() {
        let groups = Cgroups::create(64, 64 << 20);
        if !groups.has_memory() {
            eprintln!("no writable memory cgroup here: nothing to test");
            return;
        }
        let procs = groups.procs_files();
        let mut command = std::process::Command::new("sh");
        command.args([
            "-c",
            "x=$(head -c 200000000 /dev/zero | tr '\\0' a); echo ${#x}",
        ]);
        // Safety: `enter` only makes async-signal-safe calls on memory prepared before.
        unsafe {
            use std::os::unix::process::CommandExt;
            command.pre_exec(move || {
                for p in &procs {
                    enter(p)?;
                }
                Ok(())
            });
        }
        let status = command.output().unwrap().status;
        assert!(!status.success());
        assert!(groups.out_of_memory(), "the OOM kill was not seen");
    }
}
