//! Nothing here: the proof is this package's test, `tests/verify.rs`.
