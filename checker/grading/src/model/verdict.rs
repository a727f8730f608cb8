//! Verdicts for model-checked tests: a model checker (loom) reports a failing interleaving by
//! panicking; this turns its report into a message a student can act on.

use std::any::Any;
use std::cell::Cell;
use std::panic::{self, AssertUnwindSafe};
use std::sync::Once;

use super::trace;
use crate::within;

/// How a verdict says where it comes from (after the finding, so the first line names the concept).
const FOUND: &str =
    "(found by the model checker, which runs the test under every interleaving of its threads)";

/// How the verdict for a deadlock begins; the checker finds it in a test's output by this.
pub const DEADLOCK: &str = "deadlock: every thread is blocked";

/// The prefix of loom's deadlock report.
const LOOM_DEADLOCK: &str = "deadlock; threads = ";

thread_local! {
    /// The hint of the model check running on this thread (loom runs every modelled thread as
    /// a coroutine on the thread that called it), if any.
    static HINT: Cell<Option<&'static str>> = const { Cell::new(None) };
    /// Whether loom reported a deadlock on this thread: the panics that follow are its own
    /// clean-up failing, not news.
    static DEADLOCKED: Cell<bool> = const { Cell::new(false) };
}

/// Runs `explore` (a call into the model checker that runs a test body under every
/// interleaving) bounded by [`within`]. If the checker finds a failing interleaving, the test
/// fails with the checker's finding, deadlocks spelled out thread by thread, followed by `hint`,
/// which names the concept, and the failing interleaving step by step if the test body used
/// the recording primitives of [`super::sync`].
pub fn model_check(hint: &'static str, explore: impl FnOnce() + Send + 'static) {
    install_deadlock_reporter();
    within(move || {
        HINT.set(Some(hint));
        DEADLOCKED.set(false);
        let outcome = panic::catch_unwind(AssertUnwindSafe(explore));
        HINT.set(None);
        if let Err(payload) = outcome {
            panic!("{}", verdict(payload.as_ref(), hint));
        }
    });
}

/// Reports loom's deadlocks as soon as they are found, from the panic hook. Loom cannot always
/// unwind a deadlocked execution (a lock guard's clean-up panics again, and the process aborts),
/// so by the time [`model_check`] would see the panic, there may be no process left to say it.
fn install_deadlock_reporter() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if let Some(hint) = HINT.get() {
                if message(info.payload()).starts_with(LOOM_DEADLOCK) {
                    DEADLOCKED.set(true);
                    eprintln!("{}", verdict(info.payload(), hint));
                    return;
                }
                if DEADLOCKED.get() {
                    return;
                }
            }
            previous(info);
        }));
    });
}

/// The whole verdict: the finding, the hint, and the steps that led there. The hint comes from
/// the mistake the steps show when one is recognised; `hint`, the test's own, otherwise.
fn verdict(payload: &(dyn Any + Send), hint: &str) -> String {
    let hint = trace::diagnose()
        .map(|finding| finding.hint())
        .unwrap_or_else(|| hint.to_owned());
    let mut text = format!("{}\n  → {hint}\n  {FOUND}", explain(payload));
    if let Some(steps) = trace::render() {
        for line in steps.lines() {
            text.push_str("\n  ");
            text.push_str(line);
        }
    }
    text
}

/// The text of a panic payload.
fn message(payload: &(dyn Any + Send)) -> &str {
    payload
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| payload.downcast_ref::<&str>().copied())
        .unwrap_or("a thread panicked")
}

/// The checker's message, with loom's deadlock report (`deadlock; threads = [(Id(0),
/// Blocked(Location(...))), ...]`) rewritten as one line per thread and where it waits.
fn explain(payload: &(dyn Any + Send)) -> String {
    let message = message(payload);
    if message.starts_with("Model exceeded maximum number of branches") {
        return "no progress: the threads keep running without any of them getting anywhere \
                (threads spinning forever, each waiting for what another holds: a livelock, or \
                a deadlock of spinning threads)"
            .to_owned();
    }
    let Some(threads) = message.strip_prefix(LOOM_DEADLOCK) else {
        return message.trim_end().to_owned();
    };
    let mut out = format!(
        "{DEADLOCK}, each waiting for a lock or a condition that another blocked thread should \
         release:"
    );
    for entry in threads.split("(Id(").skip(1) {
        let id = entry.split(')').next().unwrap_or("?");
        let who = if id == "0" {
            format!("thread {id} (the test)")
        } else {
            format!("thread {id}")
        };
        let state = if entry.contains("Blocked") {
            match (
                field(entry, "file: \"", '"'),
                field(entry, "line: ", ','),
                field(entry, "column: ", ' '),
            ) {
                (Some(file), Some(line), Some(column)) => {
                    format!("blocked at {file}:{line}:{column}")
                }
                _ => "blocked".to_owned(),
            }
        } else if entry.contains("Terminated") {
            "finished".to_owned()
        } else {
            "not blocked".to_owned()
        };
        out.push_str(&format!("\n    {who}: {state}"));
    }
    out
}

/// The text after `key` up to `end`.
fn field<'a>(text: &'a str, key: &str, end: char) -> Option<&'a str> {
    let start = text.find(key)? + key.len();
    let rest = &text[start..];
    Some(&rest[..rest.find(end)?])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spells_out_a_loom_deadlock() {
        let report = "deadlock; threads = [(Id(0), Blocked(Location(Some(Location { file: \"src/a.rs\", \
                      line: 4, column: 9 })))), (Id(1), Terminated), (Id(2), Blocked(Location(Some(\
                      Location { file: \"src/b.rs\", line: 7, column: 2 }))))]";
        let text = explain(&report.to_owned());
        assert!(
            text.starts_with("deadlock: every thread is blocked"),
            "{text}"
        );
        assert!(
            text.contains("thread 0 (the test): blocked at src/a.rs:4:9"),
            "{text}"
        );
        assert!(text.contains("thread 1: finished"), "{text}");
        assert!(text.contains("thread 2: blocked at src/b.rs:7:2"), "{text}");
    }

    #[test]
    fn keeps_other_failures_and_adds_the_hint() {
        let err = panic::catch_unwind(|| model_check("lost update: hint", || panic!("count is 1")))
            .expect_err("the exploration failed");
        let text = err.downcast_ref::<String>().unwrap();
        assert!(
            text.starts_with("count is 1\n  → lost update: hint\n"),
            "{text}"
        );
        assert!(text.contains("model checker"), "{text}");
    }
}
