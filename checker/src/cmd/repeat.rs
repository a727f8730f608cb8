//! `cargo checker check NAME --repeat N`: grade the same work N times and show, per test, how
//! often it failed — the stress table of a distributed-systems course. A race that fails one
//! run in twenty is real: this is how a student sees it, and sees it go to zero once fixed.

use std::collections::BTreeMap;

use anstream::println;
use anyhow::Result;

use crate::engine::{self, Candidate, Options, TestStatus};
use crate::kit::Kit;

pub fn run(kit: &Kit, candidates: &[Candidate], runs: usize, options: &Options) -> Result<bool> {
    // test name → (failures, runs it ran in, the first failure's first line)
    let mut table: BTreeMap<(String, String), (usize, usize, String)> = BTreeMap::new();
    let mut order: Vec<(String, String)> = Vec::new();
    for round in 1..=runs {
        eprintln!("run {round} of {runs} ...");
        for graded in engine::grade(kit, candidates, options)? {
            for test in &graded.tests {
                let key = (graded.exercise.name.clone(), test.name.clone());
                if !table.contains_key(&key) {
                    order.push(key.clone());
                }
                let row = table.entry(key).or_default();
                row.1 += 1;
                if test.status != TestStatus::Passed {
                    row.0 += 1;
                    if row.2.is_empty() {
                        row.2 = test.message.lines().next().unwrap_or_default().to_owned();
                    }
                }
            }
            if !graded.compile_errors.is_empty() {
                println!(
                    "{} does not compile: run `cargo checker check {}`",
                    graded.exercise.name, graded.exercise.name
                );
                return Ok(false);
            }
        }
    }
    let width = order.iter().map(|(_, t)| t.len()).max().unwrap_or(4).max(4);
    println!("\n{:width$}  failed    rate", "test");
    let mut steady = true;
    for key in &order {
        let (failed, ran, first) = &table[key];
        let rate = *failed as f64 / (*ran).max(1) as f64 * 100.0;
        let mark = match failed {
            0 => crate::style::good("✓"),
            f if f == ran => crate::style::bad("✗"),
            _ => crate::style::bad("~"),
        };
        println!(
            "{:width$}  {failed:>3}/{ran:<3} {rate:>5.0} %  {mark}",
            key.1
        );
        if *failed > 0 {
            steady = false;
            println!("{:width$}  first failure: {first}", "");
        }
    }
    let flaky = order
        .iter()
        .filter(|k| table[*k].0 > 0 && table[*k].0 < table[*k].1)
        .count();
    if flaky > 0 {
        println!(
            "\n{flaky} test(s) failed on some runs and passed on others: a race or an ordering \
             your code leaves to chance. Each failure is real; fix it until the rate is 0."
        );
    }
    Ok(steady)
}
