//! Grading suite for the `locks` topic: stress tests on the real `std` primitives. The
//! interleavings these cannot force are explored by the model-checked suite, `locks_model.rs`.

use grading::within;

mod mutex_counter {
    use super::*;
    use locks::mutex_counter::{Counter, count_with};

    #[test]
    fn counts_every_increment_under_contention() {
        within(|| {
            let total = count_with(4, 20_000);
            assert_eq!(
                total, 80_000,
                "lost update: 4 threads × 20000 increments gave {total}"
            );
        });
    }

    #[test]
    fn a_fresh_counter_counts_from_zero() {
        within(|| {
            let counter = Counter::new();
            assert_eq!(counter.get(), 0);
            counter.increment();
            counter.increment();
            assert_eq!(counter.get(), 2, "two increments on one thread");
        });
    }
}

mod printer {
    use super::*;
    use locks::printer::Printer;
    use std::sync::Arc;
    use std::thread;

    #[test]
    fn prints_whole_lines() {
        within(|| {
            let printer = Printer::new(Vec::new());
            printer.print_line(&["hello", ", ", "world"]);
            printer.print_line(&[]);
            let text = String::from_utf8(printer.into_inner()).unwrap();
            assert_eq!(text, "hello, world\n\n");
        });
    }

    #[test]
    fn lines_from_threads_never_interleave() {
        within(|| {
            let printer = Arc::new(Printer::new(Vec::new()));
            let workers: Vec<_> = (0..4)
                .map(|t| {
                    let printer = Arc::clone(&printer);
                    thread::spawn(move || {
                        let (a, b, c) = (format!("[{t}"), format!("-{t}-"), format!("{t}]"));
                        for _ in 0..500 {
                            printer.print_line(&[&a, &b, &c]);
                        }
                    })
                })
                .collect();
            for w in workers {
                w.join().unwrap();
            }
            let printer = Arc::into_inner(printer).expect("the workers are done");
            let text = String::from_utf8(printer.into_inner()).unwrap();
            assert_eq!(text.lines().count(), 2000, "every line printed once");
            for line in text.lines() {
                let t = &line[1..2];
                assert_eq!(
                    line,
                    format!("[{t}-{t}-{t}]"),
                    "interleaved output: a line mixes pieces of two threads' lines \
                     (hold the lock for the whole line)"
                );
            }
        });
    }
}

mod bank {
    use super::*;
    use locks::bank::{Bank, TransferError};
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::thread;

    #[test]
    fn transfers_move_money_or_say_why_not() {
        within(|| {
            let bank = Bank::new(vec![100, 50]);
            assert_eq!(bank.transfer(0, 1, 30), Ok(()));
            assert_eq!((bank.balance(0), bank.balance(1)), (Some(70), Some(80)));
            assert_eq!(
                bank.transfer(1, 0, 81),
                Err(TransferError::InsufficientFunds)
            );
            assert_eq!(bank.transfer(0, 7, 1), Err(TransferError::NoSuchAccount));
            assert_eq!((bank.balance(0), bank.balance(1)), (Some(70), Some(80)));
            assert!(bank.deposit(1, 5));
            assert!(!bank.deposit(9, 5));
            assert_eq!(bank.total(), 155);
        });
    }

    #[test]
    fn concurrent_deposits_lose_nothing() {
        within(|| {
            let bank = Arc::new(Bank::new(vec![0]));
            let workers: Vec<_> = (0..4)
                .map(|_| {
                    let bank = Arc::clone(&bank);
                    thread::spawn(move || (0..20_000).for_each(|_| assert!(bank.deposit(0, 1))))
                })
                .collect();
            for w in workers {
                w.join().unwrap();
            }
            let total = bank.total();
            assert_eq!(
                total, 80_000,
                "lost update: 80000 deposits of 1 left {total}"
            );
        });
    }

    #[test]
    fn observers_never_see_a_transfer_half_done() {
        within(|| {
            let bank = Arc::new(Bank::new(vec![1_000, 1_000]));
            let done = Arc::new(AtomicBool::new(false));
            let movers: Vec<_> = [(0, 1), (1, 0)]
                .into_iter()
                .map(|(from, to)| {
                    let bank = Arc::clone(&bank);
                    thread::spawn(move || {
                        for _ in 0..20_000 {
                            let _ = bank.transfer(from, to, 7);
                        }
                    })
                })
                .collect();
            let observer = {
                let (bank, done) = (Arc::clone(&bank), Arc::clone(&done));
                thread::spawn(move || {
                    while !done.load(Ordering::Relaxed) {
                        let total = bank.total();
                        assert_eq!(
                            total, 2_000,
                            "transfer not atomic: an observer saw a total of {total}"
                        );
                    }
                })
            };
            for m in movers {
                m.join().unwrap();
            }
            done.store(true, Ordering::Relaxed);
            observer
                .join()
                .unwrap_or_else(|e| std::panic::resume_unwind(e));
            assert_eq!(
                bank.total(),
                2_000,
                "money created or destroyed by transfers"
            );
        });
    }
}

mod cache {
    use super::*;
    use locks::cache::Cache;
    use std::panic::{AssertUnwindSafe, catch_unwind};
    use std::sync::{Arc, mpsc};
    use std::thread;
    use std::time::Duration;

    #[test]
    fn computes_once_then_remembers() {
        within(|| {
            let cache = Cache::new();
            assert_eq!(cache.get("a"), None);
            assert_eq!(cache.get_or_compute("a", || 1), 1);
            assert_eq!(cache.get_or_compute("a", || panic!("computed twice")), 1);
            assert_eq!(cache.get("a"), Some(1));
            assert_eq!(cache.len(), 1);
        });
    }

    #[test]
    fn readers_are_not_blocked_by_slow_work() {
        within(|| {
            let cache = Arc::new(Cache::new());
            cache.get_or_compute("ready", || 0);
            let (computing, started) = mpsc::channel();
            let (finish, go) = mpsc::channel::<()>();
            let slow = {
                let cache = Arc::clone(&cache);
                thread::spawn(move || {
                    cache.get_or_compute("slow", move || {
                        computing.send(()).unwrap();
                        // Stand-in for slow work (a download, a big computation): it lasts
                        // until the test says so.
                        let _ = go.recv();
                        42
                    })
                })
            };
            started.recv().unwrap();
            let (answer, answered) = mpsc::channel();
            let reader = {
                let cache = Arc::clone(&cache);
                thread::spawn(move || answer.send(cache.get("ready")).unwrap())
            };
            // Generous bound: a free reader answers in microseconds.
            let read = answered.recv_timeout(Duration::from_secs(2));
            finish.send(()).unwrap();
            assert_eq!(slow.join().unwrap(), 42);
            reader.join().unwrap();
            assert!(
                read.is_ok(),
                "lock held across slow work: a reader of another key waited for the whole \
                 computation (compute with no guard alive)"
            );
            assert_eq!(read.unwrap(), Some(0));
        });
    }

    #[test]
    fn a_panicking_computation_does_not_break_the_cache() {
        within(|| {
            let cache = Cache::new();
            let crashed = catch_unwind(AssertUnwindSafe(|| {
                cache.get_or_compute("bad", || panic!("compute failed"))
            }));
            assert!(
                crashed.is_err(),
                "the panic in compute should reach the caller"
            );
            let after = catch_unwind(AssertUnwindSafe(|| {
                (cache.get("bad"), cache.get_or_compute("good", || 7))
            }));
            assert_eq!(
                after.ok(),
                Some((None, 7)),
                "poisoned lock: compute panicked while a guard was held, and now every use of \
                 the cache fails (run the slow work with no lock held)"
            );
        });
    }
}
