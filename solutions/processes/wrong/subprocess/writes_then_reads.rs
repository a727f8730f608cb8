//! Wrong: writes the whole input before reading any output; with more input than a pipe holds,
//! `cat` blocks on its full stdout while we block on its full stdin — a deadlock.
//! Expect: did not finish
//! Expect: deadlock

use std::io::{self, Write};
use std::os::unix::process::ExitStatusExt;
use std::process::{Command, Stdio};

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
pub fn communicate(program: &str, args: &[&str], input: &str) -> io::Result<Outcome> {
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()?;
    let pid = child.id();
    let mut stdin = child.stdin.take().expect("stdin was piped");
    // Write all the input, close stdin, then read the output.
    let written = stdin.write_all(input.as_bytes());
    drop(stdin);
    let output = child.wait_with_output()?;
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
