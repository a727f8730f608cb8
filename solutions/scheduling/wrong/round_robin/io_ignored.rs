//! Wrong: ignores I/O blocks, so a job keeps the CPU (or stays ready) while it waits for I/O.
//! Expect: must be Blocked on I/O

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
    let n = jobs.len();
    let mut cpu_used = vec![0u32; n];
    let mut next_io = vec![0usize; n];
    // `Some(t)`: blocked on I/O, ready again in tick `t`.
    let mut io_until: Vec<Option<u32>> = vec![None; n];
    let mut terminated = vec![false; n];
    let mut queue = VecDeque::new();
    // The running job and how much of its quantum it has used.
    let mut running: Option<(usize, u32)> = None;
    let mut trace = Trace {
        timeline: Vec::new(),
        states: Vec::new(),
    };

    let mut t = 0u32;
    while terminated.iter().any(|done| !done) {
        queue.extend((0..n).filter(|&i| jobs[i].arrival == t));
        for (i, until) in io_until.iter_mut().enumerate() {
            if *until == Some(t) {
                *until = None;
                queue.push_back(i);
            }
        }
        // Preemption: the quantum is the OS's guarantee that no job keeps the CPU while
        // others wait. The job goes to the back, behind everyone who became ready meanwhile.
        if let Some((job, used)) = running
            && used == quantum
        {
            queue.push_back(job);
            running = None;
        }
        if running.is_none() {
            running = queue.pop_front().map(|job| (job, 0));
        }

        trace.states.push(
            (0..n)
                .map(|i| match () {
                    _ if terminated[i] => State::Terminated,
                    _ if jobs[i].arrival > t => State::New,
                    _ if running.is_some_and(|(job, _)| job == i) => State::Running,
                    _ if io_until[i].is_some() => State::Blocked,
                    _ => State::Ready,
                })
                .collect(),
        );

        trace.timeline.push(running.map(|(job, _)| job));
        if let Some((job, used)) = running {
            cpu_used[job] += 1;
            running = Some((job, used + 1));
            if cpu_used[job] == jobs[job].burst {
                terminated[job] = true;
                running = None;
            } else if let Some(block) = jobs[job].io.get(next_io[job])
                && block.after == cpu_used[job]
                && block.duration == 0
            {
                // Waiting for I/O gives the CPU away at once, quantum left or not: a
                // blocked job cannot use it, and another ready job can.
                next_io[job] += 1;
                io_until[job] = Some(t + 1 + block.duration);
                running = None;
            }
        }
        t += 1;
    }
    trace
}
