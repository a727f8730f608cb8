//! Wrong: remembers which channel closed but keeps it in the `select!`: a closed channel is
//! always ready, so while the other one is silent the loop spins on the closed one's error.
//! Expect: busy waiting

use crossbeam_channel::{Receiver, select};

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
        select! {
            recv(left) -> message => match message {
                Ok(item) => each(Side::Left, item),
                Err(_) => left_open = false,
            },
            recv(right) -> message => match message {
                Ok(item) => each(Side::Right, item),
                Err(_) => right_open = false,
            },
        }
    }
}
