//! The kit's proof, as `cargo test` runs it: on the real kit, every reference solution passes
//! its suite, every stub fails every test, and every catalogued wrong solution is rejected
//! with a verdict that names its mistake.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The kit: two folders up from this package.
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .expect("checker/proof is inside the kit")
        .to_path_buf()
}

#[test]
fn every_solution_passes_every_stub_fails_every_mistake_is_caught() {
    // CI sets KIT_VERIFY_REPEAT=3: the same proof, three times over, so a flaky test (a verdict
    // that changes between runs) fails the build.
    let repeat = std::env::var("KIT_VERIFY_REPEAT").unwrap_or_else(|_| "1".into());
    // The checker as `cargo checker` runs it (cargo has released its lock on `target/` while
    // tests run, and the checker is already built: it is a default member too).
    let output = Command::new(env!("CARGO"))
        .args(["run", "--quiet", "--locked", "--package", "checker", "--"])
        .args(["verify", "--json", "--repeat", &repeat])
        .current_dir(root())
        .env_remove("KIT_TARGET_DIR")
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}):\n{}\n{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    });
    let problems = report["problems"].as_array().unwrap();
    assert_eq!(
        report["ok"],
        problems.is_empty(),
        "verify's `ok` says whether the kit holds"
    );
    assert!(
        problems.is_empty() && output.status.success(),
        "the kit does not hold:\n{}",
        serde_json::to_string_pretty(problems).unwrap()
    );
    let results = report["results"].as_array().unwrap();
    let wrong = results
        .iter()
        .filter(|r| r["subject"].as_str().unwrap().starts_with("wrong:"))
        .count();
    eprintln!(
        "verify: {} graded candidates ({wrong} wrong solutions) in {} ms",
        results.len(),
        report["elapsed_ms"]
    );
    assert!(wrong > 0, "the wrong-solution catalogue is empty");

    // A mistake the model checker finds is shown as the interleaving that breaks it, step by
    // step, at the lines of the mistaken file.
    let mut shown = 0;
    for result in results
        .iter()
        .filter(|r| r["subject"].as_str().unwrap().starts_with("wrong:"))
    {
        for test in result["tests"].as_array().unwrap() {
            let message = test["message"].as_str().unwrap_or_default();
            if !message.contains("found by the model checker") {
                continue;
            }
            let steps: Vec<&str> = message
                .lines()
                .skip_while(|l| !l.contains("the interleaving that fails, step by step"))
                .skip(1)
                .take_while(|l| l.trim_start().starts_with("thread ") || l.contains(" … "))
                .collect();
            assert!(
                steps.iter().any(|l| l.contains("/src/")),
                "{} of {}: no step-by-step interleaving at the student's lines:\n{message}",
                test["name"],
                result["subject"]
            );
            shown += 1;
        }
    }
    eprintln!("verify: {shown} model-checked verdicts, each with its failing interleaving");
    assert!(
        shown > 0,
        "no wrong solution was caught by the model checker"
    );
}
