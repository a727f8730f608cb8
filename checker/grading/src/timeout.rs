//! Bounded test bodies: a deadlocked or looping solution fails its test instead of hanging it.

use std::any::Any;
use std::panic;
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

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
    match outcome.recv_timeout(limit) {
        Ok(Ok(value)) => value,
        Ok(Err(payload)) => panic::resume_unwind(payload),
        // The stuck thread is left behind on purpose: it cannot be stopped from outside, and
        // the test process ends (taking it along) as soon as the verdict is out. First, say
        // what every thread but the test harness's own is doing.
        Err(_) => {
            let pid = std::process::id() as i32;
            let mut skip = vec![pid];
            skip.extend(current_tid());
            let threads = crate::hang::threads_of(pid, &skip, Duration::from_millis(100));
            panic!(
                "{DID_NOT_FINISH} within {:.1} s — {}",
                limit.as_secs_f64(),
                crate::hang::explain(&threads)
            )
        }
    }
}

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
