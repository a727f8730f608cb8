//! A wallet on an atomic balance. "If there is enough money, take it" is check-then-act: between
//! the check and the act another thread may take the money. `compare_exchange` makes the act
//! conditional on the balance still being the one that was checked.

use crate::sync::atomic::{AtomicU64, Ordering};

/// A balance many threads spend from and pay into.
pub struct Wallet {
    balance: AtomicU64,
}

impl Wallet {
    /// A wallet holding `balance`.
    pub fn new(balance: u64) -> Self {
        Wallet {
            balance: AtomicU64::new(balance),
        }
    }

    /// The current balance.
    pub fn balance(&self) -> u64 {
        // TODO: read the balance.
        todo!()
    }

    /// Adds `amount`.
    pub fn deposit(&self, amount: u64) {
        // TODO: add `amount` in one indivisible operation.
        todo!()
    }

    /// Takes `amount` if the wallet holds at least that much; returns whether it did. Never
    /// lets the balance go below zero, whatever other threads do at the same time.
    pub fn withdraw(&self, amount: u64) -> bool {
        // TODO: take `amount` only if it is there, and make the check and the update one
        //       step: `compare_exchange` in a loop (or `fetch_update`). Never let the balance
        //       go below zero, not even for a moment.
        todo!()
    }
}
