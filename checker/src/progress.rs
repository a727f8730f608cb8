//! The student's progress: which exercises passed, which were skipped, which hints were shown.
//!
//! One small JSON file at the kit's root, written atomically (a temporary file renamed over
//! the old one), so an interrupted write never leaves half a file. A file that cannot be read
//! (damaged, truncated, from another version of the kit) is not an error: [`Progress::load`]
//! notes why in [`Progress::damage`], keeps what it can salvage (hints, skips), and the
//! student's verbs rebuild the rest by re-checking (see `recover.rs`), because the verdicts
//! can always be recomputed from the student's files while the file is only a cache of them.
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
}

impl Progress {
    /// Loads the file, or starts afresh if it is absent or unreadable (see [`Progress::damage`]).
    pub fn load(path: &Path) -> Progress {
        let mut progress = match std::fs::read_to_string(path) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Progress::default(),
            Err(e) => Progress::damaged(format!("unreadable: {e}"), None),
            Ok(text) => match serde_json::from_str::<Progress>(&text) {
                Ok(p) if p.version == VERSION => p,
                Ok(p) => Progress::damaged(
                    format!("from another version of the kit (format {})", p.version),
                    Some(&text),
                ),
                Err(e) => Progress::damaged(format!("damaged: {e}"), Some(&text)),
            },
        };
        progress.version = VERSION;
        progress.path = path.to_path_buf();
        progress
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
                    self.exercises.entry(exercise.name.clone()).or_insert(state);
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
        self.exercises.insert(exercise.to_owned(), state);
    }

    pub fn skip(&mut self, exercise: &str) {
        self.exercises.insert(exercise.to_owned(), State::Skipped);
    }

    /// Back to "not started" (after a reset). Hints shown stay shown.
    pub fn forget(&mut self, exercise: &str) {
        self.exercises.remove(exercise);
    }

    /// Writes the file atomically.
    pub fn save(&self) -> Result<()> {
        let dir = self.path.parent().unwrap_or(Path::new("."));
        let mut tmp =
            tempfile::NamedTempFile::new_in(dir).context("cannot write the progress file")?;
        tmp.write_all(serde_json::to_string_pretty(self)?.as_bytes())?;
        tmp.as_file().sync_all()?;
        tmp.persist(&self.path)
            .with_context(|| format!("cannot replace {}", self.path.display()))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn survives_a_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("progress.json");
        let mut p = Progress::load(&path);
        assert!(p.damage.is_none(), "an absent file is not damage");
        p.record("spawn_join", true);
        p.skip("supervisor");
        p.hints.insert("spawn_join".into(), 2);
        p.save().unwrap();
        let again = Progress::load(&path);
        assert!(again.is_done("spawn_join"));
        assert!(!again.is_done("supervisor"));
        assert!(again.is_settled("supervisor"));
        assert_eq!(again.hints["spawn_join"], 2);
    }

    #[test]
    fn a_truncated_file_is_damage_and_keeps_nothing_it_cannot_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("progress.json");
        std::fs::write(&path, "{\"version\": 1, \"exercises\": {\"spawn_j").unwrap();
        let p = Progress::load(&path);
        assert!(p.damage.as_deref().unwrap().starts_with("damaged"));
        assert!(p.exercises.is_empty());
        p.save().unwrap();
        assert!(Progress::load(&path).damage.is_none());
    }

    #[test]
    fn an_old_format_is_damage_but_its_hints_and_skips_are_kept() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("progress.json");
        let old = r#"{"exercises": {"a": "done", "b": "skipped"}, "hints": {"a": 2}}"#;
        std::fs::write(&path, old).unwrap();
        let p = Progress::load(&path);
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
