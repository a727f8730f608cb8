//! Grading suite for the `deadlock` topic: stress tests on the real `std` primitives. A
//! deadlock here shows as "did not finish — likely deadlock"; the model-checked suite,
//! `deadlock_model.rs`, finds it on every run and says which threads wait where.
//!
//! Only deterministic tests live here: behaviour on one thread, hangs that every run reaches, and
//! what a model cannot see (poisoning, starvation, real parallel readers and meals, edge cases).
//! A race that a contention test would catch one run in N, the model suite catches on every run;
//! a test whose verdict changes from run to run would be flaky, and the kit has none.

use std::panic::{self, AssertUnwindSafe};
use std::sync::Arc;
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use grading::caught::{panic_message, unless_todo};
use grading::{Rendezvous, within};

/// How long the suite waits for something that a correct solution does at once (threads meeting,
/// a call returning): most of a test's time budget, so a slow, loaded machine never fails a
/// correct solution, and a wrong one still fails on a precise verdict rather than the timeout.
fn patience() -> Duration {
    grading::test_timeout() * 3 / 5
}

/// Runs `f`, giving back its value or the message of its panic (a `todo!()` passes on).
fn attempt<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    panic::catch_unwind(AssertUnwindSafe(f))
        .map_err(|payload| panic_message(&*unless_todo(payload)))
}

/// Runs `f` on a thread of its own and waits up to [`patience`] for it: `None` if it had not
/// returned by then (it is left behind, blocked or spinning), else its value or its panic's
/// message (a `todo!()` passes on). For verdicts more precise than "did not finish".
fn returns_in_time<T: Send + 'static>(
    f: impl FnOnce() -> T + Send + 'static,
) -> Option<Result<T, String>> {
    let (done, outcome) = mpsc::channel();
    thread::spawn(move || {
        let _ = done.send(panic::catch_unwind(AssertUnwindSafe(f)));
    });
    let outcome = outcome.recv_timeout(patience()).ok()?;
    Some(outcome.map_err(|payload| panic_message(&*unless_todo(payload))))
}

/// Runs `work(i)` on `n` threads at once and waits for them.
fn on_threads<T: Send + Sync + 'static>(shared: &Arc<T>, n: usize, work: fn(&T, usize)) {
    let workers: Vec<_> = (0..n)
        .map(|i| {
            let shared = Arc::clone(shared);
            thread::spawn(move || work(&shared, i))
        })
        .collect();
    for w in workers {
        w.join().unwrap_or_else(|e| panic::resume_unwind(e));
    }
}

mod backoff {
    use super::*;
    use deadlock::backoff::lock_both;
    // The crate's own `Mutex` (`std`'s in this suite), the type `lock_both` takes.
    use deadlock::sync::Mutex;

    #[test]
    fn returns_both_guards() {
        within(|| {
            let (a, b) = (Mutex::new(1), Mutex::new("b"));
            let (ga, gb) = lock_both(&a, &b);
            assert_eq!((*ga, *gb), (1, "b"));
            assert!(
                a.try_lock().is_err() && b.try_lock().is_err(),
                "both locks must be held while the guards live"
            );
            drop((ga, gb));
            assert!(
                a.try_lock().is_ok() && b.try_lock().is_ok(),
                "both locks must be free again once the guards are dropped"
            );
            // Again, now that both were taken and released once: nothing is left held.
            let (mut ga, mut gb) = lock_both(&a, &b);
            *ga += 1;
            *gb = "c";
            drop((ga, gb));
            assert_eq!((*a.lock().unwrap(), *b.lock().unwrap()), (2, "c"));
        });
    }

    #[test]
    fn a_poisoned_lock_is_taken_all_the_same() {
        within(|| {
            for poisoned in ["a", "b"] {
                let locks = Arc::new((Mutex::new(1), Mutex::new(2)));
                // A thread panics while holding one of the locks: that poisons it.
                let holder = {
                    let locks = Arc::clone(&locks);
                    thread::spawn(move || {
                        let _held = if poisoned == "a" {
                            locks.0.lock()
                        } else {
                            locks.1.lock()
                        };
                        panic!("a thread panics while holding lock {poisoned}, on purpose");
                    })
                };
                assert!(holder.join().is_err());
                for call in ["lock_both(a, b)", "lock_both(b, a)"] {
                    let locks = Arc::clone(&locks);
                    let got = returns_in_time(move || {
                        if call == "lock_both(a, b)" {
                            let (a, b) = lock_both(&locks.0, &locks.1);
                            (*a, *b)
                        } else {
                            let (b, a) = lock_both(&locks.1, &locks.0);
                            (*a, *b)
                        }
                    });
                    match got {
                        None => panic!(
                            "{call} never returned while lock {poisoned} was poisoned (a thread had \
                             panicked holding it): a poisoned lock is not busy, and it stays \
                             poisoned, so treating `TryLockError::Poisoned` (or any `Err`) like \
                             `WouldBlock` retries forever — take its guard with `e.into_inner()`"
                        ),
                        Some(Err(message)) => panic!(
                            "{call} panicked while lock {poisoned} was poisoned ({message}): a \
                             lock poisoned by a thread that panicked must be taken all the same — \
                             `lock().unwrap_or_else(PoisonError::into_inner)` instead of \
                             `unwrap()`, and `Err(TryLockError::Poisoned(e)) => e.into_inner()`"
                        ),
                        Some(Ok(values)) => assert_eq!(
                            values,
                            (1, 2),
                            "{call} must return the guards of both locks"
                        ),
                    }
                }
            }
        });
    }
}

mod transfer {
    use super::*;
    use deadlock::transfer::Bank;

    #[test]
    fn transfers_move_money_or_refuse() {
        within(|| {
            let bank = Bank::new(vec![100, 50, 0]);
            assert!(bank.transfer(0, 2, 30));
            assert!(
                bank.transfer(1, 0, 50),
                "an account can pay all it holds (refuse only when it holds less than the amount)"
            );
            assert!(!bank.transfer(1, 2, 1), "transferred from an empty account");
            assert!(
                !bank.transfer(2, 0, 31),
                "transferred 31 from an account that holds 30"
            );
            assert!(bank.transfer(2, 1, 0), "a transfer of 0 always succeeds");
            assert_eq!(
                (bank.balance(0), bank.balance(1), bank.balance(2)),
                (120, 0, 30),
                "balances after the transfers (a refused transfer must change nothing)"
            );
            assert_eq!(bank.total(), 150);
            assert_eq!(
                Bank::new(Vec::new()).total(),
                0,
                "a bank without accounts holds 0"
            );
        });
    }

    #[test]
    fn a_transfer_to_the_same_account_does_not_hang() {
        within(|| {
            let bank = Arc::new(Bank::new(vec![100]));
            let paid = {
                let bank = Arc::clone(&bank);
                returns_in_time(move || {
                    [
                        bank.transfer(0, 0, 40),
                        bank.transfer(0, 0, 100),
                        bank.transfer(0, 0, 400),
                    ]
                })
            };
            let Some(paid) = paid else {
                panic!(
                    "transfer(0, 0, 40) never returned: from == to is one account with one lock, \
                     and locking it a second time waits for yourself (self-deadlock); handle \
                     from == to first"
                );
            };
            assert_eq!(
                paid.unwrap_or_else(|message| panic!("transfer(0, 0, ..) panicked: {message}")),
                [true, true, false],
                "an account can pay itself 40 or all it holds (100), not 400: refuse only when \
                 it holds less than the amount"
            );
            assert_eq!(bank.balance(0), 100, "paying yourself changes nothing");
        });
    }

    #[test]
    fn a_transfer_with_a_missing_account_panics_and_changes_nothing() {
        within(|| {
            let bank = Bank::new(vec![100, 50]);
            for (from, to) in [(0, 2), (2, 0), (1, 9), (9, 1), (4, 4)] {
                if let Ok(done) = attempt(|| bank.transfer(from, to, 10)) {
                    panic!(
                        "transfer({from}, {to}, 10) on a bank of accounts 0 and 1 returned {done}: \
                         it must panic, since account {} does not exist",
                        from.max(to)
                    );
                }
                match attempt(|| [bank.balance(0), bank.balance(1)]) {
                    Ok(balances) => assert_eq!(
                        balances,
                        [100, 50],
                        "transfer({from}, {to}, 10) panicked only after moving money: a refused \
                         transfer must change nothing (look both accounts up first)"
                    ),
                    Err(message) => panic!(
                        "after transfer({from}, {to}, 10) panicked, the bank is broken ({message}): \
                         it panicked while holding an account's lock, which poisons that lock. \
                         Look both accounts up (`&self.accounts[from]`, `&self.accounts[to]`) \
                         before locking either"
                    ),
                }
            }
            assert!(
                attempt(|| bank.balance(2)).is_err(),
                "balance(2) on a bank of accounts 0 and 1 must panic: there is no account 2"
            );
            assert_eq!(bank.total(), 150);
        });
    }
}

mod philosophers {
    use super::*;
    use deadlock::philosophers::Table;

    #[test]
    fn eat_returns_the_meal() {
        within(|| assert_eq!(Table::new(2).eat(1, || "soup"), "soup"));
    }

    #[test]
    fn every_seat_eats_again_and_again() {
        within(|| {
            // One thread, so a fork that is never put down shows as a hang, not a race.
            for seats in [2, 3, 5] {
                let table = Table::new(seats);
                assert_eq!(table.seats(), seats);
                for round in 0..2 {
                    for seat in 0..seats {
                        assert_eq!(
                            table.eat(seat, || seat * 10 + round),
                            seat * 10 + round,
                            "eat must return what the meal returns"
                        );
                    }
                }
            }
        });
    }

    #[test]
    fn philosophers_who_share_no_fork_eat_at_the_same_time() {
        within(|| {
            // Seats 0 and 2 of 4 use forks {0, 1} and {2, 3}: nothing stops them eating together.
            let table = Arc::new(Table::new(4));
            let meet = Arc::new(Rendezvous::new(2, patience()));
            let diners: Vec<_> = [0, 2]
                .into_iter()
                .map(|seat| {
                    let (table, meet) = (Arc::clone(&table), Arc::clone(&meet));
                    thread::spawn(move || table.eat(seat, || meet.arrive()))
                })
                .collect();
            for diner in diners {
                let met = diner.join().unwrap_or_else(|e| panic::resume_unwind(e));
                assert!(
                    met,
                    "philosophers 0 and 2 of 4 share no fork but could not eat at the same time \
                     (one waited {:.1} s for the other): a lock held around every meal (one \
                     philosopher at a time), or the wrong forks (seat i uses forks i and \
                     (i + 1) % seats)",
                    patience().as_secs_f64()
                );
            }
        });
    }

    #[test]
    fn a_meal_that_panics_puts_the_forks_down() {
        within(|| {
            let table = Arc::new(Table::new(3));
            if attempt(|| table.eat(1, || panic!("the soup boiled over, on purpose"))).is_ok() {
                panic!("a meal panicked but eat returned: the panic must go on to the caller");
            }
            for seat in [1, 0, 2] {
                let eaten = {
                    let table = Arc::clone(&table);
                    returns_in_time(move || table.eat(seat, || seat))
                };
                match eaten {
                    Some(Ok(got)) => assert_eq!(got, seat),
                    Some(Err(message)) => panic!(
                        "after philosopher 1's meal panicked, philosopher {seat} could not eat \
                         ({message}): the panic poisoned the forks' locks as their guards \
                         dropped. A fork guards no data: take it all the same \
                         (`lock().unwrap_or_else(PoisonError::into_inner)`)"
                    ),
                    None => panic!(
                        "after philosopher 1's meal panicked, philosopher {seat} waited forever \
                         for a fork: the forks were not put down (keep them in guards, which \
                         drop even when the meal panics)"
                    ),
                }
            }
        });
    }
}

mod mailbox {
    use super::*;
    use deadlock::mailbox::Mailbox;
    use std::sync::atomic::{AtomicU64, Ordering};

    #[test]
    fn passes_one_message() {
        within(|| {
            let got = returns_in_time(|| {
                let mailbox = Mailbox::new();
                mailbox.put("hello");
                let first = mailbox.take();
                // The slot is empty again: the next put must not wait.
                mailbox.put("again");
                let boxed: Mailbox<Vec<u8>> = Mailbox::default();
                boxed.put(vec![1, 2]);
                (first, mailbox.take(), boxed.take())
            });
            let Some(got) = got else {
                panic!(
                    "one thread put a message and took it back, and never returned: `take` must \
                     check the slot before waiting (the message is already there, and its \
                     notification came before anyone waited: lost wake-up), and `put` must only \
                     wait while the slot is full"
                );
            };
            assert_eq!(
                got.unwrap_or_else(|message| panic!(
                    "put then take on one thread panicked: {message}"
                )),
                ("hello", "again", vec![1, 2]),
                "take must return the message put (Mailbox::default() is an empty mailbox too)"
            );
        });
    }

    #[test]
    fn many_producers_and_consumers_lose_nothing() {
        within(|| {
            static RECEIVED: AtomicU64 = AtomicU64::new(0);
            let finished = returns_in_time(|| {
                let mailbox = Arc::new(Mailbox::new());
                on_threads(&mailbox, 4, |mailbox, i| {
                    for n in 1..=5_000u64 {
                        if i < 2 {
                            mailbox.put(n);
                        } else {
                            RECEIVED.fetch_add(mailbox.take(), Ordering::SeqCst);
                        }
                    }
                });
            });
            match finished {
                None => panic!(
                    "two producers and two consumers of 5000 messages each never finished: a \
                     message was lost (a `put` that overwrote a full slot, or woke from an `if` \
                     rather than a `while`), or a waiter was never woken (`take` must wake the \
                     putters, `put` the takers)"
                ),
                Some(Err(message)) => panic!("a producer or consumer panicked: {message}"),
                Some(Ok(())) => {}
            }
            let expected = 2 * (5_000 * 5_001 / 2);
            assert_eq!(
                RECEIVED.load(Ordering::SeqCst),
                expected,
                "messages lost or duplicated"
            );
        });
    }
}

mod fair_rwlock {
    use super::*;
    use deadlock::fair_rwlock::FairRwLock;
    use std::time::Instant;

    /// Waits (yielding) until `done` holds, for at most [`patience`]; returns whether it held.
    /// Only for states that certainly come, such as a writer counting itself as waiting.
    fn eventually(mut done: impl FnMut() -> bool) -> bool {
        let deadline = Instant::now() + patience();
        while !done() {
            if Instant::now() >= deadline {
                return false;
            }
            thread::yield_now();
        }
        true
    }

    #[test]
    fn a_waiting_writer_is_not_starved_by_new_readers() {
        within(|| {
            let lock = Arc::new(FairRwLock::new());
            let reading = lock.read();
            let writer = {
                let lock = Arc::clone(&lock);
                thread::spawn(move || drop(lock.write()))
            };
            assert!(
                eventually(|| lock.waiting_writers() == 1),
                "a writer waits for the reader inside, but waiting_writers() says {}: count \
                 each writer that waits (before it waits, until it gets in)",
                lock.waiting_writers()
            );
            let late_reader = lock.try_read();
            let starved = late_reader.is_some();
            drop(late_reader);
            drop(reading);
            writer.join().unwrap();
            assert!(
                !starved,
                "starvation: a new reader got in while a writer was waiting; readers that keep \
                 overlapping would keep the writer out forever (queue new readers behind a waiting writer)"
            );
            assert_eq!(
                lock.waiting_writers(),
                0,
                "the writer is still counted as waiting after it got in"
            );
        });
    }

    #[test]
    fn readers_share_the_lock() {
        within(|| {
            let lock = Arc::new(FairRwLock::new());
            let meet = Arc::new(Rendezvous::new(2, patience()));
            let workers: Vec<_> = (0..2)
                .map(|_| {
                    let (lock, meet) = (Arc::clone(&lock), Arc::clone(&meet));
                    thread::spawn(move || {
                        let _reading = lock.read();
                        meet.arrive()
                    })
                })
                .collect();
            for w in workers {
                assert!(
                    w.join().unwrap(),
                    "two readers could not hold the lock at the same time: a reader waits while \
                     another reader is inside (wait only for writers), or the guard keeps the \
                     lock's inner `Mutex` locked (count readers in `State` instead)"
                );
            }
        });
    }

    #[test]
    fn try_read_shares_with_readers_and_never_with_a_writer() {
        within(|| {
            let lock = FairRwLock::default();
            let first = lock.try_read();
            assert!(first.is_some(), "try_read on a free lock must get in");
            let second = lock.try_read();
            assert!(
                second.is_some(),
                "try_read must get in beside another reader: readers share the lock"
            );
            drop(lock.read());
            drop((first, second));

            let writing = lock.write();
            assert_eq!(
                lock.waiting_writers(),
                0,
                "a writer inside is not waiting: waiting_writers() counts only writers still \
                 waiting to get in"
            );
            let beside = lock.try_read();
            let got_in = beside.is_some();
            drop(beside);
            drop(writing);
            assert!(
                !got_in,
                "mutual exclusion: try_read got in while a writer was inside"
            );
            assert!(
                lock.try_read().is_some(),
                "once the writer's guard is dropped, readers must get in again"
            );
            // Every guard is gone: a writer gets in, twice, and readers after it.
            drop(lock.write());
            drop(lock.write());
            drop(lock.read());
        });
    }

    #[test]
    fn waiting_writers_counts_every_waiting_writer() {
        within(|| {
            let lock = Arc::new(FairRwLock::new());
            let reading = lock.read();
            let writers: Vec<_> = (0..2)
                .map(|_| {
                    let lock = Arc::clone(&lock);
                    thread::spawn(move || drop(lock.write()))
                })
                .collect();
            assert!(
                eventually(|| lock.waiting_writers() == 2),
                "two writers wait for the reader inside, but waiting_writers() says {}: count \
                 each writer that waits (+1 before it waits, -1 when it gets in)",
                lock.waiting_writers()
            );
            drop(reading);
            for w in writers {
                w.join().unwrap();
            }
            assert_eq!(
                lock.waiting_writers(),
                0,
                "both writers got in and left, but waiting_writers() still counts some"
            );
        });
    }
}
