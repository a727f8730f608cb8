//! Running tests: each in its own sandboxed process, a few at a time, each bounded in time.

use std::io::Read;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};

use crate::sandbox::{self, Trailer};

/// Live descendants one test may have before it counts as a fork bomb.
pub const MAX_PROCS: usize = 256;

/// Most of a test's output kept for the report.
const OUTPUT_LIMIT: usize = 64 * 1024;

/// One test to run.
#[derive(Debug, Clone)]
pub struct TestJob {
    pub exe: PathBuf,
    pub cwd: PathBuf,
    pub name: String,
    /// The in-suite limit (`grading::within`); the sandbox kills a little after it.
    pub timeout: Duration,
    pub serial: bool,
    /// The candidate the test grades: with `fail_fast`, once one of a group's tests has failed
    /// the rest of the group is skipped.
    pub group: usize,
    /// Where the test may write a picture of a failing run (`KIT_TRACE_DIR`).
    pub traces: PathBuf,
}

/// What running one test gave.
#[derive(Debug)]
pub struct RawOutcome {
    pub output: String,
    /// `None` if the sandbox ended without its report (it crashed or was killed).
    pub trailer: Option<Trailer>,
    pub elapsed: Duration,
    /// Not run: another test of its group had already failed (`fail_fast`).
    pub skipped: bool,
}

impl RawOutcome {
    /// Whether the test passed, as far as the sandbox can tell (the verdict is the judge's).
    fn passed(&self) -> bool {
        self.trailer
            .as_ref()
            .is_some_and(|t| t.code == Some(0) && t.leftovers.is_empty() && !t.timed_out)
    }

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
/// returns the outcomes in the order of `tests`. `done` is called after each test. With
/// `fail_fast`, a group's remaining tests are skipped once one of them has failed (mutation
/// testing only needs to know that a mutant is killed).
pub fn run_all(
    tests: &[TestJob],
    jobs: usize,
    fail_fast: bool,
    done: &(dyn Fn(&TestJob) + Sync),
) -> Vec<RawOutcome> {
    let failed = Mutex::new(std::collections::BTreeSet::new());
    let run = |test: &TestJob| {
        if fail_fast && failed.lock().unwrap().contains(&test.group) {
            return RawOutcome::skipped();
        }
        let outcome = run_one(test);
        if !outcome.passed() {
            failed.lock().unwrap().insert(test.group);
        }
        outcome
    };
    let results: Vec<Mutex<Option<RawOutcome>>> = tests.iter().map(|_| Mutex::new(None)).collect();
    let queue = Mutex::new(
        tests
            .iter()
            .enumerate()
            .filter(|(_, t)| !t.serial)
            .map(|(i, _)| i)
            .collect::<Vec<_>>(),
    );
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

/// Runs one test through `checker __sandbox`, never longer than its limits.
pub fn run_one(test: &TestJob) -> RawOutcome {
    sandbox::halt_if_interrupted();
    let started = Instant::now();
    let outcome = try_run_one(test);
    sandbox::halt_if_interrupted();
    match outcome {
        Ok((output, trailer)) => RawOutcome {
            output,
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

fn try_run_one(test: &TestJob) -> Result<(String, Option<Trailer>)> {
    // The sandbox kills the test a little after the in-suite limit, so that the suite's own
    // message ("did not finish ...") wins whenever the suite can still speak.
    let hard_limit = test.timeout + Duration::from_secs(3);
    let (reader, writer) = std::io::pipe()?;
    // `/proc/self/exe`, not the path the checker was started from: the running binary itself,
    // even if a build has replaced the file at that path since (a long `verify` while the
    // checker is rebuilt would otherwise start its sandboxes from the new binary, or none).
    let mut child = Command::new("/proc/self/exe")
        .arg("__sandbox")
        .arg("--timeout-ms")
        .arg(hard_limit.as_millis().to_string())
        .arg("--max-procs")
        .arg(MAX_PROCS.to_string())
        .arg("--")
        .arg(&test.exe)
        .args(["--exact", &test.name, "--nocapture", "--test-threads=1"])
        .current_dir(&test.cwd)
        .env("RUST_BACKTRACE", "0")
        .env("KIT_TEST_TIMEOUT_MS", test.timeout.as_millis().to_string())
        .env("KIT_TRACE_DIR", &test.traces)
        .stdin(Stdio::null())
        .stdout(writer.try_clone()?)
        .stderr(writer)
        .process_group(0)
        .spawn()
        .context("cannot start the sandbox")?;
    // Read in a thread: a process that escaped with our pipe must not block the verdict.
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = reader
            .take((OUTPUT_LIMIT * 16) as u64)
            .read_to_end(&mut bytes);
        let _ = tx.send(bytes);
    });
    let deadline = Instant::now() + hard_limit + Duration::from_secs(5);
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
    let bytes = rx.recv_timeout(Duration::from_secs(2)).unwrap_or_default();
    let text = String::from_utf8_lossy(&bytes).into_owned();
    let (output, trailer) = sandbox::split_trailer(&text);
    let trailer = match (trailer, status) {
        (Some(trailer), _) => Some(trailer),
        (None, None) => Some(Trailer {
            timed_out: true,
            ..Trailer::default()
        }),
        (None, Some(_)) => None,
    };
    Ok((clip(output), trailer))
}

/// Keeps the start and the end of a long output.
fn clip(output: &str) -> String {
    if output.len() <= OUTPUT_LIMIT {
        return output.to_owned();
    }
    let head = floor_char(output, OUTPUT_LIMIT / 2);
    let tail = floor_char(output, output.len() - OUTPUT_LIMIT / 2);
    format!(
        "{}\n[... {} bytes cut ...]\n{}",
        &output[..head],
        tail - head,
        &output[tail..]
    )
}

fn floor_char(s: &str, mut i: usize) -> usize {
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}
