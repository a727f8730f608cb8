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
    // TODO: add one so that no other process can slip in between the read and the write.
    todo!("increment without losing updates")
}

/// An `AtomicI32` in a page shared with every process forked after `new`.
pub struct SharedCounter {
    cell: NonNull<AtomicI32>,
}

impl SharedCounter {
    /// A shared counter at 0. Create it before `fork`.
    pub fn new() -> nix::Result<SharedCounter> {
        // TODO: map one `AtomicI32` worth of anonymous memory, shared across fork; the page
        // comes zeroed, which is an `AtomicI32` holding 0.
        todo!("a counter in shared memory")
    }

    /// Adds one.
    pub fn increment(&self) {
        // TODO: use the `increment` function above on the shared cell.
        todo!()
    }

    /// The current count.
    pub fn get(&self) -> i32 {
        // TODO: read the shared cell.
        todo!()
    }

    fn cell(&self) -> &AtomicI32 {
        // Safety: the mapping lives as long as `self` and holds an initialised AtomicI32; shared
        // references are fine because every access is atomic.
        unsafe { self.cell.as_ref() }
    }
}

impl Drop for SharedCounter {
    fn drop(&mut self) {
        // TODO: unmap the page.
        todo!("unmap")
    }
}
