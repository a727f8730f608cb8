//! Alternative: lock ordering after all: two locks with no natural order still have addresses, and taking the lower address first is one global order every caller follows, so no back-off is needed.

use std::sync::PoisonError;

use crate::sync::{Mutex, MutexGuard};

/// Locks both `a` and `b` and returns their guards, in any interleaving with other threads
/// calling `lock_both` on the same locks in either order. Never deadlocks. A lock poisoned by
/// a thread that panicked while holding it is taken all the same.
pub fn lock_both<'a, A, B>(
    a: &'a Mutex<A>,
    b: &'a Mutex<B>,
) -> (MutexGuard<'a, A>, MutexGuard<'a, B>) {
    // Where each lock lives: the same for every caller, whatever order it passes them in.
    let a_first = std::ptr::from_ref(a).cast::<()>() < std::ptr::from_ref(b).cast::<()>();
    if a_first {
        let guard_a = a.lock().unwrap_or_else(PoisonError::into_inner);
        (guard_a, b.lock().unwrap_or_else(PoisonError::into_inner))
    } else {
        let guard_b = b.lock().unwrap_or_else(PoisonError::into_inner);
        (a.lock().unwrap_or_else(PoisonError::into_inner), guard_b)
    }
}
