//! `cargo checker` with no verb: progress per topic and the next exercise to do.

use anyhow::Result;

use crate::kit::Kit;
use crate::progress::Progress;
use crate::render;

pub fn run(kit: &Kit) -> Result<bool> {
    let progress = Progress::load(&kit.progress_file());
    let catalog = &kit.catalog;
    let done = catalog
        .exercises
        .iter()
        .filter(|e| progress.is_done(&e.name))
        .count();
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
        let topic_done = names.iter().filter(|e| progress.is_done(&e.name)).count();
        println!(
            "  {:width$}  {:6} {topic_done}/{}",
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
                "Next: {} ({}, exercise {place} of {count})",
                next.name, topic.name
            );
            println!("  edit   {}", kit.exercise_file(next));
            println!("  read   {}", kit.chapter(topic));
            println!("  check  cargo checker check {}", next.name);
            println!("  hint   cargo checker hint {}", next.name);
        }
        None => println!(
            "Every exercise passes. Well done! Compare your code with solutions/, then try `cargo checker verify`."
        ),
    }
    Ok(true)
}

/// The first exercise, in teaching order, that has not passed.
pub fn next_exercise<'k>(
    kit: &'k Kit,
    progress: &Progress,
) -> Option<&'k crate::catalog::Exercise> {
    kit.catalog
        .exercises
        .iter()
        .find(|e| !progress.is_done(&e.name))
}
