//! Locks: critical sections with `Mutex`, the scoped guard (Python's `with lock:`), a lock that
//! serialises output, a transfer that happens atomically, and the traps of guard scope.

pub mod bank;
pub mod cache;
pub mod mutex_counter;
pub mod printer;
pub mod sync;
