//! The sandbox: a small supervisor process that runs ONE test (or lists a test binary's tests)
//! and cleans up after it.
//!
//! The checker starts `checker __sandbox --spec JSON` for every test, with the write end of a
//! pipe as fd [`REPORT_FD`]. The sandbox marks that fd close-on-exec at once, so the test never
//! holds it: the [`Trailer`] it writes there at the end is the only report the checker reads,
//! and nothing the test prints can forge it. Then it:
//!
//! - puts the test in cgroups of its own ([`crate::cgroup`]): at most [`MAX_TASKS`] tasks, at
//!   most the exercise's memory (an OOM kill is named as such), and bounds its CPU time;
//! - starts it isolated ([`isolate`]): in its own user, mount, PID, network, IPC namespaces,
//!   the system read-only, other submissions hidden, `/tmp` private;
//! - reads everything it prints as it is printed, keeping the first and last 64 KiB
//!   ([`capture`]), and follows libtest's lines: a test passes only if the harness completed
//!   it and the process then ended normally;
//! - kills everything past the deadline (a hang) or past the task limit (a fork bomb), and
//!   afterwards kills and reports whatever the test left running.
//!
//! Attribution is exact because each test has a sandbox of its own. The sandbox runs as the
//! checker's user, outside the test's namespaces: the test can neither see nor signal it.
//! Stopped with SIGTERM (the checker interrupted), it kills the test, removes its cgroups and
//! temporary folder, and reports nothing.

pub mod capture;
pub mod isolate;
mod reaper;

use std::io::{Read, Write};
use std::os::fd::{FromRawFd, OwnedFd};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use nix::sys::signal::{self, Signal};
use nix::unistd::Pid;
use serde::{Deserialize, Serialize};

use crate::cgroup::Cgroups;
use crate::procs;
use capture::Capture;
use isolate::{Isolation, View};

pub use reaper::{halt_if_interrupted, kill_tree, register, supervised, unregister};

/// Tasks (processes and threads) a test's cgroup may hold: room for a test that starts a
/// thousand threads, far below the system's PID space (often 32768) that a fork bomb would
/// otherwise exhaust for everyone.
const MAX_TASKS: usize = 2048;

/// The fd the sandbox writes its report to (set up by the checker, never passed on).
pub const REPORT_FD: i32 = 3;

/// The fd bubblewrap writes its status to, in the process that becomes bubblewrap.
const STATUS_FD: i32 = 4;

/// Bytes of output kept at each end.
pub const KEEP: usize = 64 * 1024;

/// What the sandbox is asked to do.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Spec {
    pub program: String,
    pub args: Vec<String>,
    /// The test the harness must be seen completing; `None` when listing tests.
    pub test: Option<String>,
    pub timeout_ms: u64,
    /// Live processes past which a test counts as a fork bomb (without a pids cgroup).
    pub max_procs: usize,
    /// Bytes of memory the test's processes may use together.
    pub memory: u64,
    /// Seconds of CPU time each of its processes may use.
    pub cpu_secs: u64,
    /// Bytes of output kept at each end.
    pub keep: usize,
    pub isolation: Isolation,
    pub view: View,
    /// The test's whole environment.
    pub env: Vec<(String, String)>,
}

/// What the sandbox saw, reported on its own channel.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Trailer {
    /// The test process's exit code, if it exited.
    pub code: Option<i32>,
    /// The signal that ended the test process, if one did.
    pub signal: Option<i32>,
    /// The test was killed at the deadline.
    pub timed_out: bool,
    /// The test was killed for starting more than this many processes.
    pub fork_bomb: Option<usize>,
    /// Processes the test left running after it ended (killed by the sandbox).
    pub leftovers: Vec<String>,
    /// At the deadline: the likely cause, and what each of the test's threads was doing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hang: Option<String>,
    /// The harness was seen completing the test (see [`capture`]).
    #[serde(default)]
    pub completed: bool,
    /// The test was killed for using more memory than this many bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub out_of_memory: Option<u64>,
    /// The test was killed for using more than this many seconds of CPU time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpu_limit: Option<u64>,
    /// The first bytes the test printed (stdout and stderr, as interleaved).
    #[serde(default)]
    pub head: String,
    /// The last bytes it printed, after the head.
    #[serde(default)]
    pub tail: String,
    /// How many bytes it printed in all.
    #[serde(default)]
    pub printed: u64,
    /// The most kept at each end.
    #[serde(default)]
    pub keep: usize,
    /// How the test was isolated.
    #[serde(default)]
    pub isolation: Isolation,
}

impl Trailer {
    /// What the test printed, as kept: whole, or its head and tail around a line that says how
    /// much was printed.
    pub fn output(&self) -> String {
        let kept = (self.head.len() + self.tail.len()) as u64;
        if self.printed <= kept {
            return format!("{}{}", self.head, self.tail);
        }
        format!(
            "{}\n[... printed {}; kept the first and last {} ...]\n{}",
            self.head,
            decimal(self.printed),
            binary(self.keep as u64),
            self.tail
        )
    }
}

/// `1.1 GB`, `1.1 MB`, `900 bytes`: sizes of output, as people count them.
pub fn decimal(bytes: u64) -> String {
    match bytes {
        b if b >= 1_000_000_000 => format!("{:.1} GB", b as f64 / 1e9),
        b if b >= 1_000_000 => format!("{:.1} MB", b as f64 / 1e6),
        b if b >= 1_000 => format!("{:.1} kB", b as f64 / 1e3),
        b => format!("{b} bytes"),
    }
}

/// `1 GiB`, `1.5 GiB`, `64 KiB`: sizes of memory.
pub fn binary(bytes: u64) -> String {
    let (scale, unit) = match bytes {
        b if b >= 1 << 30 => (1u64 << 30, "GiB"),
        b if b >= 1 << 20 => (1 << 20, "MiB"),
        _ => (1 << 10, "KiB"),
    };
    let value = bytes as f64 / scale as f64;
    if (value - value.round()).abs() < 0.05 {
        format!("{} {unit}", value.round() as u64)
    } else {
        format!("{value:.1} {unit}")
    }
}

/// How the test ended, as far as the sandbox's loop knows.
#[derive(Default)]
struct Ending {
    status: Option<ExitStatus>,
    /// bubblewrap's report of the test's exit code.
    code: Option<i32>,
}

/// Runs the test `spec` describes and writes the trailer to [`REPORT_FD`]. Never returns an
/// error for anything the test does; only for the sandbox's own failures.
pub fn run(spec: &Spec) -> Result<()> {
    // Safety: fd REPORT_FD is the report pipe the checker set up for us and nothing else owns.
    let report = unsafe { OwnedFd::from_raw_fd(REPORT_FD) };
    nix::fcntl::fcntl(
        &report,
        nix::fcntl::FcntlArg::F_SETFD(nix::fcntl::FdFlag::FD_CLOEXEC),
    )
    .context("the sandbox has no report channel (fd 3)")?;
    let stop = Arc::new(AtomicBool::new(false));
    for sig in [
        signal_hook::consts::SIGTERM,
        signal_hook::consts::SIGINT,
        signal_hook::consts::SIGHUP,
    ] {
        signal_hook::flag::register(sig, Arc::clone(&stop))?;
    }
    // A checker that dies (even of SIGKILL) stops its sandboxes, which clean up.
    nix::sys::prctl::set_pdeathsig(Signal::SIGTERM)?;
    // Orphans of the test come back to us instead of init, so nothing escapes the sweep.
    nix::sys::prctl::set_child_subreaper(true).context("cannot become a child subreaper")?;
    let trailer = supervise(spec, &stop)?;
    let mut report = std::fs::File::from(report);
    report.write_all(serde_json::to_string(&trailer)?.as_bytes())?;
    report.flush()?;
    Ok(())
}

fn supervise(spec: &Spec, stop: &AtomicBool) -> Result<Trailer> {
    let groups = Cgroups::create(MAX_TASKS, spec.memory);
    // Without isolation the test gets a temporary folder of the host's, removed afterwards.
    let tmp = match spec.isolation {
        Isolation::None => Some(
            tempfile::Builder::new()
                .prefix("kit-test-")
                .tempdir()
                .context("cannot create the test's TMPDIR")?,
        ),
        _ => None,
    };
    let (output, output_writer) = std::io::pipe()?;
    let (status, status_writer) = std::io::pipe()?;
    let status_writer = high(OwnedFd::from(status_writer))?;
    let prepared = isolate::Prepared::new(
        spec.isolation,
        &spec.view,
        &spec.env,
        Some(STATUS_FD),
        &spec.program,
        &spec.args,
    )
    .transpose()
    .context("cannot prepare the test's sandbox")?;
    let bwrap = prepared.is_some();
    let mut command = match prepared {
        Some(prepared) => Ok(prepared),
        None => {
            let mut command = Command::new(&spec.program);
            command
                .args(&spec.args)
                .env_clear()
                .envs(spec.env.iter().map(|(k, v)| (k, v)))
                .current_dir(&spec.view.cwd);
            if let Some(tmp) = &tmp {
                command.env("TMPDIR", tmp.path());
            }
            Err(command)
        }
    };
    let command_mut = match &mut command {
        Ok(prepared) => &mut prepared.command,
        Err(command) => command,
    };
    command_mut
        .stdin(Stdio::null())
        .stdout(output_writer.try_clone()?)
        .stderr(output_writer)
        .process_group(0);
    // The kernel bounds the test's tasks where it can (a pids cgroup); elsewhere RLIMIT_NPROC
    // does for ordinary users, and the watchdog below for everyone.
    let nproc = if groups.has_pids() || bwrap {
        None
    } else {
        nproc_limit(spec.max_procs)
    };
    let procs = groups.procs_files();
    let cpu = spec.cpu_secs;
    let status_fd = std::os::fd::AsRawFd::as_raw_fd(&status_writer);
    // Safety: the closure only makes async-signal-safe system calls (open/write/close in
    // `cgroup::enter`, setrlimit, dup2) on data prepared before the fork.
    unsafe {
        command_mut.pre_exec(move || {
            for file in &procs {
                crate::cgroup::enter(file)?;
            }
            use nix::sys::resource::{Resource, setrlimit};
            setrlimit(Resource::RLIMIT_CPU, cpu, cpu + 1).map_err(std::io::Error::from)?;
            if let Some(limit) = nproc {
                setrlimit(Resource::RLIMIT_NPROC, limit, limit).map_err(std::io::Error::from)?;
            }
            // bubblewrap's status goes to STATUS_FD.
            pass_fd(status_fd, STATUS_FD)
        });
    }
    let mut child = command_mut
        .spawn()
        .with_context(|| format!("cannot start {}", spec.program))?;
    // Our copies of the write ends: closed, so the readers see the end when the test's are.
    drop(command);
    drop(status_writer);
    let capture = Arc::new(Mutex::new(Capture::new(spec.keep, spec.test.as_deref())));
    let reader = {
        let capture = Arc::clone(&capture);
        thread::spawn(move || drain(output, &capture))
    };
    let bwrap_status = Arc::new(Mutex::new(String::new()));
    {
        let bwrap_status = Arc::clone(&bwrap_status);
        thread::spawn(move || {
            let mut status = status;
            let mut buf = [0u8; 4096];
            while let Ok(n) = status.read(&mut buf) {
                if n == 0 {
                    break;
                }
                let mut text = bwrap_status.lock().unwrap_or_else(|e| e.into_inner());
                text.push_str(&String::from_utf8_lossy(&buf[..n]));
            }
        });
    }
    let bwrap_state =
        || isolate::Status::read(&bwrap_status.lock().unwrap_or_else(|e| e.into_inner()));

    let me = std::process::id() as i32;
    let pgid = Pid::from_raw(child.id() as i32);
    let started = Instant::now();
    let timeout = Duration::from_millis(spec.timeout_ms);
    let mut trailer = Trailer {
        isolation: spec.isolation,
        keep: spec.keep,
        ..Trailer::default()
    };
    let mut ending = Ending::default();
    let mut tick = Duration::from_millis(2);
    let mut last_count = Instant::now();
    let mut interrupted = false;
    loop {
        if stop.load(Ordering::SeqCst) {
            interrupted = true;
            break;
        }
        if bwrap {
            ending.code = bwrap_state().exit_code;
            if ending.code.is_some() {
                break;
            }
        }
        if let Some(status) = child.try_wait()? {
            ending.status = Some(status);
            // bubblewrap writes the test's code before it exits: read it once more.
            thread::sleep(Duration::from_millis(if bwrap { 20 } else { 0 }));
            ending.code = bwrap.then(|| bwrap_state().exit_code).flatten();
            break;
        }
        if started.elapsed() >= timeout {
            trailer.timed_out = true;
            let test = test_process(&child, bwrap.then(|| bwrap_state().init).flatten());
            let threads = grading::hang::threads_of(test, &[], Duration::from_millis(100));
            trailer.hang = Some(grading::hang::explain(&threads));
            break;
        }
        if last_count.elapsed() >= Duration::from_millis(20) {
            last_count = Instant::now();
            if let Some(live) = fork_bomb(&groups, me, spec.max_procs) {
                trailer.fork_bomb = Some(live);
                break;
            }
            if over_memory(&groups, me, spec.memory) {
                trailer.out_of_memory = Some(spec.memory);
                break;
            }
        }
        thread::sleep(tick);
        tick = (tick * 2).min(Duration::from_millis(20));
    }
    let init = bwrap.then(|| bwrap_state().init).flatten();
    let test_ended = ending.status.is_some() || ending.code.is_some();
    if !test_ended {
        // The whole group first (one call, however many processes a fork bomb made), then
        // the namespace's init (which takes every process of the namespace with it), the
        // cgroups, and whatever is left below us.
        let _ = signal::killpg(pgid, Signal::SIGKILL);
        if let Some(init) = init {
            let _ = signal::kill(Pid::from_raw(init), Signal::SIGKILL);
        }
        let _ = child.kill();
        ending.status = Some(child.wait()?);
        groups.kill_all();
        kill_tree(me);
    }
    if interrupted {
        finish(&groups, me, &mut child, init);
        drop(groups);
        drop(tmp);
        bail!("interrupted");
    }
    let (code, signal) = match (ending.code, ending.status) {
        // bubblewrap reports a death by signal S as 128 + S.
        (Some(code), _) if code > 128 && code < 128 + 65 => (None, Some(code - 128)),
        (Some(code), _) => (Some(code), None),
        (None, Some(status)) => (status.code(), status.signal()),
        (None, None) => (None, None),
    };
    trailer.code = code;
    trailer.signal = signal;
    if signal == Some(Signal::SIGXCPU as i32) {
        trailer.cpu_limit = Some(spec.cpu_secs);
    }
    if groups.out_of_memory() {
        trailer.out_of_memory = Some(spec.memory);
    }
    if test_ended && trailer.fork_bomb.is_none() {
        trailer.leftovers = leftovers(&groups, me, &child, init);
    }
    finish(&groups, me, &mut child, init);
    drop(groups);
    drop(tmp);
    // Everything that could write to the output is gone: the reader sees its end at once.
    let deadline = Instant::now() + Duration::from_secs(2);
    while !reader.is_finished() && Instant::now() < deadline {
        thread::sleep(Duration::from_millis(5));
    }
    let capture = std::mem::replace(
        &mut *capture.lock().unwrap_or_else(|e| e.into_inner()),
        Capture::new(0, None),
    );
    trailer.completed = capture.completed();
    let (head, tail, printed) = capture.into_parts();
    trailer.head = String::from_utf8_lossy(&head).into_owned();
    trailer.tail = String::from_utf8_lossy(&tail).into_owned();
    trailer.printed = printed;
    Ok(trailer)
}

/// `fd` moved to a number above every fixed one ([`REPORT_FD`], [`STATUS_FD`],
/// [`isolate::USERNS_FD`], [`isolate::ARGS_FD`]), so that putting one in place never overwrites
/// another.
pub fn high(fd: OwnedFd) -> std::io::Result<OwnedFd> {
    let moved = nix::fcntl::fcntl(&fd, nix::fcntl::FcntlArg::F_DUPFD_CLOEXEC(10))?;
    // Safety: fcntl just returned this new fd, owned by nobody else.
    Ok(unsafe { OwnedFd::from_raw_fd(moved) })
}

/// Makes `fd` the child's `target`, open across exec. Runs between fork and exec: only
/// async-signal-safe calls.
pub fn pass_fd(fd: i32, target: i32) -> std::io::Result<()> {
    // Safety: dup2 and fcntl on fds this process holds; no memory is touched.
    let result = unsafe {
        if fd == target {
            // dup2 onto itself would keep close-on-exec.
            libc::fcntl(fd, libc::F_SETFD, 0)
        } else {
            libc::dup2(fd, target)
        }
    };
    if result < 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(())
}

/// Reads the test's output until its end, into `capture`.
fn drain(mut output: impl Read, capture: &Mutex<Capture>) {
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        match output.read(&mut buf) {
            Ok(0) => return,
            Ok(n) => capture
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(_) => return,
        }
    }
}

/// The test's own process: bubblewrap's namespace init's child, or our child.
fn test_process(child: &Child, init: Option<i32>) -> i32 {
    init.and_then(|init| {
        procs::descendants(init)
            .into_iter()
            .find(|p| p.ppid == init)
            .map(|p| p.pid)
    })
    .unwrap_or(child.id() as i32)
}

/// The live tasks, when the test started too many.
fn fork_bomb(groups: &Cgroups, me: i32, max_procs: usize) -> Option<usize> {
    if groups.has_pids() {
        return (groups.refused_forks() > 0).then(|| groups.tasks());
    }
    let live = live_descendants(me).len();
    (live > max_procs).then_some(live)
}

/// Whether the test is over its memory: the kernel's OOM killer struck in its memory cgroup,
/// or (without one) its processes' resident memory adds up past the limit.
fn over_memory(groups: &Cgroups, me: i32, limit: u64) -> bool {
    if groups.has_memory() {
        return groups.out_of_memory();
    }
    let pids: Vec<i32> = if groups.has_pids() {
        groups.pids()
    } else {
        live_descendants(me).iter().map(|p| p.pid).collect()
    };
    pids.into_iter().map(procs::rss).sum::<u64>() > limit
}

/// What the test left running after it ended: every live process of its cgroup or below us,
/// but for bubblewrap's own.
fn leftovers(groups: &Cgroups, me: i32, child: &Child, init: Option<i32>) -> Vec<String> {
    let ours = |pid: i32| pid == child.id() as i32 || Some(pid) == init;
    let live = || -> Vec<procs::ProcInfo> {
        let mut found: Vec<procs::ProcInfo> = live_descendants(me);
        // The cgroup also knows about processes that left the tree.
        for pid in groups.pids() {
            if !found.iter().any(|p| p.pid == pid)
                && let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat"))
                && let Some(info) = procs::parse_stat(&stat)
                && !info.is_zombie()
            {
                found.push(info);
            }
        }
        found.retain(|p| !ours(p.pid));
        found
    };
    // Processes already on their way out (SIGTERM sent just before the test returned) get a
    // moment.
    let deadline = Instant::now() + Duration::from_millis(300);
    let mut left = live();
    while !left.is_empty() && Instant::now() < deadline {
        reaper::reap_all();
        thread::sleep(Duration::from_millis(10));
        left = live();
    }
    left.iter()
        .map(|p| format!("pid {} `{}`", p.pid, procs::cmdline(p)))
        .collect()
}

/// Kills whatever is left of the test and reaps it all.
fn finish(groups: &Cgroups, me: i32, child: &mut Child, init: Option<i32>) {
    if let Some(init) = init {
        let _ = signal::kill(Pid::from_raw(init), Signal::SIGKILL);
    }
    groups.kill_all();
    kill_tree(me);
    let _ = child.kill();
    let _ = child.wait();
    reaper::reap_all();
}

fn live_descendants(me: i32) -> Vec<procs::ProcInfo> {
    procs::descendants(me)
        .into_iter()
        .filter(|p| !p.is_zombie())
        .collect()
}

/// An RLIMIT_NPROC that lets the test start `max_procs` more processes, for users the limit
/// applies to. Root ignores RLIMIT_NPROC; there the watchdog in [`run`] is the bound.
fn nproc_limit(max_procs: usize) -> Option<u64> {
    use std::os::unix::fs::MetadataExt;
    let uid = nix::unistd::getuid();
    if uid.is_root() {
        return None;
    }
    // RLIMIT_NPROC counts threads too: count every task the user already runs.
    let mine = std::fs::read_dir("/proc")
        .ok()?
        .filter_map(|e| e.ok())
        .filter(|e| {
            e.file_name()
                .to_str()
                .is_some_and(|n| n.bytes().all(|b| b.is_ascii_digit()))
        })
        .filter(|e| e.metadata().is_ok_and(|m| m.uid() == uid.as_raw()))
        .map(|e| {
            std::fs::read_dir(e.path().join("task"))
                .map(|t| t.count())
                .unwrap_or(1)
        })
        .sum::<usize>();
    Some((mine + max_procs * 4) as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_as_people_write_them() {
        assert_eq!(decimal(1_100_000), "1.1 MB");
        assert_eq!(decimal(1_073_741_824), "1.1 GB");
        assert_eq!(decimal(512), "512 bytes");
        assert_eq!(binary(1 << 30), "1 GiB");
        assert_eq!(binary(3 << 29), "1.5 GiB");
        assert_eq!(binary(64 << 10), "64 KiB");
    }

    #[test]
    fn a_long_output_says_how_much_was_cut() {
        let trailer = Trailer {
            head: "first".into(),
            tail: "last".into(),
            printed: 1_100_000,
            keep: KEEP,
            ..Trailer::default()
        };
        assert_eq!(
            trailer.output(),
            "first\n[... printed 1.1 MB; kept the first and last 64 KiB ...]\nlast"
        );
        let whole = Trailer {
            head: "all".into(),
            printed: 3,
            ..Trailer::default()
        };
        assert_eq!(whole.output(), "all");
    }
}
