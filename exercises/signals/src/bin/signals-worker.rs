//! The worker the `graceful` tests drive: serves jobs from stdin until EOF or SIGTERM/SIGINT.

use std::io::{self, Write};

use signals::graceful::{install_shutdown_flag, serve};

fn main() -> io::Result<()> {
    let stop = install_shutdown_flag()?;
    let mut out = io::stdout().lock();
    writeln!(out, "ready")?;
    out.flush()?;
    serve(io::stdin().lock(), out, &stop)?;
    Ok(())
}
