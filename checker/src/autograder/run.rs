//! `checker autograder run`: one submission, inside Gradescope's container.
//!
//! Gradescope's specification (gradescope-autograders.readthedocs.io, "Autograder
//! Specifications"): "/autograder/submission contains the student's submission", and
//! "/autograder/results/results.json is where you put the test output that is uploaded to
//! Gradescope. This must be produced as a result of executing `run_autograder`." The fields
//! written, as the specification has them:
//!
//! - top level: `score` ("Overrides total of tests if specified"), `execution_time`
//!   ("seconds"), `output` ("Text relevant to the entire submission"), `output_format`, `tests`;
//! - per test: `score`, `max_score`, `status` ("passed" or "failed"), `name`, `output` ("Giant
//!   multiline string that will be placed in a `<pre>` tag"), `output_format`, `visibility`.
//!
//! Both formats are `"text"`: "No html, markdown, or ansi will be rendered", and what a test
//! printed is the student's own output, which must not become markup on Gradescope's page.
//!
//! The root is `$AUTOGRADER_ROOT` (default `/autograder`), so a test can lay out the same
//! folders elsewhere. The run replaces files under the kit's `exercises/`, so it refuses to
//! run anywhere but in `$AUTOGRADER_ROOT/source`.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result, bail};
use serde_json::{Value, json};

use super::submission::{self, Found};
use crate::catalog::Exercise;
use crate::engine::{self, Candidate, Options, Verdict};
use crate::kit::Kit;
use crate::report::{Report, gradescope};

/// Gradescope's folder, or where a test emulates it.
pub fn autograder_root() -> PathBuf {
    std::env::var_os("AUTOGRADER_ROOT").map_or_else(|| PathBuf::from("/autograder"), PathBuf::from)
}

/// Grades the submission and writes results.json. `Ok(true)` once results.json is written,
/// whatever the grade (`run_autograder` writes one of its own only when this could not).
pub fn run(kit: &Kit, only: Option<&str>, options: &Options) -> Result<bool> {
    let started = Instant::now();
    let root = autograder_root();
    let source = root.join("source");
    if source.canonicalize().ok().as_deref() != Some(kit.root.as_path()) {
        bail!(
            "`autograder run` replaces the files under exercises/ with a submission's: it runs \
             only in an autograder's copy of the kit, $AUTOGRADER_ROOT/source ({}), not in {}",
            source.display(),
            kit.root.display()
        );
    }
    let exercises: Vec<&Exercise> = match only {
        Some(name) => kit.catalog.select(name)?,
        None => kit.catalog.exercises.iter().collect(),
    };
    let submission = root.join("submission");
    let mut results = match grade_submission(kit, &exercises, &submission, options) {
        Ok(results) => results,
        Err(err) => {
            eprintln!("autograder: could not grade: {err:#}");
            summary_only(&format!(
                "The autograder could not grade this submission: {err:#}\n\nThis is not a \
                 verdict on your code: please tell your instructors."
            ))
        }
    };
    results["execution_time"] = json!(started.elapsed().as_secs());
    let file = root.join("results").join("results.json");
    write_atomically(&file, &(serde_json::to_string_pretty(&results)? + "\n"))?;
    let max_score = results.get("max_score").and_then(Value::as_f64);
    println!(
        "autograder: score {} of {} in {:.1} s; {}",
        results["score"],
        max_score.map_or_else(|| "-".to_owned(), |m| m.to_string()),
        started.elapsed().as_secs_f64(),
        file.display()
    );
    Ok(true)
}

/// Takes the submission's exercise files, grades them, and renders Gradescope's results.
fn grade_submission(
    kit: &Kit,
    exercises: &[&Exercise],
    submission: &Path,
    options: &Options,
) -> Result<Value> {
    let found = submission::collect(submission, exercises);
    println!("autograder: {}", log_line(&found));
    if found.taken.is_empty() {
        return Ok(summary_only(&nothing_found(exercises, submission, &found)));
    }
    for taken in &found.taken {
        let exercise = exercises
            .iter()
            .find(|e| e.name == taken.exercise)
            .expect("taken from this list");
        let target = kit
            .layout
            .exercise_crate(&exercise.topic)
            .join(&exercise.file);
        std::fs::write(&target, &taken.contents)
            .with_context(|| format!("cannot write {}", target.display()))?;
    }
    let candidates = Candidate::students(exercises);
    let graded = engine::grade(kit, &candidates, options)?;
    let report = Report::new("check", &graded);
    let mut results: Value = serde_json::from_str(&gradescope::render(&report)?)?;
    let compile_errors = results["output"].as_str().unwrap_or_default().to_owned();
    let mut output = taken_summary(&found, &report);
    if !compile_errors.is_empty() {
        output.push_str("\n\n");
        output.push_str(&compile_errors);
    }
    results["output"] = json!(output);
    results["output_format"] = json!("text");
    for test in results["tests"].as_array_mut().into_iter().flatten() {
        if test.get("output").is_none() {
            test["output"] = json!("");
        }
        test["output_format"] = json!("text");
    }
    Ok(results)
}

/// Results with no tests: score 0, and a text for the whole submission.
fn summary_only(output: &str) -> Value {
    json!({
        "score": 0.0,
        "execution_time": 0,
        "output": output,
        "output_format": "text",
        "tests": [],
    })
}

/// What was taken from the submission, what was not, and the score: the top of the page.
fn taken_summary(found: &Found, report: &Report) -> String {
    let mut out = format!(
        "Score: {} of {} points; {} of {} exercises pass.\n",
        report.score,
        report.max_score,
        report
            .results
            .iter()
            .filter(|r| r.verdict == Verdict::Passed)
            .count(),
        report.results.len()
    );
    let _ = writeln!(out, "\nGraded from your submission:");
    for taken in &found.taken {
        let _ = writeln!(out, "  {}", taken.path);
    }
    if !found.refused.is_empty() {
        let _ = writeln!(out, "\nRefused, and graded as the kit ships them:");
        for why in &found.refused {
            let _ = writeln!(out, "  {why}");
        }
    }
    if !found.missing.is_empty() {
        let _ = writeln!(
            out,
            "\nNot in your submission, graded as the kit ships them (todo!()):"
        );
        for path in &found.missing {
            let _ = writeln!(out, "  {path}");
        }
    }
    out.push_str(
        "\nOnly these files are taken: manifests, tests and every other file are the kit's \
         own. Each failing test below says what it found; on your machine, \
         `cargo checker check NAME` grades the same way, and `cargo checker hint NAME` helps.",
    );
    out
}

/// The output for a submission in which no exercise file was found (or none could be taken).
fn nothing_found(exercises: &[&Exercise], submission: &Path, found: &Found) -> String {
    let mut out = String::from("Score: 0. ");
    if found.refused.is_empty() {
        out.push_str("No exercise file was found in your submission.\n");
    } else {
        out.push_str("No exercise file of your submission could be taken:\n");
        for why in &found.refused {
            let _ = writeln!(out, "  {why}");
        }
    }
    let _ = write!(
        out,
        "\nThe autograder takes the kit's exercise files, and only those, laid out as\n\
         \n  - your whole kit or repository, with its exercises/ folder:\n"
    );
    for exercise in exercises {
        let _ = writeln!(out, "      exercises/{}/{}", exercise.topic, exercise.file);
    }
    let _ = write!(
        out,
        "  - or the contents of exercises/ (e.g. {}/{}), or the files themselves (e.g. {}),\n    \
         as uploaded files or inside one folder.\n",
        exercises.first().map_or("TOPIC", |e| e.topic.as_str()),
        exercises.first().map_or("src/FILE.rs", |e| e.file.as_str()),
        exercises
            .first()
            .and_then(|e| Path::new(&e.file).file_name())
            .map_or_else(|| "FILE.rs".into(), |n| n.to_string_lossy()),
    );
    let listing = submission::listing(submission, 20);
    if listing.is_empty() {
        out.push_str("\nYour submission is empty.");
    } else {
        let _ = write!(out, "\nYour submission holds: {}.", listing.join(", "));
    }
    out
}

/// One line for the instructors' log (Gradescope keeps run_autograder's stdout).
fn log_line(found: &Found) -> String {
    match &found.layout {
        None => "no exercise file in the submission".to_owned(),
        Some(layout) => format!(
            "layout {layout}: {} file(s) taken, {} missing, {} refused",
            found.taken.len(),
            found.missing.len(),
            found.refused.len()
        ),
    }
}

/// Writes `text` to `file` through a temporary file in the same folder, so a reader never sees
/// half a results.json.
fn write_atomically(file: &Path, text: &str) -> Result<()> {
    let dir = file.parent().context("results.json has a folder")?;
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let mut temp = tempfile::NamedTempFile::new_in(dir)?;
    std::io::Write::write_all(&mut temp, text.as_bytes())?;
    temp.persist(file)
        .with_context(|| format!("cannot write {}", file.display()))?;
    Ok(())
}
