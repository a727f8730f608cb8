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
    let (mut left, mut right) = (Some(left), Some(right));
    // A closed channel is always "ready" (with an error): swap it for one that never is, or
    // `select!` keeps picking it and spins.
    let closed = never();
    while left.is_some() || right.is_some() {
        select! {
            recv(left.as_ref().unwrap_or(&closed)) -> message => match message {
                Ok(item) => each(Side::Left, item),
                Err(_) => left = None,
            },
            recv(right.as_ref().unwrap_or(&closed)) -> message => match message {
                Ok(item) => each(Side::Right, item),
                Err(_) => right = None,
            },
        }
    }
}
