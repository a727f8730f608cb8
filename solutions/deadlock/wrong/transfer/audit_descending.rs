//! Wrong: the audit (`total`) takes the account locks from the highest number down, the opposite
//! order to transfers, so an audit and a transfer can deadlock.
//! Expect: deadlock

use crate::sync::{Mutex, MutexGuard};

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
        // Every lock, in the same ascending order transfers use, all held together: no
        // transfer can be half done while we add up.
        let guards: Vec<MutexGuard<'_, u64>> = self
            .accounts
            .iter()
            .rev()
            .map(|a| a.lock().unwrap())
            .collect();
        guards.iter().map(|g| **g).sum()
    }

    /// Moves `amount` from `from` to `to` if `from` holds that much; returns whether it did.
    /// Panics if an account does not exist.
    pub fn transfer(&self, from: usize, to: usize, amount: u64) -> bool {
        if from == to {
            // One account, one lock: locking it twice would wait for ourselves.
            return *self.accounts[from].lock().unwrap() >= amount;
        }
        // Lock ordering: always the lower-numbered account first, whichever way the money
        // goes. Two transfers can then never each hold the lock the other waits for.
        let (first, second) = (from.min(to), from.max(to));
        let mut first = self.accounts[first].lock().unwrap();
        let mut second = self.accounts[second].lock().unwrap();
        let (source, target) = if from < to {
            (&mut *first, &mut *second)
        } else {
            (&mut *second, &mut *first)
        };
        if *source < amount {
            return false;
        }
        *source -= amount;
        *target += amount;
        true
    }
}
