//! Speedup of a CPU-bound `map` on this machine: sequential, our `ThreadPool::map`, and rayon.
//!
//! Each variant runs `ROUNDS` times; the best time counts (the least disturbed by other load).
//! Run with `cargo bench -p pools-solution`.

use std::hint::black_box;
use std::thread;
use std::time::{Duration, Instant};

use pools::rayon_map::par_map;
use pools::thread_pool::ThreadPool;
use rayon::prelude::*;

const ITEMS: u64 = 64;
const ROUNDS: usize = 7;

/// About a few milliseconds of pure integer work per item, no memory traffic.
fn work(seed: u64) -> u64 {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    for _ in 0..3_000_000 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
    }
    x
}

fn best(mut run: impl FnMut() -> Vec<u64>) -> (Duration, Vec<u64>) {
    let mut best = Duration::MAX;
    let mut out = Vec::new();
    for _ in 0..ROUNDS {
        let start = Instant::now();
        out = black_box(run());
        best = best.min(start.elapsed());
    }
    (best, out)
}

fn main() {
    let cpus = thread::available_parallelism().map_or(1, |n| n.get());
    let items: Vec<u64> = (0..ITEMS).collect();

    let (sequential, expected) = best(|| items.iter().map(|&x| work(x)).collect());

    let pool = ThreadPool::new();
    let (custom, got) = best(|| pool.map(work, items.clone()).expect("no task panics"));
    assert_eq!(got, expected);
    drop(pool);

    let (rayon_global, got) = best(|| items.par_iter().map(|&x| work(x)).collect());
    assert_eq!(got, expected);

    let (rayon_own, got) = best(|| par_map(cpus, &items, |&x| work(x)));
    assert_eq!(got, expected);

    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    let speedup = |d: Duration| sequential.as_secs_f64() / d.as_secs_f64();
    println!("CPU-bound map: {ITEMS} items, {cpus} CPUs, best of {ROUNDS} rounds");
    println!("| variant | time (ms) | speedup |");
    println!("|---|---:|---:|");
    println!(
        "| sequential `iter().map()` | {:.1} | 1.00x |",
        ms(sequential)
    );
    println!(
        "| `ThreadPool::map` ({cpus} workers) | {:.1} | {:.2}x |",
        ms(custom),
        speedup(custom)
    );
    println!(
        "| rayon `par_iter()` (global pool) | {:.1} | {:.2}x |",
        ms(rayon_global),
        speedup(rayon_global)
    );
    println!(
        "| `par_map` (own rayon pool of {cpus}, built per call) | {:.1} | {:.2}x |",
        ms(rayon_own),
        speedup(rayon_own)
    );
    println!(
        "ThreadPool vs rayon (global): {:+.1}% time",
        (custom.as_secs_f64() / rayon_global.as_secs_f64() - 1.0) * 100.0
    );
}
