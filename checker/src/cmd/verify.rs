//! `cargo checker verify [NAME|TOPIC]`: the instructor's proof that the kit teaches.
//!
//! For every exercise: the solution passes every test; the stub fails every test (a test that
//! passes on a stub asserts nothing about the student's work); every catalogued wrong solution
//! fails, with a verdict containing each of its `Expect:` words; every catalogued correct
//! alternative passes (a suite that rejects a valid design grades the reference's shape).

use std::time::Instant;

use anyhow::Result;
use serde::Serialize;

use crate::grade::{self, Candidate, Graded, Options, Subject, Verdict};
use crate::kit::Kit;
use crate::known::{self, Kind};
use crate::report::Report;

/// One broken promise of the kit.
#[derive(Debug, Serialize)]
pub struct Problem {
    pub exercise: String,
    pub subject: String,
    pub problem: String,
}

pub fn run(
    kit: &Kit,
    name: Option<&str>,
    json: bool,
    repeat: usize,
    options: &Options,
) -> Result<bool> {
    let started = Instant::now();
    // The catalogue first: a missing file or hint is cheaper to report than to build.
    let mut problems: Vec<Problem> = crate::dev::lint::problems(kit)?
        .into_iter()
        .map(|problem| Problem {
            exercise: "(catalogue)".into(),
            subject: "lint".into(),
            problem,
        })
        .collect();
    let exercises = match name {
        Some(name) => kit.catalog.select(name)?,
        None => kit.catalog.exercises.iter().collect(),
    };
    let mut candidates = Vec::new();
    for &exercise in &exercises {
        candidates.push(Candidate {
            exercise,
            subject: Subject::Solution,
        });
        candidates.push(Candidate {
            exercise,
            subject: Subject::Stub,
        });
        for kind in [Kind::Wrong, Kind::Alternative] {
            for version in known::catalogue(kit, exercise, kind)? {
                candidates.push(Candidate {
                    exercise,
                    subject: Subject::Known(version),
                });
            }
        }
    }
    let results = grade::grade(kit, &candidates, options)?;
    problems.extend(
        candidates
            .iter()
            .zip(&results)
            .filter_map(|(c, g)| judge(c, g)),
    );
    for round in 2..=repeat {
        if !json {
            eprintln!("verify: run {round} of {repeat}");
        }
        let again = grade::grade(kit, &candidates, options)?;
        problems.extend(flaky(&candidates, &results, &again, round));
        // Every run must hold on its own: each stub and wrong solution rejected, as it should be.
        for (candidate, graded) in candidates.iter().zip(&again) {
            if let Some(mut problem) = judge(candidate, graded) {
                problem.problem = format!("on run {round}: {}", problem.problem);
                problems.push(problem);
            }
        }
    }
    let ok = problems.is_empty();
    if json {
        // The shared report (results with their scores), plus what only verify knows.
        let mut report = serde_json::to_value(Report::new("verify", &results, &kit.catalog))?;
        // For verify, "ok" means the kit holds (stubs and wrong solutions are meant to fail).
        report["ok"] = ok.into();
        report["elapsed_ms"] = (started.elapsed().as_millis() as u64).into();
        report["problems"] = serde_json::to_value(&problems)?;
        // How well each suite kills the mutants of its solution, as last recorded by
        // `cargo checker mutants --all --record` (mutation testing takes too long to redo here).
        report["mutation_scores"] = serde_json::to_value(super::mutants::recorded(kit))?;
        println!("{}", serde_json::to_string_pretty(&report)?);
        return Ok(ok);
    }
    print_summary(&candidates, &results);
    for p in &problems {
        println!(
            "✗ {} [{}]: {}",
            p.exercise,
            p.subject,
            crate::render::indent(&p.problem, "    ").trim_start()
        );
    }
    let count = |kind: Kind| {
        candidates
            .iter()
            .filter(|c| matches!(&c.subject, Subject::Known(k) if k.kind == kind))
            .count()
    };
    println!(
        "\n{}, {}, {}: {} in {:.1} s",
        plural(exercises.len(), "exercise"),
        plural(count(Kind::Wrong), "wrong solution"),
        plural(count(Kind::Alternative), "correct alternative"),
        if ok {
            "the kit holds".to_owned()
        } else {
            format!("{} problems", problems.len())
        },
        started.elapsed().as_secs_f64()
    );
    Ok(ok)
}

/// What is wrong with one graded candidate, if anything.
fn judge(candidate: &Candidate, graded: &Graded) -> Option<Problem> {
    let problem = |text: String| Problem {
        exercise: graded.exercise.clone(),
        subject: graded.subject.clone(),
        problem: text,
    };
    let failures = || {
        graded
            .tests
            .iter()
            .filter(|t| !t.passed())
            .map(|t| format!("{}: {}", t.name, t.message))
            .collect::<Vec<_>>()
            .join("\n")
    };
    if graded.verdict == Verdict::CompileError {
        return Some(problem(format!(
            "does not compile:\n{}",
            graded.compile_errors.join("\n")
        )));
    }
    match &candidate.subject {
        Subject::Solution if !graded.passed() => Some(problem(format!(
            "the reference solution fails:\n{}",
            failures()
        ))),
        Subject::Stub => {
            let passing: Vec<&str> = graded
                .tests
                .iter()
                .filter(|t| t.passed())
                .map(|t| t.name.as_str())
                .collect();
            (!passing.is_empty()).then(|| {
                problem(format!(
                    "passes on the stub, so it checks nothing the student writes: {}",
                    passing.join(", ")
                ))
            })
        }
        Subject::Known(alternative) if alternative.kind == Kind::Alternative => (!graded.passed())
            .then(|| {
                problem(format!(
                    "a correct alternative is rejected (\"{}\"): the suite grades the \
                     reference's shape, not the exercise's contract:\n{}",
                    alternative.summary,
                    failures()
                ))
            }),
        Subject::Known(mistake) if graded.passed() => Some(problem(format!(
            "the wrong solution passes every test: the suite does not catch \"{}\"",
            mistake.summary
        ))),
        Subject::Known(mistake) => {
            let verdict = graded
                .tests
                .iter()
                .map(|t| t.message.as_str())
                .collect::<Vec<_>>()
                .join("\n");
            let missing = known::missing_expectations(mistake, &verdict);
            (!missing.is_empty()).then(|| {
                problem(format!(
                    "rejected, but the verdict never says {:?}; it says:\n{}",
                    missing,
                    failures()
                ))
            })
        }
        _ => None,
    }
}

/// Reference-solution tests whose verdict differs between the first run and run `round`. (A
/// wrong solution may fail a different set of tests from run to run — what must hold for it
/// on every run is that it is rejected with its `Expect:` words, which `judge` checks.)
fn flaky(
    candidates: &[Candidate],
    first: &[Graded],
    again: &[Graded],
    round: usize,
) -> Vec<Problem> {
    let mut found = Vec::new();
    let solutions = candidates
        .iter()
        .zip(first.iter().zip(again))
        .filter(|(c, _)| matches!(c.subject, Subject::Solution));
    for (_, (a, b)) in solutions {
        for (ta, tb) in a.tests.iter().zip(&b.tests) {
            if ta.passed() != tb.passed() {
                let verdicts =
                    |t: &crate::outcome::TestResult| if t.passed() { "passed" } else { "failed" };
                found.push(Problem {
                    exercise: a.exercise.clone(),
                    subject: a.subject.clone(),
                    problem: format!(
                        "flaky: {} {} on run 1 but {} on run {round}: {}",
                        ta.name,
                        verdicts(ta),
                        verdicts(tb),
                        if tb.passed() {
                            &ta.message
                        } else {
                            &tb.message
                        }
                    ),
                });
            }
        }
        if a.verdict != b.verdict && a.tests.len() != b.tests.len() {
            found.push(Problem {
                exercise: a.exercise.clone(),
                subject: a.subject.clone(),
                problem: format!(
                    "flaky: verdict {:?} on run 1 but {:?} on run {round}",
                    a.verdict, b.verdict
                ),
            });
        }
    }
    found
}

fn print_summary(candidates: &[Candidate], results: &[Graded]) {
    let mut current = String::new();
    for (candidate, graded) in candidates.iter().zip(results) {
        if graded.exercise != current {
            current = graded.exercise.clone();
            println!("{} ({})", graded.exercise, graded.topic);
        }
        let failed = graded.tests.iter().filter(|t| !t.passed()).count();
        let line = match &candidate.subject {
            Subject::Solution => format!(
                "solution    {}: {}/{} tests pass",
                graded.verdict.words(),
                graded.tests.len() - failed,
                graded.tests.len()
            ),
            Subject::Stub => format!(
                "stub        {}: {}/{} tests fail",
                graded.verdict.words(),
                failed,
                graded.tests.len()
            ),
            Subject::Known(k) if k.kind == Kind::Alternative => format!(
                "alternative {:<24} {}/{} pass",
                k.name,
                graded.tests.len() - failed,
                graded.tests.len()
            ),
            Subject::Known(w) => {
                let first = graded
                    .tests
                    .iter()
                    .find(|t| !t.passed())
                    .map(|t| first_line(&t.message))
                    .unwrap_or_default();
                format!(
                    "wrong       {:<24} {failed}/{} fail — {first}",
                    w.name,
                    graded.tests.len()
                )
            }
            Subject::Student | Subject::Submission(_) | Subject::Mutant(_) => String::new(),
        };
        println!("  {line}");
    }
}

/// `1 exercise`, `46 exercises`.
fn plural(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("{n} {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

fn first_line(text: &str) -> String {
    let line = text.lines().next().unwrap_or_default();
    if line.chars().count() > 90 {
        format!("{}…", line.chars().take(90).collect::<String>())
    } else {
        line.to_owned()
    }
}
