//! Grading suite for the `processes` topic.
//!
//! Every test checks the concept, not only the result: the work ran in other pids, the
//! children were reaped (no zombie is left in `/proc`), exit codes and killing signals are told
//! apart, many children ran at the same time (they meet in memory shared across processes),
//! results come back in job order even when the children end in another order, no child runs
//! the parent's exit handlers, and a fork that fails (in a "lab" process allowed only a few
//! more processes) is an error returned after the children already started were reaped.
//! Children are killed and reaped by guards even when a test fails.

use std::num::NonZeroUsize;
use std::os::fd::{AsRawFd, OwnedFd};
use std::sync::atomic::{AtomicI32, Ordering};
use std::time::Duration;

use grading::caught::{panic_message, unless_todo};
use grading::lab::{Reap, in_a_lab};
use grading::{PATIENCE, procfs, within};
use nix::fcntl::OFlag;
use nix::sys::mman::{MapFlags, ProtFlags, mmap_anonymous};
use nix::sys::signal::{Signal, kill};
use nix::unistd::{Pid, getpid};

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

/// The blocking half of a [`Gate`], for use inside a child. Bounded by an alarm: under
/// `cargo test` (tests as threads of one process) other tests' children inherit the gate's
/// write end too, and must not keep this child waiting after the test process is gone.
fn wait_at(fds: (i32, i32)) {
    // Safety: plain syscalls on file descriptors this (child) process owns.
    unsafe {
        libc::alarm(10);
        libc::close(fds.1);
        let mut byte = 0u8;
        libc::read(fds.0, (&raw mut byte).cast(), 1);
    }
}

/// One page of memory shared by the test and every child it forks (`MAP_SHARED`: a write in
/// one process is seen by all). Children report through it which pid ran which job, and meet
/// in it to prove that they were alive at the same time. `Copy`, so any closure can take it.
#[derive(Clone, Copy)]
struct Shared(&'static [AtomicI32]);

/// Cells of a [`Shared`] page: how many children arrived at the meeting, whether one gave up
/// waiting, then one cell per job for the pid that ran it.
const ARRIVED: usize = 0;
const GAVE_UP: usize = 1;
const EXITS: usize = 2;
const PIDS: usize = 8;
const CELLS: usize = 1024;

/// How long a child waits for the others at a meeting, or for a sibling to end. Forking a
/// handful of children takes milliseconds; only a solution that runs them one at a time
/// waits this out (once: the first child to give up releases the others).
const MEET_PATIENCE: Duration = Duration::from_millis(1500);

impl Shared {
    fn new() -> Shared {
        let len = NonZeroUsize::new(CELLS * size_of::<AtomicI32>()).expect("not zero");
        // Safety: a fresh anonymous mapping, zero-filled.
        let at = unsafe {
            mmap_anonymous(
                None,
                len,
                ProtFlags::PROT_READ | ProtFlags::PROT_WRITE,
                MapFlags::MAP_SHARED,
            )
        }
        .expect("mmap a shared page");
        // Safety: the page is aligned, zeroed (valid `AtomicI32`s) and never unmapped (one page
        // per test; children may still hold it when the test ends).
        Shared(unsafe { std::slice::from_raw_parts(at.as_ptr().cast::<AtomicI32>(), CELLS) })
    }

    /// In a child: records that this process runs job `i`.
    fn publish_pid(self, i: usize) {
        self.0[PIDS + i].store(std::process::id() as i32, Ordering::SeqCst);
    }

    /// The pid that ran job `i`, if one said so.
    fn ran_in(self, i: usize) -> Option<i32> {
        Some(self.0[PIDS + i].load(Ordering::SeqCst)).filter(|&pid| pid != 0)
    }

    /// In a child: arrives at the meeting and waits (bounded) until `expected` children have.
    /// They can all meet only if they were alive at the same time. Once one gives up, the
    /// others do not wait, so a solution that runs them one by one fails fast.
    fn meet(self, expected: usize) -> bool {
        self.0[ARRIVED].fetch_add(1, Ordering::SeqCst);
        let all_here = || self.0[ARRIVED].load(Ordering::SeqCst) as usize >= expected;
        procfs::eventually(MEET_PATIENCE, || all_here() || self.gave_up());
        let met = all_here();
        if !met {
            self.0[GAVE_UP].store(1, Ordering::SeqCst);
        }
        met
    }

    /// In a child: waits (bounded) until the child that runs job `i` has ended — exited and
    /// either a zombie or already reaped. Forces the order in which children end.
    fn wait_until_ended(self, i: usize) {
        let ended = || {
            self.ran_in(i)
                .is_some_and(|pid| procfs::stat(pid).is_none_or(|s| s.is_zombie()))
        };
        if !procfs::eventually(MEET_PATIENCE, || ended() || self.gave_up()) {
            self.0[GAVE_UP].store(1, Ordering::SeqCst);
        }
    }

    fn gave_up(self) -> bool {
        self.0[GAVE_UP].load(Ordering::SeqCst) != 0
    }
}

/// How many processes have run this test process's exit handlers so far. A forked child
/// inherits them (`atexit`): `exit` (and `std::process::exit`) runs them in the child, flushing
/// and cleaning up the parent's state a second time; `_exit` does not. Counted in a page
/// shared with every child.
fn exit_handlers_run() -> i32 {
    static COUNTER: std::sync::OnceLock<Shared> = std::sync::OnceLock::new();
    extern "C" fn count() {
        if let Some(shared) = COUNTER.get() {
            shared.0[EXITS].fetch_add(1, Ordering::SeqCst);
        }
    }
    let shared = COUNTER.get_or_init(|| {
        let shared = Shared::new();
        // Safety: registers a plain function; it only touches an atomic in a live mapping.
        unsafe { libc::atexit(count) };
        shared
    });
    shared.0[EXITS].load(Ordering::SeqCst)
}

fn assert_no_exit_handlers_since(before: i32) {
    let ran = exit_handlers_run() - before;
    assert_eq!(
        ran, 0,
        "{ran} child(ren) ran the parent's exit handlers: end a forked child with `libc::_exit`, not \
         `exit` or `std::process::exit`, which run the handlers and flush the buffers the child \
         inherited from its parent a second time"
    );
}

/// In a child: panics without a message. `resume_unwind` unwinds exactly like `panic!` (and
/// `catch_unwind` catches it) but skips the panic hook: a child forked from a multi-threaded
/// test process (`cargo test` runs tests as threads) must not take the hook's or stderr's
/// lock, which another thread may have held at the moment of the fork, forever.
fn panic_in_child(what: &'static str) -> ! {
    std::panic::resume_unwind(Box::new(what))
}

/// The uid of `nobody`, which a lab run as root becomes so that RLIMIT_NPROC binds it.
const NOBODY: u32 = 65534;

/// How many tasks (threads included, as RLIMIT_NPROC counts them) `uid` runs now.
fn tasks_of(uid: u32) -> u64 {
    use std::os::unix::fs::MetadataExt;
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return 0;
    };
    entries
        .filter_map(Result::ok)
        .filter(|e| {
            e.file_name()
                .to_str()
                .is_some_and(|n| n.parse::<i32>().is_ok())
        })
        .filter(|e| e.metadata().is_ok_and(|m| m.uid() == uid))
        .map(|e| std::fs::read_dir(e.path().join("task")).map_or(1, |t| t.count()) as u64)
        .sum()
}

/// Runs `body` in a lab process (`grading::lab`) that can start only `room` more processes:
/// its fork number `room + 1` fails (EAGAIN), as on a machine that has run out of processes.
/// Root is not bound by RLIMIT_NPROC, so a lab run as root first becomes `nobody`.
fn with_room_for(room: u64, body: impl FnOnce() -> Result<(), String>) {
    use nix::sys::resource::{Resource, setrlimit};
    use nix::unistd::{Uid, setuid};
    in_a_lab(
        "after a fork failed, waiting for the children already started blocked",
        || {
            let limit = if Uid::current().is_root() {
                // The lab itself joins nobody's count when it becomes nobody.
                let limit = tasks_of(NOBODY) + 1 + room;
                setrlimit(Resource::RLIMIT_NPROC, limit, limit)
                    .and_then(|()| setuid(Uid::from_raw(NOBODY)))
                    .map_err(|e| format!("the lab could not limit itself: {e}"))?;
                limit
            } else {
                let limit = tasks_of(Uid::current().as_raw()) + room;
                setrlimit(Resource::RLIMIT_NPROC, limit, limit)
                    .map_err(|e| format!("the lab could not limit itself: {e}"))?;
                limit
            };
            let _ = limit;
            body()
        },
    )
}

/// In a lab, right after the call under test returned: the lab's children that are still
/// there (running, or zombies nobody reaped).
fn unreaped_children() -> Vec<i32> {
    procfs::children_of(std::process::id() as i32)
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

/// Waits (bounded) until our child `pid` has exited without reaping it: it is a zombie now.
fn until_zombie(pid: Pid) {
    let zombie = procfs::eventually(PATIENCE, || {
        procfs::stat(pid.as_raw()).is_some_and(|s| s.is_zombie())
    });
    assert!(
        zombie,
        "the child {pid} should have exited by now (its target returned at once) but is not a zombie: \
         was it reaped by a call that should not reap, or does it still run?"
    );
}

mod fork_wait {
    use super::*;
    use processes::fork_wait::{Finished, run_jobs};
    use std::sync::Arc;
    use std::sync::atomic::AtomicUsize;

    /// The exit code of a child whose job's panic escaped `run_jobs` (see [`EscapedChild`]).
    const ESCAPED: i32 = 86;

    /// Ends a forked child whose job's panic escaped `run_jobs` and unwound into the test's own
    /// code, at once and with a code of its own ([`ESCAPED`]). Left to go on, that child would run
    /// the rest of the test as a copy of the parent, where a lock another thread held at the
    /// moment of the fork hangs it on some runs and not on others: the verdict would change from
    /// run to run.
    struct EscapedChild(u32);

    impl Drop for EscapedChild {
        fn drop(&mut self) {
            if std::process::id() != self.0 {
                // Safety: `_exit` ends the process at once, without running anything of it.
                unsafe { libc::_exit(ESCAPED) }
            }
        }
    }

    fn run(jobs: usize, job: impl Fn(usize) -> u8) -> (Vec<Finished>, Reap) {
        let _escaped = EscapedChild(std::process::id());
        let results = run_jobs(jobs, job).expect("fork failed");
        let reap = Reap(results.iter().map(|f| f.pid).collect());
        assert_eq!(
            results.len(),
            jobs,
            "fork bomb? {} children reported for {jobs} jobs: one child per job, and each child must run \
             its job and `_exit`, never go back to the parent's loop",
            results.len()
        );
        (results, reap)
    }

    #[test]
    fn each_job_runs_in_its_own_child_which_is_reaped() {
        within(|| {
            let shared = Shared::new();
            // The whole range of exit codes, 0 and 255 included, in a seeded order.
            let mut rng = grading::fastrand::Rng::with_seed(7);
            let mut codes: Vec<u8> = vec![0, 255, 1, 42, 128, rng.u8(2..=254)];
            rng.shuffle(&mut codes);
            let wanted = codes.clone();
            let exits = exit_handlers_run();
            let none = run_jobs(0, |_| 0).expect("nothing to fork");
            assert!(
                none.is_empty(),
                "run_jobs(0, ...) must start no child and return an empty list, got {none:?}"
            );
            // Each job also bumps a counter in (what would be) the parent's memory.
            let counter = Arc::new(AtomicUsize::new(0));
            let seen = Arc::clone(&counter);
            let (results, _reap) = run(codes.len(), move |i| {
                seen.fetch_add(1, Ordering::SeqCst);
                shared.publish_pid(i);
                wanted[i]
            });
            assert_eq!(
                counter.load(Ordering::SeqCst),
                0,
                "the jobs changed the parent's memory: they ran in the parent, but a child process has its \
                 own copy of the memory"
            );
            let me = std::process::id() as i32;
            for (i, f) in results.iter().enumerate() {
                assert_ne!(
                    f.pid.as_raw(),
                    me,
                    "job {i} ran in the test's own process, not in a child (fork)"
                );
                assert_eq!(
                    shared.ran_in(i),
                    Some(f.pid.as_raw()),
                    "job {i} did not run in the child reported for it (pid {}): results come in job \
                     order, the i-th is the child that ran job(i)",
                    f.pid
                );
                assert_eq!(
                    f.code,
                    i32::from(codes[i]),
                    "exit status: job {i} returned {} but its code was reported as {} (codes {codes:?})",
                    codes[i],
                    f.code
                );
                assert_reaped(f.pid);
            }
            assert_no_exit_handlers_since(exits);
        })
    }

    #[test]
    fn results_are_in_job_order_even_when_children_end_in_reverse() {
        within(|| {
            let shared = Shared::new();
            let jobs = 5;
            // Job i ends only after job i + 1 has ended: the last job ends first.
            let (results, _reap) = run(jobs, move |i| {
                shared.publish_pid(i);
                if i + 1 < jobs {
                    shared.wait_until_ended(i + 1);
                }
                30 + i as u8
            });
            for (i, f) in results.iter().enumerate() {
                assert_eq!(
                    (f.pid.as_raw(), f.code),
                    (shared.ran_in(i).unwrap_or(0), 30 + i as i32),
                    "job order: result {i} must be job {i}'s child and code even when the children end in \
                     another order (here the last job ended first); wait for each pid in job order, or \
                     put what waitpid(-1) returns back in its job's place: {results:?}"
                );
            }
        })
    }

    #[test]
    fn a_failed_fork_is_an_error_and_the_started_children_are_reaped() {
        within(|| {
            // Room for two children: the third fork fails.
            with_room_for(2, || {
                let outcome = run_jobs(5, |_| 0);
                let left = unreaped_children();
                match outcome {
                    Err(_) if left.is_empty() => Ok(()),
                    Err(e) => Err(format!(
                        "zombie: a fork failed ({e}) and run_jobs returned the error, but left the children \
                         it had already started unreaped ({left:?}): wait for each of them before returning \
                         the error"
                    )),
                    Ok(results) if results.len() == 5 && left.is_empty() => Ok(()),
                    Ok(results) => Err(format!(
                        "fork failed after some children had started, but run_jobs returned Ok({results:?}) \
                         (children left: {left:?}): a failed fork is an error (Err) once the children already \
                         started are reaped"
                    )),
                }
            })
        })
    }

    #[test]
    fn children_run_at_the_same_time() {
        within(|| {
            let shared = Shared::new();
            let jobs = 8;
            // Each child arrives at a meeting in shared memory and waits (bounded) for the others:
            // they can only all meet if the parent forked them all before waiting for any.
            let (results, _reap) = run(jobs, move |_| if shared.meet(jobs) { 0 } else { 99 });
            assert!(
                results.iter().all(|f| f.code == 0),
                "the children did not run at the same time: fork every child first, then wait for them \
                 (waiting inside the fork loop, or for one child before forking the next, runs them one at \
                 a time): {results:?}"
            );
        })
    }

    #[test]
    fn a_child_killed_by_a_signal_reports_minus_the_signal() {
        within(|| {
            let (results, _reap) = run(3, |i| {
                let signal = match i {
                    1 => Some(Signal::SIGKILL),
                    2 => Some(Signal::SIGTERM),
                    _ => None,
                };
                if let Some(signal) = signal {
                    let _ = kill(getpid(), signal);
                }
                0
            });
            assert_eq!(results[0].code, 0, "exit status: job 0 exited with 0");
            assert_eq!(
                (results[1].code, results[2].code),
                (-9, -15),
                "exit status: a child killed by a signal has no exit code; report minus the signal number \
                 (-9 for SIGKILL, -15 for SIGTERM), as Python does"
            );
            for f in &results {
                assert_reaped(f.pid);
            }
        })
    }

    #[test]
    fn a_panicking_job_ends_its_child_with_101() {
        within(|| {
            let shared = Shared::new();
            let (results, _reap) = run(3, move |i| {
                shared.publish_pid(i);
                if i == 1 {
                    panic_in_child("job 1 fails");
                }
                5
            });
            let codes: Vec<i32> = results.iter().map(|f| f.code).collect();
            assert_eq!(
                codes,
                [5, 101, 5],
                "a job that panics must end its own child with code 101 (as a Rust program that panics \
                 does), and the other jobs go on: catch the panic in the child (`panic::catch_unwind`) \
                 and `_exit(101)`; a panic that escapes the child unwinds into the parent's code, which \
                 the child then runs (code {ESCAPED}: the test stopped a child that had unwound into it)"
            );
            assert_eq!(
                shared.ran_in(2),
                Some(results[2].pid.as_raw()),
                "the job after the panicking one must still run in its own child"
            );
        })
    }
}

mod process_api {
    use super::*;
    use processes::process_api::Process;
    use std::panic::{AssertUnwindSafe, catch_unwind};

    /// Starts `p` and returns a guard that kills and reaps its child whatever happens next.
    fn start(p: &mut Process) -> Reap {
        p.start().expect("start");
        Reap(p.pid().into_iter().collect())
    }

    #[test]
    fn start_runs_the_target_in_a_child() {
        within(|| {
            let shared = Shared::new();
            let mut p = Process::new("writer", move || {
                shared.publish_pid(0);
                0
            });
            assert_eq!(p.name(), "writer", "name() returns the name given to new()");
            assert_eq!(p.pid(), None, "pid() is None before start()");
            assert_eq!(p.exitcode(), None, "exitcode() is None before start()");
            let exits = exit_handlers_run();
            let _reap = start(&mut p);
            let pid = p.pid().expect("pid() is Some after start()");
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
                shared.ran_in(0),
                Some(pid.as_raw()),
                "the target did not run in the child whose pid is reported"
            );
            assert_eq!(
                p.pid(),
                Some(pid),
                "pid() still gives the child's pid after join(), as in Python"
            );
            assert_no_exit_handlers_since(exits);
        })
    }

    #[test]
    fn a_process_that_is_not_started() {
        within(|| {
            let mut p = Process::new("idle", || 0);
            assert!(!p.is_alive(), "is_alive() is false before start()");
            assert_eq!(
                p.join().expect("join() before start() is not an error"),
                None,
                "join() before start() has nothing to wait for: Ok(None)"
            );
            p.terminate().expect(
                "terminate() before start() has no child to signal: it does nothing, Ok(())",
            );
            assert_eq!(
                (p.pid(), p.exitcode()),
                (None, None),
                "a process that was never started has no pid and no exitcode"
            );
        })
    }

    #[test]
    fn the_targets_return_value_is_the_exitcode() {
        within(|| {
            for code in [7, 0, 255] {
                let mut p = Process::new("coded", move || code);
                let _reap = start(&mut p);
                assert_eq!(
                    p.join().expect("join"),
                    Some(code),
                    "exit status: the target returned {code}"
                );
                assert_eq!(p.exitcode(), Some(code), "exitcode() after join()");
            }
        })
    }

    #[test]
    fn join_reaps_the_child() {
        within(|| {
            let mut p = Process::new("quick", || 0);
            let _reap = start(&mut p);
            let pid = p.pid().expect("pid after start");
            p.join().expect("join");
            assert_reaped(pid);
        })
    }

    #[test]
    fn join_twice_gives_the_same_code() {
        within(|| {
            let mut p = Process::new("twice", || 6);
            let _reap = start(&mut p);
            assert_eq!(
                p.join().expect("join"),
                Some(6),
                "exit status: the target returned 6"
            );
            let again = p.join().unwrap_or_else(|e| {
                panic!(
                    "join() a second time failed ({e}): the child was reaped by the first join, so waitpid \
                     has nothing left to wait for (ECHILD); once exitcode is known, return it"
                )
            });
            assert_eq!(
                again,
                Some(6),
                "join() a second time returns the same exit code"
            );
            assert!(!p.is_alive(), "is_alive() is false after join()");
            assert_eq!(p.exitcode(), Some(6), "exitcode() after two joins");
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
            let _reap = start(&mut p);
            let pid = p.pid().expect("pid after start");
            assert!(
                p.is_alive(),
                "is_alive() is false while the child is still running"
            );
            assert_eq!(
                p.exitcode(),
                None,
                "exitcode() is None while the child runs"
            );
            gate.open();
            let ended = procfs::eventually(PATIENCE, || !p.is_alive());
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
            let joined = p.join().unwrap_or_else(|e| {
                panic!(
                    "join() after is_alive() saw the end failed ({e}): is_alive() already reaped the child, \
                     so join() must return the recorded exitcode instead of waiting again"
                )
            });
            assert_eq!(joined, Some(3), "join() after is_alive() returned false");
        })
    }

    #[test]
    fn is_alive_is_false_as_soon_as_it_sees_the_end() {
        within(|| {
            let mut p = Process::new("brief", || 4);
            let _reap = start(&mut p);
            let pid = p.pid().expect("pid after start");
            until_zombie(pid);
            // The child has exited: the very first call must say so.
            assert!(
                !p.is_alive(),
                "is_alive() returned true for a child that had already exited (a zombie): when waitpid \
                 with WNOHANG reports an ending, the answer is false"
            );
            assert_eq!(
                p.exitcode(),
                Some(4),
                "is_alive() saw the child end: it must record its exitcode"
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
            let _reap = start(&mut p);
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
    fn terminate_after_the_child_exited_changes_nothing() {
        within(|| {
            let mut p = Process::new("done", || 5);
            let _reap = start(&mut p);
            let pid = p.pid().expect("pid after start");
            until_zombie(pid);
            p.terminate().expect(
                "terminate() on a child that exited but was not reaped yet (a zombie) is harmless: Ok(())",
            );
            assert_eq!(
                p.join().expect("join"),
                Some(5),
                "the child had exited with 5 before terminate(): its exitcode stays 5"
            );
            p.terminate().unwrap_or_else(|e| {
                panic!(
                    "terminate() after join() must do nothing (Ok), but it signalled and failed ({e}): the \
                     child was reaped, its pid is free and may already belong to another process"
                )
            });
            assert_eq!(
                p.exitcode(),
                Some(5),
                "terminate() after join() changes nothing"
            );
        })
    }

    #[test]
    fn a_panicking_target_exits_with_1() {
        within(|| {
            let mut p = Process::new("faulty", || panic_in_child("the target failed"));
            let _reap = start(&mut p);
            assert_eq!(
                p.join().expect("join"),
                Some(1),
                "exit status: a target that panics ends its child with code 1 (like an exception in Python); \
                 the parent goes on"
            );
        })
    }

    #[test]
    fn a_target_killed_by_a_signal_reports_minus_the_signal() {
        within(|| {
            let mut p = Process::new("killed", || {
                let _ = kill(getpid(), Signal::SIGKILL);
                0
            });
            let _reap = start(&mut p);
            assert_eq!(
                p.join().expect("join"),
                Some(-9),
                "exit status: a child killed by SIGKILL has no exit code; its exitcode is minus the signal \
                 number (-9), as in Python"
            );
        })
    }

    #[test]
    fn start_twice_panics() {
        within(|| {
            let mut p = Process::new("once", || 0);
            let _reap = start(&mut p);
            let first = p.pid();
            let again = catch_unwind(AssertUnwindSafe(|| p.start()));
            if let Err(payload) = again {
                unless_todo(payload);
            } else {
                panic!(
                    "start() a second time must panic (a process can be started only once, as in Python); \
                     it returned {again:?}"
                );
            }
            assert_eq!(
                p.pid(),
                first,
                "a second start() must not start another child"
            );
            p.join().expect("join");
        })
    }

    #[test]
    fn several_processes_run_at_the_same_time() {
        within(|| {
            let shared = Shared::new();
            let count = 6;
            let mut processes: Vec<Process> = (0..count)
                .map(|i| {
                    Process::new(
                        &format!("p{i}"),
                        move || {
                            if shared.meet(count) { 0 } else { 99 }
                        },
                    )
                })
                .collect();
            let mut reap = Reap(Vec::new());
            for p in &mut processes {
                p.start().expect("start");
                reap.0.extend(p.pid());
            }
            let codes: Vec<Option<i32>> = processes
                .iter_mut()
                .map(|p| p.join().expect("join"))
                .collect();
            assert!(
                codes.iter().all(|c| *c == Some(0)),
                "the processes did not run at the same time: start() must return as soon as the child is \
                 forked, without waiting for the target to finish; exit codes {codes:?}"
            );
        })
    }
}

mod subprocess {
    use super::*;
    use processes::subprocess::communicate;
    use std::sync::Barrier;

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
    fn an_empty_input_is_an_immediate_end_of_input() {
        within(|| {
            let out = communicate("cat", &[], "").expect("run cat");
            assert_eq!(
                (out.stdout.as_str(), out.code, out.signal),
                ("", Some(0), None),
                "with no input, the child reads end-of-file at once: close its stdin even when there is \
                 nothing to write"
            );
        })
    }

    #[test]
    fn arguments_are_passed_one_by_one_without_a_shell() {
        within(|| {
            let args = ["a b", "*", "$HOME", "it's"];
            let out = communicate("printf", &["%s|", args[0], args[1], args[2], args[3]], "")
                .expect("run printf");
            assert_eq!(
                out.stdout, "a b|*|$HOME|it's|",
                "each argument must reach the program as it is, one argument each (`Command::args`): no \
                 shell in between to split at spaces, expand `*` or `$HOME`, or choke on a quote"
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
            for (signal, number) in [("TERM", 15), ("KILL", 9)] {
                let script = format!("kill -{signal} $$");
                let out = communicate("sh", &["-c", &script], "").expect("run sh");
                assert_eq!(
                    (out.code, out.signal),
                    (None, Some(number)),
                    "a child killed by a signal has no exit code: report the signal (SIG{signal} = {number})"
                );
            }
        })
    }

    #[test]
    fn a_large_input_does_not_deadlock() {
        within(|| {
            let input: String = (0..100_000).map(|i| format!("line {i}\n")).collect();
            let out = communicate("cat", &[], &input).expect("run cat");
            assert!(
                out.stdout == input,
                "cat must echo its whole input ({} of {} bytes came back): read stdout to its end, not \
                 with a single read (a pipe hands out at most 64 KiB at a time)",
                out.stdout.len(),
                input.len()
            );
        })
    }

    #[test]
    fn a_child_that_writes_a_lot_before_reading_does_not_deadlock() {
        within(|| {
            // The child fills its stdout pipe before it reads a byte of its input, which is also
            // more than a pipe holds.
            let mut rng = grading::fastrand::Rng::with_seed(11);
            let before = 150_000 + rng.usize(..50_000);
            let input: String = (0..20_000).map(|i| format!("in {i}\n")).collect();
            let script = format!("head -c {before} /dev/zero | tr '\\0' x; cat");
            let out = communicate("sh", &["-c", &script], &input).expect("run sh");
            let expected = format!("{}{input}", "x".repeat(before));
            assert!(
                out.stdout == expected,
                "the child wrote {before} bytes before reading its input ({} bytes): {} of {} bytes came \
                 back; write the input from one thread while another reads the output, so that neither \
                 pipe can fill up while you wait on the other",
                input.len(),
                out.stdout.len(),
                expected.len()
            );
        })
    }

    #[test]
    fn a_child_that_does_not_read_its_input_is_not_an_error() {
        within(|| {
            // More input than a pipe holds, to programs that exit without reading it all: the
            // writer meets a closed pipe (EPIPE), which is the child's choice, not a failure.
            let input = "y".repeat(300_000);
            let head = communicate("head", &["-c", "5"], &input).unwrap_or_else(|e| {
                panic!(
                    "a child that stops reading early is not an error ({e}): writing to its closed stdin \
                     fails with BrokenPipe, which communicate must ignore and report how the child ended"
                )
            });
            assert_eq!(
                (head.stdout.as_str(), head.code),
                ("yyyyy", Some(0)),
                "head -c 5 read 5 bytes and exited"
            );
            let exit = communicate("sh", &["-c", "exit 4"], &input).unwrap_or_else(|e| {
                panic!(
                    "a child that exits without reading its input is not an error ({e}): ignore \
                     BrokenPipe when writing and report its exit code"
                )
            });
            assert_eq!(
                (exit.code, exit.signal),
                (Some(4), None),
                "exit status: the child exited with 4 without reading"
            );
        })
    }

    #[test]
    fn a_missing_program_is_an_error_not_a_panic() {
        within(|| {
            let err = communicate("no-such-program-in-the-kit", &[], "")
                .expect_err("a missing program is an Err");
            assert_eq!(
                err.kind(),
                std::io::ErrorKind::NotFound,
                "a missing program is reported as the spawn error (NotFound): {err}"
            );
        })
    }

    #[test]
    fn several_threads_communicate_at_once() {
        within(|| {
            let threads = 4;
            let start = Barrier::new(threads);
            let outcomes: Vec<_> = std::thread::scope(|s| {
                let handles: Vec<_> = (0..threads)
                    .map(|i| {
                        let start = &start;
                        s.spawn(move || {
                            let input = format!("thread {i}\n").repeat(1000 * (i + 1));
                            start.wait();
                            (input.clone(), communicate("cat", &[], &input))
                        })
                    })
                    .collect();
                handles.into_iter().map(|h| h.join()).collect()
            });
            let mut pids = Vec::new();
            for (i, outcome) in outcomes.into_iter().enumerate() {
                let (input, out) = match outcome {
                    Ok(pair) => pair,
                    Err(payload) => std::panic::resume_unwind(payload),
                };
                let out = out.expect("run cat");
                assert!(
                    out.stdout == input,
                    "calls from several threads at once: thread {i} got {} bytes back instead of its own \
                     {} (each call owns its child and its pipes; nothing may be shared between calls)",
                    out.stdout.len(),
                    input.len()
                );
                assert_reaped(Pid::from_raw(out.pid as i32));
                pids.push(out.pid);
            }
            pids.sort();
            pids.dedup();
            assert_eq!(pids.len(), threads, "each call runs its own child");
        })
    }
}

mod isolation {
    use super::*;
    use processes::isolation::{Ending, Report, Task, run_isolated};

    fn task(name: &str, work: impl FnOnce() + 'static) -> Task {
        (name.to_owned(), Box::new(work))
    }

    /// Runs the tasks; a panic in the parent is the isolation failure the topic is about.
    fn run(tasks: Vec<Task>) -> (Vec<Report>, Reap) {
        let outcome =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| run_isolated(tasks)));
        let reports = match outcome {
            Ok(reports) => reports.expect("fork failed"),
            Err(payload) => panic!(
                "isolation: a failing child brought the parent down (it panicked too: {}); report it instead",
                panic_message(&*unless_todo(payload))
            ),
        };
        let reap = Reap(reports.iter().map(|r| r.pid).collect());
        (reports, reap)
    }

    #[test]
    fn failures_stay_in_their_child_and_are_reported() {
        within(|| {
            let shared = Shared::new();
            let tasks = vec![
                task("fine", || {}),
                task("panics", || panic_in_child("task failed")),
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
                task("exits-255", || {
                    // Safety: ends this child process at once.
                    unsafe { libc::_exit(255) }
                }),
                task("last", move || shared.publish_pid(0)),
            ];
            let (reports, _reap) = run(tasks);
            let names: Vec<&str> = reports.iter().map(|r| r.name.as_str()).collect();
            assert_eq!(
                names,
                [
                    "fine",
                    "panics",
                    "exits-3",
                    "killed",
                    "terminated",
                    "exits-255",
                    "last"
                ],
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
                (endings[2], endings[5]),
                (Ending::Failed(3), Ending::Failed(255)),
                "exit status: the tasks exited with codes 3 and 255"
            );
            assert_eq!(
                &endings[3..5],
                [
                    Ending::Killed(Signal::SIGKILL),
                    Ending::Killed(Signal::SIGTERM)
                ],
                "a child killed by a signal has no exit code: report it as killed by that signal"
            );
            assert_eq!(endings[6], Ending::Success, "the last task");
            assert!(
                shared.ran_in(0).is_some(),
                "isolation: the last task never ran; the failures of the others must not stop it"
            );
        })
    }

    #[test]
    fn each_task_runs_in_its_own_process_and_is_reaped() {
        within(|| {
            let shared = Shared::new();
            let tasks = (0..3)
                .map(|i| task(&format!("t{i}"), move || shared.publish_pid(i)))
                .collect();
            let exits = exit_handlers_run();
            let (reports, _reap) = run(tasks);
            assert_eq!(reports.len(), 3, "one report per task");
            for (i, r) in reports.iter().enumerate() {
                assert_ne!(
                    r.pid,
                    getpid(),
                    "isolation: task {i} ran in the parent's own process"
                );
                assert_eq!(
                    shared.ran_in(i),
                    Some(r.pid.as_raw()),
                    "the report of task {i} must carry the pid of the process that ran it"
                );
            }
            let mut pids: Vec<Pid> = reports.iter().map(|r| r.pid).collect();
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
            assert_no_exit_handlers_since(exits);
        })
    }

    #[test]
    fn no_tasks_no_reports() {
        within(|| {
            let (reports, _reap) = run(Vec::new());
            assert!(
                reports.is_empty(),
                "run_isolated(vec![]) starts nothing and reports nothing, got {reports:?}"
            );
        })
    }

    #[test]
    fn a_failed_fork_is_an_error_and_the_started_children_are_reaped() {
        within(|| {
            // Room for two children: the third fork fails.
            with_room_for(2, || {
                let tasks: Vec<Task> = (0..5).map(|i| task(&format!("t{i}"), || {})).collect();
                let outcome =
                    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| run_isolated(tasks)))
                        .map_err(|payload| panic_message(&*unless_todo(payload)))?;
                let left = unreaped_children();
                match outcome {
                    Err(_) if left.is_empty() => Ok(()),
                    Err(e) => Err(format!(
                        "zombie: a fork failed ({e}) and run_isolated returned the error, but left the children \
                         it had already started unreaped ({left:?}): wait for each of them before returning \
                         the error"
                    )),
                    Ok(reports) if reports.len() == 5 && left.is_empty() => Ok(()),
                    Ok(reports) => Err(format!(
                        "fork failed after some children had started, but run_isolated returned {} reports \
                         (children left: {left:?}): a failed fork is an error (Err) once the children \
                         already started are reaped",
                        reports.len()
                    )),
                }
            })
        })
    }

    #[test]
    fn tasks_run_at_the_same_time() {
        within(|| {
            let shared = Shared::new();
            let count = 8;
            let tasks = (0..count)
                .map(|i| {
                    task(&format!("t{i}"), move || {
                        if !shared.meet(count) {
                            // Safety: ends this child process at once.
                            unsafe { libc::_exit(99) }
                        }
                    })
                })
                .collect();
            let (reports, _reap) = run(tasks);
            let endings: Vec<Ending> = reports.iter().map(|r| r.ending).collect();
            assert!(
                endings.len() == count && endings.iter().all(|e| *e == Ending::Success),
                "the tasks did not run at the same time: fork a child for every task first, then wait for \
                 them (waiting inside the fork loop, or for one child before forking the next, runs them \
                 one at a time): {endings:?}"
            );
        })
    }

    #[test]
    fn reports_are_in_task_order_even_when_tasks_end_in_reverse() {
        within(|| {
            let shared = Shared::new();
            let count = 5;
            // Task i ends only after task i + 1 has ended: the last task ends first.
            let tasks = (0..count)
                .map(|i| {
                    task(&format!("t{i}"), move || {
                        shared.publish_pid(i);
                        if i + 1 < count {
                            shared.wait_until_ended(i + 1);
                        }
                        // Safety: ends this child process at once.
                        unsafe { libc::_exit(40 + i as i32) }
                    })
                })
                .collect();
            let (reports, _reap) = run(tasks);
            for (i, r) in reports.iter().enumerate() {
                assert_eq!(
                    (r.name.clone(), r.pid.as_raw(), r.ending),
                    (
                        format!("t{i}"),
                        shared.ran_in(i).unwrap_or(0),
                        Ending::Failed(40 + i as i32)
                    ),
                    "task order: report {i} must be task {i}'s name, pid and ending even when the tasks end \
                     in another order (here the last task ended first); wait for each pid in task order, or \
                     put what waitpid(-1) returns back in its task's place"
                );
            }
        })
    }
}
