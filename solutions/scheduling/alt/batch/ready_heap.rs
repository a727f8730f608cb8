//! Alternative: event-driven: jobs enter a ready heap (a `BinaryHeap` ordered by the policy's key) as the clock reaches their arrival, and the clock jumps over idle stretches instead of stepping one tick at a time; `metrics` reads the timeline in one pass.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

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
    let key = |i: usize| {
        let first = match policy {
            Policy::Fifo => 0,
            Policy::Sjf => jobs[i].burst,
            Policy::Priority => jobs[i].priority,
        };
        Reverse((first, jobs[i].arrival, i))
    };
    // Jobs in the order they arrive; `next` is the first that has not arrived yet.
    let mut by_arrival: Vec<usize> = (0..jobs.len()).collect();
    by_arrival.sort_by_key(|&i| (jobs[i].arrival, i));
    let mut next = 0;
    let mut ready = BinaryHeap::new();
    let mut timeline = Vec::new();
    while next < by_arrival.len() || !ready.is_empty() {
        let now = timeline.len() as u32;
        while let Some(&i) = by_arrival.get(next).filter(|&&i| jobs[i].arrival <= now) {
            ready.push(key(i));
            next += 1;
        }
        match ready.pop() {
            Some(Reverse((_, _, i))) => {
                timeline.extend(std::iter::repeat_n(Some(i), jobs[i].burst as usize));
            }
            // Nothing ready: idle until the next arrival.
            None => {
                let gap = jobs[by_arrival[next]].arrival - now;
                timeline.extend(std::iter::repeat_n(None, gap as usize));
            }
        }
    }
    timeline
}

/// Each job's times, read from a timeline (works for any policy, preemptive or not).
pub fn metrics(jobs: &[Job], timeline: &[Option<usize>]) -> Vec<Times> {
    // (first tick, last tick) of each job, in one pass.
    let mut span: Vec<Option<(u32, u32)>> = vec![None; jobs.len()];
    for (t, slot) in timeline.iter().enumerate() {
        if let Some(i) = *slot {
            let t = t as u32;
            span[i] = Some(span[i].map_or((t, t), |(first, _)| (first, t)));
        }
    }
    jobs.iter()
        .zip(span)
        .map(|(job, span)| {
            let (first, last) = span.expect("every job runs");
            let turnaround = last + 1 - job.arrival;
            Times {
                turnaround,
                waiting: turnaround - job.burst - job.io_ticks(),
                response: first - job.arrival,
            }
        })
        .collect()
}
