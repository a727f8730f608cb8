//! Verdicts for model-checked tests: a model checker (loom) reports a failing interleaving by
//! panicking; this turns its report into a message a student can act on.

use std::any::Any;
use std::cell::{Cell, RefCell};
use std::panic::{self, AssertUnwindSafe};
use std::sync::Once;
use std::time::Instant;

use super::smallest::{self, Explorer, Smallest};
use super::timeline;
use super::trace::{self, Trace};
use crate::{test_timeout, within};

/// How a verdict says where it comes from (after the finding, so the first line names the concept).
const FOUND: &str =
    "(found by the model checker, which runs the test under every interleaving of its threads)";

/// How the verdict for a deadlock begins; the checker finds it in a test's output by this.
pub const DEADLOCK: &str = "deadlock: every thread is blocked";

/// How the verdict's line naming the picture of the failing run begins (the path follows).
pub const PICTURE: &str = "picture of the failing run: ";

/// The prefix of loom's deadlock report.
const LOOM_DEADLOCK: &str = "deadlock; threads = ";

/// What the verdict of a model check needs beyond its hint.
struct Check {
    /// The test's name (the body's thread is named after it), for the picture's file.
    test: String,
    /// How to explore the body again with fewer preemptions, and the bound of the first
    /// exploration.
    smaller: Option<(Explorer, usize)>,
    started: Instant,
}

thread_local! {
    /// The hint of the model check running on this thread (loom runs every modelled thread as
    /// a coroutine on the thread that called it), if any.
    static HINT: Cell<Option<&'static str>> = const { Cell::new(None) };
    /// Whether loom reported a deadlock on this thread: the panics that follow are its own
    /// clean-up failing, not news.
    static DEADLOCKED: Cell<bool> = const { Cell::new(false) };
    /// The model check running on this thread.
    static CHECK: RefCell<Option<Check>> = const { RefCell::new(None) };
    /// The verdict the panic hook already gave (a deadlock's), for the test's own panic.
    static GIVEN: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Runs `explore` (a call into the model checker that runs a test body under every
/// interleaving) bounded by [`within`]. If the checker finds a failing interleaving, the test
/// fails with the checker's finding, deadlocks spelled out thread by thread, followed by `hint`,
/// which names the concept, and the failing interleaving step by step (and as a picture) if the
/// test body used the recording primitives of [`super::sync`].
pub fn model_check(hint: &'static str, explore: impl FnOnce() + Send + 'static) {
    run(hint, None, explore);
}

/// [`model_check`] of `explorer` with up to `bound` preemptions; if it fails, the verdict shows
/// the smallest failing schedule (see [`smallest`]).
#[cfg_attr(not(feature = "model"), allow(dead_code))]
pub(super) fn model_check_smallest(hint: &'static str, explorer: Explorer, bound: usize) {
    let first = {
        let explorer = explorer.clone();
        move || explorer(bound, None)
    };
    run(hint, Some((explorer, bound)), first);
}

fn run(
    hint: &'static str,
    smaller: Option<(Explorer, usize)>,
    explore: impl FnOnce() + Send + 'static,
) {
    install_deadlock_reporter();
    within(move || {
        let test = std::thread::current()
            .name()
            .unwrap_or("model-check")
            .to_owned();
        HINT.set(Some(hint));
        DEADLOCKED.set(false);
        GIVEN.set(None);
        CHECK.set(Some(Check {
            test,
            smaller,
            started: Instant::now(),
        }));
        let outcome = panic::catch_unwind(AssertUnwindSafe(explore));
        HINT.set(None);
        let check = CHECK.take();
        if let Err(payload) = outcome {
            let text = GIVEN.take().unwrap_or_else(|| {
                conclude(message(payload.as_ref()), trace::snapshot(), hint, check)
            });
            panic!("{text}");
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
            let text = message(info.payload());
            let deadlock = text.starts_with(LOOM_DEADLOCK);
            // A search for a smaller failing schedule keeps its failures to itself.
            if smallest::on_panic(text, deadlock) {
                return;
            }
            if let Some(hint) = HINT.get() {
                if deadlock && !DEADLOCKED.get() {
                    DEADLOCKED.set(true);
                    let verdict = conclude(text, trace::snapshot(), hint, CHECK.take());
                    eprintln!("{verdict}");
                    GIVEN.set(Some(verdict));
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

/// The whole verdict of a failed check: the finding, the hint, the smallest failing schedule,
/// the picture's path, and the steps that led there (as a list and as lanes). The hint comes
/// from the mistake the steps show when one is recognised; `hint`, the test's own, otherwise.
fn conclude(message: &str, trace: Option<Trace>, hint: &str, check: Option<Check>) -> String {
    let mut message = message.to_owned();
    let mut trace = trace.filter(|t| !t.steps.is_empty());
    let mut test = String::from("model-check");
    let mut smallest = None;
    if let Some(check) = check {
        test = check.test;
        if let Some((explorer, bound)) = check.smaller {
            // Half the test's time limit, the first exploration included: the rest is left for
            // the verdict and for a slow machine.
            let budget = (test_timeout() / 2).saturating_sub(check.started.elapsed());
            let wanted = smallest::Wanted::like(&message, trace.as_ref());
            let found = smallest::search(explorer, bound, budget, wanted);
            if let Smallest::Found {
                failure: Some(failure),
                ..
            } = &found
            {
                message = failure.message.clone();
                trace = failure.trace.clone().filter(|t| !t.steps.is_empty());
            }
            smallest = Some(found);
        }
    }
    // What the steps show comes first; the test's own hint follows, since a heuristic reading
    // of the steps can name a symptom (a notification nobody heard) of another mistake.
    let hint = match trace.as_ref().and_then(Trace::diagnose) {
        Some(finding) => format!("{}\n  → what this test checks: {hint}", finding.hint()),
        None => hint.to_owned(),
    };
    let mut head = format!("{}\n  → {hint}\n  {FOUND}", explain(&message));
    let mut switches = Vec::new();
    if let Some(found) = &smallest {
        let steps = trace.as_ref().map_or(&[][..], |t| &t.steps[..]);
        head.push_str("\n  ");
        head.push_str(&smallest::describe(found, steps));
        switches = smallest::switches(steps);
        if let Smallest::Found { bound, .. } = found {
            switches.truncate(*bound);
        }
    }
    let Some(trace) = trace else {
        return head;
    };
    let steps = indent(trace.render());
    let lanes = indent(timeline::lanes(&trace));
    let marks = timeline::Marks { switches };
    let page = timeline::html(&test, &format!("{head}{steps}"), &trace, &marks);
    let picture = match timeline::write(&timeline::directory(), &test, &page) {
        Ok(path) => format!("\n  {PICTURE}{}", path.display()),
        Err(err) => format!("\n  (no picture of the failing run: {err})"),
    };
    format!("{head}{picture}{steps}{lanes}")
}

/// Each line of `text` on a line of its own, indented under the verdict's first line.
fn indent(text: Option<String>) -> String {
    let mut out = String::new();
    for line in text.iter().flat_map(|t| t.lines()) {
        out.push_str("\n  ");
        out.push_str(line);
    }
    out
}

/// The text of a panic payload.
pub(super) fn message(payload: &(dyn Any + Send)) -> &str {
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
