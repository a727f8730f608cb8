//! The model's locks behave as `std`'s do, under every interleaving: what they exclude, what
//! they never block on (`try_lock`), and the deadlocks they report. Run with
//! `cargo test -p grading --features model`.

use std::panic::{self, AssertUnwindSafe};
use std::sync::Arc;
use std::sync::TryLockError;

use grading::model::{self, sync};

/// The verdict of a model check that must fail.
fn verdict_of(body: impl Fn() + Sync + Send + 'static) -> String {
    let payload = panic::catch_unwind(AssertUnwindSafe(|| model::check("the hint", body)))
        .expect_err("the model checker must find the failing interleaving");
    payload
        .downcast_ref::<String>()
        .cloned()
        .unwrap_or_default()
}

/// Takes `first`, then tries `second`; on failure lets both go and starts again.
fn lock_both_backing_off(first: &sync::Mutex<u32>, second: &sync::Mutex<u32>) {
    loop {
        let mut a = first.lock().unwrap();
        match second.try_lock() {
            Ok(mut b) => {
                *a += 1;
                *b += 1;
                return;
            }
            Err(TryLockError::WouldBlock) => {
                drop(a);
                sync::thread::yield_now();
            }
            Err(TryLockError::Poisoned(_)) => unreachable!("the model does not poison"),
        }
    }
}

#[test]
fn a_try_lock_that_backs_off_is_never_a_deadlock() {
    // tokio-rs/loom#376: loom's own Mutex reports this correct design as a deadlock when the
    // other thread takes both locks, in the other order, with plain `lock` calls: while this
    // thread is about to `try_lock` the first, loom counts it as blocked there.
    model::check("no deadlock is possible here", || {
        let locks = Arc::new((sync::Mutex::new(0), sync::Mutex::new(0)));
        let other = {
            let locks = Arc::clone(&locks);
            sync::thread::spawn(move || {
                let mut a = locks.0.lock().unwrap();
                let mut b = locks.1.lock().unwrap();
                *a += 1;
                *b += 1;
            })
        };
        lock_both_backing_off(&locks.1, &locks.0);
        other.join().unwrap();
        assert_eq!(*locks.0.lock().unwrap(), 2);
        assert_eq!(*locks.1.lock().unwrap(), 2);
    });
}

#[test]
fn locks_taken_in_opposite_orders_are_reported_as_a_deadlock() {
    let verdict = verdict_of(|| {
        let locks = Arc::new((sync::Mutex::new(()), sync::Mutex::new(())));
        let other = {
            let locks = Arc::clone(&locks);
            sync::thread::spawn(move || {
                let _b = locks.1.lock().unwrap();
                let _a = locks.0.lock().unwrap();
            })
        };
        {
            let _a = locks.0.lock().unwrap();
            let _b = locks.1.lock().unwrap();
        }
        other.join().unwrap();
    });
    assert!(verdict.starts_with(model::DEADLOCK), "{verdict}");
    // The hint names the mistake the steps show first, then what the test checks.
    let shown = verdict
        .find("lock-order deadlock")
        .expect("the mistake the steps show");
    let own = verdict
        .find("what this test checks: the hint")
        .expect("the test's hint");
    assert!(shown < own, "{verdict}");
    // Each blocked thread is shown at the line that asked for the lock, not inside the model.
    assert!(verdict.contains("tests/model_locks.rs"), "{verdict}");
    assert!(!verdict.contains("model/sync/"), "{verdict}");
}

#[test]
fn try_lock_refuses_a_held_lock_and_takes_a_free_one() {
    model::check("try_lock", || {
        let mutex = sync::Mutex::new(1);
        let held = mutex.lock().unwrap();
        assert!(matches!(mutex.try_lock(), Err(TryLockError::WouldBlock)));
        drop(held);
        let mut again = mutex.try_lock().expect("the lock is free");
        *again += 1;
        drop(again);
        assert_eq!(mutex.into_inner().unwrap(), 2);
    });
}

#[test]
fn a_mutex_loses_no_update_and_a_split_critical_section_does() {
    model::check("no lost update", || {
        let count = Arc::new(sync::Mutex::new(0));
        let other = {
            let count = Arc::clone(&count);
            sync::thread::spawn(move || *count.lock().unwrap() += 1)
        };
        *count.lock().unwrap() += 1;
        other.join().unwrap();
        assert_eq!(*count.lock().unwrap(), 2);
    });
    let verdict = verdict_of(|| {
        let count = Arc::new(sync::Mutex::new(0));
        let split = |count: &sync::Mutex<i32>| {
            let seen = *count.lock().unwrap();
            *count.lock().unwrap() = seen + 1;
        };
        let other = {
            let count = Arc::clone(&count);
            sync::thread::spawn(move || split(&count))
        };
        split(&count);
        other.join().unwrap();
        let n = *count.lock().unwrap();
        assert_eq!(n, 2, "lost update: {n}");
    });
    assert!(verdict.contains("lost update: 1"), "{verdict}");
    assert!(verdict.contains("check-then-act race"), "{verdict}");
}

#[test]
fn readers_share_and_writers_exclude() {
    model::check("rwlock", || {
        let lock = Arc::new(sync::RwLock::new(5));
        let reading = lock.read().unwrap();
        let other = {
            let lock = Arc::clone(&lock);
            sync::thread::spawn(move || {
                let shared = lock.try_read().ok().map(|value| *value);
                let alone = lock.try_write().is_ok();
                (shared, alone)
            })
        };
        let (shared, alone) = other.join().unwrap();
        assert_eq!(shared, Some(5), "a second reader joins the first");
        assert!(!alone, "a writer waits for the reader");
        drop(reading);
        *lock.write().unwrap() += 1;
        assert_eq!(*lock.read().unwrap(), 6);
    });
}

#[test]
fn a_condvar_wait_gives_the_lock_back_and_wakes_up_holding_it() {
    model::check("handshake", || {
        let pair = Arc::new((sync::Mutex::new(false), sync::Condvar::new()));
        let other = {
            let pair = Arc::clone(&pair);
            sync::thread::spawn(move || {
                *pair.0.lock().unwrap() = true;
                pair.1.notify_one();
            })
        };
        let ready = pair.1.wait_while(pair.0.lock().unwrap(), |ready| !*ready);
        assert!(*ready.unwrap());
        other.join().unwrap();
    });
    // Waiting without checking the condition first misses a notification sent before the wait.
    let verdict = verdict_of(|| {
        let pair = Arc::new((sync::Mutex::new(false), sync::Condvar::new()));
        let other = {
            let pair = Arc::clone(&pair);
            sync::thread::spawn(move || {
                *pair.0.lock().unwrap() = true;
                pair.1.notify_one();
            })
        };
        let ready = pair.1.wait(pair.0.lock().unwrap()).unwrap();
        assert!(*ready);
        drop(ready);
        other.join().unwrap();
    });
    assert!(verdict.starts_with(model::DEADLOCK), "{verdict}");
    assert!(verdict.contains("lost wake-up"), "{verdict}");
}
