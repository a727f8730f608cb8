//! Where things are: the kit's root folder and the paths derived from it.

use std::path::{Path, PathBuf};

use anyhow::{Result, bail};

use crate::catalog::{Catalog, Exercise, Topic};

/// The kit on disk: its root and its manifest.
pub struct Kit {
    pub root: PathBuf,
    pub catalog: Catalog,
}

/// The manifest, relative to the root.
pub const CATALOG: &str = "checker/catalog.toml";

impl Kit {
    /// Finds the kit from `start` upwards (or at `explicit`), and loads its manifest.
    pub fn locate(explicit: Option<&Path>, start: &Path) -> Result<Kit> {
        let root = match explicit {
            Some(dir) if dir.join(CATALOG).is_file() => dir.to_path_buf(),
            Some(dir) => bail!(
                "{} is not the concurrency kit: it has no {CATALOG}",
                dir.display()
            ),
            None => match start.ancestors().find(|dir| dir.join(CATALOG).is_file()) {
                Some(dir) => dir.to_path_buf(),
                None => bail!(
                    "not inside the concurrency kit: run `cargo checker` from the kit's folder \
                     (the one with {CATALOG}), or pass --root DIR"
                ),
            },
        };
        let root = root.canonicalize()?;
        let catalog = Catalog::load(&root.join(CATALOG))?;
        Ok(Kit { root, catalog })
    }

    /// The student's crate of a topic.
    pub fn exercise_crate(&self, topic: &Topic) -> PathBuf {
        self.root.join("exercises").join(&topic.name)
    }

    /// The reference crate of a topic.
    pub fn solution_crate(&self, topic: &Topic) -> PathBuf {
        self.root.join("solutions").join(&topic.name)
    }

    /// The file a student edits, relative to the root (for messages).
    pub fn exercise_file(&self, exercise: &Exercise) -> String {
        format!("exercises/{}/{}", exercise.topic, exercise.file)
    }

    /// The topic's docs chapter, relative to the root.
    pub fn chapter(&self, topic: &Topic) -> String {
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

    /// The progress file, at the root.
    pub fn progress_file(&self) -> PathBuf {
        self.root.join(".checker-progress.json")
    }
}
