//! Wrong: the child does not `_exit` after its job: it falls back into the parent's fork loop,
//! whose condition it never meets, and so does every grandchild — a fork bomb.
//! Expect: fork bomb
//!
//! Hygiene fixture: the checker must contain and report this. Even run bare, it cannot take the
//! machine down: a counter in shared memory stops all forking after `CAP` processes in all, and
//! every bomb process is killed by `alarm` within `LIFETIME_S` seconds of its birth.

use std::num::NonZeroUsize;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

use nix::sys::mman::{MapFlags, ProtFlags, mmap_anonymous};
use nix::unistd::{ForkResult, Pid, alarm, fork, pause};

/// Processes the bomb may create in all, across every test of the process: just above the
/// 2048 tasks the checker allows one test (its pids cgroup), so that the bomb trips that limit.
const CAP: usize = 2100;
/// Seconds each bomb process lives at most.
const LIFETIME_S: u32 = 5;

/// What the parent learned about one child.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Finished {
    /// The child's process id.
    pub pid: Pid,
    /// The child's exit code, or minus the signal number if a signal killed it (as Python's
    /// `Process.exitcode`).
    pub code: i32,
}

/// One counter shared by every process of the bomb (it lives in a `MAP_SHARED` mapping).
fn forks_so_far() -> &'static AtomicUsize {
    static COUNTER: OnceLock<usize> = OnceLock::new();
    let address = *COUNTER.get_or_init(|| {
        let len = NonZeroUsize::new(size_of::<AtomicUsize>()).unwrap();
        // Safety: a fresh anonymous mapping, zero-filled, never unmapped.
        let at = unsafe {
            mmap_anonymous(
                None,
                len,
                ProtFlags::PROT_READ | ProtFlags::PROT_WRITE,
                MapFlags::MAP_SHARED,
            )
        }
        .expect("mmap");
        at.as_ptr() as usize
    });
    // Safety: the mapping is aligned, zeroed (a valid AtomicUsize) and lives forever.
    unsafe { &*(address as *const AtomicUsize) }
}

/// The life of every bomb process: fork until the cap, then wait for the alarm. Never returns.
fn bomb() -> ! {
    alarm::set(LIFETIME_S);
    while forks_so_far().fetch_add(1, Ordering::SeqCst) < CAP {
        // Safety: both sides stay in this function, which never returns.
        if let Ok(ForkResult::Child) = unsafe { fork() } {
            alarm::set(LIFETIME_S);
        }
    }
    loop {
        pause();
    }
}

/// Runs the jobs in child processes... or means to.
pub fn run_jobs(jobs: usize, job: impl Fn(usize) -> u8) -> nix::Result<Vec<Finished>> {
    let _ = (jobs, job);
    let mut children = Vec::new();
    // The loop meant to fork `jobs` children, but every child keeps forking too.
    while forks_so_far().fetch_add(1, Ordering::SeqCst) < CAP {
        // Safety: the child goes into `bomb`, which never returns.
        match unsafe { fork() } {
            Ok(ForkResult::Child) => bomb(),
            Ok(ForkResult::Parent { child }) => children.push(Finished {
                pid: child,
                code: 0,
            }),
            // Out of processes (RLIMIT_NPROC, a pids cgroup): stop.
            Err(_) => break,
        }
    }
    // Waits for its children, as it should — but they never exit by themselves (only the alarm
    // ends them): the bomb stays up, as real ones do, until the checker kills it.
    for child in &children {
        let _ = nix::sys::wait::waitpid(child.pid, None);
    }
    Ok(children)
}
