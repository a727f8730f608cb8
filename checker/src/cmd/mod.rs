//! One module per verb. Each returns `Ok(true)` when everything it graded passed, `Ok(false)`
//! when something failed (a grade, not an error), and `Err` only when the tool itself could not
//! do its job.

pub mod check;
pub mod hint;
pub mod list;
pub mod mutants;
pub mod pristine;
pub mod read;
pub mod repeat;
pub mod reset;
pub mod skip;
pub mod status;
pub mod verify;
pub mod watch;

use crate::engine::Options;
use crate::engine::event::{self, Event};

/// How to grade for a verb: `jobs` tests at once (default: six per CPU), and a reporter that
/// shows a progress bar on a terminal and, with `--verbose`, how long each stage took.
pub fn options(jobs: Option<usize>, verbose: bool) -> Options<'static> {
    use std::io::IsTerminal;
    // Six tests per CPU: most grading time is tests waiting (for a rendezvous, a child, a
    // timeout that proves a hang), not computing. Measured on 2 CPUs, `verify` burned about
    // 40 s of CPU in 150 s at 4 tests at a time and held, with the same verdicts, in 42 s at 12.
    // Later, with every test sandboxed: 39 s at 12, 31 s at 24 — but at 24 (a load average near
    // 30) a test that must reach a limit within its time sometimes timed out first, so not more.
    let jobs = jobs.unwrap_or_else(|| {
        6 * std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(2)
    });
    let reporter: crate::engine::Reporter<'static> =
        match (std::io::stderr().is_terminal(), verbose) {
            (true, true) => &|e| {
                bar(e);
                event::timings(e);
            },
            (true, false) => &bar,
            (false, true) => &event::timings,
            (false, false) => &event::silent,
        };
    Options {
        jobs,
        verbose,
        reporter,
        stop: crate::engine::Stop::Never,
    }
}

/// A spinner while a pass builds, then one bar per pass's tests. Tests finish on several
/// threads, so their reports may arrive out of order: the bar shows the most done so far, and
/// clears itself at the pass's last test.
fn bar(event: &Event) {
    use indicatif::{ProgressBar, ProgressStyle};
    static BAR: std::sync::Mutex<Option<(ProgressBar, usize)>> = std::sync::Mutex::new(None);
    static SPINNER: std::sync::Mutex<Option<ProgressBar>> = std::sync::Mutex::new(None);
    let (done, total) = match *event {
        Event::Building {
            pass,
            passes,
            packages,
        } => {
            let spinner = ProgressBar::new_spinner();
            let step = if passes > 1 {
                format!(" (step {pass} of {passes})")
            } else {
                String::new()
            };
            spinner.set_message(format!(
                "building {packages} package{}{step} ...",
                if packages == 1 { "" } else { "s" }
            ));
            spinner.enable_steady_tick(std::time::Duration::from_millis(120));
            *SPINNER.lock().unwrap_or_else(|e| e.into_inner()) = Some(spinner);
            return;
        }
        Event::Built { .. } => {
            if let Some(spinner) = SPINNER.lock().unwrap_or_else(|e| e.into_inner()).take() {
                spinner.finish_and_clear();
            }
            return;
        }
        Event::Tested { done, total } => (done, total),
        Event::Ran { .. } => return,
    };
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
    *seen = (*seen).max(done);
    bar.set_position(*seen as u64);
    if *seen >= total {
        bar.finish_and_clear();
        *slot = None;
    }
}
