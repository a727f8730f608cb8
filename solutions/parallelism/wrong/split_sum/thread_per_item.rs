//! Wrong: spawns one thread per item instead of one per chunk.
//! Expect: threads where 4 were asked

use std::thread;

/// The sum of `f(x)` over `data`, computed by exactly `threads` worker threads (fewer if
/// there are fewer items), each over one contiguous chunk.
pub fn parallel_sum<F>(data: &[u64], threads: usize, f: F) -> u64
where
    F: Fn(u64) -> u64 + Sync,
{
    assert!(threads > 0, "at least one thread");
    if data.is_empty() {
        return 0;
    }
    // One chunk per thread, the last one possibly shorter: N threads, not one per item —
    // more threads than CPUs only adds context switches.
    let size = 1;
    let f = &f;
    thread::scope(|s| {
        // Spawn every worker before joining any: joining inside the loop would run the
        // chunks one after another.
        let workers: Vec<_> = data
            .chunks(size)
            .map(|chunk| s.spawn(move || chunk.iter().map(|&x| f(x)).sum::<u64>()))
            .collect();
        workers
            .into_iter()
            .map(|w| w.join().expect("a worker panicked"))
            .sum()
    })
}
