//! A duplex `Pipe()` like Python's `multiprocessing.Pipe()`: two connected ends, and each end
//! can both `send` and `recv` whole messages.
//!
//! Build it on a Unix socket pair. A stream has no message boundaries: frame each message as
//! its length (4 big-endian bytes) followed by its bytes.

use std::io::{self, ErrorKind, Read, Write};
use std::os::unix::net::UnixStream;

/// One end of a duplex pipe.
pub struct Connection {
    stream: UnixStream,
}

/// Two connected ends: what one sends, the other receives, in both directions.
pub fn pipe() -> io::Result<(Connection, Connection)> {
    // TODO: `UnixStream::pair()` gives two connected sockets: one per end.
    todo!()
}

/// Any connected stream socket can be one end (the other end may frame by hand).
impl From<UnixStream> for Connection {
    fn from(stream: UnixStream) -> Self {
        Connection { stream }
    }
}

impl Connection {
    /// Sends one whole message: a 4-byte big-endian length, then the bytes.
    pub fn send(&mut self, message: &[u8]) -> io::Result<()> {
        // TODO: write the length (`u32::to_be_bytes`), then the message, each with `write_all`.
        todo!()
    }

    /// Receives the next whole message, or `None` once the other end is closed (end-of-file
    /// between two messages). End-of-file inside a message (its header included) is an error:
    /// it was cut short. A message may arrive in pieces; a read interrupted by a signal is
    /// retried, any other read error is returned.
    pub fn recv(&mut self) -> io::Result<Option<Vec<u8>>> {
        // TODO: read the 4-byte header; end-of-file before its first byte means `Ok(None)`.
        // TODO: then read exactly that many bytes: one `read` may return only part of them.
        todo!()
    }
}
