//! Model-checked suite for the `deadlock` topic (`--features model`): loom runs each test body
//! under every interleaving of its threads (within a preemption bound). A deadlock that a real
//! run hits once in a thousand is found on every run, with the place each thread waits.
//!
//! Every pair of public operations that can overlap is raced here, with two or three threads
//! (more would make the exploration slow). A test can fail in more than one way, so each hint
//! names every likely cause, not only the mistake the test was first written for.

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
            "hold and wait: never wait for (or spin on) one lock while holding the other; when the second lock is busy, release the first, `thread::yield_now()`, and try again",
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
            "two transfers in opposite directions: to rule out a lock-order deadlock, take the two account locks in one global order (lower number first) whatever the direction of the money, and move the money while holding both",
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
            "an audit beside a transfer: `total` must hold every account lock at once, taken in the same order as transfers (or the two deadlock), and a transfer must hold both its locks while it moves the money (or the audit sees it half done)",
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
    fn two_transfers_never_spend_the_same_money() {
        model::check(
            "two transfers from one account: check the balance and move the money under the same locks, taken once; a balance checked before locking (or under a lock released before the move) can be spent by the other transfer in between",
            || {
                // Account 2 pays both: each transfer locks its own lower account first, then
                // they meet on account 2.
                let bank = Arc::new(Bank::new(vec![0, 0, 10]));
                let (a, b) = race(&bank, |b| b.transfer(2, 0, 10), |b| b.transfer(2, 1, 10));
                assert!(
                    a != b,
                    "account 2 holds 10 and two transfers of 10 from it raced: exactly one must \
                     succeed, but {} did",
                    if a { "both" } else { "neither" }
                );
                let balances = [bank.balance(0), bank.balance(1), bank.balance(2)];
                let expected = if a { [10, 0, 0] } else { [0, 10, 0] };
                assert_eq!(
                    balances, expected,
                    "balances after one of two competing transfers succeeded"
                );
            },
        );
    }

    #[test]
    fn a_balance_beside_a_transfer_sees_it_before_or_after() {
        model::check(
            "a balance read beside a transfer: `balance` must wait for the account's lock (`lock()`, not `try_lock()`), and a transfer must move the money while holding both locks",
            || {
                let bank = Arc::new(Bank::new(vec![100, 0]));
                let (seen, moved) = race(&bank, |b| b.balance(0), |b| b.transfer(0, 1, 30));
                assert!(moved);
                assert!(
                    seen == 100 || seen == 70,
                    "balance(0) beside a transfer of 30 out of 100 read {seen}: it must see the \
                     balance before the transfer or after it"
                );
            },
        );
    }

    #[test]
    fn a_transfer_to_the_same_account_never_deadlocks() {
        model::check(
            "a transfer from an account to itself, beside another transfer from it: from == to is one account with one lock (locking it twice waits for yourself), which it must wait for (`lock()`, not `try_lock()`) like any other",
            || {
                let bank = Arc::new(Bank::new(vec![100, 0]));
                // The transfer to itself may come first (100 of 100: true) or after the other
                // (70 of 100: false): both are right.
                let (_, out) = race(&bank, |b| b.transfer(0, 0, 100), |b| b.transfer(0, 1, 30));
                assert!(
                    out,
                    "account 0 holds 100: a transfer of 30 out of it must succeed"
                );
                assert_eq!(
                    (bank.balance(0), bank.balance(1)),
                    (70, 30),
                    "paying yourself must change nothing"
                );
            },
        );
    }

    #[test]
    fn two_transfers_into_one_account_both_arrive() {
        model::check(
            "two transfers into one account: each waits for the account's lock (`lock()`, not `try_lock()`) in the global order, and adds its money while holding both locks, so neither deposit is lost",
            || {
                let bank = Arc::new(Bank::new(vec![10, 10, 0]));
                let (a, b) = race(&bank, |b| b.transfer(0, 2, 10), |b| b.transfer(1, 2, 10));
                assert!(
                    a && b,
                    "both accounts held 10: both transfers of 10 must succeed"
                );
                assert_eq!(
                    [bank.balance(0), bank.balance(1), bank.balance(2)],
                    [0, 0, 20],
                    "balances after two transfers of 10 into account 2"
                );
            },
        );
    }
}

mod philosophers {
    use super::*;
    use deadlock::philosophers::Table;

    /// Philosophers `seats[0]` (on the test's thread) and `seats[1]` (on another) of a table of
    /// `size` eat at the same time; each meal checks that the other is not eating.
    fn dine_together(size: usize, seats: [usize; 2]) {
        let shared = Arc::new((
            Table::new(size),
            [AtomicBool::new(false), AtomicBool::new(false)],
        ));
        let dine = move |(table, eating): &(Table, [AtomicBool; 2]), me: usize| {
            table.eat(seats[me], || {
                eating[me].store(true, Ordering::SeqCst);
                assert!(
                    !eating[1 - me].load(Ordering::SeqCst),
                    "fork not held: philosophers {} and {} share a fork but ate at the same time",
                    seats[0],
                    seats[1]
                );
                eating[me].store(false, Ordering::SeqCst);
            })
        };
        race(&shared, move |s| dine(s, 0), move |s| dine(s, 1));
    }

    #[test]
    fn two_philosophers_never_deadlock_or_share_a_fork() {
        model::check(
            "two philosophers sharing both forks: pick up the lower-numbered fork first (if each takes their left one first, each can hold one fork and wait for the other: circular wait, deadlock), and hold both forks until the meal has run (named guards, not `let _ =` or an inner block)",
            || dine_together(2, [0, 1]),
        );
    }

    #[test]
    fn neighbours_never_eat_together() {
        model::check(
            "neighbours share a fork: hold BOTH forks (two named guards that live until `meal()` returns; `let _ = ...` or an inner block puts a fork down at once), and take them in one global order so the waiting cannot go round the table",
            || dine_together(3, [0, 1]),
        );
    }
}

mod mailbox {
    use super::*;
    use deadlock::mailbox::Mailbox;

    #[test]
    fn a_message_put_before_take_is_received() {
        model::check(
            "a put racing a take: the taker must check the slot before waiting (a message put earlier has already sent its notification: lost wake-up), and `put` must wake the condition variable takers wait on",
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
            "two takers, one putter: wait in a `while` loop that re-checks the slot after every wake-up (another taker may have got there first), wake a thread that can proceed (a condition variable per condition, or `notify_all`), and have `take` wake a waiting putter",
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

    #[test]
    fn a_put_into_a_full_slot_waits_for_the_take() {
        model::check(
            "a put into a full slot racing a take: `put` must wait (in a `while` loop) until the slot is empty, never overwrite it, and `take` must wake the putter waiting on the condition variable putters wait on",
            || {
                let mailbox = Arc::new(Mailbox::new());
                mailbox.put(1);
                let (got, ()) = race(&mailbox, |m| m.take(), |m| m.put(2));
                assert_eq!(
                    got, 1,
                    "the slot held 1 when a second put began: take must get 1 (the put of 2 \
                     overwrote it instead of waiting)"
                );
                assert_eq!(mailbox.take(), 2, "the second message was lost");
            },
        );
    }

    #[test]
    fn two_putters_never_overwrite_each_other() {
        model::check(
            "two putters: a putter woken after a take must check the slot again (a `while` loop, not an `if`): another putter may have filled it first, and overwriting loses a message",
            || {
                let mailbox = Arc::new(Mailbox::new());
                mailbox.put(0);
                // The other thread's put finds the slot full and waits; this thread takes, which
                // wakes it, and may put again before the woken putter runs. Each thread then
                // takes one message, so every message has a taker.
                let ((first, second), third) = race(
                    &mailbox,
                    |m| {
                        let first = m.take();
                        m.put(2);
                        (first, m.take())
                    },
                    |m| {
                        m.put(1);
                        m.take()
                    },
                );
                assert_eq!(
                    first, 0,
                    "the message already in the slot must come out first"
                );
                let mut got = [second, third];
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
            "two writers and a reader: a writer waits in a `while` loop until nobody is inside, a reader while a writer is inside or waiting; each guard's drop counts its holder out; and readers and writers share one condition variable, so every release must wake them all (`notify_all`)",
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

    #[test]
    fn a_reader_that_comes_after_a_waiting_writer_waits_for_it() {
        model::check(
            "starvation: once a writer waits, `read` must queue new readers behind it (wait while a writer is inside OR waiting), and the writer must count itself as waiting before it waits",
            || {
                let lock = Arc::new(FairRwLock::new());
                let wrote = Arc::new(AtomicBool::new(false));
                let reading = lock.read();
                let writer = {
                    let (lock, wrote) = (Arc::clone(&lock), Arc::clone(&wrote));
                    thread::spawn(move || {
                        let _writing = lock.write();
                        wrote.store(true, Ordering::SeqCst);
                    })
                };
                let late_reader = {
                    let (lock, wrote) = (Arc::clone(&lock), Arc::clone(&wrote));
                    thread::spawn(move || {
                        let writer_waiting = lock.waiting_writers() > 0;
                        let _reading = lock.read();
                        assert!(
                            !writer_waiting || wrote.load(Ordering::SeqCst),
                            "starvation: a reader got in ahead of a writer that was already \
                             waiting (readers that keep overlapping would keep it out forever)"
                        );
                    })
                };
                drop(reading);
                writer.join().unwrap();
                late_reader.join().unwrap();
            },
        );
    }

    #[test]
    fn try_read_never_gets_in_beside_a_writer() {
        model::check(
            "try_read racing a writer: `try_read` must refuse (return `None`) while a writer is inside or waiting, and a writer must wait until the readers are out",
            || {
                let shared = Arc::new((FairRwLock::new(), AtomicBool::new(false)));
                race(
                    &shared,
                    |(lock, writing)| {
                        if let Some(_reading) = lock.try_read() {
                            assert!(
                                !writing.load(Ordering::SeqCst),
                                "mutual exclusion: try_read got in while a writer was inside"
                            );
                        }
                    },
                    |(lock, writing)| {
                        let _writing = lock.write();
                        writing.store(true, Ordering::SeqCst);
                        writing.store(false, Ordering::SeqCst);
                    },
                );
                assert!(
                    shared.0.try_read().is_some(),
                    "the lock is free again: try_read must get in"
                );
            },
        );
    }
}
