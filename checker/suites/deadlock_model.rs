//! Model-checked suite for the `deadlock` topic (`--features model`): loom runs each test body
//! under every interleaving of its threads (within a preemption bound). A deadlock that a real
//! run hits once in a thousand is found on every run, with the place each thread waits.

use grading::model::sync::atomic::{AtomicBool, AtomicIsize, Ordering};
use grading::model::sync::thread;
use grading::model::{self, race};
// `std`'s `Arc`, not loom's: the suite only shares values between threads, and loom's `Arc`
// cannot be dropped while loom unwinds a deadlocked execution.
use std::sync::Arc;

mod backoff {
    use super::*;
    use deadlock::backoff::lock_both;
    use grading::model::sync::Mutex;

    #[test]
    fn opposite_orders_never_deadlock() {
        model::check(
            "lock-order deadlock (hold and wait): if the second lock is busy, release the first before trying again",
            || {
                let locks = Arc::new((Mutex::new(0u32), Mutex::new(0u32)));
                let ((), ()) = race(
                    &locks,
                    |(x, y)| {
                        let (mut x, mut y) = lock_both(x, y);
                        *x += 1;
                        *y += 1;
                    },
                    |(x, y)| {
                        let (mut y, mut x) = lock_both(y, x);
                        *x += 1;
                        *y += 1;
                    },
                );
                let (x, y) = (*locks.0.lock().unwrap(), *locks.1.lock().unwrap());
                assert_eq!(
                    (x, y),
                    (2, 2),
                    "lost update: both locks were not held together"
                );
            },
        );
    }
}

mod transfer {
    use super::*;
    use deadlock::transfer::Bank;

    #[test]
    fn opposite_transfers_never_deadlock() {
        model::check(
            "lock-order deadlock: take the two account locks in one global order (lower number first)",
            || {
                let bank = Arc::new(Bank::new(vec![100, 100]));
                let (a, b) = race(&bank, |b| b.transfer(0, 1, 10), |b| b.transfer(1, 0, 20));
                assert!(a && b);
                assert_eq!((bank.balance(0), bank.balance(1)), (110, 90));
            },
        );
    }

    #[test]
    fn an_audit_beside_a_transfer_never_deadlocks() {
        model::check(
            "lock-order deadlock: the audit must take the locks in the same order as transfers",
            || {
                let bank = Arc::new(Bank::new(vec![100, 100]));
                let (total, _) = race(&bank, |b| b.total(), |b| b.transfer(1, 0, 20));
                assert_eq!(
                    total, 200,
                    "transfer seen half done: the audit counted {total}"
                );
            },
        );
    }

    #[test]
    fn a_transfer_to_the_same_account_never_deadlocks() {
        model::check(
            "self-deadlock: when from == to there is one lock; locking it twice waits for yourself",
            || {
                let bank = Bank::new(vec![100]);
                assert!(bank.transfer(0, 0, 40));
                assert_eq!(bank.balance(0), 100);
            },
        );
    }
}

mod philosophers {
    use super::*;
    use deadlock::philosophers::Table;

    #[test]
    fn three_philosophers_never_deadlock_or_share_a_fork() {
        model::check(
            "lock-order deadlock (circular wait): pick up the lower-numbered fork first",
            || {
                const SEATS: usize = 3;
                let table = Arc::new(Table::new(SEATS));
                let eating: Arc<[AtomicBool; SEATS]> =
                    Arc::new(std::array::from_fn(|_| AtomicBool::new(false)));
                let dine = move |table: &Table, eating: &[AtomicBool; SEATS], seat: usize| {
                    table.eat(seat, || {
                    eating[seat].store(true, Ordering::SeqCst);
                    let neighbour = (seat + 1) % SEATS;
                    assert!(
                        !eating[neighbour].load(Ordering::SeqCst),
                        "fork not held: philosophers {seat} and {neighbour} ate at the same time"
                    );
                    eating[seat].store(false, Ordering::SeqCst);
                })
                };
                let guests: Vec<_> = (1..SEATS)
                    .map(|seat| {
                        let (table, eating) = (Arc::clone(&table), Arc::clone(&eating));
                        thread::spawn(move || dine(&table, &eating, seat))
                    })
                    .collect();
                dine(&table, &eating, 0);
                for g in guests {
                    g.join().unwrap();
                }
            },
        );
    }
}

mod mailbox {
    use super::*;
    use deadlock::mailbox::Mailbox;

    #[test]
    fn a_message_put_before_take_is_received() {
        model::check(
            "lost wake-up: check the condition before waiting; the notification may already have come",
            || {
                let mailbox = Arc::new(Mailbox::new());
                let (_, got) = race(&mailbox, |m| m.put(7), |m| m.take());
                assert_eq!(got, 7);
            },
        );
    }

    #[test]
    fn two_takers_each_get_one_message() {
        model::check(
            "lost or stolen wake-up: wait in a `while` loop that re-checks the condition, and wake a thread that can proceed",
            || {
                let mailbox = Arc::new(Mailbox::new());
                let takers: Vec<_> = (0..2)
                    .map(|_| {
                        let mailbox = Arc::clone(&mailbox);
                        thread::spawn(move || mailbox.take())
                    })
                    .collect();
                mailbox.put(1);
                mailbox.put(2);
                let mut got: Vec<i32> = takers.into_iter().map(|t| t.join().unwrap()).collect();
                got.sort();
                assert_eq!(got, [1, 2], "a message was lost or taken twice");
            },
        );
    }
}

mod fair_rwlock {
    use super::*;
    use deadlock::fair_rwlock::FairRwLock;

    #[test]
    fn writers_are_alone_and_nobody_waits_forever() {
        model::check(
            "mutual exclusion and liveness: wait in `while` loops and wake every waiter (notify_all) when the lock frees",
            || {
                let lock = Arc::new(FairRwLock::new());
                // Positive: readers inside; -1: a writer inside.
                let inside = Arc::new(AtomicIsize::new(0));
                let writers: Vec<_> = (0..2)
                    .map(|_| {
                        let (lock, inside) = (Arc::clone(&lock), Arc::clone(&inside));
                        thread::spawn(move || {
                            let _writing = lock.write();
                            let before = inside.swap(-1, Ordering::SeqCst);
                            assert_eq!(
                                before, 0,
                                "mutual exclusion: a writer got in with others inside"
                            );
                            inside.store(0, Ordering::SeqCst);
                        })
                    })
                    .collect();
                {
                    let _reading = lock.read();
                    let before = inside.fetch_add(1, Ordering::SeqCst);
                    assert!(
                        before >= 0,
                        "mutual exclusion: a reader got in beside a writer"
                    );
                    inside.fetch_sub(1, Ordering::SeqCst);
                }
                for w in writers {
                    w.join().unwrap();
                }
            },
        );
    }
}
