//! Graceful shutdown: SIGTERM or SIGINT only sets a flag (all a signal handler may safely do);
//! the worker finishes the job in progress, writes its summary, flushes and returns.

use std::io::{self, BufRead, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use signal_hook::consts::{SIGINT, SIGTERM};

/// Installs handlers for SIGTERM and SIGINT that set the returned flag, and nothing else.
pub fn install_shutdown_flag() -> io::Result<Arc<AtomicBool>> {
    let stop = Arc::new(AtomicBool::new(false));
    // A handler runs between any two instructions of the program, maybe while it holds the
    // lock of stdout or of the allocator: it may only do async-signal-safe things. Storing
    // into an atomic is; printing, allocating, locking or exiting are not. So the handler
    // records the request, and the main loop acts on it at a safe point.
    for signal in [SIGTERM, SIGINT] {
        signal_hook::flag::register(signal, Arc::clone(&stop))?;
    }
    Ok(stop)
}

/// Serves jobs until `jobs` ends or `stop` is set. A job is two lines — a name, then its
/// payload — and is answered with `begin NAME`, then `end NAME: PAYLOAD` (upper-cased) once
/// the payload arrived; each line is flushed as it is written. Ends with `bye N` (jobs done),
/// flushed. Returns N. A job whose payload never comes (the input ends) is not done.
pub fn serve(mut jobs: impl BufRead, mut out: impl Write, stop: &AtomicBool) -> io::Result<usize> {
    let mut done = 0;
    // The flag is checked between jobs, before waiting for the next one: a job that has begun
    // is always finished, and no new one is started after the request.
    while !stop.load(Ordering::SeqCst) {
        let Some(name) = next_line(&mut jobs)? else {
            break;
        };
        writeln!(out, "begin {name}")?;
        out.flush()?;
        let Some(payload) = next_line(&mut jobs)? else {
            break;
        };
        writeln!(out, "end {name}: {}", payload.to_uppercase())?;
        out.flush()?;
        done += 1;
    }
    writeln!(out, "bye {done}")?;
    out.flush()?;
    Ok(done)
}

fn next_line(input: &mut impl BufRead) -> io::Result<Option<String>> {
    let mut line = String::new();
    Ok(match input.read_line(&mut line)? {
        0 => None,
        _ => Some(line.trim_end().to_owned()),
    })
}
