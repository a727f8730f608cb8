//! The picture of a failing run, end to end: a student's lock-order deadlock (the kit's own
//! wrong `transfer`, which locks the source account first) graded with `--format gradescope`
//! comes back as HTML, the verdict above the picture of the smallest failing schedule.

mod common;

use common::KitCopy;

#[test]
fn gradescope_shows_the_picture_of_a_model_checked_failure() {
    let kit = KitCopy::new();
    kit.replace(
        "exercises/deadlock/src/transfer.rs",
        "solutions/deadlock/wrong/transfer/from_then_to.rs",
    );
    let file = kit.path("results.json");
    kit.checker()
        // Where the grading helpers write the pictures (the test's own temporary folder, the
        // default, is gone by the time the report is written).
        .env("KIT_TRACE_DIR", kit.path("target/checker/traces"))
        .args(["check", "transfer", "--format", "gradescope", "--output"])
        .arg(&file)
        .assert()
        .code(1);
    let results: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    let tests = results["tests"].as_array().unwrap();
    let deadlock = tests
        .iter()
        .find(|t| {
            t["name"]
                .as_str()
                .is_some_and(|n| n.ends_with("opposite_transfers_never_deadlock"))
                && t["output"]
                    .as_str()
                    .is_some_and(|o| o.contains("found by the model checker"))
        })
        .unwrap_or_else(|| panic!("no model-checked verdict for the deadlock:\n{results:#}"));
    assert_eq!(deadlock["output_format"], "html", "{deadlock:#}");
    let output = deadlock["output"].as_str().unwrap();
    assert!(
        output.starts_with("<pre>deadlock: every thread is blocked"),
        "{output}"
    );
    assert!(
        output.contains("smallest failing schedule: fails with one context switch"),
        "{output}"
    );
    for needle in [
        "<svg",
        "thread 0 (the test)",
        "thread 1",
        "holds mutex A",
        "holds mutex B",
        "exercises/deadlock/src/transfer.rs:",
    ] {
        assert!(output.contains(needle), "{needle} is not in:\n{output}");
    }
    assert!(!output.contains("<script"), "{output}");
    // Every other output stays text.
    for test in tests.iter().filter(|t| !t["output_format"].is_null()) {
        assert!(
            test["output"]
                .as_str()
                .is_some_and(|o| o.contains("found by the model checker")),
            "{test:#}"
        );
    }
}
