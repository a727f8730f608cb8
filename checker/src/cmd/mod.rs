//! One module per verb. Each returns `Ok(true)` when everything it graded passed, `Ok(false)`
//! when something failed (a grade, not an error), and `Err` only when the tool itself could not
//! do its job.

pub mod check;
pub mod hint;
pub mod list;
pub mod status;
pub mod verify;

use crate::grade::Options;

/// Progress feedback for long runs: a counter on stderr, only on a terminal.
pub fn options(jobs: Option<usize>, verbose: bool) -> Options<'static> {
    use std::io::IsTerminal;
    let jobs = jobs.unwrap_or_else(|| {
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(2)
    });
    let on_test: &'static (dyn Fn(usize, usize) + Sync) = if std::io::stderr().is_terminal() {
        &|done, total| {
            eprint!("\r  running tests {done}/{total} ");
            if done == total {
                eprint!("\r\x1b[K");
            }
        }
    } else {
        &|_, _| {}
    };
    Options {
        jobs,
        verbose,
        on_test,
    }
}
