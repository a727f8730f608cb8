//! Alternative: back off without taking turns: always wait for `a` and only try `b`, yielding after each failed try; the yield lets the holder of `b` run on and release it, so the retries end.

use std::sync::{PoisonError, TryLockError};

use crate::sync::{Mutex, MutexGuard, thread};

/// Locks both `a` and `b` and returns their guards, in any interleaving with other threads
/// calling `lock_both` on the same locks in either order. Never deadlocks. A lock poisoned by
/// a thread that panicked while holding it is taken all the same.
pub fn lock_both<'a, A, B>(
    a: &'a Mutex<A>,
    b: &'a Mutex<B>,
) -> (MutexGuard<'a, A>, MutexGuard<'a, B>) {
    loop {
        let guard_a = a.lock().unwrap_or_else(PoisonError::into_inner);
        match b.try_lock() {
            Ok(guard_b) => return (guard_a, guard_b),
            Err(TryLockError::Poisoned(e)) => return (guard_a, e.into_inner()),
            // Busy: release `a` (back off) and let the holder of `b` run before trying again.
            Err(TryLockError::WouldBlock) => drop(guard_a),
        }
        thread::yield_now();
    }
}
