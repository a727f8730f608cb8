//! `cargo checker watch [--poll|--manual]`: the student's loop. Checks the current exercise
//! (the first, in teaching order, neither done nor skipped), re-checks it whenever a file
//! under `exercises/` is saved, and moves on to the next one when it passes.
//!
//! Three ways to notice a save, from best to always-works:
//! - file events (`notify`: inotify on Linux), settled for [`SETTLE`] so that an editor's
//!   burst of writes makes one check;
//! - polling: a scan of `exercises/**/*.rs` and `Cargo.toml` (modification time, size and a
//!   hash of the content) every [`POLL_EVERY`]. Used with `--poll`, when the watcher cannot
//!   start, and automatically when events do not arrive (network drives, WSL mounts,
//!   containers): the scan runs in event mode too, and a change it sees that no event
//!   announces within [`EVENT_GRACE`] switches the loop to polling for good;
//! - the keyboard, in every mode, one line at a time (no raw mode, so it works on any
//!   terminal and from a pipe): Enter re-checks, `h` shows the next hint, `q` quits.
//!   `--manual` uses only the keyboard.
//!
//! `KIT_WATCH_EVENTS=off` starts the watcher on nothing, as on a mount whose changes raise no
//! events: the kit's tests use it to prove the fallback.
//!
//! Every check is bounded by the grader, and input is read on its own thread, so the loop
//! always comes back to its queue: `q` is honoured as soon as the check under way ends.

use std::collections::{BTreeMap, VecDeque};
use std::hash::{DefaultHasher, Hash, Hasher};
use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::time::{Duration, Instant, SystemTime};

use anstream::println;
use anyhow::Result;
use notify::{EventKind, RecursiveMode, Watcher};

use crate::engine::Options;
use crate::kit::Kit;
use crate::style;

/// How long the files must be quiet before a burst of events makes a check.
const SETTLE: Duration = Duration::from_millis(200);
/// How often the files are scanned.
const POLL_EVERY: Duration = Duration::from_secs(1);
/// How long an event may lag behind a change the scan saw before events count as missing.
const EVENT_GRACE: Duration = Duration::from_secs(1);

/// What wakes the loop.
enum Input {
    /// A file event under `exercises/`.
    Event,
    /// A line typed on stdin, trimmed.
    Line(String),
    /// Stdin is closed: no more keys will come.
    StdinClosed,
}

/// How saves are noticed.
enum Source {
    /// The watcher is kept only to keep it running.
    Events {
        _watcher: notify::RecommendedWatcher,
    },
    Poll,
    Manual,
}

/// The files a save can change: path → (modified, size, content hash).
type Snapshot = BTreeMap<PathBuf, (Option<SystemTime>, u64, u64)>;

pub fn run(kit: &Kit, poll: bool, manual: bool, options: &Options) -> Result<bool> {
    let (tx, rx) = mpsc::channel();
    read_stdin(tx.clone());
    let dir = kit.root.join("exercises");
    let mut source = if manual {
        Source::Manual
    } else if poll {
        Source::Poll
    } else {
        match watch_events(&dir, tx) {
            Ok(watcher) => Source::Events { _watcher: watcher },
            Err(e) => {
                println!("note: file events are unavailable ({e}); polling for changes instead");
                Source::Poll
            }
        }
    };
    let mut seen = scan(&dir);
    let Some(mut current) = settle_progress(kit, options)? else {
        return Ok(true);
    };
    footer(&source, &current);
    let mut pending: VecDeque<Input> = VecDeque::new();
    loop {
        let input = match pending.pop_front() {
            Some(input) => Ok(input),
            None => rx.recv_timeout(POLL_EVERY),
        };
        let recheck = match input {
            Ok(Input::Line(line)) => match line.as_str() {
                "q" | "quit" | "exit" => return Ok(true),
                "h" | "hint" => {
                    let progress = crate::recover::open(kit, options)?;
                    let more = progress.hints.get(&current).is_some_and(|&n| n > 0);
                    super::hint::run(kit, &current, more, options)?;
                    false
                }
                "" | "r" | "check" => true,
                other => {
                    println!("`{other}`? Enter: re-check · h: hint · q: quit");
                    false
                }
            },
            Ok(Input::StdinClosed) => {
                if matches!(source, Source::Manual) {
                    // Nothing can wake a manual loop any more.
                    return Ok(true);
                }
                false
            }
            Ok(Input::Event) => {
                settle_events(&rx, &mut pending);
                let now = scan(&dir);
                // Reading files may raise events too (access times): only a real change counts.
                let changed = changed_file(&seen, &now);
                seen = now;
                announce(changed.as_deref(), &kit.root)
            }
            Err(RecvTimeoutError::Timeout) if !matches!(source, Source::Manual) => {
                let now = scan(&dir);
                match changed_file(&seen, &now) {
                    None => false,
                    Some(path) => {
                        let now = settled_scan(&dir, now);
                        if matches!(source, Source::Events { .. })
                            && !event_arrives(&rx, &mut pending)
                        {
                            println!(
                                "note: a change to {} came with no file event; polling for changes every {} s from now on",
                                relative(&path, &kit.root),
                                POLL_EVERY.as_secs()
                            );
                            source = Source::Poll;
                        }
                        // An event that did arrive is consumed: this scan already saw its change.
                        pending.retain(|i| !matches!(i, Input::Event));
                        seen = now;
                        announce(Some(&path), &kit.root)
                    }
                }
            }
            Err(RecvTimeoutError::Timeout) => false,
            Err(RecvTimeoutError::Disconnected) => return Ok(true),
        };
        if recheck {
            match settle_progress(kit, options)? {
                Some(next) => current = next,
                None => return Ok(true),
            }
            footer(&source, &current);
        }
    }
}

/// Checks the current exercise, and the next ones for as long as they pass. Returns the
/// exercise to work on, or `None` when nothing is left.
fn settle_progress(kit: &Kit, options: &Options) -> Result<Option<String>> {
    loop {
        let progress = crate::recover::open(kit, options)?;
        let Some(next) = super::status::next_exercise(kit, &progress) else {
            println!(
                "{} Nothing left to do: every exercise is done or skipped (`cargo checker` for the summary).",
                style::good("✓")
            );
            return Ok(None);
        };
        let name = next.name.clone();
        let passed = crate::sandbox::supervised(|| {
            super::check::run(kit, Some(&name), false, None, None, 1, options)
        })?;
        if !passed {
            return Ok(Some(name));
        }
        println!();
    }
}

fn footer(source: &Source, current: &str) {
    let how = match source {
        Source::Events { .. } => "watching exercises/ — save to re-check",
        Source::Poll => "polling exercises/ every second — save to re-check",
        Source::Manual => "manual mode",
    };
    println!(
        "\n{} {current}: {how} · Enter: re-check · h: hint · q: quit",
        style::strong("watch")
    );
}

/// Says which file changed; returns whether to re-check.
fn announce(changed: Option<&Path>, root: &Path) -> bool {
    let Some(path) = changed else {
        return false;
    };
    println!("\n— {} changed", relative(path, root));
    true
}

fn relative(path: &Path, root: &Path) -> String {
    path.strip_prefix(root)
        .unwrap_or(path)
        .display()
        .to_string()
}

/// Lines from stdin, on a thread of their own, so that a check never waits for the keyboard
/// and the keyboard never waits for a check.
fn read_stdin(tx: Sender<Input>) {
    std::thread::spawn(move || {
        for line in std::io::stdin().lock().lines() {
            let Ok(line) = line else { break };
            if tx.send(Input::Line(line.trim().to_owned())).is_err() {
                return;
            }
        }
        let _ = tx.send(Input::StdinClosed);
    });
}

fn watch_events(dir: &Path, tx: Sender<Input>) -> notify::Result<notify::RecommendedWatcher> {
    let mut watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
        let Ok(event) = event else { return };
        // Opening and reading (the build does) is not a save; closing after a write is.
        let save = match event.kind {
            EventKind::Access(notify::event::AccessKind::Close(
                notify::event::AccessMode::Write,
            )) => true,
            EventKind::Access(_) => false,
            _ => true,
        };
        if save && event.paths.iter().any(|p| is_source(p)) {
            let _ = tx.send(Input::Event);
        }
    })?;
    if std::env::var_os("KIT_WATCH_EVENTS").is_none_or(|v| v != "off") {
        watcher.watch(dir, RecursiveMode::Recursive)?;
    }
    Ok(watcher)
}

fn is_source(path: &Path) -> bool {
    path.extension().is_some_and(|e| e == "rs")
        || path.file_name().is_some_and(|n| n == "Cargo.toml")
}

/// Drains the events of one burst: returns once none came for [`SETTLE`]. Lines typed
/// meanwhile are kept, in order.
fn settle_events(rx: &Receiver<Input>, pending: &mut VecDeque<Input>) {
    loop {
        match rx.recv_timeout(SETTLE) {
            Ok(Input::Event) => continue,
            Ok(other) => pending.push_back(other),
            Err(_) => return,
        }
    }
}

/// Waits up to [`EVENT_GRACE`] for a file event; other input is kept for later.
fn event_arrives(rx: &Receiver<Input>, pending: &mut VecDeque<Input>) -> bool {
    if pending.iter().any(|i| matches!(i, Input::Event)) {
        return true;
    }
    let deadline = Instant::now() + EVENT_GRACE;
    while let Some(left) = deadline.checked_duration_since(Instant::now()) {
        match rx.recv_timeout(left) {
            Ok(Input::Event) => return true,
            Ok(other) => pending.push_back(other),
            Err(_) => return false,
        }
    }
    false
}

/// Scans again until two scans [`SETTLE`] apart agree, so a file caught mid-write is not
/// graded half written (bounded: a file rewritten without end is taken as it is).
fn settled_scan(dir: &Path, mut last: Snapshot) -> Snapshot {
    for _ in 0..10 {
        std::thread::sleep(SETTLE);
        let now = scan(dir);
        if now == last {
            break;
        }
        last = now;
    }
    last
}

/// The first file that differs between two scans (added, removed or changed).
fn changed_file(before: &Snapshot, after: &Snapshot) -> Option<PathBuf> {
    after
        .iter()
        .find(|(path, state)| before.get(*path) != Some(state))
        .map(|(path, _)| path.clone())
        .or_else(|| before.keys().find(|p| !after.contains_key(*p)).cloned())
}

/// Every source file under `dir`, with what tells a save: the modification time and size
/// (cheap, and they change on a save that writes the same text), and a hash of the content
/// (file systems whose times are coarse, down to 2 s on FAT, miss quick saves otherwise).
fn scan(dir: &Path) -> Snapshot {
    let mut snapshot = Snapshot::new();
    let mut folders = vec![dir.to_path_buf()];
    while let Some(folder) = folders.pop() {
        let Ok(entries) = std::fs::read_dir(&folder) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let Ok(meta) = entry.metadata() else { continue };
            if meta.is_dir() {
                if entry.file_name() != "target" {
                    folders.push(path);
                }
            } else if is_source(&path) {
                let mut hasher = DefaultHasher::new();
                std::fs::read(&path).unwrap_or_default().hash(&mut hasher);
                snapshot.insert(path, (meta.modified().ok(), meta.len(), hasher.finish()));
            }
        }
    }
    snapshot
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_scan_sees_a_changed_an_added_and_a_removed_file() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("a.rs");
        std::fs::write(&file, "fn a() {}").unwrap();
        std::fs::write(dir.path().join("notes.txt"), "not source").unwrap();
        let before = scan(dir.path());
        assert_eq!(before.len(), 1, "only source files count");
        assert_eq!(changed_file(&before, &scan(dir.path())), None);

        std::fs::write(&file, "fn b() {}").unwrap();
        let after = scan(dir.path());
        assert_eq!(changed_file(&before, &after), Some(file.clone()));

        std::fs::create_dir(dir.path().join("src")).unwrap();
        let added = dir.path().join("src/b.rs");
        std::fs::write(&added, "").unwrap();
        assert_eq!(changed_file(&after, &scan(dir.path())), Some(added));

        let before = scan(dir.path());
        std::fs::remove_file(&file).unwrap();
        assert_eq!(changed_file(&before, &scan(dir.path())), Some(file));
    }
}
