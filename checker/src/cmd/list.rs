//! `cargo checker list`: every exercise in teaching order, with its status and file.

use anstream::println;
use anyhow::Result;

use crate::engine::Options;

use crate::kit::Kit;
use crate::progress::State;
use crate::style;

pub fn run(kit: &Kit, options: &Options) -> Result<bool> {
    let progress = crate::recover::open(kit, options)?;
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
            // Padded before styling, so escape codes do not count towards the width.
            let status = match progress.state(&exercise.name) {
                Some(State::Done) => style::good(&format!("{:7}", "done")),
                Some(State::Failing) => style::bad(&format!("{:7}", "failing")),
                Some(State::Skipped) => style::note(&format!("{:7}", "skipped")),
                None => format!("{:7}", "todo"),
            };
            println!(
                "  {:width$}  {status}  {}",
                exercise.name,
                crate::layout::Layout::exercise_file(exercise)
            );
        }
        println!();
    }
    Ok(true)
}
