//! Wrong: loads the next process's registers without saving the current ones into its PCB.
//! Expect: were not saved into its PCB

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
        use Event::*;
        use State::*;
        // Only these six arrows exist. In particular a Blocked process never goes straight
        // back to Running: when its I/O is done it joins the ready queue and waits its turn.
        let to = match (self.state, event) {
            (New, Admit) => Ready,
            (Ready, Dispatch) => Running,
            (Running, Preempt) => Ready,
            (Running, WaitIo) => Blocked,
            (Blocked, IoDone) => Ready,
            (Running, Exit) => Terminated,
            (from, event) => return Err(IllegalTransition { from, event }),
        };
        if to == Running {
            self.dispatches += 1;
        }
        self.state = to;
        Ok(to)
    }
}

/// Takes the CPU from `from` (Running, becomes Ready) and gives it to `to` (Ready, becomes
/// Running). If either transition is illegal nothing changes.
pub fn context_switch(
    cpu: &mut Context,
    from: &mut Pcb,
    to: &mut Pcb,
) -> Result<(), IllegalTransition> {
    // Check both transitions before touching anything, so a refused switch changes nothing.
    if from.state != State::Running {
        return Err(IllegalTransition {
            from: from.state,
            event: Event::Preempt,
        });
    }
    if to.state != State::Ready {
        return Err(IllegalTransition {
            from: to.state,
            event: Event::Dispatch,
        });
    }
    // Save first: the CPU's registers are the only copy of where `from` was. This copying
    // (and the cache and TLB misses after it) is the cost of a context switch.
    from.apply(Event::Preempt)?;
    *cpu = to.context;
    to.apply(Event::Dispatch)?;
    Ok(())
}
