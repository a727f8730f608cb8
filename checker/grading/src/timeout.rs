//! Bounded test bodies: a deadlocked or looping solution fails its test instead of hanging it.

use std::any::Any;
use std::panic;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::thread;
use std::time::{Duration, Instant};

use crate::hang::Asleep;

/// The words every timeout verdict starts with; the checker looks for them.
pub const DID_NOT_FINISH: &str = "did not finish";

/// How long one test body may run: `KIT_TEST_TIMEOUT_MS` when the checker sets it (from the
/// exercise's `timeout` in the catalog), else 5 s.
pub fn test_timeout() -> Duration {
    std::env::var("KIT_TEST_TIMEOUT_MS")
        .ok()
        .and_then(|ms| ms.parse().ok())
        .map(Duration::from_millis)
        .unwrap_or(Duration::from_secs(5))
}

/// Runs `body` on a fresh thread and returns its value, failing the test if it takes longer
/// than [`test_timeout`]. A panic inside `body` (a failed assertion, a `todo!()`) is passed on
/// unchanged, so the student sees the original message.
pub fn within<T: Send + 'static>(body: impl FnOnce() -> T + Send + 'static) -> T {
    within_for(test_timeout(), body)
}

/// [`within`] with an explicit limit.
pub fn within_for<T: Send + 'static>(
    limit: Duration,
    body: impl FnOnce() -> T + Send + 'static,
) -> T {
    let (done, outcome) = mpsc::channel::<Result<T, Box<dyn Any + Send>>>();
    // Name the body's thread after the test, so a panic inside it is reported under the
    // test's name rather than `<unnamed>`.
    let name = thread::current().name().unwrap_or("test body").to_owned();
    thread::Builder::new()
        .name(name)
        .spawn(move || {
            let result = panic::catch_unwind(panic::AssertUnwindSafe(body));
            // The receiver is gone only if the test already timed out; nothing to report then.
            let _ = done.send(result);
        })
        .expect("the grading suite could not spawn a thread");
    let pid = std::process::id() as i32;
    let mut skip = vec![pid];
    skip.extend(current_tid());
    let started = Instant::now();
    // Waits in short rounds: a deadlock that is certain (every thread of the test asleep for
    // good, twice in a row with nothing run in between) fails the test at once rather than at
    // the limit. Anything less certain waits for the limit.
    let mut asleep: Option<Asleep> = None;
    loop {
        let left = limit.saturating_sub(started.elapsed());
        match outcome.recv_timeout(left.min(DEADLOCK_CHECK)) {
            Ok(Ok(value)) => return value,
            Ok(Err(payload)) => panic::resume_unwind(payload),
            Err(RecvTimeoutError::Disconnected) => unreachable!("the body's thread always reports"),
            Err(RecvTimeoutError::Timeout) if started.elapsed() >= limit => break,
            Err(RecvTimeoutError::Timeout) => {
                let now = Asleep::now(pid, &skip);
                if let (Some(before), Some(now)) = (&asleep, &now)
                    && before.same(now)
                {
                    let threads = crate::hang::threads_of(pid, &skip, Duration::ZERO);
                    panic!(
                        "{DID_NOT_FINISH}: deadlock, found after {:.1} s — every thread of the \
                         test is asleep for good, each waiting for a lock, a condition \
                         variable, a message or a join that only another sleeping thread could \
                         give{}",
                        started.elapsed().as_secs_f64(),
                        crate::hang::lines(&threads)
                    )
                }
                asleep = now;
            }
        }
    }
    // The stuck thread is left behind on purpose: it cannot be stopped from outside, and the
    // test process ends (taking it along) as soon as the verdict is out. First, say what every
    // thread but the test harness's own is doing.
    let threads = crate::hang::threads_of(pid, &skip, Duration::from_millis(100));
    panic!(
        "{DID_NOT_FINISH} within {:.1} s — {}",
        limit.as_secs_f64(),
        crate::hang::explain(&threads)
    )
}

/// How often [`within_for`] looks for a certain deadlock.
const DEADLOCK_CHECK: Duration = Duration::from_millis(250);

/// The kernel's id of the calling thread (`/proc/thread-self` links to `PID/task/TID`).
fn current_tid() -> Option<i32> {
    let link = std::fs::read_link("/proc/thread-self").ok()?;
    link.file_name()?.to_str()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn returns_the_body_value() {
        assert_eq!(within(|| 6 * 7), 42);
    }

    #[test]
    fn a_certain_deadlock_fails_long_before_the_limit() {
        let started = Instant::now();
        let err = panic::catch_unwind(|| {
            within_for(Duration::from_secs(30), || {
                let lock = std::sync::Arc::new(std::sync::Mutex::new(()));
                let _held = lock.lock().unwrap();
                let other = std::sync::Arc::clone(&lock);
                thread::spawn(move || drop(other.lock())).join().unwrap();
            })
        })
        .expect_err("a deadlock must fail");
        let message = err.downcast_ref::<String>().expect("a formatted message");
        assert!(
            message.starts_with("did not finish: deadlock, found after"),
            "{message}"
        );
        assert!(started.elapsed() < Duration::from_secs(10), "{message}");
    }

    #[test]
    fn a_stuck_body_fails_with_the_deadlock_message() {
        let err = panic::catch_unwind(|| within_for(Duration::from_millis(50), thread::park))
            .expect_err("a body that never returns must fail");
        let message = err.downcast_ref::<String>().expect("a formatted message");
        assert!(message.starts_with(DID_NOT_FINISH), "{message}");
        // The body's thread is parked: asleep in a futex, and named after the test.
        assert!(
            message.contains("likely a deadlock or a lost wake-up"),
            "{message}"
        );
        assert!(message.contains("asleep, waiting for a lock"), "{message}");
    }

    #[test]
    fn a_panic_in_the_body_keeps_its_message() {
        let err = panic::catch_unwind(|| within(|| panic!("the original assertion")))
            .expect_err("the body panicked");
        assert_eq!(err.downcast_ref::<&str>(), Some(&"the original assertion"));
    }
}
