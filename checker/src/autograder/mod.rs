//! `cargo checker autograder ...`: grading at scale, on engines that exist.
//!
//! - `gradescope OUT.zip` writes a Gradescope autograder ([`bundle`]): `setup.sh` and
//!   `run_autograder` at the zip's root, beside the kit's sources. Gradescope builds one image
//!   from it (running `setup.sh` once) and grades each submission in a fresh container of that
//!   image (running `run_autograder`, which calls `autograder run` below).
//! - `actions` writes a GitHub Actions workflow for students' own repositories ([`actions`]).
//! - `run` (hidden) is the per-submission step inside Gradescope's container ([`run`]): take
//!   the exercise files of `/autograder/submission`, grade them, write
//!   `/autograder/results/results.json`.
//!
//! GitHub Classroom, which `check --format classroom` reported to, was retired on 2026-08-28;
//! these two paths replace it.

mod actions;
mod bundle;
mod run;
mod submission;

use std::path::PathBuf;

use anyhow::Result;
use clap::Subcommand;

use crate::engine::Options;
use crate::kit::Kit;

/// The autograder's verbs.
#[derive(Debug, Subcommand)]
pub enum Target {
    /// Write a Gradescope autograder: a zip of setup.sh, run_autograder and the kit's sources,
    /// to upload on the assignment's "Configure Autograder" page.
    Gradescope {
        /// The zip to write, e.g. autograder.zip.
        out: PathBuf,
        /// Grade only this topic or exercise (one Gradescope assignment per topic).
        #[arg(long, value_name = "NAME")]
        only: Option<String>,
    },
    /// Write a GitHub Actions workflow that grades a student's repository on every push and
    /// fails while a test fails (save it as .github/workflows/checker.yml).
    Actions {
        /// Write the workflow to FILE instead of stdout.
        #[arg(long, value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// Internal: grade the submission in $AUTOGRADER_ROOT/submission (default /autograder) and
    /// write $AUTOGRADER_ROOT/results/results.json; only in $AUTOGRADER_ROOT/source.
    #[command(hide = true)]
    Run {
        /// Grade only this topic or exercise.
        #[arg(long, value_name = "NAME")]
        only: Option<String>,
    },
}

/// Runs one verb; `run` grades, under the sandbox's supervision as every grading verb.
pub fn run(kit: &Kit, target: &Target, options: &Options) -> Result<bool> {
    match target {
        Target::Gradescope { out, only } => bundle::run(kit, out, only.as_deref()),
        Target::Actions { output } => actions::run(output.as_deref()),
        Target::Run { only } => {
            crate::sandbox::supervised(|| run::run(kit, only.as_deref(), options))
        }
    }
}
