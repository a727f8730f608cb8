//! Processes: fork and wait, a Python-like `Process`, child programs with pipes, isolation.

pub mod fork_wait;
pub mod isolation;
pub mod process_api;
pub mod subprocess;
