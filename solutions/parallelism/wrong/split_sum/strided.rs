//! Wrong: deals the items out like cards — worker t sums items t, t + threads, t + 2·threads, … —
//! instead of giving each worker one contiguous chunk (the sum is right, the split is not what
//! was asked, and every worker touches memory all over the slice).
//! Expect: contiguous

use std::thread;

pub fn parallel_sum<F>(data: &[u64], threads: usize, f: F) -> u64
where
    F: Fn(u64) -> u64 + Sync,
{
    assert!(threads > 0, "at least one thread");
    if data.is_empty() {
        return 0;
    }
    let workers = threads.min(data.len());
    let f = &f;
    thread::scope(|s| {
        let handles: Vec<_> = (0..workers)
            .map(|t| {
                // The mistake: a stride, not a chunk.
                s.spawn(move || {
                    data.iter()
                        .skip(t)
                        .step_by(workers)
                        .map(|&x| f(x))
                        .sum::<u64>()
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("a worker panicked"))
            .sum()
    })
}
