//! Wrong: retries `try_lock` on the second lock while still holding the first, so it never backs
//! off: two threads in opposite orders each keep one lock and spin for the other forever.
//! Expect: hold and wait

use std::sync::TryLockError;

use crate::sync::{Mutex, MutexGuard, thread};

/// Locks both `a` and `b` and returns their guards, in any interleaving with other threads
/// calling `lock_both` on the same locks in either order. Never deadlocks.
pub fn lock_both<'a, A, B>(
    a: &'a Mutex<A>,
    b: &'a Mutex<B>,
) -> (MutexGuard<'a, A>, MutexGuard<'a, B>) {
    // Which lock to wait for this round; the other is only tried.
    let mut wait_for_a = true;
    loop {
        if wait_for_a {
            let guard_a = a.lock().unwrap();
            loop {
                match b.try_lock() {
                    Ok(guard_b) => return (guard_a, guard_b),
                    Err(TryLockError::Poisoned(e)) => return (guard_a, e.into_inner()),
                    Err(TryLockError::WouldBlock) => thread::yield_now(),
                }
            }
        } else {
            let guard_b = b.lock().unwrap();
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
