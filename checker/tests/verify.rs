//! The kit's proof, as `cargo test` runs it: on the real kit, every reference solution passes
//! its suite, every stub fails every test, and every catalogued wrong solution is rejected
//! with a verdict that names its mistake.

mod common;

#[test]
fn every_solution_passes_every_stub_fails_every_mistake_is_caught() {
    let output = common::checker_in(&common::real_root())
        .args(["verify", "--json"])
        .output()
        .unwrap();
    let report = common::json(&output);
    let problems = report["problems"].as_array().unwrap();
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
}
