//! The supervisor the `forward` tests drive.
//!
//! `signals-supervisor` runs `signals-supervisor child` under a `Supervisor` and stops on
//! SIGTERM or SIGINT; `signals-supervisor exit CODE` supervises a child that exits with CODE at once.
//! In `child` mode it prints `child ready`, waits for SIGTERM, prints `child stopping` and exits.

use std::io::{self, Write};
use std::process::{Command, ExitCode};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::Duration;

use signal_hook::consts::{SIGINT, SIGTERM};
use signals::forward::Supervisor;

fn main() -> io::Result<ExitCode> {
    // Whatever happens, neither the supervisor nor its child outlives the test for long.
    nix::unistd::alarm::set(10);
    let args: Vec<String> = std::env::args().skip(1).collect();
    let stop = Arc::new(AtomicBool::new(false));
    signal_hook::flag::register(SIGTERM, Arc::clone(&stop))?;
    if args.first().map(String::as_str) == Some("child") {
        println!("child ready");
        io::stdout().flush()?;
        while !stop.load(Ordering::SeqCst) {
            thread::sleep(Duration::from_millis(2));
        }
        println!("child stopping");
        return Ok(ExitCode::SUCCESS);
    }
    if args.first().map(String::as_str) == Some("child-exit") {
        let code: u8 = args.get(1).and_then(|c| c.parse().ok()).unwrap_or(1);
        return Ok(ExitCode::from(code));
    }
    signal_hook::flag::register(SIGINT, Arc::clone(&stop))?;
    let me = std::env::current_exe()?;
    let mut command = Command::new(me);
    let child_args: &[&str] = match args.as_slice() {
        [mode, code] if mode == "exit" => &["child-exit", code],
        _ => &["child"],
    };
    command.args(child_args);
    let supervisor = Supervisor::start(&mut command)?;
    println!("supervising {}", supervisor.child_pid());
    io::stdout().flush()?;
    let status = supervisor.run(&stop)?;
    println!("child ended: {status}");
    Ok(ExitCode::from(status.code().unwrap_or(0) as u8))
}
