//! A named shared-memory segment (`shm_open`): unrelated processes find it by name, as they
//! would a file, in `/dev/shm`. The creator removes the name (`shm_unlink`) when it drops the
//! segment, even on a panic, so nothing is left behind.

use std::num::NonZeroUsize;
use std::ptr::NonNull;

use nix::fcntl::OFlag;
use nix::sys::mman::{MapFlags, ProtFlags, mmap, munmap, shm_open, shm_unlink};
use nix::sys::stat::{Mode, fstat};
use nix::unistd::ftruncate;

/// A mapping of a named segment; the creator's handle removes the name when dropped.
pub struct NamedSegment {
    name: String,
    ptr: NonNull<u8>,
    len: usize,
    owner: bool,
}

impl NamedSegment {
    /// Creates the segment `name` (like `/kit-demo`) of `len` bytes, zeroed, readable and
    /// writable by its owner only (0o600). Fails with `EEXIST` if it already exists (and leaves
    /// that one alone); whatever else fails, no name is left behind.
    pub fn create(name: &str, len: usize) -> nix::Result<NamedSegment> {
        // TODO: `shm_open` with O_CREAT | O_EXCL | O_RDWR (mode 0o600), set its size with
        // `ftruncate`, map it with `map`. If sizing or mapping fails, `shm_unlink` the name
        // before returning the error. This handle is the owner.
        todo!("create a named segment")
    }

    /// Opens the existing segment `name`, with the size its creator gave it. Fails with `ENOENT`
    /// if nobody created it: opening never creates.
    pub fn open(name: &str) -> nix::Result<NamedSegment> {
        // TODO: `shm_open` with O_RDWR, find its size with `fstat(..).st_size`, map it.
        // Not the owner.
        todo!("open a named segment")
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
        // TODO: panic if it does not fit, else copy the bytes in (`copy_nonoverlapping`).
        todo!()
    }

    /// Copies `len` bytes out of the segment from `offset`. Panics if out of range.
    pub fn read(&self, offset: usize, len: usize) -> Vec<u8> {
        // TODO: panic if out of range, else copy `len` bytes out.
        todo!()
    }
}

/// Maps `len` bytes of the segment behind `fd`, shared (at least one byte).
fn map(fd: &std::os::fd::OwnedFd, len: usize) -> nix::Result<NonNull<u8>> {
    // TODO: `mmap` `len` (at least 1) bytes of `fd`, readable and writable, MAP_SHARED.
    todo!("map the segment")
}

impl Drop for NamedSegment {
    fn drop(&mut self) {
        // TODO: unmap; then, if this handle created the segment, `shm_unlink` its name (Drop
        // also runs while a panic unwinds, so nothing is left in /dev/shm).
        todo!("unmap and unlink")
    }
}
