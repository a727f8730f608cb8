//! Grading suite for the `parallelism` topic.
//!
//! Never a timing assertion: parallelism is checked through its signs — the work was spread
//! over the right number of threads, in the right chunks, the workers were all in progress
//! together (a rendezvous they can only pass together), each was confined to the CPU it was
//! given (and nothing else was), and a slow item did not hold up the others. Speed is measured
//! by `cargo bench -p parallelism-solution`, not here.

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread::{self, ThreadId};
use std::time::Duration;

use grading::caught::unless_todo;
use grading::waiting::{Meeting, patience};
use grading::{Rendezvous, ThreadLog, within};

/// The verdict when the workers did not all reach a rendezvous together. The symptom is the
/// same for every cause, so it names each one.
fn not_together(kind: &str, what: &str) -> String {
    format!(
        "the workers did not run at the same time ({kind}): {what}. Likely causes: a lock \
         held around the work (a Mutex guard still alive while f runs — `while let Some(x) = \
         queue.lock().unwrap().pop()` keeps the guard for the whole loop body, and \
         `total.lock().unwrap()` taken before the loop holds it through every item); a join \
         inside the spawn loop (spawn every worker before joining any); or a sequential iterator \
         where each step waits for the previous thread"
    )
}

/// Whether `call` panicked (a `todo!()` passed on, so a stub fails rather than "passes").
fn panics<R>(call: impl FnOnce() -> R) -> Result<R, ()> {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(call)) {
        Ok(value) => Ok(value),
        Err(payload) => {
            drop(unless_todo(payload));
            Err(())
        }
    }
}

/// Lets each worker thread arrive once, on its first item, at a rendezvous of `workers`: every
/// worker is then in its first item together, which only happens if they run at the same time.
struct FirstItems {
    meet: Meeting,
    seen: Mutex<HashSet<ThreadId>>,
    met: Mutex<Vec<bool>>,
}

impl FirstItems {
    fn new(workers: usize, patience: Duration) -> Self {
        FirstItems {
            meet: Meeting::new(workers, patience),
            seen: Mutex::new(HashSet::new()),
            met: Mutex::new(Vec::new()),
        }
    }

    /// Called for every item; waits only on the calling thread's first one.
    fn item(&self) {
        let first = self
            .seen
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(thread::current().id());
        if first {
            let all = self.meet.arrive();
            self.met.lock().unwrap_or_else(|e| e.into_inner()).push(all);
        }
    }

    /// Whether every worker that arrived found the others there.
    fn all_met(&self) -> bool {
        let met = self.met.lock().unwrap_or_else(|e| e.into_inner());
        !met.is_empty() && met.iter().all(|m| *m)
    }
}

mod split_sum {
    use super::*;
    use parallelism::split_sum::parallel_sum;

    /// The chunks the exercise asks for, as `(first item, length)`: `len.div_ceil(threads)`
    /// items each, the last one shorter.
    fn expected_chunks(len: usize, threads: usize) -> Vec<(u64, usize)> {
        if len == 0 {
            return Vec::new();
        }
        let size = len.div_ceil(threads);
        (0..len)
            .step_by(size)
            .map(|start| (start as u64, size.min(len - start)))
            .collect()
    }

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
            // Seeded: the same cases on every run; a failure names the case.
            let mut rng = grading::fastrand::Rng::with_seed(0x5_0d5);
            for _ in 0..30 {
                let len = rng.usize(0..=150);
                let threads = rng.usize(1..=9);
                let data: Vec<u64> = (0..len).map(|_| rng.u64(0..1_000)).collect();
                let expected: u64 = data.iter().map(|&x| 3 * x + 1).sum();
                assert_eq!(
                    parallel_sum(&data, threads, |x| 3 * x + 1),
                    expected,
                    "the sum of 3x + 1 over {len} items with {threads} threads: every item must \
                     be counted exactly once"
                );
            }
        });
    }

    #[test]
    fn the_workers_run_at_the_same_time() {
        within(|| {
            let log = ThreadLog::new();
            let first_items = FirstItems::new(3, patience(30));
            let caller = std::thread::current().id();
            let data: Vec<u64> = (0..300).collect();
            let sum = parallel_sum(&data, 3, |x| {
                log.record();
                // Each worker, on its first item, waits for the other two to start theirs.
                first_items.item();
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
                first_items.all_met(),
                "{}",
                not_together(
                    "parallelism",
                    "each worker waited for the others to start their first item, in vain"
                )
            );
        });
    }

    #[test]
    fn one_contiguous_chunk_per_thread() {
        within(|| {
            // Even and uneven splits, and fewer items than threads: (items, threads).
            for (len, threads) in [(1000, 4), (10, 4), (9, 4), (2, 8), (7, 1)] {
                let data: Vec<u64> = (0..len as u64).collect();
                let seen: Mutex<HashMap<ThreadId, Vec<u64>>> = Mutex::new(HashMap::new());
                let caller = thread::current().id();
                parallel_sum(&data, threads, |x| {
                    let me = thread::current().id();
                    seen.lock().unwrap().entry(me).or_default().push(x);
                    x
                });
                let seen = seen.into_inner().unwrap();
                let case = format!("{len} items over {threads} threads");
                assert!(
                    !seen.contains_key(&caller),
                    "{case}: items were summed on the calling thread: every chunk goes to a \
                     worker thread while the caller waits"
                );
                let mut chunks: Vec<(u64, usize)> = Vec::new();
                for (_, mut items) in seen {
                    items.sort_unstable();
                    let (first, last) = (items[0], items[items.len() - 1]);
                    assert!(
                        last - first + 1 == items.len() as u64,
                        "{case}: one thread summed items {items:?}: each worker sums ONE \
                         contiguous chunk (data.chunks(size)), not items scattered over the data"
                    );
                    chunks.push((first, items.len()));
                }
                chunks.sort_unstable();
                let expected = expected_chunks(len, threads);
                assert_eq!(
                    chunks.len(),
                    expected.len(),
                    "{case}: spawned {} threads where {} were asked for: one thread per chunk of \
                     len.div_ceil(threads) items, not one per item (more threads than CPUs only \
                     adds context switches)",
                    chunks.len(),
                    expected.len()
                );
                assert_eq!(
                    chunks, expected,
                    "{case}: the chunks (first item, length) must be len.div_ceil(threads) items \
                     each, the last one shorter"
                );
            }
        });
    }

    #[test]
    fn a_panic_in_f_reaches_the_caller() {
        within(|| {
            let data: Vec<u64> = (0..40).collect();
            let sum = panics(|| {
                parallel_sum(&data, 4, |x| {
                    if x == 25 {
                        panic!("cannot weigh item 25");
                    }
                    x
                })
            });
            assert!(
                sum.is_err(),
                "f panicked on item 25, yet parallel_sum returned {sum:?}: a worker's panic must \
                 reach the caller (join() gives Err: unwrap or resume_unwind it), never count as \
                 0 or be skipped"
            );
        });
    }

    #[test]
    fn zero_threads_is_refused() {
        within(|| {
            let sum = panics(|| parallel_sum(&[1, 2, 3], 0, |x| x));
            assert!(
                sum.is_err(),
                "parallel_sum(data, 0, f) must panic (no thread to run on), returned {sum:?}"
            );
        });
    }
}

mod pinned {
    use super::*;
    use nix::sched::{CpuSet, sched_getaffinity, sched_setaffinity};
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

    /// Widens the calling thread's affinity to every CPU its cpuset allows, and restores it when
    /// dropped. Under `taskset -c 0` every thread inherits the one CPU, so a worker that never
    /// pinned itself would look pinned; widened first, the workers inherit every CPU, and only a
    /// worker that really pinned itself shows one. (On a machine with a single CPU there is
    /// nothing to widen: `Trap` below catches the pid mistake there.)
    struct Widened {
        before: CpuSet,
    }

    impl Widened {
        fn new() -> Widened {
            let before = sched_getaffinity(Pid::from_raw(0)).expect("sched_getaffinity");
            let mut all = CpuSet::new();
            for cpu in 0..CpuSet::count() {
                let _ = all.set(cpu);
            }
            // The kernel keeps the CPUs the cpuset allows; failing is harmless (nothing widened).
            let _ = sched_setaffinity(Pid::from_raw(0), &all);
            Widened { before }
        }
    }

    impl Drop for Widened {
        fn drop(&mut self) {
            let _ = sched_setaffinity(Pid::from_raw(0), &self.before);
        }
    }

    /// Counts the calls to `sched_setaffinity` that name the process id — the main thread — made
    /// by the calling thread or any thread it starts afterwards, whatever the number of CPUs.
    ///
    /// A seccomp filter (which applies to one thread and the threads it creates, not to the
    /// rest of the process) turns those calls into a SIGSYS, whose handler counts them; the call
    /// itself is skipped, so the main thread is never pinned. Calls with pid 0 or a thread's own
    /// id go through untouched.
    mod trap {
        use std::sync::Once;
        use std::sync::atomic::{AtomicUsize, Ordering};

        static TRAPPED: AtomicUsize = AtomicUsize::new(0);

        extern "C" fn on_sigsys(_: libc::c_int, _: *mut libc::siginfo_t, _: *mut libc::c_void) {
            // Only an atomic increment: async-signal-safe.
            TRAPPED.fetch_add(1, Ordering::SeqCst);
        }

        /// How many calls have been trapped so far.
        pub fn trapped() -> usize {
            TRAPPED.load(Ordering::SeqCst)
        }

        /// Installs the filter on the calling thread; `false` where seccomp is unavailable.
        pub fn install() -> bool {
            // The seccomp_data layout: nr at 0, arch at 4, args from 16 (low half first).
            let audit_arch: u32 = if cfg!(target_arch = "x86_64") {
                0xC000_003E
            } else if cfg!(target_arch = "aarch64") {
                0xC000_00B7
            } else {
                return false;
            };
            let ld = (libc::BPF_LD | libc::BPF_W | libc::BPF_ABS) as u16;
            let jeq = (libc::BPF_JMP | libc::BPF_JEQ | libc::BPF_K) as u16;
            let ret = (libc::BPF_RET | libc::BPF_K) as u16;
            let op = |code, k| libc::sock_filter {
                code,
                jt: 0,
                jf: 0,
                k,
            };
            let jump = |k, jt, jf| libc::sock_filter {
                code: jeq,
                jt,
                jf,
                k,
            };
            let program = [
                op(ld, 4),
                jump(audit_arch, 1, 0),
                op(ret, libc::SECCOMP_RET_ALLOW),
                op(ld, 0),
                jump(libc::SYS_sched_setaffinity as u32, 1, 0),
                op(ret, libc::SECCOMP_RET_ALLOW),
                op(ld, 16),
                jump(std::process::id(), 0, 1),
                op(ret, libc::SECCOMP_RET_TRAP),
                op(ret, libc::SECCOMP_RET_ALLOW),
            ];
            let fprog = libc::sock_fprog {
                len: program.len() as u16,
                filter: program.as_ptr().cast_mut(),
            };
            static HANDLER: Once = Once::new();
            HANDLER.call_once(|| {
                // SAFETY: a zeroed `sigaction` is valid; the handler only touches an atomic.
                unsafe {
                    let mut action: libc::sigaction = std::mem::zeroed();
                    action.sa_sigaction = on_sigsys as *const () as usize;
                    action.sa_flags = libc::SA_SIGINFO;
                    libc::sigaction(libc::SIGSYS, &action, std::ptr::null_mut());
                }
            });
            // SAFETY: plain prctl calls; `fprog` points at `program`, alive for the call (the
            // kernel copies the filter).
            unsafe {
                libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0
                    && libc::prctl(
                        libc::PR_SET_SECCOMP,
                        libc::SECCOMP_MODE_FILTER,
                        &fprog as *const libc::sock_fprog,
                    ) == 0
            }
        }
    }

    #[test]
    fn confined_workers_share_one_cpu() {
        within(|| {
            let process_cpus = my_cpus();
            assert_eq!(
                allowed_cpus(),
                process_cpus,
                "allowed_cpus() must list the CPUs this process may run on"
            );
            let _wide = Widened::new();
            let cpu = process_cpus[0];
            let meet = Meeting::new(3, patience(30));
            let seen = Mutex::new(Vec::new());
            let ran_on = run_on(&[cpu], 3, |i| {
                let affinity = my_cpus();
                let together = meet.arrive();
                spin();
                seen.lock().unwrap().push((i, affinity, together));
            });
            let mut seen = seen.into_inner().unwrap();
            seen.sort_by_key(|s| s.0);
            let workers: Vec<usize> = seen.iter().map(|s| s.0).collect();
            assert_eq!(
                workers,
                [0, 1, 2],
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
                "{}",
                not_together(
                    "concurrency",
                    "three workers confined to one CPU never met — one CPU still runs many \
                     threads, interleaved"
                )
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
            let _wide = Widened::new();
            // Two CPUs where the cpuset has them (one otherwise: then both share it).
            let cpus = my_cpus();
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
                "{}",
                not_together("parallelism", "the two workers, one per CPU, never met")
            );
        });
    }

    #[test]
    fn workers_pin_themselves_not_the_process() {
        within(|| {
            let trapping = trap::install();
            let before = trap::trapped();
            let cpu = my_cpus()[0];
            let ran_on = run_on(&[cpu], 2, |_| {});
            let calls = trap::trapped() - before;
            assert!(
                !trapping || calls == 0,
                "a worker is not confined to CPU {cpu}: {calls} sched_setaffinity call(s) named \
                 the process id (Pid::this(), getpid()), which on Linux names the MAIN thread: \
                 that pins the main thread, never the worker. Pid 0 means the calling \
                 thread: sched_setaffinity(Pid::from_raw(0), &set) inside each worker"
            );
            assert_eq!(ran_on, [cpu; 2], "both workers were confined to CPU {cpu}");
        });
    }

    #[test]
    fn the_caller_keeps_its_affinity_and_every_worker_its_cpu() {
        within(|| {
            let _wide = Widened::new();
            let caller_before = my_cpus();
            // Three slots for five workers: worker i gets cpus[i % 3] (the same CPU twice where
            // the cpuset has only one).
            let (a, b) = (caller_before[0], caller_before[caller_before.len() - 1]);
            let cpus = [a, b, a];
            let affinities = Mutex::new(Vec::new());
            let ran_on = run_on(&cpus, 5, |i| {
                affinities.lock().unwrap().push((i, my_cpus()))
            });
            let caller_after = my_cpus();
            assert_eq!(
                caller_after, caller_before,
                "run_on changed the calling thread's own affinity (from {caller_before:?} to \
                 {caller_after:?}): pin each worker from inside that worker (pid 0 there), never \
                 the calling thread before it spawns — the caller must come back as it was"
            );
            let mut affinities = affinities.into_inner().unwrap();
            affinities.sort_by_key(|a| a.0);
            let expected: Vec<(usize, Vec<usize>)> =
                (0..5).map(|i| (i, vec![cpus[i % 3]])).collect();
            assert_eq!(
                affinities, expected,
                "worker i must be confined to cpus[i % cpus.len()] while it works (cpus = \
                 {cpus:?}, 5 workers), as (worker, affinity)"
            );
            let expected: Vec<usize> = (0..5).map(|i| cpus[i % 3]).collect();
            assert_eq!(
                ran_on, expected,
                "run_on returns, in worker order, the CPU each worker ended on"
            );
            let calls = AtomicUsize::new(0);
            let none = run_on(&cpus, 0, |_| {
                calls.fetch_add(1, Ordering::SeqCst);
            });
            assert!(
                none.is_empty() && calls.load(Ordering::SeqCst) == 0,
                "run_on(cpus, 0, work) starts no worker and returns an empty Vec, got {none:?}"
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
            // slow-item test, where completion order differs from input order on every run,
            // not just on unlucky ones.)
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
            // Seeded: the same cases on every run; items that are not `Clone` (each is moved
            // into f exactly once).
            let mut rng = grading::fastrand::Rng::with_seed(0xba1_a2ce);
            for _ in 0..20 {
                let len = rng.usize(0..=80);
                let threads = rng.usize(1..=7);
                let items: Vec<String> = (0..len).map(|i| format!("item {i}")).collect();
                let out = par_map(items, threads, |s| s.len());
                let expected: Vec<usize> = (0..len).map(|i| format!("item {i}").len()).collect();
                assert_eq!(
                    out, expected,
                    "par_map over {len} items with {threads} threads: one result per item, in \
                     input order"
                );
            }
        });
    }

    #[test]
    fn the_workers_run_at_the_same_time_and_no_more_than_asked() {
        within(|| {
            const THREADS: usize = 4;
            let log = ThreadLog::new();
            let first_items = FirstItems::new(THREADS, patience(30));
            let caller = thread::current().id();
            let out = par_map((0..40u64).collect(), THREADS, |x| {
                log.record();
                first_items.item();
                x + 1
            });
            assert_eq!(
                out,
                (1..=40u64).collect::<Vec<_>>(),
                "x + 1 for 0..40, in order"
            );
            assert!(
                !log.contains(caller),
                "items were processed on the calling thread: the {THREADS} workers do the work \
                 while the caller waits"
            );
            let threads = log.distinct().len();
            assert!(
                threads <= THREADS,
                "the items were processed by {threads} threads where {THREADS} were asked for: \
                 start `threads` workers that each take item after item, not a thread per item"
            );
            assert!(
                first_items.all_met(),
                "{}",
                not_together(
                    "parallelism",
                    &format!(
                        "each of the {THREADS} workers waited in its first item for the others, in \
                     vain — only {threads} thread(s) ever took an item"
                    )
                )
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
                 were stuck behind it in the same worker's share (or behind a lock held while item 0 ran); \
                 hand out items one at a time to whichever worker is free",
                ITEMS - 1
            );
            assert_eq!(
                out,
                (0..ITEMS).map(|i| i * 10).collect::<Vec<_>>(),
                "par_map results must be in input order, not in the order the items finished"
            );
        });
    }

    #[test]
    fn a_panic_in_f_reaches_the_caller() {
        within(|| {
            let out = panics(|| {
                par_map((0..30u32).collect(), 3, |x| {
                    if x == 7 {
                        panic!("item 7 is cursed");
                    }
                    x
                })
            });
            assert!(
                out.is_err(),
                "f panicked on item 7, yet par_map returned {out:?}: a worker's panic must reach \
                 the caller, never be skipped"
            );
        });
    }

    #[test]
    fn zero_threads_is_refused() {
        within(|| {
            let out = panics(|| par_map(vec![1, 2, 3], 0, |x: i32| x));
            assert!(
                out.is_err(),
                "par_map(items, 0, f) must panic (no worker to process the items), returned \
                 {out:?}"
            );
        });
    }
}
