//! Grading at scale: the Gradescope bundle, graded as Gradescope would (its folders laid out in a
//! temporary root, `run_autograder` run there with `AUTOGRADER_ROOT`), and the GitHub Actions
//! workflow. Restricted to the `threads` topic (`--only threads`), which builds in seconds.
//!
//! `setup.sh` is not run (it installs a toolchain from the network): its product, the checker
//! at `source/target/release/checker`, is this test's own binary, and the machine's toolchain
//! builds the exercises.

mod common;

use std::collections::BTreeSet;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use common::{KitCopy, real_root};
use serde_json::Value;
use tempfile::TempDir;

/// Gradescope's `/autograder`, in a temporary folder: `source` (the bundle, unpacked),
/// `submission`, `results`, and `run_autograder` copied to the root as Gradescope does.
struct AutograderRoot {
    dir: TempDir,
}

impl AutograderRoot {
    /// Unpacks `bundle` into `source`, and puts the checker where setup.sh would build it.
    fn new(bundle: &Path) -> AutograderRoot {
        let dir = tempfile::Builder::new()
            .prefix("autograder-")
            .tempdir()
            .unwrap();
        let root = AutograderRoot { dir };
        for folder in ["source", "submission", "results"] {
            std::fs::create_dir_all(root.path(folder)).unwrap();
        }
        let mut zip = zip::ZipArchive::new(std::fs::File::open(bundle).unwrap()).unwrap();
        zip.extract(root.path("source")).unwrap();
        std::fs::create_dir_all(root.path("source/target/release")).unwrap();
        std::fs::copy(
            env!("CARGO_BIN_EXE_checker"),
            root.path("source/target/release/checker"),
        )
        .unwrap();
        std::fs::copy(
            root.path("source/run_autograder"),
            root.path("run_autograder"),
        )
        .unwrap();
        root
    }

    fn path(&self, relative: &str) -> PathBuf {
        self.dir.path().join(relative)
    }

    /// Puts a file of the real kit into the submission.
    fn submit(&self, relative: &str, from_kit: &str) {
        let to = self.path("submission").join(relative);
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(real_root().join(from_kit), to).unwrap();
    }

    /// Runs `run_autograder` as Gradescope does (from /autograder), and reads results.json.
    fn run_autograder(&self) -> (Value, std::process::Output) {
        let output = Command::new(self.path("run_autograder"))
            .current_dir(self.dir.path())
            .env("AUTOGRADER_ROOT", self.dir.path())
            .env_remove("KIT_TARGET_DIR")
            .env_remove("CARGO_TARGET_DIR")
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "run_autograder failed:\n{}\n{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        let text = std::fs::read_to_string(self.path("results/results.json"))
            .expect("run_autograder always writes results.json");
        let results = serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("results.json is not JSON ({e}):\n{text}"));
        (results, output)
    }
}

/// Writes a bundle of the kit at `kit` (`--only threads`) into `dir`.
fn bundle(kit: &Path, dir: &Path) -> PathBuf {
    let zip = dir.join("autograder.zip");
    let output = common::checker_in(kit)
        .args(["autograder", "gradescope"])
        .arg(&zip)
        .args(["--only", "threads"])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(String::from_utf8_lossy(&output.stdout).contains("autograder.zip"));
    zip
}

/// The files under `dir`, relative, `/`-separated.
fn files_under(dir: &Path) -> BTreeSet<String> {
    fn walk(root: &Path, dir: &Path, found: &mut BTreeSet<String>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(root, &path, found);
            } else {
                let relative = path.strip_prefix(root).unwrap();
                found.insert(relative.to_string_lossy().into_owned());
            }
        }
    }
    let mut found = BTreeSet::new();
    walk(dir, dir, &mut found);
    found
}

/// The checks every results.json passes, whatever it grades: the fields Gradescope reads, with
/// their types, and scores that add up. Returns the tests by name.
fn check_results(results: &Value) -> Vec<&serde_json::Map<String, Value>> {
    let top = results.as_object().expect("an object");
    let score = top["score"].as_f64().expect("a numeric score");
    assert!(top["execution_time"].is_u64(), "execution_time in seconds");
    assert!(top["output"].is_string());
    assert_eq!(top["output_format"], "text");
    let tests: Vec<_> = top["tests"]
        .as_array()
        .expect("a tests array")
        .iter()
        .map(|t| t.as_object().expect("each test an object"))
        .collect();
    let (mut sum, mut max_sum) = (0.0, 0.0);
    for test in &tests {
        let name = test["name"].as_str().expect("a name");
        let points = test["score"].as_f64().expect("a numeric score");
        let max = test["max_score"].as_f64().expect("a numeric max_score");
        assert!(max > 0.0 && (0.0..=max).contains(&points), "{name}");
        let status = test["status"].as_str().unwrap();
        assert_eq!(status == "passed", points == max, "{name}: {status}");
        assert!(status == "passed" || status == "failed", "{name}: {status}");
        assert!(test["output"].is_string(), "{name}");
        assert_eq!(test["output_format"], "text", "{name}");
        assert_eq!(test["visibility"], "visible", "{name}");
        sum += points;
        max_sum += max;
    }
    assert_eq!(score, sum, "the score is the tests' sum");
    if !tests.is_empty() {
        assert_eq!(top["max_score"].as_f64(), Some(max_sum));
    }
    tests
}

#[test]
fn a_submission_is_graded_into_gradescope_results() {
    // A kit as an instructor's checkout may look: with a build, progress, mutants, a built book.
    let kit = KitCopy::new();
    let gitignore = std::fs::read_to_string(real_root().join(".gitignore")).unwrap();
    std::fs::write(kit.path(".gitignore"), gitignore + "/my-notes.txt\n").unwrap();
    for junk in [
        "my-notes.txt",
        "target/debug/junk",
        "exercises/threads/target/junk",
        ".git/HEAD",
        ".checker-progress.json",
        "mutants.out/outcomes.json",
        "docs/book/index.html",
        ".checker-backups/spawn_join.rs.1",
        "old-autograder.zip",
    ] {
        std::fs::create_dir_all(kit.path(junk).parent().unwrap()).unwrap();
        std::fs::write(kit.path(junk), "not in the bundle").unwrap();
    }
    let out = tempfile::tempdir().unwrap();
    let zip_path = bundle(kit.dir.path(), out.path());

    // The bundle: the two scripts at its root, executable, then exactly the kit's sources.
    let mut zip = zip::ZipArchive::new(std::fs::File::open(&zip_path).unwrap()).unwrap();
    let mut names = BTreeSet::new();
    for i in 0..zip.len() {
        let mut file = zip.by_index(i).unwrap();
        let name = file.name().unwrap().into_owned();
        if name == "setup.sh" || name == "run_autograder" {
            assert_eq!(file.unix_mode().map(|m| m & 0o777), Some(0o755), "{name}");
            let mut text = String::new();
            file.read_to_string(&mut text).unwrap();
            assert!(text.starts_with("#!/usr/bin/env bash\n"), "{name}");
            assert!(text.contains("\nCHECKER_ONLY=\"threads\"\n"), "{name}");
        }
        names.insert(name);
    }
    let mut expected = files_under(kit.dir.path());
    expected.retain(|f| {
        !(f.starts_with("target/")
            || f.starts_with("exercises/threads/target/")
            || f.starts_with(".git/")
            || f.starts_with("mutants.out/")
            || f.starts_with("docs/book/")
            || f.starts_with(".checker-backups/")
            || f == ".checker-progress.json"
            || f == "old-autograder.zip"
            || f == "my-notes.txt")
    });
    expected.extend(["setup.sh".to_owned(), "run_autograder".to_owned()]);
    assert_eq!(names, expected);
    for needed in [
        "Cargo.toml",
        "Cargo.lock",
        ".cargo/config.toml",
        "checker/catalog.toml",
        "checker/suites/threads.rs",
        "exercises/threads/src/spawn_join.rs",
    ] {
        assert!(names.contains(needed), "{needed}");
    }

    // A submission: one exercise solved, one with a known mistake, one a symbolic link, and
    // files that must never be taken (a manifest, a suite that passes everything, lib.rs).
    let root = AutograderRoot::new(&zip_path);
    root.submit(
        "exercises/threads/src/spawn_join.rs",
        "solutions/threads/src/spawn_join.rs",
    );
    root.submit(
        "exercises/threads/src/supervisor.rs",
        "solutions/threads/wrong/supervisor/unwrap_join.rs",
    );
    std::os::unix::fs::symlink(
        real_root().join("solutions/threads/src/scoped_chunks.rs"),
        root.path("submission/exercises/threads/src/scoped_chunks.rs"),
    )
    .unwrap();
    let sneaky = "#[test]\nfn everything_passes() {}\n";
    for file in [
        "exercises/threads/Cargo.toml",
        "exercises/threads/src/lib.rs",
        "checker/suites/threads.rs",
        "checker/catalog.toml",
    ] {
        let path = root.path("submission").join(file);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, sneaky).unwrap();
    }

    let started = Instant::now();
    let (results, output) = root.run_autograder();
    eprintln!(
        "run_autograder: {:.1} s, bundle: {} bytes",
        started.elapsed().as_secs_f64(),
        zip_path.metadata().unwrap().len()
    );
    let tests = check_results(&results);
    let summary = results["output"].as_str().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("2 file(s) taken, 0 missing, 1 refused"),
        "{stdout}"
    );

    let of = |prefix: &str| -> Vec<&serde_json::Map<String, Value>> {
        tests
            .iter()
            .copied()
            .filter(|t| t["name"].as_str().unwrap().starts_with(prefix))
            .collect()
    };
    let solved = of("spawn_join::");
    assert!(!solved.is_empty());
    assert!(solved.iter().all(|t| t["status"] == "passed"), "{solved:?}");
    let wrong = of("supervisor::");
    let failed: Vec<_> = wrong.iter().filter(|t| t["status"] == "failed").collect();
    assert!(!failed.is_empty(), "the known mistake fails: {wrong:?}");
    assert!(
        failed
            .iter()
            .all(|t| t["output"].as_str().unwrap().contains("brought down")),
        "its concept is named (unwrap_join.rs: `Expect: brought down`): {failed:?}"
    );
    let linked = of("scoped_chunks::");
    assert!(!linked.is_empty());
    assert!(
        linked.iter().all(|t| t["status"] == "failed"
            && t["output"].as_str().unwrap().contains("not implemented")),
        "a refused file leaves the stub, which fails: {linked:?}"
    );
    assert_eq!(
        tests.len(),
        solved.len() + wrong.len() + linked.len(),
        "only threads is graded"
    );
    for words in [
        "Graded from your submission:\n  exercises/threads/src/spawn_join.rs\n  exercises/threads/src/supervisor.rs",
        "Refused, and graded as the kit ships them:\n  exercises/threads/src/scoped_chunks.rs: a symbolic link",
    ] {
        assert!(summary.contains(words), "{words:?} in:\n{summary}");
    }

    // Nothing but the exercise files changed in the kit that graded them.
    for file in [
        "exercises/threads/Cargo.toml",
        "exercises/threads/src/lib.rs",
        "exercises/threads/src/scoped_chunks.rs",
        "checker/suites/threads.rs",
        "checker/catalog.toml",
    ] {
        assert_eq!(
            std::fs::read(root.path("source").join(file)).unwrap(),
            std::fs::read(kit.path(file)).unwrap(),
            "{file} is the kit's own"
        );
    }
    assert_eq!(
        std::fs::read(root.path("source/exercises/threads/src/supervisor.rs")).unwrap(),
        std::fs::read(real_root().join("solutions/threads/wrong/supervisor/unwrap_join.rs"))
            .unwrap()
    );
}

#[test]
fn a_submission_without_exercise_files_gets_a_result_that_says_what_was_expected() {
    let out = tempfile::tempdir().unwrap();
    let root = AutograderRoot::new(&bundle(&real_root(), out.path()));

    let (results, _) = root.run_autograder();
    assert!(check_results(&results).is_empty());
    assert_eq!(results["score"], 0.0);
    let output = results["output"].as_str().unwrap();
    for words in [
        "No exercise file was found in your submission.",
        "exercises/threads/src/spawn_join.rs",
        "exercises/threads/src/supervisor.rs",
        "threads/src/spawn_join.rs",
        "Your submission is empty.",
    ] {
        assert!(output.contains(words), "{words:?} in:\n{output}");
    }

    // Files, but none where the kit has them.
    std::fs::write(root.path("submission/notes.txt"), "my answers").unwrap();
    std::fs::create_dir_all(root.path("submission/src")).unwrap();
    std::fs::write(root.path("submission/src/main.rs"), "fn main() {}").unwrap();
    let (results, _) = root.run_autograder();
    assert!(check_results(&results).is_empty());
    let output = results["output"].as_str().unwrap();
    assert!(
        output.contains("Your submission holds: notes.txt, src/."),
        "{output}"
    );

    // No checker at all (setup.sh never ran): still a valid result, and not a verdict.
    std::fs::remove_file(root.path("source/target/release/checker")).unwrap();
    let (results, output) = root.run_autograder();
    assert!(check_results(&results).is_empty());
    assert!(
        results["output"]
            .as_str()
            .unwrap()
            .contains("could not grade this submission"),
        "{results}"
    );
    assert!(String::from_utf8_lossy(&output.stderr).contains("did setup.sh run?"));
}

#[test]
fn autograder_run_refuses_to_replace_files_outside_an_autograder() {
    let empty = tempfile::tempdir().unwrap();
    common::checker_in(&real_root())
        .args(["autograder", "run"])
        .env("AUTOGRADER_ROOT", empty.path())
        .assert()
        .code(2)
        .stderr(predicates::str::contains("only in an autograder's copy"));
}

/// The workflow `autograder actions` writes, parsed.
fn workflow() -> (String, yaml_rust2::Yaml) {
    let output = common::checker_in(&real_root())
        .args(["autograder", "actions"])
        .output()
        .unwrap();
    assert!(output.status.success());
    let text = String::from_utf8(output.stdout).unwrap();
    let mut docs = yaml_rust2::YamlLoader::load_from_str(&text)
        .unwrap_or_else(|e| panic!("not YAML ({e}):\n{text}"));
    assert_eq!(docs.len(), 1);
    (text, docs.remove(0))
}

#[test]
fn the_actions_workflow_installs_caches_grades_publishes_and_fails() {
    let (text, doc) = workflow();
    assert!(!doc["on"]["push"].is_badvalue(), "runs on push");
    let steps = doc["jobs"]["grade"]["steps"].as_vec().expect("steps");
    let uses = |prefix: &str| {
        steps
            .iter()
            .find(|s| s["uses"].as_str().is_some_and(|u| u.starts_with(prefix)))
            .unwrap_or_else(|| panic!("a step uses {prefix}"))
    };
    let position = |step: &yaml_rust2::Yaml| steps.iter().position(|s| s == step).unwrap();
    let toolchain = uses("dtolnay/rust-toolchain@");
    let restore = uses("actions/cache/restore@");
    let save = uses("actions/cache/save@");
    let upload = uses("actions/upload-artifact@");
    for cache in [restore, save] {
        let paths = cache["with"]["path"].as_str().unwrap();
        assert!(paths.lines().any(|l| l.trim() == "target/"), "{paths}");
    }
    assert!(save["if"].as_str().unwrap().contains("always()"));
    assert_eq!(upload["with"]["path"].as_str(), Some("checker-report.xml"));
    assert_eq!(upload["if"].as_str(), Some("always()"));

    let grade = steps
        .iter()
        .find(|s| s["id"].as_str() == Some("grade"))
        .expect("a step with id grade");
    assert_eq!(
        grade["run"].as_str().map(str::trim),
        Some("cargo checker check --all --format junit --output checker-report.xml")
    );
    assert_eq!(grade["continue-on-error"].as_bool(), Some(true));
    let fail = steps.last().unwrap();
    assert_eq!(
        fail["if"].as_str(),
        Some("steps.grade.outcome == 'failure'")
    );
    assert!(fail["run"].as_str().unwrap().contains("exit 1"));
    assert!(
        position(toolchain) < position(restore)
            && position(restore) < position(grade)
            && position(grade) < position(save)
            && position(save) < position(upload)
            && position(upload) < position(fail)
    );

    // The command it runs exists: the checker accepts every `cargo checker` line's arguments.
    let commands: Vec<&str> = steps
        .iter()
        .filter_map(|s| s["run"].as_str())
        .flat_map(str::lines)
        .filter_map(|l| l.trim().strip_prefix("cargo checker "))
        .collect();
    assert_eq!(commands.len(), 1, "{commands:?}");
    for command in commands {
        let args: Vec<&str> = command.split_whitespace().collect();
        common::checker_in(&real_root())
            .args(&args)
            .arg("--help")
            .assert()
            .success();
    }

    // --output writes the same text, folders included.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join(".github/workflows/checker.yml");
    common::checker_in(&real_root())
        .args(["autograder", "actions", "--output"])
        .arg(&file)
        .assert()
        .success();
    assert_eq!(std::fs::read_to_string(&file).unwrap(), text);
}

#[test]
fn the_workflow_summary_adds_up_the_junit_report() {
    let (_, doc) = workflow();
    let steps = doc["jobs"]["grade"]["steps"].as_vec().unwrap();
    let summary_step = steps
        .iter()
        .find(|s| {
            s["run"]
                .as_str()
                .is_some_and(|r| r.contains("GITHUB_STEP_SUMMARY"))
        })
        .expect("a step writes the summary");
    assert_eq!(summary_step["shell"].as_str(), Some("bash"));
    let script = summary_step["run"].as_str().unwrap();

    let run = |dir: &Path| {
        let summary = dir.join("summary.md");
        let status = Command::new("bash")
            .args(["-c", script])
            .current_dir(dir)
            .env("GITHUB_STEP_SUMMARY", &summary)
            .status()
            .unwrap();
        assert!(status.success());
        std::fs::read_to_string(summary).unwrap()
    };
    let dir = tempfile::tempdir().unwrap();
    assert!(run(dir.path()).contains("No report"));

    // The golden JUnit report: 8 tests, 2 failures, 3 errors.
    std::fs::copy(
        real_root().join("checker/tests/golden/junit.xml"),
        dir.path().join("checker-report.xml"),
    )
    .unwrap();
    let summary = run(dir.path());
    for row in [
        "### Checker: 3 of 8 tests pass",
        "| spawn_join | 1/5 | 2 | 2 |",
        "| scoped_chunks | 2/2 | 0 | 0 |",
        "| counter | 0/1 | 0 | 1 |",
    ] {
        assert!(summary.contains(row), "{row:?} in:\n{summary}");
    }
}

#[test]
fn classroom_is_a_legacy_export_in_the_help() {
    let output = common::checker_in(&real_root())
        .args(["check", "--help"])
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&output.stdout);
    let line = help
        .lines()
        .find(|l| l.contains("classroom:"))
        .unwrap_or_else(|| panic!("classroom in:\n{help}"));
    assert!(line.to_lowercase().contains("legacy"), "{line}");
}
