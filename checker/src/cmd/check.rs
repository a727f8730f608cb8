//! `cargo checker check [NAME|TOPIC|--all]`: grade the student's work and record progress.

use std::path::Path;

use anstream::println;
use anyhow::{Context, Result, bail};

use crate::catalog::Exercise;
use crate::engine::{self, Candidate, Options, Verdict};
use crate::kit::Kit;
use crate::render;
use crate::report::{self, Format, Report};

pub fn run(
    kit: &Kit,
    name: Option<&str>,
    all: bool,
    format: Option<Format>,
    output: Option<&Path>,
    repeat: usize,
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
    let candidates = Candidate::students(&exercises);
    if repeat > 1 {
        return super::repeat::run(kit, &candidates, repeat, options);
    }
    let results = engine::grade(kit, &candidates, options)?;
    for result in &results {
        remember(&mut progress, result);
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
        if let Some(base) = builds_on(kit, result) {
            println!(
                "  {} builds on {}: it stops in {}. Finish {} first (cargo checker check {}).\n",
                exercise.name,
                base.name,
                crate::layout::Layout::exercise_file(base),
                base.name,
                base.name
            );
        }
        if result.passed() {
            println!(
                "  Compare with the reference: {}\n",
                crate::layout::Layout::solution_file(exercise)
            );
        }
    }
    let done = progress.count_done(&kit.catalog.exercises);
    let total = kit.catalog.exercises.len();
    if let ([only], [result]) = (exercises.as_slice(), results.as_slice())
        && !ok
    {
        // The hint and the chapter of the exercise where the failure is.
        let stuck = builds_on(kit, result).unwrap_or(only);
        let topic = kit.catalog.topic_of(stuck);
        println!(
            "Stuck? cargo checker hint {}   ·   The chapter: {}",
            stuck.name,
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

/// The other exercise whose file a failing result stops in (`pool_map` calls the `ThreadPool`
/// of `thread_pool`): the student must hear which file to open.
fn builds_on<'k>(kit: &'k Kit, result: &engine::Graded) -> Option<&'k Exercise> {
    if result.passed() {
        return None;
    }
    let own = crate::layout::Layout::exercise_file(result.exercise);
    let at = result
        .tests
        .iter()
        .filter(|t| !t.passed())
        .find_map(|t| t.location.as_deref())?;
    let file = at.split(':').next()?;
    if file == own {
        return None;
    }
    kit.catalog
        .exercises
        .iter()
        .find(|e| crate::layout::Layout::exercise_file(e) == file)
}

/// Records a verdict in the progress file in the words every verb shows: a stub that is still
/// all `todo!()` is "not started" (not "failing"), everywhere.
pub fn remember(progress: &mut crate::progress::Progress, graded: &crate::engine::Graded) {
    if graded.verdict == Verdict::NotStarted {
        progress.forget(&graded.exercise.name);
    } else {
        progress.record(&graded.exercise.name, graded.passed());
    }
}
