//! Alternative: `select!` over both channels while both are open; once one closes, the other is
//! the only source left, so a plain blocking loop over it finishes the merge (no `never()`).

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
    let (rest, side) = loop {
        select! {
            recv(left) -> message => match message {
                Ok(item) => each(Side::Left, item),
                Err(_) => break (right, Side::Right),
            },
            recv(right) -> message => match message {
                Ok(item) => each(Side::Right, item),
                Err(_) => break (left, Side::Left),
            },
        }
    };
    for item in rest {
        each(side, item);
    }
}
