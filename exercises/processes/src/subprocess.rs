//! Run another program as a child process, as Python's `subprocess` does: pipe data into its
//! stdin, read all of its stdout, and report how it ended (exit code or killing signal).

use std::io::{self, Write};
use std::os::unix::process::ExitStatusExt;
use std::process::{Command, Stdio};
use std::thread;

/// How a child program ran.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outcome {
    /// The child's process id.
    pub pid: u32,
    /// Everything it wrote to its standard output.
    pub stdout: String,
    /// Its exit code, if it exited.
    pub code: Option<i32>,
    /// The number of the signal that killed it, if one did.
    pub signal: Option<i32>,
}

/// Runs `program` with `args`, writes `input` to its stdin (then closes it), collects its
/// stdout and waits for it — like `subprocess.run(..., input=..., capture_output=True)`.
/// Each of `args` reaches the program as one argument (no shell in between). A program that
/// ends without reading all of its input is no error: how it ended is reported. A program
/// that cannot be started is an `Err`.
pub fn communicate(program: &str, args: &[&str], input: &str) -> io::Result<Outcome> {
    // TODO: spawn a `Command` with piped stdin and stdout; a missing program is an `Err`.
    // TODO: write `input` to the child's stdin and close it, and read its whole stdout. Think
    // about an input larger than a pipe holds (64 KiB) going through `cat`.
    // TODO: fill `code` and `signal` from the `ExitStatus` (`ExitStatusExt::signal`).
    todo!()
}
