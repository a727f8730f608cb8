//! Pipes: an OS pipe between a parent and a forked child, a duplex `Pipe()` with framed
//! messages, and channels between threads that know when every producer is done.

pub mod channels;
pub mod duplex;
pub mod fork_pipe;
