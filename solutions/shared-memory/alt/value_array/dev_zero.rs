//! Alternative: the shared memory is a MAP_SHARED mapping of /dev/zero (System V style) rather than an anonymous mapping.
//!
//! `Value<T>` and `Array<T>`: plain values in memory that survives `fork` as *shared*, so what
//! a child writes the parent reads. Python's `Value('i', 0)` and `Array('d', 5)`; the type
//! codes are the notes' 'i' (i32), 'd' (f64) and 'c' (u8).

use std::marker::PhantomData;
use std::num::NonZeroUsize;
use std::ptr::NonNull;

use nix::sys::mman::{MapFlags, ProtFlags, mmap, munmap};

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
        let bytes = bytes.max(1);
        let length = NonZeroUsize::new(bytes).expect("at least one byte");
        // A shared mapping of /dev/zero: the System V way to get shared anonymous memory. Every
        // such mapping is a fresh zero-filled object; the file can be closed once it is mapped.
        let zero = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open("/dev/zero")
            .map_err(|e| nix::errno::Errno::from_raw(e.raw_os_error().unwrap_or(0)))?;
        // Safety: a fresh mapping at an address of the kernel's choice aliases nothing.
        let ptr = unsafe {
            mmap(
                None,
                length,
                ProtFlags::PROT_READ | ProtFlags::PROT_WRITE,
                MapFlags::MAP_SHARED,
                &zero,
                0,
            )?
        };
        Ok(Mapping {
            ptr: ptr.cast(),
            bytes,
        })
    }
}

impl Drop for Mapping {
    fn drop(&mut self) {
        // Safety: `ptr` and `bytes` are exactly what mmap returned and nothing uses them after.
        let _ = unsafe { munmap(self.ptr.cast(), self.bytes) };
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
        let value = Value {
            map: Mapping::new(size_of::<T>())?,
            _type: PhantomData,
        };
        value.set(initial);
        Ok(value)
    }

    /// The current value (whatever process wrote it last).
    pub fn get(&self) -> T {
        // Safety: the mapping is page-aligned, holds a `T`, and lives as long as `self`.
        // Volatile: another process may have changed it, so the compiler must really read.
        unsafe { self.map.ptr.cast::<T>().as_ptr().read_volatile() }
    }

    /// Stores `value`, visible to every process sharing the mapping.
    pub fn set(&self, value: T) {
        // Safety: as in `get`.
        unsafe { self.map.ptr.cast::<T>().as_ptr().write_volatile(value) }
    }

    /// The type code: 'i', 'd' or 'c'.
    pub fn typecode(&self) -> char {
        T::TYPECODE
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
        // Sized in bytes, not elements; anonymous mappings come zero-filled.
        let map = Mapping::new(len * size_of::<T>())?;
        Ok(Array {
            map,
            len,
            _type: PhantomData,
        })
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
        assert!(
            i < self.len,
            "index {i} out of bounds for a shared array of {}",
            self.len
        );
        // Safety: `i < len`, so the element lies inside the mapping.
        unsafe { self.map.ptr.cast::<T>().as_ptr().add(i).read_volatile() }
    }

    /// Sets element `i`. Panics if `i >= len`.
    pub fn set(&self, i: usize, value: T) {
        assert!(
            i < self.len,
            "index {i} out of bounds for a shared array of {}",
            self.len
        );
        // Safety: as in `get`.
        unsafe {
            self.map
                .ptr
                .cast::<T>()
                .as_ptr()
                .add(i)
                .write_volatile(value)
        }
    }

    /// A private copy of every element.
    pub fn to_vec(&self) -> Vec<T> {
        (0..self.len).map(|i| self.get(i)).collect()
    }

    /// The type code: 'i', 'd' or 'c'.
    pub fn typecode(&self) -> char {
        T::TYPECODE
    }
}
