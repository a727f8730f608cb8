//! Grading suite for the `threads` topic: spawning and joining workers, scoped threads that
//! borrow, and a supervisor of named workers. The same file grades the student's crate
//! (`exercises/threads`) and the reference (`solutions/threads`).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use grading::caught::{panic_message, unless_todo};
use grading::waiting::{Meeting, eventually};

/// How long a worker waits for the others before the suite concludes they were not alive
/// together: most of a test's time budget, so a slow, loaded machine never fails a correct
/// solution, and a sequential one still fails on the assertion rather than on the timeout.
fn patience() -> Duration {
    grading::test_timeout() * 3 / 5
}

/// The verdict when a [`Meeting`] failed: every likely cause, since the symptom is the same.
fn not_concurrent(workers: &str) -> String {
    format!(
        "the {workers} did not run at the same time (concurrency): the first one waited {:.1} s for \
         the others, but they had not started. Likely causes: a join inside the spawn loop (spawn \
         them all first, then join them all); a lock held around the work (a Mutex guard still \
         alive while the work runs, e.g. `results.lock().unwrap().push(f(..))` locks before f \
         runs); or a sequential iterator that waits for each thread before it spawns the next.",
        patience().as_secs_f64()
    )
}

/// The kernel's id of the calling thread, read from `/proc/thread-self` (`PID/task/TID`).
fn current_tid() -> Option<String> {
    let link = std::fs::read_link("/proc/thread-self").ok()?;
    Some(link.file_name()?.to_str()?.to_owned())
}

/// Whether thread `tid` of this process is blocked in `join`: glibc's `pthread_join` is the one
/// wait a Rust program makes on a *shared* futex (the kernel wakes it when the thread exits);
/// every other `std` wait (locks, channels, `park`) uses a private one. `None` when `/proc`
/// cannot tell (another architecture, no such file): callers then assume it is.
fn joining(tid: &str) -> Option<bool> {
    const FUTEX_PRIVATE_FLAG: u64 = 128;
    let sys_futex = if cfg!(target_arch = "x86_64") {
        "202"
    } else if cfg!(target_arch = "aarch64") {
        "98"
    } else {
        return None;
    };
    // `NR ARG0 ARG1 ...` while blocked in a system call, `running` otherwise.
    let text = std::fs::read_to_string(format!("/proc/self/task/{tid}/syscall")).ok()?;
    let fields: Vec<&str> = text.split_whitespace().collect();
    if fields.first() != Some(&sys_futex) {
        return Some(false);
    }
    let op = u64::from_str_radix(fields.get(2)?.trim_start_matches("0x"), 16).ok()?;
    Some(op & FUTEX_PRIVATE_FLAG == 0)
}

/// Proves that a call returned only once its worker threads had ended, not merely once their
/// results had arrived.
///
/// A worker that hands its result over (a channel, a shared `Vec`) and is never joined may still
/// be running when the call returns; whether it still is when the test looks is luck. To make it
/// certain, each worker thread is *watched*: it counts as running until it exits, and its exit
/// is held back until the calling thread is seen blocked in `join` — where a correct solution
/// soon is — or until the test has looked. A solution that never joins is therefore caught, on
/// every run, with a watched thread still running when it returns.
///
/// A worker is watched from the moment it drops a [`Held`] value it owns (a clone of the work),
/// or calls [`Lingering::watch_this_thread`]. (So a `thread::scope` whose threads own clones of
/// the work and are not joined explicitly is reported too: the scope waits for each closure to
/// end, not for its thread to exit.)
struct Lingering {
    caller: Option<String>,
    running: AtomicUsize,
    looked: AtomicBool,
}

thread_local! {
    static EXIT_GUARDS: std::cell::RefCell<Vec<ExitGuard>> = const { std::cell::RefCell::new(Vec::new()) };
}

impl Lingering {
    /// For a call made from the current thread.
    fn new() -> Arc<Lingering> {
        Arc::new(Lingering {
            caller: current_tid(),
            running: AtomicUsize::new(0),
            looked: AtomicBool::new(false),
        })
    }

    /// A value a worker owns: its thread is watched once it drops it.
    fn hold(self: &Arc<Lingering>) -> Held {
        self.running.fetch_add(1, Ordering::SeqCst);
        Held(Arc::clone(self))
    }

    /// Counts the calling thread as running until it exits, and holds its exit back.
    fn watch_this_thread(self: &Arc<Lingering>) {
        self.running.fetch_add(1, Ordering::SeqCst);
        let guard = ExitGuard(Arc::clone(self));
        // During the thread's own teardown the list is gone: hold back right here instead.
        let _ = EXIT_GUARDS.try_with(|guards| guards.borrow_mut().push(guard));
    }

    /// How many watched threads (and held values) were still there when the call returned;
    /// lets them go.
    fn still_running_after_return(&self) -> usize {
        let running = self.running.load(Ordering::SeqCst);
        self.looked.store(true, Ordering::SeqCst);
        running
    }

    /// Whether the current thread is the one that made the call (or `/proc` cannot tell).
    fn on_caller(&self) -> bool {
        self.caller.is_none() || current_tid() == self.caller
    }
}

/// See [`Lingering`].
struct Held(Arc<Lingering>);

impl Clone for Held {
    fn clone(&self) -> Self {
        self.0.hold()
    }
}

impl Drop for Held {
    fn drop(&mut self) {
        if !self.0.on_caller() {
            self.0.watch_this_thread();
        }
        self.0.running.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Dropped with a watched thread's locals, as it exits.
struct ExitGuard(Arc<Lingering>);

impl Drop for ExitGuard {
    fn drop(&mut self) {
        let shared = &self.0;
        if let Some(caller) = shared.caller.as_deref() {
            let deadline = Instant::now() + patience();
            while !shared.looked.load(Ordering::SeqCst)
                && joining(caller) == Some(false)
                && Instant::now() < deadline
            {
                thread::sleep(Duration::from_millis(1));
            }
        }
        shared.running.fetch_sub(1, Ordering::SeqCst);
    }
}

/// The verdict when [`Lingering`] found workers still running after the call returned.
fn returned_early(call: &str, alive: usize) -> String {
    format!(
        "{call} returned before its threads finished: {alive} worker(s) were still running when \
         it returned. Getting every result (through a channel or a shared Vec) is not the end of \
         a thread — only `join` waits for that. Keep each JoinHandle and join every one before \
         returning (or let thread::scope join them); never detach a worker whose work matters."
    )
}

mod spawn_join {
    use super::*;
    use grading::{ExitWatch, ThreadLog, within};
    use std::panic::{self, AssertUnwindSafe};
    use threads::spawn_join::run_workers;

    #[test]
    fn workers_run_at_the_same_time_and_results_come_back_in_index_order() {
        within(|| {
            const N: usize = 4;
            // Every worker first waits at a meeting point for all the others (only possible if
            // they run concurrently); then worker 0 finishes last: it returns only once the
            // other workers' threads have exited. Both waits are bounded, and worker 0 skips the
            // second if the first failed, so a sequential solution costs one patience.
            let meeting = Arc::new(Meeting::new(N, patience()));
            let exits = ExitWatch::new();
            let work = {
                let (meeting, exits) = (Arc::clone(&meeting), exits.clone());
                move |i: usize| {
                    let met = meeting.arrive();
                    if i == 0 {
                        if met {
                            exits.wait_for(N - 1, patience());
                        }
                    } else {
                        exits.watch_current_thread();
                    }
                    (format!("result {i}"), met)
                }
            };
            let results = run_workers(N, work);
            assert_eq!(
                results.len(),
                N,
                "run_workers({N}, ..) must return {N} results"
            );
            assert!(
                results.iter().all(|(_, met)| *met),
                "{}",
                not_concurrent("workers")
            );
            let results: Vec<String> = results.into_iter().map(|(result, _)| result).collect();
            let expected: Vec<String> = (0..N).map(|i| format!("result {i}")).collect();
            assert_eq!(
                results, expected,
                "results out of order: result i must be work(i), whatever order the workers \
                 finish in (here worker 0 finished last) — collect the results by joining the \
                 handles in spawn order, not as they arrive"
            );
        })
    }

    #[test]
    fn every_worker_runs_once_on_its_own_thread_and_is_joined() {
        within(|| {
            let caller = thread::current().id();
            for n in [0, 1, 3, 8] {
                let log = Arc::new(ThreadLog::new());
                let calls: Arc<Vec<AtomicUsize>> =
                    Arc::new((0..n).map(|_| AtomicUsize::new(0)).collect());
                let lingering = Lingering::new();
                let results = run_workers(n, {
                    let (log, calls) = (Arc::clone(&log), Arc::clone(&calls));
                    // Every copy of `work` a worker owns is a `Held`: see `Lingering`.
                    let held = lingering.hold();
                    move |i| {
                        let _ = &held;
                        log.record();
                        calls[i].fetch_add(1, Ordering::SeqCst);
                        i * 10
                    }
                });
                let running = lingering.still_running_after_return();
                assert_eq!(running, 0, "{}", returned_early("run_workers", running));
                let counts: Vec<usize> = calls.iter().map(|c| c.load(Ordering::SeqCst)).collect();
                assert_eq!(
                    counts,
                    vec![1; n],
                    "run_workers({n}, work): work(i) must run exactly once for each i in 0..{n} \
                     (and never for n = 0); calls per index: {counts:?}"
                );
                assert_eq!(
                    results,
                    (0..n).map(|i| i * 10).collect::<Vec<_>>(),
                    "run_workers({n}, |i| i * 10) must return one result per worker, in index \
                     order (an empty Vec for 0 workers)"
                );
                assert!(
                    !log.contains(caller),
                    "run_workers({n}, ..): work ran on the calling thread (the main thread): \
                     every worker must run on a thread that run_workers spawns; the calling \
                     thread only waits for them"
                );
                assert_eq!(
                    log.distinct().len(),
                    n,
                    "run_workers({n}, ..): {n} workers ran on only {} thread(s): spawn one \
                     thread per worker",
                    log.distinct().len()
                );
            }
        })
    }

    #[test]
    fn a_worker_panic_reaches_the_caller() {
        within(|| {
            let outcome = panic::catch_unwind(AssertUnwindSafe(|| {
                run_workers(3, |i| {
                    if i == 1 {
                        panic!("worker 1 gave up");
                    }
                    i
                })
            }));
            match outcome {
                Ok(results) => panic!(
                    "worker 1 panicked, yet run_workers returned {results:?}: a worker's panic \
                     must not be lost. join() returns Err(payload) for a panicked worker; pass it \
                     on (unwrap it, or std::panic::resume_unwind) instead of skipping it"
                ),
                Err(payload) => drop(unless_todo(payload)),
            }
        })
    }
}

mod scoped_chunks {
    use super::*;
    use grading::{ExitWatch, ThreadLog, within};
    use std::panic::{self, AssertUnwindSafe};
    use threads::scoped_chunks::map_chunks;

    /// The chunk sizes the exercise asks for: `len.div_ceil(threads)` each, the last shorter.
    fn expected_sizes(len: usize, threads: usize) -> Vec<usize> {
        let size = len.div_ceil(threads).max(1);
        (0..len)
            .step_by(size)
            .map(|start| size.min(len - start))
            .collect()
    }

    /// Checks one `map_chunks` call that returns each chunk as it saw it.
    fn check_cover(len: usize, threads: usize) {
        let data: Vec<u32> = (0..len as u32).collect();
        let chunks = map_chunks(&data, threads, |chunk| chunk.to_vec());
        let case = format!("{len} items over {threads} threads");

        let seen: Vec<u32> = chunks.concat();
        let lost: Vec<u32> = data
            .iter()
            .copied()
            .filter(|item| !seen.contains(item))
            .collect();
        assert!(
            lost.is_empty(),
            "{case}: items {lost:?} were lost — never handed to any thread; the chunks must \
             cover all the data, the last one taking the remainder (chunk size = \
             len.div_ceil(threads))"
        );
        assert_eq!(
            seen.len(),
            len,
            "{case}: some items were processed twice: {chunks:?}"
        );
        assert_eq!(
            seen, data,
            "{case}: the chunks came back out of order or were not contiguous: results must \
             follow chunk order (join the handles in spawn order)"
        );
        let sizes: Vec<usize> = chunks.iter().map(Vec::len).collect();
        assert_eq!(
            sizes,
            expected_sizes(len, threads),
            "{case}: wrong chunk sizes: each chunk holds len.div_ceil(threads) items, the last \
             one fewer (and never an empty chunk)"
        );
    }

    #[test]
    fn chunks_cover_the_data_once_and_in_order() {
        within(|| {
            for (len, threads) in [
                (10, 4),
                (9, 3),
                (9, 4),
                (7, 2),
                (5, 5),
                (11, 4),
                (3, 8),
                (1, 1),
                (100, 3),
            ] {
                check_cover(len, threads);
            }
        })
    }

    #[test]
    fn chunks_cover_the_data_for_varied_sizes() {
        within(|| {
            // Seeded: the same cases on every run; a failure names the case.
            let mut rng = grading::fastrand::Rng::with_seed(0x5c0_bed);
            for _ in 0..40 {
                check_cover(rng.usize(1..=60), rng.usize(1..=12));
            }
        })
    }

    #[test]
    fn one_thread_per_chunk_none_on_the_caller() {
        within(|| {
            let caller = thread::current().id();
            // Even and uneven splits: 4 chunks of 2; 3, 3, 3 and 1; 3 chunks of 3 (9 items over
            // 4 threads: chunk size 3 leaves no item for a fourth thread).
            for (len, threads, chunks) in [(8, 4, 4), (10, 4, 4), (9, 4, 3)] {
                let data: Vec<u32> = (0..len).collect();
                let log = ThreadLog::new();
                let sizes = map_chunks(&data, threads, |chunk| {
                    log.record();
                    chunk.len()
                });
                let case = format!("{len} items over {threads} threads");
                assert_eq!(
                    sizes.len(),
                    chunks,
                    "{case} make {chunks} chunks, got chunk sizes {sizes:?}"
                );
                assert_eq!(
                    log.len(),
                    chunks,
                    "{case}: f must run once per chunk: {chunks} chunks, {} calls",
                    log.len()
                );
                assert!(
                    !log.contains(caller),
                    "{case}: a chunk was processed on the calling thread: each chunk goes to its \
                     own scoped thread while the caller waits"
                );
                assert_eq!(
                    log.distinct().len(),
                    chunks,
                    "{case}: {chunks} chunks ran on only {} thread(s): spawn one scoped thread per \
                     chunk",
                    log.distinct().len()
                );
            }
        })
    }

    #[test]
    fn chunks_run_at_the_same_time_and_come_back_in_chunk_order() {
        within(|| {
            // Every chunk thread first waits at a meeting point for all the others; then the
            // first chunk finishes last: it returns only once the other chunk threads have
            // exited. Both waits are bounded (one patience in all for a sequential solution).
            // 12 items over 4 threads make 4 chunks of 3; 9 over 4 make 3 chunks of 3.
            for (len, threads, chunks) in [(12u32, 4, 4), (9, 4, 3)] {
                let data: Vec<u32> = (0..len).collect();
                let case = format!("{len} items over {threads} threads");
                // The chunk count first, without waiting: a meeting for the wrong number of
                // threads would wait in vain and blame concurrency for a sizing mistake.
                let count = map_chunks(&data, threads, |_| ()).len();
                assert_eq!(
                    count, chunks,
                    "{case} make {chunks} chunks of len.div_ceil(threads) items, got {count}"
                );
                let meeting = Meeting::new(chunks, patience());
                let exits = ExitWatch::new();
                let firsts = map_chunks(&data, threads, |chunk| {
                    let met = meeting.arrive();
                    if chunk[0] == 0 {
                        if met {
                            exits.wait_for(chunks - 1, patience());
                        }
                    } else {
                        exits.watch_current_thread();
                    }
                    (chunk[0], met)
                });
                assert_eq!(
                    firsts.len(),
                    chunks,
                    "{case} make {chunks} chunks of len.div_ceil(threads) items, got {} results",
                    firsts.len()
                );
                assert!(
                    firsts.iter().all(|(_, met)| *met),
                    "{case}: {}",
                    not_concurrent("chunk threads")
                );
                let firsts: Vec<u32> = firsts.into_iter().map(|(first, _)| first).collect();
                let expected: Vec<u32> = (0..len).step_by(3).collect();
                assert_eq!(
                    firsts, expected,
                    "{case}: results out of order (first item of each chunk's result shown): \
                     result k must be f(chunk k), whatever order the chunks finish in (here the \
                     first chunk finished last) — join the handles in spawn order rather than \
                     collecting results as they arrive"
                );
            }
        })
    }

    #[test]
    fn threads_borrow_local_data() {
        within(|| {
            // Neither the words nor `min_len` are 'static: only scoped threads may borrow them.
            let words: Vec<String> = "the quick brown fox jumps over the lazy dog"
                .split(' ')
                .map(String::from)
                .collect();
            let min_len = 4;
            let counts = map_chunks(&words, 3, |chunk| {
                chunk.iter().filter(|word| word.len() >= min_len).count()
            });
            assert_eq!(
                counts,
                [2, 2, 1],
                "long words per chunk of [the quick brown | fox jumps over | the lazy dog]"
            );
        })
    }

    #[test]
    fn a_panic_in_f_reaches_the_caller() {
        within(|| {
            let data: Vec<u32> = (0..8).collect();
            let outcome = panic::catch_unwind(AssertUnwindSafe(|| {
                map_chunks(&data, 4, |chunk| {
                    if chunk.contains(&5) {
                        panic!("bad chunk");
                    }
                    chunk.len()
                })
            }));
            match outcome {
                Ok(sizes) => panic!(
                    "f panicked on the chunk holding item 5, yet map_chunks returned {sizes:?}: \
                     a panic in a chunk thread must reach the caller (join() gives Err(payload): \
                     unwrap it or resume_unwind it, never skip it)"
                ),
                Err(payload) => drop(unless_todo(payload)),
            }
        })
    }

    #[test]
    fn empty_data_gives_no_chunks() {
        within(|| {
            let data: [u32; 0] = [];
            let calls = AtomicUsize::new(0);
            let result = panic::catch_unwind(AssertUnwindSafe(|| {
                map_chunks(&data, 4, |chunk| {
                    calls.fetch_add(1, Ordering::SeqCst);
                    chunk.len()
                })
            }));
            match result {
                Ok(sizes) => assert!(
                    sizes.is_empty() && calls.load(Ordering::SeqCst) == 0,
                    "empty data has no chunk: map_chunks must return an empty Vec and never call \
                     f, got {sizes:?}"
                ),
                Err(payload) => panic!(
                    "empty data must give an empty Vec (no chunk, no thread), but map_chunks \
                     panicked: {} — a chunk size of 0? `chunks(0)` panics",
                    panic_message(&*unless_todo(payload))
                ),
            }
        })
    }

    #[test]
    fn zero_threads_is_refused_clearly() {
        within(|| {
            let data = [1u32, 2, 3];
            let result = panic::catch_unwind(|| map_chunks(&data, 0, |chunk| chunk.len()));
            let message = match result {
                Ok(sizes) => panic!(
                    "map_chunks(data, 0, f) must panic (no thread to run on), returned {sizes:?}"
                ),
                Err(payload) => panic_message(&*unless_todo(payload)),
            };
            assert!(
                message.contains("thread"),
                "map_chunks(data, 0, f) must panic with a message that says what is wrong (mention \
                 `threads`), got: {message}"
            );
        })
    }
}

mod supervisor {
    use super::*;
    use grading::{ThreadLog, within};
    use std::panic::{self, AssertUnwindSafe};
    use std::sync::mpsc;
    use threads::supervisor::{Outcome, Report, Supervisor};

    fn report(name: &str, outcome: Outcome) -> Report {
        Report {
            name: name.to_owned(),
            outcome,
        }
    }

    /// `join_all`, failing with a verdict instead of crashing if a worker's panic escapes.
    fn join_all_safely(supervisor: Supervisor) -> Vec<Report> {
        panic::catch_unwind(AssertUnwindSafe(|| supervisor.join_all())).unwrap_or_else(|payload| {
            let payload = unless_todo(payload);
            panic!(
                "a worker's panic brought down the main thread: join_all panicked with \"{}\" — \
                 join() returns Err(payload) when a worker panicked; turn it into \
                 Outcome::Panicked instead of unwrapping it",
                panic_message(&*payload)
            )
        })
    }

    #[test]
    fn workers_carry_their_names() {
        within(|| {
            let log = Arc::new(ThreadLog::new());
            let caller = thread::current().id();
            let mut supervisor = Supervisor::new();
            for (name, value) in [("alpha", 1), ("beta", 2), ("gamma", 3)] {
                let log = Arc::clone(&log);
                supervisor.spawn(name, move || {
                    log.record();
                    value
                });
            }
            let reports = join_all_safely(supervisor);

            assert!(
                !log.contains(caller),
                "a job ran on the calling thread: each job needs its own worker thread"
            );
            let mut names = log.names();
            names.sort();
            let expected = ["alpha", "beta", "gamma"].map(|name| Some(name.to_owned()));
            assert_eq!(
                names, expected,
                "inside its job, thread::current().name() must be the worker's name: name the \
                 thread when you spawn it (thread::Builder)"
            );
            assert_eq!(
                reports,
                [
                    report("alpha", Outcome::Finished(1)),
                    report("beta", Outcome::Finished(2)),
                    report("gamma", Outcome::Finished(3)),
                ],
                "join_all must report every worker, in spawn order, with its job's value"
            );
        })
    }

    #[test]
    fn running_lists_the_workers_not_yet_finished() {
        within(|| {
            let mut supervisor = Supervisor::new();
            let mut gates = Vec::new();
            for (name, value) in [("first", 1), ("quick", 2), ("last", 3)] {
                let (open, gate) = mpsc::channel::<()>();
                if name == "quick" {
                    drop(open); // no gate: `quick` returns at once
                } else {
                    gates.push(open);
                }
                supervisor.spawn(name, move || {
                    // Blocked until the test opens the gate (or drops it): still running.
                    let _ = gate.recv();
                    value
                });
            }

            let running = supervisor.running();
            for waiting in ["first", "last"] {
                assert!(
                    running.iter().any(|name| name == waiting),
                    "running() = {running:?} leaves out `{waiting}`, whose job is still blocked: \
                     a worker runs until its job returns"
                );
            }
            // `quick` returned at once; the thread is marked finished soon after.
            let quick_gone = eventually(patience(), || {
                !supervisor.running().iter().any(|name| name == "quick")
            });
            assert!(
                quick_gone,
                "running() = {:?} still lists `quick`, whose job returned {:.1} s ago: a finished \
                 worker is not running (JoinHandle::is_finished tells)",
                supervisor.running(),
                patience().as_secs_f64()
            );
            assert_eq!(
                supervisor.running(),
                ["first", "last"],
                "running() must list the unfinished workers in spawn order"
            );

            drop(gates); // every gate opens: the jobs return
            let all_gone = eventually(patience(), || supervisor.running().is_empty());
            assert!(
                all_gone,
                "running() = {:?} after every job returned: all have finished",
                supervisor.running()
            );
            assert_eq!(
                join_all_safely(supervisor),
                [
                    report("first", Outcome::Finished(1)),
                    report("quick", Outcome::Finished(2)),
                    report("last", Outcome::Finished(3)),
                ],
                "join_all must report every worker, in spawn order, with its job's value"
            );
        })
    }

    #[test]
    fn a_panicking_worker_is_reported_not_propagated() {
        within(|| {
            let mut supervisor = Supervisor::new();
            supervisor.spawn("steady", || 7);
            supervisor.spawn("faulty", || panic!("disk on fire"));
            // A variable, not a literal: the message is formatted at run time, into a `String`.
            let record = 42;
            supervisor.spawn("formatted", move || panic!("bad record {record}"));
            supervisor.spawn("last", || 9);
            let reports = join_all_safely(supervisor);

            let names: Vec<&str> = reports.iter().map(|report| report.name.as_str()).collect();
            assert_eq!(
                names,
                ["steady", "faulty", "formatted", "last"],
                "join_all must report every worker, in spawn order, the panicked ones too"
            );
            assert_eq!(
                reports[1].outcome,
                Outcome::Panicked("disk on fire".to_owned()),
                "`faulty` ran panic!(\"disk on fire\"): its panic message must be reported (a \
                 `&str` payload)"
            );
            assert_eq!(
                reports[2].outcome,
                Outcome::Panicked("bad record 42".to_owned()),
                "`formatted` ran panic!(\"bad record {{record}}\"): its panic message must be \
                 reported (a formatted panic carries a `String` payload, not a `&str`)"
            );
            assert_eq!(
                [&reports[0].outcome, &reports[3].outcome],
                [&Outcome::Finished(7), &Outcome::Finished(9)],
                "a panic stays in its own thread: the other workers finish and keep their results"
            );
        })
    }

    #[test]
    fn no_workers_nothing_to_report() {
        within(|| {
            let supervisor = Supervisor::new();
            assert!(
                supervisor.running().is_empty(),
                "a supervisor with no workers has none running"
            );
            assert!(
                join_all_safely(supervisor).is_empty(),
                "a supervisor with no workers has nothing to report"
            );
        })
    }

    #[test]
    fn spawn_returns_while_the_job_runs() {
        within(|| {
            // Each job waits (bounded) until the test has seen `spawn` return, and meets the
            // other job: spawn must start the thread and return, never wait for the job.
            // Once one job has waited in vain, the next does not wait again (one patience in
            // all, within the test's time limit).
            let spawned = Arc::new(AtomicUsize::new(0));
            let gave_up = Arc::new(AtomicBool::new(false));
            let meeting = Arc::new(Meeting::new(2, patience()));
            let mut supervisor = Supervisor::new();
            for (k, name) in ["left", "right"].into_iter().enumerate() {
                let (seen, gave_up, meeting) = (
                    Arc::clone(&spawned),
                    Arc::clone(&gave_up),
                    Arc::clone(&meeting),
                );
                supervisor.spawn(name, move || {
                    let returned = !gave_up.load(Ordering::SeqCst)
                        && eventually(patience(), || seen.load(Ordering::SeqCst) > k);
                    if !returned {
                        gave_up.store(true, Ordering::SeqCst);
                        return 0;
                    }
                    1 + 2 * u64::from(meeting.arrive())
                });
                spawned.fetch_add(1, Ordering::SeqCst);
            }
            let reports = join_all_safely(supervisor);
            let values: Vec<&Outcome> = reports.iter().map(|report| &report.outcome).collect();
            for report in &reports {
                let Outcome::Finished(value) = report.outcome else {
                    panic!("`{}` did not finish: {:?}", report.name, report.outcome);
                };
                assert!(
                    value & 1 == 1,
                    "spawn waited for its job to finish (the job `{}` never saw spawn return): \
                     spawn must start the thread, keep its JoinHandle and return at once — \
                     join in join_all, not in spawn",
                    report.name
                );
                assert!(
                    value & 2 == 2,
                    "{} (outcomes: {values:?})",
                    not_concurrent("workers")
                );
            }
            assert_eq!(reports.len(), 2, "join_all must report both workers");
        })
    }

    #[test]
    fn same_names_and_many_workers_are_reported_in_spawn_order() {
        within(|| {
            // Names in no sorted order, one of them twice: a map keyed by name would lose the
            // twin and reorder the rest. Seeded, so every run checks the same order.
            let mut rng = grading::fastrand::Rng::with_seed(0x0d_e5);
            let mut names: Vec<String> = (0..12).map(|k| format!("worker-{k:02}")).collect();
            rng.shuffle(&mut names);
            names.push(names[3].clone());
            let mut supervisor = Supervisor::new();
            for (value, name) in names.iter().enumerate() {
                supervisor.spawn(name, move || value as u64);
            }
            let expected: Vec<Report> = names
                .iter()
                .enumerate()
                .map(|(value, name)| report(name, Outcome::Finished(value as u64)))
                .collect();
            assert_eq!(
                join_all_safely(supervisor),
                expected,
                "join_all must report every worker once, in spawn order, even two with the same \
                 name (keep a Vec, not a map keyed by name)"
            );
        })
    }

    #[test]
    fn join_all_waits_for_every_worker() {
        within(|| {
            let lingering = Lingering::new();
            let mut supervisor = Supervisor::new();
            for (name, value) in [("one", 1u64), ("two", 2), ("boom", 0), ("three", 3)] {
                let lingering = Arc::clone(&lingering);
                supervisor.spawn(name, move || {
                    // Running until its thread exits, and held back till then: see `Lingering`.
                    lingering.watch_this_thread();
                    if value == 0 {
                        panic!("boom");
                    }
                    value
                });
            }
            let reports = join_all_safely(supervisor);
            let alive = lingering.still_running_after_return();
            assert_eq!(alive, 0, "{}", returned_early("join_all", alive));
            assert_eq!(
                reports,
                [
                    report("one", Outcome::Finished(1)),
                    report("two", Outcome::Finished(2)),
                    report("boom", Outcome::Panicked("boom".to_owned())),
                    report("three", Outcome::Finished(3)),
                ],
                "join_all must report every worker, in spawn order, with its job's value or its \
                 panic message"
            );
        })
    }

    #[test]
    fn a_panic_of_any_kind_is_reported() {
        within(|| {
            // `panic_any` throws a payload that is neither a `&str` nor a `String`: it has no
            // message, but it is a panic all the same and must become a report.
            let mut supervisor = Supervisor::new();
            supervisor.spawn("odd", || std::panic::panic_any(42_i32));
            supervisor.spawn("fine", || 5);
            let reports = join_all_safely(supervisor);
            assert!(
                matches!(&reports[..], [
                    Report { name: odd, outcome: Outcome::Panicked(_) },
                    Report { name: fine, outcome: Outcome::Finished(5) },
                ] if odd == "odd" && fine == "fine"),
                "`odd` panicked with a payload that is neither &str nor String \
                 (std::panic::panic_any(42)); it must still be reported as Outcome::Panicked \
                 (with some placeholder message), and `fine` as Finished(5): got {reports:?}"
            );
        })
    }
}
