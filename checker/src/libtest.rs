//! Reading what a Rust test binary prints: its list of tests and its panic messages.

/// One panic reported in a test's output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Panic {
    /// The thread that panicked (libtest names a test's thread after the test).
    pub thread: String,
    /// `file:line:col` where it happened.
    pub location: String,
    pub message: String,
}

/// The names printed by `TEST-BINARY --list --format terse` (`name: test` lines).
pub fn parse_list(output: &str) -> Vec<String> {
    output
        .lines()
        .filter_map(|line| line.strip_suffix(": test"))
        .map(str::to_owned)
        .collect()
}

/// Every panic in a test's output (run with `--nocapture`), in order.
///
/// A panic reads `thread 'NAME' panicked at FILE:LINE:COL:` (newer toolchains put the thread
/// id in parentheses after the name), then the message, up to libtest's `note:` line, the next
/// panic, or libtest's own summary.
pub fn parse_panics(output: &str) -> Vec<Panic> {
    let mut panics = Vec::new();
    let mut lines = output.lines().peekable();
    while let Some(line) = lines.next() {
        let Some((thread, location)) = panic_header(line) else {
            continue;
        };
        let mut message = Vec::new();
        while let Some(next) = lines.peek() {
            if is_message_end(next) {
                break;
            }
            message.push(*next);
            lines.next();
        }
        while message.last().is_some_and(|l| l.trim().is_empty()) {
            message.pop();
        }
        panics.push(Panic {
            thread,
            location,
            message: message.join("\n"),
        });
    }
    panics
}

fn panic_header(line: &str) -> Option<(String, String)> {
    let rest = line.strip_prefix("thread '")?;
    let at = rest.find(" panicked at ")?;
    let thread = rest[..at]
        .split("' ")
        .next()
        .unwrap_or_default()
        .trim_end_matches('\'');
    let location = rest[at + " panicked at ".len()..].trim_end();
    Some((
        thread.to_owned(),
        normalize(location.strip_suffix(':').unwrap_or(location)),
    ))
}

/// `solutions/threads/../../checker/x.rs` → `checker/x.rs`; a generated package's absolute
/// path into the kit's shared suites and helpers → `checker/...`.
fn normalize(path: &str) -> String {
    if path.starts_with('/')
        && let Some(at) = path
            .find("/checker/suites/")
            .or_else(|| path.find("/checker/grading/"))
    {
        return path[at + 1..].to_owned();
    }
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        if part == ".." && parts.last().is_some_and(|p| *p != "..") {
            parts.pop();
        } else {
            parts.push(part);
        }
    }
    parts.join("/")
}

fn is_message_end(line: &str) -> bool {
    panic_header(line).is_some()
        || line.starts_with("note: run with `RUST_BACKTRACE")
        || line.starts_with("stack backtrace:")
        || line.starts_with("test result: ")
        || line == "failures:"
        // With --nocapture libtest prints the verdict word on a line of its own after the
        // test's output.
        || line == "FAILED"
        || line == "ok"
        || (line.starts_with("test ")
            && (line.ends_with(" ... FAILED") || line.ends_with(" ... ok")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_tests() {
        let out = "spawn_join::order: test\nspawn_join::threads: test\n\n2 tests, 0 benchmarks\n";
        assert_eq!(
            parse_list(out),
            ["spawn_join::order", "spawn_join::threads"]
        );
    }

    #[test]
    fn reads_panics_old_and_new_format() {
        let out = "\nrunning 1 test\n\
            thread 'a::b' panicked at exercises/threads/src/a.rs:12:5:\n\
            not yet implemented\n\
            note: run with `RUST_BACKTRACE=1` environment variable to display a backtrace\n\
            thread 'a::b' (4242) panicked at solutions/t/../../checker/suites/threads.rs:40:9:\n\
            the workers did not run at the same time\n\
            second line\n\
            FAILED\n\nfailures:\n";
        assert_eq!(
            parse_panics(out),
            [
                Panic {
                    thread: "a::b".into(),
                    location: "exercises/threads/src/a.rs:12:5".into(),
                    message: "not yet implemented".into()
                },
                Panic {
                    thread: "a::b".into(),
                    location: "checker/suites/threads.rs:40:9".into(),
                    message: "the workers did not run at the same time\nsecond line".into()
                },
            ]
        );
    }
}

#[cfg(test)]
mod paths {
    #[test]
    fn locations_are_relative_to_the_kit() {
        assert_eq!(
            super::normalize("solutions/t/../../checker/suites/t.rs:1:2"),
            "checker/suites/t.rs:1:2"
        );
        assert_eq!(
            super::normalize("/home/me/kit/checker/grading/src/model.rs:39:13"),
            "checker/grading/src/model.rs:39:13"
        );
        assert_eq!(
            super::normalize("exercises/t/src/a.rs:3:4"),
            "exercises/t/src/a.rs:3:4"
        );
    }
}
