//! `cargo checker list`: every exercise in teaching order, with its status and file.

use anyhow::Result;

use crate::kit::Kit;
use crate::progress::{Progress, State};

pub fn run(kit: &Kit) -> Result<bool> {
    let progress = Progress::load(&kit.progress_file());
    let catalog = &kit.catalog;
    let width = catalog
        .exercises
        .iter()
        .map(|e| e.name.len())
        .max()
        .unwrap_or(8)
        .max(8);
    for topic in &catalog.topics {
        let exercises: Vec<_> = catalog.exercises_of(&topic.name).collect();
        if exercises.is_empty() {
            continue;
        }
        let concepts = topic
            .concepts
            .iter()
            .map(u32::to_string)
            .collect::<Vec<_>>()
            .join(", ");
        if concepts.is_empty() {
            println!("{} — {}", topic.name, topic.title);
        } else {
            println!("{} — {} (concepts {concepts})", topic.name, topic.title);
        }
        for exercise in exercises {
            let status = match progress.exercises.get(&exercise.name) {
                Some(State::Done) => "done",
                Some(State::Failing) => "failing",
                None => "todo",
            };
            println!(
                "  {:width$}  {status:7}  {}",
                exercise.name,
                kit.exercise_file(exercise)
            );
        }
        println!();
    }
    Ok(true)
}
