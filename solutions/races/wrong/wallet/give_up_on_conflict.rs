//! Wrong: tries `compare_exchange` once and reports "not enough money" when it fails, although
//! it failed only because another thread changed the balance: affordable withdrawals are refused.
//! Expect: check-then-act
//! Expect: refused

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
        let mut current = self.balance.load(Ordering::SeqCst);
        loop {
            if current < amount {
                return false;
            }
            // Check and act in one step: the new balance is stored only if the balance is
            // still `current`, the value we checked.
            match self.balance.compare_exchange(
                current,
                current - amount,
                Ordering::SeqCst,
                Ordering::SeqCst,
            ) {
                Ok(_) => return true,
                // Another thread changed the balance in between: check again against the
                // fresh value rather than give up (the money may still be there).
                Err(_) => return false,
            }
        }
    }
}
