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
        // TODO: read one balance under the lock.
        todo!()
    }

    /// The sum of all balances, read under one guard so it is a consistent snapshot.
    pub fn total(&self) -> u64 {
        // TODO: sum the balances under one guard.
        todo!()
    }

    /// Adds `amount` to `account`. Returns `false` if the account does not exist.
    pub fn deposit(&self, account: usize, amount: u64) -> bool {
        // TODO: add to the balance under one guard (no account: return false).
        todo!()
    }

    /// Moves `amount` from `from` to `to`, or changes nothing and says why: `NoSuchAccount` if
    /// either account is missing, `InsufficientFunds` if `from` holds less than `amount` (its
    /// whole balance may be moved). A transfer from an account to itself moves nothing.
    pub fn transfer(&self, from: usize, to: usize, amount: u64) -> Result<(), TransferError> {
        // TODO: check the accounts and the funds, debit and credit, all under ONE guard,
        //       so no observer ever sees the money in neither account.
        todo!()
    }
}
