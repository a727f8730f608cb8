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
        // TODO: read one balance.
        todo!()
    }

    /// The sum of all balances, as one consistent snapshot.
    pub fn total(&self) -> u64 {
        // TODO: lock every account (in the same order transfers use), then add up.
        todo!()
    }

    /// Moves `amount` from `from` to `to` if `from` holds that much; returns whether it did.
    /// Panics if an account does not exist, and then changes nothing: every account stays
    /// usable.
    pub fn transfer(&self, from: usize, to: usize, amount: u64) -> bool {
        // TODO: lock both accounts in one global order (lower account number first) whatever
        //       the direction of the money, so two transfers can never wait for each other.
        //       Careful when `from == to`: there is only one lock. Look both accounts up
        //       before locking either: a panic while you hold a lock poisons it.
        todo!()
    }
}
