//! Wrong: every philosopher picks up the left fork, then the right: all can hold their left fork
//! and wait for the right one forever (circular wait).
//! Expect: deadlock

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
    /// them, and puts them down. Never deadlocks, however many philosophers eat at once.
    pub fn eat<R>(&self, seat: usize, meal: impl FnOnce() -> R) -> R {
        let (left, right) = (seat, (seat + 1) % self.seats());
        // Resource hierarchy: the lower-numbered fork first. The last philosopher (right fork
        // 0) reaches for fork 0 first, against the others' direction, which breaks the cycle.
        let (first, second) = (left, right);
        // Named guards, not `let _ = ...`: `_` drops the guard at once, putting the fork down.
        let _first = self.forks[first].lock().unwrap();
        let _second = self.forks[second].lock().unwrap();
        meal()
    }
}
