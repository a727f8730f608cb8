//! Alternative: reads stdout on a second thread while this one writes stdin, then waits for the child: the same two pipes drained at once, with the roles of the threads swapped.

use std::io::{self, Read, Write};
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
pub fn communicate(program: &str, args: &[&str], input: &str) -> io::Result<Outcome> {
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()?;
    let mut stdout = child.stdout.take().expect("stdout was piped");
    let reader = thread::spawn(move || {
        let mut bytes = Vec::new();
        stdout.read_to_end(&mut bytes).map(|_| bytes)
    });
    let mut stdin = child.stdin.take().expect("stdin was piped");
    let written = stdin.write_all(input.as_bytes());
    // Closing stdin is the end of input.
    drop(stdin);
    let bytes = reader.join().expect("the stdout reader does not panic");
    let status = child.wait()?;
    let bytes = bytes?;
    match written {
        Err(e) if e.kind() != io::ErrorKind::BrokenPipe => return Err(e),
        _ => {}
    }
    Ok(Outcome {
        pid: child.id(),
        stdout: String::from_utf8_lossy(&bytes).into_owned(),
        code: status.code(),
        signal: status.signal(),
    })
}
