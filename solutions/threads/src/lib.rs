//! Threads: spawn and join workers, let scoped threads borrow, supervise named workers.
