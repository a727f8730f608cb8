//! The gradebook of a class: one row per student and exercise (points, maximum, percent — as
//! numbers — and a status in words), a summary row per student, and the whole as JSON. Every
//! text cell is kept safe for spreadsheets: one that starts like a formula is quoted as text.

use std::path::Path;

use anyhow::Result;
use serde::Serialize;

use crate::engine::{Graded, TestStatus, Verdict};
use crate::report::Report;

/// One student's grade on one exercise.
#[derive(Debug, Clone, Serialize)]
pub struct Entry {
    pub student: String,
    pub exercise: String,
    pub topic: String,
    pub points: f64,
    pub max_points: f64,
    pub percent: f64,
    pub status: Status,
    /// The failing tests, by name.
    pub failed: Vec<String>,
    /// Why nothing was graded (missing, refused), or the first compiler error.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub note: String,
}

/// An exercise's status in the gradebook.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Passed,
    Failed,
    DoesNotCompile,
    TimedOut,
    Missing,
    Refused,
}

impl Status {
    pub fn words(self) -> &'static str {
        match self {
            Status::Passed => "passed",
            Status::Failed => "failed",
            Status::DoesNotCompile => "does not compile",
            Status::TimedOut => "timed out",
            Status::Missing => "missing",
            Status::Refused => "refused",
        }
    }

    fn of(graded: &Graded) -> Status {
        match graded.verdict {
            Verdict::Passed => Status::Passed,
            Verdict::CompileError => Status::DoesNotCompile,
            Verdict::Missing => Status::Missing,
            Verdict::Refused => Status::Refused,
            Verdict::Failed | Verdict::NotStarted => {
                let hung = graded
                    .tests
                    .iter()
                    .any(|t| t.status == TestStatus::TimedOut);
                if hung {
                    Status::TimedOut
                } else {
                    Status::Failed
                }
            }
        }
    }
}

/// The entries of one student's graded exercises, with the catalogue's weights applied.
pub fn entries(student: &str, graded: &[Graded]) -> Vec<Entry> {
    let report = Report::new("grade", graded);
    graded
        .iter()
        .zip(&report.results)
        .map(|(g, r)| Entry {
            student: student.to_owned(),
            exercise: g.exercise.name.clone(),
            topic: g.exercise.topic.clone(),
            points: r.score,
            max_points: r.max_score,
            percent: percent(r.score, r.max_score),
            status: Status::of(g),
            failed: g
                .tests
                .iter()
                .filter(|t| !t.passed())
                .map(|t| t.name.clone())
                .collect(),
            note: g
                .compile_errors
                .first()
                .map(|e| e.lines().next().unwrap_or_default().to_owned())
                .unwrap_or_default(),
        })
        .collect()
}

fn percent(points: f64, max: f64) -> f64 {
    if max > 0.0 {
        (points / max * 1000.0).round() / 10.0
    } else {
        0.0
    }
}

/// A text cell a spreadsheet will not run: `=`, `+`, `-`, `@`, a tab or a carriage return
/// at the start makes a formula (CSV injection), so such a cell starts with `'` instead.
pub fn cell(text: &str) -> String {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_owned()
    }
}

/// `gradebook.csv`: one row per student and exercise.
pub fn write_entries(path: &Path, entries: &[Entry]) -> Result<()> {
    let mut out = csv::Writer::from_path(path)?;
    out.write_record([
        "student",
        "exercise",
        "topic",
        "points",
        "max_points",
        "percent",
        "status",
        "failed_tests",
        "note",
    ])?;
    for e in entries {
        out.write_record([
            cell(&e.student),
            cell(&e.exercise),
            cell(&e.topic),
            e.points.to_string(),
            e.max_points.to_string(),
            e.percent.to_string(),
            e.status.words().to_owned(),
            cell(&e.failed.join(" ")),
            cell(&e.note),
        ])?;
    }
    out.flush()?;
    Ok(())
}

/// `gradebook-summary.csv`: one row per student, totals first, then each exercise's percent.
pub fn write_summary(
    path: &Path,
    students: &[String],
    exercises: &[String],
    entries: &[Entry],
) -> Result<()> {
    let mut out = csv::Writer::from_path(path)?;
    let mut header = vec![
        "student".to_owned(),
        "points".to_owned(),
        "max_points".to_owned(),
        "percent".to_owned(),
        "exercises_passed".to_owned(),
    ];
    header.extend(exercises.iter().map(|e| cell(e)));
    out.write_record(&header)?;
    for student in students {
        let mine: Vec<&Entry> = entries.iter().filter(|e| &e.student == student).collect();
        let points: f64 = mine.iter().map(|e| e.points).sum();
        let max: f64 = mine.iter().map(|e| e.max_points).sum();
        let passed = mine.iter().filter(|e| e.status == Status::Passed).count();
        let mut row = vec![
            cell(student),
            points.to_string(),
            max.to_string(),
            percent(points, max).to_string(),
            passed.to_string(),
        ];
        row.extend(exercises.iter().map(|exercise| {
            mine.iter()
                .find(|e| &e.exercise == exercise)
                .map_or_else(String::new, |e| e.percent.to_string())
        }));
        out.write_record(&row)?;
    }
    out.flush()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_kept_out_of_cells() {
        assert_eq!(cell("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(cell("+1"), "'+1");
        assert_eq!(cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(cell("alice"), "alice");
    }

    #[test]
    fn percent_is_a_number_rounded_to_a_tenth() {
        assert_eq!(percent(2.0, 3.0), 66.7);
        assert_eq!(percent(0.0, 0.0), 0.0);
    }
}
