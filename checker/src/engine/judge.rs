//! Turning what a test printed (and what its sandbox saw) into a verdict a student can act on.

use serde::Serialize;

use crate::libtest::{self, Panic};

use super::Verdict;
use super::run::RawOutcome;

/// The verdict on one test.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TestStatus {
    Passed,
    Failed,
    /// The stub's `todo!()` was reached: the student has not written this part yet.
    NotImplemented,
    /// The test did not finish in time: a deadlock, a lost wake-up, an endless loop.
    TimedOut,
    /// The test process died of a signal (abort, segfault) or was killed as a fork bomb.
    Crashed,
}

/// One test's result, as every report format renders it.
#[derive(Debug, Clone, Serialize)]
pub struct TestResult {
    pub name: String,
    pub status: TestStatus,
    /// The assertion message, or what went wrong, in a sentence or two.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub message: String,
    /// `file:line:col` of the failure, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    pub duration_ms: u64,
    /// What the test printed (clipped), for failures.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub output: String,
}

const NOT_IMPLEMENTED: &str = "not yet implemented";

impl TestResult {
    pub fn passed(&self) -> bool {
        self.status == TestStatus::Passed
    }

    /// Reads a raw outcome.
    pub fn from_raw(name: &str, raw: &RawOutcome, timeout_secs: u64) -> TestResult {
        let panics = libtest::parse_panics(&raw.output);
        let (status, mut message, location) = judge(name, raw, &panics, timeout_secs);
        let leftovers = raw
            .trailer
            .as_ref()
            .map(|t| t.leftovers.as_slice())
            .unwrap_or_default();
        if status != TestStatus::Passed && !leftovers.is_empty() && !message.starts_with("left ") {
            message.push_str(&format!(
                "\nit also left {} process(es) running: {}",
                leftovers.len(),
                leftovers.join(", ")
            ));
        }
        let output = if status == TestStatus::Passed {
            String::new()
        } else {
            raw.output.trim().to_owned()
        };
        TestResult {
            name: name.to_owned(),
            status,
            message,
            location,
            duration_ms: raw.elapsed.as_millis() as u64,
            output,
        }
    }
}

/// The verdict on a candidate from its tests (`errors`: it did not build).
pub fn verdict(tests: &[TestResult], errors: bool) -> Verdict {
    if errors {
        Verdict::CompileError
    } else if tests.iter().all(TestResult::passed) {
        Verdict::Passed
    } else if tests
        .iter()
        .filter(|t| !t.passed())
        .all(|t| t.status == TestStatus::NotImplemented)
    {
        Verdict::NotStarted
    } else {
        Verdict::Failed
    }
}

/// The model checker's deadlock verdict in a test's output: its first line and every indented
/// line after it.
fn model_checker_verdict(output: &str) -> Option<String> {
    let start = output.find(grading::model::DEADLOCK)?;
    let mut lines = output[start..].lines();
    let mut verdict = lines.next()?.to_owned();
    for line in lines.take_while(|l| l.starts_with(' ')) {
        verdict.push('\n');
        verdict.push_str(line);
    }
    Some(verdict)
}

/// Where the grading helpers' sources are, as panic locations spell them.
const GRADING_SRC: &str = "checker/grading/src/";

fn judge(
    test: &str,
    raw: &RawOutcome,
    panics: &[Panic],
    timeout_secs: u64,
) -> (TestStatus, String, Option<String>) {
    let Some(trailer) = &raw.trailer else {
        let message = "the test's sandbox ended without a report (killed from outside?)";
        return (TestStatus::Crashed, message.into(), None);
    };
    if let Some(count) = trailer.fork_bomb {
        let message = format!(
            "fork bomb: the test started more than {count} processes at once and was killed; \
             every fork needs a bound and every child a wait"
        );
        return (TestStatus::Crashed, message, None);
    }
    if trailer.timed_out {
        let cause = trailer
            .hang
            .as_deref()
            .unwrap_or("likely a deadlock or an endless loop");
        let message = format!(
            "did not finish within {timeout_secs} s — {cause}\n(the checker stopped it; no \
             message came from the test itself)"
        );
        return (TestStatus::TimedOut, message, None);
    }
    if let Some(limit) = trailer.out_of_memory {
        let message = format!(
            "used more than {} of memory, and was killed: a collection that grows without \
             bound, or every result kept when one at a time would do",
            crate::sandbox::binary(limit),
        );
        return (TestStatus::Crashed, message, None);
    }
    if let Some(secs) = trailer.cpu_limit {
        let message = format!(
            "used more than {secs} s of CPU time, and was killed: a loop that never ends, or \
             threads that spin instead of waiting"
        );
        return (TestStatus::TimedOut, message, None);
    }
    if trailer.code == Some(0) && !trailer.completed {
        // The harness never said the test ended: the process was ended from inside the test.
        let message = "the test process exited before the test finished (`process::exit` in \
                       your code?): a test passes only when it runs to its end";
        return (TestStatus::Failed, message.into(), None);
    }
    if trailer.code == Some(0) {
        // Passed. Panics printed on the way were expected (a `should_panic` test, a worker
        // that panics on purpose).
        if trailer.leftovers.is_empty() {
            return (TestStatus::Passed, String::new(), None);
        }
        let message = format!(
            "left {} process(es) running after the test ended (the checker killed them): {}; \
             every child must be waited for, every daemon stopped",
            trailer.leftovers.len(),
            trailer.leftovers.join(", ")
        );
        return (TestStatus::Failed, message, None);
    }
    if let Some(todo) = panics
        .iter()
        .find(|p| p.message.starts_with(NOT_IMPLEMENTED))
    {
        let message = format!(
            "not implemented yet: replace the `todo!()` at {}",
            todo.location
        );
        return (
            TestStatus::NotImplemented,
            message,
            Some(todo.location.clone()),
        );
    }
    // The panic that failed the test is the last one on the test's own thread (the suite's
    // `within` names its thread after the test); other threads' panics are context: show
    // those raised by the graded code, not those the suite raises on purpose.
    if let Some(primary) = panics
        .iter()
        .rev()
        .find(|p| p.thread == test)
        .or(panics.last())
    {
        let status = if primary.message.starts_with("did not finish") {
            TestStatus::TimedOut
        } else {
            TestStatus::Failed
        };
        // A panic raised by the kit's own helpers (a timeout, a model checker's verdict) says
        // where to look in its message; its location would point into the kit.
        let mut message = if primary.location.contains(GRADING_SRC) {
            primary.message.clone()
        } else {
            format!("{}\n(at {})", primary.message, primary.location)
        };
        let context = panics
            .iter()
            .filter(|p| *p != primary && !p.location.contains("checker/suites/"))
            .take(3);
        for p in context {
            message.push_str(&format!(
                "\nbefore that, thread '{}' panicked at {}: {}",
                p.thread, p.location, p.message
            ));
        }
        return (status, message, Some(primary.location.clone()));
    }
    if let Some(verdict) = model_checker_verdict(&raw.output) {
        // The model checker found a deadlock and said so, but could not unwind the deadlocked
        // threads (a guard's clean-up panicked again) and the process aborted.
        return (TestStatus::Failed, verdict, None);
    }
    if let Some(signal) = trailer.signal {
        return (TestStatus::Crashed, crash(signal, &raw.output), None);
    }
    // The last lines, each cut short: a test may print lines of any length.
    let tail: Vec<String> = raw
        .output
        .lines()
        .rev()
        .take(5)
        .map(|l| match l.char_indices().nth(160) {
            Some((at, _)) => format!("{}…", &l[..at]),
            None => l.to_owned(),
        })
        .collect();
    let tail: Vec<String> = tail.into_iter().rev().collect();
    let message = format!(
        "the test process exited with code {:?}: {}",
        trailer.code,
        tail.join(" / ")
    );
    (TestStatus::Failed, message, None)
}

/// What killed a test process, named for what a student can do about it. A stack overflow
/// aborts the process (SIGABRT) after Rust says so on stderr: the output tells it apart.
fn crash(signal: i32, output: &str) -> String {
    use nix::sys::signal::Signal;
    if let Some(line) = output
        .lines()
        .find(|l| l.contains("has overflowed its stack"))
    {
        return format!(
            "stack overflow: {} — a recursion that never ends, or a very large value on the \
             stack (the process was aborted)",
            line.trim()
        );
    }
    match Signal::try_from(signal) {
        Ok(Signal::SIGSEGV) => "the test process crashed with a segmentation fault (SIGSEGV): an \
            invalid memory access — a dangling or null pointer in unsafe code, or memory unmapped \
            while still in use"
            .into(),
        Ok(Signal::SIGBUS) => "the test process crashed with a bus error (SIGBUS): memory \
            mapped from a file or shared-memory object was used beyond the object's size (set \
            its size with ftruncate before mapping it)"
            .into(),
        Ok(Signal::SIGABRT) => "the test process aborted (SIGABRT): a panic while already \
            panicking (in a Drop during unwinding), a failed check in C code, or abort()"
            .into(),
        Ok(Signal::SIGKILL) => "the test process was killed (SIGKILL): out of memory, or killed \
            by another process"
            .into(),
        Ok(Signal::SIGPIPE) => "the test process was killed by SIGPIPE: it wrote to a pipe whose \
            every reader had closed"
            .into(),
        Ok(other) => format!(
            "the test process was killed by {} (a signal it sent itself, or one sent to its \
             whole process group?)",
            other.as_str()
        ),
        Err(_) => format!("the test process was killed by signal {signal}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_crash_is_named_for_its_cause() {
        let overflow =
            "\nthread 'main' has overflowed its stack\nfatal runtime error: stack overflow\n";
        assert!(crash(6, overflow).starts_with("stack overflow: thread 'main' has overflowed"));
        assert!(crash(6, "").contains("aborted (SIGABRT)"));
        assert!(crash(11, "").contains("segmentation fault"));
        assert!(crash(7, "").contains("bus error"));
    }

    #[test]
    fn finds_the_model_checkers_verdict_before_an_abort() {
        let output = "running 1 test\ntest cache::racing ... deadlock: every thread is blocked, \
                      each waiting:\n    thread 0 (the test): blocked at src/cache.rs:46:14\n  \
                      → hint\n      thread 0  read-locks rwlock A   src/cache.rs:35\nthread \
                      caused non-unwinding panic. aborting.\n";
        let verdict = model_checker_verdict(output).expect("a verdict");
        assert!(
            verdict.starts_with("deadlock: every thread is blocked"),
            "{verdict}"
        );
        assert!(
            verdict.ends_with("read-locks rwlock A   src/cache.rs:35"),
            "{verdict}"
        );
        assert_eq!(
            model_checker_verdict("thread 'x' panicked at a.rs:1:1"),
            None
        );
    }
}
