//! Signals: a handler that only sets a flag and a graceful shutdown, reaping children on
//! SIGCHLD, forwarding a stop signal from a parent to its child.

pub mod forward;
pub mod graceful;
pub mod reaper;
