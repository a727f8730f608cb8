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

/// Confines the calling thread to `cpu`.
fn pin_current_thread(cpu: usize) {
    // TODO: a `CpuSet` with only `cpu`, applied with `sched_setaffinity` to the calling
    // thread (which pid means "the calling thread"?).
    todo!("pin the calling thread")
}

/// Runs `work(i)` for `i` in `0..workers`, each on its own thread, all at the same time, the
/// worker `i` confined to `cpus[i % cpus.len()]` before it starts. Returns, per worker, the
/// CPU it was on when its work ended. Only the workers are pinned: the calling thread (and the
/// process's main thread) keep the affinity they had; `workers == 0` starts no thread.
pub fn run_on(cpus: &[usize], workers: usize, work: impl Fn(usize) + Sync) -> Vec<usize> {
    // TODO: spawn `workers` scoped threads, all before joining any. Worker `i` pins itself to
    // `cpus[i % cpus.len()]`, runs `work(i)`, then returns `sched_getcpu()`. Collect the CPUs
    // in worker order.
    todo!("run pinned workers")
}
