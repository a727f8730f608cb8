//! Alternative: the counter's page is a shared mapping of a memfd (an anonymous in-memory file) instead of anonymous memory, and `get` loads with Relaxed ordering.
//!
//! A counter in shared memory that several processes increment without losing updates.
//! `v.value += 1` is a read, then a write: two processes can both read 5 and both write 6.
//! An atomic read-modify-write placed in the shared page does it as one indivisible step.

use std::num::NonZeroUsize;
use std::ptr::NonNull;
use std::sync::atomic::{AtomicI32, Ordering};

use std::os::fd::{FromRawFd, OwnedFd};

use nix::sys::mman::{MapFlags, ProtFlags, mmap, munmap};
use nix::unistd::ftruncate;

/// The operations a counter may use on its memory cell. `AtomicI32` implements them; the
/// grading suite substitutes a cell that records how it is used.
pub trait Cell {
    /// Reads the value.
    fn load(&self) -> i32;
    /// Writes a value.
    fn store(&self, value: i32);
    /// Adds `delta` in one indivisible step; returns the previous value.
    fn fetch_add(&self, delta: i32) -> i32;
}

impl Cell for AtomicI32 {
    fn load(&self) -> i32 {
        AtomicI32::load(self, Ordering::SeqCst)
    }

    fn store(&self, value: i32) {
        AtomicI32::store(self, value, Ordering::SeqCst)
    }

    fn fetch_add(&self, delta: i32) -> i32 {
        AtomicI32::fetch_add(self, delta, Ordering::SeqCst)
    }
}

/// Adds one to `cell`, even if other processes add at the same moment.
pub fn increment(cell: &impl Cell) {
    // One atomic read-modify-write: no other process can slip in between the read and the
    // write. `cell.store(cell.load() + 1)` is the notes' `v.value += 1` and loses updates.
    cell.fetch_add(1);
}

/// An `AtomicI32` in a page shared with every process forked after `new`.
pub struct SharedCounter {
    cell: NonNull<AtomicI32>,
}

impl SharedCounter {
    /// A shared counter at 0. Create it before `fork`.
    pub fn new() -> nix::Result<SharedCounter> {
        // An anonymous in-memory file, sized to one counter and mapped shared: what fork passes
        // on is the mapping of that one file, so parent and children share the page.
        // Safety: a plain system call with a valid C string; the fd it returns is ours alone.
        let raw = unsafe { libc::memfd_create(c"kit-counter".as_ptr(), libc::MFD_CLOEXEC) };
        if raw < 0 {
            return Err(nix::errno::Errno::last());
        }
        // Safety: `raw` is a fresh fd nobody else owns; the OwnedFd closes it once mapped.
        let file = unsafe { OwnedFd::from_raw_fd(raw) };
        ftruncate(&file, size_of::<AtomicI32>() as i64)?;
        let length = NonZeroUsize::new(size_of::<AtomicI32>()).expect("non-zero size");
        // Safety: a fresh mapping of our own file, at an address the kernel picks.
        let page = unsafe {
            mmap(
                None,
                length,
                ProtFlags::PROT_READ | ProtFlags::PROT_WRITE,
                MapFlags::MAP_SHARED,
                &file,
                0,
            )?
        };
        Ok(SharedCounter { cell: page.cast() })
    }

    /// Adds one.
    pub fn increment(&self) {
        increment(self.cell());
    }

    /// The current count.
    pub fn get(&self) -> i32 {
        // Relaxed is enough to read one counter: no other memory is published through it.
        self.cell().load(Ordering::Relaxed)
    }

    fn cell(&self) -> &AtomicI32 {
        // Safety: the mapping lives as long as `self` and holds an initialised AtomicI32; shared
        // references are fine because every access is atomic.
        unsafe { self.cell.as_ref() }
    }
}

impl Drop for SharedCounter {
    fn drop(&mut self) {
        // Safety: the pointer and length are those of the mapping made in `new`.
        let _ = unsafe { munmap(self.cell.cast(), size_of::<AtomicI32>()) };
    }
}
