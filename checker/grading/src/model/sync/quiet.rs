//! `try_lock` without loom's false deadlocks.
//!
//! Loom 0.7 counts a thread that is *about to* `try_lock` a lock as blocked on it when another
//! thread takes that lock in between (tokio-rs/loom#376): the step before any operation is a
//! point where loom may switch threads, and the pending `try_lock` is treated like a `lock`.
//! So a correct back-off design — take one lock, `try_lock` the other, release and retry on
//! failure — was reported as a deadlock that cannot happen.
//!
//! The fix: the step loom explores before a `try_*` is a read of an atomic of the lock's own
//! (a [`Probe`]), which no lock operation ever waits on; the `try_*` itself then runs as a
//! [`Quiet`] step, where loom goes on with the same thread, so no other thread can take the lock
//! while the `try_*` is pending. The interleavings explored are the same as before (one
//! scheduling point per `try_*`), without the impossible ones.

use loom::sync::atomic::{AtomicBool, Ordering};

/// While one lives, the model checker takes the steps as they come, without exploring other
/// interleavings from them (`loom::stop_exploring`); once the last is dropped, it explores
/// again. Nothing may block while one lives: the flag belongs to the execution, not to a thread
/// (loom runs every modelled thread on the test's own thread, so the depth below is the
/// execution's too).
pub(super) struct Quiet;

thread_local! {
    static DEPTH: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

impl Quiet {
    pub(super) fn new() -> Self {
        if DEPTH.replace(DEPTH.get() + 1) == 0 {
            loom::stop_exploring();
        }
        Quiet
    }
}

impl Drop for Quiet {
    fn drop(&mut self) {
        DEPTH.set(DEPTH.get() - 1);
        // While a thread unwinds the execution has failed; loom must not be touched again.
        if DEPTH.get() == 0 && !std::thread::panicking() {
            loom::explore();
        }
    }
}

/// The scheduling point of a lock's `try_*` operations, and of the first touch of the data a
/// guard protects.
///
/// Loom switches threads only at its own operations, so a critical section that runs none
/// (`*counter.lock().unwrap() += 1`) is one indivisible step. That loses nothing while threads
/// only ever *wait* for locks (waiting and running later look the same to them), but a
/// `try_lock` could then never find such a lock taken: a `try_lock` where `lock` belongs would
/// pass. So when a program has used a `try_*`, the model check explores it again with one more
/// step inside every critical section, where another thread may run ([`preemptible`]). Every
/// operation on the probe is a read-modify-write, so any two of them depend on each other (loom
/// explores both orders) and none has several values to read.
pub(super) struct Probe(AtomicBool);

impl Probe {
    pub(super) fn new() -> Self {
        Probe(AtomicBool::new(false))
    }

    /// Runs `attempt` (a loom `try_*` that never blocks) as one step: loom may let other
    /// threads run just before it, never while it is pending.
    pub(super) fn attempt<R>(&self, attempt: impl FnOnce() -> R) -> R {
        TRIED.set(true);
        self.step();
        let _quiet = Quiet::new();
        attempt()
    }

    /// Inside a critical section: a step at which another thread may run, when the model check
    /// explores preemptible critical sections.
    pub(super) fn touch(&self) {
        if PREEMPTIBLE.get() && !std::thread::panicking() {
            self.step();
        }
    }

    fn step(&self) {
        self.0.fetch_or(false, Ordering::Relaxed);
    }
}

thread_local! {
    /// Whether the program under the model check has called a `try_*` (any execution).
    static TRIED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
    /// Whether critical sections have a step inside (see [`Probe`]).
    static PREEMPTIBLE: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Starts a model check: nothing tried yet, critical sections indivisible.
pub(crate) fn reset() {
    TRIED.set(false);
    PREEMPTIBLE.set(false);
}

/// Whether the exploration that just ended saw a `try_*`.
pub(crate) fn tried() -> bool {
    TRIED.get()
}

/// Makes critical sections preemptible for the explorations that follow.
pub(crate) fn preemptible() {
    PREEMPTIBLE.set(true);
}
