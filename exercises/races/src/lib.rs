//! Races: safe Rust forbids data races but not race conditions. A lost update with atomics, a
//! check-then-act that overdraws a wallet, and a read-modify-write across a lock released too
//! early.

pub mod hits;
pub mod inventory;
pub mod sync;
pub mod wallet;
