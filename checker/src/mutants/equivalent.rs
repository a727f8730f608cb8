//! The mutants a topic's suite cannot and need not kill: `solutions/TOPIC/mutants.toml`, one
//! entry per equivalent mutant with the reason no test can tell it from the reference (it
//! changes nothing the exercise's contract promises).
//!
//! ```toml
//! [[equivalent]]
//! exercise = "graceful"
//! mutant = "run: replace `Ordering::SeqCst` with `Ordering::Relaxed`"
//! reason = "the flag publishes no other data: any ordering sees it set"
//! ```
//!
//! `lint` keeps the list honest: every entry names an exercise of the topic and a mutant that
//! the generator still makes, with a reason; `mutants` reports an entry whose mutant a test
//! kills (it was not equivalent after all).

use std::path::Path;

use anyhow::{Context, Result};
use serde::Deserialize;

/// One equivalent mutant.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Equivalent {
    pub exercise: String,
    /// The mutant's id, as `cargo checker mutants` prints it.
    pub mutant: String,
    pub reason: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    equivalent: Vec<Equivalent>,
}

/// The equivalent mutants listed in `path` (none when there is no such file).
pub fn load(path: &Path) -> Result<Vec<Equivalent>> {
    if !path.is_file() {
        return Ok(Vec::new());
    }
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let file: File =
        toml::from_str(&text).with_context(|| format!("cannot parse {}", path.display()))?;
    Ok(file.equivalent)
}
