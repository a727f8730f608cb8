//! Wrong: checks the balance with `load`, then subtracts with `fetch_sub`: both threads can pass
//! the check before either subtracts, and the wallet is overdrawn.
//! Expect: check-then-act

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
        self.balance.load(Ordering::SeqCst)
    }

    /// Adds `amount`.
    pub fn deposit(&self, amount: u64) {
        self.balance.fetch_add(amount, Ordering::SeqCst);
    }

    /// Takes `amount` if the wallet holds at least that much; returns whether it did. Never
    /// lets the balance go below zero, whatever other threads do at the same time.
    pub fn withdraw(&self, amount: u64) -> bool {
        if self.balance.load(Ordering::SeqCst) < amount {
            return false;
        }
        self.balance.fetch_sub(amount, Ordering::SeqCst);
        true
    }
}
