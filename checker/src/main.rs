//! `cargo checker`: the concurrency kit's grader.
//!
//! Students: progress, `check`, `hint`, `list`. Instructors: `verify`. The checker builds the
//! exercises with cargo, runs each test in a sandboxed process (its own process group, bounded
//! in time and in processes, swept clean afterwards) and turns what the tests say into a
//! verdict naming the file, the line and the concept.

mod autograder;
mod catalog;
mod cgroup;
mod cli;
mod cmd;
mod dev;
mod engine;
mod kit;
mod known;
mod layout;
mod libtest;
mod mutants;
mod pristine;
mod procs;
mod progress;
mod recover;
mod render;
mod report;
mod sandbox;
mod style;

use std::process::ExitCode;

use anyhow::Result;
use clap::Parser;

use cli::{Cli, Command};
use kit::Kit;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = run(cli);
    sandbox::halt_if_interrupted();
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::from(2)
        }
    }
}

fn run(cli: Cli) -> Result<bool> {
    if let Some(Command::Sandbox { spec }) = &cli.command {
        let spec: sandbox::Spec = serde_json::from_str(spec)?;
        sandbox::run(&spec)?;
        return Ok(true);
    }
    let kit = Kit::locate(cli.root.as_deref(), &std::env::current_dir()?)?;
    let options = cmd::options(cli.jobs, cli.verbose);
    let graded = |f: &dyn Fn() -> Result<bool>| sandbox::supervised(f);
    match &cli.command {
        None => cmd::status::run(&kit, &options),
        Some(Command::List) => cmd::list::run(&kit, &options),
        Some(Command::Read { name }) => cmd::read::run(&kit, name.as_deref(), &options),
        Some(Command::Hint { name, more }) => cmd::hint::run(&kit, name, *more, &options),
        Some(Command::Watch { poll, manual }) => cmd::watch::run(&kit, *poll, *manual, &options),
        Some(Command::Reset { name, yes }) => cmd::reset::run(&kit, name, *yes, &options),
        Some(Command::Skip { name }) => cmd::skip::run(&kit, name, &options),
        Some(Command::Pristine { write }) => cmd::pristine::run(&kit, *write),
        Some(Command::Check {
            name,
            all,
            format,
            json,
            output,
            repeat,
        }) => {
            let format = if *json {
                Some(report::Format::Json)
            } else {
                *format
            };
            let output = output.as_deref();
            graded(&|| {
                cmd::check::run(
                    &kit,
                    name.as_deref(),
                    *all,
                    format,
                    output,
                    *repeat,
                    &options,
                )
            })
        }
        Some(Command::Mutants {
            name,
            all,
            list,
            json,
            record,
            repeat,
            kinds,
        }) => {
            let request = cmd::mutants::Request {
                name: name.as_deref(),
                all: *all,
                list: *list,
                json: *json,
                record: *record,
                repeat: *repeat,
                genres: kinds,
            };
            graded(&|| cmd::mutants::run(&kit, &request, &options))
        }
        Some(Command::Lint) => dev::lint::run(&kit),
        Some(Command::New { topic, name }) => dev::new::run(&kit, topic, name),
        Some(Command::Grade { dir, only, out }) => {
            graded(&|| dev::class::run(&kit, dir, only.as_deref(), out.as_deref(), &options))
        }
        Some(Command::Verify { name, json, repeat }) => {
            graded(&|| cmd::verify::run(&kit, name.as_deref(), *json, *repeat, &options))
        }
        Some(Command::Autograder { target }) => autograder::run(&kit, target, &options),
        Some(Command::Sandbox { .. }) => unreachable!("handled above"),
    }
}
