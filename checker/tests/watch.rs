//! `cargo checker watch`, driven as a student would: saves a fix into a copy of the kit and
//! expects the pass and the move to the next exercise; types Enter, `h` and `q`. Every wait is
//! bounded, and a watcher still running when a test ends is killed.

mod common;

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::time::{Duration, Instant};

use common::KitCopy;
use predicates::str::contains;

const FILE: &str = "exercises/threads/src/spawn_join.rs";
const SOLUTION: &str = "solutions/threads/src/spawn_join.rs";
/// Generous: the first check builds the topic's crate from nothing.
const LIMIT: Duration = Duration::from_secs(600);

/// A running `watch` with its stdin held open and its stdout read line by line.
struct Watch {
    child: Child,
    stdin: Option<ChildStdin>,
    lines: Receiver<String>,
    seen: Vec<String>,
}

impl Watch {
    fn start(kit: &KitCopy, args: &[&str], env: &[(&str, &str)]) -> Watch {
        let mut command = Command::new(env!("CARGO_BIN_EXE_checker"));
        command
            .current_dir(kit.dir.path())
            .env_remove("KIT_TARGET_DIR")
            .env_remove("CARGO_TARGET_DIR")
            .arg("watch")
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        for (key, value) in env {
            command.env(key, value);
        }
        let mut child = command.spawn().unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    return;
                }
            }
        });
        let stdin = child.stdin.take();
        Watch {
            child,
            stdin,
            lines,
            seen: Vec::new(),
        }
    }

    /// Reads until a line contains `text`; fails with everything read so far if it never does.
    fn wait_for(&mut self, text: &str) {
        let deadline = Instant::now() + LIMIT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    let found = line.contains(text);
                    self.seen.push(line);
                    if found {
                        return;
                    }
                }
                Err(_) => panic!(
                    "`{text}` never came; watch printed:\n{}",
                    self.seen.join("\n")
                ),
            }
        }
    }

    fn type_line(&mut self, line: &str) {
        let stdin = self.stdin.as_mut().unwrap();
        writeln!(stdin, "{line}").unwrap();
        stdin.flush().unwrap();
    }

    /// Types `q` and expects the watcher to end, successfully, within a bounded time.
    fn quit(mut self) {
        self.type_line("q");
        let deadline = Instant::now() + LIMIT;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                assert!(status.success(), "watch ended with {status}");
                return;
            }
            assert!(
                Instant::now() < deadline,
                "watch did not quit on `q`; it printed:\n{}",
                self.seen.join("\n")
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        common::stop(&mut self.child);
    }
}

/// Saves the fix once the first check is shown, and expects the pass and the next exercise.
fn a_saved_fix_passes_and_moves_on(args: &[&str]) {
    let kit = KitCopy::threads_only();
    let mut watch = Watch::start(&kit, args, &[]);
    watch.wait_for("· spawn_join (threads) — not started");
    watch.wait_for("watch spawn_join:");
    kit.replace(FILE, SOLUTION);
    watch.wait_for("spawn_join.rs changed");
    watch.wait_for("✓ spawn_join (threads) — all");
    watch.wait_for("Next: scoped_chunks");
    watch.wait_for("· scoped_chunks (threads) — not started");
    watch.wait_for("watch scoped_chunks:");
    watch.quit();
}

#[test]
fn with_file_events_a_saved_fix_passes_and_moves_on() {
    a_saved_fix_passes_and_moves_on(&[]);
}

#[test]
fn with_poll_a_saved_fix_passes_and_moves_on() {
    a_saved_fix_passes_and_moves_on(&["--poll"]);
}

#[test]
fn without_file_events_watch_falls_back_to_polling_by_itself() {
    let kit = KitCopy::threads_only();
    let mut watch = Watch::start(&kit, &[], &[("KIT_WATCH_EVENTS", "off")]);
    watch.wait_for("watch spawn_join: watching exercises/");
    kit.replace(FILE, SOLUTION);
    watch.wait_for("came with no file event; polling for changes");
    watch.wait_for("✓ spawn_join (threads) — all");
    watch.wait_for("watch scoped_chunks: polling exercises/");
    watch.quit();
}

#[test]
fn manual_mode_rechecks_on_enter_shows_a_hint_on_h_and_quits_on_q() {
    let kit = KitCopy::threads_only();
    let output = kit
        .checker()
        .args(["watch", "--manual"])
        .write_stdin("\nh\nq\n")
        .timeout(LIMIT)
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert_eq!(
        stdout
            .matches("· spawn_join (threads) — not started")
            .count(),
        2,
        "one check at the start, one for Enter:\n{stdout}"
    );
    assert!(stdout.contains("Hint 1 of"), "{stdout}");
    assert!(stdout.contains("watch spawn_join: manual mode"), "{stdout}");
}

#[test]
fn manual_mode_ends_when_stdin_does() {
    let kit = KitCopy::threads_only();
    kit.checker()
        .args(["watch", "--manual"])
        .write_stdin("")
        .timeout(LIMIT)
        .assert()
        .success()
        .stdout(contains("· spawn_join (threads) — not started"));
}

/// Measured, not asserted (`cargo test -p checker --test watch -- --ignored --nocapture`): how
/// long after a save the watcher says it saw it, and when the verdict is out, per mode.
#[test]
#[ignore = "a measurement: run it by hand"]
fn how_soon_a_save_is_noticed() {
    /// A label, the arguments to `watch`, its environment.
    type Mode<'a> = (&'a str, &'a [&'a str], &'a [(&'a str, &'a str)]);
    let modes: [Mode; 3] = [
        ("file events", &[], &[]),
        ("--poll", &["--poll"], &[]),
        ("no events, fallback", &[], &[("KIT_WATCH_EVENTS", "off")]),
    ];
    for (label, args, env) in modes {
        let kit = KitCopy::threads_only();
        let mut watch = Watch::start(&kit, args, env);
        watch.wait_for("watch spawn_join:");
        std::thread::sleep(Duration::from_millis(1500));
        let saved = Instant::now();
        kit.replace(FILE, SOLUTION);
        watch.wait_for("spawn_join.rs changed");
        let noticed = saved.elapsed();
        watch.wait_for("✓ spawn_join (threads) — all");
        let verdict = saved.elapsed();
        watch.quit();
        eprintln!("{label}: noticed after {noticed:.2?}, verdict after {verdict:.2?}");
    }
}
