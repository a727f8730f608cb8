//! A lock that serialises output: a line is written in several pieces, and the lock makes the
//! whole line one critical section, so lines from different threads never interleave.

use std::io::Write;

use crate::sync::Mutex;

/// Shared output (a terminal, a log file) that many threads print whole lines to.
pub struct Printer<W> {
    out: Mutex<W>,
}

impl<W: Write> Printer<W> {
    /// A printer writing to `out`.
    pub fn new(out: W) -> Self {
        Printer {
            out: Mutex::new(out),
        }
    }

    /// Writes each of `parts` in turn, with nothing between them and all of each (a writer may
    /// take only part of a buffer per `write`), then a newline: one line that no other
    /// thread's output can cut into. No parts make an empty line.
    pub fn print_line(&self, parts: &[&str]) {
        // One guard for the whole line: every `write_all` and the newline happen while this
        // thread holds the lock, so another thread's line goes entirely before or after.
        let mut out = self.out.lock().unwrap();
        for part in parts {
            out.write_all(part.as_bytes()).unwrap();
        }
        out.write_all(b"\n").unwrap();
    }

    /// Gives back the output, for instance to read what was printed.
    pub fn into_inner(self) -> W {
        self.out.into_inner().unwrap()
    }
}
