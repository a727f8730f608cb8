//! The parallelism lab: what parallel threads buy on this machine, and what a thread, a
//! process, a tokio task and a context switch cost. Run with `cargo bench -p
//! parallelism-solution`; it prints the Markdown tables used in docs/src/parallelism.md.

use std::hint::black_box;
use std::os::fd::{AsFd, OwnedFd};
use std::thread;
use std::time::{Duration, Instant};

use nix::sched::{CpuSet, sched_setaffinity};
use nix::sys::wait::waitpid;
use nix::unistd::{ForkResult, Pid, fork, pipe, read, write};
use parallelism::pinned::allowed_cpus;
use parallelism::split_sum::parallel_sum;

/// A deliberately CPU-heavy function of one number.
fn heavy(x: u64) -> u64 {
    let mut h = x;
    for _ in 0..2_000 {
        h = h
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407)
            .rotate_left(7);
    }
    h & 1
}

/// The best (smallest) time of `runs` runs of `f`, which limits noise from other processes.
fn best_of(runs: usize, mut f: impl FnMut()) -> Duration {
    (0..runs)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed()
        })
        .min()
        .expect("at least one run")
}

fn per_op(total: Duration, ops: u32) -> String {
    let ns = total.as_nanos() as f64 / f64::from(ops);
    if ns >= 1000.0 {
        format!("{:.1} µs", ns / 1000.0)
    } else {
        format!("{ns:.0} ns")
    }
}

fn pin(cpu: usize) {
    let mut set = CpuSet::new();
    set.set(cpu).expect("a valid CPU");
    sched_setaffinity(Pid::from_raw(0), &set).expect("sched_setaffinity");
}

/// CPU time (user + system) this process has used so far, all threads together.
fn cpu_time() -> Duration {
    let usage = nix::sys::resource::getrusage(nix::sys::resource::UsageWho::RUSAGE_SELF)
        .expect("getrusage");
    let tv =
        |t: nix::sys::time::TimeVal| Duration::new(t.tv_sec() as u64, t.tv_usec() as u32 * 1000);
    tv(usage.user_time()) + tv(usage.system_time())
}

fn speedup() {
    let data: Vec<u64> = (0..40_000).collect();
    // Wall time says how long we waited; CPU time ÷ wall time says how many CPUs were working
    // for us at once — above 1 only if the threads really ran in parallel.
    println!(
        "| threads | wall time (best of 3) | speedup | CPU time ÷ wall time |\n|---|---|---|---|"
    );
    let base = best_of(3, || {
        black_box(parallel_sum(&data, 1, heavy));
    });
    for threads in [1, 2, 4, 8] {
        let (mut best, mut ratio) = (Duration::MAX, 0.0);
        for _ in 0..3 {
            let (cpu0, start) = (cpu_time(), Instant::now());
            black_box(parallel_sum(&data, threads, heavy));
            let (wall, cpu) = (start.elapsed(), cpu_time() - cpu0);
            if wall < best {
                (best, ratio) = (wall, cpu.as_secs_f64() / wall.as_secs_f64());
            }
        }
        println!(
            "| {threads} | {:.1} ms | {:.2}× | {ratio:.2} |",
            best.as_secs_f64() * 1e3,
            base.as_secs_f64() / best.as_secs_f64()
        );
    }
}

fn spawn_costs() {
    const THREADS: u32 = 2_000;
    let threads = best_of(3, || {
        for _ in 0..THREADS {
            thread::spawn(|| black_box(1)).join().unwrap();
        }
    });
    const FORKS: u32 = 300;
    let forks = best_of(3, || {
        for _ in 0..FORKS {
            // Safety: the child only calls `_exit`.
            match unsafe { fork() }.expect("fork") {
                // Safety: `_exit` is async-signal-safe and ends the child at once.
                ForkResult::Child => unsafe { libc::_exit(0) },
                ForkResult::Parent { child } => {
                    waitpid(child, None).expect("waitpid");
                }
            }
        }
    });
    const TASKS: u32 = 100_000;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime");
    let tasks = best_of(3, || {
        runtime.block_on(async {
            for _ in 0..TASKS {
                tokio::spawn(async { black_box(1) }).await.unwrap();
            }
        })
    });
    println!("| spawn and wait for | cost each |\n|---|---|");
    println!(
        "| an OS thread (`thread::spawn` + `join`) | {} |",
        per_op(threads, THREADS)
    );
    println!(
        "| a process (`fork` + `_exit` + `waitpid`) | {} |",
        per_op(forks, FORKS)
    );
    println!(
        "| a tokio task (`spawn` + `.await`, current-thread) | {} |",
        per_op(tasks, TASKS)
    );
}

/// One side of a ping-pong over pipes: wait for a byte, send one back, `rounds` times.
fn pong(rx: &OwnedFd, tx: &OwnedFd, rounds: u32) {
    let mut byte = [0u8];
    for _ in 0..rounds {
        read(rx.as_fd(), &mut byte).expect("read");
        write(tx.as_fd(), &byte).expect("write");
    }
}

/// Round trips between two threads over two pipes, the threads pinned to `cpu_a` and `cpu_b`.
/// Each round trip blocks and wakes each thread once.
fn ping_pong(cpu_a: usize, cpu_b: usize, rounds: u32) -> Duration {
    let (a_rx, b_tx) = pipe().expect("pipe");
    let (b_rx, a_tx) = pipe().expect("pipe");
    let other = thread::spawn(move || {
        pin(cpu_b);
        pong(&b_rx, &b_tx, rounds);
    });
    pin(cpu_a);
    let start = Instant::now();
    let mut byte = [1u8];
    for _ in 0..rounds {
        write(a_tx.as_fd(), &byte).expect("write");
        read(a_rx.as_fd(), &mut byte).expect("read");
    }
    let elapsed = start.elapsed();
    other.join().unwrap();
    elapsed
}

fn context_switches() {
    const ROUNDS: u32 = 20_000;
    let cpus = allowed_cpus();
    // Two switches per round trip on one CPU: A → B and B → A.
    let same = best_of(3, || {
        black_box(ping_pong(cpus[0], cpus[0], ROUNDS));
    });
    println!("| ping-pong | cost |\n|---|---|");
    println!(
        "| pipe round trip, both threads on one CPU | {} |",
        per_op(same, ROUNDS)
    );
    println!(
        "| → one context switch (half of it) | {} |",
        per_op(same, ROUNDS * 2)
    );
    if cpus.len() > 1 {
        let cross = best_of(3, || {
            black_box(ping_pong(cpus[0], cpus[1], ROUNDS));
        });
        println!(
            "| pipe round trip, threads on two CPUs | {} |",
            per_op(cross, ROUNDS)
        );
    }
    // The same ping-pong between two tokio tasks: a cooperative switch, no kernel involved.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime");
    let tasks = best_of(3, || {
        runtime.block_on(async {
            let (to_b, mut b_in) = tokio::sync::mpsc::channel::<u8>(1);
            let (to_a, mut a_in) = tokio::sync::mpsc::channel::<u8>(1);
            let b = tokio::spawn(async move {
                while let Some(x) = b_in.recv().await {
                    if to_a.send(x).await.is_err() {
                        break;
                    }
                }
            });
            for _ in 0..ROUNDS {
                to_b.send(1).await.unwrap();
                a_in.recv().await.unwrap();
            }
            drop(to_b);
            b.await.unwrap();
        })
    });
    println!(
        "| channel round trip between two tokio tasks (one thread) | {} |",
        per_op(tasks, ROUNDS)
    );
}

fn main() {
    // `cargo bench` passes `--bench`; any other argument (a filter) is ignored.
    let cpus = allowed_cpus();
    println!(
        "# parallelism lab: {} CPU(s) available to this process: {cpus:?}\n",
        cpus.len()
    );
    println!("## Speedup of parallel_sum (CPU-bound, 40 000 items)\n");
    speedup();
    println!("\n## Spawn costs\n");
    spawn_costs();
    println!("\n## Context switches\n");
    context_switches();
}
