//! `cargo checker skip NAME|TOPIC`: set exercises aside so progress moves on, without faking a
//! pass: a skipped exercise is shown as skipped, never counts as done, and a later `check` of
//! it records its real verdict.

use anstream::println;
use anyhow::Result;

use crate::engine::Options;
use crate::kit::Kit;
use crate::style;

pub fn run(kit: &Kit, name: &str, options: &Options) -> Result<bool> {
    let exercises = kit.catalog.select(name)?;
    let mut progress = crate::recover::open(kit, options)?;
    for exercise in exercises {
        if progress.is_done(&exercise.name) {
            println!("{} already passes; nothing to skip", exercise.name);
            continue;
        }
        progress.skip(&exercise.name);
        println!(
            "{} {}: set aside, not counted as done; `cargo checker check {}` when you come back to it",
            style::note("skipped"),
            exercise.name,
            exercise.name
        );
    }
    progress.save()?;
    match super::status::next_exercise(kit, &progress) {
        Some(next) => println!(
            "Next: {} — {} (cargo checker check {})",
            next.name,
            crate::layout::Layout::exercise_file(next),
            next.name
        ),
        None => println!("Nothing left to do but the skipped exercises (`cargo checker list`)."),
    }
    Ok(true)
}
