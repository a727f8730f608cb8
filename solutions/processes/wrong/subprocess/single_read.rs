//! Wrong: reads the child's stdout with a single `read` call; one read returns what the pipe
//! holds at that moment (at most 64 KiB), so longer output is cut short.
//! Expect: came back

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
    let pid = child.id();
    let mut stdin = child.stdin.take().expect("stdin was piped");
    let mut stdout = child.stdout.take().expect("stdout was piped");
    let (written, output) = thread::scope(|s| {
        let writer = s.spawn(move || stdin.write_all(input.as_bytes()));
        // Room for a megabyte: read it in one go.
        let mut buffer = vec![0; 1 << 20];
        let output = stdout.read(&mut buffer).map(|n| {
            buffer.truncate(n);
            buffer
        });
        // Drain the rest unseen so that the child can finish.
        let _ = io::copy(&mut stdout, &mut io::sink());
        (
            writer.join().expect("the stdin writer does not panic"),
            output,
        )
    });
    let output = output?;
    let status = child.wait()?;
    match written {
        Err(e) if e.kind() != io::ErrorKind::BrokenPipe => return Err(e),
        _ => {}
    }
    Ok(Outcome {
        pid,
        stdout: String::from_utf8_lossy(&output).into_owned(),
        code: status.code(),
        signal: status.signal(),
    })
}
