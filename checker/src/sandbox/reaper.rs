//! The checker's side of process hygiene: it is a child subreaper while it grades (orphans of
//! student code come back to it), it kills whatever is left at the end, and on Ctrl-C (SIGINT,
//! SIGTERM, SIGHUP) it first asks every sandbox under way to stop — each kills its test and
//! removes its cgroups and temporary folder — before killing what remains.

use std::collections::BTreeSet;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use nix::sys::signal::{self, Signal};
use nix::sys::wait::{WaitPidFlag, waitpid};
use nix::unistd::Pid;

use crate::procs;

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
static INTERRUPTED: AtomicBool = AtomicBool::new(false);

/// The sandboxes running now, by process id.
static RUNNING: Mutex<BTreeSet<i32>> = Mutex::new(BTreeSet::new());

/// Notes a sandbox just started, so that an interruption lets it clean up.
pub fn register(pid: u32) {
    RUNNING
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert(pid as i32);
}

/// Notes a sandbox that has ended (and was waited for).
pub fn unregister(pid: u32) {
    RUNNING
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .remove(&(pid as i32));
}

/// If the checker is being interrupted, waits for the end (the signal's handler kills every test
/// and exits): a test or a build it killed must not be started again, nor reported as failed.
pub fn halt_if_interrupted() {
    while INTERRUPTED.load(Ordering::SeqCst) {
        thread::park();
    }
}

/// On Ctrl-C (or SIGTERM, SIGHUP), stops every test under way before exiting. The tests run in
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
                INTERRUPTED.store(true, Ordering::SeqCst);
                eprintln!("\ninterrupted: the checker stops, and every test it started with it");
                stop_sandboxes(Duration::from_secs(2));
                kill_tree(std::process::id() as i32);
                std::process::exit(128 + signal);
            }
        });
    });
}

/// Asks every running sandbox to stop (SIGTERM: it kills its test and cleans up), and waits
/// up to `patience` for them to be gone.
fn stop_sandboxes(patience: Duration) {
    let running: Vec<i32> = RUNNING
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .iter()
        .copied()
        .collect();
    for &pid in &running {
        let _ = signal::kill(Pid::from_raw(pid), Signal::SIGTERM);
    }
    let deadline = Instant::now() + patience;
    let alive = |pid: i32| {
        std::fs::read_to_string(format!("/proc/{pid}/stat"))
            .ok()
            .and_then(|s| procs::parse_stat(&s))
            .is_some_and(|p| !p.is_zombie())
    };
    while running.iter().any(|&p| alive(p)) && Instant::now() < deadline {
        thread::sleep(Duration::from_millis(5));
    }
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
pub fn reap_all() {
    while let Ok(status) = waitpid(Pid::from_raw(-1), Some(WaitPidFlag::WNOHANG)) {
        if status == nix::sys::wait::WaitStatus::StillAlive {
            break;
        }
    }
}
