//! The student's progress: which exercises passed, which hints were shown.
//!
//! One small JSON file at the kit's root, written atomically (a temporary file renamed over
//! the old one), so an interrupted write never leaves half a file. A file that cannot be read
//! is reported in one line and replaced; progress is rebuilt by checking again.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};

const VERSION: u32 = 1;

/// Where one exercise stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    Done,
    Failing,
}

#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Progress {
    #[serde(default)]
    pub version: u32,
    /// Exercise name → its last verdict. Names the catalog no longer has are kept but ignored,
    /// so renaming an exercise back restores its progress.
    #[serde(default)]
    pub exercises: BTreeMap<String, State>,
    /// Exercise name → how many hints were shown.
    #[serde(default)]
    pub hints: BTreeMap<String, usize>,
    #[serde(skip)]
    path: PathBuf,
}

impl Progress {
    /// Loads the file, or starts afresh (with a one-line note on stderr) if it is unreadable.
    pub fn load(path: &Path) -> Progress {
        let mut progress = match std::fs::read_to_string(path) {
            Err(_) => Progress::default(),
            Ok(text) => match serde_json::from_str::<Progress>(&text) {
                Ok(p) if p.version == VERSION => p,
                Ok(p) => {
                    eprintln!(
                        "note: {} is from another version of the kit ({}); starting afresh — run `cargo checker check --all` to rebuild it",
                        path.display(),
                        p.version
                    );
                    Progress::default()
                }
                Err(e) => {
                    eprintln!(
                        "note: {} is damaged ({e}); starting afresh — run `cargo checker check --all` to rebuild it",
                        path.display()
                    );
                    Progress::default()
                }
            },
        };
        progress.version = VERSION;
        progress.path = path.to_path_buf();
        progress
    }

    pub fn is_done(&self, exercise: &str) -> bool {
        self.exercises.get(exercise) == Some(&State::Done)
    }

    pub fn record(&mut self, exercise: &str, passed: bool) {
        let state = if passed { State::Done } else { State::Failing };
        self.exercises.insert(exercise.to_owned(), state);
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
        p.record("spawn_join", true);
        p.hints.insert("spawn_join".into(), 2);
        p.save().unwrap();
        let again = Progress::load(&path);
        assert!(again.is_done("spawn_join"));
        assert_eq!(again.hints["spawn_join"], 2);
    }

    #[test]
    fn a_damaged_file_starts_afresh() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("progress.json");
        std::fs::write(&path, "{\"version\": 1, \"exercises\": {\"spawn_j").unwrap();
        let p = Progress::load(&path);
        assert!(p.exercises.is_empty());
        p.save().unwrap();
        assert!(serde_json::from_str::<Progress>(&std::fs::read_to_string(&path).unwrap()).is_ok());
    }
}
