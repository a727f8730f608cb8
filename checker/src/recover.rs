//! Opening the student's progress for a verb: renamed exercises carried over, and a damaged,
//! truncated or old-format file rebuilt by re-checking every exercise.
//!
//! The progress file is a cache of verdicts that the student's files determine, so a file
//! that cannot be read loses nothing that grading cannot give back: one line says what
//! happened, every exercise is graded quietly, and one line says where the student stands.

use anyhow::Result;

use crate::engine::{self, Candidate, Options};
use crate::kit::Kit;
use crate::progress::Progress;

/// The progress file, ready to use: renames applied, damage repaired and saved.
pub fn open(kit: &Kit, options: &Options) -> Result<Progress> {
    let path = kit.layout.progress_file();
    let mut progress = Progress::load(&path)?;
    let moved = progress.carry_over_renames(&kit.catalog);
    let Some(damage) = progress.damage.take() else {
        if moved {
            progress.save()?;
        }
        return Ok(progress);
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    eprintln!("note: {name} is {damage}; rebuilding it by re-checking every exercise ...");
    let every: Vec<&crate::catalog::Exercise> = kit.catalog.exercises.iter().collect();
    let candidates = Candidate::students(&every);
    let results = crate::sandbox::supervised(|| engine::grade(kit, &candidates, options))?;
    for result in results {
        // A skip the student made survives the rebuild unless the exercise now passes.
        if result.passed() || !progress.is_settled(&result.exercise.name) {
            crate::cmd::check::remember(&mut progress, &result);
        }
    }
    progress.save()?;
    let done = progress.count_done(&kit.catalog.exercises);
    eprintln!(
        "note: {name} rebuilt: {done} of {} exercises pass",
        kit.catalog.exercises.len()
    );
    Ok(progress)
}
