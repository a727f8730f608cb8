//! One result model, every machine-readable format.
//!
//! Grading produces [`Graded`] values; [`Report::new`] turns them into one [`Report`] with the
//! manifest's weights applied (per-test `score`/`max_score`, summed per exercise and overall),
//! and each format renders that same report, nothing else:
//!
//! | `--format`   | for                              | module          |
//! |--------------|----------------------------------|-----------------|
//! | `json`       | our own (`--json` is its alias)  | here            |
//! | `exercism`   | exercism's test runner, v3       | [`exercism`]    |
//! | `junit`      | CI systems (JUnit XML)           | [`junit`]       |
//! | `gradescope` | Gradescope's `results.json`      | [`gradescope`]  |
//! | `classroom`  | GitHub Classroom's reporter      | [`classroom`]   |
//!
//! The foreign formats list tests only, so an exercise that does not compile (no test ran)
//! becomes one case named `EXERCISE::compiles`, an error worth the exercise's maximum. That
//! maximum is not known when nothing built (the test list comes from the built binary): it is
//! taken as the sum of the exercise's manifest weights, or 1 without weights.

pub mod classroom;
pub mod exercism;
pub mod gradescope;
pub mod junit;
pub mod source;

#[cfg(test)]
mod golden;

use std::path::Path;

use anyhow::{Context, Result};
use serde::Serialize;

use crate::engine::{Graded, Verdict};
use crate::engine::{TestResult, TestStatus};

/// The machine-readable formats (`--format`); without one, `check` talks to a person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Our own JSON: every field the checker knows.
    Json,
    /// Exercism test runner `results.json`, version 3.
    Exercism,
    /// JUnit XML, for CI systems.
    Junit,
    /// Gradescope autograder `results.json`.
    Gradescope,
    /// Legacy export: GitHub Classroom's autograding result (base64 JSON for the `result`
    /// step output); the service was retired on 2026-08-28 (see `autograder`).
    Classroom,
}

/// Everything one run graded.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// The verb that graded: `check` or `verify`.
    pub command: String,
    pub ok: bool,
    pub score: f64,
    pub max_score: f64,
    pub results: Vec<ExerciseReport>,
}

/// One graded exercise of one subject.
#[derive(Debug, Clone, Serialize)]
pub struct ExerciseReport {
    pub exercise: String,
    pub topic: String,
    pub subject: String,
    pub verdict: Verdict,
    pub score: f64,
    pub max_score: f64,
    pub tests: Vec<TestReport>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub compile_errors: Vec<String>,
}

/// One test with its points.
#[derive(Debug, Clone, Serialize)]
pub struct TestReport {
    #[serde(flatten)]
    pub result: TestResult,
    pub score: f64,
    pub max_score: f64,
    /// The test's source, for the formats that show it ([`Report::attach_test_code`]); our
    /// own JSON leaves it out, the suite file has it.
    #[serde(skip)]
    pub test_code: Option<String>,
}

impl Report {
    /// Applies the manifest's weights to graded results.
    pub fn new(command: &str, graded: &[Graded]) -> Report {
        let results: Vec<ExerciseReport> = graded
            .iter()
            .map(|g| {
                let exercise = Some(g.exercise);
                let weight = |test: &str| exercise.map_or(1.0, |e| e.weight(test));
                let tests: Vec<TestReport> = g
                    .tests
                    .iter()
                    .map(|t| {
                        let max_score = weight(&t.name);
                        TestReport {
                            score: if t.passed() { max_score } else { 0.0 },
                            max_score,
                            result: t.clone(),
                            test_code: None,
                        }
                    })
                    .collect();
                // Nothing ran (it did not compile, was missing or refused): the exercise is
                // still worth its points, of which it scores none.
                let max_score = if tests.is_empty() && g.verdict != Verdict::Passed {
                    exercise
                        .filter(|e| !e.weights.is_empty())
                        .map_or(1.0, |e| e.weights.values().sum())
                } else {
                    tests.iter().map(|t| t.max_score).sum()
                };
                ExerciseReport {
                    exercise: g.exercise.name.clone(),
                    topic: g.exercise.topic.clone(),
                    subject: g.subject.label(),
                    verdict: g.verdict,
                    // `+ 0.0`: an empty sum of floats is -0.0, which a gradebook shows as "-0".
                    score: tests.iter().map(|t| t.score).sum::<f64>() + 0.0,
                    max_score,
                    tests,
                    compile_errors: g.compile_errors.clone(),
                }
            })
            .collect();
        Report {
            command: command.to_owned(),
            ok: graded.iter().all(Graded::passed),
            score: results.iter().map(|r| r.score).sum(),
            max_score: results.iter().map(|r| r.max_score).sum(),
            results,
        }
    }

    /// Every case the foreign formats list, in grading order.
    pub fn cases(&self) -> Vec<Case<'_>> {
        self.results
            .iter()
            .flat_map(ExerciseReport::cases)
            .collect()
    }

    /// The overall status in the words exercism and GitHub Classroom share: `error` when no
    /// test could run at all (nothing compiled), else `pass` or `fail`.
    pub fn status(&self) -> &'static str {
        let cases = self.cases();
        if !cases.is_empty() && cases.iter().all(|c| c.kind == Kind::CompileError) {
            "error"
        } else if cases.iter().all(|c| c.kind == Kind::Passed) {
            "pass"
        } else {
            "fail"
        }
    }

    /// The compile errors of every exercise, once each (a topic's exercises share a crate).
    pub fn compile_errors(&self) -> String {
        let mut seen: Vec<&Vec<String>> = Vec::new();
        for r in &self.results {
            if !r.compile_errors.is_empty() && !seen.contains(&&r.compile_errors) {
                seen.push(&r.compile_errors);
            }
        }
        seen.iter()
            .map(|errors| errors.join("\n"))
            .collect::<Vec<_>>()
            .join("\n")
    }
}

impl ExerciseReport {
    fn cases(&self) -> Vec<Case<'_>> {
        if self.tests.is_empty() && self.verdict != Verdict::Passed {
            let step = match self.verdict {
                Verdict::Missing | Verdict::Refused => "handed_in",
                _ => "compiles",
            };
            return vec![Case {
                exercise: self,
                name: format!("{}::{step}", self.exercise),
                kind: Kind::CompileError,
                message: plain(&self.compile_errors.join("\n")),
                output: String::new(),
                test_code: None,
                location: None,
                duration_ms: 0,
                score: 0.0,
                max_score: self.max_score,
            }];
        }
        self.tests
            .iter()
            .map(|t| Case {
                exercise: self,
                name: t.result.name.clone(),
                kind: match t.result.status {
                    TestStatus::Passed => Kind::Passed,
                    TestStatus::Failed => Kind::Failed,
                    TestStatus::NotImplemented => Kind::NotImplemented,
                    TestStatus::TimedOut => Kind::TimedOut,
                    TestStatus::Crashed => Kind::Crashed,
                },
                message: plain(&t.result.message),
                output: plain(&t.result.output),
                test_code: t.test_code.as_deref(),
                location: t.result.location.as_deref(),
                duration_ms: t.result.duration_ms,
                score: t.score,
                max_score: t.max_score,
            })
            .collect()
    }
}

/// One line of a foreign format: a test, or the compile step of an exercise that has none.
#[derive(Debug, Clone)]
pub struct Case<'r> {
    pub exercise: &'r ExerciseReport,
    pub name: String,
    pub kind: Kind,
    pub message: String,
    /// What the test printed (failures only).
    pub output: String,
    pub test_code: Option<&'r str>,
    /// `file:line:col`, when known.
    pub location: Option<&'r str>,
    pub duration_ms: u64,
    pub score: f64,
    pub max_score: f64,
}

/// What happened to one case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Passed,
    Failed,
    NotImplemented,
    TimedOut,
    Crashed,
    CompileError,
}

impl Kind {
    /// A test that ran and asserted something false fails; one that could not finish (a
    /// hang, a crash, no build) errors. The distinction exercism and JUnit both draw.
    pub fn is_error(self) -> bool {
        matches!(self, Kind::TimedOut | Kind::Crashed | Kind::CompileError)
    }

    /// A snake_case word, as in our own JSON.
    pub fn word(self) -> &'static str {
        match self {
            Kind::Passed => "passed",
            Kind::Failed => "failed",
            Kind::NotImplemented => "not_implemented",
            Kind::TimedOut => "timed_out",
            Kind::Crashed => "crashed",
            Kind::CompileError => "compile_error",
        }
    }

    /// `pass`, `fail` or `error`: the per-test words of exercism and GitHub Classroom.
    pub fn pass_fail_error(self) -> &'static str {
        match self {
            Kind::Passed => "pass",
            k if k.is_error() => "error",
            _ => "fail",
        }
    }
}

impl Case<'_> {
    /// `file` and `line` of `location` (`file:line:col`).
    pub fn file_and_line(&self) -> Option<(&str, u32)> {
        let mut parts = self.location?.rsplitn(3, ':');
        let _col = parts.next()?;
        let line = parts.next()?.parse().ok()?;
        Some((parts.next()?, line))
    }

    /// The message, then what the test printed: everything a student reads about a failure.
    pub fn message_and_output(&self) -> String {
        match (self.message.is_empty(), self.output.is_empty()) {
            (_, true) => self.message.clone(),
            (true, false) => self.output.clone(),
            (false, false) => format!("{}\n\n{}", self.message, self.output),
        }
    }
}

/// Renders a report in one format.
pub fn render(report: &Report, format: Format) -> Result<String> {
    Ok(match format {
        Format::Json => serde_json::to_string_pretty(report)? + "\n",
        Format::Exercism => exercism::render(report)?,
        Format::Junit => junit::render(report)?,
        Format::Gradescope => gradescope::render(report)?,
        Format::Classroom => classroom::render(report)?,
    })
}

/// Writes a report to `output`, or to stdout.
pub fn emit(report: &Report, format: Format, output: Option<&Path>) -> Result<()> {
    let text = render(report, format)?;
    match output {
        Some(path) => {
            std::fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))
        }
        None => {
            print!("{text}");
            Ok(())
        }
    }
}

/// `text` without terminal escape sequences (colours, cursor moves): the foreign formats are
/// shown in web pages, where they would be noise.
pub fn plain(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\u{1b}' {
            out.push(c);
        } else if chars.next_if_eq(&'[').is_some() {
            // CSI: parameters and intermediates up to a final byte in `@`..=`~`.
            for c in chars.by_ref() {
                if ('@'..='~').contains(&c) {
                    break;
                }
            }
        } else {
            chars.next();
        }
    }
    out
}

/// At most `max` characters of `text`, with `note` appended when something was cut.
pub fn clip(text: &str, max: usize, note: &str) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let keep = max.saturating_sub(note.chars().count());
    text.chars().take(keep).chain(note.chars()).collect()
}
