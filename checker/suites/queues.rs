//! Grading suite for the `queues` topic: a Mutex + Condvar bounded queue (blocking, no busy
//! waiting, no lost wakeups), crossbeam work distribution with backpressure, and `select!`.
//!
//! Beyond the happy path: what `close` does to sleeping producers and to a full queue,
//! producers and consumers started together on uneven loads; a slow job that the other workers
//! must work around, a producer held back by the bound until it sleeps, seeded mixes of jobs,
//! workers and capacities, a panicking job; both channels busy at once, either one idle, and a
//! merge that must sleep rather than spin once one channel is closed.

use grading::caught::unless_todo;
use grading::waiting::eventually;
use grading::within;
use std::sync::mpsc;
use std::time::Duration;

/// How long a woken thread may take to react: a huge margin, only there to turn a lost
/// wakeup (a thread asleep forever) into a clear failure instead of a hang.
const PATIENCE: Duration = Duration::from_secs(2);

/// Waits for a thread's result; `None` if it did not come within [`PATIENCE`].
fn outcome<R>(rx: &mpsc::Receiver<R>) -> Option<R> {
    rx.recv_timeout(PATIENCE).ok()
}

/// Threads of this process seen through `/proc`: whether one is asleep. The suite waits for
/// that state (it certainly comes to a thread that blocks) before it acts, instead of sleeping
/// and hoping the thread got there.
mod task {
    use std::fs;

    /// The calling thread's kernel id.
    pub fn current() -> i32 {
        // `/proc/thread-self` links to `PID/task/TID`.
        let link = fs::read_link("/proc/thread-self").expect("cannot read /proc/thread-self");
        link.file_name()
            .and_then(|tid| tid.to_str()?.parse().ok())
            .expect("/proc/thread-self does not end with a thread id")
    }

    /// Whether the thread is asleep (blocked in the kernel: a lock, a channel, a condvar).
    pub fn asleep(tid: i32) -> bool {
        fs::read_to_string(format!("/proc/self/task/{tid}/stat"))
            .ok()
            .and_then(|stat| stat[stat.rfind(')')? + 1..].trim_start().chars().next())
            == Some('S')
    }
}

mod bounded_queue {
    use super::*;
    use queues::bounded_queue::BoundedQueue;
    use queues::sync::Probe;
    use std::collections::BTreeSet;
    use std::fmt::Debug;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::{Arc, Barrier};
    use std::thread;
    use std::time::Instant;

    /// Runs `f` on a new thread whose locks and waits are counted on the returned probe.
    fn spawn_probed<R: Send + 'static>(
        f: impl FnOnce() -> R + Send + 'static,
    ) -> (Arc<Probe>, mpsc::Receiver<R>) {
        let probe = Arc::new(Probe::default());
        let (tx, rx) = mpsc::channel();
        let attached = Arc::clone(&probe);
        thread::spawn(move || {
            attached.attach();
            let _ = tx.send(f());
        });
        (probe, rx)
    }

    /// `n` consumers, each blocked in `get()` on the empty `queue` (checked).
    fn sleeping_consumers(
        queue: &Arc<BoundedQueue<u32>>,
        n: usize,
    ) -> Vec<(Arc<Probe>, mpsc::Receiver<Option<u32>>)> {
        let consumers: Vec<_> = (0..n)
            .map(|_| {
                let queue = Arc::clone(queue);
                spawn_probed(move || queue.get())
            })
            .collect();
        for (probe, got) in &consumers {
            expect_asleep(probe, got, "get() on an empty queue");
        }
        consumers
    }

    /// Waits until the probed thread sleeps in `Condvar::wait`, and fails, naming the mistake,
    /// if it returns instead or keeps taking the lock (busy waiting).
    fn expect_asleep<R: Debug>(probe: &Probe, rx: &mpsc::Receiver<R>, what: &str) {
        let deadline = Instant::now() + PATIENCE;
        while !probe.is_waiting() {
            if let Ok(result) = rx.try_recv() {
                panic!(
                    "{what} returned {result:?} instead of blocking: check the wait condition \
                     (put waits while the queue is full, get while it is empty, both only while \
                     it is open), and re-check it after every wakeup — after a spurious wakeup \
                     (wait may return without a notify) the condition must be re-checked in a \
                     `while` loop (or `wait_while`), not an `if`"
                );
            }
            let locks = probe.locks();
            assert!(
                locks <= 50,
                "busy waiting: {what} took the lock {locks} times while it could not proceed; \
                 sleep on the Condvar (`wait` / `wait_while`) instead of re-checking in a loop"
            );
            assert!(
                Instant::now() < deadline,
                "{what} never slept on the Condvar (busy waiting or polling?): block with \
                 `crate::sync::Condvar::wait` / `wait_while`, using the `crate::sync` types"
            );
            thread::sleep(Duration::from_millis(1));
        }
    }

    #[test]
    fn first_in_first_out() {
        within(|| {
            let queue = BoundedQueue::new(3);
            for item in [1, 2, 3] {
                queue
                    .put(item)
                    .expect("put on an open queue with room must succeed");
            }
            assert_eq!(queue.len(), 3);
            let got: Vec<_> = (0..3).map(|_| queue.get()).collect();
            assert_eq!(
                got,
                [Some(1), Some(2), Some(3)],
                "a queue hands items out in the order they were put (FIFO)"
            );
            assert!(queue.is_empty());
        });
    }

    #[test]
    fn len_is_empty_and_capacity_describe_the_queue() {
        within(|| {
            let queue = BoundedQueue::new(5);
            assert_eq!(
                queue.capacity(),
                5,
                "capacity() must be what new() was given"
            );
            assert!(queue.is_empty(), "a new queue is empty");
            assert_eq!(queue.len(), 0, "a new queue holds nothing");
            queue.put("a").unwrap();
            queue.put("b").unwrap();
            assert_eq!(queue.len(), 2, "len() counts the items queued");
            assert!(!queue.is_empty(), "a queue holding items is not empty");
            queue.get();
            assert_eq!(queue.len(), 1, "get() takes one item out");
            queue.get();
            assert!(
                queue.is_empty(),
                "every item was taken: the queue is empty again"
            );
            assert_eq!(queue.capacity(), 5, "capacity() never changes");
        });
    }

    #[test]
    fn get_sleeps_on_an_empty_queue_until_an_item_arrives() {
        within(|| {
            let queue = Arc::new(BoundedQueue::new(2));
            let consumer_queue = Arc::clone(&queue);
            let (probe, got) = spawn_probed(move || consumer_queue.get());
            expect_asleep(&probe, &got, "get() on an empty queue");
            queue.put(7).unwrap();
            assert_eq!(
                outcome(&got),
                Some(Some(7)),
                "lost wakeup: a consumer asleep in get() was never woken by put()"
            );
        });
    }

    #[test]
    fn a_spurious_wakeup_is_not_an_item() {
        within(|| {
            // The instrumented Condvar's first wait returns at once, without any notify.
            let queue = Arc::new(BoundedQueue::<u32>::new(1));
            let consumer_queue = Arc::clone(&queue);
            let (probe, got) = spawn_probed(move || consumer_queue.get());
            expect_asleep(&probe, &got, "get() on an empty queue");
            queue.close();
            assert_eq!(
                outcome(&got),
                Some(None),
                "get() must return None once the queue is closed and empty"
            );
        });
    }

    #[test]
    fn put_sleeps_on_a_full_queue_until_a_get_makes_room() {
        within(|| {
            let queue = Arc::new(BoundedQueue::new(2));
            queue.put('a').unwrap();
            queue.put('b').unwrap();
            let producer_queue = Arc::clone(&queue);
            let (probe, done) = spawn_probed(move || producer_queue.put('c'));
            expect_asleep(&probe, &done, "put() on a full queue");
            assert_eq!(queue.len(), 2, "the queue holds more than its capacity");
            assert_eq!(queue.get(), Some('a'));
            assert_eq!(
                outcome(&done),
                Some(Ok(())),
                "lost wakeup: a producer asleep on a full queue was never woken after get() made room"
            );
            assert_eq!([queue.get(), queue.get()], [Some('b'), Some('c')]);
        });
    }

    #[test]
    fn close_wakes_every_sleeping_consumer() {
        within(|| {
            let queue = Arc::new(BoundedQueue::<u32>::new(4));
            let consumers = sleeping_consumers(&queue, 3);
            queue.close();
            let deadline = Instant::now() + PATIENCE;
            let woken = consumers
                .iter()
                .filter(|(_, got)| {
                    got.recv_timeout(deadline.saturating_duration_since(Instant::now())) == Ok(None)
                })
                .count();
            assert_eq!(
                woken, 3,
                "lost wakeup: close() woke {woken} of 3 sleeping consumers; every sleeper must hear \
                 it (notify_all), or the others sleep forever"
            );
            assert_eq!(
                queue.put(1),
                Err(1),
                "put() on a closed queue must give the item back"
            );
        });
    }

    #[test]
    fn close_drains_what_is_left_first() {
        within(|| {
            let queue = BoundedQueue::new(3);
            queue.put("x").unwrap();
            queue.put("y").unwrap();
            queue.close();
            assert_eq!(
                queue.put("z"),
                Err("z"),
                "put() on a closed queue must give the item back"
            );
            assert_eq!(
                queue.len(),
                2,
                "a refused put() must leave the queue as it was"
            );
            let got = [queue.get(), queue.get(), queue.get(), queue.get()];
            assert_eq!(
                got,
                [Some("x"), Some("y"), None, None],
                "after close, get() returns what is left, then None (every time)"
            );
        });
    }

    #[test]
    fn a_closed_full_queue_refuses_at_once() {
        within(|| {
            let queue = Arc::new(BoundedQueue::new(2));
            queue.put(1).unwrap();
            queue.put(2).unwrap();
            queue.close();
            let producer_queue = Arc::clone(&queue);
            let (_, done) = spawn_probed(move || producer_queue.put(3));
            assert_eq!(
                outcome(&done),
                Some(Err(3)),
                "put() on a closed queue that is full slept (or kept the item) instead of \
                 giving the item back at once: a closed queue refuses, full or not; sleep only \
                 while the queue is full *and open*"
            );
            assert_eq!(
                queue.len(),
                2,
                "a refused put() must leave the queue as it was"
            );
            assert_eq!(
                [queue.get(), queue.get(), queue.get()],
                [Some(1), Some(2), None]
            );
        });
    }

    #[test]
    fn close_wakes_every_sleeping_producer() {
        within(|| {
            let queue = Arc::new(BoundedQueue::new(1));
            queue.put(0).unwrap();
            let producers: Vec<_> = (1..=3)
                .map(|item| {
                    let queue = Arc::clone(&queue);
                    spawn_probed(move || queue.put(item))
                })
                .collect();
            for (probe, done) in &producers {
                expect_asleep(probe, done, "put() on a full queue");
            }
            queue.close();
            let deadline = Instant::now() + PATIENCE;
            let mut refused = 0;
            for (item, (_, done)) in (1..=3).zip(&producers) {
                match done.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
                    Ok(Err(back)) => {
                        assert_eq!(back, item, "put() must give back its own item");
                        refused += 1;
                    }
                    Ok(Ok(())) => panic!(
                        "a producer asleep on a full queue was woken by close() and added its \
                         item anyway: after every wakeup check `closed` before pushing, and give \
                         the item back"
                    ),
                    Err(_) => {}
                }
            }
            assert_eq!(
                refused, 3,
                "lost wakeup: close() woke {refused} of 3 producers asleep on a full queue; \
                 close must wake the producers too (notify_all on the condition variable they \
                 sleep on), and each must then get its item back"
            );
            assert_eq!(
                queue.len(),
                1,
                "the queue must still hold exactly what it held before close()"
            );
            assert_eq!([queue.get(), queue.get()], [Some(0), None]);
        });
    }

    #[test]
    fn one_item_wakes_one_of_two_sleeping_consumers() {
        within(|| {
            let queue = Arc::new(BoundedQueue::new(2));
            let consumers = sleeping_consumers(&queue, 2);
            queue.put(1).unwrap();
            // Exactly one consumer gets it; the other must go back to sleep, not give up.
            let deadline = Instant::now() + PATIENCE;
            let first = 'found: loop {
                for (i, (_, got)) in consumers.iter().enumerate() {
                    match got.try_recv() {
                        Ok(Some(1)) => break 'found i,
                        Ok(other) => panic!(
                            "a consumer woken by put() returned {other:?}: get() returns the \
                             front item, and None only once the queue is closed and empty"
                        ),
                        Err(_) => {}
                    }
                }
                assert!(
                    Instant::now() < deadline,
                    "lost wakeup: two consumers slept in get() and put() woke neither"
                );
                thread::sleep(Duration::from_millis(1));
            };
            let (probe, got) = &consumers[1 - first];
            expect_asleep(probe, got, "get() on a queue another consumer just emptied");
            queue.put(2).unwrap();
            assert_eq!(
                outcome(got),
                Some(Some(2)),
                "lost wakeup: the second consumer was never woken by the second put()"
            );
        });
    }

    /// Producers and consumers all started together on a queue of `capacity`: every item
    /// delivered exactly once, each producer's items in its order, the queue never over-full.
    fn run_many(capacity: usize, counts: &[u32], consumers: usize, seed: u64) {
        let queue = Arc::new(BoundedQueue::new(capacity));
        let start = Arc::new(Barrier::new(counts.len() + consumers));
        let overfull = Arc::new(AtomicUsize::new(0));
        let producers: Vec<_> = counts
            .iter()
            .enumerate()
            .map(|(p, &count)| {
                let (queue, start, overfull) = (
                    Arc::clone(&queue),
                    Arc::clone(&start),
                    Arc::clone(&overfull),
                );
                let mut rng = grading::fastrand::Rng::with_seed(seed + p as u64);
                thread::spawn(move || {
                    start.wait();
                    for i in 0..count {
                        queue
                            .put(p as u32 * 10_000 + i)
                            .expect("the queue is open while producers run");
                        overfull.fetch_max(queue.len(), Ordering::SeqCst);
                        // Now and then a producer pauses, so consumers find the queue empty.
                        if rng.u8(..) < 8 {
                            thread::yield_now();
                        }
                    }
                })
            })
            .collect();
        let consumer_threads: Vec<_> = (0..consumers)
            .map(|_| {
                let (queue, start) = (Arc::clone(&queue), Arc::clone(&start));
                thread::spawn(move || {
                    start.wait();
                    let mut got = Vec::new();
                    while let Some(item) = queue.get() {
                        got.push(item);
                    }
                    got
                })
            })
            .collect();
        for producer in producers {
            producer.join().expect("a producer panicked");
        }
        queue.close();
        let mut all = Vec::new();
        for consumer in consumer_threads {
            let got = consumer.join().expect("a consumer panicked");
            // Each consumer sees one producer's items in the producer's order (FIFO).
            for p in 0..counts.len() as u32 {
                let mine: Vec<_> = got.iter().filter(|&&item| item / 10_000 == p).collect();
                assert!(
                    mine.is_sorted(),
                    "FIFO broken: a consumer got producer {p}'s items out of order (capacity \
                     {capacity}, producers sending {counts:?})"
                );
            }
            all.extend(got);
        }
        let total: u32 = counts.iter().sum();
        let distinct: BTreeSet<_> = all.iter().copied().collect();
        assert_eq!(
            all.len(),
            distinct.len(),
            "an item was delivered twice (capacity {capacity}, producers sending {counts:?})"
        );
        assert_eq!(
            all.len() as u32,
            total,
            "lost items: {} of {total} delivered (capacity {capacity}, producers sending \
             {counts:?}, {} consumers)",
            all.len(),
            consumers
        );
        let most = overfull.load(Ordering::SeqCst);
        assert!(
            most <= capacity,
            "the queue held {most} items, more than its capacity {capacity}: put must sleep \
             while the queue is full"
        );
    }

    #[test]
    fn many_producers_and_consumers_deliver_every_item_exactly_once() {
        within(|| run_many(4, &[500, 500, 500, 500], 4, 1));
    }

    #[test]
    fn a_one_slot_queue_shared_by_uneven_producers() {
        within(|| {
            let mut rng = grading::fastrand::Rng::with_seed(0x5107);
            let counts: Vec<u32> = [0, 1]
                .into_iter()
                .chain((0..3).map(|_| rng.u32(50..400)))
                .collect();
            run_many(1, &counts, 3, 7);
        });
    }
}

mod work_distribution {
    use super::*;
    use grading::{Rendezvous, ThreadLog};
    use queues::work_distribution::distribute;
    use std::panic::{self, AssertUnwindSafe};
    use std::sync::Mutex;
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    use std::thread;

    #[test]
    fn results_come_back_in_job_order() {
        within(|| {
            let others = AtomicUsize::new(0);
            let shared = AtomicBool::new(true);
            let runs: Vec<AtomicUsize> = (0..40).map(|_| AtomicUsize::new(0)).collect();
            let got = distribute(0..40usize, 3, 2, |job| {
                runs[job].fetch_add(1, Ordering::SeqCst);
                if job == 0 {
                    // Job 0 finishes only after the 39 others have finished: completion order
                    // is not job order, and the other workers must take every other job.
                    let done = eventually(PATIENCE, || others.load(Ordering::SeqCst) == 39);
                    shared.store(done, Ordering::SeqCst);
                } else {
                    others.fetch_add(1, Ordering::SeqCst);
                }
                job * 10
            });
            for (job, runs) in runs.iter().enumerate() {
                let runs = runs.load(Ordering::SeqCst);
                assert_eq!(
                    runs, 1,
                    "job {job} ran {runs} times; every job must run exactly once"
                );
            }
            assert!(
                shared.load(Ordering::SeqCst),
                "while one worker was busy with a long job, the other workers did not take the \
                 remaining jobs: every worker must take its next job from the one shared queue \
                 (whoever is free), not from a share of the jobs fixed in advance"
            );
            assert_eq!(
                got,
                (0..40).map(|job| job * 10).collect::<Vec<_>>(),
                "results out of input order: workers finish in any order; put each result back in \
                 its job's place"
            );
        });
    }

    #[test]
    fn a_fixed_set_of_workers_share_the_jobs() {
        within(|| {
            let meet = Rendezvous::new(3, PATIENCE);
            let log = ThreadLog::new();
            let caller = thread::current().id();
            let together = AtomicBool::new(true);
            let got = distribute(0..30u32, 3, 4, |job| {
                log.record();
                // Once one worker waited in vain, the others need not wait out the patience.
                if job < 3 && together.load(Ordering::SeqCst) && !meet.arrive() {
                    together.store(false, Ordering::SeqCst);
                }
                job + 1
            });
            assert!(
                together.load(Ordering::SeqCst),
                "the workers did not run at the same time (concurrency): likely a lock held \
                 around the work (`while let Ok(job) = rx.lock().unwrap().recv()` keeps the \
                 guard for the whole loop body: take the job in its own statement), a join \
                 inside the spawn loop, or a producer that waits for each result before sending \
                 the next job"
            );
            assert_eq!(
                got,
                (1..=30).collect::<Vec<_>>(),
                "results out of input order, lost or duplicated"
            );
            assert!(
                !log.contains(caller),
                "jobs ran on the caller's thread instead of on the workers"
            );
            let threads = log.distinct().len();
            assert_eq!(
                threads, 3,
                "not a fixed set of workers: {threads} different threads ran jobs, expected exactly 3 \
                 workers sharing one queue"
            );
        });
    }

    #[test]
    fn a_bounded_queue_holds_the_producer_back() {
        within(|| {
            let (workers, capacity, jobs) = (2, 2, 50);
            // In flight at most: `capacity` queued, one in the producer's hand, and one per
            // worker between its `recv` and the start of its job.
            let bound = capacity + 1 + workers;
            let producer = task::current();
            let pulled = AtomicUsize::new(0);
            let started = AtomicUsize::new(0);
            let lead = Mutex::new(0);
            let source = (0..jobs).inspect(|_| {
                pulled.fetch_add(1, Ordering::SeqCst);
            });
            distribute(source, workers, capacity, |job| {
                started.fetch_add(1, Ordering::SeqCst);
                if job < workers {
                    // Hold the first jobs (one per worker) until the producer either got more
                    // than `bound` jobs ahead (nothing holds it back) or sleeps for good,
                    // blocked on the full queue (seen twice with nothing pulled in between).
                    let mut seen = None;
                    eventually(PATIENCE, || {
                        let now = pulled.load(Ordering::SeqCst);
                        if now > workers + bound {
                            return true;
                        }
                        let asleep = task::asleep(producer).then_some(now);
                        let still = asleep.is_some() && seen == asleep;
                        seen = asleep;
                        still
                    });
                }
                // `pulled` first: `started` only grows meanwhile, so this never overestimates.
                let ahead = pulled.load(Ordering::SeqCst) - started.load(Ordering::SeqCst);
                let mut lead = lead.lock().unwrap();
                *lead = (*lead).max(ahead);
            });
            let lead = lead.into_inner().unwrap();
            assert!(
                lead <= bound,
                "no backpressure: the producer pulled {lead} jobs more than the workers had \
                 started (at most {bound} with a queue of capacity {capacity}); use a bounded \
                 channel and feed it job by job, without collecting the jobs first"
            );
        });
    }

    #[test]
    fn any_mix_of_jobs_workers_and_capacities() {
        within(|| {
            // Seeded cases: no job, one job, more workers than jobs, jobs of different lengths.
            let mut rng = grading::fastrand::Rng::with_seed(0xd157);
            let mut cases = vec![(0, 2, 1), (1, 1, 1), (3, 5, 2), (17, 1, 3)];
            cases.extend((0..6).map(|_| (rng.usize(0..60), rng.usize(1..5), rng.usize(1..5))));
            for (jobs, workers, capacity) in cases {
                let lengths: Vec<u32> = (0..jobs).map(|_| rng.u32(0..200)).collect();
                let log = ThreadLog::new();
                let got = distribute(lengths.clone(), workers, capacity, |length| {
                    log.record();
                    for _ in 0..length % 7 {
                        thread::yield_now();
                    }
                    (0..length).fold(0u64, |acc, i| acc + u64::from(i))
                });
                let case = format!("{jobs} jobs, {workers} workers, capacity {capacity}");
                let expected: Vec<u64> = lengths
                    .iter()
                    .map(|&length| (0..length).fold(0, |acc, i| acc + u64::from(i)))
                    .collect();
                assert_eq!(
                    got, expected,
                    "with {case}: every job must run exactly once and its result must be in its \
                     job's place"
                );
                assert!(
                    !log.contains(thread::current().id()),
                    "with {case}: jobs ran on the caller's thread instead of on the workers"
                );
                let threads = log.distinct().len();
                assert!(
                    threads <= workers,
                    "with {case}: {threads} different threads ran jobs; use exactly {workers} \
                     workers (not a thread per job)"
                );
            }
        });
    }

    #[test]
    fn a_job_that_panics_makes_distribute_panic() {
        within(|| {
            let result = panic::catch_unwind(AssertUnwindSafe(|| {
                distribute(0..20u32, 3, 2, |job| {
                    assert!(job != 7, "job 7 failed");
                    job
                })
            }));
            match result {
                Err(payload) => drop(unless_todo(payload)),
                Ok(results) => panic!(
                    "a job panicked, yet distribute returned {} results as if all went well: a \
                     worker's panic must reach the caller (scoped threads pass it on; a \
                     `JoinHandle`'s `join` returns it)",
                    results.len()
                ),
            }
        });
    }
}

mod select_merge {
    use super::*;
    use crossbeam_channel::unbounded;
    use queues::select_merge::{Side, merge};
    use std::sync::{Arc, Barrier};
    use std::thread;

    /// Merges `left` and `right` on a thread of its own and returns what `each` saw, per side;
    /// fails, naming the likely cause, if merge has not returned within [`PATIENCE`] once the
    /// channels' senders are gone (here they finish at once).
    fn merge_in_time<T: Send + 'static>(
        left: crossbeam_channel::Receiver<T>,
        right: crossbeam_channel::Receiver<T>,
    ) -> (Vec<T>, Vec<T>) {
        let (done_tx, done) = mpsc::channel();
        let merger = thread::spawn(move || {
            let (mut lefts, mut rights) = (Vec::new(), Vec::new());
            merge(left, right, |side, item| match side {
                Side::Left => lefts.push(item),
                Side::Right => rights.push(item),
            });
            let _ = done_tx.send(());
            (lefts, rights)
        });
        finish_in_time(merger, &done)
    }

    /// Joins `merger` once it says it is done, passing its panic on (a `todo!()` included);
    /// fails if it has not finished within [`PATIENCE`].
    fn finish_in_time<T>(merger: thread::JoinHandle<T>, done: &mpsc::Receiver<()>) -> T {
        match done.recv_timeout(PATIENCE) {
            Ok(()) | Err(mpsc::RecvTimeoutError::Disconnected) => merger
                .join()
                .unwrap_or_else(|payload| std::panic::resume_unwind(payload)),
            Err(mpsc::RecvTimeoutError::Timeout) => panic!(
                "did not finish: merge did not return after both channels closed (within {} \
                 s): leave the loop once both have reported `Err` (closed and drained)",
                PATIENCE.as_secs()
            ),
        }
    }

    #[test]
    fn every_message_of_both_channels_arrives() {
        within(|| {
            let (left_tx, left) = unbounded();
            let (right_tx, right) = unbounded();
            // The left channel closes early, the right one still has lots to say.
            for i in 0..3 {
                left_tx.send(i).unwrap();
            }
            for i in 100..160 {
                right_tx.send(i).unwrap();
            }
            drop((left_tx, right_tx));
            let (lefts, rights) = merge_in_time(left, right);
            assert_eq!(
                lefts,
                [0, 1, 2],
                "lost or reordered messages from the left channel"
            );
            assert_eq!(
                rights,
                (100..160).collect::<Vec<_>>(),
                "lost messages: merge must keep receiving from the other channel after one \
                 closes, and stop only when both are closed"
            );
        });
    }

    /// Merges on a new thread, handing each message on as it comes; `Side::Left` and
    /// `Side::Right` tell which channel the test meant.
    fn idle_side_test(idle: Side) {
        let (left_tx, left) = unbounded::<u32>();
        let (right_tx, right) = unbounded();
        let (seen_tx, seen) = mpsc::channel();
        let (done_tx, done) = mpsc::channel();
        let merger = thread::spawn(move || {
            merge(left, right, move |side, item| {
                seen_tx.send((side, item)).unwrap()
            });
            let _ = done_tx.send(());
        });
        let (busy, busy_tx, idle_tx) = match idle {
            Side::Left => (Side::Right, &right_tx, &left_tx),
            Side::Right => (Side::Left, &left_tx, &right_tx),
        };
        for i in 0..3 {
            busy_tx.send(i).unwrap();
        }
        // The idle channel stays open and silent: merge must still hand on the others.
        for i in 0..3 {
            assert_eq!(
                outcome(&seen),
                Some((busy, i)),
                "select: merge waited on the idle {idle:?} channel while the {busy:?} one had \
                 messages; use `select!` to take whichever is ready"
            );
        }
        idle_tx.send(9).unwrap();
        assert_eq!(outcome(&seen), Some((idle, 9)));
        drop((left_tx, right_tx));
        finish_in_time(merger, &done);
    }

    #[test]
    fn an_idle_channel_does_not_block_the_other() {
        within(|| idle_side_test(Side::Left));
    }

    #[test]
    fn an_idle_right_channel_does_not_block_the_left() {
        within(|| idle_side_test(Side::Right));
    }

    #[test]
    fn stops_once_both_channels_are_closed() {
        within(|| {
            let (left_tx, left) = unbounded::<u32>();
            let (right_tx, right) = unbounded::<u32>();
            let (done_tx, done) = mpsc::channel();
            thread::spawn(move || {
                merge(left, right, |_, _| {});
                done_tx.send(()).unwrap();
            });
            drop(right_tx);
            left_tx.send(1).unwrap();
            drop(left_tx);
            assert_eq!(
                outcome(&done),
                Some(()),
                "merge did not return after both channels closed"
            );
        });
    }

    #[test]
    fn a_closed_channel_is_not_polled() {
        within(|| {
            let (left_tx, left) = unbounded::<u32>();
            let (right_tx, right) = unbounded::<u32>();
            let (tid_tx, tid) = mpsc::channel();
            let (seen_tx, seen) = mpsc::channel();
            let (done_tx, done) = mpsc::channel();
            let merger = thread::spawn(move || {
                tid_tx.send(task::current()).unwrap();
                merge(left, right, move |side, item| {
                    seen_tx.send((side, item)).unwrap()
                });
                let _ = done_tx.send(());
            });
            let tid = tid.recv().expect("the merging thread did not start");
            left_tx.send(1).unwrap();
            drop(left_tx);
            assert_eq!(outcome(&seen), Some((Side::Left, 1)));
            // The left channel is closed and the right one silent: nothing to do but sleep.
            let slept = eventually(PATIENCE, || task::asleep(tid) || merger.is_finished());
            assert!(
                !merger.is_finished(),
                "merge returned while the right channel was still open"
            );
            assert!(
                slept,
                "busy waiting: with the left channel closed and the right one silent, merge \
                 never went to sleep; a closed channel is always ready (with an error), so \
                 selecting on it again spins: stop listening to it (select on `never()` \
                 instead), and do not poll with `try_recv`"
            );
            right_tx.send(2).unwrap();
            assert_eq!(
                outcome(&seen),
                Some((Side::Right, 2)),
                "lost messages: merge must keep receiving from the other channel after one \
                 closes"
            );
            drop(right_tx);
            finish_in_time(merger, &done);
        });
    }

    #[test]
    fn two_busy_channels_at_once() {
        within(|| {
            let (left_tx, left) = unbounded();
            let (right_tx, right) = unbounded();
            // Both senders start together and send uneven amounts.
            let mut rng = grading::fastrand::Rng::with_seed(0x5e1e);
            let (lefts, rights) = (rng.u32(200..900), rng.u32(1..300));
            let start = Arc::new(Barrier::new(2));
            let senders: Vec<_> = [(left_tx, lefts), (right_tx, rights)]
                .into_iter()
                .map(|(tx, count)| {
                    let start = Arc::clone(&start);
                    thread::spawn(move || {
                        start.wait();
                        for i in 0..count {
                            tx.send(i).unwrap();
                        }
                    })
                })
                .collect();
            let (got_left, got_right) = merge_in_time(left, right);
            for sender in senders {
                sender.join().expect("a sender panicked");
            }
            assert!(
                got_left == (0..lefts).collect::<Vec<_>>()
                    && got_right == (0..rights).collect::<Vec<_>>(),
                "lost, reordered or mislabelled messages: {lefts} left and {rights} right were \
                 sent at the same time, merge handed on {} as Left and {} as Right; every \
                 message exactly once, each channel's in order, with the side it came from",
                got_left.len(),
                got_right.len()
            );
        });
    }
}
