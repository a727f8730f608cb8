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
    let mut timeline = Vec::new();
    let mut done = vec![false; jobs.len()];
    let mut now = 0u32;
    while done.iter().any(|d| !d) {
        // The scheduler may only choose among jobs that have already arrived: it cannot run
        // (or even know the length of) a job that is not in the system yet.
        let arrived = (0..jobs.len()).filter(|&i| !done[i] && jobs[i].arrival <= now);
        let next = match policy {
            Policy::Fifo => arrived.min_by_key(|&i| (jobs[i].arrival, i)),
            Policy::Sjf => arrived.min_by_key(|&i| (jobs[i].burst, jobs[i].arrival, i)),
            Policy::Priority => arrived.min_by_key(|&i| (jobs[i].priority, jobs[i].arrival, i)),
        };
        match next {
            // Non-preemptive: the chosen job runs its whole burst in one go.
            Some(i) => {
                timeline.extend(std::iter::repeat_n(Some(i), jobs[i].burst as usize));
                now += jobs[i].burst;
                done[i] = true;
            }
            // Nothing has arrived: the CPU idles for a tick.
            None => {
                timeline.push(None);
                now += 1;
            }
        }
    }
    timeline
}

/// Each job's times, read from a timeline (works for any policy, preemptive or not).
pub fn metrics(jobs: &[Job], timeline: &[Option<usize>]) -> Vec<Times> {
    jobs.iter()
        .enumerate()
        .map(|(i, job)| {
            let ran = |t: &usize| timeline[*t] == Some(i);
            let first = (0..timeline.len()).find(ran).expect("every job runs") as u32;
            let completion = (0..timeline.len()).rfind(ran).expect("every job runs") as u32 + 1;
            let turnaround = completion - job.arrival;
            // Time in the system is running + blocked on I/O + waiting in the ready queue.
            let waiting = turnaround - job.burst - job.io_ticks();
            // Response is about the first run, not the last: what an interactive user feels.
            Times {
                turnaround,
                waiting,
                response: first - job.arrival,
            }
        })
        .collect()
}
