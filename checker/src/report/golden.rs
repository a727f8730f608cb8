//! Golden-file tests: a fixed, hand-built result set rendered in every format and compared
//! with `checker/tests/golden/`, then checked against what each format's spec requires.
//!
//! After a deliberate change of a format: `UPDATE_GOLDEN=1 cargo test -p checker golden`
//! rewrites the files; review the diff before committing it.

use std::path::{Path, PathBuf};

use base64::Engine;
use quick_xml::events::{BytesStart, Event};
use serde_json::Value;

use super::{Format, Report};
use crate::catalog::Catalog;
use crate::engine::{Graded, Subject, Verdict};
use crate::engine::{TestResult, TestStatus};

const CATALOG: &str = r#"
version = 1
[[topic]]
name = "threads"
title = "t"
chapter = "threads.md"

[[topic]]
name = "locks"
title = "l"
chapter = "locks.md"

[[exercise]]
name = "spawn_join"
topic = "threads"
file = "src/spawn_join.rs"
tests = "spawn_join::"
weights = { workers_run_at_the_same_time = 3 }

[[exercise]]
name = "scoped_chunks"
topic = "threads"
file = "src/scoped_chunks.rs"
tests = "scoped_chunks::"

[[exercise]]
name = "counter"
topic = "locks"
file = "src/counter.rs"
tests = "counter::"
weights = { no_lost_updates = 2, exact_total = 2 }
"#;

fn test(name: &str, status: TestStatus, message: &str, output: &str, ms: u64) -> TestResult {
    TestResult {
        name: name.into(),
        status,
        message: message.into(),
        location: (status != TestStatus::Passed)
            .then(|| "exercises/threads/src/spawn_join.rs:17:9".to_owned()),
        duration_ms: ms,
        output: output.into(),
    }
}

/// Every status, a compile error, weights, and text that needs escaping in every format.
fn fixture() -> Report {
    let catalog = Catalog::parse(CATALOG, Path::new("catalog.toml")).unwrap();
    let graded = vec![
        Graded {
            exercise: catalog.exercise("spawn_join").unwrap(),
            subject: Subject::Student,
            verdict: Verdict::Failed,
            tests: vec![
                test(
                    "spawn_join::results_come_back_in_index_order",
                    TestStatus::Passed,
                    "",
                    "",
                    12,
                ),
                test(
                    "spawn_join::workers_run_at_the_same_time",
                    TestStatus::Failed,
                    "workers did not run at the same time (concurrency): 1 < 4 && \"all\" isn't\n(at exercises/threads/src/spawn_join.rs:17:9)",
                    "\u{1b}[31mstarted worker 0\u{1b}[0m\nfinished worker 0 <ok>",
                    1503,
                ),
                test(
                    "spawn_join::handles_zero_workers",
                    TestStatus::NotImplemented,
                    "not implemented yet: replace the `todo!()` at exercises/threads/src/spawn_join.rs:17:9",
                    "",
                    3,
                ),
                test(
                    "spawn_join::joins_every_worker",
                    TestStatus::TimedOut,
                    "did not finish within 5 s — likely deadlock or endless loop",
                    &"x".repeat(600),
                    8000,
                ),
                test(
                    "spawn_join::survives_a_panicking_worker",
                    TestStatus::Crashed,
                    "the test process was killed by SIGABRT",
                    "",
                    40,
                ),
            ],
            compile_errors: vec![],
        },
        Graded {
            exercise: catalog.exercise("scoped_chunks").unwrap(),
            subject: Subject::Student,
            verdict: Verdict::Passed,
            tests: vec![
                test("scoped_chunks::sums_every_chunk", TestStatus::Passed, "", "", 7),
                test("scoped_chunks::handles_empty_data", TestStatus::Passed, "", "", 2),
            ],
            compile_errors: vec![],
        },
        Graded {
            exercise: catalog.exercise("counter").unwrap(),
            subject: Subject::Student,
            verdict: Verdict::CompileError,
            tests: vec![],
            compile_errors: vec![
                "error[E0308]: mismatched types\n --> exercises/locks/src/counter.rs:3:5\n  |\n3 |     \"0\"\n  |     ^^^ expected `u64`, found `&str`".into(),
            ],
        },
    ];
    let mut report = Report::new("check", &graded);
    // As `attach_test_code` finds it in a suite; the others have none (the formats differ).
    report.results[0].tests[1].test_code = Some(
        "within(|| {\n    let started = Rendezvous::new(4);\n    spawn_join::run(4, |_| started.arrive());\n});"
            .into(),
    );
    report
}

fn golden_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden")
}

/// Compares `actual` with the golden file, or rewrites it under `UPDATE_GOLDEN=1`.
fn golden(file: &str, actual: &str) {
    let path = golden_dir().join(file);
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::create_dir_all(golden_dir()).unwrap();
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (UPDATE_GOLDEN=1 writes it)", path.display()));
    assert!(
        expected == actual,
        "{} differs from what the checker writes now (UPDATE_GOLDEN=1 rewrites it):\n{actual}",
        path.display()
    );
}

fn render(format: Format) -> String {
    super::render(&fixture(), format).unwrap()
}

#[test]
fn scores_follow_the_weights() {
    let report = fixture();
    let scores: Vec<(f64, f64)> = report
        .results
        .iter()
        .map(|r| (r.score, r.max_score))
        .collect();
    // spawn_join: 1 passed of 1 + 3 + 1 + 1 + 1; scoped_chunks: 2 of 2; counter: no build,
    // its weights' sum.
    assert_eq!(scores, [(1.0, 7.0), (2.0, 2.0), (0.0, 4.0)]);
    assert_eq!((report.score, report.max_score), (3.0, 13.0));
    assert!(!report.ok);
}

#[test]
fn own_json_matches_its_golden_file() {
    let text = render(Format::Json);
    golden("report.json", &text);
    let report: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(report["command"], "check");
    assert_eq!(report["results"][0]["tests"][1]["status"], "failed");
    assert_eq!(report["results"][0]["tests"][1]["max_score"], 3.0);
    assert_eq!(report["results"][2]["verdict"], "compile_error");
}

/// exercism/docs `building/tooling/test-runners/interface.md`, version 3.
fn check_exercism(text: &str) {
    let results: Value = serde_json::from_str(text).unwrap();
    assert_eq!(results["version"], 3);
    let status = results["status"].as_str().unwrap();
    assert!(["pass", "fail", "error"].contains(&status), "{status}");
    if status == "error" {
        assert!(results["message"].as_str().is_some_and(|m| !m.is_empty()));
    } else {
        assert!(results["message"].is_null());
    }
    let tests = results["tests"].as_array().unwrap();
    let order = [
        "name",
        "test_code",
        "status",
        "message",
        "output",
        "task_id",
    ];
    let spec_order = [
        "name",
        "status",
        "message",
        "output",
        "test_code",
        "task_id",
    ];
    for test in tests {
        let fields = test.as_object().unwrap();
        assert!(fields.keys().all(|k| order.contains(&k.as_str())), "{test}");
        assert!(test["name"].is_string());
        let status = test["status"].as_str().unwrap();
        assert!(["pass", "fail", "error"].contains(&status), "{status}");
        for optional in ["message", "output", "test_code"] {
            assert!(test[optional].is_null() || test[optional].is_string());
        }
        if let Some(output) = test["output"].as_str() {
            assert!(output.chars().count() <= 500, "output over 500 chars");
        }
    }
    // Field order as the spec lists it: top level, then within every test.
    let at = |key: &str| text.find(&format!("\"{key}\"")).unwrap_or(usize::MAX);
    assert!(at("version") < at("status") && at("status") < at("tests"));
    for block in text.split("\n    {").skip(1) {
        let keys: Vec<&str> = block
            .lines()
            .filter_map(|l| l.strip_prefix("      \"")?.split('"').next())
            .collect();
        let positions: Vec<usize> = keys
            .iter()
            .map(|k| spec_order.iter().position(|s| s == k).unwrap())
            .collect();
        assert!(positions.is_sorted(), "fields out of order: {keys:?}");
    }
}

#[test]
fn exercism_matches_its_golden_file_and_the_spec() {
    let text = render(Format::Exercism);
    golden("exercism.json", &text);
    check_exercism(&text);
    let results: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(results["status"], "fail");
    let statuses: Vec<&str> = results["tests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["status"].as_str().unwrap())
        .collect();
    assert_eq!(
        statuses,
        [
            "pass", "fail", "fail", "error", "error", "pass", "pass", "error"
        ]
    );
}

#[test]
fn exercism_reports_an_error_with_the_compiler_message_when_nothing_compiled() {
    let mut report = fixture();
    report.results.retain(|r| r.exercise == "counter");
    let text = super::render(&report, Format::Exercism).unwrap();
    check_exercism(&text);
    let results: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(results["status"], "error");
    assert!(
        results["message"]
            .as_str()
            .unwrap()
            .contains("error[E0308]")
    );
}

#[test]
fn gradescope_matches_its_golden_file_and_the_spec() {
    let text = render(Format::Gradescope);
    golden("gradescope.json", &text);
    // gradescope-autograders.readthedocs.io "Autograder Specifications".
    let results: Value = serde_json::from_str(&text).unwrap();
    let score = results["score"].as_f64().unwrap();
    assert!(results["max_score"].as_f64().is_some());
    assert!(results["execution_time"].as_u64().is_some());
    let tests = results["tests"].as_array().unwrap();
    let mut sum = 0.0;
    for test in tests {
        assert!(test["name"].is_string());
        let (score, max) = (
            test["score"].as_f64().unwrap(),
            test["max_score"].as_f64().unwrap(),
        );
        assert!((0.0..=max).contains(&score), "{test}");
        sum += score;
        let status = test["status"].as_str().unwrap();
        assert!(["passed", "failed"].contains(&status));
        let visibility = test["visibility"].as_str().unwrap();
        assert!(["hidden", "after_due_date", "after_published", "visible"].contains(&visibility));
        assert!(test["output"].is_null() || test["output"].is_string());
    }
    assert_eq!(sum, score);
    assert_eq!(tests.len(), 8);
}

#[test]
fn classroom_matches_its_golden_file_and_what_the_reporter_reads() {
    let report = fixture();
    let text = super::classroom::json(&report).unwrap();
    golden("classroom.json", &text);
    // What autograding-grading-reporter does with it: base64-decode, JSON-parse, sum.
    let line = super::render(&report, Format::Classroom).unwrap();
    assert_eq!(line.lines().count(), 1);
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(line.trim_end())
        .unwrap();
    let results: Value = serde_json::from_slice(&decoded).unwrap();
    assert_eq!(results, serde_json::from_str::<Value>(&text).unwrap());
    assert_eq!(results["version"], 1);
    assert!(["pass", "fail", "error"].contains(&results["status"].as_str().unwrap()));
    let max = results["max_score"].as_f64().unwrap();
    let tests = results["tests"].as_array().unwrap();
    let total: f64 = tests.iter().map(|t| t["score"].as_f64().unwrap()).sum();
    assert_eq!((total, max), (3.0, 13.0));
    for test in tests {
        assert!(test["name"].is_string() && test["test_code"].is_string());
        assert!(["pass", "fail", "error"].contains(&test["status"].as_str().unwrap()));
        assert!(test["message"].is_null() || test["message"].is_string());
        assert!(test["filename"].is_string());
        assert!(test["line_no"].is_u64() && test["duration"].is_u64());
    }
    assert_eq!(tests[1]["filename"], "exercises/threads/src/spawn_join.rs");
    assert_eq!(tests[1]["line_no"], 17);
}

/// Parses JUnit XML back: well-formed, and the counts on each element match its children.
/// Returns (test cases, failures, errors).
pub fn check_junit(text: &str) -> (usize, usize, usize) {
    fn attr(e: &BytesStart, name: &str) -> String {
        e.try_get_attribute(name)
            .unwrap()
            .unwrap_or_else(|| panic!("no {name} attribute"))
            .normalized_value(quick_xml::XmlVersion::Implicit1_0)
            .unwrap()
            .into_owned()
    }
    let mut reader = quick_xml::Reader::from_str(text);
    let mut stack: Vec<String> = Vec::new();
    let (mut cases, mut failures, mut errors) = (0, 0, 0);
    let mut suite_counts = (0, 0, 0);
    let mut declared_total = None;
    loop {
        let event = reader.read_event().expect("well-formed XML");
        let (start, empty) = match &event {
            Event::Start(e) => (Some(e), false),
            Event::Empty(e) => (Some(e), true),
            _ => (None, false),
        };
        if let Some(e) = start {
            let name = e.name().as_ref().to_owned();
            let parent = stack.last().map(String::as_str);
            match name.as_str() {
                "testsuites" => {
                    assert_eq!(parent, None);
                    declared_total = Some((
                        attr(e, "tests").parse::<usize>().unwrap(),
                        attr(e, "failures").parse::<usize>().unwrap(),
                        attr(e, "errors").parse::<usize>().unwrap(),
                    ));
                }
                "testsuite" => {
                    assert_eq!(parent, Some("testsuites"));
                    suite_counts = (
                        attr(e, "tests").parse().unwrap(),
                        attr(e, "failures").parse().unwrap(),
                        attr(e, "errors").parse().unwrap(),
                    );
                }
                "testcase" => {
                    assert_eq!(parent, Some("testsuite"));
                    assert!(!attr(e, "name").is_empty());
                    assert!(!attr(e, "classname").is_empty());
                    attr(e, "time").parse::<f64>().unwrap();
                    cases += 1;
                    suite_counts.0 -= 1;
                }
                "failure" | "error" => {
                    assert_eq!(parent, Some("testcase"));
                    attr(e, "message");
                    attr(e, "type");
                    if name == "failure" {
                        failures += 1;
                        suite_counts.1 -= 1;
                    } else {
                        errors += 1;
                        suite_counts.2 -= 1;
                    }
                }
                "system-out" => assert_eq!(parent, Some("testcase")),
                other => panic!("unexpected element <{other}>"),
            }
            if !empty {
                stack.push(name);
            }
        }
        match event {
            Event::End(e) => {
                let name = e.name().as_ref().to_owned();
                assert_eq!(stack.pop().as_deref(), Some(name.as_str()));
                if name == "testsuite" {
                    assert_eq!(suite_counts, (0, 0, 0), "a testsuite's counts are wrong");
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    assert!(stack.is_empty());
    assert_eq!(declared_total, Some((cases, failures, errors)));
    (cases, failures, errors)
}

#[test]
fn junit_matches_its_golden_file_and_parses_back() {
    let text = render(Format::Junit);
    golden("junit.xml", &text);
    assert_eq!(check_junit(&text), (8, 2, 3));
    assert!(text.contains("1 &lt; 4 &amp;&amp;"), "markup is escaped");
    assert!(!text.contains('\u{1b}'), "no control characters");
    assert!(
        text.contains("<system-out>started worker 0\n"),
        "colours are dropped"
    );
}

#[test]
fn terminal_escapes_are_dropped_and_other_control_characters_replaced() {
    assert_eq!(
        super::plain("\u{1b}[1;31mred\u{1b}[0m and \u{1b}7plain"),
        "red and plain"
    );
    assert_eq!(super::junit::clean("a\u{7}b\tc\n"), "a\u{fffd}b\tc\n");
}

#[test]
fn clipping_keeps_short_text_and_notes_a_cut() {
    assert_eq!(super::clip("short", 10, "…"), "short");
    let clipped = super::clip(&"y".repeat(20), 10, "[cut]");
    assert_eq!(clipped, "yyyyy[cut]");
}
