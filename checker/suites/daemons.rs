//! Grading suite for the `daemons` topic.
//!
//! The tests run the crate's own binaries (`src/bin/daemons-*.rs`) and check from outside
//! what a daemon is: the main thread does not wait for daemon threads; a Unix daemon has left
//! the launcher's session, has no terminal, outlives the launcher, works periodically and stops
//! on SIGTERM, removing its pidfile. Every daemon is killed in a `Drop` guard (found through
//! its pidfile), even when a test fails; its files live in a temporary directory.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use grading::{Next, PATIENCE, Program, procfs, within};
use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;

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
}

mod unix_daemon {
    use super::*;

    const SAVER: &str = env!("CARGO_BIN_EXE_daemons-saver");

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

        /// Starts the launcher; checks that it exits and that the daemon it leaves is running.
        fn launch() -> Daemon {
            let dir = tempfile::tempdir().expect("temp dir");
            let mut launcher = Command::new(SAVER)
                .arg(dir.path())
                .arg("20")
                .stdin(Stdio::null())
                .stdout(Stdio::piped())
                .spawn()
                .expect("start daemons-saver");
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
                        "the launcher did not exit: the process that starts a daemon must fork and exit, leaving \
                         the daemon in the background"
                    );
                }
                thread::sleep(Duration::from_millis(5));
            };
            assert!(status.success(), "the launcher failed: {status}");
            let found = procfs::eventually(PATIENCE, || read_pid(&daemon.pidfile()).is_some());
            assert!(
                found,
                "pidfile: no pid appeared in {} after the launcher exited",
                daemon.pidfile().display()
            );
            daemon.pid = read_pid(&daemon.pidfile()).expect("pid");
            assert!(
                procfs::is_running(daemon.pid),
                "the pidfile names pid {}, which is not running: write the pidfile in the daemon itself, after the \
                 last fork (the daemon may be running under another pid, out of reach)",
                daemon.pid
            );
            assert_ne!(
                daemon.pid, daemon.launcher,
                "the daemon must be a new process, not the launcher"
            );
            daemon
        }
    }

    impl Drop for Daemon {
        fn drop(&mut self) {
            let known = read_pid(&self.pidfile()).into_iter().chain([self.pid]);
            for pid in known.filter(|&p| p > 0) {
                // Only a process that is ours to kill: the pid may have been given to another.
                if procfs::is_running(pid) && procfs::cmdline(pid).contains("daemons-saver") {
                    let _ = kill(Pid::from_raw(pid), Signal::SIGKILL);
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

    #[test]
    fn the_daemon_works_periodically() {
        within(|| {
            let daemon = Daemon::launch();
            let worked = procfs::eventually(PATIENCE, || {
                daemon
                    .log()
                    .iter()
                    .filter(|l| l.starts_with("tick"))
                    .count()
                    >= 3
            });
            assert!(
                worked,
                "periodic work: the daemon should append a tick to its log every 20 ms; log: {:?}",
                daemon.log()
            );
        })
    }

    #[test]
    fn sigterm_stops_it_and_removes_the_pidfile() {
        within(|| {
            let daemon = Daemon::launch();
            procfs::eventually(PATIENCE, || !daemon.log().is_empty());
            kill(Pid::from_raw(daemon.pid), Signal::SIGTERM).expect("signal the daemon");
            let stopped = procfs::eventually(PATIENCE, || !procfs::is_running(daemon.pid));
            assert!(
                stopped,
                "did not stop on SIGTERM: the daemon {} is still running; stop the work loop on SIGTERM",
                daemon.pid
            );
            assert_eq!(
                daemon.log().last().map(String::as_str),
                Some("stopped"),
                "graceful stop: the daemon must finish its log with `stopped` (it was killed, or the handler does not \
                 just set a flag)"
            );
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

    fn pid_in(path: &Path) -> Option<i32> {
        std::fs::read_to_string(path).ok()?.trim().parse().ok()
    }

    #[test]
    fn acquire_writes_our_pid_and_drop_removes_it() {
        within(|| {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("app.pid");
            let held = acquire(&path).expect("a free pidfile can be taken");
            assert_eq!(
                pid_in(&path),
                Some(std::process::id() as i32),
                "the pidfile must hold our pid"
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
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("app.pid");
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
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("app.pid");
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
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("app.pid");
            // A pid that was running and has ended (reaped): the daemon died without cleaning up.
            let mut gone = Command::new("true").spawn().expect("start true");
            let dead = gone.id() as i32;
            gone.wait().unwrap();
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
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("app.pid");
            std::fs::write(&path, "not a pid\n").unwrap();
            let held = acquire(&path).unwrap_or_else(|e| {
                panic!("stale pidfile: one that holds no pid names no running process, got {e:?}")
            });
            assert_eq!(pid_in(&path), Some(std::process::id() as i32));
            drop(held);
        })
    }
}
