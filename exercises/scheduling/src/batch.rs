//! Non-preemptive scheduling: once a job has the CPU it keeps it until it is done.
//!
//! `simulate` turns jobs into a timeline under FIFO, shortest-job-first or priority;
//! `metrics` reads a timeline back into each job's turnaround, waiting and response time.
//! Jobs here have no I/O.

use crate::model::{Job, Times};

/// Which arrived job gets the CPU when it is free.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Policy {
    /// First in, first out: earliest arrival (then lowest index).
    Fifo,
    /// Shortest job first: smallest burst among the arrived jobs (then arrival, then index).
    Sjf,
    /// Most urgent first: smallest `priority` among the arrived jobs (then arrival, then index).
    Priority,
}

/// The timeline of `jobs` under `policy`, without preemption.
pub fn simulate(jobs: &[Job], policy: Policy) -> Vec<Option<usize>> {
    // TODO: loop until every job is done. When the CPU is free, choose among the jobs that
    // have arrived (`arrival <= now`) and are not done, by the policy's key; run the chosen
    // job for its whole burst (push its index `burst` times). If none has arrived, push
    // `None` (an idle tick).
    todo!("simulate a non-preemptive scheduler")
}

/// Each job's times, read from a timeline (works for any policy, preemptive or not).
pub fn metrics(jobs: &[Job], timeline: &[Option<usize>]) -> Vec<Times> {
    // TODO: for job `i`, find the first and the last tick where `timeline[t] == Some(i)`.
    // completion = last + 1; turnaround = completion − arrival; waiting = turnaround − burst
    // − I/O ticks (`Job::io_ticks`); response = first − arrival.
    todo!("compute turnaround, waiting and response times")
}
