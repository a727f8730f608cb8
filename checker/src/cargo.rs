//! Building test binaries with cargo, as a child process, and reading what it reports.
//!
//! One `cargo build --keep-going --test SUITE --message-format=json` builds every package of a
//! grading pass at once (dependencies are shared and built once); its JSON messages give the
//! path of each test binary and the compiler's own error text for each package that does not
//! compile. `--keep-going` is what lets one package that does not compile fail alone: `cargo
//! test --no-run` stops at the first error and never reports the other packages' binaries.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, IsTerminal, Read};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::thread;

use anyhow::{Context, Result, bail};
use serde_json::Value;

/// The longest a build may take before it is killed.
const BUILD_LIMIT: std::time::Duration = std::time::Duration::from_secs(20 * 60);

/// A package to build, and the features to build it with.
#[derive(Debug, Clone)]
pub struct BuildUnit {
    pub package: String,
    pub features: Vec<String>,
    pub suites: Vec<String>,
}

/// What one build produced.
#[derive(Debug, Default)]
pub struct BuildOutput {
    /// (package folder, test target name) → test binary.
    pub tests: BTreeMap<(PathBuf, String), PathBuf>,
    /// package folder → the compiler's error messages, rendered as rustc prints them.
    pub errors: BTreeMap<PathBuf, Vec<String>>,
}

/// Builds the test targets of `units` in the workspace at `manifest` into `target_dir`.
pub fn build_tests(
    manifest: &Path,
    target_dir: &Path,
    units: &[BuildUnit],
    verbose: bool,
) -> Result<BuildOutput> {
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
    let mut suites: Vec<&str> = units
        .iter()
        .flat_map(|u| u.suites.iter().map(String::as_str))
        .collect();
    suites.sort_unstable();
    suites.dedup();
    for unit in units {
        command.args(["-p", &unit.package]);
    }
    for suite in suites {
        command.args(["--test", suite]);
    }
    let features: Vec<String> = units
        .iter()
        .flat_map(|u| u.features.iter().map(|f| format!("{}/{f}", u.package)))
        .collect();
    if !features.is_empty() {
        command.arg("--features").arg(features.join(","));
    }
    let mut child = command
        .spawn()
        .context("cannot run cargo: is the Rust toolchain installed?")?;
    let stderr = child.stderr.take().expect("stderr is piped");
    let echo = verbose || std::io::stderr().is_terminal();
    let progress = thread::spawn(move || relay_progress(stderr, echo));
    // A build that never ends (a runaway build script or proc macro) is bounded too: past the
    // limit cargo and everything it started are killed.
    let (finished, watchdog) = std::sync::mpsc::channel::<()>();
    let pid = child.id() as i32;
    thread::spawn(move || {
        if watchdog.recv_timeout(BUILD_LIMIT) == Err(std::sync::mpsc::RecvTimeoutError::Timeout) {
            crate::sandbox::kill_tree(pid);
            let _ = nix::sys::signal::kill(
                nix::unistd::Pid::from_raw(pid),
                nix::sys::signal::Signal::SIGKILL,
            );
        }
    });
    let mut stdout = String::new();
    child
        .stdout
        .take()
        .expect("stdout is piped")
        .read_to_string(&mut stdout)?;
    let status = child.wait()?;
    crate::sandbox::halt_if_interrupted();
    let _ = finished.send(());
    let stderr_tail = progress.join().unwrap_or_default();

    let mut out = BuildOutput::default();
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
                let is_test = msg["target"]["kind"]
                    .as_array()
                    .is_some_and(|k| k.iter().any(|k| k == "test"));
                if let (true, Some(exe), Some(name)) = (
                    is_test,
                    msg["executable"].as_str(),
                    msg["target"]["name"].as_str(),
                ) {
                    out.tests.insert((dir, name.to_owned()), PathBuf::from(exe));
                }
            }
            Some("compiler-message") if msg["message"]["level"] == "error" => {
                // The closing "aborting due to N previous errors" has no source span.
                let has_span = msg["message"]["spans"]
                    .as_array()
                    .is_some_and(|s| !s.is_empty());
                if let (true, Some(rendered)) = (has_span, msg["message"]["rendered"].as_str()) {
                    out.errors
                        .entry(dir)
                        .or_default()
                        .push(rendered.trim_end().to_owned());
                }
            }
            _ => {}
        }
    }
    if !status.success() && out.errors.is_empty() {
        bail!("cargo could not build the tests:\n{stderr_tail}");
    }
    Ok(out)
}

/// Shows cargo's progress lines while it builds (on a terminal) and keeps the last lines
/// for an error message.
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

/// The test names of a binary that start with `prefix`.
pub fn list_tests(exe: &Path, prefix: &str) -> Result<Vec<String>> {
    let output = Command::new(exe)
        .args(["--list", "--format", "terse"])
        .stdin(Stdio::null())
        .output()
        .with_context(|| format!("cannot run {}", exe.display()))?;
    if !output.status.success() {
        bail!(
            "{} --list failed: {}",
            exe.display(),
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let all = crate::libtest::parse_list(&String::from_utf8_lossy(&output.stdout));
    Ok(all
        .into_iter()
        .filter(|name| name.starts_with(prefix))
        .collect())
}
