//! Preemptive round-robin with I/O: each job gets the CPU for at most `quantum` ticks, then
//! goes to the back of the ready queue; a job that starts I/O leaves the CPU at once.
//!
//! Order of events in each tick `t`: jobs arriving at `t` join the ready queue (by index),
//! then jobs whose I/O ends at `t` (by index), then the running job whose quantum is used up;
//! then, if the CPU is free, the head of the queue is dispatched with a fresh quantum.

use std::collections::VecDeque;

use crate::model::{Job, State};

/// What the simulator saw: who ran in each tick, and every job's state in each tick.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Trace {
    /// `timeline[t]`: the job on the CPU in tick `t`, `None` if idle.
    pub timeline: Vec<Option<usize>>,
    /// `states[t][i]`: the state of job `i` during tick `t`.
    pub states: Vec<Vec<State>>,
}

/// Simulates round-robin with the given quantum (≥ 1) until every job has terminated.
pub fn round_robin(jobs: &[Job], quantum: u32) -> Trace {
    // TODO: simulate tick by tick until every job has terminated, keeping for each job its
    // CPU ticks so far, its next I/O block, and when a blocked job is ready again; a
    // `VecDeque` ready queue; and the running job with the part of its quantum it used.
    // In each tick, in this order: enqueue arrivals, enqueue I/O returns, move a running job
    // whose quantum is used up to the back; dispatch the head if the CPU is free; record every
    // job's state; run one tick. A job that finishes, or reaches the `after` of its next I/O
    // block, leaves the CPU at once (Blocked for `duration` ticks).
    todo!("simulate round-robin with I/O")
}
