//! Model-checked suite for the `locks` topic (`--features model`): loom runs each test body
//! under every interleaving of its threads (within a preemption bound), so a race that shows
//! up once in a million real runs fails here on every run, and a deadlock is reported as one.
//!
//! Every pair of public operations that can overlap in time is raced here, each in a test of
//! two threads and a few operations, so that exploring it stays fast.

use grading::caught::no_overflow;
use grading::model::sync::thread;
use grading::model::{self, race};
// `std`'s `Arc`, not loom's: the suite only shares values between threads, and loom's `Arc`
// cannot be dropped while loom unwinds a deadlocked execution.
use std::sync::Arc;

mod mutex_counter {
    use super::*;
    use locks::mutex_counter::{Counter, count_with};

    #[test]
    fn two_increments_are_never_lost() {
        model::check(
            "lost update: read and write the count under one guard",
            || {
                let counter = Arc::new(Counter::new());
                let other = {
                    let counter = Arc::clone(&counter);
                    thread::spawn(move || counter.increment())
                };
                counter.increment();
                other.join().unwrap();
                let n = counter.get();
                assert_eq!(
                    n, 2,
                    "lost update: two threads incremented once each, the count is {n}"
                );
            },
        );
    }

    #[test]
    fn a_reader_sees_the_count_before_or_after_an_increment() {
        model::check(
            "a reader must see the count before or after an increment, never anything else: \
             read it under the lock",
            || {
                let counter = Arc::new(Counter::new());
                counter.increment();
                let ((), seen) = race(&counter, |c| c.increment(), |c| c.get());
                assert!(
                    seen == 1 || seen == 2,
                    "a reader racing an increment of 1 saw {seen} (expected 1 or 2)"
                );
                assert_eq!(counter.get(), 2, "lost update: 1 + 1 increment");
            },
        );
    }

    #[test]
    fn count_with_two_workers() {
        model::check(
            "lost update: every worker must share one counter and one lock, and every worker \
             must be joined before the count is read",
            || {
                let n = count_with(2, 1);
                assert_eq!(
                    n, 2,
                    "lost update: 2 workers × 1 increment gave {n} (one counter shared by all \
                     workers? every worker joined before `get`?)"
                );
            },
        );
    }
}

mod printer {
    use super::*;
    use locks::printer::Printer;

    /// Prints `mine` on this thread and `theirs` on another at the same time; returns the text.
    fn print_both(mine: &'static [&'static str], theirs: &'static [&'static str]) -> String {
        let printer = Arc::new(Printer::new(Vec::new()));
        race(&printer, |p| p.print_line(mine), |p| p.print_line(theirs));
        let printer = Arc::try_unwrap(printer)
            .ok()
            .expect("the other thread is done");
        String::from_utf8(printer.into_inner()).unwrap()
    }

    #[test]
    fn two_threads_lines_never_interleave() {
        model::check(
            "interleaved output: hold the lock for the whole line, newline included",
            || {
                let text = print_both(&["a1", "a2"], &["b1", "b2"]);
                assert!(
                    text == "a1a2\nb1b2\n" || text == "b1b2\na1a2\n",
                    "interleaved output: two threads printed {text:?}"
                );
            },
        );
    }

    #[test]
    fn lines_of_different_lengths_never_interleave() {
        model::check(
            "interleaved output: hold the lock for the whole line, newline included, however \
             many parts it has",
            || {
                let text = print_both(&["a"], &["b1", "b2", "b3"]);
                assert!(
                    text == "a\nb1b2b3\n" || text == "b1b2b3\na\n",
                    "interleaved output: a line of one part and a line of three printed {text:?}"
                );
            },
        );
    }
}

mod bank {
    use super::*;
    use locks::bank::{Bank, TransferError};

    #[test]
    fn an_observer_never_sees_a_transfer_half_done() {
        model::check(
            "transfer not atomic: check, debit and credit under one guard",
            || {
                let bank = Arc::new(Bank::new(vec![100, 0]));
                let (total, ()) = race(&bank, |b| b.total(), |b| b.transfer(0, 1, 60).unwrap());
                assert_eq!(
                    total, 100,
                    "transfer not atomic: an observer saw a total of {total} mid-transfer"
                );
            },
        );
    }

    #[test]
    fn a_balance_is_read_before_or_after_a_transfer() {
        model::check(
            "transfer not atomic: a balance read during a transfer must be its balance before \
             or after it",
            || {
                let bank = Arc::new(Bank::new(vec![100, 0]));
                let (seen, ()) = race(&bank, |b| b.balance(1), |b| b.transfer(0, 1, 60).unwrap());
                assert!(
                    seen == Some(0) || seen == Some(60),
                    "an observer saw account 1 at {seen:?} during a transfer of 60 into it from 0"
                );
            },
        );
    }

    #[test]
    fn two_transfers_never_overdraw() {
        model::check(
            "check-then-act: check the funds and debit them under ONE guard, so two transfers \
             cannot both spend the same money",
            || {
                let bank = Arc::new(Bank::new(vec![100, 0, 0]));
                let (a, b) = race(
                    &bank,
                    |b| no_overflow("transfer(0, 1, 60)", || b.transfer(0, 1, 60)),
                    |b| no_overflow("transfer(0, 2, 60)", || b.transfer(0, 2, 60)),
                );
                let left = bank.balance(0);
                assert!(
                    matches!(
                        (&a, &b),
                        (Ok(()), Err(TransferError::InsufficientFunds))
                            | (Err(TransferError::InsufficientFunds), Ok(()))
                    ),
                    "check-then-act: two transfers of 60 from a balance of 100 returned {a:?} and \
                     {b:?} (exactly one can succeed)"
                );
                assert_eq!(
                    (left, bank.total()),
                    (Some(40), 100),
                    "two transfers of 60 from 100 (one refused)"
                );
            },
        );
    }

    #[test]
    fn opposite_transfers_never_deadlock() {
        model::check(
            "deadlock or lost update: transfers in opposite directions at once must both go \
             through (one guard for the whole bank, or per-account locks always taken in the \
             same order)",
            || {
                let bank = Arc::new(Bank::new(vec![10, 10]));
                let (a, b) = race(&bank, |b| b.transfer(0, 1, 10), |b| b.transfer(1, 0, 10));
                assert_eq!((a, b), (Ok(()), Ok(())), "two affordable transfers");
                assert_eq!(
                    (bank.balance(0), bank.balance(1)),
                    (Some(10), Some(10)),
                    "lost update: 10 moved each way"
                );
            },
        );
    }

    #[test]
    fn a_deposit_during_a_transfer_is_never_lost() {
        model::check(
            "lost update: a transfer must read and write the balances under the guard it checks \
             them with, never write back values read earlier",
            || {
                let bank = Arc::new(Bank::new(vec![100, 0]));
                let (moved, deposited) =
                    race(&bank, |b| b.transfer(0, 1, 60), |b| b.deposit(0, 20));
                assert_eq!(moved, Ok(()), "a transfer of 60 from 100");
                assert!(deposited, "a deposit into account 0");
                let now = (bank.balance(0), bank.balance(1));
                assert_eq!(
                    now,
                    (Some(60), Some(60)),
                    "lost update: 60 moved from account 0 (100) to account 1 while 20 was \
                     deposited into account 0"
                );
            },
        );
    }

    #[test]
    fn concurrent_deposits_are_never_lost() {
        model::check(
            "lost update: read and write a balance under one guard",
            || {
                let bank = Arc::new(Bank::new(vec![0]));
                race(&bank, |b| b.deposit(0, 5), |b| b.deposit(0, 7));
                let total = bank.total();
                assert_eq!(total, 12, "lost update: deposits of 5 and 7 left {total}");
            },
        );
    }

    #[test]
    fn a_total_or_a_balance_is_read_before_or_after_a_deposit() {
        model::check(
            "a total or a balance read during a deposit must be the one before or after it: \
             read and sum under one guard",
            || {
                let bank = Arc::new(Bank::new(vec![1, 2]));
                let ((total, balance), _) =
                    race(&bank, |b| (b.total(), b.balance(1)), |b| b.deposit(1, 5));
                assert!(
                    (total == 3 || total == 8) && (balance == Some(2) || balance == Some(7)),
                    "an observer saw a total of {total} and a balance of {balance:?} during a \
                     deposit of 5 into account 1 (2 of a total of 3)"
                );
            },
        );
    }
}

mod cache {
    use super::*;
    use locks::cache::Cache;

    #[test]
    fn racing_computations_agree_on_one_value() {
        model::check(
            "check-then-act: keep the value stored first (entry().or_insert)",
            || {
                let cache = Arc::new(Cache::new());
                let (mine, theirs) = race(
                    &cache,
                    |c| c.get_or_compute("k", || 2),
                    |c| c.get_or_compute("k", || 1),
                );
                assert_eq!(
                    mine, theirs,
                    "check-then-act: two threads computed the same key and returned different values"
                );
                assert_eq!(
                    cache.get("k"),
                    Some(mine),
                    "the cache kept a value nobody returned"
                );
            },
        );
    }

    #[test]
    fn computations_of_two_keys_are_both_kept() {
        model::check(
            "lost update: store a computed value into the shared map under the write lock, never \
             by writing back a copy of the map taken earlier",
            || {
                let cache = Arc::new(Cache::new());
                let (a, b) = race(
                    &cache,
                    |c| c.get_or_compute("a", || 1),
                    |c| c.get_or_compute("b", || 2),
                );
                assert_eq!((a, b), (1, 2), "each key's own value");
                let kept = (cache.get("a"), cache.get("b"), cache.len());
                assert_eq!(
                    kept,
                    (Some(1), Some(2), 2),
                    "lost update: two keys computed at once, the cache kept (a, b, len) = {kept:?}"
                );
            },
        );
    }

    #[test]
    fn a_reader_and_a_computation_never_deadlock() {
        model::check(
            "deadlock: release the read guard before asking for the write lock",
            || {
                let cache = Arc::new(Cache::new());
                let (computed, seen) =
                    race(&cache, |c| c.get_or_compute("k", || 3), |c| c.get("k"));
                assert_eq!(computed, 3);
                assert!(
                    seen.is_none() || seen == Some(3),
                    "a reader saw {seen:?} for a key being computed as 3"
                );
            },
        );
    }

    #[test]
    fn len_during_a_computation() {
        model::check(
            "deadlock: release the read guard before asking for the write lock; `len` reads \
             under a read lock",
            || {
                let cache = Arc::new(Cache::new());
                let (computed, len) = race(&cache, |c| c.get_or_compute("k", || 3), |c| c.len());
                assert_eq!(computed, 3);
                assert!(
                    len <= 1,
                    "`len` said {len} while one key was being computed"
                );
                assert_eq!(cache.len(), 1);
            },
        );
    }
}
