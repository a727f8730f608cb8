//! A separate program that talks through a named segment: `shm_peer NAME` opens the segment,
//! reads the request the other process left at offset 0 (up to a NUL), and writes
//! `pong: REQUEST (pid N)` at offset 1024. Given, not an exercise: the suite runs it.

use shared_memory::named::NamedSegment;

fn main() {
    let Some(name) = std::env::args().nth(1) else {
        eprintln!("usage: shm_peer NAME");
        std::process::exit(2);
    };
    let segment = match NamedSegment::open(&name) {
        Ok(segment) => segment,
        Err(e) => {
            eprintln!("shm_peer: cannot open {name}: {e}");
            std::process::exit(1);
        }
    };
    let request = segment.read(0, 1024);
    let end = request
        .iter()
        .position(|b| *b == 0)
        .unwrap_or(request.len());
    let reply = format!(
        "pong: {} (pid {})\0",
        String::from_utf8_lossy(&request[..end]),
        std::process::id()
    );
    segment.write(1024, reply.as_bytes());
}
