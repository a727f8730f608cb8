//! Probes that read `/proc` (Linux), so a suite can check what really happened to processes:
//! which ones exist, who their parent is, whether one is a zombie, which session it is in.

use std::fs;
use std::thread;
use std::time::{Duration, Instant};

/// The fields of `/proc/<pid>/stat` the suites look at.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProcStat {
    /// The process id.
    pub pid: i32,
    /// The executable's name, as the kernel keeps it (at most 15 bytes).
    pub comm: String,
    /// `R` running, `S` sleeping, `D` disk wait, `Z` zombie, `T` stopped...
    pub state: char,
    /// The parent's pid.
    pub ppid: i32,
    /// The process group id.
    pub pgrp: i32,
    /// The session id.
    pub session: i32,
    /// The controlling terminal (0: none).
    pub tty_nr: i32,
    /// CPU time used so far, in user and kernel mode, in clock ticks.
    pub cpu_ticks: u64,
}

impl ProcStat {
    /// Whether the process has exited but its parent has not waited for it yet.
    pub fn is_zombie(&self) -> bool {
        self.state == 'Z'
    }
}

/// Reads `/proc/<pid>/stat`; `None` when no such process exists (any more).
pub fn stat(pid: i32) -> Option<ProcStat> {
    parse_stat(&fs::read_to_string(format!("/proc/{pid}/stat")).ok()?)
}

/// Parses a `stat` file of `/proc` (a process's, or a thread's under `task/`).
pub fn parse_stat(text: &str) -> Option<ProcStat> {
    // `comm` is in parentheses and may itself contain spaces or parentheses: split at the last `)`.
    let open = text.find('(')?;
    let close = text.rfind(')')?;
    let pid = text[..open].trim().parse().ok()?;
    let comm = text[open + 1..close].to_owned();
    let rest: Vec<&str> = text[close + 1..].split_whitespace().collect();
    let field = |i: usize| rest.get(i).and_then(|f| f.parse::<i32>().ok());
    let ticks = |i: usize| rest.get(i).and_then(|f| f.parse::<u64>().ok());
    Some(ProcStat {
        pid,
        comm,
        state: rest.first()?.chars().next()?,
        ppid: field(1)?,
        pgrp: field(2)?,
        session: field(3)?,
        tty_nr: field(4)?,
        // Fields 14 and 15 of the file (utime, stime); `rest` starts at field 3.
        cpu_ticks: ticks(11).unwrap_or(0) + ticks(12).unwrap_or(0),
    })
}

/// Whether `pid` is a child of this process that has not been waited for: still running, or
/// a zombie (exited, never reaped).
pub fn is_unreaped_child(pid: i32) -> bool {
    stat(pid).is_some_and(|s| s.ppid == std::process::id() as i32)
}

/// Whether `pid` is running: it exists and is not a zombie.
pub fn is_running(pid: i32) -> bool {
    stat(pid).is_some_and(|s| !s.is_zombie())
}

/// The command line of `pid`, arguments joined by spaces (empty if it is gone).
pub fn cmdline(pid: i32) -> String {
    fs::read(format!("/proc/{pid}/cmdline"))
        .map(|raw| {
            raw.split(|b| *b == 0)
                .filter(|a| !a.is_empty())
                .map(|a| String::from_utf8_lossy(a).into_owned())
                .collect::<Vec<_>>()
                .join(" ")
        })
        .unwrap_or_default()
}

/// Every pid in `/proc` whose command line contains `needle`.
pub fn pids_with_cmdline(needle: &str) -> Vec<i32> {
    let Ok(entries) = fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<i32>().ok())
        .filter(|&pid| cmdline(pid).contains(needle))
        .collect()
}

/// The direct children of `pid` (running or zombie).
pub fn children_of(pid: i32) -> Vec<i32> {
    let Ok(entries) = fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<i32>().ok())
        .filter(|&p| stat(p).is_some_and(|s| s.ppid == pid))
        .collect()
}

/// Polls `condition` every few milliseconds until it holds or `limit` passes; returns whether
/// it held. For states another process reaches on its own (a child exiting, a file appearing):
/// the limit is a bound against hangs, never a way to order events.
pub fn eventually(limit: Duration, mut condition: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + limit;
    loop {
        if condition() {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        thread::sleep(Duration::from_millis(5));
    }
}
