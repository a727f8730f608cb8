//! Deadlock and starvation: transfers that lock two accounts, dining philosophers, a `Condvar`
//! mailbox that must wait in a loop, and a readers-writer lock fair to its writers.

pub mod backoff;
pub mod fair_rwlock;
pub mod mailbox;
pub mod philosophers;
pub mod sync;
pub mod transfer;
