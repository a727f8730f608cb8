//! Every naming and path rule of the kit, in one place: where a topic's crates, suites,
//! catalogues and pristine stubs live, what their packages and libraries are called, and where
//! the checker builds, keeps traces and records progress. Nothing else in the checker spells a
//! path or a package name out.

use std::path::{Path, PathBuf};

use crate::catalog::{Exercise, Topic};
use crate::known::Kind;

/// The manifest, relative to the root.
pub const CATALOG: &str = "checker/catalog.toml";
/// Where the pristine copies of the stubs live, relative to the root.
pub const PRISTINE: &str = "checker/pristine";

/// The kit's layout on disk, from its root.
#[derive(Debug, Clone)]
pub struct Layout {
    root: PathBuf,
}

impl Layout {
    pub fn new(root: PathBuf) -> Layout {
        Layout { root }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// `path` relative to `root`, for messages (unchanged if it is elsewhere).
    pub fn relative(path: &Path, root: &Path) -> String {
        path.strip_prefix(root)
            .unwrap_or(path)
            .display()
            .to_string()
    }

    /// The workspace manifest.
    pub fn manifest(&self) -> PathBuf {
        self.root.join("Cargo.toml")
    }

    /// The student's crate of a topic.
    pub fn exercise_crate(&self, topic: &str) -> PathBuf {
        self.root.join("exercises").join(topic)
    }

    /// The reference crate of a topic.
    pub fn solution_crate(&self, topic: &str) -> PathBuf {
        self.root.join("solutions").join(topic)
    }

    /// The package of a topic's student crate.
    pub fn exercise_package(topic: &str) -> String {
        topic.to_owned()
    }

    /// The package of a topic's reference crate.
    pub fn solution_package(topic: &str) -> String {
        format!("{topic}-solution")
    }

    /// The library both of a topic's crates declare (one suite compiles against either).
    pub fn library(topic: &str) -> String {
        topic.replace('-', "_")
    }

    /// The default test target of a topic: its library's name.
    pub fn default_suite(topic: &str) -> String {
        Self::library(topic)
    }

    /// A suite's file, relative to the root.
    pub fn suite_file(suite: &str) -> String {
        format!("checker/suites/{suite}.rs")
    }

    /// A suite's file as a topic crate's manifest names it (relative to the crate).
    pub fn suite_path_from_crate(suite: &str) -> String {
        format!("../../{}", Self::suite_file(suite))
    }

    /// The file a student edits, relative to the root (for messages).
    pub fn exercise_file(exercise: &Exercise) -> String {
        format!("exercises/{}/{}", exercise.topic, exercise.file)
    }

    /// The reference file of an exercise, relative to the root.
    pub fn solution_file(exercise: &Exercise) -> String {
        format!("solutions/{}/{}", exercise.topic, exercise.file)
    }

    /// A catalogue folder of an exercise (`solutions/TOPIC/wrong/EXERCISE`, or `alt/`).
    pub fn catalogue(&self, exercise: &Exercise, kind: Kind) -> PathBuf {
        self.solution_crate(&exercise.topic)
            .join(kind.folder_name())
            .join(&exercise.name)
    }

    /// A topic's list of equivalent mutants.
    pub fn equivalent_mutants(&self, topic: &str) -> PathBuf {
        self.solution_crate(topic).join("mutants.toml")
    }

    /// The pristine copy of an exercise's file (what `reset` restores, what `verify` grades as
    /// the stub).
    pub fn pristine_file(&self, exercise: &Exercise) -> PathBuf {
        self.root
            .join(PRISTINE)
            .join(&exercise.topic)
            .join(&exercise.file)
    }

    /// The topic's docs chapter, relative to the root.
    pub fn chapter(topic: &Topic) -> String {
        format!("docs/src/{}", topic.chapter)
    }

    /// The checker's own build folder: separate from `target/`, because the checker is often
    /// run by a cargo that holds the lock on `target/` (`cargo test`, `cargo run`).
    pub fn target_dir(&self) -> PathBuf {
        match std::env::var_os("KIT_TARGET_DIR") {
            Some(dir) => PathBuf::from(dir),
            None => self.root.join("target").join("checker"),
        }
    }

    /// Where generated packages (wrong solutions, mutants, submissions, pristine stubs) are
    /// written: a workspace of their own.
    pub fn variants_dir(&self) -> PathBuf {
        self.target_dir().join("variants")
    }

    /// Where tests write pictures of failing runs.
    pub fn traces_dir(&self) -> PathBuf {
        self.target_dir().join("traces")
    }

    /// Where `reset` keeps the student's versions (outside `target/`, which `cargo clean`
    /// empties): `.checker-backups/EXERCISE/N.rs`.
    pub fn backups_dir(&self) -> PathBuf {
        self.root.join(".checker-backups")
    }

    /// The progress file, at the root.
    pub fn progress_file(&self) -> PathBuf {
        self.root.join(".checker-progress.json")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_the_topic() {
        assert_eq!(
            Layout::solution_package("shared-memory"),
            "shared-memory-solution"
        );
        assert_eq!(Layout::library("shared-memory"), "shared_memory");
        assert_eq!(
            Layout::suite_path_from_crate("locks_model"),
            "../../checker/suites/locks_model.rs"
        );
    }
}
