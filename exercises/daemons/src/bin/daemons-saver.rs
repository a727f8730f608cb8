//! The daemon the `unix_daemon` tests launch: `daemons-saver DIR EVERY_MS` becomes a daemon
//! with the pidfile `DIR/saver.pid` and appends a tick to `DIR/saver.log` every EVERY_MS ms.

use std::path::PathBuf;
use std::time::Duration;

use daemons::unix_daemon::{daemonize, serve};

fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let dir = PathBuf::from(args.next().expect("usage: daemons-saver DIR EVERY_MS"));
    let every = Duration::from_millis(args.next().and_then(|ms| ms.parse().ok()).unwrap_or(50));
    let pidfile = dir.join("saver.pid");
    daemonize(&pidfile)?;
    // A safety net for the kit's tests: whatever the code above got wrong, this daemon ends
    // (SIGALRM) within 20 s rather than run forever.
    nix::unistd::alarm::set(20);
    serve(&dir.join("saver.log"), every, &pidfile)
}
