//! Grading suite for the `signals` topic.
//!
//! The tests send real signals to real processes built from the crate's own binaries
//! (`src/bin/signals-*.rs`) and check what can be seen from outside: the exit status, what the
//! program printed, which processes are left. Each exercise's functions are also driven
//! directly, at exact points: `serve` reads a scripted conversation that sets the stop flag in
//! the middle of a job; `reap_ended` runs in a forked "lab" process whose only children are the
//! ones the test starts there; `Supervisor::run` supervises shell children that end on their
//! own, handle SIGTERM or are killed. Every started process is killed in a `Drop` guard, even
//! when a test fails.

use std::os::unix::process::ExitStatusExt;
use std::time::Duration;

use grading::{PATIENCE, Program, fastrand, procfs, within};
use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;

/// Sends `signal` to the program under test.
fn send_signal(program: &Program, signal: Signal) {
    kill(Pid::from_raw(program.pid() as i32), signal).expect("the program is running");
}

/// Kills a process that is not our child (a grandchild) if it is still running at the end.
struct KillIfRunning {
    pid: i32,
    needle: &'static str,
}

impl Drop for KillIfRunning {
    fn drop(&mut self) {
        // Check the command line first: a pid that ended may have been given to someone else.
        if procfs::is_running(self.pid) && procfs::cmdline(self.pid).contains(self.needle) {
            let _ = kill(Pid::from_raw(self.pid), Signal::SIGKILL);
        }
    }
}

fn signal_name(signal: i32) -> String {
    Signal::try_from(signal)
        .map(|s| s.as_str().to_owned())
        .unwrap_or_else(|_| format!("signal {signal}"))
}

mod graceful {
    use super::*;
    use signals::graceful::serve;
    use std::cell::RefCell;
    use std::io::{self, BufRead, Read, Write};
    use std::rc::Rc;
    use std::sync::atomic::{AtomicBool, Ordering};

    const WORKER: &str = env!("CARGO_BIN_EXE_signals-worker");

    /// What `serve` wrote, and how much of it it had flushed.
    #[derive(Default)]
    struct Written {
        bytes: Vec<u8>,
        flushed: usize,
    }

    /// The `out` given to `serve`: records writes and flushes.
    #[derive(Clone, Default)]
    struct Out(Rc<RefCell<Written>>);

    impl Out {
        fn text(&self) -> String {
            String::from_utf8_lossy(&self.0.borrow().bytes).into_owned()
        }

        fn flushed_text(&self) -> String {
            let written = self.0.borrow();
            String::from_utf8_lossy(&written.bytes[..written.flushed]).into_owned()
        }
    }

    impl Write for Out {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.0.borrow_mut().bytes.extend_from_slice(buf);
            Ok(buf.len())
        }

        fn flush(&mut self) -> io::Result<()> {
            let mut written = self.0.borrow_mut();
            written.flushed = written.bytes.len();
            Ok(())
        }
    }

    /// The `jobs` given to `serve`: hands out one line at a time and runs `before(k)` just
    /// before line `k` is read, so a test can act at an exact point of the conversation (set
    /// the stop flag in the middle of a job, look at what was flushed so far).
    struct Script<'a> {
        lines: Vec<String>,
        next: usize,
        current: Vec<u8>,
        at: usize,
        before: Box<dyn FnMut(usize) + 'a>,
    }

    impl<'a> Script<'a> {
        fn new(lines: &[String], before: impl FnMut(usize) + 'a) -> Script<'a> {
            Script {
                lines: lines.to_vec(),
                next: 0,
                current: Vec::new(),
                at: 0,
                before: Box::new(before),
            }
        }

        /// How many lines `serve` has asked for.
        fn lines_read(&self) -> usize {
            self.next
        }
    }

    impl Read for Script<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let available = self.fill_buf()?;
            let n = available.len().min(buf.len());
            buf[..n].copy_from_slice(&available[..n]);
            self.consume(n);
            Ok(n)
        }
    }

    impl BufRead for Script<'_> {
        fn fill_buf(&mut self) -> io::Result<&[u8]> {
            if self.at == self.current.len() && self.next < self.lines.len() {
                (self.before)(self.next);
                self.current = format!("{}\n", self.lines[self.next]).into_bytes();
                self.at = 0;
                self.next += 1;
            }
            Ok(&self.current[self.at..])
        }

        fn consume(&mut self, amount: usize) {
            self.at += amount;
        }
    }

    /// The lines of `jobs` (name, payload) and what `serve` must answer when it does them all.
    fn conversation(jobs: &[(String, String)]) -> (Vec<String>, String) {
        let lines = jobs
            .iter()
            .flat_map(|(name, payload)| [name.clone(), payload.clone()])
            .collect();
        let mut answer: String = jobs
            .iter()
            .map(|(name, payload)| {
                format!("begin {name}\nend {name}: {}\n", payload.to_uppercase())
            })
            .collect();
        answer.push_str(&format!("bye {}\n", jobs.len()));
        (lines, answer)
    }

    fn word(rng: &mut fastrand::Rng) -> String {
        let len = rng.usize(1..10);
        (0..len).map(|_| rng.lowercase()).collect()
    }

    fn jobs(rng: &mut fastrand::Rng, count: usize) -> Vec<(String, String)> {
        (0..count)
            .map(|i| (format!("job{i}-{}", word(rng)), word(rng)))
            .collect()
    }

    #[test]
    fn serve_answers_every_job_and_returns_how_many() {
        within(|| {
            let mut rng = fastrand::Rng::with_seed(3);
            let random = rng.usize(10..40);
            for count in [0, 1, 2, 7, random] {
                let jobs = jobs(&mut rng, count);
                let (lines, answer) = conversation(&jobs);
                let out = Out::default();
                let stop = AtomicBool::new(false);
                // Before each line is read, every answer so far must be flushed: the client
                // waits for `begin NAME` before it sends the payload, and for `end NAME` before
                // it sends the next job.
                let watched = out.clone();
                let answers: Vec<&str> = answer.split_inclusive('\n').collect();
                let mut unflushed = None;
                let mut script = Script::new(&lines, |line| {
                    let due: String = answers[..line].concat();
                    if unflushed.is_none() && watched.flushed_text() != due {
                        unflushed = Some((line, due, watched.flushed_text()));
                    }
                });
                let done = serve(&mut script, out.clone(), &stop).expect("serve");
                drop(script);
                if let Some((line, due, flushed)) = unflushed {
                    panic!(
                        "an answer was not flushed before the next line was read (line {line} of the input; \
                         due: {due:?}, flushed: {flushed:?}): the client waits for each answer before it \
                         sends more; flush after each line"
                    );
                }
                assert_eq!(
                    out.text(),
                    answer,
                    "with {count} jobs and no stop: each job is answered with `begin NAME` then \
                     `end NAME: PAYLOAD` (upper-cased), and `bye N` at the end of input"
                );
                assert_eq!(
                    done, count,
                    "serve returns the number of jobs done ({count}), the N of `bye N`"
                );
                assert_eq!(
                    out.flushed_text(),
                    answer,
                    "graceful shutdown: everything, `bye N` included, must be flushed before serve returns"
                );
            }
        })
    }

    #[test]
    fn a_stop_during_a_job_finishes_it_and_reads_no_further() {
        within(|| {
            let mut rng = fastrand::Rng::with_seed(4);
            let jobs = jobs(&mut rng, 4);
            let (lines, full) = conversation(&jobs);
            for during in [0, 2] {
                let out = Out::default();
                let stop = AtomicBool::new(false);
                let watched = out.clone();
                let mut unflushed = None;
                let mut script = Script::new(&lines, |line| {
                    if line == 2 * during + 1 {
                        // The job's name has been read, its payload not yet: the job is in
                        // progress, and `begin NAME` must already be out.
                        let name = &jobs[during].0;
                        if !watched.flushed_text().ends_with(&format!("begin {name}\n")) {
                            unflushed = Some(watched.flushed_text());
                        }
                        stop.store(true, Ordering::SeqCst);
                    }
                });
                let done = serve(&mut script, out.clone(), &stop).expect("serve");
                let read = script.lines_read();
                drop(script);
                if let Some(flushed) = unflushed {
                    panic!(
                        "`begin {}` was not flushed before the payload was read (flushed so far: {flushed:?}): \
                         the client waits for it before it sends the payload; flush after each line",
                        jobs[during].0
                    );
                }
                let expected: String = full
                    .lines()
                    .take(2 * (during + 1))
                    .map(|l| format!("{l}\n"))
                    .chain([format!("bye {}\n", during + 1)])
                    .collect();
                assert_eq!(
                    read,
                    2 * (during + 1),
                    "did not stop on SIGTERM: the stop came during job {during}, which must be finished, but \
                     serve read {read} lines instead of {}: check the flag between jobs, before reading the \
                     next name",
                    2 * (during + 1)
                );
                assert_eq!(
                    out.text(),
                    expected,
                    "graceful shutdown: a stop during job {during} lets that job finish, then `bye N`"
                );
                assert_eq!(done, during + 1, "serve returns the number of jobs done");
                assert_eq!(out.flushed_text(), expected, "`bye N` must be flushed");
            }
        })
    }

    #[test]
    fn a_stop_before_the_first_job_reads_nothing() {
        within(|| {
            let lines = ["a".to_owned(), "x".to_owned()];
            let out = Out::default();
            let stop = AtomicBool::new(true);
            let mut script = Script::new(&lines, |_| {});
            let done = serve(&mut script, out.clone(), &stop).expect("serve");
            assert_eq!(
                (script.lines_read(), out.flushed_text().as_str(), done),
                (0, "bye 0\n", 0),
                "a stop that came before any job: no job is read or begun, `bye 0` is written and flushed, \
                 serve returns 0"
            );
        })
    }

    #[test]
    fn input_that_ends_in_the_middle_of_a_job() {
        within(|| {
            let lines = ["a".to_owned(), "x".to_owned(), "b".to_owned()];
            let out = Out::default();
            let stop = AtomicBool::new(false);
            let mut script = Script::new(&lines, |_| {});
            let done = serve(&mut script, out.clone(), &stop).expect("serve");
            assert_eq!(
                (out.flushed_text().as_str(), done),
                ("begin a\nend a: X\nbegin b\nbye 1\n", 1),
                "the input ended after job b's name: b began but was never done (no payload, no `end`), \
                 so `bye 1` — N counts the jobs done — and serve returns 1"
            );
        })
    }

    fn stop_during_a_job(signal: Signal) {
        let mut worker = Program::start(WORKER, &[]);
        assert_eq!(worker.line("ready"), "ready");
        worker.send("job1\n");
        assert_eq!(
            worker.line("begin job1"),
            "begin job1",
            "the worker announces each job"
        );
        // The job is in progress: it still needs its payload line.
        send_signal(&worker, signal);
        worker.send("payload\n");
        let Some(status) = worker.wait(PATIENCE) else {
            panic!(
                "did not stop on {signal}: after the job in progress the worker went on waiting for the next one; \
                 check the flag between jobs, before reading the next"
            );
        };
        let rest = worker.rest();
        let finished = rest.iter().any(|l| l == "end job1: PAYLOAD");
        match status.signal() {
            Some(killer) if killer == signal as i32 => panic!(
                "killed by {signal}: nothing caught it, so its default action killed the worker mid-job; \
                 install a handler that sets a flag, for SIGTERM and SIGINT"
            ),
            _ if !finished => panic!(
                "graceful shutdown: the job in progress was not finished (the worker ended with {status}; output \
                 after the signal: {rest:?}); the handler must only set a flag — the worker finishes its job, then stops"
            ),
            Some(killer) => panic!(
                "the worker crashed ({}) after its last job",
                signal_name(killer)
            ),
            None => {}
        }
        assert_eq!(
            rest.last().map(String::as_str),
            Some("bye 1"),
            "graceful shutdown: the summary `bye N` must be written and flushed before exiting"
        );
        assert!(
            status.success(),
            "a graceful shutdown exits with status 0, got {status}"
        );
    }

    #[test]
    fn sigterm_lets_the_job_in_progress_finish() {
        within(|| stop_during_a_job(Signal::SIGTERM))
    }

    #[test]
    fn sigint_lets_the_job_in_progress_finish() {
        within(|| stop_during_a_job(Signal::SIGINT))
    }

    #[test]
    fn without_a_signal_it_serves_until_end_of_input() {
        within(|| {
            let mut worker = Program::start(WORKER, &[]);
            assert_eq!(worker.line("ready"), "ready");
            worker.send("a\nfirst\nb\nsecond\n");
            worker.close_stdin();
            let status = worker
                .wait(PATIENCE)
                .expect("did not finish: the worker did not stop at end of input");
            assert_eq!(
                worker.rest(),
                [
                    "begin a",
                    "end a: FIRST",
                    "begin b",
                    "end b: SECOND",
                    "bye 2"
                ],
                "each job is answered with `begin NAME` then `end NAME: PAYLOAD`, then `bye N` at the end"
            );
            assert!(
                status.success(),
                "exit status 0 at end of input, got {status}"
            );
        })
    }
}

mod reaper {
    use super::*;
    use grading::lab::{Reap, in_a_lab};
    use nix::unistd::{ForkResult, fork, getpid};
    use signals::reaper::{reap_ended, watch_children};
    use std::os::fd::{AsRawFd, OwnedFd};
    use std::sync::atomic::Ordering;

    const REAPER: &str = env!("CARGO_BIN_EXE_signals-reaper");

    /// In a lab: forks a child that ends with `code`, or is killed by `signal` if given.
    fn child(code: i32, signal: Option<Signal>) -> Pid {
        // Safety: the child only signals itself and `_exit`s.
        match unsafe { fork() }.expect("fork") {
            ForkResult::Child => {
                if let Some(signal) = signal {
                    let _ = kill(getpid(), signal);
                }
                // Safety: ends the child at once.
                unsafe { libc::_exit(code) }
            }
            ForkResult::Parent { child } => child,
        }
    }

    /// In a lab: forks a child that runs until `gate`'s write end is closed, then exits 7.
    fn gated_child(gate: &(OwnedFd, OwnedFd)) -> Pid {
        let (read, write) = (gate.0.as_raw_fd(), gate.1.as_raw_fd());
        // Safety: the child only closes, reads and `_exit`s.
        match unsafe { fork() }.expect("fork") {
            ForkResult::Child => {
                // Safety: plain syscalls on descriptors this child owns.
                unsafe {
                    libc::close(write);
                    let mut byte = 0u8;
                    libc::read(read, (&raw mut byte).cast(), 1);
                    libc::_exit(7)
                }
            }
            ForkResult::Parent { child } => child,
        }
    }

    /// In a lab: waits (bounded) until every pid has exited and is a zombie.
    fn until_zombies(pids: &[Pid]) -> Result<(), String> {
        let all = || {
            pids.iter()
                .all(|p| procfs::stat(p.as_raw()).is_some_and(|s| s.is_zombie()))
        };
        if procfs::eventually(PATIENCE, all) {
            Ok(())
        } else {
            Err(format!(
                "the children {pids:?} should have exited by now; were they reaped by something else?"
            ))
        }
    }

    /// In a lab: calls `reap_ended`, turning a failure into a verdict.
    fn reap() -> Result<Vec<(Pid, i32)>, String> {
        reap_ended().map_err(|e| {
            if e == nix::errno::Errno::ECHILD {
                "reap_ended failed with ECHILD, which only says that no child is left: ECHILD means there \
                 is nothing to reap — end the loop and return what was reaped (maybe an empty list), not \
                 an error"
                    .to_owned()
            } else {
                format!("reap_ended failed: {e}")
            }
        })
    }

    fn check(ok: bool, message: impl FnOnce() -> String) -> Result<(), String> {
        if ok { Ok(()) } else { Err(message()) }
    }

    #[test]
    fn reap_ended_collects_every_ended_child_with_its_code() {
        within(|| {
            in_a_lab(
                "reap_ended blocked; with WNOHANG, waitpid answers at once",
                || {
                    let mut rng = fastrand::Rng::with_seed(9);
                    let mut wanted: Vec<(Pid, i32)> = (0..10)
                        .map(|_| {
                            let code = rng.i32(0..=255);
                            (child(code, None), code)
                        })
                        .collect();
                    wanted.push((child(0, Some(Signal::SIGKILL)), -9));
                    wanted.push((child(0, Some(Signal::SIGTERM)), -15));
                    let _reap = Reap(wanted.iter().map(|(p, _)| *p).collect());
                    let pids: Vec<Pid> = wanted.iter().map(|(p, _)| *p).collect();
                    until_zombies(&pids)?;
                    let mut reaped = reap()?;
                    reaped.sort();
                    wanted.sort();
                    check(reaped.len() == wanted.len(), || {
                        format!(
                            "zombie: {} children had ended but reap_ended returned {}: one call must reap \
                             every ended child (signals do not queue: call waitpid with WNOHANG in a loop \
                             until none is left)",
                            wanted.len(),
                            reaped.len()
                        )
                    })?;
                    check(reaped == wanted, || {
                        format!(
                            "exit status: reap_ended must give each child's pid and exit code, or minus the \
                             signal number for a child killed by a signal (-9, -15); wanted {wanted:?}, got \
                             {reaped:?}"
                        )
                    })?;
                    let again = reap()?;
                    check(again.is_empty(), || {
                        format!(
                            "a second call found {again:?}, but every child had been reaped already"
                        )
                    })?;
                    let left: Vec<&Pid> = pids
                        .iter()
                        .filter(|p| procfs::stat(p.as_raw()).is_some())
                        .collect();
                    check(left.is_empty(), || {
                        format!("zombie: {left:?} are still in the process table after reap_ended")
                    })
                },
            )
        })
    }

    #[test]
    fn reap_ended_leaves_running_children_and_never_blocks() {
        within(|| {
            in_a_lab(
                "reaping blocked on a child that is still running; ask waitpid with WNOHANG, which \
                 answers StillAlive instead of waiting",
                || {
                    let ended =
                        watch_children().map_err(|e| format!("watch_children failed: {e}"))?;
                    check(!ended.load(Ordering::SeqCst), || {
                        "the SIGCHLD flag is set before any child ended".to_owned()
                    })?;
                    let gate = nix::unistd::pipe().map_err(|e| e.to_string())?;
                    let running = gated_child(&gate);
                    let quick = [child(3, None), child(4, None)];
                    let _reap = Reap(vec![running, quick[0], quick[1]]);
                    until_zombies(&quick)?;
                    check(
                        procfs::eventually(PATIENCE, || ended.load(Ordering::SeqCst)),
                        || {
                            "watch_children: two children ended but the flag was never set: register \
                             SIGCHLD (signal_hook::flag::register) so that a child's end sets it"
                                .to_owned()
                        },
                    )?;
                    let mut reaped = reap()?;
                    reaped.sort();
                    let mut wanted = vec![(quick[0], 3), (quick[1], 4)];
                    wanted.sort();
                    check(reaped == wanted, || {
                        format!(
                            "reap_ended must return the two children that ended ({wanted:?}) and leave the \
                             running one alone; got {reaped:?}"
                        )
                    })?;
                    check(procfs::is_running(running.as_raw()), || {
                        "the child that was still running is gone".to_owned()
                    })?;
                    let none = reap()?;
                    check(none.is_empty(), || {
                        format!(
                            "no child ended since the last call, yet reap_ended returned {none:?}"
                        )
                    })?;
                    // Now the running child ends too.
                    drop(gate);
                    until_zombies(&[running])?;
                    let last = reap()?;
                    check(last == [(running, 7)], || {
                        format!(
                            "the child that ended later must be reaped then, with code 7; got {last:?}"
                        )
                    })?;
                    let empty = reap()?;
                    check(empty.is_empty(), || {
                        format!("with no children at all, reap_ended returned {empty:?}")
                    })
                },
            )
        })
    }

    #[test]
    fn every_ended_child_is_reaped_on_sigchld() {
        within(|| {
            let mut program = Program::start(REAPER, &[]);
            let Some(status) = program.wait(Duration::from_secs(4)) else {
                panic!(
                    "did not finish: reaping blocked on a child that is still running; \
                     ask waitpid with WNOHANG, which answers StillAlive instead of waiting"
                );
            };
            let lines = program.rest();
            assert!(
                status.success(),
                "the reaper program failed ({status}); it printed {lines:?}"
            );
            let quick: Vec<&String> = lines
                .iter()
                .filter(|l| l.starts_with("reaped quick"))
                .collect();
            let zombies = lines
                .iter()
                .find_map(|l| l.strip_prefix("zombies "))
                .unwrap_or("?");
            assert_eq!(
                quick.len(),
                3,
                "zombie: three children ended together but {} were reaped ({zombies} left as zombies); \
                 signals do not queue, one SIGCHLD can stand for several children: call waitpid with WNOHANG \
                 in a loop until no ended child is left",
                quick.len()
            );
            let mut codes: Vec<&str> = quick.iter().map(|l| &l["reaped quick ".len()..]).collect();
            codes.sort();
            assert_eq!(
                codes,
                ["1", "2", "3"],
                "exit status: the three children exited with codes 1, 2 and 3"
            );
            assert!(
                lines.iter().any(|l| l == "reaped long 7"),
                "the long-running child was not reaped when it ended later: {lines:?}"
            );
            assert_eq!(
                lines.last().map(String::as_str),
                Some("done"),
                "output: {lines:?}"
            );
        })
    }
}

mod forward {
    use super::*;
    use signals::forward::Supervisor;
    use std::path::Path;
    use std::process::{Command, ExitStatus};
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::mpsc::{self, RecvTimeoutError};

    const SUPERVISOR: &str = env!("CARGO_BIN_EXE_signals-supervisor");

    /// A shell child that runs `setup`, then writes its pid to `pid_file` (atomically, by
    /// renaming) to say it is ready, then runs `then`.
    fn shell(setup: &str, pid_file: &Path, then: &str) -> Command {
        let path = pid_file.display();
        let mut command = Command::new("sh");
        command.arg("-c").arg(format!(
            "{setup} echo $$ > '{path}.tmp' && mv '{path}.tmp' '{path}'; {then}"
        ));
        command
    }

    /// Kills and reaps the child, in `Drop`, if the test ends while it is still ours.
    struct KillChild(u32);

    impl Drop for KillChild {
        fn drop(&mut self) {
            let pid = self.0 as i32;
            if procfs::is_unreaped_child(pid) {
                let _ = kill(Pid::from_raw(pid), Signal::SIGKILL);
                let _ = nix::sys::wait::waitpid(Pid::from_raw(pid), None);
            }
        }
    }

    /// The pid the child wrote, once it has (bounded wait).
    fn ready_pid(pid_file: &Path) -> u32 {
        let mut pid = None;
        procfs::eventually(PATIENCE, || {
            pid = std::fs::read_to_string(pid_file)
                .ok()
                .and_then(|s| s.trim().parse().ok());
            pid.is_some()
        });
        pid.expect("the child never got ready (it writes its pid to a file)")
    }

    /// Runs `supervisor` with `stop`; if `run` has not returned after [`PATIENCE`], sets
    /// `stop` itself, so a solution that ignores the child's own end still returns. Gives the
    /// status and whether that fallback was needed.
    fn run_bounded(supervisor: Supervisor, stop: &AtomicBool) -> (ExitStatus, bool) {
        let fell_back = AtomicBool::new(false);
        let (returned, watch) = mpsc::channel::<()>();
        let fell_back_ref = &fell_back;
        let status = std::thread::scope(|s| {
            s.spawn(move || {
                // The sender is dropped when `run` returns (or panics): then this ends at once.
                if let Err(RecvTimeoutError::Timeout) = watch.recv_timeout(PATIENCE) {
                    fell_back_ref.store(true, Ordering::SeqCst);
                    stop.store(true, Ordering::SeqCst);
                }
            });
            let _returned = returned;
            supervisor.run(stop)
        });
        (status.expect("run"), fell_back.load(Ordering::SeqCst))
    }

    fn assert_reaped_at_return(pid: u32) {
        assert!(
            !procfs::is_unreaped_child(pid as i32),
            "run returned but its child {pid} was not reaped (it still runs, or is a zombie): after \
             forwarding the signal, wait for the child (`Child::wait`) and return its status"
        );
    }

    #[test]
    fn run_returns_when_the_child_ends_on_its_own() {
        within(|| {
            let dir = tempfile::tempdir().unwrap();
            let file = dir.path().join("pid");
            let supervisor = Supervisor::start(&mut shell("", &file, "exit 5")).expect("start sh");
            let pid = supervisor.child_pid();
            let _guard = KillChild(pid);
            let stop = AtomicBool::new(false);
            let (status, fell_back) = run_bounded(supervisor, &stop);
            assert!(
                !fell_back,
                "the supervisor did not notice its child ended by itself (it returned only after a stop \
                 request): check the child with `try_wait` in the loop, not only the flag"
            );
            assert_eq!(
                status.code(),
                Some(5),
                "exit status: run returns how the child ended (it exited with 5), got {status}"
            );
            assert_eq!(
                ready_pid(&file),
                pid,
                "child_pid() must be the supervised child's pid"
            );
            assert_reaped_at_return(pid);
        })
    }

    #[test]
    fn run_forwards_sigterm_and_returns_the_childs_own_ending() {
        within(|| {
            let dir = tempfile::tempdir().unwrap();
            let file = dir.path().join("pid");
            // The child handles SIGTERM itself: it ends with 7.
            let supervisor = Supervisor::start(&mut shell(
                "trap 'exit 7' TERM;",
                &file,
                "while :; do sleep 0.02; done",
            ))
            .expect("start sh");
            let pid = supervisor.child_pid();
            let _guard = KillChild(pid);
            let stop = AtomicBool::new(false);
            let (status, _) = std::thread::scope(|s| {
                s.spawn(|| {
                    ready_pid(&file);
                    stop.store(true, Ordering::SeqCst);
                });
                run_bounded(supervisor, &stop)
            });
            assert_eq!(
                ready_pid(&file),
                pid,
                "child_pid() must be the supervised child's pid"
            );
            assert_reaped_at_return(pid);
            assert_eq!(
                (status.code(), status.signal().map(signal_name)),
                (Some(7), None),
                "the child handles SIGTERM by exiting with 7: forward SIGTERM (not SIGKILL, not SIGINT), \
                 wait for it and return its real status, got {status}"
            );
        })
    }

    #[test]
    fn run_reports_a_child_killed_by_a_signal() {
        within(|| {
            let dir = tempfile::tempdir().unwrap();
            let file = dir.path().join("pid");
            let supervisor =
                Supervisor::start(&mut shell("", &file, "exec sleep 30")).expect("start sh");
            let pid = supervisor.child_pid();
            let _guard = KillChild(pid);
            let stop = AtomicBool::new(false);
            let (status, fell_back) = std::thread::scope(|s| {
                s.spawn(|| {
                    // Someone else kills the child: no stop request at all. The pid is the one
                    // the child wrote itself, never `child_pid()`, which is under test.
                    let real = ready_pid(&file);
                    let _ = kill(Pid::from_raw(real as i32), Signal::SIGKILL);
                });
                run_bounded(supervisor, &stop)
            });
            assert_eq!(
                ready_pid(&file),
                pid,
                "child_pid() must be the supervised child's pid"
            );
            assert!(
                !fell_back,
                "the supervisor did not notice its child was killed (it returned only after a stop \
                 request): check the child with `try_wait` in the loop"
            );
            assert_eq!(
                status.signal(),
                Some(Signal::SIGKILL as i32),
                "a child killed by a signal ends the run too: return its status (killed by SIGKILL), got \
                 {status}"
            );
            assert_reaped_at_return(pid);
        })
    }

    #[test]
    fn sigterm_is_forwarded_to_the_child_which_is_reaped() {
        within(|| {
            let mut supervisor = Program::start(SUPERVISOR, &[]);
            // The supervisor and its child print their first lines in either order.
            let first = [
                supervisor.line("supervising PID"),
                supervisor.line("child ready"),
            ];
            let child: i32 = first
                .iter()
                .find_map(|l| l.strip_prefix("supervising ")?.parse().ok())
                .unwrap_or_else(|| {
                    panic!("expected `supervising PID` and `child ready`, got {first:?}")
                });
            let _child_guard = KillIfRunning {
                pid: child,
                needle: "signals-supervisor",
            };
            assert!(
                first.iter().any(|l| l == "child ready"),
                "expected `child ready`, got {first:?}"
            );
            assert_ne!(
                child,
                supervisor.pid() as i32,
                "the child must be a process of its own"
            );

            send_signal(&supervisor, Signal::SIGTERM);
            let Some(status) = supervisor.wait(PATIENCE) else {
                panic!(
                    "did not stop on SIGTERM: the supervisor kept running; check the flag while the child runs"
                );
            };
            let gone = procfs::eventually(Duration::from_secs(2), || !procfs::is_running(child));
            assert!(
                gone,
                "orphan: the supervisor stopped but its child {child} is still running; forward SIGTERM to the \
                 child and wait for it before exiting"
            );
            let rest = supervisor.rest();
            assert!(
                rest.iter().any(|l| l == "child stopping"),
                "the child was not stopped gracefully (it never said `child stopping`: {rest:?}); forward SIGTERM, \
                 which it can handle — SIGKILL cannot be caught"
            );
            assert!(
                rest.iter().any(|l| l == "child ended: exit status: 0"),
                "the supervisor must wait for the child and report its status: {rest:?}"
            );
            assert!(
                status.success(),
                "the supervisor exits with status 0 after a forwarded stop, got {status}"
            );
        })
    }

    #[test]
    fn a_child_that_ends_on_its_own_is_reported() {
        within(|| {
            let mut supervisor = Program::start(SUPERVISOR, &["exit", "3"]);
            let status = supervisor
                .wait(PATIENCE)
                .expect("did not finish: the supervisor did not notice its child ended");
            let rest = supervisor.rest();
            assert!(
                rest.iter().any(|l| l == "child ended: exit status: 3"),
                "exit status: the child exited with 3 and the supervisor must report it: {rest:?}"
            );
            assert_eq!(
                status.code(),
                Some(3),
                "the supervisor exits with its child's code"
            );
        })
    }
}
