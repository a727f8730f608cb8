//! Wrong: returns as soon as either channel closes, dropping what the other one still sends.
//! Expect: lost messages

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
            recv(left) -> message => match message {
                Ok(item) => each(Side::Left, item),
                Err(_) => return,
            },
            recv(right) -> message => match message {
                Ok(item) => each(Side::Right, item),
                Err(_) => return,
            },
        }
    }
}
