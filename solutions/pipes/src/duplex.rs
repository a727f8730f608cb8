//! A duplex `Pipe()` like Python's `multiprocessing.Pipe()`: two connected ends, and each end
//! can both `send` and `recv` whole messages.
//!
//! The ends are a Unix socket pair: a byte stream, with no message boundaries of its own. So
//! every message goes out *framed*: its length as 4 big-endian bytes, then its bytes.

use std::io::{self, ErrorKind, Read, Write};
use std::os::unix::net::UnixStream;

/// One end of a duplex pipe.
pub struct Connection {
    stream: UnixStream,
}

/// Two connected ends: what one sends, the other receives, in both directions.
pub fn pipe() -> io::Result<(Connection, Connection)> {
    let (left, right) = UnixStream::pair()?;
    Ok((Connection { stream: left }, Connection { stream: right }))
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
        let len = u32::try_from(message.len())
            .map_err(|_| io::Error::new(ErrorKind::InvalidInput, "message longer than 4 GiB"))?;
        // `write_all`: one write may take only part of a large message.
        self.stream.write_all(&len.to_be_bytes())?;
        self.stream.write_all(message)
    }

    /// Receives the next whole message, or `None` once the other end is closed (end-of-file
    /// between two messages). End-of-file inside a message (its header included) is an error:
    /// it was cut short. A message may arrive in pieces; a read interrupted by a signal is
    /// retried, any other read error is returned.
    pub fn recv(&mut self) -> io::Result<Option<Vec<u8>>> {
        let mut header = [0u8; 4];
        // A clean end-of-file can only happen before the first byte of a header.
        let mut filled = 0;
        while filled < header.len() {
            match self.stream.read(&mut header[filled..]) {
                Ok(0) if filled == 0 => return Ok(None),
                Ok(0) => return Err(ErrorKind::UnexpectedEof.into()),
                Ok(n) => filled += n,
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        let mut message = vec![0; u32::from_be_bytes(header) as usize];
        // `read_exact`: one read returns only what has arrived so far, maybe part of it.
        self.stream.read_exact(&mut message)?;
        Ok(Some(message))
    }
}
