//! Gradescope's autograder `results.json`.
//!
//! Spec: gradescope-autograders.readthedocs.io, "Autograder Specifications". Top level:
//! `score` (the points earned; we always give it), `max_score` (optional: Gradescope
//! otherwise takes the assignment's points), `execution_time` (seconds), `output` (text for
//! the whole submission: here the compile errors, if any), `tests`. Per test: `name`, `score`,
//! `max_score`, `status` (`passed`|`failed`), `output` (the verdict and what the test printed)
//! and `visibility` (`visible`: students learn from seeing why a test failed).
//!
//! A model-checked failure's verdict names a picture of the failing run (an HTML file the
//! grading helpers write, see `grading::model::timeline`): when that file exists, the test's
//! `output_format` is `html` and its `output` is the verdict, escaped, above the picture itself
//! (inline SVG and a table, no script), so the student sees the threads side by side on
//! Gradescope too.

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
    /// `html` when `output` embeds a picture of the failing run; else left out (plain text).
    #[serde(skip_serializing_if = "Option::is_none")]
    output_format: Option<&'static str>,
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
    let (output, output_format) = output(case.message_and_output());
    Test {
        name: case.name.clone(),
        score: case.score,
        max_score: case.max_score,
        status: if case.kind == Kind::Passed {
            "passed"
        } else {
            "failed"
        },
        output,
        output_format,
        visibility: "visible",
    }
}

/// A test's output and its format: the text as it is, or, when it names a picture of the failing
/// run that exists, HTML with the text escaped above the picture.
fn output(text: String) -> (String, Option<&'static str>) {
    match picture(&text) {
        Some(picture) => {
            // The line naming the file points into the grader's machine: the picture is below.
            let verdict: Vec<&str> = text
                .lines()
                .filter(|line| !line.trim_start().starts_with(grading::model::PICTURE))
                .collect();
            let verdict = grading::model::timeline::escape(&verdict.join("\n"));
            (format!("<pre>{verdict}</pre>\n{picture}\n"), Some("html"))
        }
        None => (text, None),
    }
}

/// The embeddable part of the picture a verdict names (`picture of the failing run: PATH`), if
/// the file is there.
fn picture(text: &str) -> Option<String> {
    use grading::model::timeline::{FRAGMENT_END, FRAGMENT_START};
    let path = text
        .lines()
        .find_map(|line| line.trim_start().strip_prefix(grading::model::PICTURE))?;
    let page = std::fs::read_to_string(path.trim()).ok()?;
    let start = page.find(FRAGMENT_START)?;
    let end = start + page[start..].find(FRAGMENT_END)? + FRAGMENT_END.len();
    Some(page[start..end].to_owned())
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    fn golden_dir() -> std::path::PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden")
    }

    /// A verdict naming `picture` (as a model-checked failure's does).
    fn verdict(picture: &Path) -> String {
        format!(
            "deadlock: every thread is blocked\n  → lock-order deadlock: <take> locks in one order\n  \
             {}{}\n  the interleaving that fails, step by step:",
            grading::model::PICTURE,
            picture.display()
        )
    }

    #[test]
    fn a_verdict_with_a_picture_is_html_with_the_picture_inline() {
        // A picture of a real failing run (a lock-order deadlock), as the grading helpers write
        // it.
        let picture = golden_dir().join("timeline.html");
        let (output, format) = output(verdict(&picture));
        assert_eq!(format, Some("html"));
        assert!(output.starts_with("<pre>deadlock: every thread is blocked\n"));
        // The verdict is escaped; the picture is not.
        assert!(output.contains("&lt;take&gt; locks"), "{output}");
        assert!(output.contains("<svg"), "{output}");
        assert!(output.contains("thread 0 (the test)"), "{output}");
        assert!(!output.contains("<script") && !output.contains("<html"));
        // The line naming the file is left out: it points into the grader's machine.
        assert!(!output.contains(grading::model::PICTURE), "{output}");
        let shown = output;
        let path = golden_dir().join("gradescope-picture.html");
        if std::env::var_os("UPDATE_GOLDEN").is_some() {
            std::fs::write(&path, &shown).unwrap();
        }
        let expected = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("{}: {e} (UPDATE_GOLDEN=1 writes it)", path.display()));
        assert!(
            expected == shown,
            "{} differs (UPDATE_GOLDEN=1 rewrites it)",
            path.display()
        );
    }

    #[test]
    fn a_verdict_without_its_picture_stays_text() {
        let text = verdict(Path::new("/nonexistent/kit-picture.html"));
        assert_eq!(output(text.clone()), (text, None));
        assert_eq!(output("plain".into()), ("plain".into(), None));
    }
}
