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
        // TODO: write every part and then a newline while holding the lock, so that
        //       no other thread's output can land inside this line.
        todo!()
    }

    /// Gives back the output, for instance to read what was printed.
    pub fn into_inner(self) -> W {
        // TODO: take the writer back out of the mutex.
        todo!()
    }
}
