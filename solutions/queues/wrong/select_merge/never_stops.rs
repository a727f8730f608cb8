//! Wrong: skips the errors of closed channels but never leaves the loop, so merge spins forever.
//! Expect: both channels closed

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
    loop {
        select! {
            recv(left) -> message => if let Ok(item) = message {
                each(Side::Left, item);
            },
            recv(right) -> message => if let Ok(item) = message {
                each(Side::Right, item);
            },
        }
    }
}
