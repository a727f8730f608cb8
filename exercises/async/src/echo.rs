//! A TCP echo server on loopback, twice: one tokio task per connection on a single thread,
//! and one OS thread per connection. Both serve many clients at once; tasks cost far less.

use std::io::{Read, Write};
use std::thread;

use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Accepts `connections` connections and echoes each one back until the client closes it,
/// serving them all at once with one task each. What a read returns is written back at once:
/// a client may wait for the echo of one message before it sends the next. Returns the total
/// bytes echoed, once every connection is closed.
pub async fn serve_tasks(listener: tokio::net::TcpListener, connections: usize) -> u64 {
    // TODO: accept `connections` times; spawn a task per connection (a `JoinSet` is handy)
    // that reads into a buffer and writes back what it read, until a read returns 0. Then wait
    // for every task and add up the bytes they echoed.
    todo!("an echo server with one task per connection")
}

/// The same server with one OS thread per connection (blocking I/O): every connection served
/// at once, each read echoed at once; returns the total bytes echoed.
pub fn serve_threads(listener: std::net::TcpListener, connections: usize) -> u64 {
    // TODO: the same with `listener.accept()`, `std::thread::spawn` per connection, and
    // blocking `read`/`write_all`; join the threads and sum their counts.
    todo!("an echo server with one thread per connection")
}
