//! Grading suite for the `locks` topic: stress tests on the real `std` primitives. The
//! interleavings these cannot force are explored by the model-checked suite, `locks_model.rs`.
//!
//! Only deterministic tests live here: each exercise's contract on one thread (edge cases and
//! seeded random sequences checked against a plain model), hangs that every run reaches, and
//! what a model cannot see (slow work, poisoning, short writes, real blocked threads). A race
//! that a contention test would catch one run in N, the model suite catches on every run; a test
//! whose verdict changes from run to run would be flaky, and the kit has none.

use std::panic::{self, AssertUnwindSafe};

use grading::caught::{no_panic, panic_message};
use grading::fastrand::Rng;
use grading::within;

mod mutex_counter {
    use super::*;
    use locks::mutex_counter::{Counter, count_with};

    #[test]
    fn a_fresh_counter_counts_from_zero() {
        within(|| {
            let counter = Counter::new();
            assert_eq!(counter.get(), 0, "a new counter must start at zero");
            counter.increment();
            counter.increment();
            assert_eq!(
                counter.get(),
                2,
                "two increments on one thread: `increment` adds exactly one"
            );
            assert_eq!(
                counter.get(),
                2,
                "reading the count changed it: `get` only reads the value behind the lock"
            );
            assert_eq!(
                Counter::default().get(),
                0,
                "`Counter::default()` starts at zero"
            );
        });
    }

    #[test]
    fn the_workers_share_one_counter() {
        within(|| {
            // Uneven and degenerate shapes as well as a seeded handful: the count must be
            // exactly threads × per_thread for each. Races are the model suite's job; on real
            // threads this checks the sharing, the number of workers and the joins.
            let mut shapes = vec![(1, 1_000), (3, 7), (7, 3), (0, 5), (5, 0), (16, 1)];
            let mut rng = Rng::with_seed(16);
            shapes.extend((0..6).map(|_| (rng.usize(1..=8), rng.u64(0..=60))));
            for (threads, per_thread) in shapes {
                let total = count_with(threads, per_thread);
                let expected = threads as u64 * per_thread;
                assert_eq!(
                    total, expected,
                    "lost update: count_with({threads}, {per_thread}) returned {total}, expected \
                     {expected}. Likely causes: each worker has its own counter (share ONE \
                     `Arc<Counter>`), not exactly `threads` workers or `per_thread` increments \
                     each, or a worker not joined before the count is read"
                );
            }
        });
    }
}

mod printer {
    use super::*;
    use locks::printer::Printer;
    use std::io::{self, Write};

    /// The lines a printer must produce for these calls, one `parts` list per line.
    fn expected(lines: &[Vec<&str>]) -> String {
        lines.iter().map(|parts| parts.concat() + "\n").collect()
    }

    #[test]
    fn prints_whole_lines() {
        within(|| {
            let mut rng = Rng::with_seed(7);
            let words = ["hello", ", ", "world", "", "héllo", " ", "x", "→", "12345"];
            let mut lines: Vec<Vec<&str>> =
                vec![vec!["hello", ", ", "world"], vec![], vec![""], vec!["a"]];
            lines.extend((0..8).map(|_| {
                (0..rng.usize(0..6))
                    .map(|_| words[rng.usize(..words.len())])
                    .collect()
            }));
            let printer = Printer::new(Vec::new());
            for parts in &lines {
                printer.print_line(parts);
            }
            let text = String::from_utf8(printer.into_inner()).unwrap();
            assert_eq!(
                text,
                expected(&lines),
                "wrong output: `print_line(parts)` writes every part in order, nothing between \
                 them, then one newline (an empty `parts` is an empty line); `into_inner` gives \
                 back the writer with everything printed"
            );
        });
    }

    /// A writer that takes at most three bytes per `write` call, as a pipe or a socket may.
    struct Trickle(Vec<u8>);

    impl Write for Trickle {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            let n = buf.len().min(3);
            self.0.extend_from_slice(&buf[..n]);
            Ok(n)
        }

        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn short_writes_lose_nothing() {
        within(|| {
            let printer = Printer::new(Trickle(Vec::new()));
            let lines = vec![vec!["a long first piece", ", then more"], vec!["ok"]];
            for parts in &lines {
                printer.print_line(parts);
            }
            let text = String::from_utf8_lossy(&printer.into_inner().0).into_owned();
            assert_eq!(
                text,
                expected(&lines),
                "short write: a writer may accept only part of a buffer per `write` call (a pipe, \
                 a socket); `write` returns how much it took, `write_all` writes everything"
            );
        });
    }
}

mod bank {
    use super::*;
    use locks::bank::{Bank, TransferError};

    /// Every balance of `bank`, account 0 up to the first missing one.
    fn balances(bank: &Bank, accounts: usize) -> Vec<Option<u64>> {
        (0..=accounts)
            .map(|account| bank.balance(account))
            .collect()
    }

    #[test]
    fn transfers_move_money_or_say_why_not() {
        within(|| {
            let bank = Bank::new(vec![100, 50]);
            assert_eq!(
                bank.transfer(0, 1, 30),
                Ok(()),
                "a transfer of 30 from 100 must succeed"
            );
            assert_eq!(
                balances(&bank, 2),
                [Some(70), Some(80), None],
                "after moving 30 from account 0 (100) to account 1 (50)"
            );
            assert_eq!(
                bank.transfer(1, 0, 81),
                Err(TransferError::InsufficientFunds),
                "a transfer of 81 from a balance of 80"
            );
            let to_missing = no_panic("transfer(0, 7, 1)", "return Err(NoSuchAccount)", || {
                bank.transfer(0, 7, 1)
            });
            assert_eq!(
                to_missing,
                Err(TransferError::NoSuchAccount),
                "a transfer TO an account that does not exist"
            );
            let from_missing = no_panic("transfer(7, 0, 1)", "return Err(NoSuchAccount)", || {
                bank.transfer(7, 0, 1)
            });
            assert_eq!(
                from_missing,
                Err(TransferError::NoSuchAccount),
                "a transfer FROM an account that does not exist"
            );
            assert_eq!(
                balances(&bank, 2),
                [Some(70), Some(80), None],
                "a refused transfer changed the balances: check everything before debiting"
            );
            assert!(bank.deposit(1, 5), "a deposit into account 1 must succeed");
            let missing = no_panic("deposit(9, 5)", "return false", || bank.deposit(9, 5));
            assert!(!missing, "a deposit into an account that does not exist");
            assert_eq!(bank.total(), 155, "total after a deposit of 5 into 150");
            assert_eq!(
                bank.transfer(0, 1, 70),
                Ok(()),
                "a transfer of the WHOLE balance (70 from 70) must succeed: refuse only when the \
                 balance is less than the amount"
            );
            assert_eq!(balances(&bank, 2), [Some(0), Some(155), None]);
        });
    }

    #[test]
    fn edge_cases() {
        within(|| {
            let empty = Bank::new(Vec::new());
            assert_eq!(empty.balance(0), None, "a bank with no accounts");
            assert_eq!(empty.total(), 0, "the total of a bank with no accounts");
            let refused = no_panic("deposit(0, 1) on an empty bank", "return false", || {
                empty.deposit(0, 1)
            });
            assert!(!refused, "a deposit into a bank with no accounts");
            let refused = no_panic(
                "transfer(0, 0, 0) on an empty bank",
                "return Err(NoSuchAccount)",
                || empty.transfer(0, 0, 0),
            );
            assert_eq!(refused, Err(TransferError::NoSuchAccount));

            let bank = Bank::new(vec![40, 0]);
            let to_self = no_panic("transfer(0, 0, 30)", "return Ok(())", || {
                bank.transfer(0, 0, 30)
            });
            assert_eq!(
                (to_self, bank.balance(0)),
                (Ok(()), Some(40)),
                "a transfer from an account to itself moves nothing and keeps the balance"
            );
            assert_eq!(
                bank.transfer(0, 0, 41),
                Err(TransferError::InsufficientFunds),
                "a transfer to itself of more than the balance"
            );
            assert_eq!(
                bank.transfer(1, 0, 0),
                Ok(()),
                "a transfer of 0 from a balance of 0 is allowed: refuse only when the balance \
                 is less than the amount"
            );
            assert!(
                bank.deposit(1, 0),
                "a deposit of 0 into an account that exists"
            );
            assert_eq!(balances(&bank, 2), [Some(40), Some(0), None]);
        });
    }

    #[test]
    fn random_operations_match_a_ledger() {
        within(|| {
            for seed in 0..20 {
                let mut rng = Rng::with_seed(seed);
                let accounts = rng.usize(1..=4);
                let mut ledger: Vec<u64> = (0..accounts).map(|_| rng.u64(0..=100)).collect();
                let bank = Bank::new(ledger.clone());
                let mut done = Vec::new();
                for _ in 0..40 {
                    // Account numbers one past the end too, and amounts at the balance's edge.
                    let from = rng.usize(0..=accounts);
                    let to = rng.usize(0..=accounts);
                    let edge = ledger.get(from).copied().unwrap_or(10);
                    let amount = match rng.u8(0..4) {
                        0 => edge,
                        1 => edge + 1,
                        2 => edge.saturating_sub(1),
                        _ => rng.u64(0..=120),
                    };
                    let (op, got, want) = if rng.bool() {
                        let op = format!("deposit({from}, {amount})");
                        let got = no_panic(&op, "return false for a missing account", || {
                            bank.deposit(from, amount)
                        });
                        let want = from < accounts;
                        if want {
                            ledger[from] += amount;
                        }
                        (op, format!("{got}"), format!("{want}"))
                    } else {
                        let op = format!("transfer({from}, {to}, {amount})");
                        let got = no_panic(&op, "return Err(NoSuchAccount)", || {
                            bank.transfer(from, to, amount)
                        });
                        let want = if from >= accounts || to >= accounts {
                            Err(TransferError::NoSuchAccount)
                        } else if ledger[from] < amount {
                            Err(TransferError::InsufficientFunds)
                        } else {
                            ledger[from] -= amount;
                            ledger[to] += amount;
                            Ok(())
                        };
                        (op, format!("{got:?}"), format!("{want:?}"))
                    };
                    done.push(op);
                    let now: Vec<u64> = (0..accounts).filter_map(|a| bank.balance(a)).collect();
                    assert!(
                        got == want && now == ledger && bank.total() == ledger.iter().sum::<u64>(),
                        "after {} (seed {seed}): returned {got}, expected {want}; balances \
                         {now:?}, total {}, expected {ledger:?}, total {}. Refuse a missing \
                         account (either side) or a balance below the amount, and then change \
                         nothing; a balance equal to the amount is enough",
                        done.join(", "),
                        bank.total(),
                        ledger.iter().sum::<u64>()
                    );
                }
            }
        });
    }
}

mod cache {
    use super::*;
    use locks::cache::Cache;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::{Arc, Barrier, mpsc};
    use std::thread;
    use std::time::{Duration, Instant};

    #[test]
    fn computes_once_then_remembers() {
        within(|| {
            let cache = Cache::default();
            assert!(cache.is_empty(), "a new cache is empty");
            assert_eq!(cache.len(), 0, "a new cache holds no keys");
            assert_eq!(cache.get("a"), None, "a miss in an empty cache");
            let calls = AtomicUsize::new(0);
            let compute = |value| {
                calls.fetch_add(1, Ordering::SeqCst);
                value
            };
            assert_eq!(cache.get_or_compute("a", || compute(1)), 1);
            assert_eq!(
                cache.get_or_compute("a", || compute(99)),
                1,
                "a hit must return the stored value"
            );
            assert_eq!(
                calls.load(Ordering::SeqCst),
                1,
                "computed twice: on a hit, return the cached value without calling `compute`"
            );
            assert_eq!(cache.get("a"), Some(1), "`get` after the value was stored");
            assert_eq!(cache.len(), 1, "one key cached");
            assert!(!cache.is_empty(), "one key cached: not empty");
            assert_eq!(cache.get_or_compute("b", || compute(2)), 2, "another key");
            assert_eq!(cache.get_or_compute("", || compute(0)), 0, "the empty key");
            assert_eq!(
                (
                    cache.get("a"),
                    cache.get("b"),
                    cache.get(""),
                    cache.get("c")
                ),
                (Some(1), Some(2), Some(0), None),
                "each key keeps its own value"
            );
            assert_eq!(cache.len(), 3, "three keys cached");
            assert_eq!(
                calls.load(Ordering::SeqCst),
                3,
                "one computation per missing key"
            );
        });
    }

    /// Starts a computation of `"slow"` on another thread that lasts until the returned sender
    /// is dropped or sent to, and returns once `compute` is running.
    fn start_slow_work(cache: &Arc<Cache>) -> (mpsc::Sender<()>, thread::JoinHandle<u64>) {
        let (computing, started) = mpsc::channel();
        let (finish, go) = mpsc::channel::<()>();
        let slow = {
            let cache = Arc::clone(cache);
            thread::spawn(move || {
                cache.get_or_compute("slow", move || {
                    computing.send(()).unwrap();
                    // Stand-in for slow work (a download, a big computation): it lasts until
                    // the test says so.
                    let _ = go.recv();
                    42
                })
            })
        };
        // A `todo!()` stub never calls `compute`: pass its panic on.
        if started.recv().is_err() {
            if let Err(payload) = slow.join() {
                panic::resume_unwind(payload);
            }
            panic!("`get_or_compute` returned without calling `compute` on a miss");
        }
        (finish, slow)
    }

    /// Runs `reader` and `writer` on two more threads while `"slow"` is being computed; returns
    /// what each returned, or `None` for one still waiting after a generous bound (a free thread
    /// answers in microseconds; a blocked one waits for the whole computation). The bound starts
    /// once both threads are running, so a slow start on a loaded machine does not count, and
    /// both wait at once, so a wrong solution costs the bound once.
    fn while_computing<A: Send + 'static, B: Send + 'static>(
        cache: &Arc<Cache>,
        reader: impl FnOnce(&Cache) -> A + Send + 'static,
        writer: impl FnOnce(&Cache) -> B + Send + 'static,
    ) -> (Option<A>, Option<B>) {
        let (finish, slow) = start_slow_work(cache);
        let running = Arc::new(Barrier::new(3));
        let (read_answer, read_answered) = mpsc::channel();
        let (write_answer, write_answered) = mpsc::channel();
        let others = [
            {
                let (cache, running) = (Arc::clone(cache), Arc::clone(&running));
                thread::spawn(move || {
                    running.wait();
                    read_answer.send(reader(&cache)).unwrap()
                })
            },
            {
                let (cache, running) = (Arc::clone(cache), Arc::clone(&running));
                thread::spawn(move || {
                    running.wait();
                    write_answer.send(writer(&cache)).unwrap()
                })
            },
        ];
        running.wait();
        let deadline = Instant::now() + Duration::from_secs(2);
        let read = read_answered
            .recv_timeout(deadline.saturating_duration_since(Instant::now()))
            .ok();
        let written = write_answered
            .recv_timeout(deadline.saturating_duration_since(Instant::now()))
            .ok();
        finish.send(()).unwrap();
        assert_eq!(slow.join().unwrap(), 42, "the slow computation's value");
        for other in others {
            if let Err(payload) = other.join() {
                panic::resume_unwind(payload);
            }
        }
        (read, written)
    }

    #[test]
    fn slow_work_keeps_no_one_waiting() {
        within(|| {
            let cache = Arc::new(Cache::new());
            cache.get_or_compute("ready", || 0);
            let (read, written) = while_computing(
                &cache,
                |cache| (cache.get("ready"), cache.len()),
                |cache| cache.get_or_compute("fast", || 1),
            );
            assert!(
                read.is_some(),
                "lock held across slow work: a reader of another key waited for the whole \
                 computation. Likely causes: the write lock taken before calling `compute`, or a \
                 guard from the lookup still alive (compute with no guard alive)"
            );
            // The other computation runs at the same time, so `len` may count "fast" or not.
            let (ready, len) = read.unwrap();
            assert!(
                ready == Some(0) && (len == 1 || len == 2),
                "during the computation of \"slow\", a reader saw {ready:?} for \"ready\" (stored \
                 as 0) and a length of {len} (1 or 2: the key being computed is not stored yet)"
            );
            assert!(
                written.is_some(),
                "lock held across slow work: a computation of another key waited for the whole \
                 computation of \"slow\". Likely causes: the read guard of the lookup kept alive \
                 across `compute` (it keeps every writer out), or the write lock taken before \
                 computing (call `compute` with no guard alive)"
            );
            assert_eq!(written, Some(1), "the other computation's value");
            assert_eq!(cache.len(), 3, "all three keys are cached afterwards");
        });
    }

    #[test]
    fn a_panicking_computation_does_not_break_the_cache() {
        within(|| {
            let cache = Cache::new();
            cache.get_or_compute("ok", || 5);
            let crashed = panic::catch_unwind(AssertUnwindSafe(|| {
                cache.get_or_compute("bad", || panic!("compute failed"))
            }));
            if let Err(payload) = &crashed
                && panic_message(&**payload).starts_with("not yet implemented")
            {
                panic::resume_unwind(crashed.unwrap_err());
            }
            assert!(
                crashed.is_err(),
                "the panic in compute should reach the caller"
            );
            let after = panic::catch_unwind(AssertUnwindSafe(|| {
                (
                    cache.get("bad"),
                    cache.len(),
                    cache.get_or_compute("good", || 7),
                    cache.get_or_compute("bad", || 8),
                )
            }));
            assert_eq!(
                after.ok(),
                Some((None, 1, 7, 8)),
                "poisoned lock: compute panicked while a guard was held, and now every use of \
                 the cache fails or it kept a value for the failed key (run the slow work with \
                 no lock held, and store nothing when it fails)"
            );
        });
    }
}
