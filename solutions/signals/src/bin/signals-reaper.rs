//! The program the `reaper` tests run. It starts three children that end together while
//! SIGCHLD is blocked (so their three signals arrive as one), and one that keeps running, then
//! reaps on SIGCHLD with `reap_ended` and prints what it found:
//! `reaped CODE` per child, `zombies N` (its own unreaped children), `done`.

use std::io::{self, Write};
use std::os::fd::AsRawFd;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use nix::sys::signal::{SigSet, SigmaskHow, Signal, sigprocmask};
use nix::unistd::{ForkResult, Pid, alarm, fork, pipe};
use signals::reaper::{reap_ended, watch_children};

fn main() -> io::Result<()> {
    // However the student's code behaves, this program never outlives the test for long.
    alarm::set(10);
    let ended = watch_children()?;
    let mut out = io::stdout().lock();
    let mut sigchld = SigSet::empty();
    sigchld.add(Signal::SIGCHLD);
    sigprocmask(SigmaskHow::SIG_BLOCK, Some(&sigchld), None)?;

    // The long-running child waits until we close our end of this pipe.
    let (gate, gate_open) = pipe()?;
    let open_fd = gate_open.as_raw_fd();
    let long = spawn(|| {
        // Safety: closes this child's copy of the write end, so only the parent holds it.
        unsafe { libc::close(open_fd) };
        let mut byte = [0u8];
        let _ = nix::unistd::read(&gate, &mut byte);
        7
    })?;
    let quick: Vec<Pid> = (1..=3)
        .map(|code| spawn(move || code))
        .collect::<io::Result<_>>()?;
    // Wait until all three have ended (zombies), then let their SIGCHLD in: one signal for three.
    let deadline = Instant::now() + Duration::from_secs(3);
    while !quick.iter().all(|p| state(*p) == Some('Z')) && Instant::now() < deadline {
        thread::sleep(Duration::from_millis(2));
    }
    sigprocmask(SigmaskHow::SIG_UNBLOCK, Some(&sigchld), None)?;

    let mut found = Vec::new();
    while found.len() < 3 && wait_for(&ended) {
        found.extend(reap_ended()?);
    }
    for (pid, code) in &found {
        writeln!(
            out,
            "reaped {} {code}",
            if *pid == long { "long" } else { "quick" }
        )?;
    }
    let zombies = quick.iter().filter(|p| state(**p) == Some('Z')).count();
    writeln!(out, "zombies {zombies}")?;
    out.flush()?;

    // Now the long one ends too.
    drop(gate_open);
    let mut later = Vec::new();
    while later.is_empty() && wait_for(&ended) {
        later.extend(reap_ended()?);
    }
    for (pid, code) in &later {
        writeln!(
            out,
            "reaped {} {code}",
            if *pid == long { "long" } else { "quick" }
        )?;
    }
    writeln!(out, "done")?;
    out.flush()
}

/// Forks a child that returns `work()` as its exit code.
fn spawn(work: impl FnOnce() -> i32) -> io::Result<Pid> {
    // Safety: this program is single-threaded; the child runs `work` and `_exit`s.
    match unsafe { fork() }? {
        ForkResult::Child => {
            let code = work();
            // Safety: ends the child at once.
            unsafe { libc::_exit(code) }
        }
        ForkResult::Parent { child } => Ok(child),
    }
}

/// Waits (at most a second) for the SIGCHLD flag and clears it.
fn wait_for(flag: &AtomicBool) -> bool {
    let deadline = Instant::now() + Duration::from_secs(1);
    while !flag.swap(false, Ordering::SeqCst) {
        if Instant::now() >= deadline {
            return false;
        }
        thread::sleep(Duration::from_millis(1));
    }
    true
}

/// The state letter of a process in `/proc/<pid>/stat`.
fn state(pid: Pid) -> Option<char> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    stat[stat.rfind(')')? + 1..]
        .split_whitespace()
        .next()?
        .chars()
        .next()
}
