//! Gradescope's autograder `results.json`.
//!
//! Spec: gradescope-autograders.readthedocs.io, "Autograder Specifications". Top level:
//! `score` (the points earned; we always give it), `max_score` (optional: Gradescope
//! otherwise takes the assignment's points), `execution_time` (seconds), `output` (text for
//! the whole submission: here the compile errors, if any), `tests`. Per test: `name`, `score`,
//! `max_score`, `status` (`passed`|`failed`), `output` (the verdict and what the test printed)
//! and `visibility` (`visible`: students learn from seeing why a test failed).

use anyhow::Result;
use serde::Serialize;

use super::{Case, Kind, Report};

#[derive(Serialize)]
struct Results {
    score: f64,
    max_score: f64,
    execution_time: u64,
    #[serde(skip_serializing_if = "String::is_empty")]
    output: String,
    tests: Vec<Test>,
}

#[derive(Serialize)]
struct Test {
    name: String,
    score: f64,
    max_score: f64,
    status: &'static str,
    #[serde(skip_serializing_if = "String::is_empty")]
    output: String,
    visibility: &'static str,
}

pub fn render(report: &Report) -> Result<String> {
    let cases = report.cases();
    let millis: u64 = cases.iter().map(|c| c.duration_ms).sum();
    let results = Results {
        score: report.score,
        max_score: report.max_score,
        execution_time: millis.div_ceil(1000),
        output: report.compile_errors(),
        tests: cases.iter().map(test).collect(),
    };
    Ok(serde_json::to_string_pretty(&results)? + "\n")
}

fn test(case: &Case) -> Test {
    Test {
        name: case.name.clone(),
        score: case.score,
        max_score: case.max_score,
        status: if case.kind == Kind::Passed {
            "passed"
        } else {
            "failed"
        },
        output: case.message_and_output(),
        visibility: "visible",
    }
}
