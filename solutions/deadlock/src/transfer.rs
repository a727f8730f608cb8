//! Accounts each behind their own `Mutex`. A transfer locks two of them; two transfers in
//! opposite directions that each lock "from" first can each hold one lock and wait forever for
//! the other. Taking the locks in one global order (by account number) makes that cycle impossible.

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
        let guards: Vec<MutexGuard<'_, u64>> =
            self.accounts.iter().map(|a| a.lock().unwrap()).collect();
        guards.iter().map(|g| **g).sum()
    }

    /// Moves `amount` from `from` to `to` if `from` holds that much; returns whether it did.
    /// Panics if an account does not exist, and then changes nothing: every account stays
    /// usable.
    pub fn transfer(&self, from: usize, to: usize, amount: u64) -> bool {
        // Look both accounts up before locking either: a bad number panics here, holding no
        // lock. A panic while a guard is alive would poison that account's lock, and every
        // later `lock().unwrap()` on it would panic too.
        let (source, target) = (&self.accounts[from], &self.accounts[to]);
        if from == to {
            // One account, one lock: locking it twice would wait for ourselves.
            return *source.lock().unwrap() >= amount;
        }
        // Lock ordering: always the lower-numbered account first, whichever way the money
        // goes. Two transfers can then never each hold the lock the other waits for.
        let (mut source, mut target) = if from < to {
            let source = source.lock().unwrap();
            (source, target.lock().unwrap())
        } else {
            let target = target.lock().unwrap();
            (source.lock().unwrap(), target)
        };
        // The check and the move happen under both locks: no other transfer can spend the
        // same money between them.
        if *source < amount {
            return false;
        }
        *source -= amount;
        *target += amount;
        true
    }
}
