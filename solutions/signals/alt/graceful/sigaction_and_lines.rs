//! Alternative: installs the handler with `sigaction` itself (the handler sets the flag through a `OnceLock`, an atomic read) instead of signal-hook, and reads the jobs through `BufRead::lines`.

use std::io::{self, BufRead, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};

use nix::sys::signal::{SaFlags, SigAction, SigHandler, SigSet, Signal, sigaction};

/// The flag the handler sets; filled once, before any handler is installed.
static STOP: OnceLock<Arc<AtomicBool>> = OnceLock::new();

/// The handler: one atomic read, one atomic store — both async-signal-safe.
extern "C" fn on_stop(_signal: libc::c_int) {
    if let Some(stop) = STOP.get() {
        stop.store(true, Ordering::SeqCst);
    }
}

/// Installs handlers for SIGTERM and SIGINT that set the returned flag, and nothing else.
pub fn install_shutdown_flag() -> io::Result<Arc<AtomicBool>> {
    let stop = Arc::clone(STOP.get_or_init(|| Arc::new(AtomicBool::new(false))));
    // SA_RESTART: a read interrupted by the signal goes on instead of failing.
    let action = SigAction::new(
        SigHandler::Handler(on_stop),
        SaFlags::SA_RESTART,
        SigSet::empty(),
    );
    for signal in [Signal::SIGTERM, Signal::SIGINT] {
        // Safety: the handler only touches atomics.
        unsafe { sigaction(signal, &action) }.map_err(io::Error::from)?;
    }
    Ok(stop)
}

/// Serves jobs until `jobs` ends or `stop` is set. A job is two lines — a name, then its
/// payload — and is answered with `begin NAME`, then `end NAME: PAYLOAD` (upper-cased) once
/// the payload arrived; each line is flushed as it is written. Ends with `bye N` (jobs done),
/// flushed. Returns N. A job whose payload never comes (the input ends) is not done.
pub fn serve(jobs: impl BufRead, mut out: impl Write, stop: &AtomicBool) -> io::Result<usize> {
    let mut lines = jobs.lines();
    let mut done = 0;
    // The flag is looked at before asking for the next name, never in the middle of a job.
    while !stop.load(Ordering::SeqCst) {
        let Some(name) = lines.next().transpose()? else {
            break;
        };
        let name = name.trim_end();
        writeln!(out, "begin {name}")?;
        out.flush()?;
        let Some(payload) = lines.next().transpose()? else {
            break;
        };
        writeln!(out, "end {name}: {}", payload.trim_end().to_uppercase())?;
        out.flush()?;
        done += 1;
    }
    writeln!(out, "bye {done}")?;
    out.flush()?;
    Ok(done)
}
