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
        // O_EXCL: never silently reuse a stale segment some crashed run left behind.
        let fd = shm_open(
            name,
            OFlag::O_CREAT | OFlag::O_EXCL | OFlag::O_RDWR,
            Mode::S_IRUSR | Mode::S_IWUSR,
        )?;
        // From here on, undo the name if anything fails.
        let sized = ftruncate(&fd, len as i64).and_then(|()| map(&fd, len));
        match sized {
            Ok(ptr) => Ok(NamedSegment {
                name: name.to_owned(),
                ptr,
                len,
                owner: true,
            }),
            Err(e) => {
                let _ = shm_unlink(name);
                Err(e)
            }
        }
    }

    /// Opens the existing segment `name`, with the size its creator gave it. Fails with `ENOENT`
    /// if nobody created it: opening never creates.
    pub fn open(name: &str) -> nix::Result<NamedSegment> {
        let fd = shm_open(name, OFlag::O_RDWR, Mode::empty())?;
        let len = fstat(&fd)?.st_size as usize;
        let ptr = map(&fd, len)?;
        Ok(NamedSegment {
            name: name.to_owned(),
            ptr,
            len,
            owner: false,
        })
        // `fd` closes here: the mapping keeps the memory alive on its own.
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
            offset + bytes.len() <= self.len,
            "write past the end of the segment"
        );
        // Safety: the range is inside the mapping (checked), which lives as long as `self`.
        unsafe {
            std::ptr::copy_nonoverlapping(
                bytes.as_ptr(),
                self.ptr.as_ptr().add(offset),
                bytes.len(),
            )
        }
    }

    /// Copies `len` bytes out of the segment from `offset`. Panics if out of range.
    pub fn read(&self, offset: usize, len: usize) -> Vec<u8> {
        assert!(offset + len <= self.len, "read past the end of the segment");
        let mut out = vec![0; len];
        // Safety: as in `write`.
        unsafe {
            std::ptr::copy_nonoverlapping(self.ptr.as_ptr().add(offset), out.as_mut_ptr(), len)
        }
        out
    }
}

/// Maps `len` bytes of the segment behind `fd`, shared (at least one byte).
fn map(fd: &std::os::fd::OwnedFd, len: usize) -> nix::Result<NonNull<u8>> {
    let length = NonZeroUsize::new(len.max(1)).expect("at least one byte");
    // Safety: a fresh mapping of our own segment, at an address the kernel picks.
    let ptr = unsafe {
        mmap(
            None,
            length,
            ProtFlags::PROT_READ | ProtFlags::PROT_WRITE,
            MapFlags::MAP_SHARED,
            fd,
            0,
        )?
    };
    Ok(ptr.cast())
}

impl Drop for NamedSegment {
    fn drop(&mut self) {
        // Safety: the pointer and length are those of our mapping; nothing uses it after.
        let _ = unsafe { munmap(self.ptr.cast(), self.len.max(1)) };
        // Drop runs during unwinding too, so a panicking test still removes the name. Only
        // the creator unlinks: a peer closing its view must not pull the segment from under
        // the others (like a file, the name is gone at once; the memory when the last
        // mapping goes).
        if self.owner {
            let _ = shm_unlink(self.name.as_str());
        }
    }
}
