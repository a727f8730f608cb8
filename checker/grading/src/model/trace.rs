//! The steps of one model-checked execution: the wrappers in [`super::sync`] record every
//! synchronisation operation (who, what, where in the source), and when an execution fails its
//! steps are the interleaving that broke it, shown to the student one line per step.
//!
//! Loom runs every modelled thread of an execution as a coroutine on the thread that called it,
//! one at a time, so a thread-local list holds the steps in the order they really happened.

use std::cell::RefCell;
use std::fmt::{self, Write};
use std::panic::Location;

/// The most lines a trace shows; a longer one keeps its beginning and its end.
const MAX_LINES: usize = 40;
/// How many lines of a too-long trace come from its beginning.
const HEAD_LINES: usize = 8;
/// The longest run of steps that is folded when it repeats back to back (a spin loop's round).
const MAX_CYCLE: usize = 4;

/// A lock, condition variable or atomic, numbered in the order the execution created it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Obj(usize);

impl Obj {
    #[cfg(test)]
    pub(super) fn new(number: usize) -> Obj {
        Obj(number)
    }

    /// Its number in the execution (creation order), for a colour of the picture.
    pub(super) fn index(self) -> usize {
        self.0
    }
}

/// What kind of thing an [`Obj`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Mutex,
    RwLock,
    Condvar,
    Atomic,
}

/// Who holds a lock.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Holder {
    Free,
    Thread(usize),
    Readers(usize),
}

/// A value an atomic held or was given.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Value {
    Int(i128),
    Bool(bool),
}

/// What one step did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    Spawn(usize),
    Finish,
    WaitJoin(usize),
    Join(usize),
    Yield,
    WaitLock(Obj, Holder),
    Lock(Obj),
    Unlock(Obj),
    TryLock(Obj, Holder),
    WaitRead(Obj, Holder),
    Read(Obj),
    ReadUnlock(Obj),
    TryRead(Obj, Holder),
    WaitWrite(Obj, Holder),
    Write(Obj),
    WriteUnlock(Obj),
    TryWrite(Obj, Holder),
    /// Waits on `cv`, which releases `mutex`.
    Wait {
        cv: Obj,
        mutex: Obj,
    },
    /// Woken on `cv`, with `mutex` locked again.
    Woken {
        cv: Obj,
        mutex: Obj,
    },
    /// Notifies `cv` while `waiting` threads wait on it.
    Notify {
        cv: Obj,
        all: bool,
        waiting: usize,
    },
    Load(Obj, Value),
    Store(Obj, Value),
    /// A read-modify-write (`fetch_add`, `swap`, ...) that changed `from` into `to`.
    Update {
        obj: Obj,
        name: &'static str,
        arg: Option<Value>,
        from: Value,
        to: Value,
    },
    /// A compare-and-exchange of `current` for `new`: `Ok` with the value it replaced, `Err` with
    /// the value it found instead.
    Exchange {
        obj: Obj,
        current: Value,
        new: Value,
        result: Result<Value, Value>,
    },
}

/// One recorded step.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Step {
    pub(super) thread: usize,
    pub(super) op: Op,
    pub(super) at: &'static Location<'static>,
}

#[derive(Clone, Copy, Debug)]
pub(super) struct Object {
    pub(super) kind: Kind,
    /// The how-manieth of its kind (0 is "A").
    ordinal: usize,
    created: &'static Location<'static>,
    pub(super) holder: Holder,
    /// Threads waiting on a condition variable.
    waiting: usize,
}

/// The record of one execution. A failing one is kept as a copy ([`snapshot`]): the verdict,
/// its text lanes and its picture are all drawn from that copy, after the model checker has
/// moved on (to look for a smaller failing schedule).
#[derive(Clone, Debug, Default)]
pub struct Trace {
    pub(super) steps: Vec<Step>,
    pub(super) objects: Vec<Object>,
    /// Threads of this execution, the test's included.
    pub(super) threads: usize,
    /// Locks asked for and not granted yet, one per thread: if the execution fails there, the
    /// thread is waiting for that lock (a deadlock's last steps).
    pub(super) asking: Vec<Step>,
}

thread_local! {
    static TRACE: RefCell<Trace> = RefCell::new(Trace::default());
}

fn with<R>(f: impl FnOnce(&mut Trace) -> R) -> Option<R> {
    TRACE.with(|t| t.try_borrow_mut().ok().map(|mut t| f(&mut t)))
}

/// Starts the trace of a new execution (the model checker calls the test body once for each).
pub fn begin() {
    with(|t| {
        t.steps.clear();
        t.objects.clear();
        t.asking.clear();
        t.threads = 1;
    });
}

/// Registers a new object created `at`.
pub fn create(kind: Kind, at: &'static Location<'static>) -> Obj {
    with(|t| {
        let ordinal = t.objects.iter().filter(|o| o.kind == kind).count();
        t.objects.push(Object {
            kind,
            ordinal,
            created: at,
            holder: Holder::Free,
            waiting: 0,
        });
        Obj(t.objects.len() - 1)
    })
    .unwrap_or(Obj(usize::MAX))
}

/// The number the next spawned thread gets (the model checker numbers them in spawn order).
pub fn next_thread() -> usize {
    with(|t| {
        t.threads += 1;
        t.threads - 1
    })
    .unwrap_or(usize::MAX)
}

pub fn record(thread: usize, op: Op, at: &'static Location<'static>) {
    with(|t| {
        t.steps.push(Step { thread, op, at });
    });
}

/// Notes that `thread` asks for a lock (`op` is the wait it may turn into: [`Op::WaitLock`],
/// [`Op::WaitRead`] or [`Op::WaitWrite`]), until [`granted`].
pub fn asking(thread: usize, op: Op, at: &'static Location<'static>) {
    with(|t| {
        t.asking.retain(|s| s.thread != thread);
        t.asking.push(Step { thread, op, at });
    });
}

/// `thread` got the lock it asked for.
pub fn granted(thread: usize) {
    with(|t| t.asking.retain(|s| s.thread != thread));
}

pub fn finished(thread: usize) -> bool {
    with(|t| {
        t.steps
            .iter()
            .any(|s| s.thread == thread && s.op == Op::Finish)
    })
    .unwrap_or(false)
}

pub fn holder(obj: Obj) -> Holder {
    with(|t| t.objects.get(obj.0).map(|o| o.holder))
        .flatten()
        .unwrap_or(Holder::Free)
}

pub fn set_holder(obj: Obj, holder: Holder) {
    with(|t| {
        if let Some(o) = t.objects.get_mut(obj.0) {
            o.holder = holder;
        }
    });
}

/// Adds `delta` to the number of threads waiting on a condition variable; returns the number.
pub fn waiting(obj: Obj, delta: isize) -> usize {
    with(|t| {
        t.objects.get_mut(obj.0).map(|o| {
            o.waiting = o.waiting.saturating_add_signed(delta);
            o.waiting
        })
    })
    .flatten()
    .unwrap_or(0)
}

/// A copy of the current execution's record, taken when it fails.
pub fn snapshot() -> Option<Trace> {
    with(|t| t.clone())
}

/// The current execution's steps, one line each, followed by where each object was created;
/// `None` if nothing was recorded.
#[cfg(test)]
pub fn render() -> Option<String> {
    with(|t| t.render()).flatten()
}

/// The steps of a trace as it is shown: every step (the waits it ended in included) and the
/// lines they fold into, cut to a readable length.
pub(super) struct Shown {
    pub(super) steps: Vec<Step>,
    pub(super) lines: Vec<Line>,
}

impl Trace {
    /// The mistake the steps show, if one is recognised.
    pub fn diagnose(&self) -> Option<super::diagnose::Finding> {
        super::diagnose::diagnose(&self.steps, &self.asking, |obj| self.holder_of(obj))
    }

    /// Who holds `obj` when the execution ended.
    pub(super) fn holder_of(&self, obj: Obj) -> Holder {
        self.objects.get(obj.0).map_or(Holder::Free, |o| o.holder)
    }

    /// The steps, folded and cut to at most `max` lines (`head` of them from the beginning).
    pub(super) fn shown(&self, max: usize, head: usize) -> Shown {
        let steps: Vec<Step> = self.steps.iter().copied().chain(self.blocked()).collect();
        let lines = fold(&steps);
        // A cut trace shows its first and last lines and, between them, how many it leaves out.
        let tail = max - head - 1;
        let lines = if lines.len() > max {
            let hidden = &lines[head..lines.len() - tail];
            let covers = hidden[0].covers().start..hidden[hidden.len() - 1].covers().end;
            let skipped = Line::Skipped {
                lines: hidden.len(),
                covers,
            };
            let mut kept: Vec<Line> = lines[..head].to_vec();
            kept.push(skipped);
            kept.extend_from_slice(&lines[lines.len() - tail..]);
            kept
        } else {
            lines
        };
        Shown { steps, lines }
    }

    /// The steps, one line each, followed by where each object was created; `None` if nothing
    /// was recorded.
    pub fn render(&self) -> Option<String> {
        if self.steps.is_empty() {
            return None;
        }
        let Shown {
            steps,
            lines: shown,
        } = self.shown(MAX_LINES, HEAD_LINES);
        let texts: Vec<(String, String)> = shown
            .iter()
            .map(|line| match line {
                Line::Step(i) => (
                    format!(
                        "thread {}  {}",
                        steps[*i].thread,
                        self.describe(&steps[*i].op)
                    ),
                    format!("{}:{}", short(steps[*i].at.file()), steps[*i].at.line()),
                ),
                Line::Again { steps, times, .. } => (
                    format!(
                        "  … {} again, {times} more time{}",
                        if *steps == 1 {
                            "that step".to_owned()
                        } else {
                            format!("those {steps} steps")
                        },
                        if *times == 1 { "" } else { "s" }
                    ),
                    String::new(),
                ),
                Line::Skipped { lines, .. } => (format!("  … {lines} more lines …"), String::new()),
            })
            .collect();
        let width = texts
            .iter()
            .map(|(t, _)| t.chars().count())
            .max()
            .unwrap_or(0);
        let mut out = String::from(
            "the interleaving that fails, step by step (thread 0 is the test's own thread):",
        );
        for (text, at) in &texts {
            if at.is_empty() {
                let _ = write!(out, "\n    {text}");
            } else {
                let _ = write!(out, "\n    {text:width$}   {at}");
            }
        }
        let mut mentioned: Vec<usize> = Vec::new();
        for line in &shown {
            if let Line::Step(i) = line {
                for obj in objects_of(&steps[*i].op) {
                    if !mentioned.contains(&obj.0) && obj.0 < self.objects.len() {
                        mentioned.push(obj.0);
                    }
                }
            }
        }
        mentioned.sort_unstable();
        // Where each lock, condition variable and atomic comes from, unless that is inside the
        // standard library (a `Mutex::new` passed to `map`).
        for index in mentioned {
            let created = self.objects[index].created;
            if !created.file().starts_with("/rustc/") {
                let _ = write!(
                    out,
                    "\n  {} is the one created at {}:{}",
                    self.name(Obj(index)),
                    short(created.file()),
                    created.line()
                );
            }
        }
        Some(out)
    }

    /// The waits the execution ended in: a lock asked for and held by someone else, unless the
    /// thread's last step already says so.
    fn blocked(&self) -> Vec<Step> {
        self.asking
            .iter()
            .filter_map(|asked| {
                let (obj, wait): (Obj, fn(Obj, Holder) -> Op) = match asked.op {
                    Op::WaitLock(obj, _) => (obj, Op::WaitLock),
                    Op::WaitRead(obj, _) => (obj, Op::WaitRead),
                    Op::WaitWrite(obj, _) => (obj, Op::WaitWrite),
                    _ => return None,
                };
                let holder = self.objects.get(obj.0)?.holder;
                let blocks = match asked.op {
                    Op::WaitRead(..) => matches!(holder, Holder::Thread(_)),
                    _ => holder != Holder::Free,
                };
                let step = Step {
                    op: wait(obj, holder),
                    ..*asked
                };
                let last = self.steps.iter().rev().find(|s| s.thread == asked.thread);
                (blocks && last.map(|s| s.op) != Some(step.op)).then_some(step)
            })
            .collect()
    }

    pub(super) fn name(&self, obj: Obj) -> Name {
        match self.objects.get(obj.0) {
            Some(o) => Name(o.kind, o.ordinal),
            None => Name(Kind::Atomic, usize::MAX),
        }
    }

    pub(super) fn describe(&self, op: &Op) -> String {
        let n = |obj: &Obj| self.name(*obj);
        match op {
            Op::Spawn(child) => format!("spawns thread {child}"),
            Op::Finish => "finishes".to_owned(),
            Op::WaitJoin(child) => format!("waits for thread {child} to finish (join)"),
            Op::Join(child) => format!("joins thread {child}"),
            Op::Yield => "yields".to_owned(),
            Op::WaitLock(obj, holder) => format!("waits for {}{}", n(obj), held(holder)),
            Op::Lock(obj) => format!("locks {}", n(obj)),
            Op::Unlock(obj) => format!("unlocks {} (drops the guard taken here)", n(obj)),
            Op::TryLock(obj, Holder::Free) => format!("try_lock {}: gets it", n(obj)),
            Op::TryLock(obj, holder) => format!("try_lock {}: busy{}", n(obj), held(holder)),
            Op::WaitRead(obj, holder) => format!("waits to read {}{}", n(obj), held(holder)),
            Op::Read(obj) => format!("read-locks {}", n(obj)),
            Op::ReadUnlock(obj) => {
                format!("read-unlocks {} (drops the guard taken here)", n(obj))
            }
            Op::TryRead(obj, Holder::Free) => format!("try_read {}: gets it", n(obj)),
            Op::TryRead(obj, holder) => format!("try_read {}: busy{}", n(obj), held(holder)),
            Op::WaitWrite(obj, holder) => format!("waits to write {}{}", n(obj), held(holder)),
            Op::Write(obj) => format!("write-locks {}", n(obj)),
            Op::WriteUnlock(obj) => {
                format!("write-unlocks {} (drops the guard taken here)", n(obj))
            }
            Op::TryWrite(obj, Holder::Free) => format!("try_write {}: gets it", n(obj)),
            Op::TryWrite(obj, holder) => format!("try_write {}: busy{}", n(obj), held(holder)),
            Op::Wait { cv, mutex } => format!("waits on {} (unlocks {})", n(cv), n(mutex)),
            Op::Woken { cv, mutex } => format!("wakes up from {} (locks {})", n(cv), n(mutex)),
            Op::Notify { cv, all, waiting } => {
                let verb = if *all { "notify_all" } else { "notify_one" };
                match waiting {
                    0 => format!("{verb} {}: nobody is waiting, the signal is lost", n(cv)),
                    1 => format!("{verb} {}: 1 thread is waiting", n(cv)),
                    w => format!("{verb} {}: {w} threads are waiting", n(cv)),
                }
            }
            Op::Load(obj, value) => format!("reads {value} from {}", n(obj)),
            Op::Store(obj, value) => format!("writes {value} to {}", n(obj)),
            Op::Update {
                obj,
                name,
                arg,
                from,
                to,
            } => match arg {
                Some(arg) => format!("{name}({arg}) on {}: {from} → {to}", n(obj)),
                None => format!("{name} on {}: {from} → {to}", n(obj)),
            },
            Op::Exchange {
                obj,
                current,
                new,
                result,
            } => match result {
                Ok(_) => format!("compare_exchange({current} → {new}) on {}: done", n(obj)),
                Err(found) => format!(
                    "compare_exchange({current} → {new}) on {}: fails, it holds {found}",
                    n(obj)
                ),
            },
        }
    }
}

/// ", held by thread 1" and the like.
fn held(holder: &Holder) -> String {
    match holder {
        Holder::Free => String::new(),
        Holder::Thread(t) => format!(", held by thread {t}"),
        Holder::Readers(1) => ", held by 1 reader".to_owned(),
        Holder::Readers(n) => format!(", held by {n} readers"),
    }
}

pub(super) fn objects_of(op: &Op) -> Vec<Obj> {
    match *op {
        Op::Spawn(_) | Op::Finish | Op::WaitJoin(_) | Op::Join(_) | Op::Yield => vec![],
        Op::Wait { cv, mutex } | Op::Woken { cv, mutex } => vec![cv, mutex],
        Op::WaitLock(obj, _)
        | Op::Lock(obj)
        | Op::Unlock(obj)
        | Op::TryLock(obj, _)
        | Op::WaitRead(obj, _)
        | Op::Read(obj)
        | Op::ReadUnlock(obj)
        | Op::TryRead(obj, _)
        | Op::WaitWrite(obj, _)
        | Op::Write(obj)
        | Op::WriteUnlock(obj)
        | Op::TryWrite(obj, _)
        | Op::Notify { cv: obj, .. }
        | Op::Load(obj, _)
        | Op::Store(obj, _)
        | Op::Update { obj, .. }
        | Op::Exchange { obj, .. } => vec![obj],
    }
}

/// "mutex A", "atomic B".
pub(super) struct Name(Kind, usize);

impl Name {
    /// The letter alone ("A"), for a cell of the text lanes.
    pub(super) fn letter(&self) -> char {
        if self.1 == usize::MAX {
            return '?';
        }
        char::from(b'A' + (self.1 % 26) as u8)
    }
}

impl fmt::Display for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self.0 {
            Kind::Mutex => "mutex",
            Kind::RwLock => "rwlock",
            Kind::Condvar => "condvar",
            Kind::Atomic => "atomic",
        };
        if self.1 == usize::MAX {
            return write!(f, "{kind} ?");
        }
        let letter = char::from(b'A' + (self.1 % 26) as u8);
        match self.1 / 26 {
            0 => write!(f, "{kind} {letter}"),
            round => write!(f, "{kind} {letter}{}", round + 1),
        }
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Int(v) => write!(f, "{v}"),
            Value::Bool(v) => write!(f, "{v}"),
        }
    }
}

/// A path as the student knows it: the suites by their place in the kit.
pub(super) fn short(file: &str) -> &str {
    file.find("checker/suites/")
        .or_else(|| file.find("checker/grading/"))
        .map_or(file, |i| &file[i..])
}

/// A line of a rendered trace (and a column of its picture); steps are named by their index.
#[derive(Clone, Debug, PartialEq)]
pub(super) enum Line {
    Step(usize),
    /// The `steps` lines above happen `times` more times, back to back: the steps `covers`.
    Again {
        steps: usize,
        times: usize,
        covers: std::ops::Range<usize>,
    },
    /// `lines` lines left out of a long trace, of the steps `covers`.
    Skipped {
        lines: usize,
        covers: std::ops::Range<usize>,
    },
}

impl Line {
    /// The steps this line stands for.
    pub(super) fn covers(&self) -> std::ops::Range<usize> {
        match self {
            Line::Step(i) => *i..*i + 1,
            Line::Again { covers, .. } | Line::Skipped { covers, .. } => covers.clone(),
        }
    }
}

/// The steps as lines, a block of up to [`MAX_CYCLE`] steps that repeats back to back (a spin
/// loop) shown once and counted.
fn fold(steps: &[Step]) -> Vec<Line> {
    let mut lines = Vec::new();
    let mut i = 0;
    'outer: while i < steps.len() {
        for len in 1..=MAX_CYCLE.min(steps.len() - i) {
            let block = &steps[i..i + len];
            let mut times = 0;
            while steps
                .get(i + len * (times + 1)..)
                .and_then(|rest| rest.get(..len))
                .is_some_and(|next| next == block)
            {
                times += 1;
            }
            if times > 0 {
                lines.extend((i..i + len).map(Line::Step));
                lines.push(Line::Again {
                    steps: len,
                    times,
                    covers: i + len..i + len * (times + 1),
                });
                i += len * (times + 1);
                continue 'outer;
            }
        }
        lines.push(Line::Step(i));
        i += 1;
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn here() -> &'static Location<'static> {
        Location::caller()
    }

    #[test]
    fn a_lock_order_deadlock_reads_step_by_step() {
        begin();
        let a = create(Kind::Mutex, here());
        let b = create(Kind::Mutex, here());
        let child = next_thread();
        record(0, Op::Spawn(child), here());
        record(0, Op::Lock(a), here());
        record(1, Op::Lock(b), here());
        record(0, Op::WaitLock(b, Holder::Thread(1)), here());
        record(1, Op::WaitLock(a, Holder::Thread(0)), here());
        let text = render().expect("steps were recorded");
        let lines: Vec<&str> = text.lines().collect();
        assert!(
            lines[0].starts_with("the interleaving that fails"),
            "{text}"
        );
        assert!(lines[1].contains("thread 0  spawns thread 1"), "{text}");
        assert!(lines[2].contains("thread 0  locks mutex A"), "{text}");
        assert!(lines[3].contains("thread 1  locks mutex B"), "{text}");
        assert!(
            lines[4].contains("thread 0  waits for mutex B, held by thread 1"),
            "{text}"
        );
        assert!(
            lines[5].contains("thread 1  waits for mutex A, held by thread 0"),
            "{text}"
        );
        assert!(lines[1].ends_with(&format!("trace.rs:{}", lines_of(&text, 1))));
        assert!(
            lines[6].starts_with("  mutex A is the one created at ")
                && lines[7].starts_with("  mutex B is the one created at "),
            "{text}"
        );
    }

    #[test]
    fn a_thread_blocked_in_a_lock_ends_the_trace() {
        begin();
        let a = create(Kind::Mutex, here());
        let b = create(Kind::Mutex, here());
        record(0, Op::Lock(a), here());
        set_holder(a, Holder::Thread(0));
        asking(0, Op::WaitLock(b, Holder::Free), here());
        record(1, Op::Lock(b), here());
        set_holder(b, Holder::Thread(1));
        asking(1, Op::WaitLock(a, Holder::Free), here());
        record(1, Op::WaitLock(a, Holder::Thread(0)), here());
        let text = render().unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert!(
            lines[3].contains("thread 1  waits for mutex A, held by thread 0"),
            "{text}"
        );
        assert!(
            lines[4].contains("thread 0  waits for mutex B, held by thread 1"),
            "{text}"
        );
        assert!(lines[5].starts_with("  mutex A is"), "{text}");
        granted(0);
        assert!(!render().unwrap().contains("thread 0  waits"));
    }

    /// The line number a rendered step points at (its last `:`-separated field).
    fn lines_of(text: &str, line: usize) -> &str {
        text.lines().nth(line).unwrap().rsplit(':').next().unwrap()
    }

    #[test]
    fn a_lost_update_shows_the_values() {
        begin();
        let a = create(Kind::Atomic, here());
        record(0, Op::Load(a, Value::Int(0)), here());
        record(1, Op::Load(a, Value::Int(0)), here());
        record(1, Op::Store(a, Value::Int(1)), here());
        record(0, Op::Store(a, Value::Int(1)), here());
        let text = render().unwrap();
        assert!(text.contains("thread 1  reads 0 from atomic A"), "{text}");
        assert!(text.contains("thread 0  writes 1 to atomic A"), "{text}");
        let cv = create(Kind::Condvar, here());
        record(
            0,
            Op::Notify {
                cv,
                all: false,
                waiting: 0,
            },
            here(),
        );
        let text = render().unwrap();
        assert!(
            text.contains("notify_one condvar A: nobody is waiting, the signal is lost"),
            "{text}"
        );
    }

    #[test]
    fn a_spin_loop_is_folded_and_a_long_trace_cut() {
        begin();
        let a = create(Kind::Mutex, here());
        let at = here();
        for _ in 0..50 {
            record(1, Op::TryLock(a, Holder::Thread(0)), at);
            record(1, Op::Yield, at);
        }
        let text = render().unwrap();
        assert_eq!(text.lines().count(), 5, "{text}");
        assert!(
            text.contains("try_lock mutex A: busy, held by thread 0"),
            "{text}"
        );
        assert!(
            text.contains("… those 2 steps again, 49 more times"),
            "{text}"
        );

        begin();
        let created = here();
        let b = create(Kind::Atomic, created);
        for i in 0..100 {
            record(i % 3, Op::Store(b, Value::Int(i as i128)), here());
        }
        let text = render().unwrap();
        assert!(text.lines().count() <= MAX_LINES + 2, "{text}");
        assert!(
            text.ends_with(&format!(
                "atomic A is the one created at {}:{}",
                file!(),
                created.line()
            )),
            "{text}"
        );
        assert!(text.contains("  … 61 more lines …"), "{text}");
        assert!(text.contains("thread 0  writes 99 to atomic A"), "{text}");
    }

    #[test]
    fn nothing_recorded_renders_nothing() {
        begin();
        assert_eq!(render(), None);
    }
}
