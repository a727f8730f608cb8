//! A program under test, run as a real child process: its stdin, its stdout as a stream of
//! lines, and a guard that kills it if the test ends (or fails) while it still runs.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::thread;
use std::time::{Duration, Instant};

/// How long a program may take to react; real reactions take milliseconds.
pub const PATIENCE: Duration = Duration::from_secs(3);

/// What the program's output did next.
#[derive(Debug, PartialEq, Eq)]
pub enum Next {
    /// It printed this line.
    Line(String),
    /// It closed its output (usually: it ended).
    Eof,
    /// It printed nothing in the time given.
    Silent,
}

/// A running program; killed and reaped in `Drop`.
pub struct Program {
    child: Child,
    stdin: Option<ChildStdin>,
    lines: Receiver<String>,
}

impl Program {
    /// Starts `exe args` with piped stdin and stdout.
    pub fn start(exe: &str, args: &[&str]) -> Program {
        let mut child = Command::new(exe)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {exe}: {e}"));
        let stdout = child.stdout.take().expect("stdout was piped");
        let (send, lines) = mpsc::channel();
        thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if send.send(line).is_err() {
                    break;
                }
            }
        });
        Program {
            stdin: child.stdin.take(),
            child,
            lines,
        }
    }

    /// The program's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The next thing its output does, waiting at most `limit`.
    pub fn next(&self, limit: Duration) -> Next {
        match self.lines.recv_timeout(limit) {
            Ok(line) => Next::Line(line),
            Err(RecvTimeoutError::Disconnected) => Next::Eof,
            Err(RecvTimeoutError::Timeout) => Next::Silent,
        }
    }

    /// The next line, which the program must print within [`PATIENCE`].
    pub fn line(&self, waiting_for: &str) -> String {
        match self.next(PATIENCE) {
            Next::Line(line) => line,
            Next::Eof => panic!(
                "the program ended (or closed its output) while the test waited for {waiting_for:?}"
            ),
            Next::Silent => panic!(
                "did not finish: the program printed nothing while the test waited for {waiting_for:?}"
            ),
        }
    }

    /// Every line until the program closes its output (or falls silent for [`PATIENCE`]).
    pub fn rest(&self) -> Vec<String> {
        let mut rest = Vec::new();
        while let Next::Line(line) = self.next(PATIENCE) {
            rest.push(line);
        }
        rest
    }

    /// Writes to its stdin; a program that is already gone is not an error here (the verdict
    /// comes from its status).
    pub fn send(&mut self, text: &str) {
        if let Some(stdin) = self.stdin.as_mut() {
            let _ = stdin
                .write_all(text.as_bytes())
                .and_then(|()| stdin.flush());
        }
    }

    /// Closes its stdin: it reads end-of-file.
    pub fn close_stdin(&mut self) {
        self.stdin = None;
    }

    /// The exit status, if the program ends within `limit`.
    pub fn wait(&mut self, limit: Duration) -> Option<ExitStatus> {
        let deadline = Instant::now() + limit;
        loop {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                return Some(status);
            }
            if Instant::now() >= deadline {
                return None;
            }
            thread::sleep(Duration::from_millis(5));
        }
    }
}

impl Drop for Program {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_lines_and_the_end_of_output() {
        let mut program = Program::start("sh", &["-c", "read x; echo got $x; echo bye"]);
        program.send("ping\n");
        assert_eq!(program.line("the echo"), "got ping");
        assert_eq!(program.rest(), ["bye"]);
        assert!(program.wait(PATIENCE).is_some_and(|s| s.success()));
    }

    #[test]
    fn a_running_program_is_killed_on_drop() {
        let program = Program::start("sleep", &["30"]);
        let pid = program.pid();
        drop(program);
        let state = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
        assert!(state.is_empty(), "pid {pid} is still there: {state}");
    }
}
