//! `cargo checker grade DIR`: class mode, for instructors.
//!
//! DIR holds one folder per student, each a copy of the kit's `exercises/` (or of the whole
//! kit). Each student's exercise files are read without trusting them ([`intake`]), dropped into
//! a fresh copy of the kit's exercise crates (the kit's own manifests and suites, so a
//! submission cannot change how it is graded), all built by one cargo with one shared build
//! cache, and every test runs in its own sandbox: a student's compile error, deadlock or fork
//! bomb costs only that student's verdict. The gradebook ([`gradebook`]) and the class census
//! ([`census`]) are written to `--out` (default: DIR).

mod census;
mod gradebook;
pub mod intake;

use std::path::Path;
use std::time::Instant;

use anyhow::{Result, bail};

use crate::catalog::Exercise;
use crate::engine::{self, Candidate, Graded, Options, Subject};
use crate::kit::Kit;

/// The files class mode writes in the gradebook's folder.
const OUTPUTS: [&str; 5] = [
    "gradebook.csv",
    "gradebook-summary.csv",
    "gradebook.json",
    "census.csv",
    "census.html",
];

/// Removes a symbolic link found where the gradebook is written (planted there to make the
/// checker write through it): the gradebook is written as a file of its own, never through a
/// link.
fn unlink_planted(out: &Path) -> Result<()> {
    for name in OUTPUTS {
        let path = out.join(name);
        if std::fs::symlink_metadata(&path).is_ok_and(|m| m.file_type().is_symlink()) {
            eprintln!(
                "warning: {} was a symbolic link; it is replaced by the gradebook",
                path.display()
            );
            std::fs::remove_file(&path)?;
        }
    }
    Ok(())
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
    let students = intake::students(dir, &kit.catalog)?;
    // No test may see the class (other students' answers) or the gradebook's folder.
    let out = out.unwrap_or(dir);
    std::fs::create_dir_all(out)?;
    crate::sandbox::isolate::keep_private(dir);
    crate::sandbox::isolate::keep_private(out);
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
    let results = engine::grade(kit, &candidates, options)?;
    let mut entries = Vec::new();
    let mut graded: Vec<(String, Graded)> = Vec::new();
    for (student, theirs) in students.iter().zip(results.chunks(exercises.len())) {
        entries.extend(gradebook::entries(&student.student, theirs));
        graded.extend(theirs.iter().map(|g| (student.student.clone(), g.clone())));
    }
    unlink_planted(out)?;
    let names: Vec<String> = students.iter().map(|s| s.student.clone()).collect();
    let exercise_names: Vec<String> = exercises.iter().map(|e| e.name.clone()).collect();
    gradebook::write_entries(&out.join("gradebook.csv"), &entries)?;
    gradebook::write_summary(
        &out.join("gradebook-summary.csv"),
        &names,
        &exercise_names,
        &entries,
    )?;
    let json = serde_json::json!({
        "exercises": exercise_names,
        "entries": entries,
        "results": graded.iter().map(|(student, g)| serde_json::json!({
            "student": student,
            "graded": g,
        })).collect::<Vec<_>>(),
    });
    std::fs::write(
        out.join("gradebook.json"),
        serde_json::to_string_pretty(&json)?,
    )?;
    let rows = census::census(&graded, &entries);
    census::write_csv(&out.join("census.csv"), &rows)?;
    std::fs::write(
        out.join("census.html"),
        census::html(&rows, &format!("Class census: {}", dir.display())),
    )?;
    for student in &names {
        let mine: Vec<&gradebook::Entry> =
            entries.iter().filter(|e| &e.student == student).collect();
        let points: f64 = mine.iter().map(|e| e.points).sum();
        let max: f64 = mine.iter().map(|e| e.max_points).sum();
        let passed = mine
            .iter()
            .filter(|e| e.status == gradebook::Status::Passed)
            .count();
        let trouble: Vec<String> = mine
            .iter()
            .filter(|e| e.status != gradebook::Status::Passed)
            .map(|e| format!("{} {}", e.exercise, e.status.words()))
            .take(3)
            .collect();
        println!(
            "{student:24} {passed}/{} exercises, {points}/{max} points{}",
            exercises.len(),
            if trouble.is_empty() {
                String::new()
            } else {
                format!(" — {}", trouble.join(", "))
            }
        );
    }
    println!(
        "\n{} students × {} exercises graded in {:.1} s\ngradebook: {}, {}, {}\ncensus: {}, {}",
        students.len(),
        exercises.len(),
        started.elapsed().as_secs_f64(),
        out.join("gradebook.csv").display(),
        out.join("gradebook-summary.csv").display(),
        out.join("gradebook.json").display(),
        out.join("census.csv").display(),
        out.join("census.html").display(),
    );
    Ok(true)
}
