//! The class census: for each exercise, how many students hit each failing test, and the
//! concept that test checks (the verdict most of them got) — where a class stands, at a glance.
//! Written as CSV and as a self-contained HTML page of bar charts (no script, no network).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use anyhow::Result;
use serde::Serialize;

use super::gradebook::{Entry, Status, cell};
use crate::engine::Graded;

/// How many students one failure (a test, or not compiling, missing, refused) hit.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Row {
    pub exercise: String,
    pub topic: String,
    /// The failing test, or `(does not compile)`, `(missing)`, `(refused)`.
    pub failure: String,
    pub students: usize,
    /// Students graded on the exercise.
    pub of: usize,
    pub percent: f64,
    /// What the failure says about the work: the first line of the verdict most students got.
    pub concept: String,
}

/// The census of every (student, graded exercise).
pub fn census(graded: &[(String, Graded)], entries: &[Entry]) -> Vec<Row> {
    // exercise → failure → (students, concept → count)
    type Tally = BTreeMap<String, (usize, BTreeMap<String, usize>)>;
    let mut by_exercise: BTreeMap<(String, String), (usize, Tally)> = BTreeMap::new();
    for ((_, g), entry) in graded.iter().zip(entries) {
        let key = (g.exercise.topic.clone(), g.exercise.name.clone());
        let (of, tally) = by_exercise.entry(key).or_default();
        *of += 1;
        let mut count = |failure: String, concept: String| {
            let (students, concepts) = tally.entry(failure).or_default();
            *students += 1;
            *concepts.entry(concept).or_default() += 1;
        };
        match entry.status {
            Status::DoesNotCompile => count("(does not compile)".into(), entry.note.clone()),
            Status::Missing => count("(missing)".into(), entry.note.clone()),
            Status::Refused => count("(refused)".into(), entry.note.clone()),
            _ => {
                for t in g.tests.iter().filter(|t| !t.passed()) {
                    let first = t.message.lines().next().unwrap_or_default();
                    count(t.name.clone(), first.chars().take(160).collect());
                }
            }
        }
    }
    let mut rows = Vec::new();
    for ((topic, exercise), (of, tally)) in by_exercise {
        for (failure, (students, concepts)) in tally {
            let concept = concepts
                .into_iter()
                .max_by_key(|(text, n)| (*n, std::cmp::Reverse(text.clone())))
                .map(|(text, _)| text)
                .unwrap_or_default();
            rows.push(Row {
                exercise: exercise.clone(),
                topic: topic.clone(),
                failure,
                students,
                of,
                percent: (students as f64 / of.max(1) as f64 * 1000.0).round() / 10.0,
                concept,
            });
        }
    }
    rows.sort_by(|a, b| {
        (
            &a.topic,
            &a.exercise,
            std::cmp::Reverse(a.students),
            &a.failure,
        )
            .cmp(&(
                &b.topic,
                &b.exercise,
                std::cmp::Reverse(b.students),
                &b.failure,
            ))
    });
    rows
}

/// `census.csv`.
pub fn write_csv(path: &Path, rows: &[Row]) -> Result<()> {
    let mut out = csv::Writer::from_path(path)?;
    out.write_record([
        "exercise", "topic", "failure", "students", "of", "percent", "concept",
    ])?;
    for r in rows {
        out.write_record([
            cell(&r.exercise),
            cell(&r.topic),
            cell(&r.failure),
            r.students.to_string(),
            r.of.to_string(),
            r.percent.to_string(),
            cell(&r.concept),
        ])?;
    }
    out.flush()?;
    Ok(())
}

/// `census.html`: a bar per failure, grouped by exercise, with its numbers and concept.
pub fn html(rows: &[Row], title: &str) -> String {
    let mut body = String::new();
    let mut current = None;
    for r in rows {
        if current != Some((&r.topic, &r.exercise)) {
            if current.is_some() {
                body.push_str("</table></section>\n");
            }
            current = Some((&r.topic, &r.exercise));
            let _ = write!(
                body,
                "<section><h2><code>{}</code> <small>({}, {} students)</small></h2>\n<table>\n",
                escape(&r.exercise),
                escape(&r.topic),
                r.of
            );
        }
        let _ = writeln!(
            body,
            "<tr class=\"failure\" data-students=\"{students}\"><th><code>{failure}</code></th>\
             <td class=\"bar\"><div style=\"width:{width:.1}%\"></div></td>\
             <td class=\"count\">{students} of {of} ({percent}%)</td>\
             <td class=\"concept\">{concept}</td></tr>",
            failure = escape(&r.failure),
            width = r.percent,
            students = r.students,
            of = r.of,
            percent = r.percent,
            concept = escape(&r.concept),
        );
    }
    if current.is_some() {
        body.push_str("</table></section>\n");
    }
    if rows.is_empty() {
        body.push_str("<p>Every student passed every exercise graded.</p>\n");
    }
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <title>{title}</title><style>\
         body{{font-family:system-ui,sans-serif;margin:2em;max-width:70em}}\
         table{{border-collapse:collapse;width:100%}}\
         th{{text-align:left;font-weight:normal;padding:.2em .6em;white-space:nowrap}}\
         td{{padding:.2em .6em;vertical-align:middle}}\
         td.bar{{width:30%}} td.bar div{{background:#c0392b;height:1em;min-width:2px}}\
         td.count{{white-space:nowrap}} td.concept{{color:#444;font-size:.9em}}\
         </style></head><body>\n<h1>{title}</h1>\n\
         <p>Each bar: the share of the students graded on an exercise who failed that test \
         (or whose work did not compile, was missing or refused).</p>\n{body}</body></html>\n",
        title = escape(title)
    )
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(failure: &str, students: usize) -> Row {
        Row {
            exercise: "spawn_join".into(),
            topic: "threads".into(),
            failure: failure.into(),
            students,
            of: 4,
            percent: students as f64 * 25.0,
            concept: "did not run at the same time <concurrency>".into(),
        }
    }

    #[test]
    fn the_page_shows_every_number_and_escapes_the_text() {
        let page = html(
            &[row("spawn_join::a", 3), row("(does not compile)", 1)],
            "Class",
        );
        assert!(page.contains("3 of 4 (75%)"), "{page}");
        assert!(page.contains("1 of 4 (25%)"), "{page}");
        assert!(page.contains("&lt;concurrency&gt;"), "{page}");
        assert!(!page.contains("<script"), "{page}");
    }
}
