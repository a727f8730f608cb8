//! Dining philosophers: philosophers sit around a table with one fork between neighbours, and
//! each needs both neighbouring forks to eat. If all pick up their left fork first, all can hold
//! one fork and wait forever for the next. Resource hierarchy: every philosopher picks up the
//! lower-numbered of their two forks first, so the waiting can never go round the table.

use std::sync::PoisonError;

use crate::sync::Mutex;

/// A round table: seat `i` sits between fork `i` and fork `(i + 1) % seats`.
pub struct Table {
    forks: Vec<Mutex<()>>,
}

impl Table {
    /// A table with `seats` seats and as many forks (at least 2).
    pub fn new(seats: usize) -> Self {
        assert!(seats >= 2, "a table needs at least two seats");
        Table {
            forks: (0..seats).map(|_| Mutex::new(())).collect(),
        }
    }

    /// How many seats the table has.
    pub fn seats(&self) -> usize {
        self.forks.len()
    }

    /// The philosopher at `seat` picks up both neighbouring forks, runs `meal` while holding
    /// them, and puts them down. Never deadlocks, however many philosophers eat at once, and
    /// philosophers who share no fork eat at the same time. If `meal` panics, the panic goes on
    /// to the caller and the forks are put down all the same: later meals are served as usual.
    pub fn eat<R>(&self, seat: usize, meal: impl FnOnce() -> R) -> R {
        // TODO: pick up (lock) both neighbouring forks, lower-numbered first, and keep them
        //       (named guards) until `meal` has run. A meal that panicked poisons its forks'
        //       locks: a fork guards no data, so take it anyway (`PoisonError::into_inner`).
        todo!()
    }
}
