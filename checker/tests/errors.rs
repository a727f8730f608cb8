//! Bad input gets a clear message and exit code 2, never a panic trace.

mod common;

use common::{KitCopy, checker_in};
use predicates::prelude::*;
use predicates::str::contains;

#[test]
fn an_unknown_exercise_suggests_the_nearest_names() {
    let kit = KitCopy::new();
    kit.checker()
        .args(["check", "spawn_jion"])
        .assert()
        .code(2)
        .stderr(contains("no exercise or topic is called `spawn_jion`"))
        .stderr(contains("did you mean `spawn_join`"))
        .stderr(contains("panicked").not());
    kit.checker()
        .args(["hint", "supervisr"])
        .assert()
        .code(2)
        .stderr(contains("`supervisor`"));
}

#[test]
fn outside_the_kit_is_a_clear_error() {
    let elsewhere = tempfile::tempdir().unwrap();
    checker_in(elsewhere.path())
        .arg("list")
        .assert()
        .code(2)
        .stderr(contains("not inside the concurrency kit"))
        .stderr(contains("panicked").not());
}

#[test]
fn a_broken_catalog_names_its_file_and_line() {
    let kit = KitCopy::new();
    let path = kit.path("checker/catalog.toml");
    let text = std::fs::read_to_string(&path).unwrap().replacen(
        "topic = \"threads\"",
        "topic = \"thraeds\"",
        1,
    );
    std::fs::write(&path, text).unwrap();
    kit.checker().arg("list").assert().code(2).stderr(
        predicate::str::is_match(
            r"checker/catalog\.toml:\d+: exercise `spawn_join` names topic `thraeds`",
        )
        .unwrap(),
    );
}

#[test]
fn usage_errors_exit_2() {
    let kit = KitCopy::new();
    kit.checker()
        .args(["check", "--frobnicate"])
        .assert()
        .code(2);
    kit.checker()
        .args(["check", "threads", "--all"])
        .assert()
        .code(2);
}
