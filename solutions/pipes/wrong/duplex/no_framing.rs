//! Wrong: sends the raw bytes with no length in front, so the receiver cannot tell where one
//! message ends and the next begins.
//! Expect: message boundaries lost

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
        self.stream.write_all(message)
    }

    /// Receives the next whole message, or `None` once the other end is closed (end-of-file
    /// between two messages). End-of-file inside a message is an error: it was cut short.
    pub fn recv(&mut self) -> io::Result<Option<Vec<u8>>> {
        let mut message = vec![0; 1 << 16];
        let n = self.stream.read(&mut message)?;
        if n == 0 {
            return Ok(None);
        }
        message.truncate(n);
        Ok(Some(message))
    }
}
