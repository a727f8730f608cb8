//! Alternative: no mapping at all: the handle keeps the segment's file descriptor and copies bytes in and out with `pwrite`/`pread`, which reach the same pages another process maps.
//!
//! A named shared-memory segment (`shm_open`): unrelated processes find it by name, as they
//! would a file, in `/dev/shm`. The creator removes the name (`shm_unlink`) when it drops the
//! segment, even on a panic, so nothing is left behind.

use std::os::fd::OwnedFd;

use nix::fcntl::OFlag;
use nix::sys::mman::{shm_open, shm_unlink};
use nix::sys::stat::{Mode, fstat};
use nix::sys::uio::{pread, pwrite};
use nix::unistd::ftruncate;

/// A handle on a named segment; the creator's handle removes the name when dropped.
pub struct NamedSegment {
    name: String,
    fd: OwnedFd,
    len: usize,
    owner: bool,
}

impl NamedSegment {
    /// Creates the segment `name` (like `/kit-demo`) of `len` bytes, zeroed, readable and
    /// writable by its owner only (0o600). Fails with `EEXIST` if it already exists (and leaves
    /// that one alone); whatever else fails, no name is left behind.
    pub fn create(name: &str, len: usize) -> nix::Result<NamedSegment> {
        let fd = shm_open(
            name,
            OFlag::O_CREAT | OFlag::O_EXCL | OFlag::O_RDWR,
            Mode::S_IRUSR | Mode::S_IWUSR,
        )?;
        // The name exists from here on: a failure to size it must not leave it behind.
        let size = i64::try_from(len).map_err(|_| nix::errno::Errno::EINVAL);
        if let Err(e) = size.and_then(|size| ftruncate(&fd, size)) {
            let _ = shm_unlink(name);
            return Err(e);
        }
        Ok(NamedSegment {
            name: name.to_owned(),
            fd,
            len,
            owner: true,
        })
    }

    /// Opens the existing segment `name`, with the size its creator gave it. Fails with `ENOENT`
    /// if nobody created it: opening never creates.
    pub fn open(name: &str) -> nix::Result<NamedSegment> {
        let fd = shm_open(name, OFlag::O_RDWR, Mode::empty())?;
        let len = fstat(&fd)?.st_size as usize;
        Ok(NamedSegment {
            name: name.to_owned(),
            fd,
            len,
            owner: false,
        })
    }

    /// The segment's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Its size in bytes.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether it is empty.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Copies `bytes` into the segment at `offset`. Panics if it does not fit.
    pub fn write(&self, offset: usize, bytes: &[u8]) {
        assert!(
            offset
                .checked_add(bytes.len())
                .is_some_and(|end| end <= self.len),
            "write past the end of the segment"
        );
        let mut done = 0;
        while done < bytes.len() {
            done += pwrite(&self.fd, &bytes[done..], (offset + done) as i64)
                .expect("write to the segment");
        }
    }

    /// Copies `len` bytes out of the segment from `offset`. Panics if out of range.
    pub fn read(&self, offset: usize, len: usize) -> Vec<u8> {
        assert!(
            offset.checked_add(len).is_some_and(|end| end <= self.len),
            "read past the end of the segment"
        );
        let mut out = vec![0; len];
        let mut done = 0;
        while done < len {
            let n = pread(&self.fd, &mut out[done..], (offset + done) as i64)
                .expect("read from the segment");
            assert!(n > 0, "the segment is shorter than its size");
            done += n;
        }
        out
    }
}

impl Drop for NamedSegment {
    fn drop(&mut self) {
        // The fd closes by itself; only the creator removes the name.
        if self.owner {
            let _ = shm_unlink(self.name.as_str());
        }
    }
}
