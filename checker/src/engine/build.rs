//! Building a pass's test binaries with cargo, as a child process, and reading what it reports.
//!
//! One `cargo build --keep-going --test SUITE --message-format=json` builds every package of a
//! pass at once (dependencies are shared and built once); its JSON messages give the path of
//! each test binary and the compiler's own error text for each package that does not compile.
//! `--keep-going` is what lets one package that does not compile fail alone: `cargo test
//! --no-run` stops at the first error and never reports the other packages' binaries.
//!
//! Builds are bounded too, since what is compiled is student code: each compiler process may
//! use at most [`RUSTC_MEMORY`] of address space (a macro that doubles its input grows a rustc
//! past any machine's memory), and one that runs longer than [`UNIT_LIMIT`] is stopped. Either
//! way only that package fails; the verdict says why.

use std::collections::{BTreeMap, HashMap};
use std::io::{BufRead, BufReader, Read};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use serde_json::Value;

use super::plan::Pass;

/// The longest a whole build may take before it is killed.
const BUILD_LIMIT: Duration = Duration::from_secs(30 * 60);
/// The longest one compiler process may run (a const evaluation or a macro that never ends).
pub const UNIT_LIMIT: Duration = Duration::from_secs(5 * 60);
/// The address space one compiler process may use.
pub const RUSTC_MEMORY: u64 = 6 << 30;

/// What became of one package of a pass.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UnitBuild {
    /// Built: test target name → test binary, and the package's own binaries.
    Built {
        tests: BTreeMap<String, PathBuf>,
        bins: Vec<OwnBinary>,
    },
    /// The compiler refused it: its messages, rendered as rustc prints them, with the file of
    /// each message's main span (to tell whose file the mistake is in).
    CompileError(Vec<Diagnostic>),
    /// It could not be built for another reason (out of memory, out of time, a crash): why.
    Failed(String),
}

/// A binary of one package: where its suite expects it (`target/debug/NAME`, baked into the
/// test by `env!("CARGO_BIN_EXE_NAME")`) and this package's own copy in `deps/`. Packages of one
/// topic built together all put their `NAME` at the same place (the last one built wins);
/// each test is shown its own package's copy there (`sandbox::isolate`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwnBinary {
    pub expected: PathBuf,
    pub own: PathBuf,
}

/// One compiler error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub rendered: String,
    /// The file of the primary span, relative to the package.
    pub file: Option<String>,
}

/// Builds the test targets of `pass` in the workspace at `manifest` into `target_dir`; returns
/// one result per unit of the pass, in order. `Err` only when cargo itself could not run.
pub fn build_pass(
    manifest: &Path,
    target_dir: &Path,
    pass: &Pass,
    echo: bool,
) -> Result<Vec<UnitBuild>> {
    let mut command = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    command
        .args(["build", "--keep-going", "--message-format=json"])
        .arg("--manifest-path")
        .arg(manifest)
        .env("CARGO_TARGET_DIR", target_dir)
        .env_remove("CARGO_BUILD_TARGET_DIR")
        .env("CARGO_TERM_COLOR", "never")
        // Grading builds are thrown away or rebuilt whole: incremental state and debug info
        // (backtraces; panic locations need neither) only cost time. Dependencies keep the
        // kit's profile, so they are built once.
        .env("CARGO_INCREMENTAL", "0")
        .env("CARGO_PROFILE_DEV_DEBUG", "false")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut suites: Vec<&str> = pass
        .units
        .iter()
        .flat_map(|u| u.suites.iter().map(String::as_str))
        .collect();
    suites.sort_unstable();
    suites.dedup();
    for unit in &pass.units {
        command.args(["-p", &unit.package]);
    }
    for suite in suites {
        command.args(["--test", suite]);
    }
    let features: Vec<String> = pass
        .units
        .iter()
        .flat_map(|u| pass.features.iter().map(|f| format!("{}/{f}", u.package)))
        .collect();
    if !features.is_empty() {
        command.arg("--features").arg(features.join(","));
    }
    // Safety: setrlimit is async-signal-safe and uses no memory prepared after the fork.
    unsafe {
        command.pre_exec(|| {
            nix::sys::resource::setrlimit(
                nix::sys::resource::Resource::RLIMIT_AS,
                RUSTC_MEMORY,
                RUSTC_MEMORY,
            )
            .map_err(std::io::Error::from)
        });
    }
    let mut child = command
        .spawn()
        .context("cannot run cargo: is the Rust toolchain installed?")?;
    let stderr = child.stderr.take().expect("stderr is piped");
    let progress = thread::spawn(move || relay_progress(stderr, echo));
    let (finished, watchdog) = std::sync::mpsc::channel::<()>();
    let pid = child.id() as i32;
    let stopped: Arc<Mutex<Vec<PathBuf>>> = Arc::default();
    let watch = {
        let stopped = Arc::clone(&stopped);
        thread::spawn(move || watch_compilers(pid, &watchdog, &stopped))
    };
    let mut stdout = String::new();
    child
        .stdout
        .take()
        .expect("stdout is piped")
        .read_to_string(&mut stdout)?;
    let status = child.wait()?;
    crate::sandbox::halt_if_interrupted();
    let _ = finished.send(());
    let _ = watch.join();
    let stderr_tail = progress.join().unwrap_or_default();

    let mut tests: BTreeMap<PathBuf, BTreeMap<String, PathBuf>> = BTreeMap::new();
    let mut bins: BTreeMap<PathBuf, Vec<(String, PathBuf)>> = BTreeMap::new();
    let mut errors: BTreeMap<PathBuf, Vec<Diagnostic>> = BTreeMap::new();
    for line in stdout.lines() {
        let Ok(msg) = serde_json::from_str::<Value>(line) else {
            continue;
        };
        let dir = msg["manifest_path"]
            .as_str()
            .and_then(|p| Path::new(p).parent())
            .map(Path::to_path_buf);
        let Some(dir) = dir else { continue };
        match msg["reason"].as_str() {
            Some("compiler-artifact") => {
                let kind = |wanted: &str| {
                    msg["target"]["kind"]
                        .as_array()
                        .is_some_and(|k| k.iter().any(|k| k == wanted))
                };
                if kind("bin")
                    && let (Some(exe), Some(name)) =
                        (msg["executable"].as_str(), msg["target"]["name"].as_str())
                {
                    bins.entry(dir.clone())
                        .or_default()
                        .push((name.to_owned(), PathBuf::from(exe)));
                }
                let is_test = kind("test");
                if let (true, Some(exe), Some(name)) = (
                    is_test,
                    msg["executable"].as_str(),
                    msg["target"]["name"].as_str(),
                ) {
                    tests
                        .entry(dir)
                        .or_default()
                        .insert(name.to_owned(), PathBuf::from(exe));
                }
            }
            Some("compiler-message") if msg["message"]["level"] == "error" => {
                // The closing "aborting due to N previous errors" has no source span.
                let spans = msg["message"]["spans"].as_array();
                let primary = spans.and_then(|s| s.iter().find(|s| s["is_primary"] == true));
                if let (Some(_), Some(rendered)) = (primary, msg["message"]["rendered"].as_str()) {
                    errors.entry(dir).or_default().push(Diagnostic {
                        rendered: rendered.trim_end().to_owned(),
                        file: primary
                            .and_then(|s| s["file_name"].as_str())
                            .map(str::to_owned),
                    });
                }
            }
            _ => {}
        }
    }
    let stopped = stopped.lock().unwrap_or_else(|e| e.into_inner()).clone();
    let workspace = manifest.parent().unwrap_or(Path::new("/"));
    let results: Vec<UnitBuild> = pass
        .units
        .iter()
        .map(|unit| {
            if let Some(found) = errors.remove(&unit.dir) {
                return UnitBuild::CompileError(found);
            }
            let built = tests.remove(&unit.dir).unwrap_or_default();
            if unit.suites.iter().all(|s| built.contains_key(s)) {
                let own = bins
                    .remove(&unit.dir)
                    .unwrap_or_default()
                    .into_iter()
                    .filter_map(|(name, expected)| {
                        let own = own_copy(&expected, &name, &unit.dir, workspace)?;
                        Some(OwnBinary { expected, own })
                    })
                    .collect();
                return UnitBuild::Built {
                    tests: built,
                    bins: own,
                };
            }
            UnitBuild::Failed(if stopped.contains(&unit.dir) {
                format!(
                    "the compiler was stopped after {} min on this code (a macro or a constant \
                     whose evaluation never ends?)",
                    UNIT_LIMIT.as_secs() / 60
                )
            } else if stderr_tail.contains("memory allocation of") {
                format!(
                    "the compiler ran out of memory (more than {} GiB) on this code (a macro \
                     that grows its input without bound?)",
                    RUSTC_MEMORY >> 30
                )
            } else {
                format!("no test binary was built:\n{stderr_tail}")
            })
        })
        .collect();
    if !status.success()
        && results.iter().all(|r| matches!(r, UnitBuild::Failed(_)))
        && stopped.is_empty()
    {
        bail!("cargo could not build the tests:\n{stderr_tail}");
    }
    Ok(results)
}

/// The copy of binary `name` that the package in `dir` built: `deps/NAME-HASH` beside the
/// shared `expected` path, found through its dep-info file, which names the binary's sources
/// (relative to the `workspace` root for its members).
fn own_copy(expected: &Path, name: &str, dir: &Path, workspace: &Path) -> Option<PathBuf> {
    let deps = expected.parent()?.join("deps");
    let stem = format!("{}-", name.replace('-', "_"));
    let absolute = format!("{}/", dir.display());
    let relative = dir
        .strip_prefix(workspace)
        .ok()
        .map(|r| format!("{}/", r.display()));
    let ours = |source: &str| {
        source.starts_with(&absolute) || relative.as_ref().is_some_and(|r| source.starts_with(r))
    };
    std::fs::read_dir(&deps)
        .ok()?
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.extension().is_some_and(|e| e == "d")
                && p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with(&stem))
        })
        .find(|d| {
            std::fs::read_to_string(d).ok().is_some_and(|text| {
                text.lines()
                    .next()
                    .is_some_and(|l| l.split_whitespace().skip(1).any(&ours))
            })
        })
        .map(|d| d.with_extension(""))
        .filter(|exe| exe.is_file())
}

/// Until `finished` says so (or the whole build's limit passes): stops compiler processes that
/// run longer than [`UNIT_LIMIT`] and notes the folder each was compiling in.
fn watch_compilers(
    cargo: i32,
    finished: &std::sync::mpsc::Receiver<()>,
    stopped: &Mutex<Vec<PathBuf>>,
) {
    let started = Instant::now();
    let mut seen: HashMap<i32, Instant> = HashMap::new();
    loop {
        match finished.recv_timeout(Duration::from_secs(1)) {
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {}
            _ => return,
        }
        if started.elapsed() > BUILD_LIMIT {
            crate::sandbox::kill_tree(cargo);
            let _ = nix::sys::signal::kill(
                nix::unistd::Pid::from_raw(cargo),
                nix::sys::signal::Signal::SIGKILL,
            );
            return;
        }
        for process in crate::procs::descendants(cargo) {
            if process.comm != "rustc" {
                continue;
            }
            let first = *seen.entry(process.pid).or_insert_with(Instant::now);
            if first.elapsed() > UNIT_LIMIT {
                if let Ok(dir) = std::fs::read_link(format!("/proc/{}/cwd", process.pid)) {
                    stopped.lock().unwrap_or_else(|e| e.into_inner()).push(dir);
                }
                let _ = nix::sys::signal::kill(
                    nix::unistd::Pid::from_raw(process.pid),
                    nix::sys::signal::Signal::SIGKILL,
                );
            }
        }
    }
}

/// Shows cargo's own lines while it builds (with `--verbose`: a terminal gets the reporter's
/// spinner instead, and cargo's `Finished ...` lines would only be noise between verdicts) and
/// keeps the last lines for an error message.
fn relay_progress(stderr: impl Read, echo: bool) -> String {
    let mut tail: Vec<String> = Vec::new();
    for line in BufReader::new(stderr).lines().map_while(Result::ok) {
        if echo {
            eprintln!("{line}");
        }
        tail.push(line);
        if tail.len() > 40 {
            tail.remove(0);
        }
    }
    tail.join("\n")
}
