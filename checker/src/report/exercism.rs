//! Exercism's test runner `results.json`, version 3.
//!
//! Spec: exercism/docs, `building/tooling/test-runners/interface.md`. Top level: `version`
//! (3), `status` (`pass`: every test passed; `fail`: at least one failed or errored;
//! `error`: no test ran, here when nothing compiled), `message` (required for `error`, the
//! compiler's words; omitted otherwise, as the spec allows), `tests` in the order they ran.
//! Per test, in the spec's order: `name`, `status` (`pass`|`fail`|`error`), `message`,
//! `output` (what the test printed, at most 500 characters as the spec demands) and
//! `test_code` (the test function's body from its suite; "should" for practice exercises,
//! so it is left out when the source cannot be found).

use anyhow::Result;
use serde::Serialize;

use super::{Case, Report};

/// The spec's limit on a test's `output`, and its suggested note.
const MAX_OUTPUT: usize = 500;
const TRUNCATED: &str = "\n... Output was truncated. Please limit to 500 chars";

#[derive(Serialize)]
struct Results<'a> {
    version: u32,
    status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<String>,
    tests: Vec<Test<'a>>,
}

#[derive(Serialize)]
struct Test<'a> {
    name: &'a str,
    status: &'static str,
    #[serde(skip_serializing_if = "str::is_empty")]
    message: &'a str,
    #[serde(skip_serializing_if = "String::is_empty")]
    output: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    test_code: Option<&'a str>,
}

pub fn render(report: &Report) -> Result<String> {
    let status = report.status();
    let cases = report.cases();
    let results = Results {
        version: 3,
        status,
        message: (status == "error").then(|| report.compile_errors()),
        tests: cases.iter().map(test).collect(),
    };
    Ok(serde_json::to_string_pretty(&results)? + "\n")
}

fn test<'a>(case: &'a Case) -> Test<'a> {
    Test {
        name: &case.name,
        status: case.kind.pass_fail_error(),
        message: &case.message,
        output: super::clip(&case.output, MAX_OUTPUT, TRUNCATED),
        test_code: case.test_code,
    }
}
