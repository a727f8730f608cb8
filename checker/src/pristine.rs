//! The pristine stubs that `reset` restores: a copy of each exercise's file as the kit ships
//! it, kept in `checker/pristine/TOPIC/FILE`, outside `exercises/`.
//!
//! Why a committed copy, rather than a snapshot taken on the checker's first run or stubs
//! embedded when the checker is compiled: both of those read `exercises/`, which is exactly
//! what the student edits, so they work only if the student has not saved anything before the
//! checker first runs or is first built (a fresh `cargo clean`, a new toolchain), and need a
//! hash list to notice when that went wrong. A copy in the kit is right whatever the student
//! did, costs a few kilobytes, and is plain files an instructor can read and diff. Its one
//! risk, drifting from the stubs, is guarded by `cargo checker pristine` (run by the kit's own
//! tests), and `cargo checker pristine --write` refreshes it after a stub changes.

use std::path::PathBuf;

use anyhow::{Context, Result};

use crate::catalog::Exercise;
use crate::kit::Kit;

/// The pristine copy of an exercise's file.
pub fn path(kit: &Kit, exercise: &Exercise) -> PathBuf {
    kit.layout.pristine_file(exercise)
}

/// The exercise's file as the kit ships it.
pub fn read(kit: &Kit, exercise: &Exercise) -> Result<Vec<u8>> {
    let path = path(kit, exercise);
    std::fs::read(&path).with_context(|| {
        format!(
            "the kit has no pristine copy of {} (expected {}); an instructor restores it with \
             `cargo checker pristine --write` on an unedited kit",
            crate::layout::Layout::exercise_file(exercise),
            path.display()
        )
    })
}

/// Exercises whose stub differs from its pristine copy (or has none): in the instructor's
/// kit, a stub edited without refreshing the copy.
pub fn stale(kit: &Kit) -> Vec<&Exercise> {
    kit.catalog
        .exercises
        .iter()
        .filter(|e| {
            let stub = std::fs::read(kit.root.join(crate::layout::Layout::exercise_file(e)));
            let copy = std::fs::read(path(kit, e));
            !matches!((stub, copy), (Ok(stub), Ok(copy)) if stub == copy)
        })
        .collect()
}

/// Copies an exercise's stub to its pristine place (instructors, after editing the stub).
pub fn write(kit: &Kit, exercise: &Exercise) -> Result<()> {
    let to = path(kit, exercise);
    if let Some(dir) = to.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::copy(
        kit.root
            .join(crate::layout::Layout::exercise_file(exercise)),
        &to,
    )
    .with_context(|| format!("cannot write {}", to.display()))?;
    Ok(())
}
