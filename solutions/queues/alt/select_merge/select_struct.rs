//! Alternative: crossbeam's `Select` builder instead of the `select!` macro; a closed channel's
//! operation is removed from the set, so it is never picked again.

use crossbeam_channel::{Receiver, Select};

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
    let mut select = Select::new();
    let left_op = select.recv(&left);
    let right_op = select.recv(&right);
    let mut open = 2;
    while open > 0 {
        let operation = select.select();
        let index = operation.index();
        let (side, receiver) = if index == left_op {
            (Side::Left, &left)
        } else {
            debug_assert_eq!(index, right_op);
            (Side::Right, &right)
        };
        match operation.recv(receiver) {
            Ok(item) => each(side, item),
            Err(_) => {
                // Closed and drained: stop listening to it.
                select.remove(index);
                open -= 1;
            }
        }
    }
}
