//! Running tests: each in its own sandboxed process (`checker __sandbox`, see [`sandbox`]), a
//! few at a time, each bounded in time, memory and processes. Listing a test binary's tests runs
//! in a sandbox too: its start-up is student code.
//!
//! The sandbox's report comes back on a pipe of its own, given to the sandbox as fd
//! [`sandbox::REPORT_FD`] and never to the test; what the sandbox itself prints (its own
//! errors) is read apart, and never taken for a report.

use std::io::Read;
use std::os::fd::{AsRawFd, OwnedFd};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use crate::sandbox::isolate::{self, View};
use crate::sandbox::{self, Spec, Trailer};

/// Live descendants one test may have before it counts as a fork bomb.
pub const MAX_PROCS: usize = 256;

/// Bytes of a listing kept: a suite's names, however many.
const LIST_KEEP: usize = 1 << 20;

/// One test to run.
#[derive(Debug, Clone)]
pub struct TestJob {
    pub exe: PathBuf,
    pub name: String,
    /// The in-suite limit (`grading::within`); the sandbox kills a little after it.
    pub timeout: Duration,
    pub serial: bool,
    /// The candidate the test grades: once the grading has seen enough of a group (see
    /// [`run_all`]), the rest of the group is skipped.
    pub group: usize,
    /// Where the test may write a picture of a failing run (`KIT_TRACE_DIR`).
    pub traces: PathBuf,
    /// Memory the test may use, in bytes.
    pub memory: u64,
    /// What the test may see (its package, the kit) and what it must not.
    pub view: View,
}

/// What running one test gave.
#[derive(Debug)]
pub struct RawOutcome {
    pub output: String,
    /// `None` if the sandbox ended without its report (it crashed or was killed).
    pub trailer: Option<Trailer>,
    pub elapsed: Duration,
    /// Not run: the grading had already seen enough of its group.
    pub skipped: bool,
}

impl RawOutcome {
    fn skipped() -> RawOutcome {
        RawOutcome {
            output: String::new(),
            trailer: None,
            elapsed: Duration::ZERO,
            skipped: true,
        }
    }
}

/// Runs every job (the parallel ones up to `jobs` at a time, then the serial ones alone) and
/// returns the outcomes in the order of `tests`. `done` is called after each test. `enough`
/// hears each outcome too: once it says a group has shown enough (a mutant killed, a wrong
/// solution rejected with the words it must say), the group's tests not yet started are skipped.
pub fn run_all(
    tests: &[TestJob],
    jobs: usize,
    enough: &(dyn Fn(&TestJob, &RawOutcome) -> bool + Sync),
    done: &(dyn Fn(&TestJob) + Sync),
) -> Vec<RawOutcome> {
    let settled = Mutex::new(std::collections::BTreeSet::new());
    let run = |test: &TestJob| {
        if settled.lock().unwrap().contains(&test.group) {
            return RawOutcome::skipped();
        }
        let outcome = run_one(test);
        if enough(test, &outcome) {
            settled.lock().unwrap().insert(test.group);
        }
        outcome
    };
    let results: Vec<Mutex<Option<RawOutcome>>> = tests.iter().map(|_| Mutex::new(None)).collect();
    let queue = Mutex::new(queue_order(tests));
    thread::scope(|s| {
        for _ in 0..jobs.max(1) {
            s.spawn(|| {
                loop {
                    let next = queue.lock().unwrap().pop();
                    let Some(i) = next else { break };
                    *results[i].lock().unwrap() = Some(run(&tests[i]));
                    done(&tests[i]);
                }
            });
        }
    });
    for (i, test) in tests.iter().enumerate().filter(|(_, t)| t.serial) {
        *results[i].lock().unwrap() = Some(run(test));
        done(test);
    }
    results
        .into_iter()
        .map(|r| r.into_inner().unwrap().expect("every test ran"))
        .collect()
}

/// The parallel tests, last to run first (the queue is popped): every group's first test, then
/// every group's second, and so on, so that a group that has shown enough after one test skips
/// the rest instead of having them all started at once.
fn queue_order(tests: &[TestJob]) -> Vec<usize> {
    let mut seen = std::collections::HashMap::<usize, usize>::new();
    let mut order: Vec<(usize, usize)> = tests
        .iter()
        .enumerate()
        .filter(|(_, t)| !t.serial)
        .map(|(i, t)| {
            let rank = seen.entry(t.group).or_default();
            *rank += 1;
            (*rank, i)
        })
        .collect();
    order.sort();
    order.into_iter().rev().map(|(_, i)| i).collect()
}

/// Runs one test through `checker __sandbox`, never longer than its limits.
pub fn run_one(test: &TestJob) -> RawOutcome {
    sandbox::halt_if_interrupted();
    let started = Instant::now();
    // The sandbox kills the test a little after the in-suite limit, so that the suite's own
    // message ("did not finish ...") wins whenever the suite can still speak.
    let hard_limit = test.timeout + Duration::from_secs(3);
    let mut env = isolate::environment();
    env.extend([
        ("RUST_BACKTRACE".to_owned(), "0".to_owned()),
        (
            "KIT_TEST_TIMEOUT_MS".to_owned(),
            test.timeout.as_millis().to_string(),
        ),
        (
            "KIT_TRACE_DIR".to_owned(),
            test.traces.display().to_string(),
        ),
    ]);
    let spec = Spec {
        program: test.exe.display().to_string(),
        args: ["--exact", &test.name, "--nocapture", "--test-threads=1"]
            .map(String::from)
            .to_vec(),
        test: Some(test.name.clone()),
        timeout_ms: hard_limit.as_millis() as u64,
        max_procs: MAX_PROCS,
        memory: test.memory,
        cpu_secs: cpu_secs(hard_limit),
        keep: sandbox::KEEP,
        isolation: isolate::isolation(),
        view: test.view.clone(),
        env,
    };
    let outcome = in_sandbox(&spec, hard_limit);
    sandbox::halt_if_interrupted();
    match outcome {
        Ok(trailer) => RawOutcome {
            output: trailer.as_ref().map(Trailer::output).unwrap_or_default(),
            trailer,
            elapsed: started.elapsed(),
            skipped: false,
        },
        Err(err) => RawOutcome {
            output: format!("the checker could not run this test: {err:#}"),
            trailer: None,
            elapsed: started.elapsed(),
            skipped: false,
        },
    }
}

/// CPU time each process of a test may use: the whole time limit on every CPU. It is the
/// bound of a busy test that outlived its sandbox; a test's own limit is its wall-clock time.
fn cpu_secs(hard_limit: Duration) -> u64 {
    let cpus = thread::available_parallelism().map_or(1, |n| n.get()) as u64;
    hard_limit.as_secs().max(1) * cpus + 1
}

/// The tests of a test binary whose names start with `prefix`, listed within `limit` in a
/// sandbox like a test's (a test binary is student code: its start-up may hang, or lie).
pub fn list_tests(
    exe: &Path,
    prefix: &str,
    view: &View,
    memory: u64,
    limit: Duration,
) -> Result<Vec<String>> {
    let spec = Spec {
        program: exe.display().to_string(),
        args: ["--list", "--format", "terse"].map(String::from).to_vec(),
        test: None,
        timeout_ms: limit.as_millis() as u64,
        max_procs: MAX_PROCS,
        memory,
        cpu_secs: cpu_secs(limit),
        keep: LIST_KEEP,
        isolation: isolate::isolation(),
        view: view.clone(),
        env: isolate::environment(),
    };
    let Some(trailer) = in_sandbox(&spec, limit)? else {
        bail!("the test binary's sandbox ended without a report while listing its tests");
    };
    if trailer.timed_out {
        bail!(
            "the test binary did not list its tests within {} s (code that runs before \
             main?)",
            limit.as_secs()
        );
    }
    if trailer.code != Some(0) {
        bail!(
            "the test binary could not list its tests ({}): {}",
            match (trailer.code, trailer.signal) {
                (Some(code), _) => format!("exit code {code}"),
                (_, Some(signal)) => format!("signal {signal}"),
                _ => "killed".to_owned(),
            },
            trailer.output().trim()
        );
    }
    let all = crate::libtest::parse_list(&trailer.output());
    Ok(all
        .into_iter()
        .filter(|name| name.starts_with(prefix))
        .collect())
}

/// Runs `checker __sandbox` for `spec` and reads its report (`None`: it ended without one).
fn in_sandbox(spec: &Spec, hard_limit: Duration) -> Result<Option<Trailer>> {
    let (report, report_writer) = std::io::pipe()?;
    let report_writer = OwnedFd::from(report_writer);
    let writer_fd = report_writer.as_raw_fd();
    let (diagnostics, diagnostics_writer) = std::io::pipe()?;
    // `/proc/self/exe`, not the path the checker was started from: the running binary itself,
    // even if a build has replaced the file at that path since (a long `verify` while the
    // checker is rebuilt would otherwise start its sandboxes from the new binary, or none).
    let mut command = Command::new("/proc/self/exe");
    command
        .arg("__sandbox")
        .arg("--spec")
        .arg(serde_json::to_string(spec)?)
        .stdin(Stdio::null())
        .stdout(diagnostics_writer.try_clone()?)
        .stderr(diagnostics_writer)
        .process_group(0);
    // Safety: `sandbox::pass_fd` only makes async-signal-safe calls; the fd stays open in
    // the parent until after spawn.
    unsafe {
        command.pre_exec(move || sandbox::pass_fd(writer_fd, sandbox::REPORT_FD));
    }
    let mut child = command.spawn().context("cannot start the sandbox")?;
    sandbox::register(child.id());
    drop(command);
    drop(report_writer);
    // Read in threads: a process that escaped with a pipe must not block the verdict.
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = report.take(64 << 20).read_to_end(&mut bytes);
        let _ = tx.send(bytes);
    });
    let (say, said) = mpsc::channel();
    thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = diagnostics.take(64 << 10).read_to_end(&mut bytes);
        let _ = say.send(bytes);
    });
    let deadline = Instant::now() + hard_limit + Duration::from_secs(10);
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break Some(status);
        }
        if Instant::now() >= deadline {
            // The sandbox itself is stuck: kill its whole group; orphans come back to the
            // checker (a subreaper too) and are swept at exit.
            let pgid = nix::unistd::Pid::from_raw(child.id() as i32);
            let _ = nix::sys::signal::killpg(pgid, nix::sys::signal::Signal::SIGKILL);
            let _ = child.wait();
            break None;
        }
        thread::sleep(Duration::from_millis(5));
    };
    sandbox::unregister(child.id());
    let bytes = rx.recv_timeout(Duration::from_secs(2)).unwrap_or_default();
    match serde_json::from_slice::<Trailer>(&bytes) {
        Ok(trailer) => Ok(Some(trailer)),
        Err(_) if status.is_none() => Ok(Some(Trailer {
            timed_out: true,
            ..Trailer::default()
        })),
        Err(_) => {
            let said = said
                .recv_timeout(Duration::from_secs(1))
                .unwrap_or_default();
            let said = String::from_utf8_lossy(&said);
            if said.trim().is_empty() {
                Ok(None)
            } else {
                bail!("the sandbox failed: {}", said.trim())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job(group: usize, serial: bool) -> TestJob {
        TestJob {
            exe: PathBuf::new(),
            name: format!("t{group}"),
            timeout: Duration::from_secs(1),
            serial,
            group,
            traces: PathBuf::new(),
            memory: 0,
            view: View::default(),
        }
    }

    #[test]
    fn every_group_starts_its_first_test_before_any_group_its_second() {
        let tests = [
            job(0, false),
            job(0, false),
            job(1, false),
            job(2, true),
            job(1, false),
        ];
        let mut order = queue_order(&tests);
        order.reverse(); // the queue is popped from its end
        assert_eq!(order, [0, 2, 1, 4], "serial tests are left out, run after");
    }
}
