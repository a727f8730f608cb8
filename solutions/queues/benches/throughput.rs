//! Channel throughput: messages per second through our Mutex + Condvar `BoundedQueue` and
//! through crossbeam-channel's `bounded`, with the same producers, consumers and capacity.
//!
//! Run with `cargo bench -p queues-solution`. Best of `ROUNDS` runs per variant.

use std::hint::black_box;
use std::thread;
use std::time::{Duration, Instant};

use queues::bounded_queue::BoundedQueue;

const MESSAGES: u64 = 1_000_000;
const CAPACITY: usize = 256;
const ROUNDS: usize = 5;

/// Moves `MESSAGES` numbers from `producers` threads to `consumers` threads; returns the time
/// and the sum the consumers saw (to check nothing was lost).
fn mutex_condvar(producers: u64, consumers: usize) -> (Duration, u64) {
    let queue = BoundedQueue::new(CAPACITY);
    let start = Instant::now();
    let sum = thread::scope(|s| {
        let takers: Vec<_> = (0..consumers)
            .map(|_| {
                s.spawn(|| {
                    let mut sum = 0u64;
                    while let Some(x) = queue.get() {
                        sum += x;
                    }
                    sum
                })
            })
            .collect();
        let givers: Vec<_> = (0..producers)
            .map(|p| {
                let queue = &queue;
                s.spawn(move || {
                    for x in (p..MESSAGES).step_by(producers as usize) {
                        queue.put(x).expect("open");
                    }
                })
            })
            .collect();
        givers.into_iter().for_each(|g| g.join().unwrap());
        queue.close();
        takers.into_iter().map(|t| t.join().unwrap()).sum()
    });
    (start.elapsed(), sum)
}

fn crossbeam(producers: u64, consumers: usize) -> (Duration, u64) {
    let (tx, rx) = crossbeam_channel::bounded(CAPACITY);
    let start = Instant::now();
    let sum = thread::scope(|s| {
        let takers: Vec<_> = (0..consumers)
            .map(|_| {
                let rx = rx.clone();
                s.spawn(move || rx.iter().sum::<u64>())
            })
            .collect();
        for p in 0..producers {
            let tx = tx.clone();
            s.spawn(move || {
                for x in (p..MESSAGES).step_by(producers as usize) {
                    tx.send(x).expect("open");
                }
            });
        }
        drop(tx);
        takers.into_iter().map(|t| t.join().unwrap()).sum()
    });
    (start.elapsed(), sum)
}

fn best(run: impl Fn() -> (Duration, u64)) -> Duration {
    let expected = MESSAGES * (MESSAGES - 1) / 2;
    (0..ROUNDS)
        .map(|_| {
            let (time, sum) = black_box(run());
            assert_eq!(sum, expected, "messages lost or duplicated");
            time
        })
        .min()
        .unwrap()
}

fn main() {
    let cpus = thread::available_parallelism().map_or(1, |n| n.get());
    println!("{MESSAGES} u64 messages, capacity {CAPACITY}, {cpus} CPUs, best of {ROUNDS} rounds");
    println!(
        "| producers x consumers | Mutex+Condvar (M msg/s) | crossbeam bounded (M msg/s) | ratio |"
    );
    println!("|---|---:|---:|---:|");
    for (p, c) in [(1, 1), (2, 2), (4, 4)] {
        let ours = best(|| mutex_condvar(p, c));
        let theirs = best(|| crossbeam(p, c));
        let rate = |d: Duration| MESSAGES as f64 / d.as_secs_f64() / 1e6;
        println!(
            "| {p} x {c} | {:.2} | {:.2} | {:.1}x |",
            rate(ours),
            rate(theirs),
            rate(theirs) / rate(ours)
        );
    }
}
