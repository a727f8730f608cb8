//! `cargo checker lint`: the catalogue is consistent, without building anything.
//!
//! Every manifest entry has its stub, solution, tests, hints and docs section; stubs carry a
//! TODO marker and solutions none; every exercise has at least two catalogued wrong solutions;
//! manifest and workspace agree (every topic crate is in the catalog and the other way round,
//! with the package, library and suite names the layout expects); binaries are unique.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::Result;

use crate::kit::Kit;
use crate::known::{self, Kind};
use crate::layout::{CATALOG, Layout};

/// Wrong solutions an exercise needs at least.
pub const MIN_WRONG: usize = 2;

/// Every inconsistency found, one sentence each, naming the file to fix.
pub fn problems(kit: &Kit) -> Result<Vec<String>> {
    let mut problems = Vec::new();
    let root = &kit.root;
    let summary = std::fs::read_to_string(root.join("docs/src/SUMMARY.md")).unwrap_or_default();
    let mut bins: BTreeMap<String, String> = BTreeMap::new();
    for topic in &kit.catalog.topics {
        let lib = Layout::library(&topic.name);
        let chapter = root.join(crate::layout::Layout::chapter(topic));
        if !chapter.is_file() {
            problems.push(format!(
                "{}: the chapter of topic `{}` is missing",
                crate::layout::Layout::chapter(topic),
                topic.name
            ));
        }
        if !summary.contains(&format!("({})", topic.chapter)) {
            problems.push(format!(
                "docs/src/SUMMARY.md: does not list {} (topic `{}`)",
                topic.chapter, topic.name
            ));
        }
        for (folder, package) in [
            ("exercises", Layout::exercise_package(&topic.name)),
            ("solutions", Layout::solution_package(&topic.name)),
        ] {
            let crate_dir = root.join(folder).join(&topic.name);
            let shown = format!("{folder}/{}/Cargo.toml", topic.name);
            check_manifest(
                &crate_dir,
                &shown,
                &package,
                &lib,
                &mut problems,
                &mut bins,
                &topic.name,
            );
        }
        if kit.catalog.exercises_of(&topic.name).next().is_none() {
            problems.push(format!("{CATALOG}: topic `{}` has no exercise", topic.name));
        }
    }
    for folder in ["exercises", "solutions"] {
        for entry in std::fs::read_dir(root.join(folder))?.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if entry.path().join("Cargo.toml").is_file() && kit.catalog.topic(&name).is_none() {
                problems.push(format!(
                    "{folder}/{name}: a crate with no [[topic]] in {CATALOG}"
                ));
            }
        }
    }
    for exercise in &kit.catalog.exercises {
        let topic = kit.catalog.topic_of(exercise);
        // The stub as the kit ships it: `exercises/` is the student's working copy.
        let stub_path = kit.layout.pristine_file(exercise);
        let solution_path = kit.layout.solution_crate(&topic.name).join(&exercise.file);
        let stub = std::fs::read_to_string(&stub_path).unwrap_or_default();
        let solution = std::fs::read_to_string(&solution_path).unwrap_or_default();
        let shown = |p: &Path| p.strip_prefix(root).unwrap_or(p).display().to_string();
        if stub.is_empty() {
            problems.push(format!(
                "{}: the stub of `{}` is missing",
                shown(&stub_path),
                exercise.name
            ));
        } else if !stub.contains("TODO") || !stub.contains("todo!(") {
            problems.push(format!(
                "{}: a stub needs a `// TODO:` comment and a `todo!()` body",
                shown(&stub_path)
            ));
        }
        if solution.is_empty() {
            problems.push(format!(
                "{}: the solution of `{}` is missing",
                shown(&solution_path),
                exercise.name
            ));
        } else if solution.contains("TODO")
            || solution.contains("todo!(")
            || solution.contains("unimplemented!(")
        {
            problems.push(format!(
                "{}: a solution has no TODO, todo!() or unimplemented!()",
                shown(&solution_path)
            ));
        }
        if exercise.hints.is_empty() {
            problems.push(format!(
                "{CATALOG}: exercise `{}` has no hints",
                exercise.name
            ));
        }
        let chapter = std::fs::read_to_string(root.join(crate::layout::Layout::chapter(topic)))
            .unwrap_or_default();
        let has_section = chapter
            .lines()
            .any(|l| l.starts_with('#') && l.contains(&format!("`{}`", exercise.name)));
        if !has_section {
            problems.push(format!(
                "{}: no section heading names `{}`",
                crate::layout::Layout::chapter(topic),
                exercise.name
            ));
        }
        for run in exercise.runs() {
            let suite = root.join(Layout::suite_file(&run.suite));
            let module = run.tests.trim_end_matches("::");
            let text = std::fs::read_to_string(&suite).unwrap_or_default();
            if !text.contains(&format!("mod {module} "))
                && !text.contains(&format!("mod {module}{{"))
            {
                problems.push(format!(
                    "{}: no `mod {module}` grades exercise `{}`",
                    Layout::suite_file(&run.suite),
                    exercise.name
                ));
            }
        }
        for kind in [Kind::Wrong, Kind::Alternative] {
            match known::catalogue(kit, exercise, kind) {
                Ok(found) if kind == Kind::Wrong && found.len() < MIN_WRONG => {
                    problems.push(format!(
                        "{}: exercise `{}` has {} catalogued wrong solutions; it needs at least \
                         {MIN_WRONG}",
                        shown(&known::folder(kit, exercise, kind)),
                        exercise.name,
                        found.len()
                    ))
                }
                Ok(found) => {
                    // A diff that no longer applies to the solution is caught here, not
                    // mid-verify.
                    for version in found {
                        if let Err(err) = version.contents(&solution_path) {
                            problems.push(format!("{err:#}"));
                        }
                    }
                }
                Err(err) => problems.push(format!("{err:#}")),
            }
        }
    }
    problems.extend(equivalent_mutants(kit));
    problems.extend(placeholders(kit));
    // Every concept of the concept map is taught by some topic (its `concepts` list).
    let map = std::fs::read_to_string(root.join("docs/src/concepts.md")).unwrap_or_default();
    for row in map.lines().filter_map(|l| l.strip_prefix("| ")) {
        let Some(number) = row.split(' ').next().and_then(|n| n.parse::<u32>().ok()) else {
            continue;
        };
        if !kit
            .catalog
            .topics
            .iter()
            .any(|t| t.concepts.contains(&number))
        {
            problems.push(format!(
                "docs/src/concepts.md: concept {number} is taught by no topic (no `concepts` list in {CATALOG} names it)"
            ));
        }
    }
    // Whether `exercises/` still matches the pristine copies is `cargo checker pristine`'s
    // question, for an instructor who edited a stub (CI asks it): in a student's kit the two
    // differ as soon as the student writes anything.
    Ok(problems)
}

/// Texts `cargo checker new` scaffolded that were never written: a hint, a doc comment, a
/// chapter section or a test message that still says [`super::new::PLACEHOLDER`].
fn placeholders(kit: &Kit) -> Vec<String> {
    use super::new::PLACEHOLDER;
    let mut files: Vec<String> = Vec::new();
    for exercise in &kit.catalog.exercises {
        if exercise.hints.iter().any(|h| h.contains(PLACEHOLDER)) {
            files.push(format!("{CATALOG} (the hints of `{}`)", exercise.name));
        }
        files.push(Layout::exercise_file(exercise));
        files.push(Layout::solution_file(exercise));
        files.extend(exercise.runs().iter().map(|r| Layout::suite_file(&r.suite)));
    }
    files.extend(kit.catalog.topics.iter().map(Layout::chapter));
    files.sort();
    files.dedup();
    files
        .into_iter()
        .filter(|file| {
            file.starts_with(CATALOG)
                || std::fs::read_to_string(kit.root.join(file))
                    .is_ok_and(|text| text.contains(PLACEHOLDER))
        })
        .map(|file| {
            format!("{file}: a scaffolded `{PLACEHOLDER}` is left in place of the real text")
        })
        .collect()
}

/// Every mutant a topic's `mutants.toml` calls equivalent still exists (the generator still makes
/// it from the solution) and says why it is equivalent.
fn equivalent_mutants(kit: &Kit) -> Vec<String> {
    let mut problems = Vec::new();
    for topic in &kit.catalog.topics {
        let shown = Layout::relative(&kit.layout.equivalent_mutants(&topic.name), &kit.root);
        let listed =
            match crate::mutants::equivalent::load(&kit.layout.equivalent_mutants(&topic.name)) {
                Ok(listed) => listed,
                Err(err) => {
                    problems.push(format!("{err:#}"));
                    continue;
                }
            };
        for entry in listed {
            if entry.reason.trim().is_empty() {
                problems.push(format!(
                    "{shown}: `{}` is listed as equivalent without a reason",
                    entry.mutant
                ));
            }
            let Some(exercise) = kit
                .catalog
                .exercises_of(&topic.name)
                .find(|e| e.name == entry.exercise)
            else {
                problems.push(format!(
                    "{shown}: `{}` is not an exercise of topic `{}`",
                    entry.exercise, topic.name
                ));
                continue;
            };
            let source = std::fs::read_to_string(kit.root.join(Layout::solution_file(exercise)))
                .unwrap_or_default();
            let exists = crate::mutants::generate(&source)
                .is_ok_and(|mutants| mutants.iter().any(|m| m.id == entry.mutant));
            if !exists {
                problems.push(format!(
                    "{shown}: no mutant of `{}` is called `{}` any more (the solution changed?): \
                     `cargo checker mutants {} --list` shows the current ones",
                    entry.exercise, entry.mutant, entry.exercise
                ));
            }
        }
    }
    problems
}

/// The package, library and suite names a topic crate must have, and its binaries.
fn check_manifest(
    dir: &Path,
    shown: &str,
    package: &str,
    lib: &str,
    problems: &mut Vec<String>,
    bins: &mut BTreeMap<String, String>,
    topic: &str,
) {
    let Ok(text) = std::fs::read_to_string(dir.join("Cargo.toml")) else {
        problems.push(format!(
            "{shown}: missing (topic `{topic}` needs a crate here)"
        ));
        return;
    };
    let manifest: toml::Table = match toml::from_str(&text) {
        Ok(m) => m,
        Err(e) => {
            problems.push(format!("{shown}: {}", e.message()));
            return;
        }
    };
    let get = |path: &[&str]| -> Option<String> {
        let mut value = manifest.get(path[0])?;
        for key in &path[1..] {
            value = value.get(key)?;
        }
        value.as_str().map(str::to_owned)
    };
    if get(&["package", "name"]).as_deref() != Some(package) {
        problems.push(format!("{shown}: the package must be named `{package}`"));
    }
    if get(&["lib", "name"]).as_deref() != Some(lib) {
        problems.push(format!(
            "{shown}: needs `[lib] name = \"{lib}\"` (one suite grades both crates)"
        ));
    }
    let tests = manifest
        .get("test")
        .and_then(|t| t.as_array())
        .cloned()
        .unwrap_or_default();
    let suite = Layout::suite_path_from_crate(lib);
    if !tests
        .iter()
        .any(|t| t.get("path").and_then(|p| p.as_str()) == Some(suite.as_str()))
    {
        problems.push(format!("{shown}: needs a [[test]] with path = \"{suite}\""));
    }
    let mut names: Vec<String> = manifest
        .get("bin")
        .and_then(|b| b.as_array())
        .into_iter()
        .flatten()
        .filter_map(|b| b.get("name")?.as_str().map(str::to_owned))
        .collect();
    if let Ok(entries) = std::fs::read_dir(dir.join("src/bin")) {
        names.extend(entries.flatten().filter_map(|e| {
            e.path()
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
        }));
    }
    names.sort();
    names.dedup();
    for name in names {
        if let Some(other) = bins.get(&name).filter(|other| other.as_str() != topic) {
            problems.push(format!("{shown}: binary `{name}` is also built by topic `{other}`; binary names must be unique across topics"));
        }
        bins.insert(name, topic.to_owned());
    }
}

pub fn run(kit: &Kit) -> Result<bool> {
    let problems = problems(kit)?;
    for p in &problems {
        println!("✗ {p}");
    }
    if problems.is_empty() {
        println!(
            "✓ the catalogue is consistent: {} topics, {} exercises",
            kit.catalog.topics.len(),
            kit.catalog.exercises.len()
        );
    }
    Ok(problems.is_empty())
}
