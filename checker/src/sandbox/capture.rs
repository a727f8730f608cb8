//! What a test prints, read as it is printed: the first and last [`Capture::keep`] bytes are
//! kept (a test that prints a gigabyte never fills a pipe, never fails for printing, and costs
//! the checker 128 KiB), and libtest's own lines are followed to prove that the harness
//! completed the test ([`Proof`]).

/// The longest line followed for libtest's lines: theirs are short, and a test that prints a
/// gigabyte without a newline must not grow the buffer.
const LINE_LIMIT: usize = 4096;

/// The head and tail of a stream, and how long it was.
pub struct Capture {
    keep: usize,
    head: Vec<u8>,
    /// The bytes after the head; the last `keep` of them are the tail (the rest is dropped now
    /// and then, so that appending stays a copy).
    tail: Vec<u8>,
    total: u64,
    line: Vec<u8>,
    proof: Option<Proof>,
}

impl Capture {
    /// Keeps `keep` bytes at each end; follows libtest's lines for `test` if given.
    pub fn new(keep: usize, test: Option<&str>) -> Capture {
        Capture {
            keep,
            head: Vec::new(),
            tail: Vec::new(),
            total: 0,
            line: Vec::new(),
            proof: test.map(Proof::new),
        }
    }

    pub fn push(&mut self, bytes: &[u8]) {
        self.total += bytes.len() as u64;
        if self.proof.is_some() {
            self.follow_lines(bytes);
        }
        let room = self.keep.saturating_sub(self.head.len());
        let (first, rest) = bytes.split_at(room.min(bytes.len()));
        self.head.extend_from_slice(first);
        // Copies only: this runs for every byte a test prints, gigabytes of them.
        let rest = &rest[rest.len().saturating_sub(self.keep)..];
        self.tail.extend_from_slice(rest);
        if self.tail.len() >= 2 * self.keep.max(1) {
            let from = self.tail.len() - self.keep;
            self.tail.copy_within(from.., 0);
            self.tail.truncate(self.keep);
        }
    }

    /// Hands each complete line to the proof. Newlines are found with the C library's
    /// `memchr`, since this scans all the test prints.
    fn follow_lines(&mut self, mut bytes: &[u8]) {
        while !bytes.is_empty() {
            // Safety: `bytes` is a valid slice; memchr reads at most its length.
            let found = unsafe { libc::memchr(bytes.as_ptr().cast(), b'\n' as i32, bytes.len()) };
            let end = if found.is_null() {
                bytes.len()
            } else {
                found as usize - bytes.as_ptr() as usize
            };
            let room = LINE_LIMIT.saturating_sub(self.line.len());
            self.line.extend_from_slice(&bytes[..end.min(room)]);
            if found.is_null() {
                return;
            }
            if let Some(proof) = &mut self.proof {
                proof.line(&String::from_utf8_lossy(&self.line));
            }
            self.line.clear();
            bytes = &bytes[end + 1..];
        }
    }

    /// Whether the harness completed the test: see [`Proof`].
    pub fn completed(&self) -> bool {
        self.proof.as_ref().is_some_and(Proof::completed)
    }

    /// The kept bytes: the head, the tail and the total printed.
    pub fn into_parts(mut self) -> (Vec<u8>, Vec<u8>, u64) {
        let from = self.tail.len().saturating_sub(self.keep);
        self.tail.drain(..from);
        (self.head, self.tail, self.total)
    }
}

/// Follows libtest's lines for one test run as `BINARY --exact NAME --test-threads=1`: the
/// harness says `running 1 test`, starts the test (`test NAME ... `), prints its result
/// (`ok`, on the same line or, after the test's own output, on a later one), then its summary
/// (`test result: ok. 1 passed; 0 failed; ...`). Only all of these, in this order, prove that
/// the harness ran the test to its end; a process that exits before (`process::exit(0)` in the
/// student's code) proves nothing, whatever its exit code.
struct Proof {
    start: String,
    start_should_panic: String,
    stage: Stage,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    Waiting,
    Running,
    Started,
    Ok,
    Failed,
    Completed,
}

impl Proof {
    fn new(test: &str) -> Proof {
        Proof {
            start: format!("test {test} ... "),
            start_should_panic: format!("test {test} - should panic ... "),
            stage: Stage::Waiting,
        }
    }

    fn line(&mut self, line: &str) {
        self.stage = match self.stage {
            Stage::Waiting if line == "running 1 test" => Stage::Running,
            Stage::Running => {
                match line
                    .strip_prefix(&self.start)
                    .or_else(|| line.strip_prefix(&self.start_should_panic))
                {
                    Some(rest) => Stage::Started.after(rest),
                    None => Stage::Running,
                }
            }
            Stage::Started | Stage::Ok | Stage::Failed => {
                if line.starts_with("test result: ok. 1 passed; 0 failed;") {
                    if self.stage == Stage::Ok {
                        Stage::Completed
                    } else {
                        Stage::Failed
                    }
                } else if line.starts_with("test result: ") {
                    Stage::Failed
                } else {
                    self.stage.after(line)
                }
            }
            stage => stage,
        };
    }

    fn completed(&self) -> bool {
        self.stage == Stage::Completed
    }
}

impl Stage {
    /// The stage after a line of the test's output: the result word ends its line (the test's
    /// output may come before it on the line when it printed no newline).
    fn after(self, line: &str) -> Stage {
        if line.ends_with("FAILED") {
            Stage::Failed
        } else if line.ends_with("ok") {
            Stage::Ok
        } else {
            self
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn completed(output: &str) -> bool {
        let mut capture = Capture::new(64, Some("a::b"));
        for chunk in output.as_bytes().chunks(3) {
            capture.push(chunk);
        }
        capture.completed()
    }

    #[test]
    fn a_test_the_harness_completed_is_proven() {
        let quiet = "\nrunning 1 test\ntest a::b ... ok\n\ntest result: ok. 1 passed; 0 failed; \
                     0 ignored; 0 measured; 9 filtered out; finished in 0.01s\n\n";
        assert!(completed(quiet));
        let chatty = "\nrunning 1 test\ntest a::b ... hello\nworld\nok\n\ntest result: ok. 1 \
                      passed; 0 failed; 0 ignored\n";
        assert!(completed(chatty));
        assert!(completed(
            "running 1 test\ntest a::b ... no newlineok\n\ntest result: ok. 1 passed; 0 failed;\n"
        ));
    }

    #[test]
    fn an_exit_before_the_end_or_a_failure_proves_nothing() {
        assert!(!completed("\nrunning 1 test\ntest a::b ... "));
        assert!(!completed("\nrunning 1 test\ntest a::b ... ok\n"));
        assert!(!completed(
            "\nrunning 1 test\ntest a::b ... FAILED\n\ntest result: FAILED. 0 passed; 1 failed;\n"
        ));
        assert!(!completed(
            "\nrunning 1 test\ntest other ... ok\n\ntest result: ok. 1 passed; 0 failed;\n"
        ));
        assert!(
            !completed("test a::b ... ok\n\ntest result: ok. 1 passed; 0 failed;\n"),
            "no `running 1 test`"
        );
    }

    #[test]
    fn keeps_the_head_and_the_tail() {
        let mut capture = Capture::new(4, None);
        capture.push(b"abc");
        capture.push(b"defghij");
        capture.push(b"klmnopqrstuvwxyz");
        capture.push(b"!");
        let (head, tail, total) = capture.into_parts();
        assert_eq!(
            (head.as_slice(), tail.as_slice(), total),
            (&b"abcd"[..], &b"xyz!"[..], 27)
        );
        let mut small = Capture::new(4, None);
        small.push(b"abcdef");
        let (head, tail, total) = small.into_parts();
        assert_eq!(
            (head.as_slice(), tail.as_slice(), total),
            (&b"abcd"[..], &b"ef"[..], 6)
        );
    }
}
