//! Alternative: an arbiter instead of a resource hierarchy: a waiter lets at most `seats - 1` philosophers sit at once, so even if every seated one holds their left fork, one of them can take the right fork too.

use std::sync::PoisonError;

use crate::sync::{Condvar, Mutex};

/// A round table: seat `i` sits between fork `i` and fork `(i + 1) % seats`.
pub struct Table {
    forks: Vec<Mutex<()>>,
    /// How many philosophers are seated (eating, or reaching for forks).
    seated: Mutex<usize>,
    /// Signalled when a philosopher leaves the table.
    seat_freed: Condvar,
}

/// A seated philosopher; leaves the table when dropped, even if the meal panicked.
struct Seated<'a>(&'a Table);

impl Drop for Seated<'_> {
    fn drop(&mut self) {
        *self.0.seated.lock().unwrap_or_else(PoisonError::into_inner) -= 1;
        // Every waiter waits for the same thing, a free seat: one leaving frees one seat.
        self.0.seat_freed.notify_one();
    }
}

impl Table {
    /// A table with `seats` seats and as many forks (at least 2).
    pub fn new(seats: usize) -> Self {
        assert!(seats >= 2, "a table needs at least two seats");
        Table {
            forks: (0..seats).map(|_| Mutex::new(())).collect(),
            seated: Mutex::new(0),
            seat_freed: Condvar::new(),
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
        {
            let mut seated = self.seated.lock().unwrap_or_else(PoisonError::into_inner);
            while *seated == self.seats() - 1 {
                seated = self
                    .seat_freed
                    .wait(seated)
                    .unwrap_or_else(PoisonError::into_inner);
            }
            *seated += 1;
        }
        // Declared first, dropped last: the philosopher puts the forks down, then stands up.
        let _seated = Seated(self);
        // Left then right is safe here: with one seat empty the waiting cannot go round.
        let _left = self.forks[left]
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let _right = self.forks[right]
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        meal()
    }
}
