//! What a stuck test's threads are doing, read from `/proc` (Linux): so a hang's verdict says
//! *where* each thread waits — a lock or a channel, a pipe, a child, a sleep — or that one is
//! busy in a loop, instead of a guess.
//!
//! Each thread's state comes from `/proc/PID/task/TID/`: `comm` (its name, cut to 15 bytes),
//! `syscall` (the system call it is blocked in, or `running`), and its CPU time in `stat`,
//! sampled twice: a thread whose CPU time grows is computing, not waiting.

use std::fs;
use std::thread;
use std::time::Duration;

use crate::procfs;

/// What one thread is doing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Activity {
    /// Using the CPU: a loop that never ends, or spins waiting for something.
    Busy,
    /// Asleep in a futex: waiting for a lock, a condition variable, a channel, a `join`, a
    /// `park` or a barrier.
    Futex,
    /// Blocked reading (a pipe or a socket with nothing to read and a writer still open).
    Reading,
    /// Blocked writing (a full pipe nobody reads).
    Writing,
    /// Waiting for a child process to end.
    WaitingForChild,
    /// Sleeping for a set time.
    Sleeping,
    /// Waiting for any of several events (an async runtime with nothing to do, `poll`).
    Polling,
    /// Waiting for a signal.
    Signal,
    /// Blocked in another system call (its number).
    Syscall(u64),
}

impl Activity {
    /// The activity in a student's words.
    pub fn describe(&self) -> String {
        match self {
            Activity::Busy => "running, not waiting: an endless loop or a spin".into(),
            Activity::Futex => {
                "asleep, waiting for a lock, a condition variable, a channel or a join".into()
            }
            Activity::Reading => "blocked reading a pipe or socket that nothing writes to".into(),
            Activity::Writing => "blocked writing to a full pipe that nothing reads".into(),
            Activity::WaitingForChild => "waiting for a child process to end".into(),
            Activity::Sleeping => "sleeping".into(),
            Activity::Polling => "waiting for I/O events (poll/epoll)".into(),
            Activity::Signal => "waiting for a signal".into(),
            Activity::Syscall(n) => format!("blocked in system call {n}"),
        }
    }
}

/// One thread of a stuck process.
#[derive(Debug, Clone)]
pub struct ThreadState {
    pub tid: i32,
    pub name: String,
    pub activity: Activity,
}

/// The threads of process `pid` and what each is doing, leaving out `skip` (thread ids).
/// Takes about `sample` to tell waiting from computing.
pub fn threads_of(pid: i32, skip: &[i32], sample: Duration) -> Vec<ThreadState> {
    let tids = tasks(pid);
    let before: Vec<(i32, u64)> = tids.iter().map(|&t| (t, ticks(pid, t))).collect();
    thread::sleep(sample);
    before
        .into_iter()
        .filter(|(tid, _)| !skip.contains(tid))
        .filter_map(|(tid, ticks_before)| {
            let task = format!("/proc/{pid}/task/{tid}");
            let name = fs::read_to_string(format!("{task}/comm")).ok()?;
            let syscall = fs::read_to_string(format!("{task}/syscall")).unwrap_or_default();
            let busy = ticks(pid, tid) > ticks_before || syscall.starts_with("running");
            let activity = if busy {
                Activity::Busy
            } else {
                classify(&syscall)
            };
            // The kernel keeps 15 bytes of a thread's name: say when it was cut.
            let name = name.trim_end_matches('\n');
            let name = if name.len() == 15 {
                format!("{name}…")
            } else {
                name.to_owned()
            };
            Some(ThreadState {
                tid,
                name,
                activity,
            })
        })
        .collect()
}

/// A snapshot that says whether a process is deadlocked for certain: every thread (but `skip`)
/// asleep in a futex wait with no time limit, so that only another thread of the process could
/// wake it — and all of those are asleep too. Compare two snapshots taken a moment apart with
/// [`Asleep::same`]: no thread ran in between.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Asleep {
    /// (tid, CPU ticks) of every thread.
    threads: Vec<(i32, u64)>,
}

impl Asleep {
    /// The snapshot, if every thread of `pid` but `skip` is asleep for good now.
    pub fn now(pid: i32, skip: &[i32]) -> Option<Asleep> {
        let mut threads = Vec::new();
        for tid in tasks(pid).into_iter().filter(|t| !skip.contains(t)) {
            let task = format!("/proc/{pid}/task/{tid}");
            let stat = procfs::parse_stat(&fs::read_to_string(format!("{task}/stat")).ok()?)?;
            let syscall = fs::read_to_string(format!("{task}/syscall")).ok()?;
            if stat.state != 'S' || !untimed_futex_wait(&syscall) {
                return None;
            }
            threads.push((tid, stat.cpu_ticks));
        }
        // A child process could still wake a thread through shared memory.
        let children =
            std::fs::read_to_string(format!("/proc/{pid}/task/{pid}/children")).unwrap_or_default();
        (!threads.is_empty() && children.trim().is_empty()).then_some(Asleep { threads })
    }

    /// Whether the same threads are asleep in both snapshots, none having run in between.
    pub fn same(&self, later: &Asleep) -> bool {
        self == later
    }
}

/// Whether `/proc/.../syscall` shows a futex wait with no timeout (`NR uaddr op val timeout`).
fn untimed_futex_wait(syscall: &str) -> bool {
    let fields: Vec<&str> = syscall.split_whitespace().collect();
    let number = if cfg!(target_arch = "aarch64") {
        "98"
    } else {
        "202"
    };
    if fields.first() != Some(&number) {
        return false;
    }
    let hex = |i: usize| {
        fields
            .get(i)
            .and_then(|f| u64::from_str_radix(f.trim_start_matches("0x"), 16).ok())
    };
    // FUTEX_WAIT (0) or FUTEX_WAIT_BITSET (9), private or not; a null timeout pointer.
    matches!(hex(2).map(|op| op & 0x7f), Some(0 | 9)) && hex(4) == Some(0)
}

/// One sentence on the likely cause, and a line per thread: the body of a hang's verdict.
pub fn explain(threads: &[ThreadState]) -> String {
    let count = |a: &Activity| threads.iter().filter(|t| &t.activity == a).count();
    let cause = if count(&Activity::Busy) > 0 {
        "likely an endless loop: a thread is busy running, not waiting for anything"
    } else if count(&Activity::Reading) > 0 {
        "likely a read that never ends: a pipe whose write end is still open somewhere (every \
         copy must be closed for the reader to see the end)"
    } else if count(&Activity::Writing) > 0 {
        "likely a deadlock on a full pipe: a writer waits for a reader that never reads (or \
         that is itself waiting for this writer)"
    } else if count(&Activity::WaitingForChild) > 0 {
        "likely a child process that never ends (or waits for its parent)"
    } else if !threads.is_empty() && count(&Activity::Futex) == threads.len() {
        "likely a deadlock or a lost wake-up: every thread is asleep, waiting for a lock, a \
         condition variable, a message or a join that nothing will give"
    } else {
        "likely a deadlock or an endless wait"
    };
    format!("{cause}{}", lines(threads))
}

/// A line per thread (the first few): its name, its id and what it is doing.
pub fn lines(threads: &[ThreadState]) -> String {
    let mut text = String::new();
    const SHOWN: usize = 8;
    for t in threads.iter().take(SHOWN) {
        text.push_str(&format!(
            "\n    thread '{}' (tid {}): {}",
            t.name,
            t.tid,
            t.activity.describe()
        ));
    }
    if threads.len() > SHOWN {
        text.push_str(&format!(
            "\n    … and {} more threads",
            threads.len() - SHOWN
        ));
    }
    text
}

fn tasks(pid: i32) -> Vec<i32> {
    let Ok(entries) = fs::read_dir(format!("/proc/{pid}/task")) else {
        return Vec::new();
    };
    let mut tids: Vec<i32> = entries
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok())
        .collect();
    tids.sort_unstable();
    tids
}

fn ticks(pid: i32, tid: i32) -> u64 {
    fs::read_to_string(format!("/proc/{pid}/task/{tid}/stat"))
        .ok()
        .and_then(|text| procfs::parse_stat(&text))
        .map_or(0, |s| s.cpu_ticks)
}

/// What `/proc/.../syscall` (`NR ARGS...` while blocked) says a thread waits for.
fn classify(syscall: &str) -> Activity {
    let Some(number) = syscall
        .split_whitespace()
        .next()
        .and_then(|n| n.parse::<u64>().ok())
    else {
        return Activity::Syscall(u64::MAX);
    };
    // (x86_64, aarch64) system call numbers.
    let is = |x86: &[u64], arm: &[u64]| {
        if cfg!(target_arch = "aarch64") {
            arm.contains(&number)
        } else {
            x86.contains(&number)
        }
    };
    if is(&[202], &[98]) {
        Activity::Futex
    } else if is(
        &[0, 17, 19, 45, 47, 43, 288],
        &[63, 65, 67, 207, 212, 202, 242],
    ) {
        Activity::Reading
    } else if is(&[1, 18, 20, 44, 46], &[64, 66, 68, 206, 211]) {
        Activity::Writing
    } else if is(&[61, 247], &[260, 95]) {
        Activity::WaitingForChild
    } else if is(&[35, 230], &[101, 115]) {
        Activity::Sleeping
    } else if is(&[7, 271, 23, 270, 232, 281, 441], &[73, 72, 22]) {
        Activity::Polling
    } else if is(&[34, 130, 128], &[133, 137]) {
        Activity::Signal
    } else {
        Activity::Syscall(number)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Barrier, Mutex};

    #[test]
    fn tells_a_thread_asleep_on_a_lock_from_one_in_a_loop() {
        let lock = Arc::new(Mutex::new(()));
        let held = lock.lock().unwrap();
        let started = Arc::new(Barrier::new(3));
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let waiter = {
            let (lock, started) = (Arc::clone(&lock), Arc::clone(&started));
            thread::Builder::new()
                .name("kit-waiter".into())
                .spawn(move || {
                    started.wait();
                    drop(lock.lock());
                })
                .unwrap()
        };
        let spinner = {
            let (stop, started) = (Arc::clone(&stop), Arc::clone(&started));
            thread::Builder::new()
                .name("kit-spinner".into())
                .spawn(move || {
                    started.wait();
                    while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                        std::hint::spin_loop();
                    }
                })
                .unwrap()
        };
        started.wait();
        let pid = std::process::id() as i32;
        let found = procfs::eventually(Duration::from_secs(5), || {
            let threads = threads_of(pid, &[], Duration::from_millis(50));
            let of = |name: &str| {
                threads
                    .iter()
                    .find(|t| t.name == name)
                    .map(|t| t.activity.clone())
            };
            of("kit-waiter") == Some(Activity::Futex) && of("kit-spinner") == Some(Activity::Busy)
        });
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        drop(held);
        waiter.join().unwrap();
        spinner.join().unwrap();
        assert!(
            found,
            "the waiter is asleep in a futex and the spinner busy"
        );
    }

    #[test]
    fn reads_an_untimed_futex_wait() {
        assert!(untimed_futex_wait(
            "202 0x7f00 0x89 0x0 0x0 0x0 0x0 0x7ffd 0x7f01"
        ));
        assert!(!untimed_futex_wait(
            "202 0x7f00 0x89 0x0 0x7ffd1000 0x0 0x0 0x7ffd 0x7f01"
        ));
        assert!(!untimed_futex_wait(
            "0 0x3 0x7f00 0x1000 0x0 0x0 0x0 0x7ffd 0x7f01"
        ));
        assert!(!untimed_futex_wait("running"));
    }

    #[test]
    fn explains_the_likely_cause_first() {
        let threads = [
            ThreadState {
                tid: 1,
                name: "a".into(),
                activity: Activity::Futex,
            },
            ThreadState {
                tid: 2,
                name: "b".into(),
                activity: Activity::Futex,
            },
        ];
        let text = explain(&threads);
        assert!(
            text.starts_with("likely a deadlock or a lost wake-up"),
            "{text}"
        );
        assert!(
            text.contains("thread 'b' (tid 2): asleep, waiting for a lock"),
            "{text}"
        );
        let busy = [ThreadState {
            tid: 3,
            name: "c".into(),
            activity: Activity::Busy,
        }];
        assert!(explain(&busy).starts_with("likely an endless loop"));
    }
}
