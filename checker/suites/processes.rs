//! Grading suite for the `processes` topic.
//!
//! Every test checks the concept, not only the result: the work ran in other pids, the
//! children were reaped (no zombie is left in `/proc`), exit codes and killing signals are told
//! apart. Children are killed and reaped by guards even when a test fails.

use std::os::fd::{AsRawFd, OwnedFd};
use std::path::Path;
use std::time::Duration;

use grading::procfs;
use grading::within;
use nix::fcntl::OFlag;
use nix::sys::signal::{Signal, kill};
use nix::sys::wait::waitpid;
use nix::unistd::{Pid, getpid};

/// Kills and reaps a child that is still ours when the test ends, whatever happened.
struct Reap(Vec<Pid>);

impl Drop for Reap {
    fn drop(&mut self) {
        for &pid in &self.0 {
            if procfs::is_unreaped_child(pid.as_raw()) {
                let _ = kill(pid, Signal::SIGKILL);
                let _ = waitpid(pid, None);
            }
        }
    }
}

/// A pipe a child waits on until the test opens it (writes a byte) or the test process ends.
struct Gate {
    read: OwnedFd,
    write: Option<OwnedFd>,
}

impl Gate {
    fn new() -> Gate {
        // Close-on-exec, so programs started by other tests do not hold the pipe open.
        let (read, write) = nix::unistd::pipe2(OFlag::O_CLOEXEC).expect("pipe");
        Gate {
            read,
            write: Some(write),
        }
    }

    /// What a child calls: closes its copy of the write end (so the test's death releases it
    /// too) and blocks until a byte or end-of-file arrives.
    fn wait_fds(&self) -> (i32, i32) {
        (
            self.read.as_raw_fd(),
            self.write.as_ref().expect("gate still closed").as_raw_fd(),
        )
    }

    fn open(&mut self) {
        if let Some(write) = self.write.take() {
            let _ = nix::unistd::write(&write, b"g");
        }
    }
}

/// The blocking half of a [`Gate`], for use inside a child.
fn wait_at(fds: (i32, i32)) {
    // Safety: plain syscalls on file descriptors this (child) process owns.
    unsafe {
        libc::close(fds.1);
        let mut byte = 0u8;
        libc::read(fds.0, (&raw mut byte).cast(), 1);
    }
}

fn read_pid(path: &Path) -> Option<i32> {
    std::fs::read_to_string(path).ok()?.trim().parse().ok()
}

fn assert_reaped(pid: Pid) {
    let raw = pid.as_raw();
    if procfs::is_unreaped_child(raw) {
        // Not reaped yet: it is a zombie now, or will be as soon as it ends.
        procfs::eventually(Duration::from_secs(2), || {
            procfs::stat(raw).is_none_or(|s| s.is_zombie())
        });
        let state = procfs::stat(raw).map(|s| s.state).unwrap_or('?');
        panic!(
            "zombie: child {raw} was never waited for (state {state} in /proc/{raw}/stat); \
             a parent must reap each child with waitpid, or it stays in the process table as <defunct>"
        );
    }
}

mod fork_wait {
    use super::*;
    use processes::fork_wait::{Finished, run_jobs};
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    fn run(jobs: usize, job: impl Fn(usize) -> u8) -> (Vec<Finished>, Reap) {
        let results = run_jobs(jobs, job).expect("fork failed");
        let reap = Reap(results.iter().map(|f| f.pid).collect());
        assert_eq!(
            results.len(),
            jobs,
            "fork bomb? {} children reported for {jobs} jobs: each child must run its job and `_exit`, \
             never go back to the parent's loop",
            results.len()
        );
        (results, reap)
    }

    #[test]
    fn each_job_runs_in_its_own_child_and_reports_its_code() {
        within(|| {
            let dir = tempfile::tempdir().unwrap();
            let at = dir.path().to_owned();
            let (results, _reap) = run(4, move |i| {
                let _ = std::fs::write(at.join(i.to_string()), std::process::id().to_string());
                10 + i as u8
            });
            let me = std::process::id() as i32;
            for (i, f) in results.iter().enumerate() {
                assert_ne!(
                    f.pid.as_raw(),
                    me,
                    "job {i} ran in the test's own process, not in a child (fork)"
                );
                let ran_in = read_pid(&dir.path().join(i.to_string()));
                assert_eq!(
                    ran_in,
                    Some(f.pid.as_raw()),
                    "job {i} did not run in the child reported for it (pid {})",
                    f.pid
                );
                assert_eq!(
                    f.code,
                    10 + i as i32,
                    "exit status: job {i} returned {} but its code was reported as {}",
                    10 + i,
                    f.code
                );
            }
        })
    }

    #[test]
    fn a_child_has_its_own_memory() {
        within(|| {
            let counter = Arc::new(AtomicUsize::new(0));
            let seen = Arc::clone(&counter);
            let (results, _reap) = run(3, move |_| seen.fetch_add(1, Ordering::SeqCst) as u8);
            assert_eq!(
                counter.load(Ordering::SeqCst),
                0,
                "the jobs changed the parent's memory: they ran in the parent, but a child process has its own copy"
            );
            // Each child incremented its own copy, starting from 0.
            assert!(
                results.iter().all(|f| f.code == 0),
                "each child starts with a copy of the parent's memory: {results:?}"
            );
        })
    }

    #[test]
    fn every_child_is_reaped() {
        within(|| {
            let (results, _reap) = run(3, |i| i as u8);
            for f in &results {
                assert_reaped(f.pid);
            }
        })
    }

    #[test]
    fn children_run_at_the_same_time() {
        within(|| {
            let dir = tempfile::tempdir().unwrap();
            let at = dir.path().to_owned();
            let jobs = 3;
            // Each child announces itself, then waits (bounded) until every child has: they
            // can only all meet if the parent forked them all before waiting for any.
            let (results, _reap) = run(jobs, move |i| {
                let _ = std::fs::write(at.join(format!("started-{i}")), "");
                let all_here = || (0..jobs).all(|j| at.join(format!("started-{j}")).exists());
                if procfs::eventually(Duration::from_secs(1), all_here) {
                    0
                } else {
                    99
                }
            });
            assert!(
                results.iter().all(|f| f.code == 0),
                "the children did not run at the same time: fork every child first, then wait for them \
                 (waiting inside the fork loop runs one child at a time): {results:?}"
            );
        })
    }

    #[test]
    fn a_child_killed_by_a_signal_reports_minus_the_signal() {
        within(|| {
            let (results, _reap) = run(2, |i| {
                if i == 1 {
                    let _ = kill(getpid(), Signal::SIGKILL);
                }
                0
            });
            assert_eq!(results[0].code, 0, "exit status: job 0 exited with 0");
            assert_eq!(
                results[1].code, -9,
                "exit status: a child killed by SIGKILL has no exit code; report minus the signal number (-9), as Python does"
            );
        })
    }
}

mod process_api {
    use super::*;
    use processes::process_api::Process;

    #[test]
    fn start_runs_the_target_in_a_child() {
        within(|| {
            let dir = tempfile::tempdir().unwrap();
            let file = dir.path().join("pid");
            let at = file.clone();
            let mut p = Process::new("writer", move || {
                let _ = std::fs::write(&at, std::process::id().to_string());
                0
            });
            assert_eq!(p.name(), "writer", "name() returns the name given to new()");
            assert_eq!(p.pid(), None, "pid() is None before start()");
            assert_eq!(p.exitcode(), None, "exitcode() is None before start()");
            p.start().expect("start");
            let pid = p.pid().expect("pid() is Some after start()");
            let _reap = Reap(vec![pid]);
            assert_ne!(
                pid,
                getpid(),
                "the target must run in a child process, not in the parent"
            );
            assert_eq!(
                p.join().expect("join"),
                Some(0),
                "join() returns the exit code"
            );
            assert_eq!(
                read_pid(&file),
                Some(pid.as_raw()),
                "the target did not run in the child whose pid is reported"
            );
        })
    }

    #[test]
    fn the_targets_return_value_is_the_exitcode() {
        within(|| {
            let mut p = Process::new("seven", || 7);
            p.start().expect("start");
            let _reap = Reap(p.pid().into_iter().collect());
            assert_eq!(
                p.join().expect("join"),
                Some(7),
                "exit status: the target returned 7"
            );
            assert_eq!(p.exitcode(), Some(7), "exitcode() after join()");
        })
    }

    #[test]
    fn join_reaps_the_child() {
        within(|| {
            let mut p = Process::new("quick", || 0);
            p.start().expect("start");
            let pid = p.pid().expect("pid after start");
            let _reap = Reap(vec![pid]);
            p.join().expect("join");
            assert_reaped(pid);
        })
    }

    #[test]
    fn is_alive_while_running_and_not_after() {
        within(|| {
            let mut gate = Gate::new();
            let fds = gate.wait_fds();
            let mut p = Process::new("waiter", move || {
                wait_at(fds);
                3
            });
            assert!(!p.is_alive(), "is_alive() is false before start()");
            p.start().expect("start");
            let pid = p.pid().expect("pid after start");
            let _reap = Reap(vec![pid]);
            assert!(
                p.is_alive(),
                "is_alive() is false while the child is still running"
            );
            gate.open();
            let ended = procfs::eventually(Duration::from_secs(3), || !p.is_alive());
            assert!(
                ended,
                "is_alive() is still true after the child exited: an exited child that nobody waited for \
                 is a zombie, and kill(pid, 0) still succeeds on it; ask waitpid with WNOHANG instead"
            );
            assert_eq!(
                p.exitcode(),
                Some(3),
                "is_alive() saw the child end: it must reap it and record its exitcode"
            );
            assert_reaped(pid);
        })
    }

    #[test]
    fn terminate_sends_sigterm() {
        within(|| {
            let gate = Gate::new();
            let fds = gate.wait_fds();
            let mut p = Process::new("sleeper", move || {
                wait_at(fds);
                0
            });
            p.start().expect("start");
            let pid = p.pid().expect("pid after start");
            let _reap = Reap(vec![pid]);
            p.terminate().expect("terminate");
            assert_eq!(
                p.join().expect("join"),
                Some(-15),
                "exitcode of a child stopped by terminate() must be -15: terminate sends SIGTERM, and a \
                 child killed by a signal reports minus the signal number, as in Python"
            );
            drop(gate);
        })
    }

    #[test]
    fn a_panicking_target_exits_with_1() {
        within(|| {
            let mut p = Process::new("faulty", || {
                // Silence the panic message: it is the child's business, not the test's.
                std::panic::set_hook(Box::new(|_| {}));
                panic!("the target failed")
            });
            p.start().expect("start");
            let _reap = Reap(p.pid().into_iter().collect());
            assert_eq!(
                p.join().expect("join"),
                Some(1),
                "exit status: a target that panics ends its child with code 1 (like an exception in Python); \
                 the parent goes on"
            );
        })
    }
}

mod subprocess {
    use super::*;
    use processes::subprocess::communicate;

    #[test]
    fn pipes_through_tr() {
        within(|| {
            let out = communicate("tr", &["a-z", "A-Z"], "hello, child\n").expect("run tr");
            assert_eq!(
                out.stdout, "HELLO, CHILD\n",
                "the child's stdout, read through a pipe"
            );
            assert_eq!(
                (out.code, out.signal),
                (Some(0), None),
                "exit status of a successful child"
            );
        })
    }

    #[test]
    fn closes_stdin_so_sort_can_finish() {
        within(|| {
            let out = communicate("sort", &[], "pear\napple\nfig\n").expect("run sort");
            assert_eq!(
                out.stdout, "apple\nfig\npear\n",
                "sort only answers after its stdin is closed (end of input)"
            );
        })
    }

    #[test]
    fn runs_in_another_process_and_is_reaped() {
        within(|| {
            let out =
                communicate("sh", &["-c", "cat >/dev/null; echo $$"], "ignored\n").expect("run sh");
            let reported: u32 = out.stdout.trim().parse().expect("sh printed its pid");
            assert_eq!(reported, out.pid, "`pid` must be the child's pid");
            assert_ne!(
                reported,
                std::process::id(),
                "the program must run in a child process"
            );
            assert_reaped(Pid::from_raw(out.pid as i32));
        })
    }

    #[test]
    fn reports_the_exit_code() {
        within(|| {
            let out =
                communicate("sh", &["-c", "cat >/dev/null; exit 3"], "data\n").expect("run sh");
            assert_eq!(
                (out.code, out.signal),
                (Some(3), None),
                "exit status: the child exited with code 3"
            );
        })
    }

    #[test]
    fn reports_a_killing_signal() {
        within(|| {
            let out = communicate("sh", &["-c", "kill -TERM $$"], "").expect("run sh");
            assert_eq!(
                (out.code, out.signal),
                (None, Some(15)),
                "a child killed by a signal has no exit code: report the signal (SIGTERM = 15)"
            );
        })
    }

    #[test]
    fn a_large_input_does_not_deadlock() {
        within(|| {
            let input: String = (0..100_000).map(|i| format!("line {i}\n")).collect();
            let out = communicate("cat", &[], &input).expect("run cat");
            assert!(
                out.stdout == input,
                "cat must echo its whole input ({} of {} bytes came back)",
                out.stdout.len(),
                input.len()
            );
        })
    }

    #[test]
    fn a_missing_program_is_an_error_not_a_panic() {
        within(|| {
            let err = communicate("no-such-program-in-the-kit", &[], "")
                .expect_err("a missing program is an Err");
            assert_eq!(err.kind(), std::io::ErrorKind::NotFound);
        })
    }
}

mod isolation {
    use super::*;
    use processes::isolation::{Ending, Task, run_isolated};

    fn task(name: &str, work: impl FnOnce() + 'static) -> Task {
        (name.to_owned(), Box::new(work))
    }

    #[test]
    fn failures_stay_in_their_child_and_are_reported() {
        within(|| {
            let dir = tempfile::tempdir().unwrap();
            let last = dir.path().join("last-ran");
            let at = last.clone();
            let tasks = vec![
                task("fine", || {}),
                task("panics", || {
                    // Silence the panic message: it is this child's business, not the test's.
                    std::panic::set_hook(Box::new(|_| {}));
                    panic!("task failed")
                }),
                task("exits-3", || {
                    // Safety: ends this child process at once.
                    unsafe { libc::_exit(3) }
                }),
                task("killed", || {
                    let _ = kill(getpid(), Signal::SIGKILL);
                }),
                task("terminated", || {
                    let _ = kill(getpid(), Signal::SIGTERM);
                }),
                task("last", move || {
                    let _ = std::fs::write(&at, "yes");
                }),
            ];
            let outcome =
                std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| run_isolated(tasks)));
            let reports = match outcome {
                Ok(reports) => reports.expect("fork failed"),
                Err(_) => panic!(
                    "isolation: a failing child brought the parent down (it panicked too); report it instead"
                ),
            };
            let _reap = Reap(reports.iter().map(|r| r.pid).collect());
            let names: Vec<&str> = reports.iter().map(|r| r.name.as_str()).collect();
            assert_eq!(
                names,
                ["fine", "panics", "exits-3", "killed", "terminated", "last"],
                "one report per task, in task order"
            );
            let endings: Vec<Ending> = reports.iter().map(|r| r.ending).collect();
            assert_eq!(
                endings[0],
                Ending::Success,
                "the task that returned normally"
            );
            assert_eq!(
                endings[1],
                Ending::Failed(101),
                "a panicking task ends its child with code 101"
            );
            assert_eq!(
                endings[2],
                Ending::Failed(3),
                "exit status: the task exited with code 3"
            );
            assert_eq!(
                &endings[3..5],
                [
                    Ending::Killed(Signal::SIGKILL),
                    Ending::Killed(Signal::SIGTERM)
                ],
                "a child killed by a signal has no exit code: report it as killed by that signal"
            );
            assert_eq!(endings[5], Ending::Success, "the last task");
            assert!(
                last.exists(),
                "isolation: the last task never ran; the failures of the others must not stop it"
            );
        })
    }

    #[test]
    fn each_task_runs_in_its_own_process_and_is_reaped() {
        within(|| {
            let reports = run_isolated(vec![task("a", || {}), task("b", || {}), task("c", || {})])
                .expect("fork failed");
            let _reap = Reap(reports.iter().map(|r| r.pid).collect());
            let mut pids: Vec<Pid> = reports.iter().map(|r| r.pid).collect();
            assert!(
                !pids.contains(&getpid()),
                "isolation: a task ran in the parent's own process"
            );
            pids.sort();
            pids.dedup();
            assert_eq!(
                pids.len(),
                3,
                "isolation: every task needs a process of its own"
            );
            for r in &reports {
                assert_reaped(r.pid);
            }
        })
    }
}
