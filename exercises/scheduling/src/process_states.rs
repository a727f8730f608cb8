//! The life of a process as a state machine, and its process control block (PCB).
//!
//! `Pcb::apply` moves a process between the five states on an event and refuses transitions
//! that cannot happen; `context_switch` takes the CPU from one process and gives it to another,
//! saving and restoring the registers through their PCBs.

use crate::model::State;

/// What happens to a process.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Event {
    /// The OS accepts a new process: New → Ready.
    Admit,
    /// The scheduler gives it the CPU: Ready → Running.
    Dispatch,
    /// Its time slice is over, or a more urgent process came: Running → Ready.
    Preempt,
    /// It asks for I/O and must wait: Running → Blocked.
    WaitIo,
    /// The I/O it waited for is done: Blocked → Ready.
    IoDone,
    /// It finished: Running → Terminated.
    Exit,
}

/// The error for an event that cannot happen in the process's current state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IllegalTransition {
    /// The state the process was (and still is) in.
    pub from: State,
    /// The refused event.
    pub event: Event,
}

/// What the CPU holds while a process runs; the PCB keeps a copy while it does not.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Context {
    /// Where the process's next instruction is.
    pub program_counter: u64,
    /// General-purpose registers.
    pub registers: [u64; 4],
}

/// The process control block: everything the OS keeps about one process.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pcb {
    /// Process id.
    pub pid: u32,
    /// Current state.
    pub state: State,
    /// The registers saved when the process last left the CPU.
    pub context: Context,
    /// How many times it was given the CPU.
    pub dispatches: u32,
}

impl Pcb {
    /// A process just created: `New`, with a zeroed context.
    pub fn new(pid: u32) -> Pcb {
        Pcb {
            pid,
            state: State::New,
            context: Context::default(),
            dispatches: 0,
        }
    }

    /// Applies `event`, returning the new state, or refuses it and leaves the PCB unchanged.
    pub fn apply(&mut self, event: Event) -> Result<State, IllegalTransition> {
        // TODO: match on (current state, event). Only six arrows exist (see `Event`'s docs);
        // every other pair is an `IllegalTransition` and leaves the PCB unchanged. Count
        // dispatches (entering Running) in `self.dispatches`.
        todo!("move the process to its next state, or refuse the event")
    }
}

/// Takes the CPU from `from` (Running, becomes Ready) and gives it to `to` (Ready, becomes
/// Running). If either transition is illegal nothing changes.
pub fn context_switch(
    cpu: &mut Context,
    from: &mut Pcb,
    to: &mut Pcb,
) -> Result<(), IllegalTransition> {
    // TODO: refuse (changing nothing) unless `from` is Running and `to` is Ready. Then save
    // the CPU's registers into `from`'s PCB, preempt it, load `to`'s saved registers into the
    // CPU and dispatch it.
    todo!("switch the CPU from one process to another")
}
