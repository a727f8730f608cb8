//! Threads: spawn and join workers, let scoped threads borrow, supervise named workers.

pub mod scoped_chunks;
pub mod spawn_join;
pub mod supervisor;
