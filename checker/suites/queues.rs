//! Grading suite for the `queues` topic: a Mutex + Condvar bounded queue (blocking, no busy
//! waiting, no lost wakeups), crossbeam work distribution with backpressure, and `select!`.

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

mod bounded_queue {
    use super::*;
    use queues::bounded_queue::BoundedQueue;
    use queues::sync::Probe;
    use std::collections::BTreeSet;
    use std::fmt::Debug;
    use std::sync::Arc;
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

    /// Waits until the probed thread sleeps in `Condvar::wait`, and fails, naming the mistake,
    /// if it returns instead or keeps taking the lock (busy waiting).
    fn expect_asleep<R: Debug>(probe: &Probe, rx: &mpsc::Receiver<R>, what: &str) {
        let deadline = Instant::now() + PATIENCE;
        while !probe.is_waiting() {
            if let Ok(result) = rx.try_recv() {
                panic!(
                    "{what} returned {result:?} instead of blocking — after a spurious wakeup \
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
            let consumers: Vec<_> = (0..3)
                .map(|_| {
                    let queue = Arc::clone(&queue);
                    spawn_probed(move || queue.get())
                })
                .collect();
            for (probe, got) in &consumers {
                expect_asleep(probe, got, "get() on an empty queue");
            }
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
            let got = [queue.get(), queue.get(), queue.get()];
            assert_eq!(
                got,
                [Some("x"), Some("y"), None],
                "after close, get() returns what is left, then None"
            );
        });
    }

    #[test]
    fn many_producers_and_consumers_deliver_every_item_exactly_once() {
        within(|| {
            let queue = Arc::new(BoundedQueue::new(4));
            let producers: Vec<_> = (0..4u32)
                .map(|p| {
                    let queue = Arc::clone(&queue);
                    thread::spawn(move || {
                        for i in 0..500 {
                            queue
                                .put(p * 1_000 + i)
                                .expect("the queue is open while producers run");
                        }
                    })
                })
                .collect();
            let consumers: Vec<_> = (0..4)
                .map(|_| {
                    let queue = Arc::clone(&queue);
                    thread::spawn(move || {
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
            for consumer in consumers {
                let got = consumer.join().expect("a consumer panicked");
                // Each consumer sees one producer's items in the producer's order (FIFO).
                for p in 0..4 {
                    let mine: Vec<_> = got.iter().filter(|&&item| item / 1_000 == p).collect();
                    assert!(
                        mine.is_sorted(),
                        "FIFO broken: a consumer got producer {p}'s items out of order"
                    );
                }
                all.extend(got);
            }
            let distinct: BTreeSet<_> = all.iter().copied().collect();
            assert_eq!(all.len(), distinct.len(), "an item was delivered twice");
            assert_eq!(
                all.len(),
                2_000,
                "lost items: {} of 2000 delivered",
                all.len()
            );
        });
    }
}

mod work_distribution {
    use super::*;
    use grading::{Rendezvous, ThreadLog};
    use queues::work_distribution::distribute;
    use std::sync::Mutex;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::thread;
    use std::time::Instant;

    #[test]
    fn results_come_back_in_job_order() {
        within(|| {
            let others = AtomicUsize::new(0);
            let runs: Vec<AtomicUsize> = (0..40).map(|_| AtomicUsize::new(0)).collect();
            let got = distribute(0..40usize, 3, 2, |job| {
                runs[job].fetch_add(1, Ordering::SeqCst);
                if job == 0 {
                    // Job 0 finishes only after the 39 others have started (most of them have
                    // finished by then): completion order is not job order.
                    let deadline = Instant::now() + PATIENCE;
                    while others.load(Ordering::SeqCst) < 39 && Instant::now() < deadline {
                        thread::yield_now();
                    }
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
            let got = distribute(0..30u32, 3, 4, |job| {
                log.record();
                if job < 3 {
                    assert!(
                        meet.arrive(),
                        "the workers did not run at the same time (concurrency)"
                    );
                }
                job + 1
            });
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
            let pulled = AtomicUsize::new(0);
            let started = AtomicUsize::new(0);
            let lead = Mutex::new(0);
            let source = (0..jobs).inspect(|_| {
                pulled.fetch_add(1, Ordering::SeqCst);
            });
            distribute(source, workers, capacity, |job| {
                started.fetch_add(1, Ordering::SeqCst);
                if job < workers {
                    // Hold the first jobs until the producer has pulled every job — which it
                    // can only do if nothing holds it back.
                    let deadline = Instant::now() + PATIENCE / 2;
                    while pulled.load(Ordering::SeqCst) < jobs && Instant::now() < deadline {
                        thread::yield_now();
                    }
                }
                // `pulled` first: `started` only grows meanwhile, so this never overestimates.
                let ahead = pulled.load(Ordering::SeqCst) - started.load(Ordering::SeqCst);
                let mut lead = lead.lock().unwrap();
                *lead = (*lead).max(ahead);
            });
            let lead = lead.into_inner().unwrap();
            // In flight at most: `capacity` queued, one in the producer's hand, and one per
            // worker between its `recv` and the start of its job.
            let bound = capacity + 1 + workers;
            assert!(
                lead <= bound,
                "no backpressure: the producer pulled {lead} jobs more than the workers had \
                 started (at most {bound} with a queue of capacity {capacity}); use a bounded \
                 channel and feed it job by job"
            );
        });
    }
}

mod select_merge {
    use super::*;
    use crossbeam_channel::unbounded;
    use queues::select_merge::{Side, merge};
    use std::thread;

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
            let (mut lefts, mut rights) = (Vec::new(), Vec::new());
            merge(left, right, |side, item| match side {
                Side::Left => lefts.push(item),
                Side::Right => rights.push(item),
            });
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

    #[test]
    fn an_idle_channel_does_not_block_the_other() {
        within(|| {
            let (left_tx, left) = unbounded::<u32>();
            let (right_tx, right) = unbounded();
            let (seen_tx, seen) = mpsc::channel();
            let merger = thread::spawn(move || {
                merge(left, right, move |side, item| {
                    seen_tx.send((side, item)).unwrap()
                })
            });
            for i in 0..3 {
                right_tx.send(i).unwrap();
            }
            // The left channel stays open and silent: merge must still hand on the right's messages.
            for i in 0..3 {
                assert_eq!(
                    outcome(&seen),
                    Some((Side::Right, i)),
                    "select: merge waited on the idle left channel while the right one had messages; \
                     use `select!` to take whichever is ready"
                );
            }
            left_tx.send(9).unwrap();
            assert_eq!(outcome(&seen), Some((Side::Left, 9)));
            drop((left_tx, right_tx));
            merger.join().expect("merge panicked");
        });
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
}
