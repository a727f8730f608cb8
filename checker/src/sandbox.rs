//! The sandbox: a small supervisor process that runs ONE test and cleans up after it.
//!
//! The checker starts `checker __sandbox ... -- TEST-BINARY ARGS` for every test. The sandbox
//! becomes a child subreaper (so daemonised grandchildren are re-parented to it instead of to
//! init), starts the test in a process group of its own with a private `TMPDIR`, and watches
//! it: past the deadline it kills everything (a hang), past `max_procs` live descendants it
//! freezes and kills everything (a fork bomb). When the test has ended, whatever it started and
//! left running is killed and reported. Last, it prints one [`Trailer`] line that the checker
//! reads. Attribution is exact because each test has a sandbox of its own.

use std::io::Write;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::process::{Command, ExitStatus};
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use nix::sys::signal::{self, Signal};
use nix::sys::wait::{WaitPidFlag, waitpid};
use nix::unistd::Pid;
use serde::{Deserialize, Serialize};

use crate::cgroup::Cgroup;
use crate::procs;

/// Tasks (processes and threads) a test's cgroup may hold: room for a test that starts a
/// thousand threads, far below the system's PID space (often 32768) that a fork bomb would
/// otherwise exhaust for everyone.
const MAX_TASKS: usize = 2048;

/// The marker that starts the sandbox's last line of output.
pub const TRAILER: &str = "@@kit-sandbox@@ ";

/// What the sandbox saw, reported on its last line of output.
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
}

/// The sandbox's settings.
pub struct Limits {
    pub timeout: Duration,
    pub max_procs: usize,
}

/// Runs `program args` under the sandbox and prints the trailer. Never returns an error for
/// anything the test does; only for the sandbox's own failures.
pub fn run(limits: &Limits, program: &str, args: &[String]) -> Result<()> {
    // Orphans of the test come back to us instead of init, so nothing escapes the sweep.
    nix::sys::prctl::set_child_subreaper(true).context("cannot become a child subreaper")?;
    let tmp = tempfile::Builder::new()
        .prefix("kit-test-")
        .tempdir()
        .context("cannot create the test's TMPDIR")?;
    let mut command = Command::new(program);
    command
        .args(args)
        .env("TMPDIR", tmp.path())
        .process_group(0);
    // The kernel bounds the test's tasks where it can (a pids cgroup); elsewhere RLIMIT_NPROC
    // does for ordinary users, and the watchdog below for everyone.
    let cgroup = Cgroup::create(MAX_TASKS);
    let nproc = if cgroup.is_none() {
        nproc_limit(limits.max_procs)
    } else {
        None
    };
    let group = cgroup.as_ref().map(Cgroup::procs_file);
    // Safety: the closure only makes async-signal-safe system calls (open/write/close in
    // `enter_from_child`, setrlimit) on data prepared before the fork.
    unsafe {
        command.pre_exec(move || {
            if let Some(procs) = &group {
                crate::cgroup::enter(procs)?;
            }
            if let Some(limit) = nproc {
                nix::sys::resource::setrlimit(
                    nix::sys::resource::Resource::RLIMIT_NPROC,
                    limit,
                    limit,
                )
                .map_err(std::io::Error::from)?;
            }
            Ok(())
        });
    }
    let mut child = command
        .spawn()
        .with_context(|| format!("cannot start {program}"))?;
    let pgid = Pid::from_raw(child.id() as i32);
    let me = std::process::id() as i32;
    let started = Instant::now();
    let mut trailer = Trailer::default();
    let mut status: Option<ExitStatus> = None;
    let mut tick = Duration::from_millis(2);
    let mut last_count = Instant::now();
    while status.is_none() {
        status = child.try_wait()?;
        if status.is_some() {
            break;
        }
        if started.elapsed() >= limits.timeout {
            trailer.timed_out = true;
            let threads = grading::hang::threads_of(pgid.as_raw(), &[], Duration::from_millis(100));
            trailer.hang = Some(grading::hang::explain(&threads));
            break;
        }
        if last_count.elapsed() >= Duration::from_millis(20) {
            last_count = Instant::now();
            let live = match &cgroup {
                Some(group) if group.refused_forks() > 0 => Some(group.tasks()),
                Some(_) => None,
                None => {
                    let live = live_descendants(me).len();
                    (live > limits.max_procs).then_some(live)
                }
            };
            if let Some(live) = live {
                trailer.fork_bomb = Some(live);
                break;
            }
        }
        thread::sleep(tick);
        tick = (tick * 2).min(Duration::from_millis(20));
    }
    if status.is_none() {
        // The whole group first (one call, however many processes a fork bomb made), then
        // the test process itself, waited for before anything reaps children at large.
        let _ = signal::killpg(pgid, Signal::SIGKILL);
        let _ = child.kill();
        status = Some(child.wait()?);
        if let Some(group) = &cgroup {
            group.kill_all();
        }
        kill_tree(me);
    }
    let status = status.expect("the test was waited for");
    trailer.code = status.code();
    trailer.signal = status.signal();
    // What is still alive now was started by the test and not cleaned up. Processes that are
    // already on their way out (SIGTERM sent just before the test returned) get a moment.
    let deadline = Instant::now() + Duration::from_millis(300);
    let mut left = live_descendants(me);
    while !left.is_empty() && Instant::now() < deadline {
        reap_all();
        thread::sleep(Duration::from_millis(10));
        left = live_descendants(me);
    }
    // The cgroup also knows about processes that left the tree (a double fork is re-parented
    // to us, but only while we live) — count those too.
    if let Some(group) = &cgroup {
        for pid in group.pids() {
            if !left.iter().any(|p| p.pid == pid)
                && let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat"))
                && let Some(info) = procs::parse_stat(&stat)
                && !info.is_zombie()
            {
                left.push(info);
            }
        }
    }
    if trailer.fork_bomb.is_none() && !trailer.timed_out {
        trailer.leftovers = left
            .iter()
            .map(|p| format!("pid {} `{}`", p.pid, procs::cmdline(p)))
            .collect();
    }
    if let Some(group) = &cgroup {
        group.kill_all();
    }
    kill_tree(me);
    drop(cgroup);
    drop(tmp);
    let mut out = std::io::stdout().lock();
    writeln!(out, "\n{TRAILER}{}", serde_json::to_string(&trailer)?)?;
    out.flush()?;
    Ok(())
}

/// Runs `graded` (which runs student code) with the checker as a child subreaper, then kills
/// whatever that code started and abandoned: its orphans were re-parented to us.
pub fn supervised<T>(graded: impl FnOnce() -> Result<T>) -> Result<T> {
    nix::sys::prctl::set_child_subreaper(true).context("cannot become a child subreaper")?;
    stop_everything_when_interrupted();
    let result = graded();
    kill_tree(std::process::id() as i32);
    result
}

/// Set when the checker is interrupted: from then on nothing starts, and nothing is reported.
static INTERRUPTED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// If the checker is being interrupted, waits for the end (the signal's handler kills every test
/// and exits): a test or a build it killed must not be started again, nor reported as failed.
pub fn halt_if_interrupted() {
    while INTERRUPTED.load(std::sync::atomic::Ordering::SeqCst) {
        thread::park();
    }
}

/// On Ctrl-C (or SIGTERM, SIGHUP), kills every test under way before exiting. The tests run in
/// process groups of their own, so the terminal's Ctrl-C does not reach them: without this they
/// would run on, unattended, until their own time limit.
fn stop_everything_when_interrupted() {
    static INSTALL: std::sync::Once = std::sync::Once::new();
    INSTALL.call_once(|| {
        use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
        let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGINT, SIGTERM, SIGHUP]) else {
            return;
        };
        thread::spawn(move || {
            if let Some(signal) = signals.forever().next() {
                INTERRUPTED.store(true, std::sync::atomic::Ordering::SeqCst);
                eprintln!("\ninterrupted: the checker stops, and every test it started with it");
                kill_tree(std::process::id() as i32);
                std::process::exit(128 + signal);
            }
        });
    });
}

fn live_descendants(me: i32) -> Vec<procs::ProcInfo> {
    procs::descendants(me)
        .into_iter()
        .filter(|p| !p.is_zombie())
        .collect()
}

/// Stops, then kills, every descendant until none is left, and reaps them.
pub fn kill_tree(root: i32) {
    for _ in 0..100 {
        let live = live_descendants(root);
        if live.is_empty() {
            break;
        }
        // Freeze first so that a fork bomb cannot replace what we kill.
        for p in &live {
            let _ = signal::kill(Pid::from_raw(p.pid), Signal::SIGSTOP);
        }
        for p in &live {
            let _ = signal::killpg(Pid::from_raw(p.pid), Signal::SIGKILL);
            let _ = signal::kill(Pid::from_raw(p.pid), Signal::SIGKILL);
        }
        reap_all();
        thread::sleep(Duration::from_millis(5));
    }
    reap_all();
}

/// Collects every child that has ended (ours, or orphans re-parented to us).
fn reap_all() {
    while let Ok(status) = waitpid(Pid::from_raw(-1), Some(WaitPidFlag::WNOHANG)) {
        if status == nix::sys::wait::WaitStatus::StillAlive {
            break;
        }
    }
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

/// Splits the sandbox's output into the test's own output and the trailer.
pub fn split_trailer(output: &str) -> (&str, Option<Trailer>) {
    match output.rfind(TRAILER) {
        Some(at) => {
            let json = output[at + TRAILER.len()..].trim();
            let test_output = output[..at].strip_suffix('\n').unwrap_or(&output[..at]);
            (test_output, serde_json::from_str(json).ok())
        }
        None => (output, None),
    }
}
