//! The command line: verbs and options.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::report::Format;

/// Grades the concurrency kit's exercises. With no verb: your progress and what to do next.
#[derive(Debug, Parser)]
#[command(name = "cargo checker", bin_name = "cargo checker", version, about, after_help = EXIT_CODES)]
pub struct Cli {
    /// The kit's folder (default: found from the current folder upwards).
    #[arg(long, global = true, value_name = "DIR")]
    pub root: Option<PathBuf>,
    /// Tests to run at once (default: six per CPU; most of a test is waiting, not computing).
    #[arg(short, long, global = true, value_name = "N")]
    pub jobs: Option<usize>,
    /// Show cargo's build output even when it is not a terminal.
    #[arg(short, long, global = true)]
    pub verbose: bool,
    #[command(subcommand)]
    pub command: Option<Command>,
}

const EXIT_CODES: &str =
    "Exit codes: 0 everything passed, 1 something failed, 2 usage or environment error.";

#[derive(Debug, Subcommand)]
pub enum Command {
    /// List every exercise, in teaching order, with its status.
    List,
    /// Grade an exercise, a whole topic, or everything.
    Check {
        /// An exercise or a topic name (default: the next exercise to do).
        name: Option<String>,
        /// Grade every exercise.
        #[arg(long, conflicts_with = "name")]
        all: bool,
        /// Print the result for a machine instead of a person.
        #[arg(long, value_enum, value_name = "FORMAT")]
        format: Option<Format>,
        /// Print the result as JSON (same as `--format json`).
        #[arg(long, conflicts_with = "format")]
        json: bool,
        /// Write the formatted result to FILE instead of stdout.
        #[arg(long, value_name = "FILE")]
        output: Option<PathBuf>,
        /// Grade N times and show how often each test failed (is a race real?).
        #[arg(long, value_name = "N", default_value_t = 1, conflicts_with_all = ["format", "json", "output"])]
        repeat: usize,
    },
    /// Read a topic's chapter of the book in the terminal (default: the next exercise's).
    Read {
        /// A topic or an exercise.
        name: Option<String>,
    },
    /// Show a hint for an exercise, one level at a time.
    Hint {
        name: String,
        /// Reveal the next hint.
        #[arg(long)]
        more: bool,
    },
    /// Check the current exercise again at every save, and move on when it passes.
    Watch {
        /// Look for changes every second instead of waiting for file events (network drives,
        /// WSL mounts, containers; the watcher falls back to this by itself when events do
        /// not arrive).
        #[arg(long)]
        poll: bool,
        /// Do not watch files: press Enter to re-check.
        #[arg(long, conflicts_with = "poll")]
        manual: bool,
    },
    /// Put an exercise's file back as the kit ships it (your version is kept aside).
    Reset {
        name: String,
        /// Do not ask for confirmation (required without a terminal).
        #[arg(short, long)]
        yes: bool,
    },
    /// Set an exercise (or a topic) aside so progress moves on; it does not count as done.
    Skip { name: String },
    /// Instructors: check that checker/pristine/ holds every stub as shipped (what `reset`
    /// restores); --write refreshes it from exercises/.
    Pristine {
        #[arg(long)]
        write: bool,
    },
    /// Instructors: prove that every solution passes, every stub fails and every catalogued
    /// wrong solution is rejected with a message that names its mistake.
    Verify {
        /// An exercise or a topic (default: everything).
        name: Option<String>,
        /// Print the result as JSON.
        #[arg(long)]
        json: bool,
        /// Grade everything N times and report any test whose verdict changed (flakiness).
        #[arg(long, value_name = "N", default_value_t = 1)]
        repeat: usize,
    },
    /// Instructors: mutation testing — grade small mistakes made on purpose in the reference
    /// solutions; a mutant that passes every test shows a promise no test checks.
    Mutants {
        /// An exercise or a topic.
        #[arg(required_unless_present = "all")]
        name: Option<String>,
        /// Every exercise.
        #[arg(long, conflicts_with = "name")]
        all: bool,
        /// List the mutants without grading them.
        #[arg(long)]
        list: bool,
        /// Print the result as JSON.
        #[arg(long)]
        json: bool,
        /// Record the scores in the kit (checker/mutation-scores.json, which `verify --json`
        /// publishes, and the instructors' chapter docs/src/mutation-scores.md).
        #[arg(long, conflicts_with = "list")]
        record: bool,
        /// Grade every mutant N times: a mutant killed on some runs only is reported (a kill
        /// must be forced by a test, never luck).
        #[arg(long, value_name = "N", default_value_t = 1)]
        repeat: usize,
        /// Only these kinds of mutation (repeatable): ordering, atomicity, join, guard-scope, lock-order,
        /// notify, wait-loop, try-lock, cleanup, exit, parallel, await, blocking, yield, body,
        /// compare, arithmetic, logic.
        #[arg(long = "kind", value_name = "KIND", value_parser = parse_genre)]
        kinds: Vec<crate::mutants::Genre>,
    },
    /// Instructors: check that the catalogue is consistent (files, hints, docs, wrong solutions).
    Lint,
    /// Instructors: scaffold a new exercise (and its topic, if new) in every place it lives.
    New {
        /// The topic (an existing one, or a new one to create).
        topic: String,
        /// The exercise's name, unique in the kit.
        name: String,
    },
    /// Instructors: grade a class — one folder per student in DIR — and write a gradebook.
    Grade {
        /// The folder of student folders.
        dir: PathBuf,
        /// Only this exercise or topic.
        #[arg(long, value_name = "NAME")]
        only: Option<String>,
        /// Where to write gradebook.csv and gradebook.json (default: DIR).
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
    },
    /// Instructors: grading at scale — a Gradescope autograder bundle, or a GitHub Actions
    /// workflow for students' own repositories.
    Autograder {
        #[command(subcommand)]
        target: crate::autograder::Target,
    },
    /// Internal: run one test under supervision (used by the checker itself).
    #[command(name = "__sandbox", hide = true)]
    Sandbox {
        /// What to run and how (JSON), see `sandbox::Spec`.
        #[arg(long)]
        spec: String,
    },
}

fn parse_genre(text: &str) -> Result<crate::mutants::Genre, String> {
    serde_json::from_value(serde_json::Value::String(text.to_owned()))
        .map_err(|_| format!("`{text}` is not a kind of mutation"))
}
