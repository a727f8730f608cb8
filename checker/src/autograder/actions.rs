//! `cargo checker autograder actions`: a GitHub Actions workflow for students' repositories.
//!
//! The workflow (`checker.yml` beside this file, shipped as is) installs Rust with
//! `dtolnay/rust-toolchain`, restores and saves `target/` and cargo's downloads with
//! `actions/cache/restore` and `actions/cache/save` (the plain cache action saves only when the
//! job succeeds, and this job fails until every exercise passes), runs
//! `cargo checker check --all --format junit --output checker-report.xml` (allowed to fail),
//! uploads the report as the artifact `checker-report`, writes the totals and a table per
//! exercise to `$GITHUB_STEP_SUMMARY`, and fails the job when the grading step failed.

use std::path::Path;

use anyhow::{Context, Result};

/// The workflow, as written.
pub const WORKFLOW: &str = include_str!("checker.yml");

pub fn run(output: Option<&Path>) -> Result<bool> {
    match output {
        None => print!("{WORKFLOW}"),
        Some(path) => {
            if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
                std::fs::create_dir_all(parent)
                    .with_context(|| format!("cannot create {}", parent.display()))?;
            }
            std::fs::write(path, WORKFLOW)
                .with_context(|| format!("cannot write {}", path.display()))?;
            eprintln!(
                "wrote {}: commit it to the repository, and every push is graded",
                path.display()
            );
        }
    }
    Ok(true)
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::WORKFLOW;
    use crate::cli::{Cli, Command};

    /// Every `cargo checker ...` line of the workflow's scripts.
    fn checker_commands() -> Vec<Vec<String>> {
        WORKFLOW
            .lines()
            .map(|line| line.trim_start().trim_start_matches("run:").trim())
            .filter(|line| line.starts_with("cargo checker "))
            .map(|line| line.split_whitespace().skip(1).map(str::to_owned).collect())
            .collect()
    }

    #[test]
    fn the_workflow_grades_with_a_command_the_cli_accepts() {
        let commands = checker_commands();
        assert_eq!(commands.len(), 1, "one grading command: {commands:?}");
        for args in &commands {
            let parsed = Cli::try_parse_from(args.iter().map(String::as_str))
                .unwrap_or_else(|e| panic!("`{}` does not parse:\n{e}", args.join(" ")));
            let Some(Command::Check {
                all,
                format,
                output,
                ..
            }) = parsed.command
            else {
                panic!("`{}` is not `check`", args.join(" "));
            };
            assert!(all);
            assert_eq!(format, Some(crate::report::Format::Junit));
            assert_eq!(output.as_deref(), Some("checker-report.xml".as_ref()));
        }
    }
}
