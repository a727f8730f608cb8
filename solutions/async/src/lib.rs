//! Async: cooperative tasks on tokio's single-threaded event loop. Many tasks at once with
//! `spawn`, `join!` and `select!`; the blocking calls that stall every task; and a loopback
//! TCP echo server written with tasks and with threads.

pub mod blocking_trap;
pub mod echo;
pub mod tasks;
