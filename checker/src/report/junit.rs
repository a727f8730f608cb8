//! JUnit XML, the format CI systems (GitLab, Jenkins, GitHub test-report actions) read.
//!
//! There is no single published schema; we follow the common subset (the Ant/Surefire shape
//! nextest and pytest also write): `<testsuites>` with totals, one `<testsuite>` per graded
//! exercise, one `<testcase name classname time>` per test. A test that ran and asserted
//! something false gets `<failure message type>`; one that could not finish (a hang, a crash,
//! no build) gets `<error message type>`; `type` is our status word. The full verdict is the
//! element's text, what the test printed goes in `<system-out>`.
//!
//! quick-xml escapes markup; characters XML 1.0 cannot carry at all (a test's ANSI colour
//! codes, other control characters) are replaced by U+FFFD first, or parsers reject the file.

use std::io::Write;

use anyhow::Result;
use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};

use super::{Case, ExerciseReport, Kind, Report};

pub fn render(report: &Report) -> Result<String> {
    let mut xml = Writer::new_with_indent(Vec::new(), b' ', 2);
    xml.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
    let cases = report.cases();
    let mut suites = BytesStart::new("testsuites");
    suites.push_attribute(("name", format!("cargo checker {}", report.command).as_str()));
    push_counts(&mut suites, &cases.iter().collect::<Vec<_>>());
    xml.write_event(Event::Start(suites))?;
    for exercise in &report.results {
        let cases: Vec<&Case> = cases
            .iter()
            .filter(|c| std::ptr::eq(c.exercise, exercise))
            .collect();
        suite(&mut xml, exercise, &cases)?;
    }
    xml.write_event(Event::End(BytesEnd::new("testsuites")))?;
    let mut out = xml.into_inner();
    out.write_all(b"\n")?;
    Ok(String::from_utf8(out)?)
}

fn suite(xml: &mut Writer<Vec<u8>>, exercise: &ExerciseReport, cases: &[&Case]) -> Result<()> {
    let mut start = BytesStart::new("testsuite");
    let name = if exercise.subject == "student" {
        exercise.exercise.clone()
    } else {
        format!("{} [{}]", exercise.exercise, exercise.subject)
    };
    start.push_attribute(("name", clean(&name).as_str()));
    push_counts(&mut start, cases);
    xml.write_event(Event::Start(start))?;
    for case in cases {
        testcase(xml, exercise, case)?;
    }
    xml.write_event(Event::End(BytesEnd::new("testsuite")))?;
    Ok(())
}

fn testcase(xml: &mut Writer<Vec<u8>>, exercise: &ExerciseReport, case: &Case) -> Result<()> {
    let mut start = BytesStart::new("testcase");
    start.push_attribute(("name", clean(&case.name).as_str()));
    let classname = format!("{}.{}", exercise.topic, exercise.exercise);
    start.push_attribute(("classname", clean(&classname).as_str()));
    start.push_attribute(("time", seconds(case.duration_ms).as_str()));
    if case.kind == Kind::Passed {
        xml.write_event(Event::Empty(start))?;
        return Ok(());
    }
    xml.write_event(Event::Start(start))?;
    let element = if case.kind.is_error() {
        "error"
    } else {
        "failure"
    };
    let mut problem = BytesStart::new(element);
    let first = case.message.lines().next().unwrap_or_default();
    problem.push_attribute(("message", clean(first).as_str()));
    problem.push_attribute(("type", case.kind.word()));
    xml.write_event(Event::Start(problem))?;
    xml.write_event(Event::Text(BytesText::new(&clean(&case.message))))?;
    xml.write_event(Event::End(BytesEnd::new(element)))?;
    if !case.output.is_empty() {
        xml.write_event(Event::Start(BytesStart::new("system-out")))?;
        xml.write_event(Event::Text(BytesText::new(&clean(&case.output))))?;
        xml.write_event(Event::End(BytesEnd::new("system-out")))?;
    }
    xml.write_event(Event::End(BytesEnd::new("testcase")))?;
    Ok(())
}

fn push_counts(start: &mut BytesStart, cases: &[&Case]) {
    let count = |f: &dyn Fn(&Case) -> bool| cases.iter().filter(|c| f(c)).count().to_string();
    start.push_attribute(("tests", count(&|_| true).as_str()));
    start.push_attribute((
        "failures",
        count(&|c| c.kind != Kind::Passed && !c.kind.is_error()).as_str(),
    ));
    start.push_attribute(("errors", count(&|c| c.kind.is_error()).as_str()));
    let millis: u64 = cases.iter().map(|c| c.duration_ms).sum();
    start.push_attribute(("time", seconds(millis).as_str()));
}

fn seconds(millis: u64) -> String {
    format!("{}.{:03}", millis / 1000, millis % 1000)
}

/// `text` with every character XML 1.0 forbids replaced by U+FFFD.
pub fn clean(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '\t' | '\n' | '\r' => c,
            '\u{0}'..='\u{1f}' | '\u{fffe}' | '\u{ffff}' => '\u{fffd}',
            _ => c,
        })
        .collect()
}
