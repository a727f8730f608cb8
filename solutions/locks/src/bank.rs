//! A bank whose balances sit behind one `Mutex`. A transfer is a transaction: an observer must
//! see it entirely or not at all, never the money gone from one account and not yet in the other.

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
    balances: Mutex<Vec<u64>>,
}

impl Bank {
    /// A bank with these opening balances.
    pub fn new(balances: Vec<u64>) -> Self {
        Bank {
            balances: Mutex::new(balances),
        }
    }

    /// The balance of `account`, if it exists.
    pub fn balance(&self, account: usize) -> Option<u64> {
        self.balances.lock().unwrap().get(account).copied()
    }

    /// The sum of all balances, read under one guard so it is a consistent snapshot.
    pub fn total(&self) -> u64 {
        self.balances.lock().unwrap().iter().sum()
    }

    /// Adds `amount` to `account`. Returns `false` if the account does not exist.
    pub fn deposit(&self, account: usize, amount: u64) -> bool {
        // Read and write under the same guard: two deposits cannot both read the old balance.
        match self.balances.lock().unwrap().get_mut(account) {
            Some(balance) => {
                *balance += amount;
                true
            }
            None => false,
        }
    }

    /// Moves `amount` from `from` to `to`, or changes nothing and says why: `NoSuchAccount` if
    /// either account is missing, `InsufficientFunds` if `from` holds less than `amount` (its
    /// whole balance may be moved). A transfer from an account to itself moves nothing.
    pub fn transfer(&self, from: usize, to: usize, amount: u64) -> Result<(), TransferError> {
        // The check, the debit and the credit all happen under one guard: no other thread can
        // see (or change) the balances between them, so the transfer is atomic.
        let mut balances = self.balances.lock().unwrap();
        if from >= balances.len() || to >= balances.len() {
            return Err(TransferError::NoSuchAccount);
        }
        if balances[from] < amount {
            return Err(TransferError::InsufficientFunds);
        }
        balances[from] -= amount;
        balances[to] += amount;
        Ok(())
    }
}
