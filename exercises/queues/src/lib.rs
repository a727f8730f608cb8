//! Queues: a blocking bounded queue built from `Mutex` + `Condvar`, then crossbeam-channel's
//! bounded MPMC queue for work distribution with backpressure, and `select!` over two channels.

pub mod bounded_queue;
pub mod select_merge;
pub mod sync;
pub mod work_distribution;
