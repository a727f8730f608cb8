//! `cargo checker pristine [--write]`: instructors check (or refresh) the copies of the stubs
//! that `reset` restores, so they never drift from `exercises/`.

use anyhow::Result;

use crate::kit::Kit;
use crate::pristine;

pub fn run(kit: &Kit, write: bool) -> Result<bool> {
    let stale = pristine::stale(kit);
    if write {
        for exercise in &stale {
            pristine::write(kit, exercise)?;
            println!(
                "wrote {} from {}",
                pristine::path(kit, exercise)
                    .strip_prefix(&kit.root)
                    .unwrap_or(&pristine::path(kit, exercise))
                    .display(),
                crate::layout::Layout::exercise_file(exercise)
            );
        }
        println!("{} pristine copies refreshed", stale.len());
        return Ok(true);
    }
    for exercise in &stale {
        println!(
            "✗ {}: {} differs from its pristine copy in {}/ (or has none)",
            exercise.name,
            crate::layout::Layout::exercise_file(exercise),
            crate::layout::PRISTINE
        );
    }
    if stale.is_empty() {
        println!(
            "every stub matches its pristine copy ({} exercises)",
            kit.catalog.exercises.len()
        );
    } else {
        println!(
            "{} stale: if the stubs are right, `cargo checker pristine --write`",
            stale.len()
        );
    }
    Ok(stale.is_empty())
}
