//! What a failing interleaving shows, read from its steps: the hint a verdict gives comes from
//! the mistake the trace exhibits, not from the mistake the test was written for (a test about
//! lost updates can fail on a deadlock, and then the student must read about lock order).

use super::trace::{Holder, Obj, Op, Step, Value};

/// A mistake recognised in a failing execution's steps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Finding {
    /// Threads wait for each other's locks in a cycle (thread numbers, in cycle order).
    LockCycle(Vec<usize>),
    /// A thread sleeps on a condition variable whose notification came before it waited.
    LostWakeup { sleeper: usize },
    /// A thread read a value, another changed it, and the first wrote back what it had read:
    /// the second thread's change is lost.
    LostUpdate { reader: usize, writer: usize },
    /// A thread let a lock go between two steps of one update, and another thread took it in
    /// between.
    SplitCriticalSection { thread: usize, other: usize },
}

impl Finding {
    /// The hint for this mistake, in the words of the course.
    pub fn hint(&self) -> String {
        match self {
            Finding::LockCycle(threads) => format!(
                "lock-order deadlock: threads {} each hold a lock the next one waits for — take \
                 locks in one global order everywhere (or try the second one and back off)",
                join(threads)
            ),
            Finding::LostWakeup { sleeper } => format!(
                "lost wake-up: thread {sleeper} waits on a condition variable that was notified \
                 before it started waiting — check the condition under the lock and wait in a \
                 `while` loop (or `wait_while`), so a notification that came first is never \
                 needed"
            ),
            Finding::LostUpdate { reader, writer } => format!(
                "lost update: thread {reader} read the value, thread {writer} changed it, and \
                 thread {reader} wrote back a result computed from the old value — make the \
                 read and the write one atomic step (`fetch_add`, a `compare_exchange` loop) or \
                 do both under one lock guard"
            ),
            Finding::SplitCriticalSection { thread, other } => format!(
                "check-then-act race: thread {thread} released the lock between two steps of \
                 one update and thread {other} took it in between — hold one guard from the \
                 check to the write"
            ),
        }
    }
}

fn join(threads: &[usize]) -> String {
    let names: Vec<String> = threads.iter().map(|t| t.to_string()).collect();
    match names.as_slice() {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// The mistake `steps` show, if one is recognised. `asking` are the locks threads asked for
/// and never got (the end of a deadlock); `holder` says who holds a lock at the end.
pub fn diagnose(
    steps: &[Step],
    asking: &[Step],
    holder: impl Fn(Obj) -> Holder,
) -> Option<Finding> {
    lock_cycle(asking, &holder)
        .or_else(|| lost_wakeup(steps))
        .or_else(|| lost_update(steps))
        .or_else(|| split_critical_section(steps))
}

/// The lock a pending request waits for.
fn wanted(op: &Op) -> Option<Obj> {
    match op {
        Op::WaitLock(obj, _) | Op::WaitRead(obj, _) | Op::WaitWrite(obj, _) => Some(*obj),
        _ => None,
    }
}

fn lock_cycle(asking: &[Step], holder: &impl Fn(Obj) -> Holder) -> Option<Finding> {
    // Who each waiting thread waits for: the lock's holder.
    let waits_for = |thread: usize| -> Option<usize> {
        let step = asking.iter().find(|s| s.thread == thread)?;
        match holder(wanted(&step.op)?) {
            Holder::Thread(other) if other != thread => Some(other),
            _ => None,
        }
    };
    for start in asking.iter().map(|s| s.thread) {
        let mut path = vec![start];
        let mut at = start;
        while let Some(next) = waits_for(at) {
            if next == start {
                path.sort_unstable();
                return Some(Finding::LockCycle(path));
            }
            if path.contains(&next) {
                break;
            }
            path.push(next);
            at = next;
        }
    }
    None
}

fn lost_wakeup(steps: &[Step]) -> Option<Finding> {
    // A wait never followed by its wake-up, on a condition variable notified with nobody
    // waiting earlier on.
    for (i, step) in steps.iter().enumerate() {
        let Op::Wait { cv, .. } = step.op else {
            continue;
        };
        let woken = steps[i + 1..]
            .iter()
            .any(|s| s.thread == step.thread && matches!(s.op, Op::Woken { cv: c, .. } if c == cv));
        let lost = steps[..i].iter().any(|s| {
            matches!(s.op, Op::Notify { cv: c, waiting: 0, .. } if c == cv)
                && s.thread != step.thread
        });
        if !woken && lost {
            return Some(Finding::LostWakeup {
                sleeper: step.thread,
            });
        }
    }
    None
}

fn lost_update(steps: &[Step]) -> Option<Finding> {
    lost_update_steps(steps).map(|lost| Finding::LostUpdate {
        reader: steps[lost.load].thread,
        writer: steps[lost.theirs].thread,
    })
}

/// The three steps of a lost update, by index: the picture of the run marks them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LostSteps {
    /// The load whose value is stale by the time it is written back.
    pub load: usize,
    /// The other thread's write that is lost.
    pub theirs: usize,
    /// The store of a value computed from the stale load, which overwrites `theirs`.
    pub store: usize,
}

/// Whether `op` writes `obj`.
fn writes(op: &Op, obj: Obj) -> bool {
    match *op {
        Op::Store(o, _) => o == obj,
        Op::Update { obj: o, .. } => o == obj,
        Op::Exchange {
            obj: o,
            result: Ok(_),
            ..
        } => o == obj,
        _ => false,
    }
}

/// The value `op` leaves in the atomic it writes.
fn written(op: &Op) -> Option<Value> {
    match *op {
        Op::Store(_, v) | Op::Update { to: v, .. } => Some(v),
        Op::Exchange {
            new, result: Ok(_), ..
        } => Some(new),
        _ => None,
    }
}

/// A load that read an older value than the last write before it (in the order of the steps):
/// the model checker lets a thread see another's write late when nothing synchronises them,
/// as relaxed atomics allow. Returns the load's index and that write's.
pub fn stale_load(steps: &[Step]) -> Option<(usize, usize)> {
    steps.iter().enumerate().find_map(|(i, load)| {
        let Op::Load(obj, value) = load.op else {
            return None;
        };
        let (w, write) = steps[..i]
            .iter()
            .enumerate()
            .rev()
            .find(|(_, s)| writes(&s.op, obj))?;
        (write.thread != load.thread && written(&write.op) != Some(value)).then_some((i, w))
    })
}

/// Where the steps show a lost update: thread A loads X; thread B writes X (after the load, or
/// before it but unseen: the load is stale); thread A then stores X (a value from before B's).
pub fn lost_update_steps(steps: &[Step]) -> Option<LostSteps> {
    for (i, load) in steps.iter().enumerate() {
        let Op::Load(obj, _) = load.op else { continue };
        // A write the load did not see.
        let mut theirs = stale_load(&steps[..=i])
            .filter(|(stale, _)| *stale == i)
            .map(|(_, w)| w);
        for (j, later) in steps.iter().enumerate().skip(i + 1) {
            if !writes(&later.op, obj) {
                continue;
            }
            if later.thread != load.thread {
                theirs.get_or_insert(j);
            } else if let Some(theirs) = theirs {
                if matches!(later.op, Op::Store(..)) {
                    return Some(LostSteps {
                        load: i,
                        theirs,
                        store: j,
                    });
                }
                break;
            } else {
                break;
            }
        }
    }
    None
}

fn split_critical_section(steps: &[Step]) -> Option<Finding> {
    split_steps(steps).map(|split| Finding::SplitCriticalSection {
        thread: steps[split.unlock].thread,
        other: steps[split.theirs].thread,
    })
}

/// The three steps of a split critical section, by index: the picture of the run marks them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SplitSteps {
    /// The thread lets the lock go in the middle of one update.
    pub unlock: usize,
    /// Another thread takes it in between.
    pub theirs: usize,
    /// The first thread locks it again to finish the update.
    pub relock: usize,
}

/// Where the steps show a split critical section: thread A unlocks M and locks M again (from
/// nearby lines of one file: one operation's two critical sections), and thread B took M in
/// between.
pub fn split_steps(steps: &[Step]) -> Option<SplitSteps> {
    for (i, unlock) in steps.iter().enumerate() {
        let Op::Unlock(mutex) = unlock.op else {
            continue;
        };
        let mut theirs = None;
        for (j, later) in steps.iter().enumerate().skip(i + 1) {
            match later.op {
                Op::Lock(m) | Op::TryLock(m, Holder::Free) if m == mutex => {
                    if later.thread != unlock.thread {
                        theirs.get_or_insert(j);
                    } else {
                        if let Some(theirs) = theirs
                            && later.at.file() == unlock.at.file()
                            && later.at.line().abs_diff(unlock.at.line()) <= 12
                        {
                            return Some(SplitSteps {
                                unlock: i,
                                theirs,
                                relock: j,
                            });
                        }
                        break;
                    }
                }
                _ => {}
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::panic::Location;

    fn at() -> &'static Location<'static> {
        Location::caller()
    }

    fn step(thread: usize, op: Op) -> Step {
        Step {
            thread,
            op,
            at: at(),
        }
    }

    #[test]
    fn two_threads_waiting_for_each_others_lock_are_a_cycle() {
        let (a, b) = (Obj::new(0), Obj::new(1));
        let asking = [
            step(1, Op::WaitLock(b, Holder::Free)),
            step(2, Op::WaitLock(a, Holder::Free)),
        ];
        let holder = |o: Obj| {
            if o == a {
                Holder::Thread(1)
            } else {
                Holder::Thread(2)
            }
        };
        assert_eq!(
            diagnose(&[], &asking, holder),
            Some(Finding::LockCycle(vec![1, 2]))
        );
    }

    #[test]
    fn a_notification_before_the_wait_is_lost() {
        let (cv, m) = (Obj::new(0), Obj::new(1));
        let steps = [
            step(
                1,
                Op::Notify {
                    cv,
                    all: false,
                    waiting: 0,
                },
            ),
            step(0, Op::Wait { cv, mutex: m }),
        ];
        assert_eq!(
            diagnose(&steps, &[], |_| Holder::Free),
            Some(Finding::LostWakeup { sleeper: 0 })
        );
    }

    #[test]
    fn a_store_of_a_stale_read_loses_the_other_write() {
        let x = Obj::new(0);
        let steps = [
            step(0, Op::Load(x, super::super::trace::Value::Int(0))),
            step(1, Op::Load(x, super::super::trace::Value::Int(0))),
            step(1, Op::Store(x, super::super::trace::Value::Int(1))),
            step(0, Op::Store(x, super::super::trace::Value::Int(1))),
        ];
        assert_eq!(
            diagnose(&steps, &[], |_| Holder::Free),
            Some(Finding::LostUpdate {
                reader: 0,
                writer: 1
            })
        );
        assert_eq!(
            lost_update_steps(&steps),
            Some(LostSteps {
                load: 0,
                theirs: 2,
                store: 3
            })
        );
    }

    #[test]
    fn a_store_after_a_stale_read_loses_the_write_it_did_not_see() {
        use super::super::trace::Value::Int;
        let x = Obj::new(0);
        let steps = [
            step(0, Op::Load(x, Int(0))),
            step(0, Op::Store(x, Int(1))),
            step(1, Op::Load(x, Int(0))),
            step(1, Op::Store(x, Int(1))),
        ];
        assert_eq!(stale_load(&steps), Some((2, 1)));
        assert_eq!(
            lost_update_steps(&steps),
            Some(LostSteps {
                load: 2,
                theirs: 1,
                store: 3
            })
        );
    }

    #[test]
    fn nothing_recognised_leaves_the_tests_hint() {
        assert_eq!(diagnose(&[], &[], |_| Holder::Free), None);
    }
}
