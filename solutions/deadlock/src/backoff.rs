//! Taking two locks when there is no order to take them in: take one, *try* the other, and if it
//! is busy, back off — release what you hold and start again — instead of waiting while holding
//! a lock (hold-and-wait), which is what lets a deadlock form.

use std::sync::{PoisonError, TryLockError};

use crate::sync::{Mutex, MutexGuard, thread};

/// Locks both `a` and `b` and returns their guards, in any interleaving with other threads
/// calling `lock_both` on the same locks in either order. Never deadlocks. A lock poisoned by
/// a thread that panicked while holding it is taken all the same.
pub fn lock_both<'a, A, B>(
    a: &'a Mutex<A>,
    b: &'a Mutex<B>,
) -> (MutexGuard<'a, A>, MutexGuard<'a, B>) {
    // Which lock to wait for this round; the other is only tried.
    let mut wait_for_a = true;
    loop {
        // Poisoning is ignored (`into_inner`): `lock_both` hands out guards, not a
        // `LockResult`, so it cannot pass the poison on; and treating `Poisoned` as busy
        // would retry forever, since a poisoned lock stays poisoned.
        if wait_for_a {
            let guard_a = a.lock().unwrap_or_else(PoisonError::into_inner);
            match b.try_lock() {
                Ok(guard_b) => return (guard_a, guard_b),
                Err(TryLockError::Poisoned(e)) => return (guard_a, e.into_inner()),
                // Busy: drop `guard_a` (back off) so whoever holds `b` can take `a` and finish.
                Err(TryLockError::WouldBlock) => {}
            }
        } else {
            let guard_b = b.lock().unwrap_or_else(PoisonError::into_inner);
            match a.try_lock() {
                Ok(guard_a) => return (guard_a, guard_b),
                Err(TryLockError::Poisoned(e)) => return (e.into_inner(), guard_b),
                Err(TryLockError::WouldBlock) => {}
            }
        }
        // Next round, wait for the lock that was busy: its holder is probably about to release
        // it, and two threads taking turns this way do not keep colliding (livelock).
        wait_for_a = !wait_for_a;
        thread::yield_now();
    }
}
