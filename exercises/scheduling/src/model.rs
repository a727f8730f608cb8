//! The simulator's data: jobs, process states and the rules of time. Given, not an exercise.
//!
//! Time is counted in ticks 0, 1, 2, … and there is one CPU: in each tick at most one job runs.
//! - A job is `New` in the ticks before its `arrival`; from `arrival` on it is `Ready`,
//!   `Running` or `Blocked`; from the tick after its last CPU tick on it is `Terminated`.
//! - An [`IoBlock`] `{ after, duration }`: when the job has had `after` ticks of CPU (ending in
//!   tick `t`), it is `Blocked` in ticks `t + 1 ..= t + duration` and `Ready` again in tick
//!   `t + duration + 1`. `0 < after < burst`, and a job's blocks are sorted by `after`.
//! - A timeline is `Vec<Option<usize>>`: `timeline[t]` is the index of the job that ran in tick
//!   `t` (`None`: the CPU was idle). It ends with the last job's last tick.

/// One job (a process, for the scheduler) to run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Job {
    /// The first tick at which the job may run.
    pub arrival: u32,
    /// How many ticks of CPU the job needs in total.
    pub burst: u32,
    /// Smaller is more urgent (as with Unix nice values).
    pub priority: u32,
    /// Where the job waits for I/O, in order.
    pub io: Vec<IoBlock>,
}

impl Job {
    /// A CPU-only job with priority 0.
    pub fn new(arrival: u32, burst: u32) -> Job {
        Job {
            arrival,
            burst,
            priority: 0,
            io: Vec::new(),
        }
    }

    /// The same job with another priority.
    pub fn priority(self, priority: u32) -> Job {
        Job { priority, ..self }
    }

    /// The same job with one more I/O block: after `after` ticks of CPU, wait `duration` ticks.
    pub fn io(mut self, after: u32, duration: u32) -> Job {
        self.io.push(IoBlock { after, duration });
        self
    }

    /// Total ticks this job spends blocked on I/O.
    pub fn io_ticks(&self) -> u32 {
        self.io.iter().map(|b| b.duration).sum()
    }
}

/// A wait for I/O in the middle of a job.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IoBlock {
    /// Ticks of CPU the job has had when it starts waiting.
    pub after: u32,
    /// Ticks the wait lasts.
    pub duration: u32,
}

/// The five process states of the notes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum State {
    /// Created, not yet admitted (before its arrival).
    New,
    /// Could run, waiting for the CPU.
    Ready,
    /// On the CPU.
    Running,
    /// Waiting for I/O; cannot run even if the CPU is free.
    Blocked,
    /// Finished.
    Terminated,
}

/// Per-job times, all in ticks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Times {
    /// Completion − arrival: how long the job was in the system.
    pub turnaround: u32,
    /// Ticks spent `Ready` (turnaround − burst − I/O).
    pub waiting: u32,
    /// First tick on the CPU − arrival: how long until it first got to run.
    pub response: u32,
}

/// The mean of some values, for averages over jobs.
pub fn mean(values: impl IntoIterator<Item = u32>) -> f64 {
    let (sum, n) = values
        .into_iter()
        .fold((0u64, 0u64), |(s, n), v| (s + u64::from(v), n + 1));
    if n == 0 { 0.0 } else { sum as f64 / n as f64 }
}

/// How many times the CPU went from one job straight to a different one: each is a context
/// switch (saving one job's registers into its PCB, loading another's).
pub fn context_switches(timeline: &[Option<usize>]) -> usize {
    timeline
        .windows(2)
        .filter(|w| matches!(w, [Some(a), Some(b)] if a != b))
        .count()
}
