//! Wrong: polls both channels with `try_recv` in a loop instead of waiting with `select!`: it
//! never sleeps, and burns a CPU while both channels are silent.
//! Expect: busy waiting

use crossbeam_channel::{Receiver, TryRecvError};

/// Which channel a message came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// The first channel.
    Left,
    /// The second channel.
    Right,
}

/// Calls `each` with every message of `left` and `right` as soon as it arrives, whichever
/// channel it comes from; returns once both channels are closed and drained.
pub fn merge<T>(left: Receiver<T>, right: Receiver<T>, mut each: impl FnMut(Side, T)) {
    let (mut left_open, mut right_open) = (true, true);
    while left_open || right_open {
        if left_open {
            match left.try_recv() {
                Ok(item) => each(Side::Left, item),
                Err(TryRecvError::Disconnected) => left_open = false,
                Err(TryRecvError::Empty) => {}
            }
        }
        if right_open {
            match right.try_recv() {
                Ok(item) => each(Side::Right, item),
                Err(TryRecvError::Disconnected) => right_open = false,
                Err(TryRecvError::Empty) => {}
            }
        }
    }
}
