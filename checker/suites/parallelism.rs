//! Grading suite for the `parallelism` topic.
//!
//! Never a timing assertion: parallelism is checked through its signs — the work was spread
//! over the right number of threads, the workers were all in progress together (a
//! rendezvous they can only pass together), each was confined to the CPU it was given, and a
//! slow item did not hold up the others. Speed is measured by `cargo bench -p
//! parallelism-solution`, not here.

use std::cell::Cell;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use grading::{Rendezvous, ThreadLog, within};

/// A share of the test's time limit (`grading::test_timeout`, 5 s unless the catalog says
/// otherwise): how long a probe waits for something a correct solution does at once, so a
/// loaded machine gets the most margin a wrong solution's verdict can afford.
fn patience(percent: u32) -> Duration {
    grading::test_timeout() * percent / 100
}

mod split_sum {
    use super::*;
    use parallelism::split_sum::parallel_sum;

    #[test]
    fn sums_are_right() {
        within(|| {
            let data: Vec<u64> = (1..=1000).collect();
            for threads in [1, 2, 3, 4, 7] {
                assert_eq!(
                    parallel_sum(&data, threads, |x| x * x),
                    333_833_500,
                    "sum of squares with {threads} threads"
                );
            }
            assert_eq!(parallel_sum(&[], 4, |x| x), 0, "an empty slice sums to 0");
            assert_eq!(
                parallel_sum(&[5, 6], 8, |x| x),
                11,
                "more threads than items still sums every item once"
            );
            assert_eq!(
                parallel_sum(&[1, 2, 3, 4, 5, 6, 7], 3, |x| x),
                28,
                "7 items in 3 chunks: none lost"
            );
        });
    }

    #[test]
    fn the_workers_run_at_the_same_time() {
        within(|| {
            thread_local!(static ARRIVED: Cell<bool> = const { Cell::new(false) });
            let log = ThreadLog::new();
            let meet = Rendezvous::new(3, patience(30));
            let met = Mutex::new(Vec::new());
            let caller = std::thread::current().id();
            let data: Vec<u64> = (0..300).collect();
            let sum = parallel_sum(&data, 3, |x| {
                log.record();
                // Each worker, on its first item, waits for the other two to start theirs.
                if !ARRIVED.with(|a| a.replace(true)) {
                    let all = meet.arrive();
                    met.lock().unwrap().push(all);
                }
                x
            });
            assert_eq!(sum, 44_850, "the sum of 0..300");
            assert!(
                !log.contains(caller),
                "the work ran on the calling thread: spawn worker threads for it"
            );
            let threads = log.distinct().len();
            assert_eq!(
                threads, 3,
                "the work was not spread over 3 threads: it ran on {threads}"
            );
            assert!(
                met.lock().unwrap().iter().all(|m| *m),
                "the workers did not run at the same time (parallelism): each chunk waited for the previous one \
                 — spawn every worker before joining any"
            );
        });
    }

    #[test]
    fn as_many_threads_as_asked() {
        within(|| {
            let log = ThreadLog::new();
            let data: Vec<u64> = (0..1000).collect();
            parallel_sum(&data, 4, |x| {
                log.record();
                x
            });
            let threads = log.distinct().len();
            assert_eq!(
                threads, 4,
                "spawned {threads} threads where 4 were asked: one thread per chunk, not per item (more threads \
                 than CPUs only adds context switches)"
            );
        });
    }
}

mod pinned {
    use super::*;
    use nix::sched::{CpuSet, sched_getaffinity};
    use nix::unistd::Pid;
    use parallelism::pinned::{allowed_cpus, run_on};

    /// The CPUs the calling thread may run on.
    fn my_cpus() -> Vec<usize> {
        let set = sched_getaffinity(Pid::from_raw(0)).expect("sched_getaffinity");
        (0..CpuSet::count())
            .filter(|&c| set.is_set(c).unwrap_or(false))
            .collect()
    }

    /// Keeps the CPU busy for a moment, so workers really compete for it.
    fn spin() -> u64 {
        (0..200_000u64).fold(0, |acc, x| acc.wrapping_add(std::hint::black_box(x)))
    }

    #[test]
    fn confined_workers_share_one_cpu() {
        within(|| {
            let cpu = allowed_cpus()[0];
            let meet = Rendezvous::new(3, patience(30));
            let seen = Mutex::new(Vec::new());
            let ran_on = run_on(&[cpu], 3, |i| {
                let affinity = my_cpus();
                let together = meet.arrive();
                spin();
                seen.lock().unwrap().push((i, affinity, together));
            });
            let seen = seen.into_inner().unwrap();
            assert_eq!(
                seen.len(),
                3,
                "run_on must run work(i) once for each of the 3 workers"
            );
            for (i, affinity, _) in &seen {
                assert_eq!(
                    affinity,
                    &[cpu],
                    "worker {i} is not confined to CPU {cpu} while it works: its affinity is {affinity:?} \
                     (sched_setaffinity with pid 0 pins the calling thread; call it in the worker, before the work)"
                );
            }
            assert!(
                seen.iter().all(|s| s.2),
                "the workers did not run at the same time (concurrency): one CPU still runs many threads, \
                 interleaved — spawn them all before joining"
            );
            assert_eq!(
                ran_on, [cpu; 3],
                "pinned threads must all report the same CPU ({cpu}), in worker order"
            );
        });
    }

    #[test]
    fn spread_workers_use_different_cpus() {
        within(|| {
            // Two CPUs where the machine has them (one otherwise: then both share it).
            let cpus = allowed_cpus();
            let cpus = &cpus[..cpus.len().min(2)];
            let expected = [cpus[0], cpus[1 % cpus.len()]];
            let meet = Rendezvous::new(2, patience(40));
            let met = Mutex::new(Vec::new());
            let affinities = Mutex::new(Vec::new());
            let ran_on = run_on(cpus, 2, |i| {
                affinities.lock().unwrap().push((i, my_cpus()));
                let together = meet.arrive();
                spin();
                met.lock().unwrap().push(together);
            });
            for (i, affinity) in affinities.into_inner().unwrap() {
                let cpu = expected[i];
                assert_eq!(
                    affinity,
                    [cpu],
                    "worker {i} is not confined to CPU {cpu} while it works: its affinity is {affinity:?}"
                );
            }
            assert_eq!(
                ran_on, expected,
                "worker i must be confined to cpus[i % cpus.len()]: on two CPUs the two workers run in parallel"
            );
            assert!(
                met.lock().unwrap().iter().all(|m| *m),
                "the workers did not run at the same time (parallelism)"
            );
        });
    }
}

mod balance {
    use super::*;
    use parallelism::balance::par_map;

    #[test]
    fn results_in_input_order() {
        within(|| {
            // The right results, each once. (The order with several workers is checked by the
            // next test, where a slow item makes completion order differ from input order on
            // every run, not just on unlucky ones.)
            let out = par_map((0..100u64).collect(), 1, |x| x * 3);
            assert_eq!(
                out,
                (0..100u64).map(|x| x * 3).collect::<Vec<_>>(),
                "par_map results must be in input order"
            );
            let mut out = par_map((0..100u64).collect(), 4, |x| x * 3);
            out.sort_unstable();
            assert_eq!(
                out,
                (0..100u64).map(|x| x * 3).collect::<Vec<_>>(),
                "par_map must process every item once"
            );
            assert_eq!(
                par_map(vec!["bb"], 8, str::len),
                [2],
                "more threads than items"
            );
            assert!(
                par_map(Vec::<u8>::new(), 3, |x| x).is_empty(),
                "no items, no results"
            );
        });
    }

    #[test]
    fn a_slow_item_does_not_hold_up_the_rest() {
        within(|| {
            const ITEMS: usize = 40;
            let finished = AtomicUsize::new(0);
            let calls: Vec<AtomicUsize> = (0..ITEMS).map(|_| AtomicUsize::new(0)).collect();
            let others_done = Mutex::new(None);
            let out = par_map((0..ITEMS).collect(), 4, |i| {
                calls[i].fetch_add(1, Ordering::SeqCst);
                if i == 0 {
                    // The slow item: it finishes only once every other item is done (or
                    // gives up after a while and notes that they were stuck behind it).
                    let give_up = std::time::Instant::now() + patience(40);
                    while finished.load(Ordering::SeqCst) < ITEMS - 1
                        && std::time::Instant::now() < give_up
                    {
                        std::thread::sleep(Duration::from_millis(1));
                    }
                    *others_done.lock().unwrap() = Some(finished.load(Ordering::SeqCst));
                } else {
                    finished.fetch_add(1, Ordering::SeqCst);
                }
                i * 10
            });
            for (i, c) in calls.iter().enumerate() {
                let c = c.load(Ordering::SeqCst);
                assert_eq!(
                    c, 1,
                    "item {i} was processed {c} times: hand each item to exactly one worker"
                );
            }
            let done = others_done.lock().unwrap().expect("item 0 was processed");
            assert_eq!(
                done,
                ITEMS - 1,
                "load imbalance: while item 0 was slow, only {done} of the other {} items got done — the rest \
                 were stuck behind it in the same worker's share; hand out items one at a time to whichever \
                 worker is free",
                ITEMS - 1
            );
            assert_eq!(
                out,
                (0..ITEMS).map(|i| i * 10).collect::<Vec<_>>(),
                "par_map results must be in input order, not in the order the items finished"
            );
        });
    }
}
