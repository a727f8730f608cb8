//! GitHub Classroom's autograding result.
//!
//! What it reads: `classroom-resources/autograding-grading-reporter` takes, for each runner
//! named in its `runners` input, an environment variable `RUNNER_RESULTS` holding base64 of a
//! JSON object, adds up `max_score` and the `score` of every test, and fails the workflow when
//! `status` is `fail` or `error`. The runners it ships (`autograding-io-grader`,
//! `autograding-python-grader`) write that object as `version` (1), `status`
//! (`pass`|`fail`|`error`), `max_score`, `tests[name, status, message, test_code, filename,
//! line_no, duration, score]`, and set it as the step output `result`. We write the same
//! fields (`duration` in milliseconds, as the io-grader does; `execution_time` is not a field
//! any of them reads) so a workflow step can do
//!
//! ```sh
//! echo "result=$(cargo checker check --all --format classroom)" >> "$GITHUB_OUTPUT"
//! ```
//!
//! and hand `steps.ID.outputs.result` to the reporter. The output is base64 on one line; the
//! golden test keeps the decoded object, so it can be read.

use anyhow::Result;
use base64::Engine;
use serde::Serialize;

use super::{Case, Report};

#[derive(Serialize)]
struct Results {
    version: u32,
    status: &'static str,
    max_score: f64,
    tests: Vec<Test>,
}

#[derive(Serialize)]
struct Test {
    name: String,
    status: &'static str,
    message: Option<String>,
    test_code: String,
    filename: String,
    line_no: u32,
    duration: u64,
    score: f64,
}

fn results(report: &Report) -> Results {
    Results {
        version: 1,
        status: report.status(),
        max_score: report.max_score,
        tests: report.cases().iter().map(test).collect(),
    }
}

/// The result object, as readable JSON (what the golden test keeps).
#[cfg(test)]
pub fn json(report: &Report) -> Result<String> {
    Ok(serde_json::to_string_pretty(&results(report))? + "\n")
}

/// The result object, compact, in base64, on one line: the step output the reporter reads.
pub fn render(report: &Report) -> Result<String> {
    let compact = serde_json::to_vec(&results(report))?;
    Ok(base64::engine::general_purpose::STANDARD.encode(compact) + "\n")
}

fn test(case: &Case) -> Test {
    let (filename, line_no) = case.file_and_line().unwrap_or(("", 0));
    let message = case.message_and_output();
    Test {
        name: case.name.clone(),
        status: case.kind.pass_fail_error(),
        message: (!message.is_empty()).then_some(message),
        // The reporter prints it under "Test code:"; without the source, the command that
        // re-runs the test is the most useful thing to show.
        test_code: case.test_code.map_or_else(
            || format!("cargo checker check {}", case.exercise.exercise),
            str::to_owned,
        ),
        filename: filename.to_owned(),
        line_no,
        duration: case.duration_ms,
        score: case.score,
    }
}
