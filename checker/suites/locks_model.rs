//! Model-checked suite for the `locks` topic (`--features model`): loom runs each test body
//! under every interleaving of its threads (within a preemption bound), so a race that shows
//! up once in a million real runs fails here on every run, and a deadlock is reported as one.

use grading::model;
use grading::model::sync::thread;
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
    fn count_with_two_workers() {
        model::check(
            "lost update: every worker must share one counter and one lock",
            || {
                let n = count_with(2, 1);
                assert_eq!(n, 2, "lost update: 2 workers × 1 increment gave {n}");
            },
        );
    }
}

mod printer {
    use super::*;
    use locks::printer::Printer;

    #[test]
    fn two_threads_lines_never_interleave() {
        model::check(
            "interleaved output: hold the lock for the whole line, newline included",
            || {
                let printer = Arc::new(Printer::new(Vec::new()));
                let other = {
                    let printer = Arc::clone(&printer);
                    thread::spawn(move || printer.print_line(&["b1", "b2"]))
                };
                printer.print_line(&["a1", "a2"]);
                other.join().unwrap();
                let printer = Arc::try_unwrap(printer)
                    .ok()
                    .expect("the other thread is done");
                let text = String::from_utf8(printer.into_inner()).unwrap();
                assert!(
                    text == "a1a2\nb1b2\n" || text == "b1b2\na1a2\n",
                    "interleaved output: two threads printed {text:?}"
                );
            },
        );
    }
}

mod bank {
    use super::*;
    use locks::bank::Bank;

    #[test]
    fn an_observer_never_sees_a_transfer_half_done() {
        model::check(
            "transfer not atomic: check, debit and credit under one guard",
            || {
                let bank = Arc::new(Bank::new(vec![100, 0]));
                let mover = {
                    let bank = Arc::clone(&bank);
                    thread::spawn(move || bank.transfer(0, 1, 60).unwrap())
                };
                let total = bank.total();
                assert_eq!(
                    total, 100,
                    "transfer not atomic: an observer saw a total of {total} mid-transfer"
                );
                mover.join().unwrap();
            },
        );
    }

    #[test]
    fn concurrent_deposits_are_never_lost() {
        model::check(
            "lost update: read and write a balance under one guard",
            || {
                let bank = Arc::new(Bank::new(vec![0]));
                let other = {
                    let bank = Arc::clone(&bank);
                    thread::spawn(move || bank.deposit(0, 5))
                };
                bank.deposit(0, 7);
                other.join().unwrap();
                let total = bank.total();
                assert_eq!(total, 12, "lost update: deposits of 5 and 7 left {total}");
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
                let other = {
                    let cache = Arc::clone(&cache);
                    thread::spawn(move || cache.get_or_compute("k", || 1))
                };
                let mine = cache.get_or_compute("k", || 2);
                let theirs = other.join().unwrap();
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
    fn a_reader_and_a_computation_never_deadlock() {
        model::check(
            "deadlock: release the read guard before asking for the write lock",
            || {
                let cache = Arc::new(Cache::new());
                let other = {
                    let cache = Arc::clone(&cache);
                    thread::spawn(move || cache.get("k"))
                };
                assert_eq!(cache.get_or_compute("k", || 3), 3);
                let _ = other.join().unwrap();
            },
        );
    }
}
