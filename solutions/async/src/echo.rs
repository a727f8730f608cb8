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
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..connections {
        let (mut stream, _) = listener.accept().await.expect("accept failed");
        // One task per connection: while it waits for its client, the loop serves others.
        // Awaiting the echo here would leave every other client unanswered until this one
        // hangs up.
        tasks.spawn(async move {
            let mut echoed = 0u64;
            let mut buf = [0u8; 4096];
            loop {
                // A read returns whatever has arrived, not a whole message: keep going until
                // the client closes (a read of 0 bytes).
                let n = stream.read(&mut buf).await.expect("read failed");
                if n == 0 {
                    return echoed;
                }
                stream.write_all(&buf[..n]).await.expect("write failed");
                echoed += n as u64;
            }
        });
    }
    // The connections are done only when their tasks are.
    tasks.join_all().await.into_iter().sum()
}

/// The same server with one OS thread per connection (blocking I/O): every connection served
/// at once, each read echoed at once; returns the total bytes echoed.
pub fn serve_threads(listener: std::net::TcpListener, connections: usize) -> u64 {
    let mut workers = Vec::with_capacity(connections);
    for _ in 0..connections {
        let (mut stream, _) = listener.accept().expect("accept failed");
        // Each thread blocks in `read` for its client; the OS switches between them. Each one
        // costs a kernel thread and a stack (2 MiB reserved by default), a task a few hundred bytes.
        workers.push(thread::spawn(move || {
            let mut echoed = 0u64;
            let mut buf = [0u8; 4096];
            loop {
                let n = stream.read(&mut buf).expect("read failed");
                if n == 0 {
                    return echoed;
                }
                stream.write_all(&buf[..n]).expect("write failed");
                echoed += n as u64;
            }
        }));
    }
    workers
        .into_iter()
        .map(|w| w.join().expect("a connection thread panicked"))
        .sum()
}
