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
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()?;
    let pid = child.id();
    let mut stdin = child.stdin.take().expect("stdin was piped");
    let (written, output) = thread::scope(|s| {
        // Feed stdin on another thread while this one reads stdout. Writing everything first
        // deadlocks on large inputs: the child blocks writing to its full stdout pipe (64 KiB)
        // while we block writing to its full stdin pipe. Dropping `stdin` at the end closes
        // it, which is how the child learns that the input is over (EOF).
        let writer = s.spawn(move || stdin.write_all(input.as_bytes()));
        let output = child.wait_with_output();
        (
            writer.join().expect("the stdin writer does not panic"),
            output,
        )
    });
    let output = output?;
    match written {
        // A child may exit without reading all of its input; that is its business.
        Err(e) if e.kind() != io::ErrorKind::BrokenPipe => return Err(e),
        _ => {}
    }
    Ok(Outcome {
        pid,
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        // Exactly one of the two is set: a process either exits or is killed.
        code: output.status.code(),
        signal: output.status.signal(),
    })
}
