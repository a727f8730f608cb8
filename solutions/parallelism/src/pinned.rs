//! Concurrency without parallelism: workers confined to one CPU (`sched_setaffinity`) are all
//! in progress at once, but the CPU runs only one of them at any instant — exactly what
//! Python's GIL does to threads. Spread over several CPUs, the same workers run in parallel.

use std::thread;

use nix::sched::{CpuSet, sched_getaffinity, sched_getcpu, sched_setaffinity};
use nix::unistd::Pid;

/// The CPUs this process may run on (given).
pub fn allowed_cpus() -> Vec<usize> {
    let set = sched_getaffinity(Pid::from_raw(0)).expect("sched_getaffinity");
    (0..CpuSet::count())
        .filter(|&cpu| set.is_set(cpu).unwrap_or(false))
        .collect()
}

/// Confines the calling thread to `cpu` (given).
fn pin_current_thread(cpu: usize) {
    let mut set = CpuSet::new();
    set.set(cpu).expect("a valid CPU number");
    // Pid 0 means "the calling thread". `Pid::this()` would be the process id, which Linux
    // reads as the *main* thread's id: that would pin the wrong thread.
    sched_setaffinity(Pid::from_raw(0), &set).expect("sched_setaffinity");
}

/// Runs `work(i)` for `i` in `0..workers`, each on its own thread, all at the same time, the
/// worker `i` confined to `cpus[i % cpus.len()]` before it starts. Returns, per worker, the
/// CPU it was on when its work ended. Only the workers are pinned: the calling thread (and the
/// process's main thread) keep the affinity they had; `workers == 0` starts no thread.
pub fn run_on(cpus: &[usize], workers: usize, work: impl Fn(usize) + Sync) -> Vec<usize> {
    let work = &work;
    thread::scope(|s| {
        let handles: Vec<_> = (0..workers)
            .map(|i| {
                let cpu = cpus[i % cpus.len()];
                s.spawn(move || {
                    // Pin first, then work: the affinity applies from the next scheduling
                    // decision, and the kernel moves the thread there before returning.
                    pin_current_thread(cpu);
                    work(i);
                    sched_getcpu().expect("sched_getcpu")
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("a worker panicked"))
            .collect()
    })
}
