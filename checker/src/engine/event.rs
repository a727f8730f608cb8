//! What the engine tells its reporters as it goes: the engine never prints; a verb chooses who
//! listens (a progress bar on a terminal, `--verbose` timings, nothing in a machine report).

use std::time::Duration;

/// One step of a grading run.
#[derive(Debug, Clone)]
pub enum Event {
    /// A pass (one cargo build) starts: its number, how many passes, how many packages.
    Building {
        pass: usize,
        passes: usize,
        packages: usize,
    },
    /// The pass is built.
    Built { packages: usize, took: Duration },
    /// A test finished: `done` of `total` in this pass.
    Tested { done: usize, total: usize },
    /// Every test of the pass ran, `jobs` at a time.
    Ran {
        tests: usize,
        jobs: usize,
        took: Duration,
    },
}

/// Who listens: called from the engine's threads, in the order events happen.
pub type Reporter<'a> = &'a (dyn Fn(&Event) + Sync);

/// A reporter that ignores everything.
pub fn silent(_: &Event) {}

/// `--verbose`: how long building and running took, on stderr.
pub fn timings(event: &Event) {
    match event {
        Event::Building {
            pass,
            passes,
            packages,
        } => eprintln!("checker: building pass {pass} of {passes}: {packages} packages"),
        Event::Built { packages, took } => eprintln!(
            "checker: built {packages} packages in {:.1} s",
            took.as_secs_f64()
        ),
        Event::Ran { tests, jobs, took } => eprintln!(
            "checker: ran {tests} tests, {jobs} at a time, in {:.1} s",
            took.as_secs_f64()
        ),
        _ => {}
    }
}
