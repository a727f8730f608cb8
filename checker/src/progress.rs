//! The student's progress: which exercises passed, which were skipped, which hints were shown.
//!
//! One small JSON file at the kit's root, written atomically (a temporary file renamed over
//! the old one), so an interrupted write never leaves half a file. A file whose contents cannot
//! be used (damaged, truncated, from another version of the kit) is not an error:
//! [`Progress::load`] notes why in [`Progress::damage`], keeps what it can salvage (hints,
//! skips), and the student's verbs rebuild the rest by re-checking (see `recover.rs`), because
//! the verdicts can always be recomputed from the student's files while the file is only a
//! cache of them. A file that cannot be opened at all (a folder in its place, no permission)
//! is one clear error with its fix: re-checking could not write it either.
//!
//! Two verbs may run at once (a `check` in a terminal, `watch` in another): [`Progress::save`]
//! reads the file again under a lock, applies this run's changes to it and writes it back, so
//! neither run loses the other's verdicts.
//!
//! Names follow the catalog: an exercise declared with `renamed_from = ["old"]` takes over
//! what was recorded under `old` ([`Progress::carry_over_renames`]), so upgrading the kit keeps
//! the student's progress. Names the catalog no longer has are kept but ignored.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};

use crate::catalog::Catalog;

const VERSION: u32 = 1;

/// Where one exercise stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    Done,
    Failing,
    /// Set aside with `skip`: progress moves on, but it does not count as done.
    Skipped,
}

#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Progress {
    #[serde(default)]
    pub version: u32,
    /// Exercise name → its last verdict, or that it was skipped.
    #[serde(default)]
    pub exercises: BTreeMap<String, State>,
    /// Exercise name → how many hints were shown.
    #[serde(default)]
    pub hints: BTreeMap<String, usize>,
    /// Why the file on disk could not be read, in a few words; `None` when it was fine or
    /// absent. The verdicts it held must be rebuilt by re-checking.
    #[serde(skip)]
    pub damage: Option<String>,
    #[serde(skip)]
    path: PathBuf,
    /// What this run changed, replayed on the file's latest contents at [`Progress::save`].
    #[serde(skip)]
    changes: Vec<(String, Option<State>)>,
}

impl Progress {
    /// Loads the file, or starts afresh if it is absent or its contents are unusable (see
    /// [`Progress::damage`]). `Err` when it cannot be read at all, with the fix in the message.
    pub fn load(path: &Path) -> Result<Progress> {
        let mut progress = match std::fs::read_to_string(path) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Progress::default(),
            Err(e) => return Err(unreadable(path, &e)),
            Ok(text) => Progress::parse(&text),
        };
        progress.version = VERSION;
        progress.path = path.to_path_buf();
        Ok(progress)
    }

    fn parse(text: &str) -> Progress {
        match serde_json::from_str::<Progress>(text) {
            Ok(p) if p.version == VERSION => p,
            Ok(p) => Progress::damaged(
                format!("from another version of the kit (format {})", p.version),
                Some(text),
            ),
            Err(e) => Progress::damaged(format!("damaged: {e}"), Some(text)),
        }
    }

    /// A fresh progress that remembers why the old one was dropped, with whatever of the old
    /// text still reads as hints and skips: those cannot be rebuilt by re-checking.
    fn damaged(why: String, text: Option<&str>) -> Progress {
        let mut progress = Progress {
            damage: Some(why),
            ..Progress::default()
        };
        let Some(old) = text.and_then(|t| serde_json::from_str::<serde_json::Value>(t).ok()) else {
            return progress;
        };
        if let Some(hints) = old.get("hints").and_then(|h| h.as_object()) {
            for (name, level) in hints {
                if let Some(level) = level.as_u64() {
                    progress.hints.insert(name.clone(), level as usize);
                }
            }
        }
        if let Some(states) = old.get("exercises").and_then(|e| e.as_object()) {
            for (name, state) in states {
                if state == "skipped" {
                    progress.exercises.insert(name.clone(), State::Skipped);
                }
            }
        }
        progress
    }

    /// Moves what was recorded under an exercise's old names to its current name (unless the
    /// current name already has a record). Returns whether anything moved.
    pub fn carry_over_renames(&mut self, catalog: &Catalog) -> bool {
        let mut moved = false;
        for exercise in &catalog.exercises {
            for old in &exercise.renamed_from {
                if let Some(state) = self.exercises.remove(old) {
                    let state = *self.exercises.entry(exercise.name.clone()).or_insert(state);
                    self.changes.push((old.clone(), None));
                    self.changes.push((exercise.name.clone(), Some(state)));
                    moved = true;
                }
                if let Some(level) = self.hints.remove(old) {
                    self.hints.entry(exercise.name.clone()).or_insert(level);
                    moved = true;
                }
            }
        }
        moved
    }

    pub fn state(&self, exercise: &str) -> Option<State> {
        self.exercises.get(exercise).copied()
    }

    /// How many of `exercises` are done.
    pub fn count_done<'a>(
        &self,
        exercises: impl IntoIterator<Item = &'a crate::catalog::Exercise>,
    ) -> usize {
        exercises
            .into_iter()
            .filter(|e| self.is_done(&e.name))
            .count()
    }

    pub fn is_done(&self, exercise: &str) -> bool {
        self.state(exercise) == Some(State::Done)
    }

    /// Done or skipped: progress has moved past it.
    pub fn is_settled(&self, exercise: &str) -> bool {
        matches!(self.state(exercise), Some(State::Done | State::Skipped))
    }

    /// Records a real verdict; it replaces a skip.
    pub fn record(&mut self, exercise: &str, passed: bool) {
        let state = if passed { State::Done } else { State::Failing };
        self.set(exercise, Some(state));
    }

    pub fn skip(&mut self, exercise: &str) {
        self.set(exercise, Some(State::Skipped));
    }

    /// Back to "not started" (after a reset). Hints shown stay shown.
    pub fn forget(&mut self, exercise: &str) {
        self.set(exercise, None);
    }

    fn set(&mut self, exercise: &str, state: Option<State>) {
        match state {
            Some(state) => self.exercises.insert(exercise.to_owned(), state),
            None => self.exercises.remove(exercise),
        };
        self.changes.push((exercise.to_owned(), state));
    }

    /// Writes this run's changes: under a lock, the file is read again, the changes applied to
    /// what it holds now (another run's verdicts are kept; a hint shown by either stays shown),
    /// and written back atomically. Afterwards `self` holds what was written.
    pub fn save(&mut self) -> Result<()> {
        let dir = match self.path.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir,
            _ => Path::new("."),
        };
        let _lock = lock(dir)?;
        let mut latest = match std::fs::read_to_string(&self.path) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Progress::default(),
            Err(e) => return Err(unreadable(&self.path, &e)),
            Ok(text) => Progress::parse(&text),
        };
        if latest.damage.is_some() {
            // What is on disk is what this run repaired: ours is the better copy.
            latest = Progress::default();
            latest.exercises = self.exercises.clone();
        }
        for (exercise, state) in &self.changes {
            match state {
                Some(state) => latest.exercises.insert(exercise.clone(), *state),
                None => latest.exercises.remove(exercise),
            };
        }
        for (exercise, level) in &self.hints {
            let shown = latest.hints.entry(exercise.clone()).or_default();
            *shown = (*shown).max(*level);
        }
        latest.version = VERSION;
        let mut tmp = tempfile::NamedTempFile::new_in(dir)
            .with_context(|| format!("cannot write the progress file in {}", dir.display()))?;
        tmp.write_all(serde_json::to_string_pretty(&latest)?.as_bytes())?;
        tmp.as_file().sync_all()?;
        tmp.persist(&self.path)
            .with_context(|| format!("cannot replace {}", self.path.display()))?;
        self.exercises = latest.exercises;
        self.hints = latest.hints;
        self.changes.clear();
        Ok(())
    }
}

/// Holds the progress file's folder locked (an advisory lock on the folder itself, so no lock
/// file is left beside the progress).
fn lock(dir: &Path) -> Result<nix::fcntl::Flock<std::fs::File>> {
    let file = std::fs::File::open(dir)
        .with_context(|| format!("cannot open {} to lock the progress file", dir.display()))?;
    nix::fcntl::Flock::lock(file, nix::fcntl::FlockArg::LockExclusive)
        .map_err(|(_, e)| anyhow::anyhow!("cannot lock {}: {e}", dir.display()))
}

/// The error for a progress file that cannot be read at all, with what to do about it.
fn unreadable(path: &Path, error: &std::io::Error) -> anyhow::Error {
    let shown = path.display();
    if path.is_dir() {
        anyhow::anyhow!(
            "{shown} is a folder, where the checker keeps its progress file; remove it \
             (rm -r {shown}) and run again: the progress is rebuilt from your exercises"
        )
    } else {
        anyhow::anyhow!(
            "cannot read the progress file {shown} ({}); make it readable and writable \
             (chmod u+rw {shown}) or remove it (rm {shown}) and run again",
            std::io::Error::from(error.kind())
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn survives_a_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("progress.json");
        let mut p = Progress::load(&path).unwrap();
        assert!(p.damage.is_none(), "an absent file is not damage");
        p.record("spawn_join", true);
        p.skip("supervisor");
        p.hints.insert("spawn_join".into(), 2);
        p.save().unwrap();
        let again = Progress::load(&path).unwrap();
        assert!(again.is_done("spawn_join"));
        assert!(!again.is_done("supervisor"));
        assert!(again.is_settled("supervisor"));
        assert_eq!(again.hints["spawn_join"], 2);
    }

    #[test]
    fn two_runs_at_once_keep_each_others_verdicts() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("progress.json");
        let mut first = Progress::load(&path).unwrap();
        let mut second = Progress::load(&path).unwrap();
        first.record("spawn_join", true);
        second.record("supervisor", false);
        second.hints.insert("supervisor".into(), 1);
        first.save().unwrap();
        second.save().unwrap();
        let both = Progress::load(&path).unwrap();
        assert!(
            both.is_done("spawn_join"),
            "the first run's verdict was lost"
        );
        assert_eq!(both.state("supervisor"), Some(State::Failing));
        assert_eq!(both.hints["supervisor"], 1);
        assert!(
            second.is_done("spawn_join"),
            "save brings in the other run's verdicts"
        );
    }

    #[test]
    fn a_folder_in_place_of_the_file_is_one_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("progress.json");
        std::fs::create_dir(&path).unwrap();
        let error = Progress::load(&path).unwrap_err().to_string();
        assert!(
            error.contains("is a folder") && error.contains("rm -r"),
            "{error}"
        );
        assert!(!error.contains("os error"), "{error}");
    }

    #[test]
    fn a_truncated_file_is_damage_and_keeps_nothing_it_cannot_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("progress.json");
        std::fs::write(&path, "{\"version\": 1, \"exercises\": {\"spawn_j").unwrap();
        let mut p = Progress::load(&path).unwrap();
        assert!(p.damage.as_deref().unwrap().starts_with("damaged"));
        assert!(p.exercises.is_empty());
        p.save().unwrap();
        assert!(Progress::load(&path).unwrap().damage.is_none());
    }

    #[test]
    fn an_old_format_is_damage_but_its_hints_and_skips_are_kept() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("progress.json");
        let old = r#"{"exercises": {"a": "done", "b": "skipped"}, "hints": {"a": 2}}"#;
        std::fs::write(&path, old).unwrap();
        let p = Progress::load(&path).unwrap();
        assert!(p.damage.as_deref().unwrap().contains("another version"));
        assert_eq!(p.state("a"), None, "verdicts are rebuilt, not trusted");
        assert_eq!(p.state("b"), Some(State::Skipped));
        assert_eq!(p.hints["a"], 2);
    }

    #[test]
    fn a_renamed_exercise_takes_over_its_old_record() {
        let catalog = Catalog::parse(
            r#"
version = 1
[[topic]]
name = "threads"
title = "t"
chapter = "threads.md"
[[exercise]]
name = "spawn_and_join"
renamed_from = ["spawn_join"]
topic = "threads"
file = "src/spawn_join.rs"
tests = "spawn_join::"
"#,
            Path::new("catalog.toml"),
        )
        .unwrap();
        let mut p = Progress::default();
        p.record("spawn_join", true);
        p.hints.insert("spawn_join".into(), 3);
        assert!(p.carry_over_renames(&catalog));
        assert!(p.is_done("spawn_and_join"));
        assert_eq!(p.hints["spawn_and_join"], 3);
        assert!(!p.carry_over_renames(&catalog), "moving is done once");
    }
}
