//! `cargo checker check [NAME|TOPIC|--all]`: grade the student's work and record progress.

use std::path::Path;

use anstream::println;
use anyhow::{Context, Result, bail};

use crate::catalog::Exercise;
use crate::engine::{self, Candidate, Options, Subject, Verdict};
use crate::kit::Kit;
use crate::render;
use crate::report::{self, Format, Report};

pub fn run(
    kit: &Kit,
    name: Option<&str>,
    all: bool,
    format: Option<Format>,
    output: Option<&Path>,
    options: &Options,
) -> Result<bool> {
    if output.is_some() && format.is_none() {
        bail!("--output needs a --format (the human report goes to the terminal)");
    }
    let mut progress = crate::recover::open(kit, options)?;
    let exercises: Vec<&Exercise> = match (name, all) {
        (_, true) => kit.catalog.exercises.iter().collect(),
        (Some(name), false) => kit.catalog.select(name)?,
        (None, false) => match super::status::next_exercise(kit, &progress) {
            Some(next) => vec![next],
            None => bail!(
                "nothing left to do: every exercise passes or is skipped; name one, or use --all"
            ),
        },
    };
    let candidates: Vec<Candidate> = exercises
        .iter()
        .map(|&exercise| Candidate {
            exercise,
            subject: Subject::Student,
        })
        .collect();
    let results = engine::grade(kit, &candidates, options)?;
    for result in &results {
        progress.record(&result.exercise.name, result.passed());
    }
    // The verdicts are shown first: a progress file that cannot be written must not hide them.
    let saved = progress.save();
    let ok = results.iter().all(|r| r.passed());
    if let Some(format) = format {
        let mut report = Report::new("check", &results);
        report.attach_test_code(kit);
        report::emit(&report, format, output)?;
        saved.context("the verdicts above were not recorded")?;
        return Ok(ok);
    }
    let mut shown_errors: Vec<&Vec<String>> = Vec::new();
    for (result, exercise) in results.iter().zip(&exercises) {
        // Exercises of one topic share a crate: one compile error fails them all. Show it once.
        if result.verdict == Verdict::CompileError && shown_errors.contains(&&result.compile_errors)
        {
            println!(
                "✗ {} ({}) — does not compile (the errors above)\n",
                result.exercise.name, result.exercise.topic
            );
            continue;
        }
        shown_errors.push(&result.compile_errors);
        println!(
            "{}",
            render::graded(result, &crate::layout::Layout::exercise_file(exercise))
        );
    }
    let done = progress.count_done(&kit.catalog.exercises);
    let total = kit.catalog.exercises.len();
    if let [only] = exercises.as_slice()
        && !ok
    {
        let topic = kit.catalog.topic_of(only);
        println!(
            "Stuck? cargo checker hint {}   ·   The chapter: {}",
            only.name,
            crate::layout::Layout::chapter(topic)
        );
    }
    saved.context("the verdicts above were not recorded")?;
    println!("Progress: {done}/{total} {}", render::bar(done, total));
    if ok && let Some(next) = super::status::next_exercise(kit, &progress) {
        println!(
            "Next: {} — {} (cargo checker check {})",
            next.name,
            crate::layout::Layout::exercise_file(next),
            next.name
        );
    }
    Ok(ok)
}
