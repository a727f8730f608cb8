//! Shared memory between processes: typed `Value` and `Array` on a shared mapping inherited
//! across `fork` (Python's `multiprocessing.Value('i', 0)` and `Array('d', n)`), a counter that
//! stays correct under concurrent increments, and a named segment two unrelated processes open.

pub mod counter;
pub mod named;
pub mod value_array;
