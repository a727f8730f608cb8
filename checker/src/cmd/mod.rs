//! One module per verb. Each returns `Ok(true)` when everything it graded passed, `Ok(false)`
//! when something failed (a grade, not an error), and `Err` only when the tool itself could not
//! do its job.

pub mod check;
pub mod hint;
pub mod list;
pub mod mutants;
pub mod pristine;
pub mod reset;
pub mod skip;
pub mod status;
pub mod verify;
pub mod watch;

use crate::grade::Options;

/// Progress feedback for long runs: a bar on stderr, only on a terminal (indicatif hides it
/// elsewhere, and the callback is not even set up).
pub fn options(jobs: Option<usize>, verbose: bool) -> Options<'static> {
    use std::io::IsTerminal;
    // Two tests per CPU: most grading time is tests waiting (for a rendezvous, a child, a
    // timeout that proves a deadlock), not computing. Measured on 2 CPUs, the wrong-solution
    // pass of `verify` took 113 s at 2 at a time and 40 s at 6, with the same verdicts.
    let jobs = jobs.unwrap_or_else(|| {
        2 * std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(2)
    });
    let on_test: &'static (dyn Fn(usize, usize) + Sync) = if std::io::stderr().is_terminal() {
        &test_bar
    } else {
        &|_, _| {}
    };
    Options {
        jobs,
        verbose,
        on_test,
        fail_fast: false,
    }
}

/// One bar per grading pass. Tests finish on several threads, so their reports may arrive
/// out of order: the bar counts reports, and clears itself when a pass's last one arrives.
fn test_bar(_done: usize, total: usize) {
    use indicatif::{ProgressBar, ProgressStyle};
    static BAR: std::sync::Mutex<Option<(ProgressBar, usize)>> = std::sync::Mutex::new(None);
    let mut slot = BAR.lock().unwrap_or_else(|e| e.into_inner());
    let (bar, seen) = slot.get_or_insert_with(|| {
        let bar = ProgressBar::new(total as u64);
        if let Ok(style) =
            ProgressStyle::with_template("  running tests [{bar:30}] {pos}/{len} {elapsed}")
        {
            bar.set_style(style.progress_chars("=> "));
        }
        (bar, 0)
    });
    *seen += 1;
    bar.set_position(*seen as u64);
    if *seen >= total {
        bar.finish_and_clear();
        *slot = None;
    }
}
