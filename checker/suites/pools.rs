//! Grading suite for the `pools` topic: a fixed, reused set of workers that run tasks in
//! parallel and shut down cleanly; Python's `Pool` API with results in input order and panics
//! reported to the caller; and rayon's `par_iter`.

use grading::{Rendezvous, ThreadLog, within};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

/// A huge margin, only there to turn "never happens" into a clear failure instead of a hang.
const PATIENCE: Duration = Duration::from_secs(2);

/// Spins (yielding) until `done()` holds or [`PATIENCE`] runs out; whether it held.
fn wait_until(done: impl Fn() -> bool) -> bool {
    let deadline = Instant::now() + PATIENCE;
    while !done() {
        if Instant::now() > deadline {
            return false;
        }
        thread::yield_now();
    }
    true
}

/// [`wait_until`] a flag is set.
fn wait_for(flag: &AtomicBool) -> bool {
    wait_until(|| flag.load(Ordering::SeqCst))
}

/// The next `n` results from `rx`, `None` for those that did not come within [`PATIENCE`].
fn collect_within<T>(rx: &mpsc::Receiver<T>, n: usize) -> Vec<Option<T>> {
    let deadline = Instant::now() + PATIENCE;
    (0..n)
        .map(|_| {
            rx.recv_timeout(deadline.saturating_duration_since(Instant::now()))
                .ok()
        })
        .collect()
}

mod thread_pool {
    use super::*;
    use pools::thread_pool::ThreadPool;
    use std::cell::RefCell;

    /// Counts, when its thread exits, on the shared counter: a worker's last breath.
    struct ExitProbe(Arc<AtomicUsize>);

    impl Drop for ExitProbe {
        fn drop(&mut self) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    thread_local! {
        static EXIT_PROBE: RefCell<Option<ExitProbe>> = const { RefCell::new(None) };
    }

    #[test]
    fn sized_to_the_cpus_by_default() {
        within(|| {
            let cpus = thread::available_parallelism().map_or(1, |n| n.get());
            assert_eq!(
                ThreadPool::new().workers(),
                cpus,
                "a default pool has one worker per CPU (available_parallelism)"
            );
            assert_eq!(ThreadPool::with_workers(3).workers(), 3);
        });
    }

    #[test]
    fn tasks_run_on_the_workers_at_the_same_time() {
        within(|| {
            let pool = ThreadPool::with_workers(3);
            let meet = Arc::new(Rendezvous::new(3, PATIENCE));
            let log = Arc::new(ThreadLog::new());
            let (done, results) = mpsc::channel();
            for _ in 0..3 {
                let (meet, log, done) = (meet.clone(), log.clone(), done.clone());
                pool.execute(move || {
                    log.record();
                    done.send(meet.arrive()).unwrap();
                });
            }
            drop(done);
            let met = collect_within(&results, 3);
            assert!(
                met.iter().all(|&m| m == Some(true)),
                "the workers did not run at the same time (concurrency): 3 tasks on a pool of 3 \
                 must run on 3 workers at once"
            );
            assert!(
                !log.contains(thread::current().id()),
                "a task ran on the caller's thread, not on a pool worker"
            );
        });
    }

    #[test]
    fn workers_are_reused() {
        within(|| {
            let log = Arc::new(ThreadLog::new());
            let pool = ThreadPool::with_workers(2);
            let (done, finished) = mpsc::channel();
            for _ in 0..40 {
                let (log, done) = (log.clone(), done.clone());
                pool.execute(move || {
                    log.record();
                    done.send(()).unwrap();
                });
            }
            drop(done);
            let ran = collect_within(&finished, 40).into_iter().flatten().count();
            assert_eq!(ran, 40, "only {ran} of 40 queued tasks ran");
            let threads = log.distinct().len();
            assert!(
                threads <= 2,
                "workers not reused: {threads} different threads ran 40 tasks; a pool is a fixed set \
                 of 2 workers that take task after task"
            );
            drop(pool);
        });
    }

    #[test]
    fn drop_lets_queued_tasks_finish() {
        within(|| {
            let ran = Arc::new(AtomicUsize::new(0));
            let dropped = Arc::new(AtomicBool::new(false));
            let pool = ThreadPool::with_workers(2);
            for task in 0..40 {
                let (ran, dropped) = (ran.clone(), dropped.clone());
                pool.execute(move || {
                    if task < 2 {
                        // Both workers are still busy when the pool is dropped.
                        let deadline = Instant::now() + Duration::from_millis(300);
                        while !dropped.load(Ordering::SeqCst) && Instant::now() < deadline {
                            thread::yield_now();
                        }
                    }
                    ran.fetch_add(1, Ordering::SeqCst);
                });
            }
            drop(pool);
            let ran = ran.load(Ordering::SeqCst);
            dropped.store(true, Ordering::SeqCst);
            assert_eq!(
                ran, 40,
                "graceful shutdown: when drop(pool) returned only {ran} of 40 queued tasks had run; \
                 close the channel, let the workers drain it, and join them"
            );
        });
    }

    #[test]
    fn a_panicking_task_does_not_kill_its_worker() {
        within(|| {
            let pool = ThreadPool::with_workers(2);
            for _ in 0..2 {
                pool.execute(|| panic!("a task failing on purpose (expected in this test)"));
            }
            // Shorter than PATIENCE: tasks that run one by one still report before the deadline.
            let meet = Arc::new(Rendezvous::new(2, PATIENCE / 2));
            let (done, results) = mpsc::channel();
            for _ in 0..2 {
                let (meet, done) = (meet.clone(), done.clone());
                pool.execute(move || done.send(meet.arrive()).unwrap());
            }
            drop(done);
            let met = collect_within(&results, 2);
            assert!(
                met.iter().all(Option::is_some),
                "a panicking task killed its worker: after two panics the pool of 2 no longer runs \
                 tasks (catch the panic in the worker loop)"
            );
            assert_eq!(
                met,
                [Some(true), Some(true)],
                "the workers did not run at the same time (concurrency) after two tasks panicked"
            );
        });
    }

    #[test]
    fn drop_waits_for_every_worker_to_exit() {
        within(|| {
            let pool = ThreadPool::with_workers(3);
            let exited = Arc::new(AtomicUsize::new(0));
            let dropped = Arc::new(AtomicBool::new(false));
            // Shorter than PATIENCE: a pool that runs the three tasks one by one must still get
            // its verdict well within the test's time limit.
            let meet = Arc::new(Rendezvous::new(3, PATIENCE / 2));
            let met = Arc::new(AtomicUsize::new(0));
            let finished = Arc::new(AtomicUsize::new(0));
            for _ in 0..3 {
                let (exited, dropped, meet) = (exited.clone(), dropped.clone(), meet.clone());
                let (met, finished) = (met.clone(), finished.clone());
                pool.execute(move || {
                    // One task per worker (they meet), each leaving a probe that counts when
                    // its worker thread exits.
                    if meet.arrive() {
                        met.fetch_add(1, Ordering::SeqCst);
                    }
                    EXIT_PROBE.with(|probe| {
                        probe.borrow_mut().get_or_insert_with(|| ExitProbe(exited));
                    });
                    // Still busy when the pool is dropped: a Drop that does not join returns
                    // while these run.
                    let deadline = Instant::now() + Duration::from_millis(300);
                    while !dropped.load(Ordering::SeqCst) && Instant::now() < deadline {
                        thread::yield_now();
                    }
                    finished.fetch_add(1, Ordering::SeqCst);
                });
            }
            drop(pool);
            let (gone, finished) = (
                exited.load(Ordering::SeqCst),
                finished.load(Ordering::SeqCst),
            );
            dropped.store(true, Ordering::SeqCst);
            assert_eq!(
                finished,
                3,
                "threads left behind: drop(pool) returned while {} of 3 tasks were still running; \
                 Drop must close the task channel and join every worker",
                3 - finished
            );
            assert_eq!(
                met.load(Ordering::SeqCst),
                3,
                "the workers did not run at the same time (concurrency): 3 tasks on a pool of 3"
            );
            assert_eq!(
                gone, 3,
                "threads left behind: when drop(pool) returned only {gone} of 3 workers had exited; \
                 Drop must close the task channel and join every worker"
            );
        });
    }
}

mod pool_map {
    use super::*;
    use pools::pool_map::TaskPanicked;
    use pools::thread_pool::ThreadPool;
    use std::panic::{self, AssertUnwindSafe};

    /// Runs `call`, turning a panic in the caller into a failure that names the concept.
    fn without_crashing<R>(what: &str, call: impl FnOnce() -> R) -> R {
        panic::catch_unwind(AssertUnwindSafe(call)).unwrap_or_else(|_| {
            panic!(
                "{what} crashed the caller: a panic in a task must come back as \
                 Err(TaskPanicked), with the task's message, not as a panic in the caller"
            )
        })
    }

    #[test]
    fn map_returns_results_in_input_order() {
        within(|| {
            let pool = ThreadPool::with_workers(3);
            let others = Arc::new(AtomicUsize::new(0));
            let started = others.clone();
            let got = pool
                .map(
                    move |x: u64| {
                        if x == 0 {
                            // Item 0 finishes only after all 29 others have started, so most of
                            // them finished before it: completion order is not input order.
                            wait_until(|| started.load(Ordering::SeqCst) == 29);
                        } else {
                            started.fetch_add(1, Ordering::SeqCst);
                        }
                        x * x
                    },
                    0..30u64,
                )
                .expect("no task panicked");
            assert_eq!(
                got,
                (0..30u64).map(|x| x * x).collect::<Vec<_>>(),
                "map results out of order: they must come back in input order, whatever order the \
                 workers finish in"
            );
        });
    }

    #[test]
    fn map_runs_items_on_several_workers_at_once() {
        within(|| {
            let pool = ThreadPool::with_workers(2);
            let meet = Arc::new(Rendezvous::new(2, PATIENCE));
            let log = Arc::new(ThreadLog::new());
            let (m, l) = (meet.clone(), log.clone());
            let met = pool
                .map(
                    move |_: u32| {
                        l.record();
                        m.arrive()
                    },
                    [1, 2],
                )
                .expect("no task panicked");
            assert_eq!(
                met,
                [true, true],
                "the workers did not run at the same time (concurrency): map must spread items over the pool"
            );
            assert!(
                !log.contains(thread::current().id()),
                "map ran items on the caller's thread, not on the pool"
            );
        });
    }

    #[test]
    fn apply_waits_for_the_value() {
        within(|| {
            let pool = ThreadPool::with_workers(2);
            let caller = thread::current().id();
            let (value, ran_elsewhere) = pool
                .apply(move || (6 * 7, thread::current().id() != caller))
                .expect("no panic");
            assert_eq!(value, 42);
            assert!(
                ran_elsewhere,
                "apply ran the task on the caller's thread, not on a pool worker"
            );
        });
    }

    #[test]
    fn apply_async_returns_before_the_task_finishes() {
        within(|| {
            let pool = ThreadPool::with_workers(2);
            let gate = Arc::new(AtomicBool::new(false));
            let g = gate.clone();
            // The task finishes only once the caller opened the gate (or gives up after a while).
            let handle = pool.apply_async(move || wait_for(&g));
            gate.store(true, Ordering::SeqCst);
            assert_eq!(
                handle.wait(),
                Ok(true),
                "apply_async blocked until the task finished: it must return a handle at once \
                 (non-blocking) and let wait() block"
            );
        });
    }

    #[test]
    fn map_async_returns_before_the_items_finish() {
        within(|| {
            let pool = ThreadPool::with_workers(2);
            let gate = Arc::new(AtomicBool::new(false));
            let g = gate.clone();
            let handle = pool.map_async(move |x: u32| (x, wait_for(&g)), [1, 2, 3]);
            gate.store(true, Ordering::SeqCst);
            assert_eq!(
                handle.wait(),
                Ok(vec![(1, true), (2, true), (3, true)]),
                "map_async blocked until the items finished: it must return a handle at once \
                 (non-blocking), in input order once waited for"
            );
        });
    }

    #[test]
    fn apply_async_then_calls_back_with_the_result() {
        within(|| {
            let pool = ThreadPool::with_workers(2);
            let (tx, rx) = mpsc::channel();
            let caller = thread::current().id();
            pool.apply_async_then(
                || "done",
                move |result| tx.send((result, thread::current().id())).unwrap(),
            );
            let (result, thread) = rx
                .recv_timeout(PATIENCE)
                .expect("the callback was never called");
            assert_eq!(
                result,
                Ok("done"),
                "the callback must receive the task's result"
            );
            assert_ne!(
                thread, caller,
                "the callback ran on the caller's thread: it must run when the task is done, off the caller"
            );
        });
    }

    #[test]
    fn a_panicking_task_is_reported_to_the_caller() {
        within(|| {
            let pool = ThreadPool::with_workers(2);
            let result = without_crashing("apply of a panicking task", || {
                pool.apply(|| -> u32 { panic!("boom in a task") })
            });
            match result {
                Err(TaskPanicked { message }) => assert!(
                    message.contains("boom in a task"),
                    "the panic was reported, but without the task's message: {message:?}"
                ),
                Ok(v) => panic!("the task panicked, yet apply returned Ok({v})"),
            }
            let mapped = without_crashing("map with a panicking item", || {
                pool.map(
                    |x: u32| if x == 2 { panic!("item {x} failed") } else { x },
                    [1, 2, 3],
                )
            });
            assert_eq!(
                mapped.map_err(|e| e.message),
                Err("item 2 failed".to_owned()),
                "map must report the item's panic"
            );
            // The pool survives: both workers still run tasks together.
            let meet = Arc::new(Rendezvous::new(2, PATIENCE));
            let met = pool
                .map(move |_: u8| meet.arrive(), [0, 1])
                .expect("no panic");
            assert_eq!(
                met,
                [true, true],
                "the workers did not run at the same time (concurrency) after a task panicked: map \
                 must spread the items over the pool, and a panic must not cost a worker"
            );
        });
    }
}

mod rayon_map {
    use super::*;
    use pools::rayon_map::par_map;

    #[test]
    fn results_in_input_order() {
        within(|| {
            let items: Vec<u64> = (0..1_000).collect();
            let got = par_map(2, &items, |x| x * 3);
            assert_eq!(
                got,
                items.iter().map(|x| x * 3).collect::<Vec<_>>(),
                "par_map results out of input order"
            );
            // Item 0 finishes only after the 3 others have started (and some finished).
            let others = AtomicUsize::new(0);
            let got = par_map(2, &[0u8, 1, 2, 3], |&x| {
                if x == 0 {
                    wait_until(|| others.load(Ordering::SeqCst) == 3);
                } else {
                    others.fetch_add(1, Ordering::SeqCst);
                }
                x
            });
            assert_eq!(
                got,
                [0, 1, 2, 3],
                "par_map results out of input order: collect the parallel iterator (it keeps the \
                 order) instead of pushing results as they finish"
            );
        });
    }

    #[test]
    fn items_run_in_parallel() {
        within(|| {
            let meet = Rendezvous::new(2, PATIENCE);
            let log = ThreadLog::new();
            let met = par_map(2, &[0u8, 1], |_| {
                log.record();
                meet.arrive()
            });
            assert_eq!(
                met,
                [true, true],
                "the workers did not run at the same time (concurrency): use par_iter, not iter"
            );
            assert_eq!(
                log.distinct().len(),
                2,
                "the items ran on one thread: par_map must use rayon's worker threads"
            );
        });
    }

    #[test]
    fn runs_on_a_pool_of_the_requested_size() {
        within(|| {
            let threads = thread::available_parallelism().map_or(1, |n| n.get()) + 1;
            let sizes = par_map(threads, &[(); 8], |_| rayon::current_num_threads());
            assert!(
                sizes.iter().all(|&n| n == threads),
                "par_map ran on a pool of {sizes:?} threads, not the {threads} requested: build one \
                 with rayon::ThreadPoolBuilder::num_threads and run inside it with install"
            );
        });
    }
}
