//! `cargo checker hint NAME [--more]`: hints one level at a time; the level is remembered.

use anyhow::{Result, bail};

use crate::engine::Options;

use crate::kit::Kit;

pub fn run(kit: &Kit, name: &str, more: bool, options: &Options) -> Result<bool> {
    let Some(exercise) = kit.catalog.exercise(name) else {
        let err = kit.catalog.select(name).err();
        match err {
            Some(unknown) => return Err(unknown.into()),
            None => bail!(
                "`{name}` is a topic; hints belong to exercises (`cargo checker list` shows them)"
            ),
        }
    };
    if exercise.hints.is_empty() {
        println!(
            "{} has no hints; the chapter {} explains the idea.",
            exercise.name,
            crate::layout::Layout::chapter(kit.catalog.topic_of(exercise))
        );
        return Ok(true);
    }
    let mut progress = crate::recover::open(kit, options)?;
    let shown = progress.hints.get(name).copied().unwrap_or(0).max(1);
    let level = if more {
        (shown + 1).min(exercise.hints.len())
    } else {
        shown
    };
    for (i, hint) in exercise.hints.iter().take(level).enumerate() {
        println!(
            "Hint {} of {} for {}:\n  {hint}\n",
            i + 1,
            exercise.hints.len(),
            exercise.name
        );
    }
    if level < exercise.hints.len() {
        println!("More: cargo checker hint {name} --more");
    } else {
        let topic = kit.catalog.topic_of(exercise);
        println!(
            "That was the last hint. Once you have tried, compare with solutions/{}/{}.",
            topic.name, exercise.file
        );
    }
    progress.hints.insert(name.to_owned(), level);
    progress.save()?;
    Ok(true)
}
