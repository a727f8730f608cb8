//! Instructor verbs: `lint` (the catalogue is consistent), `new` (scaffold an exercise) and
//! `grade` (class mode). `verify`, the proof that the kit teaches, runs `lint` first.

pub mod class;
pub mod lint;
pub mod new;
