//! Alternative: two passes: first the timeline alone (the ready queue and the clock), then every job's state in every tick, worked out from the timeline and the job's arrival, bursts and I/O blocks.

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
    let timeline = schedule(jobs, quantum);
    let states = (0..timeline.len())
        .map(|t| (0..jobs.len()).map(|i| state_of(jobs, &timeline, i, t)).collect())
        .collect();
    Trace { timeline, states }
}

/// Who runs in each tick.
fn schedule(jobs: &[Job], quantum: u32) -> Vec<Option<usize>> {
    let mut left: Vec<u32> = jobs.iter().map(|j| j.burst).collect();
    // The tick each job is ready again after its I/O.
    let mut back_at: Vec<Option<u32>> = vec![None; jobs.len()];
    let mut queue = VecDeque::new();
    let mut cpu: Option<(usize, u32)> = None;
    let mut timeline = Vec::new();
    let mut now = 0;
    while left.iter().any(|&l| l > 0) {
        for (i, job) in jobs.iter().enumerate() {
            if job.arrival == now {
                queue.push_back(i);
            }
        }
        for (i, back) in back_at.iter_mut().enumerate() {
            if *back == Some(now) {
                *back = None;
                queue.push_back(i);
            }
        }
        if let Some((i, ran)) = cpu
            && ran == quantum
        {
            queue.push_back(i);
            cpu = None;
        }
        cpu = cpu.or_else(|| queue.pop_front().map(|i| (i, 0)));
        timeline.push(cpu.map(|(i, _)| i));
        if let Some((i, ran)) = cpu {
            left[i] -= 1;
            cpu = Some((i, ran + 1));
            let done = jobs[i].burst - left[i];
            if left[i] == 0 {
                cpu = None;
            } else if let Some(block) = jobs[i].io.iter().find(|b| b.after == done) {
                back_at[i] = Some(now + 1 + block.duration);
                cpu = None;
            }
        }
        now += 1;
    }
    timeline
}

/// The state of job `i` in tick `t`, from the timeline up to `t` and the job itself.
fn state_of(jobs: &[Job], timeline: &[Option<usize>], i: usize, t: usize) -> State {
    let job = &jobs[i];
    if (t as u32) < job.arrival {
        return State::New;
    }
    if timeline[t] == Some(i) {
        return State::Running;
    }
    let ran_before: Vec<usize> = (0..t).filter(|&s| timeline[s] == Some(i)).collect();
    if ran_before.len() as u32 == job.burst {
        return State::Terminated;
    }
    // Blocked if the last CPU tick before `t` started an I/O block that has not ended yet.
    if let Some(&last) = ran_before.last()
        && let Some(block) = job.io.iter().find(|b| b.after == ran_before.len() as u32)
        && t <= last + block.duration as usize
    {
        return State::Blocked;
    }
    State::Ready
}
