//! `select!`: one consumer listening to two channels at once, taking whichever has a message,
//! and stopping only when both are closed.

use crossbeam_channel::{Receiver, never, select};

/// Which channel a message came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// The first channel.
    Left,
    /// The second channel.
    Right,
}

/// Calls `each` with every message of `left` and `right` as soon as it arrives, whichever
/// channel it comes from; returns once both channels are closed and drained. While it waits,
/// it sleeps: it never spins on a closed channel.
pub fn merge<T>(left: Receiver<T>, right: Receiver<T>, mut each: impl FnMut(Side, T)) {
    // TODO: loop over `select! { recv(left) -> msg => ..., recv(right) -> msg => ... }`.
    // TODO: `Err(_)` means that channel is closed: stop listening to it (`never()` is a
    //       receiver that is never ready), and return when both are closed.
    todo!()
}
