//! Parallelism: CPU-bound work split across threads really runs at the same instant on
//! several CPUs (no GIL in Rust); the same threads confined to one CPU are concurrent but not
//! parallel; and work handed out dynamically keeps every CPU busy.

pub mod balance;
pub mod pinned;
pub mod split_sum;
