//! `cargo checker verify [NAME|TOPIC]`: the instructor's proof that the kit teaches.
//!
//! For every exercise: the solution passes every test; the stub as shipped (`checker/pristine/`,
//! never the student's working copy) fails every test — a test that passes on a stub asserts
//! nothing about the student's work; every catalogued wrong solution fails, with a verdict
//! containing each of its `Expect:` words; every catalogued correct alternative passes (a suite
//! that rejects a valid design grades the reference's shape).
//!
//! Select (the candidates) → grade (the engine) → judge (the problems, a pure function of the
//! graded results) → render (text or JSON).

use std::time::{Duration, Instant};

use anyhow::Result;
use serde::Serialize;

use crate::catalog::Exercise;
use crate::engine::{self, Candidate, Graded, Options, Subject, Verdict};
use crate::kit::Kit;
use crate::known::{self, Kind};
use crate::report::Report;

/// One broken promise of the kit.
#[derive(Debug, Serialize, PartialEq, Eq)]
pub struct Problem {
    pub exercise: String,
    pub subject: String,
    pub problem: String,
}

/// What a verify run found.
pub struct Proof<'k> {
    pub exercises: usize,
    pub results: Vec<Graded<'k>>,
    pub problems: Vec<Problem>,
    pub elapsed: Duration,
}

pub fn run(
    kit: &Kit,
    name: Option<&str>,
    json: bool,
    repeat: usize,
    options: &Options,
) -> Result<bool> {
    let proof = prove(kit, name, repeat, json, options)?;
    let ok = proof.problems.is_empty();
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(&json_report(kit, &proof)?)?
        );
    } else {
        print!("{}", render(&proof));
    }
    Ok(ok)
}

/// Lints the catalogue, grades every candidate `repeat` times and judges the results.
pub fn prove<'k>(
    kit: &'k Kit,
    name: Option<&str>,
    repeat: usize,
    quiet: bool,
    options: &Options,
) -> Result<Proof<'k>> {
    let started = Instant::now();
    // A wrong solution is proven wrong once its failures say what its entry expects: the rest
    // of its tests would only repeat it (a third of the proof's time, most of it in timeouts).
    let options = &Options {
        stop: engine::Stop::Proven,
        ..*options
    };
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
    let candidates = select(kit, &exercises)?;
    let results = engine::grade(kit, &candidates, options)?;
    problems.extend(results.iter().filter_map(judge));
    for round in 2..=repeat {
        if !quiet {
            eprintln!("verify: run {round} of {repeat}");
        }
        let again = engine::grade(kit, &candidates, options)?;
        problems.extend(flaky(&results, &again, round));
        // Every run must hold on its own: each stub and wrong solution rejected, as it should be.
        for graded in &again {
            if let Some(mut problem) = judge(graded) {
                problem.problem = format!("on run {round}: {}", problem.problem);
                problems.push(problem);
            }
        }
    }
    Ok(Proof {
        exercises: exercises.len(),
        results,
        problems,
        elapsed: started.elapsed(),
    })
}

/// Every candidate of the exercises: solution, stub, each catalogued version.
fn select<'k>(kit: &'k Kit, exercises: &[&'k Exercise]) -> Result<Vec<Candidate<'k>>> {
    let mut candidates = Vec::new();
    for &exercise in exercises {
        for subject in [Subject::Solution, Subject::Stub] {
            candidates.push(Candidate { exercise, subject });
        }
        for kind in [Kind::Wrong, Kind::Alternative] {
            for version in known::catalogue(kit, exercise, kind)? {
                candidates.push(Candidate {
                    exercise,
                    subject: Subject::Known(version),
                });
            }
        }
    }
    Ok(candidates)
}

/// The JSON report: the shared result model, plus what only verify knows.
fn json_report(kit: &Kit, proof: &Proof) -> Result<serde_json::Value> {
    let mut report = serde_json::to_value(Report::new("verify", &proof.results))?;
    // For verify, "ok" means the kit holds (stubs and wrong solutions are meant to fail).
    report["ok"] = proof.problems.is_empty().into();
    report["elapsed_ms"] = (proof.elapsed.as_millis() as u64).into();
    report["problems"] = serde_json::to_value(&proof.problems)?;
    // How well each suite kills the mutants of its solution, as last recorded by
    // `cargo checker mutants --all --record` (mutation testing takes too long to redo here).
    report["mutation_scores"] = serde_json::to_value(super::mutants::recorded(kit))?;
    Ok(report)
}

/// What is wrong with one graded candidate, if anything.
pub fn judge(graded: &Graded) -> Option<Problem> {
    let problem = |text: String| Problem {
        exercise: graded.exercise.name.clone(),
        subject: graded.subject.label(),
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
    match &graded.subject {
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
fn flaky(first: &[Graded], again: &[Graded], round: usize) -> Vec<Problem> {
    let mut found = Vec::new();
    let solutions = first
        .iter()
        .zip(again)
        .filter(|(a, _)| matches!(a.subject, Subject::Solution));
    for (a, b) in solutions {
        let problem = |text: String| Problem {
            exercise: a.exercise.name.clone(),
            subject: a.subject.label(),
            problem: text,
        };
        for (ta, tb) in a.tests.iter().zip(&b.tests) {
            if ta.passed() != tb.passed() {
                let word = |t: &engine::TestResult| if t.passed() { "passed" } else { "failed" };
                let message = if tb.passed() {
                    &ta.message
                } else {
                    &tb.message
                };
                found.push(problem(format!(
                    "flaky: {} {} on run 1 but {} on run {round}: {message}",
                    ta.name,
                    word(ta),
                    word(tb),
                )));
            }
        }
        if a.verdict != b.verdict && a.tests.len() != b.tests.len() {
            found.push(problem(format!(
                "flaky: {} on run 1 but {} on run {round}",
                a.verdict.words(),
                b.verdict.words()
            )));
        }
    }
    found
}

/// The text report: a line per candidate, then the problems, then the totals.
pub fn render(proof: &Proof) -> String {
    let mut out = String::new();
    let mut current = "";
    for graded in &proof.results {
        if graded.exercise.name != current {
            current = &graded.exercise.name;
            out.push_str(&format!(
                "{} ({})\n",
                graded.exercise.name, graded.exercise.topic
            ));
        }
        let failed = graded.tests.iter().filter(|t| !t.passed()).count();
        let total = graded.tests.len();
        let line = match &graded.subject {
            Subject::Known(k) if graded.verdict == Verdict::CompileError => {
                format!(
                    "{:<11} {:<24} does not compile",
                    k.kind.folder_name(),
                    k.name
                )
            }
            Subject::Solution => format!(
                "solution    {}: {}/{total} tests pass",
                graded.verdict.words(),
                total - failed
            ),
            Subject::Stub => format!(
                "stub        {}: {failed}/{total} tests fail",
                graded.verdict.words()
            ),
            Subject::Known(k) if k.kind == Kind::Alternative => {
                format!("alternative {:<24} {}/{total} pass", k.name, total - failed)
            }
            Subject::Known(w) => {
                let first = graded
                    .tests
                    .iter()
                    .find(|t| !t.passed())
                    .map(|t| first_line(&t.message))
                    .unwrap_or_default();
                format!("wrong       {:<24} {failed}/{total} fail — {first}", w.name)
            }
            _ => continue,
        };
        out.push_str(&format!("  {line}\n"));
    }
    for p in &proof.problems {
        out.push_str(&format!(
            "✗ {} [{}]: {}\n",
            p.exercise,
            p.subject,
            crate::render::indent(&p.problem, "    ").trim_start()
        ));
    }
    let count = |kind: Kind| {
        proof
            .results
            .iter()
            .filter(|g| matches!(&g.subject, Subject::Known(k) if k.kind == kind))
            .count()
    };
    out.push_str(&format!(
        "\n{}, {}, {}: {} in {:.1} s\n",
        plural(proof.exercises, "exercise"),
        plural(count(Kind::Wrong), "wrong solution"),
        plural(count(Kind::Alternative), "correct alternative"),
        if proof.problems.is_empty() {
            "the kit holds".to_owned()
        } else {
            plural(proof.problems.len(), "problem")
        },
        proof.elapsed.as_secs_f64()
    ));
    out
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{TestResult, TestStatus};

    fn exercise() -> Exercise {
        toml::from_str(
            "name = \"spawn_join\"\ntopic = \"threads\"\nfile = \"src/spawn_join.rs\"\n\
             tests = \"spawn_join::\"",
        )
        .unwrap()
    }

    fn test(name: &str, status: TestStatus, message: &str) -> TestResult {
        TestResult {
            name: name.into(),
            status,
            message: message.into(),
            location: None,
            duration_ms: 1,
            output: String::new(),
        }
    }

    fn graded<'k>(exercise: &'k Exercise, subject: Subject, tests: Vec<TestResult>) -> Graded<'k> {
        Graded {
            exercise,
            subject,
            verdict: crate::engine::judge_verdict(&tests, false),
            tests,
            compile_errors: Vec::new(),
        }
    }

    #[test]
    fn a_stub_that_passes_a_test_is_a_problem() {
        let e = exercise();
        let stub = graded(
            &e,
            Subject::Stub,
            vec![
                test("spawn_join::a", TestStatus::Passed, ""),
                test("spawn_join::b", TestStatus::NotImplemented, "todo"),
            ],
        );
        let problem = judge(&stub).expect("a problem");
        assert!(
            problem.problem.contains("passes on the stub"),
            "{problem:?}"
        );
        assert!(problem.problem.contains("spawn_join::a"), "{problem:?}");
    }

    #[test]
    fn a_reference_that_fails_is_a_problem_and_one_that_passes_is_not() {
        let e = exercise();
        let failing = graded(
            &e,
            Subject::Solution,
            vec![test("spawn_join::a", TestStatus::Failed, "boom")],
        );
        assert!(judge(&failing).unwrap().problem.contains("boom"));
        let passing = graded(
            &e,
            Subject::Solution,
            vec![test("spawn_join::a", TestStatus::Passed, "")],
        );
        assert_eq!(judge(&passing), None);
    }

    #[test]
    fn a_verdict_that_changes_between_runs_is_flaky() {
        let e = exercise();
        let first = [graded(
            &e,
            Subject::Solution,
            vec![test("spawn_join::a", TestStatus::Passed, "")],
        )];
        let again = [graded(
            &e,
            Subject::Solution,
            vec![test("spawn_join::a", TestStatus::Failed, "lost")],
        )];
        let found = flaky(&first, &again, 2);
        assert_eq!(found.len(), 1);
        assert!(
            found[0]
                .problem
                .starts_with("flaky: spawn_join::a passed on run 1 but failed on run 2")
        );
    }
}
