//! `Value<T>` and `Array<T>`: plain values in memory that survives `fork` as *shared*, so what
//! a child writes the parent reads. Python's `Value('i', 0)` and `Array('d', 5)`; the type
//! codes are the notes' 'i' (i32), 'd' (f64) and 'c' (u8).

use std::marker::PhantomData;
use std::num::NonZeroUsize;
use std::ptr::NonNull;

use nix::sys::mman::{MapFlags, ProtFlags, mmap_anonymous, munmap};

/// A type that may live in shared memory: copied bit for bit, no pointers inside, every bit
/// pattern (and all zeros) a valid value.
pub trait Plain: Copy + 'static {
    /// The `multiprocessing` type code.
    const TYPECODE: char;
}

impl Plain for i32 {
    const TYPECODE: char = 'i';
}

impl Plain for f64 {
    const TYPECODE: char = 'd';
}

impl Plain for u8 {
    const TYPECODE: char = 'c';
}

/// `bytes` (at least 1) of zeroed memory shared with every process forked after this call.
struct Mapping {
    ptr: NonNull<u8>,
    bytes: usize,
}

impl Mapping {
    fn new(bytes: usize) -> nix::Result<Mapping> {
        // TODO: map `bytes` (at least 1) of anonymous memory, readable and writable, that
        // stays shared with child processes after fork (`nix::sys::mman::mmap_anonymous`;
        // which `MapFlags`?).
        todo!("map shared memory")
    }
}

impl Drop for Mapping {
    fn drop(&mut self) {
        // TODO: unmap the memory (`munmap`).
        todo!("unmap")
    }
}

/// One `T` in shared memory.
///
/// Not `Sync`: `get` and `set` are plain (non-atomic) accesses, fine for one writer and a
/// reader that waits for it (the parent reaps the child first), not for racing threads.
pub struct Value<T: Plain> {
    map: Mapping,
    _type: PhantomData<*mut T>,
}

impl<T: Plain> Value<T> {
    /// A shared value holding `initial`. Create it before `fork`.
    pub fn new(initial: T) -> nix::Result<Value<T>> {
        // TODO: a mapping of `size_of::<T>()` bytes, then store `initial` in it.
        todo!("a shared value")
    }

    /// The current value (whatever process wrote it last).
    pub fn get(&self) -> T {
        // TODO: read the `T` at the start of the mapping (`read_volatile`: another process
        // may have written it).
        todo!()
    }

    /// Stores `value`, visible to every process sharing the mapping.
    pub fn set(&self, value: T) {
        // TODO: write `value` at the start of the mapping (`write_volatile`).
        todo!()
    }

    /// The type code: 'i', 'd' or 'c'.
    pub fn typecode(&self) -> char {
        // TODO: the type code of `T` (see `Plain`).
        todo!()
    }
}

/// `len` values of `T` in shared memory, all zero at first.
pub struct Array<T: Plain> {
    map: Mapping,
    len: usize,
    _type: PhantomData<*mut T>,
}

impl<T: Plain> Array<T> {
    /// A shared array of `len` zeros. Create it before `fork`.
    pub fn new(len: usize) -> nix::Result<Array<T>> {
        // TODO: a mapping big enough for `len` values of `T` (it comes zero-filled).
        todo!("a shared array")
    }

    /// A shared array holding a copy of `items`.
    pub fn from_slice(items: &[T]) -> nix::Result<Array<T>> {
        let array = Array::new(items.len())?;
        for (i, item) in items.iter().enumerate() {
            array.set(i, *item);
        }
        Ok(array)
    }

    /// How many elements.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether there are no elements.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Element `i`. Panics if `i >= len`.
    pub fn get(&self, i: usize) -> T {
        // TODO: panic if `i >= len`, else read element `i` (`ptr.add(i)`).
        todo!()
    }

    /// Sets element `i`. Panics if `i >= len`.
    pub fn set(&self, i: usize, value: T) {
        // TODO: panic if `i >= len`, else write element `i`.
        todo!()
    }

    /// A private copy of every element.
    pub fn to_vec(&self) -> Vec<T> {
        (0..self.len).map(|i| self.get(i)).collect()
    }

    /// The type code: 'i', 'd' or 'c'.
    pub fn typecode(&self) -> char {
        // TODO: the type code of `T` (see `Plain`).
        todo!()
    }
}
