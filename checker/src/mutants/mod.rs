//! Mutation testing of the reference solutions: small, realistic mistakes made on purpose, each
//! graded by the exercise's suite. A suite that passes a mutant has no test for the promise the
//! mutant breaks (or the mutant changes nothing a student's code could be judged on: an
//! *equivalent* mutant, which the topic's `mutants.toml` lists with a reason).
//!
//! Mutants come from the solution's syntax tree ([`visit`]); each is a small typed record — the
//! function it lives in, its [`Genre`], the text edits that make it — that names itself, renders
//! its own diff and applies itself to the source. The operators are the concurrency mistakes
//! the course is about (a weaker atomic ordering, a join or a `drop` removed, a guard released
//! early, two locks taken the other way round, `notify_all` → `notify_one`, `while` → `if`
//! around a wait, a parallel iterator made sequential, a blocking sleep on the async runtime,
//! ...), plus a few generic ones (a body replaced by a default value, a comparison or an
//! operator flipped).

pub mod equivalent;
mod visit;

use std::fmt;

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};

/// The family of a mutation: what kind of mistake it stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Genre {
    /// A stronger atomic `Ordering` weakened to `Relaxed`.
    Ordering,
    /// An atomic read-modify-write (`fetch_add`) split into a load and a store.
    Atomicity,
    /// A `join` removed.
    Join,
    /// A guard released early (and taken again), or kept alive (its `drop` removed).
    GuardScope,
    /// Two lock acquisitions swapped.
    LockOrder,
    /// `notify_all` → `notify_one`, or a notification removed.
    Notify,
    /// `while` → `if` around a condition variable's wait, or `wait_while` → `wait`.
    WaitLoop,
    /// `lock` → `try_lock`.
    TryLock,
    /// A clean-up call removed: `waitpid`, `wait`, `close`, `unlink`, `kill`, `flush`, ...
    Cleanup,
    /// `_exit` in a child → `process::exit` (runs the parent's exit handlers and flushes its
    /// buffers a second time).
    Exit,
    /// A parallel iterator or `rayon::join` made sequential.
    Parallel,
    /// An `.await` removed (the future is dropped unpolled).
    Await,
    /// Blocking on the async runtime: `spawn_blocking` removed, `tokio::time::sleep` →
    /// `std::thread::sleep`.
    Blocking,
    /// A `yield_now` removed.
    Yield,
    /// A function's body replaced by a default value.
    Body,
    /// A comparison flipped or its boundary moved.
    Compare,
    /// An arithmetic operator swapped.
    Arithmetic,
    /// A logical operator swapped, or a negation removed.
    Logic,
}

impl Genre {
    /// Whether the genre is one of the course's concurrency mistakes (the rest are generic).
    #[allow(dead_code)]
    pub fn is_concurrency(self) -> bool {
        !matches!(
            self,
            Genre::Body | Genre::Compare | Genre::Arithmetic | Genre::Logic
        )
    }
}

impl fmt::Display for Genre {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = serde_json::to_value(self).map_err(|_| fmt::Error)?;
        f.write_str(text.as_str().unwrap_or("?"))
    }
}

/// One text edit: the bytes `start..end` of the source become `text`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edit {
    pub start: usize,
    pub end: usize,
    pub text: String,
}

/// One mutant of one file.
#[derive(Debug, Clone)]
pub struct Mutant {
    /// The function it lives in: `run_workers`, `Supervisor::spawn`.
    pub function: String,
    pub genre: Genre,
    /// What it does, quoting the source: "replace `Ordering::SeqCst` with `Ordering::Relaxed`".
    pub description: String,
    /// The 1-based line of its first edit.
    pub line: usize,
    /// Non-overlapping, in source order.
    pub edits: Vec<Edit>,
    /// `FUNCTION: DESCRIPTION`, with ` #N` when the same text occurs again: stable while the
    /// code around it changes, and what `mutants.toml` names.
    pub id: String,
}

impl Mutant {
    /// The source with this mutant in it.
    pub fn apply(&self, source: &str) -> String {
        let mut out = String::with_capacity(source.len() + 64);
        let mut at = 0;
        for edit in &self.edits {
            out.push_str(&source[at..edit.start]);
            out.push_str(&edit.text);
            at = edit.end;
        }
        out.push_str(&source[at..]);
        out
    }

    /// A unified diff from the source to the mutant, `path` naming the file.
    pub fn diff(&self, source: &str, path: &str) -> String {
        let mutated = self.apply(source);
        let patch = diffy::create_patch(source, &mutated);
        let text = patch.to_string();
        // diffy names the files `original` and `modified`.
        text.replacen("--- original", &format!("--- {path}"), 1)
            .replacen("+++ modified", &format!("+++ {path} (mutant)"), 1)
    }
}

/// Every mutant of `source` (a Rust file), in source order.
pub fn generate(source: &str) -> Result<Vec<Mutant>> {
    let file = syn::parse_file(source).context("cannot parse the file")?;
    let mut mutants = visit::sites(&file, source);
    mutants.sort_by_key(|m| (m.edits[0].start, m.genre, m.description.clone()));
    mutants.dedup_by(|a, b| a.edits == b.edits);
    name(&mut mutants);
    Ok(mutants)
}

/// Gives each mutant its id; a repeated `FUNCTION: DESCRIPTION` is numbered from the second.
fn name(mutants: &mut [Mutant]) {
    let mut seen: std::collections::HashMap<String, usize> = Default::default();
    for mutant in mutants {
        let base = format!("{}: {}", mutant.function, mutant.description);
        let count = seen.entry(base.clone()).or_default();
        *count += 1;
        mutant.id = if *count == 1 {
            base
        } else {
            format!("{base} #{count}")
        };
    }
}

#[cfg(test)]
mod tests;
