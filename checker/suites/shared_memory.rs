//! Grading suite for the `shared-memory` topic.
//!
//! Children are forked by the suite, do a little simple work on the shared memory, and leave
//! with `_exit`; a guard kills and reaps any child still alive when a test ends, pass or fail.
//! Children meant to overlap wait on a pipe and are released together. Where memory lives is
//! read from `/proc/self/maps` (and `/proc/self/mem`), so "unmapped on drop" is checked, not
//! assumed. Named segments are unlinked by a guard too, after the test has checked that the
//! student's code removed them itself, and names left by a crashed run are swept.

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use grading::waiting::patience;
use grading::within;
use nix::sys::signal::{Signal, kill};
use nix::sys::wait::{WaitPidFlag, WaitStatus, waitpid};
use nix::unistd::{ForkResult, Pid, fork};

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
                        "child {pid} did not exit normally: {other:?} (it crashed touching the shared memory: a \
                         mapping smaller than len * size_of::<T>() bytes, an index not checked against len, or \
                         memory unmapped too early)"
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
    wait_all(children);
}

/// Waits for every child; fails if any child failed.
fn wait_all(children: Vec<Child>) {
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

/// Forks `count` children that all wait for one signal and then run `work` at the same time;
/// waits for all of them; fails if any child failed.
fn in_children_at_once(count: usize, work: impl Fn(usize) + Copy) {
    let (go_read, go_write) = nix::unistd::pipe().expect("pipe");
    let children: Vec<Child> = (0..count)
        .map(|k| {
            let go = &go_read;
            Child::fork(move || {
                let mut byte = [0u8];
                // Every child waits here until the parent has forked them all.
                let _ = nix::unistd::read(go, &mut byte);
                work(k)
            })
        })
        .collect();
    nix::unistd::write(&go_write, &vec![0u8; count]).expect("start the children");
    wait_all(children);
}

/// The line of `/proc/self/maps` of the shared mapping (`s` in its permissions) whose first
/// bytes hold `marker` at an aligned offset: where a test's value really lives. Read through
/// `/proc/self/mem`, so it finds the memory whatever way it was mapped.
fn shared_mapping_holding(marker: &[u8]) -> Option<String> {
    use std::os::unix::fs::FileExt;
    let maps = std::fs::read_to_string("/proc/self/maps").ok()?;
    let mem = std::fs::File::open("/proc/self/mem").ok()?;
    maps.lines()
        .find(|line| {
            let mut fields = line.split_whitespace();
            let (Some(range), Some(perms)) = (fields.next(), fields.next()) else {
                return false;
            };
            if !perms.starts_with("r") || !perms.ends_with('s') {
                return false;
            }
            let Some((start, end)) = range.split_once('-') else {
                return false;
            };
            let (Ok(start), Ok(end)) =
                (u64::from_str_radix(start, 16), u64::from_str_radix(end, 16))
            else {
                return false;
            };
            let mut bytes = vec![0u8; (end - start).min(1 << 16) as usize];
            if mem.read_at(&mut bytes, start).is_err() {
                return false;
            }
            bytes
                .chunks_exact(marker.len())
                .any(|chunk| chunk == marker)
        })
        .map(str::to_owned)
}

mod value_array {
    use super::*;
    use shared_memory::value_array::{Array, Plain, Value};

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
    #[test]
    fn type_codes_and_values_of_every_type() {
        within(|| {
            let int = Value::new(-7i32).expect("a shared Value<i32>");
            let double = Value::new(0.125f64).expect("a shared Value<f64>");
            let byte = Value::new(b'x').expect("a shared Value<u8>");
            assert_eq!(
                (int.get(), double.get(), byte.get()),
                (-7, 0.125, b'x'),
                "Value::new(initial) must hold `initial`"
            );
            assert_eq!(
                (int.typecode(), double.typecode(), byte.typecode()),
                ('i', 'd', 'c'),
                "type codes: Value<i32> is 'i', Value<f64> is 'd', Value<u8> is 'c' (T::TYPECODE)"
            );
            assert_eq!(
                (
                    Array::<i32>::new(1).expect("Array<i32>").typecode(),
                    Array::<f64>::new(1).expect("Array<f64>").typecode(),
                    Array::<u8>::new(1).expect("Array<u8>").typecode()
                ),
                ('i', 'd', 'c'),
                "type codes: Array<i32> is 'i', Array<f64> is 'd', Array<u8> is 'c' (T::TYPECODE)"
            );
            in_children(1, |_| {
                int.set(i32::MIN);
                double.set(-1.5e300);
                byte.set(0xff);
            });
            assert_eq!(
                (int.get(), double.get(), byte.get()),
                (i32::MIN, -1.5e300, 0xff),
                "every bit of a value must be shared: the child's writes are not visible to the parent in full"
            );
        });
    }

    /// Fills `len` elements in a child (the first, the last, and one in between) and checks that
    /// the parent reads them back; `len` is chosen so the array ends just past a page.
    fn check_uneven<T: Plain + PartialEq + std::fmt::Debug>(
        len: usize,
        value: impl Fn(usize) -> T + Copy,
    ) {
        let array = Array::<T>::new(len).expect("a shared Array");
        assert_eq!(array.len(), len, "Array::new(len) must have len elements");
        assert!(!array.is_empty(), "an array of {len} elements is not empty");
        let picks = [0, len / 2, len - 1];
        in_children(1, |_| {
            for i in picks {
                array.set(i, value(i));
            }
        });
        for i in picks {
            assert_eq!(
                array.get(i),
                value(i),
                "element {i} of an Array<{}> of {len}: the child's write is not visible to the parent (the mapping \
                 must hold len * size_of::<T>() bytes, shared)",
                std::any::type_name::<T>()
            );
        }
    }

    #[test]
    fn sizes_that_do_not_fill_whole_pages() {
        within(|| {
            // Seeded: lengths just past a page boundary for each element size, where an array sized
            // in elements instead of bytes ends too early.
            let mut rng = grading::fastrand::Rng::with_seed(24);
            for _ in 0..2 {
                let extra = rng.usize(1..8);
                check_uneven::<f64>(4096 / 8 + extra, |i| i as f64 + 0.5);
                check_uneven::<i32>(4096 / 4 + extra, |i| -(i as i32));
                check_uneven::<u8>(4096 + extra, |i| (i % 251) as u8);
                check_uneven::<u8>(extra, |i| i as u8 + 1);
            }
        });
    }

    #[test]
    fn an_empty_array() {
        within(|| {
            let empty = Array::<f64>::new(0).expect("an Array of 0 elements is allowed");
            assert_eq!(empty.len(), 0, "Array::new(0) has no elements");
            assert!(empty.is_empty(), "Array::new(0).is_empty() must be true");
            assert!(
                empty.to_vec().is_empty(),
                "an empty Array copies out as an empty Vec"
            );
            let outside = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| empty.get(0)));
            assert!(outside.is_err(), "get(0) on an empty Array must panic");
        });
    }

    #[test]
    fn indices_past_the_end_panic_and_change_nothing() {
        within(|| {
            let array = Array::<i32>::from_slice(&[1, 2, 3]).expect("a shared Array<i32>");
            for i in [3, 4, usize::MAX] {
                let read = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| array.get(i)));
                assert!(
                    read.is_err(),
                    "Array::get({i}) on an array of 3 must panic (i >= len), not read past the end"
                );
                let write =
                    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| array.set(i, 99)));
                assert!(
                    write.is_err(),
                    "Array::set({i}, ..) on an array of 3 must panic (i >= len), not write past the end"
                );
            }
            assert_eq!(
                array.to_vec(),
                [1, 2, 3],
                "a refused set must change nothing"
            );
        });
    }

    #[test]
    fn drop_unmaps_the_memory() {
        within(|| {
            // Values no other test uses, to find this test's mappings among the process's.
            let marker = 0x5EED_0A11_i32;
            let value = Value::new(marker).expect("a shared Value<i32>");
            let found = shared_mapping_holding(&marker.to_ne_bytes());
            assert!(
                found.is_some(),
                "Value::new: no shared mapping holds the value; map it MAP_SHARED (an ordinary or private buffer is \
                 copied by fork)"
            );
            drop(value);
            let left = shared_mapping_holding(&marker.to_ne_bytes());
            assert!(
                left.is_none(),
                "drop: the Value's memory is still mapped ({}); munmap it in Drop, or every Value leaks its pages",
                left.unwrap_or_default()
            );
            let marker = 7.25e-301_f64;
            let array = Array::from_slice(&[marker; 700]).expect("a shared Array<f64>");
            drop(array);
            let left = shared_mapping_holding(&marker.to_ne_bytes());
            assert!(
                left.is_none(),
                "drop: part of the Array's memory is still mapped ({}); munmap all of it (the bytes it was mapped \
                 with) in Drop",
                left.unwrap_or_default()
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
    #[test]
    fn processes_at_once_lose_no_update() {
        within(|| {
            let counter = SharedCounter::new().expect("a shared counter");
            // Four processes started together, each adding 20 000: `v.value += 1` in shared
            // memory would lose some of them whenever two overlap.
            in_children_at_once(4, |_| {
                for _ in 0..20_000 {
                    counter.increment();
                }
            });
            let total = counter.get();
            assert_eq!(
                total, 80_000,
                "lost update: 4 processes incrementing at the same time × 20 000 gave {total}; each increment must \
                 be one atomic read-modify-write (fetch_add) on a counter in memory shared before fork"
            );
        });
    }

    #[test]
    fn drop_unmaps_the_page() {
        within(|| {
            let counter = SharedCounter::new().expect("a shared counter");
            // A count no other test reaches, to find this counter's page among the process's.
            const MARK: i32 = 123_457;
            for _ in 0..MARK {
                counter.increment();
            }
            assert!(
                shared_mapping_holding(&MARK.to_ne_bytes()).is_some(),
                "no shared mapping holds the counter: map its page MAP_SHARED before fork"
            );
            drop(counter);
            let left = shared_mapping_holding(&MARK.to_ne_bytes());
            assert!(
                left.is_none(),
                "drop: the counter's page is still mapped ({}); munmap it in Drop",
                left.unwrap_or_default()
            );
        });
    }
}

mod named {
    use super::*;
    use shared_memory::named::NamedSegment;

    /// A name no other test (or run) uses, and its [`Unlink`]: keep it until the test ends.
    fn unique_name(tag: &str) -> (String, Unlink) {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        sweep_names_of_dead_runs();
        let name = format!(
            "/kit-shm-{}-{tag}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::SeqCst)
        );
        (name.clone(), Unlink(name))
    }

    /// Unlinks the names a run of this suite that crashed (a segfault runs no `Drop`) left in
    /// /dev/shm: `kit-shm-PID-...` whose process is gone.
    fn sweep_names_of_dead_runs() {
        let Ok(entries) = std::fs::read_dir("/dev/shm") else {
            return;
        };
        for entry in entries.flatten() {
            let file = entry.file_name().to_string_lossy().into_owned();
            let Some(pid) = file
                .strip_prefix("kit-shm-")
                .and_then(|rest| rest.split('-').next())
                .and_then(|pid| pid.parse::<i32>().ok())
            else {
                continue;
            };
            if !Path::new(&format!("/proc/{pid}")).exists() {
                let _ = nix::sys::mman::shm_unlink(format!("/{file}").as_str());
            }
        }
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
            let (name, _cleanup) = unique_name("peer");
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
            let (name, _cleanup) = unique_name("drop");
            drop(NamedSegment::create(&name, 100).expect("create a named segment"));
            assert!(
                !exists(&name),
                "segment left behind in /dev/shm: dropping the creator's handle must shm_unlink it"
            );

            let (name, _cleanup) = unique_name("panic");
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
            let (name, _cleanup) = unique_name("owner");
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

    /// Whether this process still maps the segment `name` (its line in `/proc/self/maps`).
    fn mapped(name: &str) -> bool {
        let path = format!("/dev/shm/{}", name.trim_start_matches('/'));
        std::fs::read_to_string("/proc/self/maps")
            .unwrap_or_default()
            .lines()
            .any(|line| line.split_whitespace().nth(5) == Some(path.as_str()))
    }

    #[test]
    fn a_new_segment_is_zeroed_named_and_private_to_its_owner() {
        within(|| {
            let (name, _cleanup) = unique_name("new");
            let segment = NamedSegment::create(&name, 3000).expect("create a named segment");
            assert_eq!(
                segment.name(),
                name,
                "name() must give the name it was created with"
            );
            assert_eq!(
                segment.len(),
                3000,
                "len() must give the size it was created with"
            );
            assert!(!segment.is_empty(), "a segment of 3000 bytes is not empty");
            assert!(
                segment.read(0, 3000).iter().all(|b| *b == 0),
                "a new segment must be all zeros"
            );
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(Path::new("/dev/shm").join(name.trim_start_matches('/')))
                .map(|m| m.permissions().mode() & 0o777)
                .unwrap_or(0);
            assert_eq!(
                mode & 0o600,
                0o600,
                "mode: its owner must be able to read and write the segment (0o600), it has {mode:o}"
            );
            assert_eq!(
                mode & 0o077,
                0,
                "mode: other users must not reach the segment (0o600), it has {mode:o}"
            );
            drop(segment);
            let (empty_name, _cleanup_empty) = unique_name("empty");
            let empty =
                NamedSegment::create(&empty_name, 0).expect("a segment of 0 bytes is allowed");
            assert!(
                empty.is_empty() && (empty.len(), empty.read(0, 0).len()) == (0, 0),
                "a segment of 0 bytes is empty"
            );
            assert!(empty.read(0, 0).is_empty(), "reading 0 bytes gives nothing");
        });
    }

    #[test]
    fn reads_and_writes_past_the_end_panic_and_change_nothing() {
        within(|| {
            let (name, _cleanup) = unique_name("bounds");
            let segment = NamedSegment::create(&name, 100).expect("create a named segment");
            segment.write(96, b"edge");
            assert_eq!(
                segment.read(96, 4),
                b"edge",
                "writing the last bytes must fit exactly"
            );
            for (offset, len) in [(97, 4), (100, 1), (101, 0), (usize::MAX, 2)] {
                let write = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    segment.write(offset, &vec![b'!'; len])
                }));
                assert!(
                    write.is_err(),
                    "write({offset}, {len} bytes) on a segment of 100 must panic (offset + len > len), not write \
                     outside it"
                );
                let read = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    segment.read(offset, len)
                }));
                assert!(
                    read.is_err(),
                    "read({offset}, {len}) on a segment of 100 must panic (offset + len > len), not read outside it"
                );
            }
            assert_eq!(
                segment.read(96, 4),
                b"edge",
                "a refused write must change nothing"
            );
        });
    }

    #[test]
    fn creating_an_existing_name_fails_and_leaves_it_alone() {
        within(|| {
            let (name, _cleanup) = unique_name("exists");
            let first = NamedSegment::create(&name, 64).expect("create a named segment");
            first.write(0, b"first");
            match NamedSegment::create(&name, 128) {
                Err(nix::errno::Errno::EEXIST) => {}
                Err(other) => {
                    panic!("create on an existing name must fail with EEXIST (O_EXCL), got {other}")
                }
                Ok(_) => panic!(
                    "create must fail when the name exists (O_EXCL), or it could reuse a stale segment"
                ),
            }
            assert!(
                exists(&name),
                "a create refused with EEXIST removed the existing segment's name: unlink only a name this call \
                 created (after shm_open succeeded)"
            );
            let peer = NamedSegment::open(&name).expect("the first segment is still there");
            assert_eq!(
                (peer.len(), peer.read(0, 5)),
                (64, b"first".to_vec()),
                "a refused create must leave the existing segment as it was (size and contents)"
            );
        });
    }

    #[test]
    fn a_failed_create_leaves_no_name_behind() {
        within(|| {
            // Sizes the kernel may refuse after the name was made: a negative size for ftruncate,
            // and one no address space can map (a design that maps nothing may accept it).
            for (len, why) in [(usize::MAX, "ftruncate"), (1usize << 62, "mmap")] {
                let (name, _cleanup) = unique_name("fails");
                match NamedSegment::create(&name, len) {
                    Err(_) => assert!(
                        !exists(&name),
                        "a failed create left its name in /dev/shm ({why} failed): once shm_open has made the name, \
                         shm_unlink it on every later error before returning"
                    ),
                    Ok(segment) => {
                        assert_eq!(
                            segment.len(),
                            len,
                            "the segment has the size it was created with"
                        );
                        drop(segment);
                        assert!(
                            !exists(&name),
                            "segment left behind in /dev/shm after the creator dropped it"
                        );
                    }
                }
            }
        });
    }

    #[test]
    fn opening_a_missing_name_fails_and_creates_nothing() {
        within(|| {
            let (name, _cleanup) = unique_name("missing");
            match NamedSegment::open(&name) {
                Err(nix::errno::Errno::ENOENT) => {}
                Err(other) => {
                    panic!("open of a name nobody created must fail with ENOENT, got {other}")
                }
                Ok(_) => panic!(
                    "open of a name nobody created must fail (ENOENT): open must not create (no O_CREAT)"
                ),
            }
            assert!(
                !exists(&name),
                "open of a missing name left a segment in /dev/shm: open must not create (no O_CREAT)"
            );
        });
    }

    #[test]
    fn drop_unmaps_every_handle() {
        within(|| {
            let (name, _cleanup) = unique_name("unmap");
            let creator = NamedSegment::create(&name, 5000).expect("create a named segment");
            let peer = NamedSegment::open(&name).expect("open the segment by name");
            drop(peer);
            drop(creator);
            assert!(
                !mapped(&name),
                "drop: the segment is still mapped in this process; munmap it in Drop (each handle, creator or not)"
            );
            // An empty segment is mapped too (one byte at least), and unmapped the same way.
            let (empty_name, _cleanup_empty) = unique_name("unmap-empty");
            drop(NamedSegment::create(&empty_name, 0).expect("a segment of 0 bytes is allowed"));
            assert!(
                !mapped(&empty_name),
                "drop: an empty segment is still mapped in this process; munmap as many bytes as were mapped (at \
                 least one)"
            );
        });
    }

    #[test]
    fn processes_at_once_open_and_write_their_slots() {
        within(|| {
            const PROCESSES: usize = 6;
            let (name, _cleanup) = unique_name("many");
            let creator =
                NamedSegment::create(&name, 64 * PROCESSES).expect("create a named segment");
            // Every child opens the name at the same moment, writes its slot and drops its handle.
            in_children_at_once(PROCESSES, |k| {
                let peer = NamedSegment::open(&name).expect("a child opens the segment by name");
                peer.write(64 * k, format!("slot {k}").as_bytes());
            });
            for k in 0..PROCESSES {
                let expected = format!("slot {k}");
                assert_eq!(
                    creator.read(64 * k, expected.len()),
                    expected.as_bytes(),
                    "process {k} wrote its slot through its own handle; the creator must see it (both map the same \
                     segment MAP_SHARED)"
                );
            }
            assert!(
                exists(&name),
                "the segment vanished when the peers closed it: only the creator unlinks the name"
            );
            drop(creator);
            assert!(
                !exists(&name),
                "segment left behind in /dev/shm after the creator dropped it"
            );
        });
    }
}
