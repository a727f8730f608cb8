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
        let (left, right) = (seat, (seat + 1) % self.seats());
        // Resource hierarchy: the lower-numbered fork first. The last philosopher (right fork
        // 0) reaches for fork 0 first, against the others' direction, which breaks the cycle.
        let (first, second) = (left.min(right), left.max(right));
        // Named guards, not `let _ = ...`: `_` drops the guard at once, putting the fork down.
        // They drop when `eat` returns, or when `meal` panics (unwinding), so the forks are
        // always put down. A panic while a guard lives poisons its lock; a fork guards no
        // data, so the next philosopher takes it all the same instead of panicking in turn.
        let _first = self.forks[first]
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let _second = self.forks[second]
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        meal()
    }
}
