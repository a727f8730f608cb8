//! The synchronisation primitives of this crate, in one place: `std`'s in a normal build, the
//! model checker's under the `model` feature, so the grading suite can run the same code under
//! every interleaving of its threads (loom's primitives, with `std`'s API, recording each step:
//! a failing interleaving is shown to you line by line). Use `crate::sync::...`, never
//! `std::sync` directly, in the exercises.

#[cfg(feature = "model")]
pub use grading::model::sync::{
    Arc, Condvar, Mutex, MutexGuard, RwLock, RwLockReadGuard, RwLockWriteGuard, atomic, thread,
};
#[cfg(not(feature = "model"))]
pub use std::{
    sync::{Arc, Condvar, Mutex, MutexGuard, RwLock, RwLockReadGuard, RwLockWriteGuard, atomic},
    thread,
};
