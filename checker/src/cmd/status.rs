//! `cargo checker` with no verb: progress per topic and the next exercise to do.

use anstream::println;
use anyhow::Result;

use crate::engine::Options;

use crate::kit::Kit;
use crate::progress::{Progress, State};
use crate::render;
use crate::style;

pub fn run(kit: &Kit, options: &Options) -> Result<bool> {
    let progress = crate::recover::open(kit, options)?;
    let catalog = &kit.catalog;
    let done = progress.count_done(&catalog.exercises);
    let total = catalog.exercises.len();
    println!("The concurrency kit — {done} of {total} exercises done\n");
    let width = catalog
        .topics
        .iter()
        .map(|t| t.name.len())
        .max()
        .unwrap_or(0);
    for topic in &catalog.topics {
        let names: Vec<_> = catalog.exercises_of(&topic.name).collect();
        if names.is_empty() {
            continue;
        }
        let topic_done = progress.count_done(names.iter().copied());
        let skipped = names
            .iter()
            .filter(|e| progress.state(&e.name) == Some(State::Skipped))
            .count();
        let skipped = match skipped {
            0 => String::new(),
            n => format!(" ({n} skipped)"),
        };
        // Padded by hand: the bar holds colour codes, which `{:6}` would count as width.
        let pad = " ".repeat(6usize.saturating_sub(names.len()));
        println!(
            "  {:width$}  {}{pad} {topic_done}/{}{skipped}",
            topic.name,
            render::bar(topic_done, names.len()),
            names.len()
        );
    }
    println!();
    match next_exercise(kit, &progress) {
        Some(next) => {
            let topic = catalog.topic_of(next);
            let place = catalog
                .exercises_of(&topic.name)
                .position(|e| e.name == next.name)
                .unwrap_or(0)
                + 1;
            let count = catalog.exercises_of(&topic.name).count();
            println!(
                "{} {} ({}, exercise {place} of {count})",
                style::strong("Next:"),
                next.name,
                topic.name
            );
            println!("  edit   {}", crate::layout::Layout::exercise_file(next));
            println!("  read   {}", crate::layout::Layout::chapter(topic));
            println!("  check  cargo checker check {}", next.name);
            println!("  hint   cargo checker hint {}", next.name);
        }
        None if done < total => {
            let skipped: Vec<&str> = catalog
                .exercises
                .iter()
                .filter(|e| !progress.is_done(&e.name))
                .map(|e| e.name.as_str())
                .collect();
            println!(
                "Every other exercise passes; skipped: {}. Come back with `cargo checker check NAME`.",
                skipped.join(", ")
            );
        }
        None => println!(
            "Every exercise passes. Well done! Compare your code with solutions/, then try `cargo checker verify`."
        ),
    }
    Ok(true)
}

/// The first exercise, in teaching order, that has neither passed nor been skipped.
pub fn next_exercise<'k>(
    kit: &'k Kit,
    progress: &Progress,
) -> Option<&'k crate::catalog::Exercise> {
    kit.catalog
        .exercises
        .iter()
        .find(|e| !progress.is_settled(&e.name))
}
