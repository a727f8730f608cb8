//! Wrong: drains the right channel to its end before even looking at the left one.
//! Expect: select

use crossbeam_channel::Receiver;

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
    for item in right {
        each(Side::Right, item);
    }
    for item in left {
        each(Side::Left, item);
    }
}
