//! The instructor's verbs on real exercises: lint, new, verify (class mode: `class.rs`).

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
    // What `new` wrote is formatted as `cargo fmt` would, and every text left to write is one
    // lint points at.
    let rustfmt = std::process::Command::new("rustfmt")
        .args(["--edition", "2024", "--check"])
        .args(
            [
                "exercises/threads/src/ring_buffer.rs",
                "exercises/threads/src/lib.rs",
                "solutions/threads/src/ring_buffer.rs",
                "solutions/threads/src/lib.rs",
                "solutions/threads/wrong/ring_buffer/off_by_one.rs",
                "checker/suites/threads.rs",
            ]
            .map(|f| kit.path(f)),
        )
        .output()
        .unwrap();
    assert!(
        rustfmt.status.success(),
        "{}",
        String::from_utf8_lossy(&rustfmt.stdout)
    );
    kit.checker()
        .arg("lint")
        .assert()
        .code(1)
        .stdout(contains("(the hints of `ring_buffer`)"))
        .stdout(contains(
            "exercises/threads/src/ring_buffer.rs: a scaffolded `(to write)`",
        ))
        .stdout(contains("checker/suites/threads.rs: a scaffolded"))
        .stdout(contains("docs/src/threads.md: a scaffolded"));
    kit.checker()
        .args(["verify", "ring_buffer"])
        .assert()
        .code(1)
        .stdout(predicate::str::is_match(r"solution\s+passed: 1/1").unwrap())
        .stdout(predicate::str::is_match(r"stub\s+not started: 1/1 tests fail").unwrap());
    kit.checker()
        .args(["new", "threads", "ring_buffer"])
        .assert()
        .code(2)
        .stderr(contains("already taken"));
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

#[test]
fn solving_the_exercises_never_breaks_the_proof() {
    // The student solved spawn_join: `verify` (what `cargo test` runs) grades the stub as the
    // kit ships it, not the student's file, so the proof still holds.
    let kit = KitCopy::new();
    kit.replace(
        "exercises/threads/src/spawn_join.rs",
        "solutions/threads/src/spawn_join.rs",
    );
    kit.checker()
        .args(["verify", "spawn_join"])
        .assert()
        .success()
        .stdout(predicate::str::is_match(r"stub\s+not started: 3/3 tests fail").unwrap())
        .stdout(contains("the kit holds"));
}
