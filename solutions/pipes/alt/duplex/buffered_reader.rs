//! Alternative: each end reads through a `BufReader` (fewer system calls for small messages) and
//! writes through a clone of the same socket; end-of-file is told apart with `fill_buf`.

use std::io::{self, BufRead, BufReader, ErrorKind, Read, Write};
use std::os::unix::net::UnixStream;

/// One end of a duplex pipe.
pub struct Connection {
    reader: BufReader<UnixStream>,
    writer: UnixStream,
}

/// Two connected ends: what one sends, the other receives, in both directions.
pub fn pipe() -> io::Result<(Connection, Connection)> {
    let (left, right) = UnixStream::pair()?;
    Ok((Connection::from(left), Connection::from(right)))
}

/// Any connected stream socket can be one end (the other end may frame by hand).
impl From<UnixStream> for Connection {
    fn from(stream: UnixStream) -> Self {
        // Two handles on one socket: the buffered one reads, the plain one writes.
        let writer = stream
            .try_clone()
            .expect("cannot duplicate the socket's descriptor");
        Connection {
            reader: BufReader::new(stream),
            writer,
        }
    }
}

impl Connection {
    /// Sends one whole message: a 4-byte big-endian length, then the bytes.
    pub fn send(&mut self, message: &[u8]) -> io::Result<()> {
        let len = u32::try_from(message.len())
            .map_err(|_| io::Error::new(ErrorKind::InvalidInput, "message longer than 4 GiB"))?;
        self.writer.write_all(&len.to_be_bytes())?;
        self.writer.write_all(message)
    }

    /// Receives the next whole message, or `None` once the other end is closed (end-of-file
    /// between two messages). End-of-file inside a message is an error: it was cut short.
    pub fn recv(&mut self) -> io::Result<Option<Vec<u8>>> {
        // `fill_buf` waits for at least one byte (retrying interrupted reads) and returns an
        // empty buffer only at end-of-file: before a header, that is a clean close.
        loop {
            match self.reader.fill_buf() {
                Ok([]) => return Ok(None),
                Ok(_) => break,
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        // From here on the frame has begun: `read_exact` turns end-of-file into an error.
        let mut header = [0u8; 4];
        self.reader.read_exact(&mut header)?;
        let mut message = vec![0; u32::from_be_bytes(header) as usize];
        self.reader.read_exact(&mut message)?;
        Ok(Some(message))
    }
}
