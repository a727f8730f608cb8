//! Alternative: back-off: lock the source, try_lock the target, and on failure release the source and retry (no lock ordering, no waiting while holding).

use std::sync::TryLockError;

use crate::sync::{Mutex, MutexGuard, thread};

/// Accounts numbered from 0, each with its own lock so transfers between other accounts run in
/// parallel.
pub struct Bank {
    accounts: Vec<Mutex<u64>>,
}

impl Bank {
    /// A bank with these opening balances.
    pub fn new(balances: Vec<u64>) -> Self {
        Bank {
            accounts: balances.into_iter().map(Mutex::new).collect(),
        }
    }

    /// The balance of `account`. Panics if there is no such account.
    pub fn balance(&self, account: usize) -> u64 {
        *self.accounts[account].lock().unwrap()
    }

    /// The sum of all balances, as one consistent snapshot.
    pub fn total(&self) -> u64 {
        // Every lock, all held together: no transfer can be half done while we add up. The
        // audit waits for each lock while holding the earlier ones, but a transfer never waits
        // while holding a lock, so nothing can wait for the audit in return.
        let guards: Vec<MutexGuard<'_, u64>> =
            self.accounts.iter().map(|a| a.lock().unwrap()).collect();
        guards.iter().map(|g| **g).sum()
    }

    /// Moves `amount` from `from` to `to` if `from` holds that much; returns whether it did.
    /// Panics if an account does not exist, and then changes nothing: every account stays
    /// usable.
    pub fn transfer(&self, from: usize, to: usize, amount: u64) -> bool {
        // Both accounts looked up before any lock is taken: a bad number panics holding none.
        let (source, target) = (&self.accounts[from], &self.accounts[to]);
        if from == to {
            return *source.lock().unwrap() >= amount;
        }
        // Back off instead of ordering: hold the source, only *try* the target, and if it is
        // taken let the source go too and start again, so no thread ever waits while holding.
        loop {
            let mut source = source.lock().unwrap();
            let mut target = match target.try_lock() {
                Ok(target) => target,
                Err(TryLockError::WouldBlock) => {
                    drop(source);
                    thread::yield_now();
                    continue;
                }
                Err(TryLockError::Poisoned(poisoned)) => poisoned.into_inner(),
            };
            if *source < amount {
                return false;
            }
            *source -= amount;
            *target += amount;
            return true;
        }
    }
}
