//! Scheduling: a small CPU-scheduler simulator. A process's life as a state machine with its
//! PCB and context switch, then non-preemptive batch policies (FIFO, SJF, priority), then
//! preemptive round-robin with I/O, producing the state of every process at every tick.

pub mod model;

pub mod batch;
pub mod process_states;
pub mod round_robin;
