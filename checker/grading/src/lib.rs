//! Helpers shared by every grading suite in `checker/suites/`.
//!
//! A suite must never hang, whatever the student wrote: every test body runs through
//! [`within`], which gives up after a bounded time with a message that names the likely cause.
//! The probes ([`Rendezvous`], [`ThreadLog`], [`ExitWatch`]) let a suite check the *concept* —
//! that work really ran on other threads, at the same time — not just the output. [`model`]
//! serves the topics graded by a model checker: their suites, and (under the `model` feature)
//! the primitives their `sync` shims re-export, which record each step of an interleaving.

pub mod caught;
mod exit_watch;
pub mod hang;
pub mod lab;
pub mod model;
pub mod procfs;
mod program;
mod rendezvous;
mod thread_log;
mod timeout;
pub mod waiting;

pub use exit_watch::ExitWatch;
/// Seeded random inputs for suites that vary sizes, durations and orders: always
/// `fastrand::Rng::with_seed(...)`, never the thread-local generator, so every run grades the
/// same cases.
pub use fastrand;
pub use model::model_check;
pub use program::{Next, PATIENCE, Program};
pub use rendezvous::Rendezvous;
pub use thread_log::ThreadLog;
pub use timeout::{DID_NOT_FINISH, test_timeout, within, within_for};
