//! Wrong: takes the first lock and then waits for the second: two threads passing the locks in
//! opposite orders each hold one and wait forever for the other.
//! Expect: deadlock

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
            return (guard_a, b.lock().unwrap());
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
