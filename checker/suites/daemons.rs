//! Grading suite for the `daemons` topic.
//!
//! The tests run the crate's own binaries (`src/bin/daemons-*.rs`) and check from outside
//! what a daemon is: the main thread does not wait for daemon threads; a Unix daemon has left
//! the launcher's session, has no terminal, outlives the launcher, works periodically and stops
//! on SIGTERM, removing its pidfile. `Threads` is also run in the test process, where each
//! thread's name, start and end can be observed, and `acquire` in forked processes started
//! together, so that several starts really race. Every daemon is killed in a `Drop` guard
//! (found by its temporary directory on its command line), even when a test fails; during a
//! launch the test process is a child subreaper, so whatever the launch leaves comes back to it
//! and is reaped.

use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use std::any::Any;

use grading::caught::unless_todo;
use grading::waiting::patience;
use grading::{Next, PATIENCE, Program, procfs, within};
use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;

/// The text of a panic payload.
fn panic_message(payload: &(dyn Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "(a panic without a message)".to_owned()
    }
}

mod daemon_threads {
    use super::*;

    const PROGRAM: &str = env!("CARGO_BIN_EXE_daemons-threads");

    fn start() -> Program {
        Program::start(PROGRAM, &[])
    }

    /// Lines up to (not including) `wanted`.
    fn until(program: &Program, wanted: &str) -> Vec<String> {
        let mut seen = Vec::new();
        loop {
            match program.next(PATIENCE) {
                Next::Line(line) if line == wanted => return seen,
                Next::Line(line) => seen.push(line),
                _ => panic!("the program never printed {wanted:?} (it printed {seen:?})"),
            }
        }
    }

    /// Lets the non-daemon worker finish.
    fn release_worker(program: &mut Program) {
        program.send("go\n");
        program.close_stdin();
    }

    /// Every line until the program exits; panics if it does not exit.
    fn rest_until_exit(program: &mut Program) -> Vec<String> {
        let mut rest = Vec::new();
        // One deadline for all: the daemon thread prints ticks as long as the program lives.
        let deadline = Instant::now() + PATIENCE;
        loop {
            match program.next(deadline.saturating_duration_since(Instant::now())) {
                Next::Line(line) => rest.push(line),
                Next::Eof => break,
                Next::Silent => panic!(
                    "the program did not exit after its main thread was done: shutdown waited for the daemon \
                     thread, which never ends; a daemon thread must not be joined"
                ),
            }
        }
        let status = program
            .wait(PATIENCE)
            .expect("the program closed its output, so it is ending");
        assert!(status.success(), "the program failed: {status}");
        rest
    }

    #[test]
    fn the_main_thread_waits_for_a_non_daemon_worker() {
        within(|| {
            let mut program = start();
            until(&program, "main finishing");
            // The worker is blocked until released: a main thread that waits for it cannot
            // have ended. Watch for half a second (it would end in microseconds).
            let deadline = Instant::now() + Duration::from_millis(500);
            while let Some(left) = deadline.checked_duration_since(Instant::now()) {
                match program.next(left) {
                    Next::Line(line) if line.starts_with("tick") => continue,
                    Next::Line(line) => panic!(
                        "the main thread did not wait for its non-daemon worker: it printed {line:?} while the worker \
                         was still busy; keep the JoinHandle of each non-daemon thread and join it at shutdown"
                    ),
                    Next::Eof => panic!(
                        "the main thread did not wait for its non-daemon worker: the program ended while the worker \
                         was still busy; join each non-daemon thread at shutdown"
                    ),
                    Next::Silent => break,
                }
            }
            release_worker(&mut program);
            let rest: Vec<String> = rest_until_exit(&mut program)
                .into_iter()
                .filter(|l| !l.starts_with("tick"))
                .collect();
            assert_eq!(
                rest,
                ["worker done", "main exit"],
                "the worker finishes before the main thread ends"
            );
        })
    }

    #[test]
    fn a_daemon_thread_does_not_keep_the_program_alive() {
        within(|| {
            let mut program = start();
            release_worker(&mut program);
            let rest = rest_until_exit(&mut program);
            // The daemon thread may still print a tick between the main thread's last line and
            // the process's exit: it runs until the process ends, which is the point.
            let main_lines: Vec<&String> = rest.iter().filter(|l| !l.starts_with("tick")).collect();
            assert_eq!(
                main_lines.last().map(|l| l.as_str()),
                Some("main exit"),
                "output: {rest:?}"
            );
        })
    }

    #[test]
    fn the_daemon_thread_works_periodically_meanwhile() {
        within(|| {
            let mut program = start();
            let mut ticks = 0;
            while ticks < 3 {
                match program.next(PATIENCE) {
                    Next::Line(line) if line.starts_with("tick") => ticks += 1,
                    Next::Line(_) => {}
                    _ => panic!(
                        "the daemon thread did not do its periodic work (it ticked {ticks} times)"
                    ),
                }
            }
            release_worker(&mut program);
            rest_until_exit(&mut program);
        })
    }

    // The tests below run `Threads` in the test process itself, where each thread can be
    // observed: its name, whether `spawn` returned while it ran, whether it had ended when
    // `shutdown` returned (an `ExitWatch` counts a thread once it has completely exited).

    use daemons::daemon_threads::Threads;
    use grading::ExitWatch;
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    use std::sync::{Arc, Mutex, mpsc};

    #[test]
    fn spawn_names_the_thread_and_returns_while_it_runs() {
        within(|| {
            let mut threads = Threads::new();
            let (report, reports) = mpsc::channel();
            let mut gates = Vec::new();
            for (name, daemon) in [("saver", true), ("worker", false)] {
                let (open, gate) = mpsc::channel::<()>();
                gates.push(open);
                let report = report.clone();
                threads.spawn(name, daemon, move || {
                    // The gate opens only after `spawn` has returned to the test: a `spawn`
                    // that waits for its thread never lets it through.
                    let released = gate.recv_timeout(patience(60)).is_ok();
                    let me = thread::current();
                    let _ = report.send((me.name().map(str::to_owned), me.id(), released));
                });
            }
            for open in &gates {
                let _ = open.send(());
            }
            let mut seen = Vec::new();
            for _ in 0..2 {
                let (name, id, released) =
                    reports.recv_timeout(patience(60)).unwrap_or_else(|_| {
                        panic!(
                            "spawn must start `work` on a new thread: it never ran (seen: {seen:?})"
                        )
                    });
                assert_ne!(
                    id,
                    thread::current().id(),
                    "spawn must run `work` on a new thread, not on the caller's"
                );
                assert!(
                    released,
                    "spawn must return while the thread runs: it waited for the thread {name:?} to finish (a join \
                     inside spawn); keep the JoinHandle and join it in shutdown"
                );
                seen.push(name);
            }
            seen.sort();
            assert_eq!(
                seen,
                [Some("saver".to_owned()), Some("worker".to_owned())],
                "each thread must be called `name` (thread::Builder::new().name(..)): a name shows in panics, \
                 debuggers and `top -H`"
            );
            threads.shutdown();
        })
    }

    #[test]
    fn an_empty_program_shuts_down_at_once() {
        within(|| Threads::new().shutdown())
    }

    /// How long the helper below lets `shutdown` return too early before it releases the last
    /// worker. Only a wrong solution can return in that time; a correct one just waits it out.
    const EARLY: Duration = Duration::from_millis(200);

    #[test]
    fn shutdown_waits_for_every_non_daemon_worker() {
        within(|| {
            // A seeded variety of non-daemon workers beside a daemon, and each time another
            // worker is the one still busy when the others are done.
            let mut rng = grading::fastrand::Rng::with_seed(23);
            for round in 0..2 {
                let workers = rng.usize(2..=5);
                // The last-started worker, then the first: whichever one shutdown joins, a
                // shutdown that skips some is caught in one of the rounds.
                let busy = if round == 0 { workers - 1 } else { 0 };
                let case = format!(
                    "round {round}: {workers} non-daemon workers, worker {busy} finishing last"
                );
                let mut threads = Threads::new();
                let finished = Arc::new(AtomicUsize::new(0));
                let (open, gate) = mpsc::channel::<()>();
                let gate = Arc::new(Mutex::new(gate));
                let (daemon_may_end, daemon_gate) = mpsc::channel::<()>();
                let daemon_ran_after = Arc::new(AtomicBool::new(false));
                threads.spawn("saver", true, {
                    let ran_after = Arc::clone(&daemon_ran_after);
                    move || {
                        // Blocks until the test has returned from shutdown: a shutdown that joins
                        // daemons waits here until the gate gives up.
                        if daemon_gate.recv_timeout(patience(40)).is_ok() {
                            ran_after.store(true, Ordering::SeqCst);
                        }
                    }
                });
                for k in 0..workers {
                    let (finished, gate) = (Arc::clone(&finished), Arc::clone(&gate));
                    threads.spawn(&format!("worker-{k}"), false, move || {
                        if k == busy {
                            let _ = gate.lock().unwrap().recv_timeout(patience(40));
                        }
                        finished.fetch_add(1, Ordering::SeqCst);
                    });
                }
                let returned = Arc::new(AtomicBool::new(false));
                let early = Arc::new(AtomicBool::new(false));
                // Once every other worker is done, gives shutdown a chance to return too early,
                // then lets the busy worker finish.
                let releaser = thread::spawn({
                    let (finished, returned, early) = (
                        Arc::clone(&finished),
                        Arc::clone(&returned),
                        Arc::clone(&early),
                    );
                    move || {
                        procfs::eventually(patience(30), || {
                            finished.load(Ordering::SeqCst) >= workers - 1
                        });
                        let deadline = Instant::now() + EARLY;
                        while Instant::now() < deadline && !returned.load(Ordering::SeqCst) {
                            thread::sleep(Duration::from_millis(2));
                        }
                        early.store(returned.load(Ordering::SeqCst), Ordering::SeqCst);
                        let _ = open.send(());
                    }
                });
                threads.shutdown();
                let done = finished.load(Ordering::SeqCst);
                returned.store(true, Ordering::SeqCst);
                releaser.join().expect("the releaser");
                assert!(
                    !early.load(Ordering::SeqCst) && done == workers,
                    "shutdown must wait for every non-daemon thread ({case}): it returned while {} of them were \
                     still working; keep the JoinHandle of each non-daemon thread and join them all",
                    workers - done
                );
                let _ = daemon_may_end.send(());
                assert!(
                    procfs::eventually(patience(30), || daemon_ran_after.load(Ordering::SeqCst)),
                    "a daemon thread must not be waited for ({case}): shutdown waited for it (it joined the daemon's \
                     JoinHandle), so it could only go on after shutdown gave up on it"
                );
            }
        })
    }

    #[test]
    fn a_worker_that_panicked_does_not_stop_shutdown() {
        within(|| {
            let mut threads = Threads::new();
            let exits = ExitWatch::new();
            let finished = Arc::new(AtomicBool::new(false));
            threads.spawn("crashes", false, {
                let exits = exits.clone();
                move || {
                    exits.watch_current_thread();
                    panic!("a worker failing on purpose (the test expects this panic)");
                }
            });
            threads.spawn("carries-on", false, {
                let (exits, finished) = (exits.clone(), Arc::clone(&finished));
                move || {
                    // Ends only after the other worker's panic is over, so shutdown meets that
                    // panic before this worker is done, whatever order it joins in.
                    exits.wait_for(1, patience(30));
                    finished.store(true, Ordering::SeqCst);
                }
            });
            let outcome =
                std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| threads.shutdown()));
            if let Err(payload) = outcome {
                panic!(
                    "shutdown must not fail because a worker panicked: a worker that panicked has ended, and `join` \
                     returns its panic as an Err; ignore it (do not unwrap) and wait for the other workers. Shutdown \
                     panicked with: {}",
                    panic_message(&*unless_todo(payload))
                );
            }
            assert!(
                finished.load(Ordering::SeqCst),
                "shutdown must wait for every non-daemon thread, also after one of them panicked"
            );
        })
    }
}

mod unix_daemon {
    use super::*;

    const SAVER: &str = env!("CARGO_BIN_EXE_daemons-saver");

    /// The daemon's period in the tests.
    const EVERY_MS: u64 = 20;

    /// The launcher's umask: one no daemon would choose for itself.
    const LAUNCHER_UMASK: libc::mode_t = 0o705;

    /// A launched daemon: its directory (pidfile, log) and, once known, its pid. `Drop` kills
    /// it (pid read from the pidfile) and removes the directory.
    struct Daemon {
        dir: tempfile::TempDir,
        launcher: i32,
        pid: i32,
    }

    impl Daemon {
        fn pidfile(&self) -> PathBuf {
            self.dir.path().join("saver.pid")
        }

        fn log(&self) -> Vec<String> {
            std::fs::read_to_string(self.dir.path().join("saver.log"))
                .map(|text| text.lines().map(str::to_owned).collect())
                .unwrap_or_default()
        }

        /// The lines of the log the daemon has finished writing (a line may be written in
        /// several steps, so an unfinished last line is left out).
        fn complete_log(&self) -> Vec<String> {
            let text =
                std::fs::read_to_string(self.dir.path().join("saver.log")).unwrap_or_default();
            let done = text.rfind('\n').map_or("", |end| &text[..end]);
            done.lines().map(str::to_owned).collect()
        }

        fn ticks(&self) -> usize {
            self.log().iter().filter(|l| l.starts_with("tick")).count()
        }

        /// Starts the launcher as a shell starts a command: in a process group of its own (so
        /// it leads that group) and with an odd umask of its own (so whether the daemon sets
        /// its own shows). Checks that the launcher exits, that the daemon it leaves is running
        /// and has started its work, and that no other process of the launch is left.
        fn launch() -> Daemon {
            let dir = tempfile::tempdir().expect("temp dir");
            let errors =
                std::fs::File::create(dir.path().join("launcher.err")).expect("launcher.err");
            let mut command = Command::new(SAVER);
            command
                .arg(dir.path())
                .arg(EVERY_MS.to_string())
                .stdin(Stdio::null())
                .stdout(Stdio::piped())
                .stderr(errors)
                .process_group(0);
            // Safety: `umask` is async-signal-safe and touches nothing but the child's own mask.
            unsafe {
                command.pre_exec(|| {
                    libc::umask(LAUNCHER_UMASK);
                    Ok(())
                });
            }
            // Orphans of the launch come back to this process instead of init, as a service
            // manager's do: whatever the launcher leaves unreaped shows up here.
            nix::sys::prctl::set_child_subreaper(true).expect("become a child subreaper");
            let mut launcher = command.spawn().expect("start daemons-saver");
            let mut daemon = Daemon {
                dir,
                launcher: launcher.id() as i32,
                pid: 0,
            };
            let deadline = Instant::now() + PATIENCE;
            let status = loop {
                if let Some(status) = launcher.try_wait().expect("try_wait") {
                    break status;
                }
                if Instant::now() >= deadline {
                    let _ = launcher.kill();
                    let _ = launcher.wait();
                    panic!(
                        "the launcher did not exit: the process that starts a daemon must fork and `_exit(0)`, \
                         leaving the daemon in the background; or it waits (waitpid) for a middle process that goes \
                         on: that one must `_exit(0)` right after the second fork"
                    );
                }
                thread::sleep(Duration::from_millis(5));
            };
            if !status.success() {
                let said = std::fs::read_to_string(daemon.dir.path().join("launcher.err"))
                    .unwrap_or_default();
                // Passed on as the launcher wrote it, so a panic there (a `todo!()`) is reported.
                eprint!("{said}");
                let setsid = if said.contains("EPERM") || said.contains("not permitted") {
                    " setsid() fails with EPERM in a process-group leader, which a program started from a shell \
                     is: call it in the child of the first fork, which is not one."
                } else {
                    ""
                };
                panic!(
                    "the launcher failed ({status}), saying {:?}.{setsid}",
                    said.trim()
                );
            }
            let found = procfs::eventually(PATIENCE, || read_pid(&daemon.pidfile()).is_some());
            assert!(
                found,
                "pidfile: no pid appeared in {} after the launcher exited",
                daemon.pidfile().display()
            );
            daemon.pid = read_pid(&daemon.pidfile()).expect("pid");
            let not_running = |pid: i32| {
                format!(
                    "the pidfile names pid {pid}, which is not running: write the pidfile in the daemon itself, after \
                     the last fork (the daemon may be running under another pid, out of reach)"
                )
            };
            assert!(
                procfs::is_running(daemon.pid),
                "{}",
                not_running(daemon.pid)
            );
            assert_ne!(
                daemon.pid, daemon.launcher,
                "the daemon must be a new process, not the launcher"
            );
            // Its first tick: `daemonize` has returned in the daemon, which is now complete.
            assert!(
                procfs::eventually(PATIENCE, || daemon.ticks() > 0),
                "periodic work: the daemon wrote no tick to its log (log: {:?})",
                daemon.log()
            );
            // Of the three processes of a launch, only the daemon goes on. The middle one may take
            // a moment to be gone after the daemon's first tick; a wrong one never goes.
            let ours = daemon.dir.path().to_string_lossy().into_owned();
            let others = || -> Vec<i32> {
                procfs::pids_with_cmdline(&ours)
                    .into_iter()
                    .filter(|&p| p != daemon.pid && procfs::is_running(p))
                    .collect()
            };
            if !procfs::eventually(PATIENCE, || others().is_empty()) {
                assert!(
                    procfs::is_running(daemon.pid),
                    "{}",
                    not_running(daemon.pid)
                );
                panic!(
                    "returns only in the daemon: besides the daemon {}, the launch left process(es) {:?} running; the \
                     launcher and the middle process must end with `_exit(0)` after their fork, not go on",
                    daemon.pid,
                    others()
                );
            }
            // The middle process leads the daemon's session: its pid is the session id. The
            // launcher must have reaped it before exiting; otherwise it came back to us.
            let middle = procfs::stat(daemon.pid).map_or(0, |s| s.session);
            let ours = std::process::id() as i32;
            if middle > 0
                && middle != daemon.pid
                && procfs::stat(middle).is_some_and(|s| s.ppid == ours)
            {
                reap(middle);
                panic!(
                    "the launcher exited without reaping its child (the middle process {middle}): waitpid it before \
                     `_exit(0)`, so no zombie is left for others to collect and the launcher ends only once the \
                     daemon is on its way"
                );
            }
            daemon
        }
    }

    /// Waits for `pid`, a child of this process (it came back to us as a subreaper) that is
    /// ending or has ended, so no zombie is left; bounded.
    fn reap(pid: i32) {
        use nix::sys::wait::{WaitPidFlag, WaitStatus, waitpid};
        let pid = Pid::from_raw(pid);
        procfs::eventually(PATIENCE, || {
            !matches!(
                waitpid(pid, Some(WaitPidFlag::WNOHANG)),
                Ok(WaitStatus::StillAlive)
            )
        });
    }

    impl Drop for Daemon {
        fn drop(&mut self) {
            // Every process of this launch names our directory on its command line, however
            // many a wrong daemonize left running; the pidfile's may have changed its own.
            let ours = self.dir.path().to_string_lossy().into_owned();
            let known = read_pid(&self.pidfile()).into_iter().chain([self.pid]);
            let launched = procfs::pids_with_cmdline(&ours);
            for pid in known.filter(|&p| p > 0).chain(launched) {
                // Only a process that is ours to kill: the pid may have been given to another.
                if procfs::is_running(pid) && procfs::cmdline(pid).contains("daemons-saver") {
                    let _ = kill(Pid::from_raw(pid), Signal::SIGKILL);
                }
                // As a subreaper, this process is the parent of what the launch left: reap it.
                if procfs::stat(pid).is_some_and(|s| s.ppid == std::process::id() as i32) {
                    reap(pid);
                }
            }
        }
    }

    fn read_pid(path: &Path) -> Option<i32> {
        std::fs::read_to_string(path).ok()?.trim().parse().ok()
    }

    #[test]
    fn the_launcher_exits_while_the_daemon_lives() {
        within(|| {
            let daemon = Daemon::launch();
            assert!(
                procfs::stat(daemon.launcher).is_none_or(|s| s.is_zombie()),
                "the launcher is still running"
            );
            let stat = procfs::stat(daemon.pid).expect("the daemon's /proc entry");
            assert_ne!(
                stat.ppid, daemon.launcher,
                "the daemon is still the launcher's child"
            );
            let parent = procfs::stat(stat.ppid);
            assert!(
                parent.is_none_or(|p| !procfs::cmdline(p.pid).contains("daemons-saver")),
                "re-parented: the daemon's parent {} is still a process of the launch; the middle process must exit \
                 after the second fork",
                stat.ppid
            );
        })
    }

    #[test]
    fn the_daemon_is_detached() {
        within(|| {
            let daemon = Daemon::launch();
            let stat = procfs::stat(daemon.pid).expect("the daemon's /proc entry");
            let ours = procfs::stat(std::process::id() as i32).expect("our own /proc entry");
            assert_ne!(
                stat.session, ours.session,
                "new session: the daemon is still in its launcher's session ({}); call setsid() in the first child",
                ours.session
            );
            assert_eq!(
                stat.tty_nr, 0,
                "controlling terminal: the daemon still has one (tty_nr {})",
                stat.tty_nr
            );
            assert_ne!(
                stat.session, daemon.pid,
                "the daemon is a session leader, so opening a terminal could make it its controlling terminal: \
                 fork a second time after setsid() and let the session leader exit"
            );
            assert_ne!(
                stat.pgrp, daemon.launcher,
                "process group: the daemon is still in its launcher's group, so a Ctrl-C meant for the launcher's \
                 job reaches it; setsid() gives it a group of its own"
            );
            let status =
                std::fs::read_to_string(format!("/proc/{}/status", daemon.pid)).unwrap_or_default();
            let umask = status
                .lines()
                .find_map(|l| l.strip_prefix("Umask:"))
                .and_then(|m| libc::mode_t::from_str_radix(m.trim(), 8).ok());
            assert!(
                umask.is_none_or(|m| m != LAUNCHER_UMASK),
                "umask: the daemon kept its launcher's umask ({LAUNCHER_UMASK:o}); set its own (`umask(0o022)`) so the \
                 files it creates get the same permissions however it was started"
            );
            let cwd =
                std::fs::read_link(format!("/proc/{}/cwd", daemon.pid)).expect("the daemon's cwd");
            assert_eq!(
                cwd,
                Path::new("/"),
                "chdir(\"/\"): the daemon keeps its launcher's working directory busy"
            );
            for fd in 0..3 {
                let target = std::fs::read_link(format!("/proc/{}/fd/{fd}", daemon.pid));
                assert_eq!(
                    target.ok().as_deref(),
                    Some(Path::new("/dev/null")),
                    "standard streams: fd {fd} of the daemon must point to /dev/null (nobody reads its launcher's \
                     output any more)"
                );
            }
        })
    }

    /// Checks that `lines` are `tick 1`, `tick 2`, ... in order.
    fn assert_numbered(lines: &[String]) {
        for (i, line) in lines.iter().enumerate() {
            assert_eq!(
                line,
                &format!("tick {}", i + 1),
                "periodic work: line {} of the log must be `tick {}` (count the ticks from 1); log: {lines:?}",
                i + 1,
                i + 1
            );
        }
    }

    #[test]
    fn the_daemon_works_periodically() {
        within(|| {
            let started = Instant::now();
            let daemon = Daemon::launch();
            let worked = procfs::eventually(PATIENCE, || daemon.ticks() >= 3);
            assert!(
                worked,
                "periodic work: the daemon should append a tick to its log every {EVERY_MS} ms; log: {:?}",
                daemon.log()
            );
            let lines = daemon.complete_log();
            // Each sleep lasts at least `every`: however loaded the machine, no more ticks than
            // this can have been written since before the launch.
            let elapsed = started.elapsed();
            let most = elapsed.as_millis() as usize / EVERY_MS as usize + 1;
            assert!(
                lines.len() <= most,
                "period: the daemon wrote {} ticks in {} ms, more than one every {EVERY_MS} ms; sleep `every` \
                 between two ticks",
                lines.len(),
                elapsed.as_millis()
            );
            assert_numbered(&lines);
        })
    }

    #[test]
    fn sigterm_stops_it_and_removes_the_pidfile() {
        within(|| {
            let daemon = Daemon::launch();
            kill(Pid::from_raw(daemon.pid), Signal::SIGTERM).expect("signal the daemon");
            let stopped = procfs::eventually(PATIENCE, || !procfs::is_running(daemon.pid));
            assert!(
                stopped,
                "did not stop on SIGTERM: the daemon {} is still running; stop the work loop on SIGTERM",
                daemon.pid
            );
            let mut lines = daemon.complete_log();
            assert_eq!(
                lines.last().map(String::as_str),
                Some("stopped"),
                "graceful stop: the daemon must finish its log with `stopped` (it was killed, or the handler does not \
                 just set a flag); log: {lines:?}"
            );
            lines.pop();
            assert_numbered(&lines);
            assert!(
                !daemon.pidfile().exists(),
                "pidfile: left behind after SIGTERM; remove it when the daemon stops"
            );
        })
    }
}

mod pidfile {
    use super::*;
    use daemons::pidfile::{Refused, acquire};

    /// A short-lived child that is killed and reaped at the end.
    struct Sleeper(Child);

    impl Drop for Sleeper {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }

    /// A path for a pidfile in a fresh folder, which is removed with the `TempDir`.
    fn a_pidfile() -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("app.pid");
        (dir, path)
    }

    /// The pid of a process that was running and has ended (reaped): nobody runs under it.
    fn ended_pid() -> i32 {
        let mut gone = Command::new("true").spawn().expect("start true");
        let dead = gone.id() as i32;
        gone.wait().unwrap();
        dead
    }

    fn pid_in(path: &Path) -> Option<i32> {
        std::fs::read_to_string(path).ok()?.trim().parse().ok()
    }

    #[test]
    fn acquire_writes_our_pid_and_drop_removes_it() {
        within(|| {
            let (dir, path) = a_pidfile();
            let held = acquire(&path).expect("a free pidfile can be taken");
            assert_eq!(
                pid_in(&path),
                Some(std::process::id() as i32),
                "the pidfile must hold our pid"
            );
            assert_eq!(
                held.path(),
                path,
                "PidFile::path must say where the pidfile is"
            );
            let others: Vec<_> = std::fs::read_dir(dir.path())
                .unwrap()
                .flatten()
                .map(|e| e.file_name())
                .filter(|name| name != "app.pid")
                .collect();
            assert!(
                others.is_empty(),
                "acquire left other files beside the pidfile: {others:?}; remove the file the pid was written to \
                 first once it has the pidfile's name (or failed to get it)"
            );
            drop(held);
            assert!(
                !path.exists(),
                "pidfile left behind: dropping the PidFile must remove the file"
            );
        })
    }

    #[test]
    fn a_running_holder_refuses_a_second_instance() {
        within(|| {
            let (_dir, path) = a_pidfile();
            let first = acquire(&path).expect("the first instance");
            match acquire(&path) {
                Err(Refused::Running(pid)) => {
                    assert_eq!(pid, std::process::id() as i32, "the running holder's pid")
                }
                other => panic!(
                    "single instance: a second start while the first runs must be refused, got {other:?}"
                ),
            }
            assert!(
                path.exists(),
                "the refused second instance must not touch the holder's pidfile"
            );
            drop(first);
        })
    }

    #[test]
    fn another_live_process_holds_it() {
        within(|| {
            let (_dir, path) = a_pidfile();
            let sleeper = Sleeper(
                Command::new("sleep")
                    .arg("30")
                    .spawn()
                    .expect("start sleep"),
            );
            let pid = sleeper.0.id() as i32;
            std::fs::write(&path, format!("{pid}\n")).unwrap();
            match acquire(&path) {
                Err(Refused::Running(holder)) => assert_eq!(holder, pid),
                other => panic!(
                    "single instance: pid {pid} is running and holds the pidfile, got {other:?}"
                ),
            }
            assert_eq!(
                pid_in(&path),
                Some(pid),
                "a refused start must leave the holder's pidfile alone"
            );
        })
    }

    #[test]
    fn a_stale_pidfile_is_taken_over() {
        within(|| {
            let (_dir, path) = a_pidfile();
            // A pid that was running and has ended (reaped): the daemon died without cleaning up.
            let dead = ended_pid();
            std::fs::write(&path, format!("{dead}\n")).unwrap();
            let held = acquire(&path).unwrap_or_else(|e| {
                panic!("stale pidfile: pid {dead} is not running any more, so its pidfile must be taken over, got {e:?}")
            });
            assert_eq!(
                pid_in(&path),
                Some(std::process::id() as i32),
                "the taken-over pidfile must hold our pid"
            );
            drop(held);
        })
    }

    #[test]
    fn garbage_in_the_pidfile_is_stale_too() {
        within(|| {
            let (_dir, path) = a_pidfile();
            std::fs::write(&path, "not a pid\n").unwrap();
            let held = acquire(&path).unwrap_or_else(|e| {
                panic!("stale pidfile: one that holds no pid names no running process, got {e:?}")
            });
            assert_eq!(pid_in(&path), Some(std::process::id() as i32));
            drop(held);
        })
    }

    #[test]
    fn a_pidfile_naming_no_running_process_is_stale() {
        within(|| {
            let (_dir, path) = a_pidfile();
            let dead = ended_pid();
            // Not pids of running processes: 0 and -1 would make `kill` check our own process
            // group or every process we may signal, and say "running".
            for content in [
                "0\n".to_owned(),
                "-1\n".to_owned(),
                String::new(),
                "12abc\n".to_owned(),
                format!("  {dead}  \n"),
            ] {
                std::fs::write(&path, &content).unwrap();
                match acquire(&path) {
                    Ok(held) => {
                        assert_eq!(
                            pid_in(&path),
                            Some(std::process::id() as i32),
                            "the taken-over pidfile must hold our pid (it held {content:?})"
                        );
                        drop(held);
                    }
                    Err(e) => panic!(
                        "stale pidfile: one holding {content:?} names no running process (a pid is above 0), so it \
                         must be taken over, got {e:?}"
                    ),
                }
            }
        })
    }

    #[test]
    fn a_pidfile_that_cannot_be_written_is_an_io_error() {
        within(|| {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("missing").join("app.pid");
            match acquire(&path) {
                Err(Refused::Io(e)) => assert_eq!(
                    e.kind(),
                    std::io::ErrorKind::NotFound,
                    "Refused::Io must carry the error that stopped acquire (its directory does not exist), got {e}"
                ),
                other => panic!(
                    "a pidfile in a directory that does not exist cannot be written: acquire must return \
                     Err(Refused::Io(..)), got {other:?}"
                ),
            }
            // A directory where the pidfile should be: it exists, holds no pid, and cannot be
            // removed as a stale file can.
            let path = dir.path().join("app.pid");
            std::fs::create_dir(&path).unwrap();
            match acquire(&path) {
                Err(Refused::Io(e)) => assert!(
                    e.raw_os_error().is_some(),
                    "Refused::Io must carry the error that stopped acquire (removing the directory in the \
                     pidfile's place fails), not one made up after retrying; got {e}"
                ),
                other => panic!(
                    "a directory in the pidfile's place cannot be taken over: acquire must return \
                     Err(Refused::Io(..)), got {other:?}"
                ),
            }
            assert!(
                path.is_dir(),
                "a refused acquire must leave what is at the pidfile's path alone"
            );
        })
    }

    #[test]
    fn a_running_process_of_another_user_holds_it() {
        within(|| {
            // Pid 1 always runs; to anyone but its owner (and root), `kill(1, None)` answers EPERM:
            // "it exists, but is not yours to signal". As root, a child gives up root first.
            let (dir, path) = a_pidfile();
            std::fs::write(&path, "1\n").unwrap();
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o777)).unwrap();
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
            let outcome = if nix::unistd::geteuid().is_root() {
                let dir_path = dir.path().to_owned();
                let child = Forked::run(move || {
                    // A relative path: the directories above ours need not be open to nobody.
                    if nix::unistd::chdir(&dir_path).is_err()
                        || nix::unistd::setgid(nix::unistd::Gid::from_raw(65534)).is_err()
                        || nix::unistd::setuid(nix::unistd::Uid::from_raw(65534)).is_err()
                    {
                        return 10;
                    }
                    outcome_code(acquire(Path::new("app.pid")))
                });
                child.code(patience(60))
            } else {
                outcome_code(acquire(&path))
            };
            assert_ne!(outcome, 10, "could not give up root to run this test");
            assert_eq!(
                outcome,
                RUNNING_1,
                "single instance: pid 1 runs (kill answers EPERM: it exists but belongs to another user), so its \
                 pidfile must be refused with Running(1); EPERM means running, only ESRCH means gone. Got: {}",
                describe(outcome)
            );
            assert_eq!(
                pid_in(&path),
                Some(1),
                "a refused start must leave the holder's pidfile alone"
            );
        })
    }

    /// What a forked child's `acquire` returned, as an exit code.
    const RUNNING_1: i32 = 1;

    fn outcome_code(result: Result<daemons::pidfile::PidFile, Refused>) -> i32 {
        match result {
            Err(Refused::Running(1)) => RUNNING_1,
            Err(Refused::Running(_)) => 2,
            Err(Refused::Io(_)) => 3,
            Ok(held) => {
                drop(held);
                4
            }
        }
    }

    fn describe(code: i32) -> &'static str {
        match code {
            RUNNING_1 => "Running(1)",
            2 => "Running with another pid",
            3 => "Io",
            4 => "Ok: it took the pidfile over",
            101 => "a panic",
            _ => "something else",
        }
    }

    /// A forked child running a closure and exiting with its code (101 if it panicked); killed
    /// and reaped on drop if still there.
    struct Forked(Option<Pid>);

    impl Forked {
        fn run(work: impl FnOnce() -> i32) -> Forked {
            // Safety: the child runs `work` (a few system calls and allocations; glibc's fork
            // keeps malloc usable) and leaves with `_exit`, never returning into the harness.
            match unsafe { nix::unistd::fork() }.expect("fork") {
                nix::unistd::ForkResult::Child => {
                    let code =
                        std::panic::catch_unwind(std::panic::AssertUnwindSafe(work)).unwrap_or(101);
                    // Safety: ends the child at once, without the parent's exit handlers.
                    unsafe { libc::_exit(code) }
                }
                nix::unistd::ForkResult::Parent { child } => Forked(Some(child)),
            }
        }

        /// The child's exit code; fails the test if it does not exit within `limit`.
        fn code(mut self, limit: Duration) -> i32 {
            use nix::sys::wait::{WaitPidFlag, WaitStatus, waitpid};
            let pid = self.0.expect("a child");
            let deadline = Instant::now() + limit;
            loop {
                match waitpid(pid, Some(WaitPidFlag::WNOHANG)).expect("waitpid") {
                    WaitStatus::Exited(_, code) => {
                        self.0 = None;
                        return code;
                    }
                    WaitStatus::StillAlive if Instant::now() < deadline => {
                        thread::sleep(Duration::from_millis(2))
                    }
                    other => panic!("a child running acquire did not finish in time: {other:?}"),
                }
            }
        }
    }

    impl Drop for Forked {
        fn drop(&mut self) {
            if let Some(pid) = self.0.take() {
                let _ = kill(pid, Signal::SIGKILL);
                let _ = nix::sys::wait::waitpid(pid, None);
            }
        }
    }

    /// Reads exactly `buf.len()` bytes from `fd`, waiting at most until `deadline`.
    fn read_by(fd: &std::os::fd::OwnedFd, buf: &mut [u8], deadline: Instant) -> bool {
        use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
        use std::os::fd::AsFd;
        let mut got = 0;
        while got < buf.len() {
            let left = deadline.saturating_duration_since(Instant::now());
            let ms = PollTimeout::try_from(left.as_millis().min(10_000) as u32)
                .unwrap_or(PollTimeout::ZERO);
            let mut fds = [PollFd::new(fd.as_fd(), PollFlags::POLLIN)];
            if poll(&mut fds, ms).unwrap_or(0) == 0 {
                return false;
            }
            match nix::unistd::read(fd, &mut buf[got..]) {
                Ok(0) | Err(_) => return false,
                Ok(n) => got += n,
            }
        }
        true
    }

    #[test]
    fn of_many_processes_starting_at_once_exactly_one_wins() {
        within(|| {
            const STARTS: usize = 6;
            let (_dir, path) = a_pidfile();
            // Round 0: the pidfile is free. Round 1: we hold it, and every start must be refused.
            for round in 0..2 {
                let ours =
                    (round == 1).then(|| acquire(&path).expect("a free pidfile can be taken"));
                let (go_read, go_write) = nix::unistd::pipe().expect("pipe");
                let (report_read, report_write) = nix::unistd::pipe().expect("pipe");
                let (release_read, release_write) = nix::unistd::pipe().expect("pipe");
                let children: Vec<Forked> = (0..STARTS)
                    .map(|_| {
                        let path = path.clone();
                        let (go, report, release) = (&go_read, &report_write, &release_read);
                        Forked::run(move || {
                            let mut byte = [0u8];
                            // All wait here, then start together.
                            let _ = nix::unistd::read(go, &mut byte);
                            let result = std::panic::catch_unwind(|| acquire(&path));
                            let me = std::process::id() as i32;
                            let (kind, pid) = match &result {
                                Ok(Ok(_)) => (0i32, me),
                                Ok(Err(Refused::Running(pid))) => (1, *pid),
                                Ok(Err(Refused::Io(_))) => (2, 0),
                                Err(_) => (3, 0),
                            };
                            let mut record = [0u8; 12];
                            record[..4].copy_from_slice(&kind.to_le_bytes());
                            record[4..8].copy_from_slice(&pid.to_le_bytes());
                            record[8..].copy_from_slice(&me.to_le_bytes());
                            let _ = nix::unistd::write(report, &record);
                            // A winner holds the pidfile until every start has been answered.
                            let _ = nix::unistd::read(release, &mut byte);
                            drop(result);
                            0
                        })
                    })
                    .collect();
                nix::unistd::write(&go_write, &[0u8; STARTS]).expect("start the children");
                let deadline = Instant::now() + patience(50);
                let mut outcomes = Vec::new();
                for _ in 0..STARTS {
                    let mut record = [0u8; 12];
                    assert!(
                        read_by(&report_read, &mut record, deadline),
                        "a process starting at the same time as others never got an answer from acquire ({} did)",
                        outcomes.len()
                    );
                    let field = |i: usize| i32::from_le_bytes(record[i..i + 4].try_into().unwrap());
                    outcomes.push((field(0), field(4), field(8)));
                }
                let holder_in_file = pid_in(&path);
                nix::unistd::write(&release_write, &[0u8; STARTS]).expect("release the children");
                for child in children {
                    child.code(patience(30));
                }
                let winners: Vec<i32> = outcomes.iter().filter(|o| o.0 == 0).map(|o| o.2).collect();
                let expected_holder = match &ours {
                    Some(_) => {
                        assert!(
                            winners.is_empty(),
                            "single instance: we hold the pidfile, yet process(es) {winners:?} starting at the same \
                             time took it too"
                        );
                        std::process::id() as i32
                    }
                    None => {
                        assert_eq!(
                            winners.len(),
                            1,
                            "single instance: of {STARTS} processes starting at once on a free pidfile exactly one must \
                             win (create it only if it does not exist, in one step: create_new), got {} winners \
                             (outcomes, 0 = won, 1 = Running, 2 = Io, 3 = panicked: {outcomes:?})",
                            winners.len()
                        );
                        winners[0]
                    }
                };
                assert_eq!(
                    holder_in_file,
                    Some(expected_holder),
                    "the pidfile must hold the pid of the one process that holds it"
                );
                for (kind, pid, me) in &outcomes {
                    if *me != expected_holder {
                        assert!(
                            *kind == 1 && *pid == expected_holder,
                            "single instance: a start beside the holder {expected_holder} must be refused with \
                             Running({expected_holder}); process {me} got kind {kind} (1 = Running, 2 = Io, 3 = \
                             panicked) with pid {pid}"
                        );
                    }
                }
                drop(ours);
                assert!(
                    !path.exists(),
                    "pidfile left behind: dropping the PidFile must remove the file"
                );
            }
        })
    }
}
