//! The instructor's verbs on real exercises: lint, new, grade (class mode), verify --repeat.

mod common;

use common::{KitCopy, checker_in, real_root};
use predicates::prelude::*;
use predicates::str::contains;

#[test]
fn the_kit_itself_lints_clean() {
    checker_in(&real_root())
        .arg("lint")
        .assert()
        .success()
        .stdout(contains("the catalogue is consistent"));
}

#[test]
fn lint_names_what_is_missing() {
    let kit = KitCopy::new();
    let catalog = kit.path("checker/catalog.toml");
    let text = std::fs::read_to_string(&catalog).unwrap();
    let start = text.find("name = \"supervisor\"").unwrap();
    let hints = start + text[start..].find("hints = [").unwrap();
    let end = hints + text[hints..].find("]\n").unwrap() + 2;
    std::fs::write(
        &catalog,
        format!("{}hints = []\n{}", &text[..hints], &text[end..]),
    )
    .unwrap();
    let wrong = kit.path("solutions/threads/wrong/scoped_chunks");
    for entry in std::fs::read_dir(&wrong).unwrap().skip(1) {
        std::fs::remove_file(entry.unwrap().path()).unwrap();
    }
    let solution = kit.path("solutions/threads/src/spawn_join.rs");
    let mut text = std::fs::read_to_string(&solution).unwrap();
    text.push_str("\n// TODO: tidy up\n");
    std::fs::write(&solution, text).unwrap();
    kit.checker()
        .arg("lint")
        .assert()
        .code(1)
        .stdout(contains("exercise `supervisor` has no hints"))
        .stdout(contains(
            "exercise `scoped_chunks` has 1 catalogued wrong solutions; it needs at least 2",
        ))
        .stdout(contains(
            "solutions/threads/src/spawn_join.rs: a solution has no TODO",
        ));
}

#[test]
fn new_scaffolds_an_exercise_that_list_shows_and_verify_grades() {
    let kit = KitCopy::new();
    kit.checker()
        .args(["new", "threads", "ring_buffer"])
        .assert()
        .success()
        .stdout(contains("created  exercises/threads/src/ring_buffer.rs"));
    kit.checker()
        .arg("list")
        .assert()
        .success()
        .stdout(contains("ring_buffer"));
    kit.checker().arg("lint").assert().success();
    kit.checker()
        .args(["verify", "ring_buffer"])
        .assert()
        .success()
        .stdout(predicate::str::is_match(r"solution\s+Passed: 1/1").unwrap())
        .stdout(predicate::str::is_match(r"stub\s+NotStarted: 1/1 tests fail").unwrap());
    kit.checker()
        .args(["new", "threads", "ring_buffer"])
        .assert()
        .code(2)
        .stderr(contains("already taken"));
}

#[test]
fn class_mode_grades_every_student_and_isolates_a_deadlock() {
    let class = tempfile::tempdir().unwrap();
    let root = real_root();
    let copy = |from: &str, student: &str| {
        let to = class.path().join(student).join("threads/src");
        std::fs::create_dir_all(&to).unwrap();
        for entry in std::fs::read_dir(root.join(from)).unwrap() {
            let entry = entry.unwrap();
            std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
        }
    };
    copy("solutions/threads/src", "alice");
    copy("exercises/threads/src", "bob");
    copy("exercises/threads/src", "carol");
    std::fs::copy(
        root.join("solutions/threads/wrong/spawn_join/kept_sender.rs"),
        class.path().join("carol/threads/src/spawn_join.rs"),
    )
    .unwrap();
    checker_in(&root)
        .args([
            "grade",
            class.path().to_str().unwrap(),
            "--only",
            "spawn_join",
        ])
        .assert()
        .success();
    let csv = std::fs::read_to_string(class.path().join("gradebook.csv")).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        lines[0],
        "student,spawn_join,exercises_passed,tests_passed,tests_total"
    );
    assert!(lines[1].starts_with("alice,4/4,1,4,4"), "{csv}");
    assert!(lines[2].starts_with("bob,0/4,0,0,4"), "{csv}");
    assert!(lines[3].starts_with("carol,0/4,0,0,4"), "{csv}");
    let book: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(class.path().join("gradebook.json")).unwrap(),
    )
    .unwrap();
    let carol = &book["students"][2]["exercises"][0]["tests"];
    assert!(
        carol
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["status"] == "timed_out"),
        "carol's deadlock is her verdict: {carol:#}"
    );
}

#[test]
fn lint_reports_a_wrong_solution_diff_that_no_longer_applies() {
    let kit = KitCopy::new();
    let diff = std::fs::read_dir(real_root().join("solutions/threads/wrong/supervisor"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "diff"))
        .expect("the supervisor catalogue has a .diff mistake");
    // Rewrite the reference so that no hunk of the diff finds its context any more.
    let solution = kit.path("solutions/threads/src/supervisor.rs");
    let text = std::fs::read_to_string(&solution).unwrap();
    std::fs::write(
        &solution,
        text.replace("thread::", "std::thread::")
            .replace("    ", "\t"),
    )
    .unwrap();
    kit.checker()
        .arg("lint")
        .assert()
        .code(1)
        .stdout(contains(diff.file_name().unwrap().to_str().unwrap()))
        .stdout(contains("no longer applies"));
}
