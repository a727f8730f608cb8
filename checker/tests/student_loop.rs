//! The student's loop around grading, on a copy of the kit: reset, skip, a damaged progress
//! file, an exercise renamed by an upgrade of the kit, and output without colour codes.

mod common;

use common::KitCopy;
use predicates::prelude::*;
use predicates::str::contains;

const FILE: &str = "exercises/threads/src/spawn_join.rs";
const SOLUTION: &str = "solutions/threads/src/spawn_join.rs";
const PROGRESS: &str = ".checker-progress.json";

fn progress_of(kit: &KitCopy) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(kit.path(PROGRESS)).unwrap()).unwrap()
}

#[test]
fn reset_restores_the_stub_byte_for_byte_and_the_exercise_is_not_done() {
    let kit = KitCopy::threads_only();
    let stub = std::fs::read(kit.path(FILE)).unwrap();
    kit.replace(FILE, SOLUTION);
    let solved = std::fs::read(kit.path(FILE)).unwrap();
    kit.checker()
        .args(["check", "spawn_join"])
        .assert()
        .success();
    assert_eq!(progress_of(&kit)["exercises"]["spawn_join"], "done");

    // No terminal to confirm on and no --yes: refused, nothing touched.
    kit.checker()
        .args(["reset", "spawn_join"])
        .write_stdin("y\n")
        .assert()
        .code(2)
        .stderr(contains("pass --yes"));
    assert_eq!(std::fs::read(kit.path(FILE)).unwrap(), solved);

    kit.checker()
        .args(["reset", "spawn_join", "--yes"])
        .assert()
        .success()
        .stdout(contains("is reset to the stub"));
    assert_eq!(std::fs::read(kit.path(FILE)).unwrap(), stub);
    assert_eq!(progress_of(&kit)["exercises"].get("spawn_join"), None);
    let kept = kit.path(".checker-backups/spawn_join/1.rs");
    assert_eq!(
        std::fs::read(kept).unwrap(),
        solved,
        "the student's version is kept, outside target/"
    );
    // A second reset of other work keeps both versions.
    std::fs::write(kit.path(FILE), b"// a second attempt\n").unwrap();
    kit.checker()
        .args(["reset", "spawn_join", "--yes"])
        .assert()
        .success()
        .stdout(contains(".checker-backups/spawn_join/2.rs"));
    assert_eq!(
        std::fs::read(kit.path(".checker-backups/spawn_join/2.rs")).unwrap(),
        b"// a second attempt\n"
    );
    assert_eq!(
        std::fs::read(kit.path(".checker-backups/spawn_join/1.rs")).unwrap(),
        solved
    );
    kit.checker()
        .assert()
        .success()
        .stdout(contains("0 of 3"))
        .stdout(contains("Next: spawn_join"));
}

#[test]
fn reset_of_an_unknown_name_suggests_the_nearest() {
    let kit = KitCopy::threads_only();
    kit.checker()
        .args(["reset", "spawn_jion", "--yes"])
        .assert()
        .code(2)
        .stderr(contains("did you mean `spawn_join`"));
}

#[test]
fn pristine_tells_a_stub_edited_without_refreshing_its_copy() {
    // (CI runs `cargo checker pristine` on the kit itself; a student's kit differs by design.)
    let kit = KitCopy::threads_only();
    kit.checker()
        .args(["pristine", "--write"])
        .assert()
        .success();
    kit.checker()
        .arg("pristine")
        .assert()
        .success()
        .stdout(contains("every stub matches its pristine copy"));
    kit.replace(FILE, SOLUTION);
    kit.checker()
        .arg("pristine")
        .assert()
        .code(1)
        .stdout(contains("✗ spawn_join"));
}

#[test]
fn skip_moves_progress_on_without_counting_as_done_until_checked_again() {
    let kit = KitCopy::threads_only();
    kit.checker()
        .args(["skip", "spawn_join"])
        .assert()
        .success()
        .stdout(contains("Next: scoped_chunks"));
    kit.checker()
        .assert()
        .success()
        .stdout(contains("0 of 3"))
        .stdout(contains("(1 skipped)"))
        .stdout(contains("Next: scoped_chunks"));
    kit.checker()
        .arg("list")
        .assert()
        .success()
        .stdout(predicate::str::is_match(r"spawn_join\s+skipped").unwrap());

    // A later check records the real verdict: the stub fails, so it is next again.
    kit.checker().args(["check", "spawn_join"]).assert().code(1);
    kit.checker()
        .assert()
        .success()
        .stdout(contains("Next: spawn_join"))
        .stdout(contains("skipped").not());
}

#[test]
fn a_damaged_progress_file_is_reported_and_rebuilt_by_rechecking() {
    let kit = KitCopy::threads_only();
    kit.replace(FILE, SOLUTION);
    std::fs::write(
        kit.path(PROGRESS),
        r#"{"version": 1, "exercises": {"spawn_join": "do"#,
    )
    .unwrap();
    kit.checker()
        .assert()
        .success()
        .stderr(contains(".checker-progress.json is damaged"))
        .stderr(contains("rebuilding it by re-checking every exercise"))
        .stderr(contains("rebuilt: 1 of 3 exercises pass"))
        .stdout(contains("1 of 3"))
        .stdout(contains("Next: scoped_chunks"));
    assert_eq!(progress_of(&kit)["exercises"]["spawn_join"], "done");
    // Rebuilt once: the next run reads it quietly.
    kit.checker()
        .assert()
        .success()
        .stderr(contains("rebuil").not());
}

#[test]
fn an_old_format_progress_file_is_rebuilt_keeping_its_hints() {
    let kit = KitCopy::threads_only();
    std::fs::write(
        kit.path(PROGRESS),
        r#"{"exercises": {"spawn_join": "done"}, "hints": {"spawn_join": 2}}"#,
    )
    .unwrap();
    kit.checker()
        .arg("list")
        .assert()
        .success()
        .stderr(contains("from another version of the kit"))
        .stderr(contains("rebuilt: 0 of 3"))
        .stdout(predicate::str::is_match(r"spawn_join\s+todo").unwrap());
    kit.checker()
        .args(["hint", "spawn_join"])
        .assert()
        .success()
        .stdout(contains("Hint 2 of"));
}

#[test]
fn a_renamed_exercise_keeps_its_progress_and_hints() {
    let kit = KitCopy::threads_only();
    std::fs::write(
        kit.path(PROGRESS),
        r#"{"version": 1, "exercises": {"spawn_join": "done"}, "hints": {"spawn_join": 2}}"#,
    )
    .unwrap();
    let catalog = kit.path("checker/catalog.toml");
    let text = std::fs::read_to_string(&catalog).unwrap().replacen(
        "name = \"spawn_join\"\n",
        "name = \"spawn_and_join\"\nrenamed_from = [\"spawn_join\"]\n",
        1,
    );
    std::fs::write(&catalog, text).unwrap();
    kit.checker()
        .arg("list")
        .assert()
        .success()
        .stderr(contains("rebuil").not())
        .stdout(predicate::str::is_match(r"spawn_and_join\s+done").unwrap());
    kit.checker()
        .assert()
        .success()
        .stdout(contains("1 of 3"))
        .stdout(contains("Next: scoped_chunks"));
    kit.checker()
        .args(["hint", "spawn_and_join"])
        .assert()
        .success()
        .stdout(contains("Hint 2 of"));
}

#[test]
fn output_has_colour_codes_only_when_asked_and_never_with_no_color() {
    let kit = KitCopy::threads_only();
    kit.checker()
        .args(["skip", "spawn_join"])
        .assert()
        .success();
    let run = |args: &[&str], env: &[(&str, &str)]| {
        let mut cmd = kit.checker();
        cmd.env_remove("NO_COLOR")
            .env_remove("CLICOLOR")
            .env_remove("CLICOLOR_FORCE")
            .args(args);
        for (key, value) in env {
            cmd.env(key, value);
        }
        String::from_utf8(cmd.output().unwrap().stdout).unwrap()
    };
    for args in [&["list"][..], &[], &["check", "scoped_chunks"]] {
        // Forced colour shows that the output is styled at all.
        assert!(
            run(args, &[("CLICOLOR_FORCE", "1")]).contains('\x1b'),
            "{args:?}"
        );
        let plain = run(args, &[]);
        assert!(!plain.contains('\x1b'), "not a terminal: {args:?}\n{plain}");
        let no_color = run(args, &[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "1")]);
        assert!(!no_color.contains('\x1b'), "NO_COLOR: {args:?}\n{no_color}");
        assert_eq!(plain, no_color);
    }
}
