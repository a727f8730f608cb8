//! Grading suite for the `pools` topic: a fixed, reused set of workers that run tasks in
//! parallel and shut down cleanly; Python's `Pool` API with results in input order and panics
//! reported to the caller; and rayon's `par_iter`.
//!
//! Nothing here sleeps to hope for an interleaving: an order is forced (a task waits for a flag
//! the test sets, or for other tasks to have started), and every wait gives up after
//! [`PATIENCE`], so a wrong solution gets a verdict instead of a hang.

use grading::caught::{no_panic, panic_message, unless_todo};
use grading::fastrand::Rng;
use grading::waiting::Meeting;
use grading::{DID_NOT_FINISH, ThreadLog, within};
use std::hint::black_box;
use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Barrier, mpsc};
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

/// A flag the test opens once the call under test has returned: a task that waits for it
/// proves the call did not wait for the task.
struct Gate {
    open: AtomicBool,
    gave_up: AtomicBool,
}

impl Gate {
    fn new() -> Arc<Self> {
        Arc::new(Gate {
            open: AtomicBool::new(false),
            gave_up: AtomicBool::new(false),
        })
    }

    fn open(&self) {
        self.open.store(true, Ordering::SeqCst);
    }

    /// Whether the gate opened within [`PATIENCE`]. Once one waiter gave up, the later ones do
    /// not wait again: a solution that runs them one after another costs one `PATIENCE`.
    fn wait(&self) -> bool {
        if self.gave_up.load(Ordering::SeqCst) {
            return self.open.load(Ordering::SeqCst);
        }
        let opened = wait_for(&self.open);
        if !opened {
            self.gave_up.store(true, Ordering::SeqCst);
        }
        opened
    }
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

/// Busy work of about `rounds` steps: tasks of different durations without sleeping.
fn spin(rounds: u64) -> u64 {
    (0..rounds).fold(0u64, |acc, i| black_box(acc.wrapping_add(i)))
}

/// The causes of lost parallelism, for every verdict that finds tasks did not overlap.
const NOT_PARALLEL: &str = "likely causes: a lock held around the work (a MutexGuard still alive \
     while the task runs, e.g. `while let Ok(task) = receiver.lock().unwrap().recv()` keeps the \
     guard for the whole loop body, or the function behind a Mutex), fewer workers than asked, \
     or running the work on the caller one item after another";

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

    /// Drops `pool` on a helper thread and waits at most [`PATIENCE`] for `drop` to return, so
    /// a Drop that never returns gets its verdict in seconds, not at the test's time limit.
    fn shut_down(pool: ThreadPool) {
        let (done, returned) = mpsc::channel();
        thread::spawn(move || {
            drop(pool);
            let _ = done.send(());
        });
        match returned.recv_timeout(PATIENCE) {
            Ok(()) => {}
            Err(mpsc::RecvTimeoutError::Timeout) => panic!(
                "{DID_NOT_FINISH}: drop(pool) did not return within {:.1} s — likely deadlock: \
                 Drop joins workers that still wait for tasks (close the channel first, then \
                 join every worker)",
                PATIENCE.as_secs_f64()
            ),
            Err(mpsc::RecvTimeoutError::Disconnected) => panic!(
                "drop(pool) panicked: Drop must close the channel and join the workers without \
                 panicking (a task's panic is caught in the worker, so a join never fails)"
            ),
        }
    }

    #[test]
    fn sized_to_the_cpus_by_default() {
        within(|| {
            let cpus = thread::available_parallelism().map_or(1, |n| n.get());
            let pool = ThreadPool::new();
            assert_eq!(
                pool.workers(),
                cpus,
                "a default pool has one worker per CPU (available_parallelism)"
            );
            shut_down(pool);
            let pool = ThreadPool::default();
            assert_eq!(
                pool.workers(),
                cpus,
                "ThreadPool::default() is ThreadPool::new(): one worker per CPU"
            );
            shut_down(pool);
            for n in [1, 3] {
                let pool = ThreadPool::with_workers(n);
                assert_eq!(
                    pool.workers(),
                    n,
                    "with_workers({n}) must make exactly {n} workers, and workers() report them"
                );
                shut_down(pool);
            }
        });
    }

    #[test]
    fn zero_workers_is_refused() {
        within(
            || match panic::catch_unwind(|| ThreadPool::with_workers(0)) {
                Ok(pool) => panic!(
                    "with_workers(0) must panic: a pool without workers would never run a task \
                     (it returned a pool reporting {} workers)",
                    pool.workers()
                ),
                Err(payload) => drop(unless_todo(payload)),
            },
        );
    }

    #[test]
    fn tasks_run_on_the_workers_at_the_same_time() {
        within(|| {
            let pool = ThreadPool::with_workers(3);
            let meet = Arc::new(Meeting::new(3, PATIENCE));
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
                 must run on 3 workers at once; {NOT_PARALLEL}"
            );
            assert!(
                !log.contains(thread::current().id()),
                "a task ran on the caller's thread, not on a pool worker"
            );
            shut_down(pool);
        });
    }

    #[test]
    fn execute_returns_at_once_while_the_workers_are_busy() {
        within(|| {
            let pool = ThreadPool::with_workers(2);
            let gate = Gate::new();
            let (done, saw_gate) = mpsc::channel();
            // Both workers wait for the gate, which opens only once every execute returned.
            for _ in 0..2 {
                let (gate, done) = (gate.clone(), done.clone());
                pool.execute(move || done.send(gate.wait()).unwrap());
            }
            let ran = Arc::new(AtomicUsize::new(0));
            for _ in 0..20 {
                let ran = ran.clone();
                pool.execute(move || {
                    ran.fetch_add(1, Ordering::SeqCst);
                });
            }
            gate.open();
            drop(done);
            assert_eq!(
                collect_within(&saw_gate, 2),
                [Some(true), Some(true)],
                "execute blocked while every worker was busy: it must queue the task and return \
                 at once (an unbounded channel; a bounded channel makes the caller wait for a free \
                 worker)"
            );
            shut_down(pool);
            let ran = ran.load(Ordering::SeqCst);
            assert_eq!(
                ran, 20,
                "graceful shutdown: only {ran} of the 20 tasks queued behind busy workers had run \
                 when drop(pool) returned"
            );
        });
    }

    #[test]
    fn tasks_from_several_threads_at_once_each_run_once() {
        within(|| {
            const SUBMITTERS: usize = 4;
            const EACH: usize = 50;
            let pool = ThreadPool::with_workers(3);
            let runs: Arc<Vec<AtomicUsize>> = Arc::new(
                (0..SUBMITTERS * EACH)
                    .map(|_| AtomicUsize::new(0))
                    .collect(),
            );
            let start = Barrier::new(SUBMITTERS);
            thread::scope(|s| {
                let submitters: Vec<_> = (0..SUBMITTERS)
                    .map(|t| {
                        let (pool, runs, start) = (&pool, &runs, &start);
                        s.spawn(move || {
                            // All submitters call execute at the same moment.
                            start.wait();
                            for k in 0..EACH {
                                let runs = runs.clone();
                                pool.execute(move || {
                                    runs[t * EACH + k].fetch_add(1, Ordering::SeqCst);
                                });
                            }
                        })
                    })
                    .collect();
                for submitter in submitters {
                    if let Err(payload) = submitter.join() {
                        panic::resume_unwind(payload);
                    }
                }
            });
            shut_down(pool);
            let wrong: Vec<String> = runs
                .iter()
                .enumerate()
                .filter(|(_, n)| n.load(Ordering::SeqCst) != 1)
                .map(|(i, n)| {
                    let (t, k) = (i / EACH, i % EACH);
                    format!(
                        "task {k} of thread {t} ran {} times",
                        n.load(Ordering::SeqCst)
                    )
                })
                .collect();
            assert!(
                wrong.is_empty(),
                "tasks submitted from {SUBMITTERS} threads at once must each run exactly once by \
                 the time drop(pool) returns: {}",
                wrong.join(", ")
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
            shut_down(pool);
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
            shut_down(pool);
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
            let meet = Arc::new(Meeting::new(2, PATIENCE / 2));
            let (done, results) = mpsc::channel();
            for _ in 0..2 {
                let (meet, done) = (meet.clone(), done.clone());
                // A worker that died of the panic may already be gone when the next task is
                // handed over: that is the same mistake, whichever comes first.
                no_panic(
                    "execute, after two tasks panicked,",
                    "still hand the task to a worker: a panicking task killed its worker (catch \
                     each task's panic inside the worker loop)",
                    || pool.execute(move || done.send(meet.arrive()).unwrap()),
                );
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
                "a panicking task killed its worker, or the workers did not run at the same time \
                 (concurrency) after two tasks panicked: catch each task's panic inside the worker \
                 loop, so the loop goes on; {NOT_PARALLEL}"
            );
            shut_down(pool);
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
            let meet = Arc::new(Meeting::new(3, PATIENCE / 2));
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
            shut_down(pool);
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
                "the workers did not run at the same time (concurrency): 3 tasks on a pool of 3; \
                 {NOT_PARALLEL}"
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

    /// Runs `call`, turning a panic in the caller into a failure that names the concept.
    fn without_crashing<R>(what: &str, call: impl FnOnce() -> R) -> R {
        panic::catch_unwind(AssertUnwindSafe(call)).unwrap_or_else(|payload| {
            let payload = unless_todo(payload);
            panic!(
                "{what} crashed the caller ({}): a panic in a task must come back as \
                 Err(TaskPanicked), with the task's message, not as a panic in the caller",
                panic_message(&*payload)
            )
        })
    }

    /// Runs a handle's `wait` after `is_ready` said yes, turning a panic into a verdict about
    /// `is_ready` (asking must not take the result out of the handle).
    fn wait_after_ready<R>(what: &str, wait: impl FnOnce() -> R) -> R {
        panic::catch_unwind(AssertUnwindSafe(wait)).unwrap_or_else(|payload| {
            let payload = unless_todo(payload);
            panic!(
                "{what}: wait() panicked after is_ready() returned true ({}): is_ready must only \
                 look (is the result in the channel? `is_empty`/`len`), never receive it, or \
                 the result is gone when wait() asks for it",
                panic_message(&*payload)
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
                 workers finish in (wait on the handles in input order, not on one shared channel)"
            );
        });
    }

    #[test]
    fn map_keeps_input_order_for_any_sizes_and_durations() {
        within(|| {
            let mut rng = Rng::with_seed(0x9001);
            for case in 0..12 {
                // The first cases are the edges: no item, one item, fewer items than workers.
                let workers = rng.usize(1..=4);
                let len = match case {
                    0 => 0,
                    1 => 1,
                    2 => workers - 1,
                    _ => rng.usize(2..=40),
                };
                let items: Vec<u64> = (0..len).map(|_| rng.u64(..1_000_000)).collect();
                let work: Arc<Vec<u64>> = Arc::new((0..len).map(|_| rng.u64(0..20_000)).collect());
                let pool = ThreadPool::with_workers(workers);
                let calls = Arc::new(AtomicUsize::new(0));
                let (w, c, inputs) = (work.clone(), calls.clone(), items.clone());
                let got = pool
                    .map(
                        move |(i, x): (usize, u64)| {
                            c.fetch_add(1, Ordering::SeqCst);
                            // Tasks of different durations finish in a different order.
                            spin(w[i]);
                            x.wrapping_mul(3) + 1
                        },
                        inputs.into_iter().enumerate(),
                    )
                    .expect("no task panicked");
                let want: Vec<u64> = items.iter().map(|x| x.wrapping_mul(3) + 1).collect();
                assert_eq!(
                    got, want,
                    "map on a pool of {workers} with {len} items of different durations (case \
                     {case}): the results must come back one per item, in input order"
                );
                assert_eq!(
                    calls.load(Ordering::SeqCst),
                    len,
                    "map on a pool of {workers} with {len} items (case {case}) called f a \
                     different number of times: exactly once per item"
                );
            }
        });
    }

    #[test]
    fn map_runs_items_on_several_workers_at_once() {
        within(|| {
            let pool = ThreadPool::with_workers(2);
            let meet = Arc::new(Meeting::new(2, PATIENCE));
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
                "the workers did not run at the same time (concurrency): map must spread items \
                 over the pool, all queued before waiting for any; {NOT_PARALLEL}"
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
            let gate = Gate::new();
            let g = gate.clone();
            // The task finishes only once the caller opened the gate (or gives up after a while).
            let handle = pool.apply_async(move || g.wait());
            gate.open();
            assert_eq!(
                handle.wait(),
                Ok(true),
                "apply_async blocked until the task finished: it must return a handle at once \
                 (non-blocking) and let wait() block"
            );
        });
    }

    #[test]
    fn task_handle_is_ready_only_once_the_result_is_in() {
        within(|| {
            // One worker: tasks run one after another, in the order they were queued.
            let pool = ThreadPool::with_workers(1);
            let gate = Gate::new();
            let g = gate.clone();
            let blocked = pool.apply_async(move || g.wait());
            let queued = pool.apply_async(|| 7);
            assert!(
                !blocked.is_ready() && !queued.is_ready(),
                "TaskHandle::is_ready said true before the task had finished: it must say \
                 whether the result is in (a task still running, or still queued, is not ready)"
            );
            gate.open();
            assert!(
                wait_until(|| queued.is_ready()),
                "TaskHandle::is_ready never said true although the task had finished"
            );
            // The worker ran `blocked` (and sent its result) before it started `queued`.
            assert!(
                blocked.is_ready(),
                "TaskHandle::is_ready said false for a task whose result was in"
            );
            assert_eq!(
                wait_after_ready("a finished task", || blocked.wait()),
                Ok(true)
            );
            assert_eq!(wait_after_ready("a finished task", || queued.wait()), Ok(7));
            let failing = pool.apply_async(|| -> u8 { panic!("a task failing on purpose") });
            assert!(
                wait_until(|| failing.is_ready()),
                "TaskHandle::is_ready never said true for a task that panicked: its outcome (the \
                 Err) is a result too"
            );
            assert!(
                wait_after_ready("a panicked task", || failing.wait()).is_err(),
                "a panicking task's handle must give Err(TaskPanicked)"
            );
        });
    }

    #[test]
    fn map_async_returns_before_the_items_finish() {
        within(|| {
            let pool = ThreadPool::with_workers(2);
            let gate = Gate::new();
            let g = gate.clone();
            let handle = pool.map_async(move |x: u32| (x, g.wait()), [1, 2, 3]);
            gate.open();
            assert_eq!(
                handle.wait(),
                Ok(vec![(1, true), (2, true), (3, true)]),
                "map_async blocked until the items finished: it must return a handle at once \
                 (non-blocking), in input order once waited for"
            );
        });
    }

    #[test]
    fn map_handle_is_ready_only_once_every_result_is_in() {
        within(|| {
            let pool = ThreadPool::with_workers(1);
            let none = pool.map_async(|x: u8| x, []);
            assert!(
                none.is_ready(),
                "MapHandle::is_ready of a map over no items must be true: it says whether every \
                 result is in (all, not any), and all of zero results are"
            );
            assert_eq!(
                wait_after_ready("a map over no items", || none.wait()),
                Ok(vec![])
            );
            let gate = Gate::new();
            let started = Arc::new(AtomicBool::new(false));
            let (g, s) = (gate.clone(), started.clone());
            let handle = pool.map_async(
                move |x: u8| {
                    if x == 1 {
                        s.store(true, Ordering::SeqCst);
                        g.wait();
                    }
                    x
                },
                [0, 1],
            );
            // One worker: item 1 started, so item 0 is done and its result is in.
            assert!(
                wait_for(&started),
                "map_async never started its second item"
            );
            assert!(
                !handle.is_ready(),
                "MapHandle::is_ready said true while an item was still running: it must be true \
                 only when every result is in (all, not any)"
            );
            gate.open();
            assert!(
                wait_until(|| handle.is_ready()),
                "MapHandle::is_ready never said true although every item had finished (does \
                 is_ready take the results out, with try_recv? It must only look)"
            );
            assert_eq!(
                wait_after_ready("a finished map", || handle.wait()),
                Ok(vec![0, 1])
            );
        });
    }

    #[test]
    fn apply_async_then_calls_back_with_the_result() {
        within(|| {
            // Two workers: the task waits for a probe job queued after apply_async_then
            // returned, which the other worker runs — unless it is busy with something else.
            let pool = ThreadPool::with_workers(2);
            let (tx, rx) = mpsc::channel();
            let caller = thread::current().id();
            let gate = Gate::new();
            let g = gate.clone();
            pool.apply_async_then(
                move || (g.wait(), thread::current().id()),
                move |result| tx.send((result, thread::current().id())).unwrap(),
            );
            let probe = gate.clone();
            pool.execute(move || probe.open());
            let (result, callback_thread) = rx.recv_timeout(PATIENCE * 2).expect(
                "the callback was never called: run it on the worker right after the task, in \
                 the same job",
            );
            let (in_time, task_thread) = result.expect("the task did not panic");
            assert!(
                in_time,
                "the task waited in vain for a job queued after apply_async_then returned: \
                 apply_async_then must queue the task and return at once (not wait for it), and \
                 run the callback in the task's own job (a second job that waits for the first \
                 holds a worker of its own)"
            );
            assert_ne!(
                callback_thread, caller,
                "the callback ran on the caller's thread: it must run when the task is done, off the caller"
            );
            assert_eq!(
                callback_thread, task_thread,
                "the callback must run on the worker that ran the task, right after it"
            );
        });
    }

    #[test]
    fn apply_async_then_reports_a_panic_to_the_callback() {
        within(|| {
            let pool = ThreadPool::with_workers(2);
            let (tx, rx) = mpsc::channel();
            pool.apply_async_then(
                || -> u32 { panic!("boom before the callback") },
                move |result| tx.send(result).unwrap(),
            );
            let result = rx.recv_timeout(PATIENCE).expect(
                "the callback was never called for a task that panicked: catch the task's panic \
                 and call the callback with Err(TaskPanicked)",
            );
            assert_eq!(
                result.map_err(|e| e.message),
                Err("boom before the callback".to_owned()),
                "the callback of a panicking task must get Err(TaskPanicked) with the panic's message"
            );
        });
    }

    #[test]
    fn a_panicking_task_is_reported_to_the_caller() {
        within(|| {
            let pool = ThreadPool::with_workers(2);
            let result: Result<u32, TaskPanicked> =
                without_crashing("apply of a panicking task", || {
                    pool.apply(|| -> u32 { panic!("boom in a task") })
                });
            match result {
                Err(err) => {
                    assert!(
                        err.message.contains("boom in a task"),
                        "the panic was reported, but without the task's message: {:?}",
                        err.message
                    );
                    assert_eq!(
                        err.to_string(),
                        "a pool task panicked: boom in a task",
                        "TaskPanicked displays the panic's message"
                    );
                }
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
            let meet = Arc::new(Meeting::new(2, PATIENCE));
            let met = pool
                .map(move |_: u8| meet.arrive(), [0, 1])
                .expect("no panic");
            assert_eq!(
                met,
                [true, true],
                "the workers did not run at the same time (concurrency) after a task panicked: map \
                 must spread the items over the pool, and a panic must not cost a worker; \
                 {NOT_PARALLEL}"
            );
        });
    }

    #[test]
    fn map_reports_the_first_panic_in_input_order() {
        within(|| {
            // Two workers: one holds item 1, the other runs 0, 2, 3 and 4 in turn. Item 1
            // panics only once item 4 started, so item 3's panic is in long before item 1's.
            let pool = ThreadPool::with_workers(2);
            let started_4 = Arc::new(AtomicBool::new(false));
            let s = started_4.clone();
            let mapped = without_crashing("map with two panicking items", || {
                pool.map(
                    move |x: u32| match x {
                        1 => {
                            wait_for(&s);
                            panic!("item 1 failed")
                        }
                        3 => panic!("item 3 failed"),
                        4 => {
                            s.store(true, Ordering::SeqCst);
                            x
                        }
                        _ => x,
                    },
                    0..5,
                )
            });
            assert_eq!(
                mapped.map_err(|e| e.message),
                Err("item 1 failed".to_owned()),
                "map must report the first panic in input order (item 1), not the first one to \
                 happen (item 3): wait on the results in input order"
            );
        });
    }

    #[test]
    fn callers_on_several_threads_at_once_get_their_own_results() {
        within(|| {
            let pool = ThreadPool::with_workers(2);
            let lens = [5u64, 17, 30];
            let start = Barrier::new(lens.len());
            thread::scope(|s| {
                let callers: Vec<_> = lens
                    .iter()
                    .enumerate()
                    .map(|(caller, &len)| {
                        let (pool, start) = (&pool, &start);
                        s.spawn(move || {
                            let tag = caller as u64 * 1_000;
                            // Every caller submits at the same moment.
                            start.wait();
                            let one = pool.apply_async(move || tag);
                            let many = pool.map(move |x: u64| tag + x, 0..len);
                            (one.wait(), many)
                        })
                    })
                    .collect();
                for (caller, handle) in callers.into_iter().enumerate() {
                    let (one, many) = handle.join().unwrap_or_else(|p| panic::resume_unwind(p));
                    let tag = caller as u64 * 1_000;
                    assert_eq!(
                        (one, many),
                        (Ok(tag), Ok((0..lens[caller]).map(|x| tag + x).collect())),
                        "apply_async and map called from {} threads at once on one pool: caller \
                         {caller} must get its own results, in input order",
                        lens.len()
                    );
                }
            });
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
    fn any_sizes_give_one_result_per_item() {
        within(|| {
            let mut rng = Rng::with_seed(0x7a7);
            for case in 0..16 {
                let threads = rng.usize(1..=4);
                // The edges first: no item, one item, fewer items than threads; then lengths
                // that do not divide evenly among the threads.
                let len = match case {
                    0 => 0,
                    1 => 1,
                    2 => threads.saturating_sub(1),
                    _ => rng.usize(2..=500),
                };
                let items: Vec<u32> = (0..len).map(|_| rng.u32(..)).collect();
                let calls = AtomicUsize::new(0);
                let got = par_map(threads, &items, |&x| {
                    calls.fetch_add(1, Ordering::SeqCst);
                    spin(u64::from(x % 2_000));
                    u64::from(x) * 2
                });
                let want: Vec<u64> = items.iter().map(|&x| u64::from(x) * 2).collect();
                assert!(
                    got == want,
                    "par_map on {threads} threads over {len} items (case {case}) gave {} results, \
                     {}: one result per item, in input order, also when the length does not \
                     divide evenly among the threads (no chunk may be lost or repeated)",
                    got.len(),
                    if got.len() == want.len() {
                        "in the wrong order"
                    } else {
                        "not one per item"
                    }
                );
                assert_eq!(
                    calls.load(Ordering::SeqCst),
                    len,
                    "par_map on {threads} threads over {len} items (case {case}) must call f \
                     exactly once per item"
                );
            }
        });
    }

    #[test]
    fn items_run_in_parallel() {
        within(|| {
            let meet = Arc::new(Meeting::new(2, PATIENCE));
            let log = ThreadLog::new();
            let met = par_map(2, &[0u8, 1], |_| {
                log.record();
                meet.arrive()
            });
            assert_eq!(
                met,
                [true, true],
                "the workers did not run at the same time (concurrency): likely causes: iter() \
                 instead of par_iter(), a lock held around f (f is Sync: share it as it is, no \
                 Mutex), or a pool of one thread"
            );
            assert_eq!(
                log.distinct().len(),
                2,
                "the items ran on one thread: par_map must use rayon's worker threads"
            );
            assert!(
                !log.contains(thread::current().id()),
                "the items ran on the caller's thread: run the parallel iterator inside the \
                 pool (pool.install)"
            );
        });
    }

    #[test]
    fn runs_on_a_pool_of_the_requested_size() {
        within(|| {
            let cpus = thread::available_parallelism().map_or(1, |n| n.get());
            for threads in [1, cpus + 1] {
                let sizes = par_map(threads, &[(); 8], |_| rayon::current_num_threads());
                assert!(
                    sizes.iter().all(|&n| n == threads),
                    "par_map ran on a pool of {sizes:?} threads, not the {threads} requested: \
                     build one with rayon::ThreadPoolBuilder::num_threads and run inside it with \
                     install"
                );
            }
        });
    }
}
