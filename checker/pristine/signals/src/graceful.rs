//! Graceful shutdown: on SIGTERM or SIGINT the worker finishes the job in progress, writes its
//! summary, flushes and returns with status 0. The signal handler itself may only set a flag:
//! it runs in the middle of whatever the program was doing.

use std::io::{self, BufRead, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use signal_hook::consts::{SIGINT, SIGTERM};

/// Installs handlers for SIGTERM and SIGINT that set the returned flag, and nothing else.
pub fn install_shutdown_flag() -> io::Result<Arc<AtomicBool>> {
    // TODO: create the flag and register it for both signals with
    // `signal_hook::flag::register(signal, Arc::clone(&flag))`.
    todo!()
}

/// Serves jobs until `jobs` ends or `stop` is set. A job is two lines — a name, then its
/// payload — and is answered with `begin NAME`, then `end NAME: PAYLOAD` (upper-cased) once
/// the payload arrived; each line is flushed as it is written. Ends with `bye N` (jobs done),
/// flushed. Returns N. A job whose payload never comes (the input ends) is not done.
pub fn serve(jobs: impl BufRead, out: impl Write, stop: &AtomicBool) -> io::Result<usize> {
    // TODO: loop over jobs: read the name (end of input: stop), write and flush `begin NAME`,
    // read the payload, write and flush `end NAME: PAYLOAD`.
    // TODO: decide where to check `stop` so that a job that has begun is always finished and
    // no new job is waited for after a signal.
    // TODO: write and flush `bye N`.
    todo!()
}
