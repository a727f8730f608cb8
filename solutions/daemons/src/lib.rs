//! Daemons: daemon and non-daemon threads, a double-forked Unix daemon with a pidfile, and a
//! pidfile that keeps a second copy of a daemon from starting.

pub mod daemon_threads;
pub mod pidfile;
pub mod unix_daemon;
