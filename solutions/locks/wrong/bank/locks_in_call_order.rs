//! Wrong: gives each account its own lock (finer locking, more parallel transfers), but a transfer
//! locks `from` and then `to`: two transfers in opposite directions each hold one lock and wait
//! for the other's, forever.
//! Expect: deadlock

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
        // Every account locked at once, in index order, so the sum is a snapshot.
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
        let (Some(source), Some(target)) = (self.accounts.get(from), self.accounts.get(to)) else {
            return Err(TransferError::NoSuchAccount);
        };
        if from == to {
            let balance = source.lock().unwrap();
            return if *balance < amount {
                Err(TransferError::InsufficientFunds)
            } else {
                Ok(())
            };
        }
        // The mistake: the locks are taken in the order of the call, not in one global order.
        let mut source = source.lock().unwrap();
        let mut target = target.lock().unwrap();
        if *source < amount {
            return Err(TransferError::InsufficientFunds);
        }
        *source -= amount;
        *target += amount;
        Ok(())
    }
}
