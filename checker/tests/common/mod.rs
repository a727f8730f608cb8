//! Shared by the checker's CLI tests: a throw-away copy of the kit to play the student in.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use tempfile::TempDir;

/// The real kit, the one these tests belong to.
pub fn real_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("checker/ is inside the kit")
        .to_path_buf()
}

/// The checker binary, running in `dir` (building into that kit's own `target/checker`).
pub fn checker_in(dir: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_checker"));
    cmd.current_dir(dir)
        .env_remove("KIT_TARGET_DIR")
        .env_remove("CARGO_TARGET_DIR");
    cmd
}

/// A copy of the kit's sources in a temporary folder: what a student's clone looks like.
pub struct KitCopy {
    pub dir: TempDir,
}

impl KitCopy {
    pub fn new() -> KitCopy {
        let dir = tempfile::Builder::new()
            .prefix("kit-copy-")
            .tempdir()
            .unwrap();
        let root = real_root();
        for item in [
            "Cargo.toml",
            "Cargo.lock",
            ".cargo",
            "checker",
            "exercises",
            "solutions",
            "docs",
        ] {
            copy(&root.join(item), &dir.path().join(item));
        }
        KitCopy { dir }
    }

    /// A copy whose catalog holds only the `threads` topic: what the student-loop tests need,
    /// whatever other topics the kit grows (and cheap to build: no external crates).
    pub fn threads_only() -> KitCopy {
        let kit = KitCopy::new();
        let path = kit.path("checker/catalog.toml");
        let mut catalog: toml::Table =
            toml::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        for key in ["topic", "exercise"] {
            let entries = catalog[key].as_array_mut().unwrap();
            entries.retain(|entry| {
                entry.get("name").and_then(|n| n.as_str()) == Some("threads")
                    || entry.get("topic").and_then(|t| t.as_str()) == Some("threads")
            });
        }
        std::fs::write(&path, toml::to_string(&catalog).unwrap()).unwrap();
        // The other topics' crates go too (and the concepts only they teach), so the copy is a
        // consistent kit that `lint` and `verify` accept.
        let taught: Vec<i64> = catalog["topic"][0]["concepts"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|c| c.as_integer())
            .collect();
        for folder in ["exercises", "solutions", "checker/pristine"] {
            for entry in std::fs::read_dir(kit.path(folder)).unwrap() {
                let entry = entry.unwrap();
                if entry.file_name() != "threads" && entry.path().is_dir() {
                    std::fs::remove_dir_all(entry.path()).unwrap();
                }
            }
        }
        let map = kit.path("docs/src/concepts.md");
        let kept: String = std::fs::read_to_string(&map)
            .unwrap()
            .lines()
            .filter(|line| {
                let number = line
                    .strip_prefix("| ")
                    .and_then(|row| row.split(' ').next())
                    .and_then(|n| n.parse::<i64>().ok());
                number.is_none_or(|n| taught.contains(&n))
            })
            .map(|line| format!("{line}\n"))
            .collect();
        std::fs::write(&map, kept).unwrap();
        kit
    }

    pub fn path(&self, relative: &str) -> PathBuf {
        self.dir.path().join(relative)
    }

    pub fn checker(&self) -> Command {
        checker_in(self.dir.path())
    }

    /// Puts a file of the kit (relative to the real root) in place of the student's file.
    pub fn replace(&self, exercise_file: &str, with: &str) {
        std::fs::copy(real_root().join(with), self.path(exercise_file)).unwrap();
    }
}

fn copy(from: &Path, to: &Path) {
    if from.is_dir() {
        // The checker's own tests are not part of a student's kit (the grading crate's are).
        if from.file_name().is_some_and(|n| n == "target") || from.ends_with("checker/tests") {
            return;
        }
        std::fs::create_dir_all(to).unwrap();
        for entry in std::fs::read_dir(from).unwrap() {
            let entry = entry.unwrap();
            copy(&entry.path(), &to.join(entry.file_name()));
        }
    } else if from.is_file() {
        std::fs::copy(from, to).unwrap();
    }
}

/// Parses a command's stdout as JSON.
pub fn json(output: &std::process::Output) -> serde_json::Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}):\n{}\n{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    })
}

/// Stops a checker started by a test: SIGTERM first, which it answers by killing every test it
/// started, then SIGKILL if it is still there after 5 s.
pub fn stop(child: &mut std::process::Child) {
    let pid = nix::unistd::Pid::from_raw(child.id() as i32);
    let _ = nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while matches!(child.try_wait(), Ok(None)) && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    let _ = child.kill();
    let _ = child.wait();
}

/// The page at `path` as headless Chromium renders it (its DOM after layout), or `None` when
/// Chromium is not installed — which fails the test instead where CI requires it
/// (`KIT_REQUIRE_CHROMIUM`).
pub fn chromium_dom(path: &Path) -> Option<String> {
    let browser = ["chromium", "chromium-browser", "google-chrome"]
        .into_iter()
        .find(|b| {
            std::process::Command::new(b)
                .arg("--version")
                .output()
                .is_ok_and(|o| o.status.success())
        });
    let Some(browser) = browser else {
        assert!(
            std::env::var_os("KIT_REQUIRE_CHROMIUM").is_none(),
            "Chromium is required here (KIT_REQUIRE_CHROMIUM) but not installed"
        );
        eprintln!("note: no Chromium here: the page was not rendered");
        return None;
    };
    let profile = tempfile::tempdir().unwrap();
    let output = std::process::Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--dump-dom",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(format!("file://{}", path.display()))
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "Chromium could not render {}: {}",
        path.display(),
        String::from_utf8_lossy(&output.stderr)
    );
    Some(String::from_utf8_lossy(&output.stdout).into_owned())
}

/// Sends Ctrl-C (SIGINT) to `child` and waits for it to end, failing the test if it takes
/// `limit` or more: the exit status it ended with, and how long it took.
#[allow(dead_code)]
pub fn interrupt(
    child: &mut std::process::Child,
    limit: std::time::Duration,
) -> (std::process::ExitStatus, std::time::Duration) {
    let interrupted = std::time::Instant::now();
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(child.id() as i32),
        nix::sys::signal::Signal::SIGINT,
    )
    .unwrap();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return (status, interrupted.elapsed());
        }
        assert!(
            interrupted.elapsed() < limit,
            "the checker did not stop within {limit:?} of Ctrl-C"
        );
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
}
