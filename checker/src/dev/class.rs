//! `cargo checker grade DIR`: class mode, for instructors.
//!
//! DIR holds one folder per student, each a copy of the kit's `exercises/` (or of the whole
//! kit). Every student's files are dropped into a fresh copy of the kit's exercise crates (the
//! kit's own manifests and suites, so a submission cannot change how it is graded), all built
//! by one cargo with one shared build cache, and every test runs in its own sandbox: a
//! student's deadlock or fork bomb costs only that student's verdict. The gradebook is written
//! as CSV and JSON.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result, bail};
use serde::Serialize;

use crate::catalog::Exercise;
use crate::grade::{self, Candidate, Graded, Options, Subject, Submission};
use crate::kit::Kit;

/// One row of the gradebook.
#[derive(Debug, Serialize)]
struct Row {
    student: String,
    /// Exercises passed.
    passed: usize,
    /// Tests passed over all exercises.
    tests_passed: usize,
    tests_total: usize,
    exercises: Vec<Graded>,
}

pub fn run(
    kit: &Kit,
    dir: &Path,
    only: Option<&str>,
    out: Option<&Path>,
    options: &Options,
) -> Result<bool> {
    let started = Instant::now();
    let exercises: Vec<&Exercise> = match only {
        Some(name) => kit.catalog.select(name)?,
        None => kit.catalog.exercises.iter().collect(),
    };
    let students = students(dir)?;
    if students.is_empty() {
        bail!(
            "{} holds no student folders (one folder per student, each a copy of exercises/)",
            dir.display()
        );
    }
    let mut candidates = Vec::new();
    for student in &students {
        for &exercise in &exercises {
            candidates.push(Candidate {
                exercise,
                subject: Subject::Submission(student.clone()),
            });
        }
    }
    let results = grade::grade(kit, &candidates, options)?;
    let mut rows = Vec::new();
    for (student, graded) in students.iter().zip(results.chunks(exercises.len())) {
        let tests = graded.iter().flat_map(|g| &g.tests);
        rows.push(Row {
            student: student.student.clone(),
            passed: graded.iter().filter(|g| g.passed()).count(),
            tests_passed: tests.clone().filter(|t| t.passed()).count(),
            tests_total: tests.count(),
            exercises: graded.to_vec(),
        });
    }
    let out = out.unwrap_or(dir);
    std::fs::create_dir_all(out)?;
    std::fs::write(out.join("gradebook.csv"), csv(&rows, &exercises))?;
    let json = serde_json::json!({ "exercises": exercises.iter().map(|e| &e.name).collect::<Vec<_>>(), "students": rows });
    std::fs::write(
        out.join("gradebook.json"),
        serde_json::to_string_pretty(&json)?,
    )?;
    for row in &rows {
        println!(
            "{:24} {}/{} exercises, {}/{} tests",
            row.student,
            row.passed,
            exercises.len(),
            row.tests_passed,
            row.tests_total
        );
    }
    println!(
        "\n{} students × {} exercises graded in {:.1} s; gradebook: {} and {}",
        rows.len(),
        exercises.len(),
        started.elapsed().as_secs_f64(),
        out.join("gradebook.csv").display(),
        out.join("gradebook.json").display()
    );
    Ok(true)
}

/// The student folders of DIR, by name; each one's topic crates live in `exercises/` if it has
/// one (a whole kit), else directly inside it.
fn students(dir: &Path) -> Result<Vec<Submission>> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).with_context(|| format!("cannot read {}", dir.display()))? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if !entry.file_type()?.is_dir() || name.starts_with('.') {
            continue;
        }
        let folder: PathBuf = if entry.path().join("exercises").is_dir() {
            entry.path().join("exercises")
        } else {
            entry.path()
        };
        found.push(Submission {
            student: name,
            folder,
        });
    }
    found.sort_by(|a, b| a.student.cmp(&b.student));
    Ok(found)
}

/// One line per student: the tests passed in each exercise, and the totals.
fn csv(rows: &[Row], exercises: &[&Exercise]) -> String {
    let mut out = String::from("student");
    for e in exercises {
        let _ = write!(out, ",{}", e.name);
    }
    out.push_str(",exercises_passed,tests_passed,tests_total\n");
    for row in rows {
        out.push_str(&quote(&row.student));
        for graded in &row.exercises {
            let passed = graded.tests.iter().filter(|t| t.passed()).count();
            let _ = write!(out, ",{passed}/{}", graded.tests.len());
        }
        let _ = writeln!(
            out,
            ",{},{},{}",
            row.passed, row.tests_passed, row.tests_total
        );
    }
    out
}

fn quote(field: &str) -> String {
    if field.contains([',', '"', '\n']) {
        format!("\"{}\"", field.replace('"', "\"\""))
    } else {
        field.to_owned()
    }
}
