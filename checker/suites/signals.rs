//! Grading suite for the `signals` topic.
//!
//! The tests send real signals to real processes built from the crate's own binaries
//! (`src/bin/signals-*.rs`) and check what can be seen from outside: the exit status, what the
//! program printed, which processes are left. Every started process is killed in a `Drop`
//! guard, even when a test fails.

use std::io::{BufRead, BufReader, Write};
use std::os::unix::process::ExitStatusExt;
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::thread;
use std::time::{Duration, Instant};

use grading::procfs;
use grading::within;
use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;

/// How long a program may take to react; real reactions take milliseconds.
const PATIENCE: Duration = Duration::from_secs(3);

/// A program under test: its stdin, its stdout as lines, and a guard that kills it.
struct Program {
    child: Child,
    stdin: Option<ChildStdin>,
    lines: Receiver<String>,
}

enum Next {
    Line(String),
    Eof,
    Silent,
}

impl Program {
    fn start(exe: &str, args: &[&str]) -> Program {
        let mut child = Command::new(exe)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {exe}: {e}"));
        let stdout = child.stdout.take().expect("stdout was piped");
        let (send, lines) = mpsc::channel();
        thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if send.send(line).is_err() {
                    break;
                }
            }
        });
        Program {
            stdin: child.stdin.take(),
            child,
            lines,
        }
    }

    fn pid(&self) -> Pid {
        Pid::from_raw(self.child.id() as i32)
    }

    fn next(&self, limit: Duration) -> Next {
        match self.lines.recv_timeout(limit) {
            Ok(line) => Next::Line(line),
            Err(RecvTimeoutError::Disconnected) => Next::Eof,
            Err(RecvTimeoutError::Timeout) => Next::Silent,
        }
    }

    /// The next line, which the program must print promptly.
    fn line(&self, waiting_for: &str) -> String {
        match self.next(PATIENCE) {
            Next::Line(line) => line,
            Next::Eof => panic!(
                "the program ended (or closed its output) while the test waited for {waiting_for:?}"
            ),
            Next::Silent => panic!(
                "did not finish: the program printed nothing while the test waited for {waiting_for:?}"
            ),
        }
    }

    /// Every line until the program closes its output.
    fn rest(&self) -> Vec<String> {
        let mut rest = Vec::new();
        while let Next::Line(line) = self.next(PATIENCE) {
            rest.push(line);
        }
        rest
    }

    fn send(&mut self, text: &str) {
        // The program may already be gone (killed): the verdict comes from its status.
        if let Some(stdin) = self.stdin.as_mut() {
            let _ = stdin
                .write_all(text.as_bytes())
                .and_then(|()| stdin.flush());
        }
    }

    fn close_stdin(&mut self) {
        self.stdin = None;
    }

    fn signal(&self, signal: Signal) {
        kill(self.pid(), signal).expect("the program is running");
    }

    /// The exit status, if the program ends within `limit`.
    fn wait(&mut self, limit: Duration) -> Option<ExitStatus> {
        let deadline = Instant::now() + limit;
        loop {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                return Some(status);
            }
            if Instant::now() >= deadline {
                return None;
            }
            thread::sleep(Duration::from_millis(5));
        }
    }
}

impl Drop for Program {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
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

    const WORKER: &str = env!("CARGO_BIN_EXE_signals-worker");

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
        worker.signal(signal);
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

    const REAPER: &str = env!("CARGO_BIN_EXE_signals-reaper");

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

    const SUPERVISOR: &str = env!("CARGO_BIN_EXE_signals-supervisor");

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
                supervisor.pid().as_raw(),
                "the child must be a process of its own"
            );

            supervisor.signal(Signal::SIGTERM);
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
