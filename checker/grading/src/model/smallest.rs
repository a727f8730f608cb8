//! The smallest failing schedule: once a model check has failed (with up to three
//! preemptions), it is explored again with a bound of 0, 1, 2 … preemptions, and the first
//! bound that fails gives the run the verdict shows: the fewest context switches that break the
//! program, and where they happen ("fails with one context switch, after line 46 in thread 1").
//! A student reads one switch far more easily than three.
//!
//! Only a failed check pays for this, and never more than a share of the test's time limit: the
//! explorations run with loom's `max_duration`, in a child process of their own (see
//! [`search`]), and the verdict falls back on the first failure when time runs out.

use std::cell::RefCell;
use std::panic::{self, AssertUnwindSafe};
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::trace::{self, Object, Op, Step, Trace};

/// Explores the test body with at most `bound` preemptions (the first argument), giving up
/// without a failure at the deadline, if any.
pub type Explorer = Arc<dyn Fn(usize, Option<Instant>) + Send + Sync>;

/// A failing execution: the model checker's message and the steps that led there.
#[derive(Clone, Debug)]
pub struct Failure {
    pub message: String,
    pub trace: Option<Trace>,
}

/// What the search found.
#[derive(Debug)]
pub enum Smallest {
    /// Some schedule with `bound` preemptions fails the way the first failure did, none with
    /// fewer does — unless `skipped` says otherwise (see [`search`]). `failure` is the failing
    /// run found with that bound (`None`: the first failure is already that small).
    Found {
        bound: usize,
        failure: Option<Failure>,
        skipped: Skipped,
    },
    /// Time ran out: no schedule with fewer than `passed` preemptions fails, and the search
    /// could not say more.
    OutOfTime { passed: usize },
}

/// Failures with fewer preemptions the search went past, as the verdict must say.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Skipped {
    /// One failed only by a stale read.
    pub weak: bool,
    /// One failed another way than the first failure.
    pub other: bool,
}

/// The failure the search looks for: one like the first (the same message, numbers aside, and
/// the same mistake recognised in its steps), and, unless the first had one, without a stale
/// read.
#[derive(Clone, Debug)]
pub struct Wanted {
    kind: String,
    accept_weak: bool,
}

impl Wanted {
    /// Failures like this one.
    pub fn like(message: &str, trace: Option<&Trace>) -> Wanted {
        Wanted {
            kind: kind(message, trace),
            accept_weak: trace.is_some_and(|t| super::diagnose::stale_load(&t.steps).is_some()),
        }
    }

    /// Why the search goes past this failure, if it does: the record to write.
    fn skips(&self, message: &str, trace: Option<&Trace>) -> Option<u8> {
        if kind(message, trace) != self.kind {
            Some(OTHER)
        } else if !self.accept_weak
            && trace.is_some_and(|t| super::diagnose::stale_load(&t.steps).is_some())
        {
            Some(WEAK)
        } else {
            None
        }
    }
}

/// What kind of failure a message and its steps show: a deadlock, a livelock, or a panic's
/// first line with its numbers left out (`gave 1` and `gave 0` are the same mistake); and the
/// mistake recognised in the steps.
fn kind(message: &str, trace: Option<&Trace>) -> String {
    let class: String = if message.starts_with("deadlock; threads = ") {
        "deadlock".to_owned()
    } else {
        message
            .lines()
            .next()
            .unwrap_or_default()
            .chars()
            .filter(|c| !c.is_ascii_digit())
            .collect()
    };
    let finding = trace.and_then(Trace::diagnose).map(|f| f.hint());
    // The hint names the threads; the kind of mistake is what comes before the colon.
    let finding = finding
        .as_deref()
        .and_then(|h| h.split(':').next())
        .unwrap_or("-")
        .to_owned();
    format!("{class} / {finding}")
}

thread_local! {
    /// In the child process that looks for a smaller failing schedule: the pipe its findings
    /// go to, the bound being explored, and the failure it wants.
    static SEARCH: RefCell<Option<(i32, usize, Wanted)>> = const { RefCell::new(None) };
}

/// What the child reports, one record after the other: a tag byte, then the fields.
const PASSES: u8 = 0;
const FAILS: u8 = 1;
const OUT_OF_TIME: u8 = 2;
/// The bound's first failure was a stale read only (the search goes on to the next bound).
const WEAK: u8 = 3;
/// The bound's first failure was of another kind than the first (the search goes on).
const OTHER: u8 = 4;

/// Looks for a failing schedule with fewer than `below` preemptions, for at most `budget`.
///
/// The search runs in a child process (a fork of this one, on a fresh thread): a deadlocked
/// execution can only be left by unwinding it, and loom cannot always unwind one (a guard's
/// clean-up panics again and the process aborts). The child reports each failure before any
/// unwinding and then ends at once, so nothing the search meets can take the test down, and a
/// search that runs out of time is simply killed.
///
/// A failure unlike the first ([`Wanted`]) does not end the search: the verdict is about the
/// mistake the test found first (its hint, the words the student looks up). Nor does one whose
/// trace has a stale read when the first had none (a load that does not see the last write
/// before it: loom lets unsynchronised threads see each other's writes late, even `SeqCst`
/// ones, which it models as acquire/release): a run that fails by interleaving alone reads far
/// more easily.
pub fn search(explorer: Explorer, below: usize, budget: Duration, wanted: Wanted) -> Smallest {
    if below == 0 {
        return Smallest::Found {
            bound: 0,
            failure: None,
            skipped: Skipped::default(),
        };
    }
    if budget.is_zero() {
        return Smallest::OutOfTime { passed: 0 };
    }
    let deadline = Instant::now() + budget;
    // A fresh thread: the caller may be inside one of loom's executions (the panic hook of a
    // deadlock), and loom keeps its state per thread.
    std::thread::Builder::new()
        .name("smallest failing schedule".to_owned())
        .spawn(move || fork_and_search(explorer, below, deadline, wanted))
        .ok()
        .and_then(|search| search.join().ok())
        .unwrap_or(Smallest::OutOfTime { passed: 0 })
}

fn fork_and_search(
    explorer: Explorer,
    below: usize,
    deadline: Instant,
    wanted: Wanted,
) -> Smallest {
    let mut fds = [0i32; 2];
    // SAFETY: `pipe` writes two file descriptors into the array it is given, which has room
    // for two.
    if unsafe { libc::pipe(fds.as_mut_ptr()) } != 0 {
        return Smallest::OutOfTime { passed: 0 };
    }
    let (read, write) = (fds[0], fds[1]);
    // SAFETY: the child is a copy of this process with only this thread in it; it runs the
    // model checker on this thread (whose state is fresh), writes to the pipe and leaves with
    // `_exit`, never returning into code that expects the other threads.
    let pid = unsafe { libc::fork() };
    if pid == 0 {
        // SAFETY: the read end belongs to the parent; closing the child's copy is harmless.
        unsafe { libc::close(read) };
        search_in_child(&explorer, below, deadline, wanted, write);
    }
    // SAFETY: the write end belongs to the child; closing the parent's copy lets the read end
    // see the end of the file when the child is gone.
    unsafe { libc::close(write) };
    if pid < 0 {
        // SAFETY: closes the pipe's read end, which nothing else uses.
        unsafe { libc::close(read) };
        return Smallest::OutOfTime { passed: 0 };
    }
    // A little past the deadline: loom looks at the clock between executions only.
    let bytes = read_until(read, deadline + Duration::from_millis(500));
    // SAFETY: `pid` is our child, not reaped yet (so its number cannot have been reused):
    // killing it (it may have ended already) and reaping it leaves no process behind.
    unsafe {
        libc::kill(pid, libc::SIGKILL);
        libc::waitpid(pid, std::ptr::null_mut(), 0);
        libc::close(read);
    }
    parse(&bytes, below)
}

/// The child's side: explores with 0, 1, 2 … preemptions and reports each bound's outcome.
fn search_in_child(
    explorer: &Explorer,
    below: usize,
    deadline: Instant,
    wanted: Wanted,
    fd: i32,
) -> ! {
    for bound in 0..below {
        SEARCH.set(Some((fd, bound, wanted.clone())));
        let outcome = panic::catch_unwind(AssertUnwindSafe(|| {
            explorer(bound, Some(deadline));
        }));
        match outcome {
            Err(payload) => {
                let message = super::verdict::message(payload.as_ref());
                match wanted.skips(message, trace::snapshot().as_ref()) {
                    Some(skip) => {
                        let mut record = vec![skip];
                        record.extend_from_slice(&(bound as u64).to_le_bytes());
                        write_all(fd, &record);
                    }
                    None => {
                        report_failure(fd, bound, message);
                        leave();
                    }
                }
            }
            // Loom stops at its `max_duration` as if it had explored everything.
            Ok(()) if Instant::now() >= deadline => {
                write_all(fd, &[OUT_OF_TIME]);
                leave();
            }
            Ok(()) => {
                let mut record = vec![PASSES];
                record.extend_from_slice(&(bound as u64).to_le_bytes());
                write_all(fd, &record);
            }
        }
    }
    leave()
}

fn leave() -> ! {
    // SAFETY: ends the child at once, without unwinding or running the parent's clean-up
    // (its buffers and atexit handlers belong to the parent).
    unsafe { libc::_exit(0) }
}

/// Called by the panic hook: in the search's child, a deadlock the search wants is that bound's
/// failure, reported from here before loom tries to unwind it, and the child ends (one it goes
/// past unwinds to the search's loop, which notes it: should the unwinding abort the child,
/// the parent sees the search end early). Returns whether this is the search's child (whose
/// panics are not news: the hook stays silent).
pub fn on_panic(message: &str, deadlock: bool) -> bool {
    let Some((fd, bound, wanted)) = SEARCH.with_borrow(|s| s.clone()) else {
        return false;
    };
    if deadlock && wanted.skips(message, trace::snapshot().as_ref()).is_none() {
        report_failure(fd, bound, message);
        leave();
    }
    true
}

/// Writes a failure record: the bound, the message and the execution's trace. The trace's
/// steps and objects go as their bytes: the parent is the same program, with the same static
/// data (the source locations the steps point at) at the same addresses.
fn report_failure(fd: i32, bound: usize, message: &str) {
    let trace = trace::snapshot().unwrap_or_default();
    let mut head = vec![FAILS];
    head.extend_from_slice(&(bound as u64).to_le_bytes());
    head.extend_from_slice(&(message.len() as u64).to_le_bytes());
    head.extend_from_slice(message.as_bytes());
    head.extend_from_slice(&(trace.threads as u64).to_le_bytes());
    write_all(fd, &head);
    write_items(fd, &trace.steps);
    write_items(fd, &trace.objects);
    write_items(fd, &trace.asking);
}

/// Writes a slice's length and its items' bytes.
fn write_items<T: Copy>(fd: i32, items: &[T]) {
    write_all(fd, &(items.len() as u64).to_le_bytes());
    let mut left = size_of_val(items);
    let mut from = items.as_ptr().cast::<u8>();
    // Straight from the items' memory to the pipe: only the kernel reads those bytes (padding
    // included).
    while left > 0 {
        // SAFETY: `from` points into the slice, with `left` readable bytes after it.
        let n = unsafe { libc::write(fd, from.cast(), left) };
        if n <= 0 {
            return;
        }
        left -= n as usize;
        // SAFETY: stays inside the slice (or one past its end): `n` bytes were just written.
        from = unsafe { from.add(n as usize) };
    }
}

fn write_all(fd: i32, mut bytes: &[u8]) {
    while !bytes.is_empty() {
        // SAFETY: writes from a live slice, at most its length.
        let n = unsafe { libc::write(fd, bytes.as_ptr().cast(), bytes.len()) };
        if n <= 0 {
            return;
        }
        bytes = &bytes[n as usize..];
    }
}

/// Everything the child writes, until it ends or the deadline passes.
fn read_until(fd: i32, deadline: Instant) -> Vec<u8> {
    let mut bytes = Vec::new();
    let mut buffer = [0u8; 1 << 16];
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return bytes;
        }
        let mut poll = libc::pollfd {
            fd,
            events: libc::POLLIN,
            revents: 0,
        };
        let millis = left.as_millis().clamp(1, i32::MAX as u128) as i32;
        // SAFETY: polls one valid `pollfd`.
        if unsafe { libc::poll(&mut poll, 1, millis) } <= 0 {
            continue;
        }
        // SAFETY: reads into a live buffer, at most its length.
        let n = unsafe { libc::read(fd, buffer.as_mut_ptr().cast(), buffer.len()) };
        if n <= 0 {
            return bytes;
        }
        bytes.extend_from_slice(&buffer[..n as usize]);
    }
}

/// Reads the child's records.
fn parse(bytes: &[u8], below: usize) -> Smallest {
    let mut at = Reader { bytes, at: 0 };
    let mut passed = 0;
    let mut skipped = Skipped::default();
    while let Some(tag) = at.take(1).map(|t| t[0]) {
        match tag {
            PASSES | WEAK | OTHER => match at.number() {
                Some(bound) => {
                    passed = bound + 1;
                    skipped.weak |= tag == WEAK;
                    skipped.other |= tag == OTHER;
                }
                None => break,
            },
            FAILS => {
                let Some((bound, failure)) = at.failure() else {
                    break;
                };
                return Smallest::Found {
                    bound,
                    failure: Some(failure),
                    skipped,
                };
            }
            _ => break,
        }
    }
    if passed >= below {
        Smallest::Found {
            bound: below,
            failure: None,
            skipped,
        }
    } else {
        Smallest::OutOfTime { passed }
    }
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    fn take(&mut self, n: usize) -> Option<&[u8]> {
        let slice = self.bytes.get(self.at..self.at.checked_add(n)?)?;
        self.at += n;
        Some(slice)
    }

    fn number(&mut self) -> Option<usize> {
        let bytes = self.take(8)?;
        usize::try_from(u64::from_le_bytes(bytes.try_into().ok()?)).ok()
    }

    fn items<T: Copy>(&mut self) -> Option<Vec<T>> {
        let len = self.number()?;
        let size = len.checked_mul(size_of::<T>())?;
        let bytes = self.take(size)?;
        let mut items: Vec<T> = Vec::with_capacity(len);
        // SAFETY: the bytes are a copy of `len` valid `T`s (steps and objects: plain data and
        // references to static data) written by a fork of this very process, where every
        // static lives at the same address; the vector has room for `len` of them.
        unsafe {
            std::ptr::copy_nonoverlapping(bytes.as_ptr(), items.as_mut_ptr().cast::<u8>(), size);
            items.set_len(len);
        }
        Some(items)
    }

    fn failure(&mut self) -> Option<(usize, Failure)> {
        let bound = self.number()?;
        let len = self.number()?;
        let message = String::from_utf8_lossy(self.take(len)?).into_owned();
        let threads = self.number()?;
        let steps: Vec<Step> = self.items()?;
        let objects: Vec<Object> = self.items()?;
        let asking: Vec<Step> = self.items()?;
        Some((
            bound,
            Failure {
                message,
                trace: Some(Trace {
                    steps,
                    objects,
                    threads,
                    asking,
                }),
            },
        ))
    }
}

/// The steps after which the scheduler took the processor from a thread that could have gone
/// on (a preemption): the running thread changes, and its last step neither blocked, yielded
/// nor ended it.
pub fn switches(steps: &[Step]) -> Vec<usize> {
    steps
        .windows(2)
        .enumerate()
        .filter(|(_, pair)| pair[0].thread != pair[1].thread && could_go_on(&pair[0].op))
        .map(|(i, _)| i)
        .collect()
}

/// Whether a thread can run on after `op` (else the switch after it is no preemption).
fn could_go_on(op: &Op) -> bool {
    !matches!(
        op,
        Op::WaitLock(..)
            | Op::WaitRead(..)
            | Op::WaitWrite(..)
            | Op::WaitJoin(_)
            | Op::Wait { .. }
            | Op::Finish
            | Op::Yield
    )
}

/// The verdict's line about the smallest failing schedule; `steps` are the steps of the run
/// it shows, `at` says where a step comes from.
pub fn describe(smallest: &Smallest, steps: &[Step]) -> String {
    let switches = switches(steps);
    let after = |count: usize| -> String {
        let places: Vec<String> = switches
            .iter()
            .take(count)
            .map(|&i| {
                let step = &steps[i];
                format!(
                    "after line {} in thread {} ({}:{})",
                    step.at.line(),
                    step.thread,
                    trace::short(step.at.file()),
                    step.at.line()
                )
            })
            .collect();
        match places.as_slice() {
            [] => String::new(),
            [one] => format!(", {one}"),
            [init @ .., last] => format!(", {} and {last}", init.join(", ")),
        }
    };
    // Why a run fails with fewer switches than it seems to need: a read that saw an older value.
    let stale = match super::diagnose::stale_load(steps) {
        Some((load, write)) => format!(
            " (thread {} reads an older value than thread {} wrote before: nothing synchronises \
             the two, so the write need not be visible yet)",
            steps[load].thread, steps[write].thread
        ),
        None => String::new(),
    };
    let line = match smallest {
        Smallest::Found { bound: 0, .. } => {
            "smallest failing schedule: no context switch at all — \
             it fails even when each thread runs until it blocks, yields or ends"
                .to_owned()
        }
        Smallest::Found { bound, skipped, .. } => format!(
            "smallest failing schedule: fails with {}{}; with fewer, {}",
            count_switches(*bound),
            after(*bound),
            match skipped {
                Skipped { other: true, .. } => "it can fail another way (fix this one first)",
                Skipped { weak: true, .. } => {
                    "it fails only where a thread reads an older value than the last one \
                     written (nothing synchronises the threads there)"
                }
                _ => "every schedule passes",
            }
        ),
        Smallest::OutOfTime { passed } => {
            let fewer = if *passed == 0 {
                String::new()
            } else {
                format!("none with fewer than {} fails; ", count_switches(*passed))
            };
            format!(
                "smallest failing schedule: not found in time ({fewer}this run has {}{})",
                count_switches(switches.len()),
                after(switches.len())
            )
        }
    };
    line + &stale
}

fn count_switches(n: usize) -> String {
    match n {
        0 => "no context switch".to_owned(),
        1 => "one context switch".to_owned(),
        2 => "two context switches".to_owned(),
        3 => "three context switches".to_owned(),
        n => format!("{n} context switches"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::trace::{Holder, Obj};
    use std::panic::Location;

    fn step(thread: usize, op: Op) -> Step {
        Step {
            thread,
            op,
            at: Location::caller(),
        }
    }

    #[test]
    fn a_switch_is_where_a_thread_that_could_go_on_stops() {
        let (a, b) = (Obj::new(0), Obj::new(1));
        let steps = [
            step(0, Op::Spawn(1)),
            step(0, Op::Lock(a)),
            step(1, Op::Lock(b)),
            step(1, Op::WaitLock(a, Holder::Thread(0))),
            step(0, Op::WaitLock(b, Holder::Thread(1))),
        ];
        // Thread 0 could have gone on after locking A; thread 1 blocked.
        assert_eq!(switches(&steps), vec![1]);
        let line = describe(
            &Smallest::Found {
                bound: 1,
                failure: None,
                skipped: Skipped::default(),
            },
            &steps,
        );
        assert!(
            line.starts_with(
                "smallest failing schedule: fails with one context switch, after line "
            ),
            "{line}"
        );
        assert!(line.contains(" in thread 0 ("), "{line}");
    }

    #[test]
    fn the_search_wants_a_failure_like_the_first() {
        let wanted = Wanted::like("lost update: 2 workers gave 1\n  left: 1", None);
        assert_eq!(wanted.skips("lost update: 2 workers gave 0", None), None);
        assert_eq!(
            wanted.skips("a message was lost or taken twice", None),
            Some(OTHER)
        );
        assert_eq!(
            wanted.skips("deadlock; threads = [(Id(0), Blocked(..))]", None),
            Some(OTHER)
        );
        let other = describe(
            &Smallest::Found {
                bound: 2,
                failure: None,
                skipped: Skipped {
                    weak: false,
                    other: true,
                },
            },
            &[],
        );
        assert!(other.ends_with("with fewer, it can fail another way (fix this one first)"));
    }

    #[test]
    fn no_switch_and_no_time_are_said_plainly() {
        let none = describe(
            &Smallest::Found {
                bound: 0,
                failure: None,
                skipped: Skipped::default(),
            },
            &[],
        );
        assert!(none.contains("no context switch at all"), "{none}");
        let late = describe(&Smallest::OutOfTime { passed: 1 }, &[]);
        assert!(late.contains("not found in time"), "{late}");
        assert!(late.contains("fewer than one context switch"), "{late}");
    }
}
