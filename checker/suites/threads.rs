//! Grading suite for the `threads` topic: spawning and joining workers, scoped threads that
//! borrow, and a supervisor of named workers. The same file grades the student's crate
//! (`exercises/threads`) and the reference (`solutions/threads`).

use std::any::Any;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use grading::Rendezvous;

/// How long a worker waits for the others before the suite concludes they were not alive
/// together: most of a test's time budget, so a slow, loaded machine never fails a correct
/// solution, and a sequential one still fails on the assertion rather than on the timeout.
fn patience() -> Duration {
    grading::test_timeout() * 3 / 5
}

/// A [`Rendezvous`] for workers that may run one after another: once one of them has waited in
/// vain, the later ones do not wait again, so a sequential solution costs one `patience`, not one
/// per worker.
struct Meeting {
    rendezvous: Rendezvous,
    gave_up: AtomicBool,
}

impl Meeting {
    fn new(workers: usize) -> Self {
        Meeting {
            rendezvous: Rendezvous::new(workers, patience()),
            gave_up: AtomicBool::new(false),
        }
    }

    /// Whether every worker was alive while this one waited.
    fn arrive(&self) -> bool {
        if self.gave_up.load(Ordering::SeqCst) {
            return false;
        }
        let met = self.rendezvous.arrive();
        if !met {
            self.gave_up.store(true, Ordering::SeqCst);
        }
        met
    }
}

/// The verdict when a [`Meeting`] failed.
fn not_concurrent(workers: &str) -> String {
    format!(
        "the {workers} did not run at the same time (concurrency): the first one waited {:.1} s for \
         the others, but they had not started — are you joining each thread inside the spawn \
         loop? Spawn them all first, then join them all.",
        patience().as_secs_f64()
    )
}

/// The message of a caught panic, for verdicts that quote it.
fn panic_message(payload: &(dyn Any + Send)) -> String {
    payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| (*s).to_owned()))
        .unwrap_or_else(|| "a panic without a message".to_owned())
}

/// Passes on a caught panic that comes from an unfinished exercise (`todo!()`), so the student
/// reads "not yet implemented" rather than a verdict about a mistake they did not make.
fn unless_todo(payload: Box<dyn Any + Send>) -> Box<dyn Any + Send> {
    if panic_message(&*payload).starts_with("not yet implemented") {
        std::panic::resume_unwind(payload);
    }
    payload
}

/// Polls `done` until it holds or `patience` runs out; returns whether it held. For states
/// that certainly come (a thread that returned will be marked finished), never to create an
/// interleaving.
fn eventually(mut done: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + patience();
    loop {
        if done() {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        thread::sleep(Duration::from_millis(1));
    }
}

mod spawn_join {
    use super::*;
    use grading::{ExitWatch, ThreadLog, within};
    use std::sync::Arc;
    use threads::spawn_join::run_workers;

    #[test]
    fn results_come_back_in_index_order() {
        within(|| {
            const N: usize = 4;
            let exits = ExitWatch::new();
            let work = {
                let exits = exits.clone();
                move |i: usize| {
                    if i == 0 {
                        // Worker 0 finishes last: it returns only once the other workers'
                        // threads have exited (bounded, so a sequential solution goes on).
                        exits.wait_for(N - 1, patience());
                    } else {
                        exits.watch_current_thread();
                    }
                    format!("result {i}")
                }
            };
            let results = run_workers(N, work);
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
    fn every_worker_runs_on_its_own_thread() {
        within(|| {
            const N: usize = 4;
            let log = Arc::new(ThreadLog::new());
            let caller = thread::current().id();
            run_workers(N, {
                let log = Arc::clone(&log);
                move |_| log.record()
            });
            assert_eq!(
                log.len(),
                N,
                "work must run exactly once per worker: {N} workers, {} calls",
                log.len()
            );
            assert!(
                !log.contains(caller),
                "work ran on the calling thread (the main thread): every worker must run on a \
                 thread that run_workers spawns; the calling thread only waits for them"
            );
            assert_eq!(
                log.distinct().len(),
                N,
                "{N} workers ran on only {} thread(s): spawn one thread per worker",
                log.distinct().len()
            );
        })
    }

    #[test]
    fn workers_run_at_the_same_time() {
        within(|| {
            const N: usize = 4;
            let meeting = Arc::new(Meeting::new(N));
            let met = run_workers(N, {
                let meeting = Arc::clone(&meeting);
                move |_| meeting.arrive()
            });
            assert_eq!(met.len(), N, "run_workers({N}, ..) must return {N} results");
            assert!(met.iter().all(|&met| met), "{}", not_concurrent("workers"));
        })
    }

    #[test]
    fn zero_workers_give_an_empty_vec() {
        within(|| {
            let results = run_workers(0, |i| i);
            assert!(
                results.is_empty(),
                "run_workers(0, ..) must start no worker and return an empty Vec, got {results:?}"
            );
        })
    }
}

mod scoped_chunks {
    use super::*;
    use grading::{ThreadLog, within};
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

    #[test]
    fn chunks_cover_the_data_once_and_in_order() {
        within(|| {
            for (len, threads) in [
                (10, 4),
                (9, 3),
                (7, 2),
                (5, 5),
                (11, 4),
                (3, 8),
                (1, 1),
                (100, 3),
            ] {
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
                    "{case}: items {lost:?} were lost — never handed to any thread; the chunks \
                     must cover all the data, the last one taking the remainder \
                     (chunk size = len.div_ceil(threads))"
                );
                assert_eq!(
                    seen.len(),
                    len,
                    "{case}: some items were processed twice: {chunks:?}"
                );
                assert_eq!(
                    seen, data,
                    "{case}: the chunks came back out of order or were not contiguous: \
                     results must follow chunk order (join the handles in spawn order)"
                );
                let sizes: Vec<usize> = chunks.iter().map(Vec::len).collect();
                assert_eq!(
                    sizes,
                    expected_sizes(len, threads),
                    "{case}: wrong chunk sizes: each chunk holds len.div_ceil(threads) items, \
                     the last one fewer"
                );
            }
        })
    }

    #[test]
    fn one_thread_per_chunk_none_on_the_caller() {
        within(|| {
            let data: Vec<u32> = (0..8).collect();
            let log = ThreadLog::new();
            let caller = thread::current().id();
            let sizes = map_chunks(&data, 4, |chunk| {
                log.record();
                chunk.len()
            });
            assert_eq!(
                sizes.len(),
                4,
                "8 items over 4 threads make 4 chunks of 2, got chunk sizes {sizes:?}"
            );
            assert_eq!(
                log.len(),
                4,
                "f must run once per chunk: 4 chunks, {} calls",
                log.len()
            );
            assert!(
                !log.contains(caller),
                "a chunk was processed on the calling thread: each chunk goes to its own scoped \
                 thread while the caller waits"
            );
            assert_eq!(
                log.distinct().len(),
                4,
                "4 chunks ran on only {} thread(s): spawn one scoped thread per chunk",
                log.distinct().len()
            );
        })
    }

    #[test]
    fn chunks_are_processed_at_the_same_time() {
        within(|| {
            let data: Vec<u32> = (0..8).collect();
            let meeting = Meeting::new(4);
            let met = map_chunks(&data, 4, |_| meeting.arrive());
            assert_eq!(
                met.len(),
                4,
                "8 items over 4 threads make 4 chunks, got {} results",
                met.len()
            );
            assert!(
                met.iter().all(|&met| met),
                "{}",
                not_concurrent("chunk threads")
            );
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
    fn empty_data_gives_no_chunks() {
        within(|| {
            let data: [u32; 0] = [];
            let result = panic::catch_unwind(AssertUnwindSafe(|| {
                map_chunks(&data, 4, |chunk| chunk.len())
            }));
            match result {
                Ok(sizes) => assert!(
                    sizes.is_empty(),
                    "empty data has no chunk: map_chunks must return an empty Vec, got {sizes:?}"
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
    use std::sync::{Arc, mpsc};
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
            let quick_gone =
                eventually(|| !supervisor.running().iter().any(|name| name == "quick"));
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
            let all_gone = eventually(|| supervisor.running().is_empty());
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
}
