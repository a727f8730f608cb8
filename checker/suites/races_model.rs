//! Model-checked suite for the `races` topic (`--features model`): loom runs each test body
//! under every interleaving of its threads (within a preemption bound), so a race that shows
//! up once in a million real runs fails here on every run.
//!
//! Every pair of public operations that can overlap in time is raced here, each in a test of
//! two threads and a few operations, so that exploring it stays fast.

use grading::caught::no_overflow;
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

    #[test]
    fn two_single_hits_are_never_lost() {
        model::check(
            "lost update: `record` must add its hit in one read-modify-write too (fetch_add), \
             not load then store",
            || {
                let hits = Arc::new(HitCounter::new());
                race(&hits, |h| h.record(), |h| h.record());
                let n = hits.get();
                assert_eq!(n, 2, "lost update: two hits at the same time gave {n}");
            },
        );
    }

    #[test]
    fn two_batches_are_never_lost() {
        model::check(
            "lost update: use one read-modify-write (fetch_add), not load then store",
            || {
                let hits = Arc::new(HitCounter::new());
                race(&hits, |h| h.record_many(2), |h| h.record_many(3));
                let n = hits.get();
                assert_eq!(
                    n, 5,
                    "lost update: batches of 2 and 3 at the same time gave {n}"
                );
            },
        );
    }

    #[test]
    fn a_batch_is_recorded_at_once() {
        model::check(
            "a batch of hits is recorded at once: add n in ONE operation (fetch_add(n)), not n \
             operations of 1 that a reader can see half done",
            || {
                let hits = Arc::new(HitCounter::new());
                let ((), seen) = race(&hits, |h| h.record_many(2), |h| h.get());
                assert!(
                    seen == 0 || seen == 2,
                    "a reader saw {seen} hits while a batch of 2 was recorded (expected 0 or 2)"
                );
                assert_eq!(hits.get(), 2);
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
            "check-then-act: make the withdrawal conditional on the balance checked \
             (compare_exchange), and check again on every retry",
            || {
                let wallet = Arc::new(Wallet::new(100));
                let (a, b) = race(
                    &wallet,
                    |w| no_overflow("withdraw(60)", || w.withdraw(60)),
                    |w| no_overflow("withdraw(60)", || w.withdraw(60)),
                );
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
                let (a, b) = race(
                    &wallet,
                    |w| no_overflow("withdraw(30)", || w.withdraw(30)),
                    |w| no_overflow("withdraw(30)", || w.withdraw(30)),
                );
                assert!(
                    a && b,
                    "check-then-act: a withdrawal of 30 from 100 was refused because the other thread \
                 changed the balance first (retry compare_exchange with the value it returns)"
                );
                assert_eq!(wallet.balance(), 40);
            },
        );
    }

    #[test]
    fn an_observer_never_sees_a_refused_withdrawal() {
        model::check(
            "check-then-act: never let the balance pass through a wrong value other threads can \
             see (do not subtract first and undo)",
            || {
                let wallet = Arc::new(Wallet::new(50));
                let (taken, seen) = race(&wallet, |w| w.withdraw(60), |w| w.balance());
                assert!(!taken, "withdrew 60 from 50");
                assert_eq!(
                    seen, 50,
                    "check-then-act: a reader saw a balance of {seen} during a refused withdrawal \
                     of 60 from 50"
                );
            },
        );
    }

    #[test]
    fn two_deposits_are_never_lost() {
        model::check(
            "lost update: add a deposit in one read-modify-write (fetch_add), not load then store",
            || {
                let wallet = Arc::new(Wallet::new(0));
                race(&wallet, |w| w.deposit(5), |w| w.deposit(7));
                let left = wallet.balance();
                assert_eq!(left, 12, "lost update: deposits of 5 and 7 left {left}");
            },
        );
    }

    #[test]
    fn a_reader_sees_the_balance_before_or_after_a_deposit() {
        model::check(
            "a balance read during a deposit must be the balance before or after it: add in one \
             read-modify-write (fetch_add)",
            || {
                let wallet = Arc::new(Wallet::new(10));
                let ((), seen) = race(&wallet, |w| w.deposit(5), |w| w.balance());
                assert!(
                    seen == 10 || seen == 15,
                    "a reader saw a balance of {seen} during a deposit of 5 into 10 (expected 10 \
                     or 15)"
                );
                assert_eq!(wallet.balance(), 15);
            },
        );
    }

    #[test]
    fn a_deposit_during_a_withdrawal_is_never_lost() {
        model::check(
            "lost update: a withdrawal must store its new balance only if the balance is still \
             the one it checked (compare_exchange), never store over a deposit",
            || {
                let wallet = Arc::new(Wallet::new(100));
                let (taken, ()) = race(&wallet, |w| w.withdraw(60), |w| w.deposit(20));
                let left = wallet.balance();
                assert!(
                    taken,
                    "a withdrawal of 60 from 100 was refused while 20 was deposited: when \
                     compare_exchange fails, check again with the fresh balance"
                );
                assert_eq!(
                    left, 60,
                    "lost update: 60 withdrawn from 100 while 20 was deposited left {left}"
                );
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
                assert!(a || b, "neither reservation of 3 from 4 succeeded");
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

    #[test]
    fn restocks_of_two_items_are_both_kept() {
        model::check(
            "lost update: change the shared map under one guard, never write back a copy of it \
             taken earlier",
            || {
                let shop = Arc::new(Inventory::new());
                race(&shop, |s| s.restock("tea", 2), |s| s.restock("milk", 5));
                let now = (shop.stock("tea"), shop.stock("milk"));
                assert_eq!(
                    now,
                    (2, 5),
                    "lost update: restocks of 2 teas and 5 milks at once left (tea, milk) = {now:?}"
                );
            },
        );
    }

    #[test]
    fn a_restock_during_a_reservation_is_never_lost() {
        model::check(
            "lock released too early: a reservation must check and subtract under the guard it \
             reads with, never write back a count read earlier",
            || {
                let shop = Arc::new(Inventory::new());
                shop.restock("tea", 4);
                let (taken, ()) = race(&shop, |s| s.reserve("tea", 3), |s| s.restock("tea", 2));
                let left = shop.stock("tea");
                assert!(taken, "reserving 3 of 4 teas was refused");
                assert_eq!(
                    left, 3,
                    "lost update: 3 of 4 teas reserved while 2 were restocked left {left}"
                );
            },
        );
    }

    #[test]
    fn a_reader_sees_the_stock_before_or_after_a_restock() {
        model::check(
            "a stock read during a restock must be the stock before or after it: add under one \
             guard",
            || {
                let shop = Arc::new(Inventory::new());
                shop.restock("tea", 2);
                let ((), seen) = race(&shop, |s| s.restock("tea", 3), |s| s.stock("tea"));
                assert!(
                    seen == 2 || seen == 5,
                    "a reader saw {seen} teas during a restock of 3 onto 2 (expected 2 or 5)"
                );
                assert_eq!(shop.stock("tea"), 5);
            },
        );
    }

    #[test]
    fn a_reader_sees_the_stock_before_or_after_a_reservation() {
        model::check(
            "a stock read during a reservation must be the stock before or after it: read it \
             under the lock",
            || {
                let shop = Arc::new(Inventory::new());
                shop.restock("tea", 4);
                let (taken, seen) = race(&shop, |s| s.reserve("tea", 3), |s| s.stock("tea"));
                assert!(taken, "reserving 3 of 4");
                assert!(
                    seen == 4 || seen == 1,
                    "a reader saw {seen} teas during a reservation of 3 of 4 (expected 4 or 1)"
                );
            },
        );
    }
}
