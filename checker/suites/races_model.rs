//! Model-checked suite for the `races` topic (`--features model`): loom runs each test body
//! under every interleaving of its threads (within a preemption bound), so a race that shows
//! up once in a million real runs fails here on every run.

use grading::model::{self, race};
// `std`'s `Arc`, not loom's: the suite only shares values between threads, and loom's `Arc`
// cannot be dropped while loom unwinds a deadlocked execution.
use std::sync::Arc;

mod hits {
    use super::*;
    use races::hits::HitCounter;

    #[test]
    fn two_hits_are_never_lost() {
        model::check(
            "lost update: use one read-modify-write (fetch_add), not load then store",
            || {
                let hits = Arc::new(HitCounter::new());
                race(&hits, |h| h.record(), |h| h.record_many(2));
                let n = hits.get();
                assert_eq!(
                    n, 3,
                    "lost update: hits of 1 and 2 at the same time gave {n}"
                );
            },
        );
    }
}

mod wallet {
    use super::*;
    use races::wallet::Wallet;

    #[test]
    fn two_withdrawals_never_overdraw() {
        model::check(
            "check-then-act: make the withdrawal conditional on the balance checked (compare_exchange)",
            || {
                let wallet = Arc::new(Wallet::new(100));
                let (a, b) = race(&wallet, |w| w.withdraw(60), |w| w.withdraw(60));
                let left = wallet.balance();
                assert!(
                    !(a && b),
                    "check-then-act: both withdrawals of 60 from 100 succeeded (overdrawn, balance {left})"
                );
                assert!(a || b, "neither withdrawal of 60 from 100 succeeded");
                assert_eq!(left, 40);
            },
        );
    }

    #[test]
    fn unaffordable_withdrawals_never_succeed() {
        model::check(
            "check-then-act: never let the balance pass through a wrong value other threads can see",
            || {
                let wallet = Arc::new(Wallet::new(50));
                let (a, b) = race(&wallet, |w| w.withdraw(60), |w| w.withdraw(60));
                let left = wallet.balance();
                assert!(
                    !a && !b,
                    "check-then-act: a withdrawal of 60 from 50 succeeded (overdrawn, balance {left})"
                );
                assert_eq!(left, 50);
            },
        );
    }

    #[test]
    fn two_affordable_withdrawals_both_succeed() {
        model::check(
            "check-then-act: when compare_exchange fails, check again with the fresh balance",
            || {
                let wallet = Arc::new(Wallet::new(100));
                let (a, b) = race(&wallet, |w| w.withdraw(30), |w| w.withdraw(30));
                assert!(
                    a && b,
                    "check-then-act: a withdrawal of 30 from 100 was refused because the other thread \
                 changed the balance first (retry compare_exchange with the value it returns)"
                );
                assert_eq!(wallet.balance(), 40);
            },
        );
    }
}

mod inventory {
    use super::*;
    use races::inventory::Inventory;

    #[test]
    fn two_reservations_never_oversell() {
        model::check(
            "lock released too early: hold one guard from the check to the update",
            || {
                let shop = Arc::new(Inventory::new());
                shop.restock("tea", 4);
                let (a, b) = race(&shop, |s| s.reserve("tea", 3), |s| s.reserve("tea", 3));
                let left = shop.stock("tea");
                assert!(
                    !(a && b),
                    "lock released too early: both reservations of 3 from 4 succeeded (oversold, {left} left)"
                );
                assert_eq!(left, 1);
            },
        );
    }

    #[test]
    fn two_restocks_are_never_lost() {
        model::check(
            "lost update: read and write the stock under one guard",
            || {
                let shop = Arc::new(Inventory::new());
                race(&shop, |s| s.restock("tea", 2), |s| s.restock("tea", 5));
                let n = shop.stock("tea");
                assert_eq!(
                    n, 7,
                    "lost update (lock released too early): restocks of 2 and 5 left {n}"
                );
            },
        );
    }
}
