//! Grading suite for the `shared-memory` topic.
//!
//! Children are forked by the suite, do a little simple work on the shared memory, and leave
//! with `_exit`; a guard kills and reaps any child still alive when a test ends, pass or fail.
//! Named segments are unlinked by a guard too, after the test has checked that the student's
//! code removed them itself.

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use grading::within;
use nix::sys::signal::{Signal, kill};
use nix::sys::wait::{WaitPidFlag, WaitStatus, waitpid};
use nix::unistd::{ForkResult, Pid, fork};

/// A share of the test's time limit (`grading::test_timeout`, 5 s unless the catalog says
/// otherwise): how long a probe waits for something a correct solution does at once, so a
/// loaded machine gets the most margin a wrong solution's verdict can afford.
fn patience(percent: u32) -> Duration {
    grading::test_timeout() * percent / 100
}

/// A forked child; killed and reaped on drop if the test did not wait for it.
struct Child(Option<Pid>);

impl Child {
    /// Forks a child that runs `work` and exits: 0 if it returned, 101 if it panicked.
    fn fork(work: impl FnOnce()) -> Child {
        // Safety: the child only runs `work` (memory reads and writes in the suite's tests)
        // and leaves with `_exit`, never returning into the test harness.
        match unsafe { fork() }.expect("fork failed") {
            ForkResult::Child => {
                // No locks here (not even `panic::set_hook`): another test thread may have
                // held one at the moment of fork, and in the child it would never be released.
                let code = match std::panic::catch_unwind(std::panic::AssertUnwindSafe(work)) {
                    Ok(()) => 0,
                    Err(_) => 101,
                };
                // Safety: `_exit` ends the child at once, without running the parent's
                // atexit handlers or flushing its buffers twice.
                unsafe { libc::_exit(code) }
            }
            ForkResult::Parent { child } => Child(Some(child)),
        }
    }

    /// Waits (until `deadline`) for the child and returns its exit code; fails the test if it
    /// did not exit by then. Bounded, so a stuck child is killed by `Drop`, never left behind.
    fn wait(mut self, deadline: std::time::Instant) -> i32 {
        let pid = self.0.expect("a live child");
        loop {
            match waitpid(pid, Some(WaitPidFlag::WNOHANG)).expect("waitpid failed") {
                WaitStatus::StillAlive if std::time::Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(1));
                }
                WaitStatus::StillAlive => panic!("child {pid} did not finish in time (killed)"),
                WaitStatus::Exited(_, code) => {
                    self.0 = None;
                    return code;
                }
                other => {
                    self.0 = None;
                    panic!(
                        "child {pid} did not exit normally: {other:?} (it crashed touching the shared memory)"
                    )
                }
            }
        }
    }
}

impl Drop for Child {
    fn drop(&mut self) {
        if let Some(pid) = self.0.take() {
            let _ = kill(pid, Signal::SIGKILL);
            let _ = waitpid(pid, None);
        }
    }
}

/// Forks one child per item, then waits for all; fails if any child failed.
fn in_children(count: usize, work: impl Fn(usize) + Copy) {
    let children: Vec<Child> = (0..count).map(|k| Child::fork(move || work(k))).collect();
    // One deadline for all, well before the test's own limit, so the guards still run.
    let deadline = std::time::Instant::now() + patience(60);
    for (k, child) in children.into_iter().enumerate() {
        let code = child.wait(deadline);
        assert_eq!(
            code, 0,
            "child {k} failed (exit code {code}; 101 means it panicked)"
        );
    }
}

mod value_array {
    use super::*;
    use shared_memory::value_array::{Array, Value};

    #[test]
    fn children_write_a_value_the_parent_reads() {
        within(|| {
            let value = Value::new(42i32).expect("a shared Value");
            assert_eq!(value.get(), 42, "Value::new(42) must hold 42");
            assert_eq!(value.typecode(), 'i', "Value<i32> has type code 'i'");
            let seen = Value::new(0i32).expect("a shared Value");
            in_children(1, |_| {
                seen.set(value.get());
                value.set(7);
            });
            assert_eq!(
                seen.get(),
                42,
                "the child did not see the value the parent set before fork"
            );
            assert_eq!(
                value.get(),
                7,
                "the child's write is not visible to the parent: the memory is not shared between processes \
                 (after fork a private or heap buffer is copied; map it MAP_SHARED)"
            );
            let ratio = Value::new(0.0f64).expect("a shared Value<f64>");
            assert_eq!(ratio.typecode(), 'd', "Value<f64> has type code 'd'");
            in_children(1, |_| ratio.set(2.5));
            assert_eq!(
                ratio.get(),
                2.5,
                "the child's write is not visible to the parent (Value<f64>)"
            );
        });
    }

    #[test]
    fn children_fill_an_array() {
        within(|| {
            let squares = Array::<f64>::new(1000).expect("a shared Array<f64>");
            assert_eq!(
                (squares.len(), squares.typecode()),
                (1000, 'd'),
                "Array<f64> of 1000: len and type code 'd'"
            );
            assert!(
                squares.to_vec().iter().all(|x| *x == 0.0),
                "a new Array starts all zeros"
            );
            // Four children each fill their quarter: 8000 bytes, more than one page.
            in_children(4, |k| {
                for i in (k * 250)..((k + 1) * 250) {
                    squares.set(i, (i * i) as f64);
                }
            });
            let expected: Vec<f64> = (0..1000).map(|i| (i * i) as f64).collect();
            let got = squares.to_vec();
            let missing = got.iter().zip(&expected).filter(|(g, e)| g != e).count();
            assert!(
                missing == 0,
                "the children's writes are not visible to the parent: {missing} of 1000 elements are wrong \
                 (the array must live in memory shared between processes, sized len * size_of::<T>())"
            );
        });
    }

    #[test]
    fn bytes_and_initial_contents() {
        within(|| {
            let text = Array::<u8>::from_slice(b"hello, world").expect("a shared Array<u8>");
            assert_eq!(text.typecode(), 'c', "Array<u8> has type code 'c'");
            assert_eq!(
                text.to_vec(),
                b"hello, world",
                "from_slice copies the items in"
            );
            in_children(1, |_| {
                for (i, b) in b"HELLO".iter().enumerate() {
                    text.set(i, *b);
                }
            });
            assert_eq!(
                text.to_vec(),
                b"HELLO, world",
                "the child's writes are not visible to the parent (Array<u8>)"
            );
            let outside = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| text.get(12)));
            assert!(
                outside.is_err(),
                "Array::get past the end must panic, not read outside the shared memory"
            );
        });
    }
}

mod counter {
    use super::*;
    use grading::Rendezvous;
    use shared_memory::counter::{Cell, SharedCounter, increment};
    use std::sync::Mutex;

    /// A cell that makes two increments overlap as badly as the OS ever could: a `load` waits
    /// until the other worker has loaded too. Atomic `fetch_add` cannot be split like that.
    struct Interleaved {
        value: Mutex<i32>,
        both_loaded: Rendezvous,
    }

    impl Cell for Interleaved {
        fn load(&self) -> i32 {
            let v = *self.value.lock().unwrap();
            self.both_loaded.arrive();
            v
        }
        fn store(&self, value: i32) {
            *self.value.lock().unwrap() = value;
        }
        fn fetch_add(&self, delta: i32) -> i32 {
            let mut v = self.value.lock().unwrap();
            *v += delta;
            *v - delta
        }
    }

    #[test]
    fn increments_never_overlap() {
        within(|| {
            let cell = Interleaved {
                value: Mutex::new(0),
                both_loaded: Rendezvous::new(2, patience(40)),
            };
            std::thread::scope(|s| {
                s.spawn(|| increment(&cell));
                s.spawn(|| increment(&cell));
            });
            let total = *cell.value.lock().unwrap();
            assert_eq!(
                total, 2,
                "lost update: two processes incrementing at the same moment both read 0 and both wrote 1 — \
                 `v.value += 1` is a read then a write; use one atomic read-modify-write (fetch_add)"
            );
        });
    }

    #[test]
    fn processes_share_one_counter() {
        within(|| {
            let counter = SharedCounter::new().expect("a shared counter");
            assert_eq!(counter.get(), 0, "a new counter starts at 0");
            // One child after another: this test is about *where* the counter lives. (Children
            // running at once would make a racy increment lose updates only sometimes; the
            // test above forces the overlap instead, so its verdict never depends on luck.)
            for _ in 0..4 {
                in_children(1, |_| {
                    for _ in 0..10_000 {
                        counter.increment();
                    }
                });
            }
            let total = counter.get();
            assert!(
                total != 0,
                "the children's increments are not visible to the parent: the counter is not in shared memory \
                 (map its page MAP_SHARED before fork)"
            );
            assert_eq!(
                total, 40_000,
                "4 processes × 10 000 increments gave {total}"
            );
        });
    }
}

mod named {
    use super::*;
    use shared_memory::named::NamedSegment;

    /// A name no other test (or run) uses.
    fn unique_name(tag: &str) -> String {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        format!(
            "/kit-shm-{}-{tag}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::SeqCst)
        )
    }

    fn exists(name: &str) -> bool {
        Path::new("/dev/shm")
            .join(name.trim_start_matches('/'))
            .exists()
    }

    /// Unlinks the name when the test ends, whatever happened: nothing left in /dev/shm.
    struct Unlink(String);

    impl Drop for Unlink {
        fn drop(&mut self) {
            let _ = nix::sys::mman::shm_unlink(self.0.as_str());
        }
    }

    #[test]
    fn an_unrelated_process_answers_through_the_segment() {
        within(|| {
            let name = unique_name("peer");
            let _cleanup = Unlink(name.clone());
            let segment = NamedSegment::create(&name, 4096).expect("create a named segment");
            assert_eq!(
                segment.len(),
                4096,
                "the segment has the size it was created with"
            );
            assert!(
                exists(&name),
                "after create, the segment must be in /dev/shm under its name"
            );
            segment.write(0, b"ping\0");
            // A separate program (exec'd, not forked): it only knows the name.
            let mut peer = std::process::Command::new(env!("CARGO_BIN_EXE_shm_peer"))
                .arg(&name)
                .spawn()
                .expect("start shm_peer");
            let status = peer.wait().expect("wait for shm_peer");
            assert!(
                status.success(),
                "shm_peer could not open the segment by name ({status})"
            );
            let reply = segment.read(1024, 64);
            let reply =
                String::from_utf8_lossy(&reply[..reply.iter().position(|b| *b == 0).unwrap_or(64)])
                    .into_owned();
            assert!(
                reply.starts_with("pong: ping (pid "),
                "the other process's reply is not in our segment (got {reply:?}): both must map the same named \
                 segment MAP_SHARED"
            );
        });
    }

    #[test]
    fn the_creator_removes_the_segment_even_on_panic() {
        within(|| {
            let name = unique_name("drop");
            let _cleanup = Unlink(name.clone());
            drop(NamedSegment::create(&name, 100).expect("create a named segment"));
            assert!(
                !exists(&name),
                "segment left behind in /dev/shm: dropping the creator's handle must shm_unlink it"
            );

            let name = unique_name("panic");
            let _cleanup = Unlink(name.clone());
            let n = name.clone();
            let result = std::panic::catch_unwind(move || {
                let _segment = NamedSegment::create(&n, 100).expect("create a named segment");
                panic!("a test failing while the segment is open");
            });
            assert!(result.is_err());
            assert!(
                !exists(&name),
                "segment left behind in /dev/shm after a panic: unlink it in Drop, which also runs while unwinding"
            );
        });
    }

    #[test]
    fn only_the_creator_unlinks() {
        within(|| {
            let name = unique_name("owner");
            let _cleanup = Unlink(name.clone());
            let creator = NamedSegment::create(&name, 256).expect("create a named segment");
            assert!(
                NamedSegment::create(&name, 256).is_err(),
                "create must fail when the name exists (O_EXCL), or it could reuse a stale segment"
            );
            let peer = NamedSegment::open(&name).expect("open the segment by name");
            assert_eq!(
                peer.len(),
                256,
                "open must map the size the creator gave the segment"
            );
            peer.write(10, b"shared");
            assert_eq!(
                creator.read(10, 6),
                b"shared",
                "two handles on one name must share the memory"
            );
            drop(peer);
            assert!(
                exists(&name) && NamedSegment::open(&name).is_ok(),
                "the segment vanished when a peer closed it: only the creator unlinks the name"
            );
            drop(creator);
            assert!(
                !exists(&name),
                "segment left behind in /dev/shm after the creator dropped it"
            );
        });
    }
}
