//! Pools: a fixed set of reusable workers sized to the CPU count. Build a `ThreadPool` on
//! crossbeam channels, give it Python's `Pool` API (`map`, `apply`, `map_async`,
//! `apply_async`), then let rayon do the same job.

pub mod pool_map;
pub mod rayon_map;
pub mod thread_pool;
