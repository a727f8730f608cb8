//! Alternative: one lock per account instead of one for the bank, so transfers between different accounts run in parallel; every operation that needs several locks takes them in account order, so no two threads can wait for each other.

use crate::sync::Mutex;

/// Why a transfer was refused.
#[derive(Debug, PartialEq, Eq)]
pub enum TransferError {
    /// The source account holds less than the amount.
    InsufficientFunds,
    /// One of the account numbers does not exist.
    NoSuchAccount,
}

/// Accounts numbered from 0, with balances in cents.
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

    /// The balance of `account`, if it exists.
    pub fn balance(&self, account: usize) -> Option<u64> {
        self.accounts
            .get(account)
            .map(|balance| *balance.lock().unwrap())
    }

    /// The sum of all balances, read under one guard so it is a consistent snapshot.
    pub fn total(&self) -> u64 {
        // Every account's lock at once, taken in account order (the order every transfer uses
        // too), so no transfer can be half done while the sum is read.
        let guards: Vec<_> = self.accounts.iter().map(|a| a.lock().unwrap()).collect();
        guards.iter().map(|balance| **balance).sum()
    }

    /// Adds `amount` to `account`. Returns `false` if the account does not exist.
    pub fn deposit(&self, account: usize, amount: u64) -> bool {
        match self.accounts.get(account) {
            Some(balance) => {
                *balance.lock().unwrap() += amount;
                true
            }
            None => false,
        }
    }

    /// Moves `amount` from `from` to `to`, or changes nothing and says why.
    pub fn transfer(&self, from: usize, to: usize, amount: u64) -> Result<(), TransferError> {
        if from >= self.accounts.len() || to >= self.accounts.len() {
            return Err(TransferError::NoSuchAccount);
        }
        if from == to {
            // One account, one lock: locking it twice would wait for ourselves.
            let balance = self.accounts[from].lock().unwrap();
            return if *balance < amount {
                Err(TransferError::InsufficientFunds)
            } else {
                Ok(())
            };
        }
        // Both locks, the lower account number first: two transfers in opposite directions
        // ask in the same order, so one of them gets both and the other waits its turn.
        let (low, high) = (from.min(to), from.max(to));
        let mut first = self.accounts[low].lock().unwrap();
        let mut second = self.accounts[high].lock().unwrap();
        let (source, target) = if from == low {
            (&mut *first, &mut *second)
        } else {
            (&mut *second, &mut *first)
        };
        if *source < amount {
            return Err(TransferError::InsufficientFunds);
        }
        *source -= amount;
        *target += amount;
        Ok(())
    }
}
