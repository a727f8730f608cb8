//! The student's loop, tried as a new user would, on a copy of the kit: progress, a failing
//! stub, a wrong answer that names its concept, a compile error, a pass that moves progress.

mod common;

use common::KitCopy;
use predicates::prelude::*;
use predicates::str::contains;

const FILE: &str = "exercises/threads/src/spawn_join.rs";

#[test]
fn a_fresh_kit_shows_no_progress_and_the_first_exercise() {
    let kit = KitCopy::threads_only();
    kit.checker()
        .assert()
        .success()
        .stdout(contains("0 of"))
        .stdout(contains("Next: spawn_join"))
        .stdout(contains(FILE))
        .stdout(contains("cargo checker check spawn_join"));
}

#[test]
fn the_stub_fails_then_the_solution_passes_and_progress_moves() {
    let kit = KitCopy::threads_only();
    kit.checker()
        .args(["check", "spawn_join"])
        .assert()
        .code(1)
        .stdout(contains(
            "not started: replace the `todo!()` at exercises/threads/src/spawn_join.rs:",
        ));

    kit.replace(FILE, "solutions/threads/src/spawn_join.rs");
    kit.checker()
        .args(["check", "spawn_join"])
        .assert()
        .success()
        .stdout(contains("✓ spawn_join (threads) — all"))
        .stdout(contains("Progress: 1/"))
        .stdout(contains("Next: scoped_chunks"));
    kit.checker()
        .assert()
        .success()
        .stdout(contains("1 of"))
        .stdout(contains("Next: scoped_chunks"));
    kit.checker()
        .arg("list")
        .assert()
        .success()
        .stdout(predicate::str::is_match(r"spawn_join\s+done").unwrap());
}

#[test]
fn a_wrong_solution_gets_a_verdict_naming_the_concept() {
    let kit = KitCopy::threads_only();
    kit.replace(FILE, "solutions/threads/wrong/spawn_join/join_in_loop.rs");
    kit.checker()
        .args(["check", "spawn_join"])
        .assert()
        .code(1)
        .stdout(contains("✗ spawn_join::workers_run_at_the_same_time"))
        .stdout(contains("did not run at the same time (concurrency)"))
        .stdout(contains("✓ spawn_join::a_worker_panic_reaches_the_caller"))
        .stdout(contains("cargo checker hint spawn_join"));
}

#[test]
fn a_compile_error_is_shown_as_the_compiler_says_it_with_file_and_line() {
    let kit = KitCopy::threads_only();
    let mut text = std::fs::read_to_string(kit.path(FILE)).unwrap();
    text.push_str("\npub fn broken() -> u32 {\n    \"not a number\"\n}\n");
    std::fs::write(kit.path(FILE), text).unwrap();
    kit.checker()
        .args(["check", "spawn_join"])
        .assert()
        .code(1)
        .stdout(contains("does not compile"))
        .stdout(contains("error[E0308]: mismatched types"))
        .stdout(contains("--> exercises/threads/src/spawn_join.rs:"))
        .stdout(contains("aborting due to").not())
        .stdout(contains("warning").not());
}

#[test]
fn the_deadlock_fixture_comes_back_as_a_deadlock_found_early() {
    let kit = KitCopy::threads_only();
    kit.replace(FILE, "solutions/threads/wrong/spawn_join/kept_sender.rs");
    let started = std::time::Instant::now();
    let output = kit
        .checker()
        .args(["check", "spawn_join", "--json"])
        .output()
        .unwrap();
    let elapsed = started.elapsed();
    assert_eq!(output.status.code(), Some(1));
    let report = common::json(&output);
    let tests = report["results"][0]["tests"].as_array().unwrap();
    let hung: Vec<_> = tests
        .iter()
        .filter(|t| t["status"] == "timed_out")
        .collect();
    assert!(
        !hung.is_empty(),
        "the kept Sender must hang a test: {tests:#?}"
    );
    for test in hung {
        let message = test["message"].as_str().unwrap();
        // Found as soon as every thread of the test is asleep for good, and said where each
        // one waits: on the channel whose sender is never dropped.
        assert!(
            message.starts_with("did not finish: deadlock, found after"),
            "{message}"
        );
        assert!(message.contains("asleep, waiting for"), "{message}");
        // Measured, not asserted: a certain deadlock is found in about half a second; a hang
        // that is not certain waits for the suite's 5 s, and the sandbox kills at 8 s.
        eprintln!("{}: verdict after {} ms", test["name"], test["duration_ms"]);
    }
    eprintln!("whole check of the deadlock fixture, build included: {elapsed:?}");
}

#[test]
fn json_reports_every_test_with_its_status() {
    let kit = KitCopy::threads_only();
    let output = kit
        .checker()
        .args(["check", "threads", "--json"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let report = common::json(&output);
    assert_eq!(report["command"], "check");
    assert_eq!(report["ok"], false);
    let results = report["results"].as_array().unwrap();
    assert_eq!(results.len(), 3, "one result per exercise of the topic");
    for result in results {
        assert_eq!(result["verdict"], "not_started");
        for test in result["tests"].as_array().unwrap() {
            assert_eq!(test["status"], "not_implemented");
            assert!(
                test["location"]
                    .as_str()
                    .unwrap()
                    .starts_with("exercises/threads/src/")
            );
        }
    }
}

#[test]
fn hints_come_one_level_at_a_time_and_are_remembered() {
    let kit = KitCopy::threads_only();
    kit.checker()
        .args(["hint", "spawn_join"])
        .assert()
        .success()
        .stdout(contains("Hint 1 of"))
        .stdout(contains("Hint 2 of").not());
    kit.checker()
        .args(["hint", "spawn_join", "--more"])
        .assert()
        .success()
        .stdout(contains("Hint 2 of"));
    kit.checker()
        .args(["hint", "spawn_join"])
        .assert()
        .success()
        .stdout(contains("Hint 2 of"));
}

#[test]
fn repeat_shows_how_often_each_test_failed() {
    let kit = KitCopy::threads_only();
    kit.replace(FILE, "solutions/threads/wrong/spawn_join/runs_inline.rs");
    kit.checker()
        .args(["check", "spawn_join", "--repeat", "2"])
        .assert()
        .code(1)
        .stdout(
            predicate::str::is_match(
                r"spawn_join::every_worker_runs_once_on_its_own_thread_and_is_joined\s+2/2\s+100 %",
            )
            .unwrap(),
        )
        .stdout(
            predicate::str::is_match(r"spawn_join::a_worker_panic_reaches_the_caller\s+0/2\s+0 %")
                .unwrap(),
        )
        .stdout(contains("first failure: "));
}
