//! Human-readable output: verdicts a student can act on.

use std::fmt::Write;

use crate::engine::TestStatus;
use crate::engine::{Graded, Verdict};
use crate::style;

/// How many compiler errors to show; the first ones are the ones to fix first.
const MAX_COMPILE_ERRORS: usize = 3;

/// The verdict on one candidate, as a block of lines.
pub fn graded(g: &Graded, file: &str) -> String {
    let mut out = String::new();
    let failed = g.tests.iter().filter(|t| !t.passed()).count();
    let _ = match g.verdict {
        Verdict::Passed => writeln!(
            out,
            "{} {} ({}) — all {} tests passed",
            style::good("✓"),
            g.exercise.name,
            g.exercise.topic,
            g.tests.len()
        ),
        Verdict::NotStarted => {
            let at = g
                .tests
                .iter()
                .find_map(|t| t.location.clone())
                .unwrap_or_else(|| file.to_owned());
            writeln!(
                out,
                "{} {} ({}) — not started: replace the `todo!()` at {at}",
                style::note("·"),
                g.exercise.name,
                g.exercise.topic
            )
        }
        Verdict::Missing | Verdict::Refused => writeln!(
            out,
            "{} {} ({}) — {}: {}",
            style::bad("✗"),
            g.exercise.name,
            g.exercise.topic,
            g.verdict.words(),
            g.compile_errors.join("; ")
        ),
        Verdict::CompileError => {
            writeln!(
                out,
                "{} {} ({}) — does not compile:",
                style::bad("✗"),
                g.exercise.name,
                g.exercise.topic
            )
        }
        Verdict::Failed => writeln!(
            out,
            "{} {} ({}) — {failed} of {} tests failed",
            style::bad("✗"),
            g.exercise.name,
            g.exercise.topic,
            g.tests.len()
        ),
    };
    match g.verdict {
        Verdict::Passed | Verdict::NotStarted | Verdict::Missing | Verdict::Refused => {}
        Verdict::CompileError => {
            for error in g.compile_errors.iter().take(MAX_COMPILE_ERRORS) {
                let _ = writeln!(out, "\n{}", indent(error, "    "));
            }
            if g.compile_errors.len() > MAX_COMPILE_ERRORS {
                let _ = writeln!(
                    out,
                    "\n    ... and {} more errors",
                    g.compile_errors.len() - MAX_COMPILE_ERRORS
                );
            }
        }
        Verdict::Failed => {
            for t in &g.tests {
                let mark = match t.status {
                    TestStatus::Passed => style::good("✓"),
                    TestStatus::NotImplemented => style::note("·"),
                    TestStatus::TimedOut => style::note("⧗"),
                    TestStatus::Failed | TestStatus::Crashed => style::bad("✗"),
                };
                let _ = writeln!(out, "  {mark} {}", t.name);
                if !t.passed() {
                    let _ = writeln!(out, "{}", indent(&t.message, "      "));
                }
            }
        }
    }
    out
}

/// Indents every line of `text`.
pub fn indent(text: &str, by: &str) -> String {
    text.lines()
        .map(|l| {
            if l.is_empty() {
                String::new()
            } else {
                format!("{by}{l}")
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// A bar of `done` filled out of `total` cells.
pub fn bar(done: usize, total: usize) -> String {
    format!(
        "{}{}",
        style::good(&"■".repeat(done)),
        "□".repeat(total.saturating_sub(done))
    )
}
