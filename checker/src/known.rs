//! Known versions of a solution, beside the reference: the catalogue of mistakes
//! (`solutions/TOPIC/wrong/EXERCISE/MISTAKE.rs` or `.diff`), which the suite must reject, and
//! the catalogue of correct alternatives (`solutions/TOPIC/alt/EXERCISE/DESIGN.rs` or `.diff`),
//! which it must accept: a suite that rejects a different but valid design grades the
//! reference's shape, not the exercise's contract.
//!
//! Either one replaces the exercise's file in a copy of the solution crate: a whole file
//! (`.rs`, for a rewrite), or a unified diff against the solution's file (`.diff`, for a small
//! edit: it shows exactly the change, and the rest follows the solution when it changes). A
//! mistake opens with `Wrong: ...` (the mistake) and `Expect: ...` lines — words the failing
//! verdict must contain, so we know the suite names the concept the mistake misses; an
//! alternative opens with `Alternative: ...` (the design). An `.rs` file writes them as `//!`
//! comments.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

use crate::catalog::Exercise;
use crate::kit::Kit;

/// Which catalogue a known version belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A mistake (`wrong/`): the suite must reject it.
    Wrong,
    /// A correct alternative design (`alt/`): the suite must accept it.
    Alternative,
}

impl Kind {
    /// The catalogue's folder under the solution crate.
    pub fn folder_name(self) -> &'static str {
        match self {
            Kind::Wrong => "wrong",
            Kind::Alternative => "alt",
        }
    }

    /// The header line that says what the version is.
    fn header(self) -> &'static str {
        match self {
            Kind::Wrong => "Wrong:",
            Kind::Alternative => "Alternative:",
        }
    }
}

/// One catalogued version of an exercise's file.
#[derive(Debug, Clone)]
pub struct Known {
    pub kind: Kind,
    /// The file stem: `kept_sender` for `kept_sender.rs`.
    pub name: String,
    pub path: PathBuf,
    /// The `Wrong:` or `Alternative:` line: the mistake, or the design.
    pub summary: String,
    /// The `Expect:` lines (mistakes only).
    pub expect: Vec<String>,
}

/// A catalogue folder of an exercise.
pub fn folder(kit: &Kit, exercise: &Exercise, kind: Kind) -> PathBuf {
    kit.layout.catalogue(exercise, kind)
}

/// The catalogued versions of one kind of an exercise, sorted by name.
pub fn catalogue(kit: &Kit, exercise: &Exercise, kind: Kind) -> Result<Vec<Known>> {
    let dir = folder(kit, exercise, kind);
    if !dir.is_dir() {
        return Ok(Vec::new());
    }
    let mut found = Vec::new();
    for entry in
        std::fs::read_dir(&dir).with_context(|| format!("cannot read {}", dir.display()))?
    {
        let path = entry?.path();
        if path.extension().is_some_and(|e| e == "rs" || e == "diff") {
            found.push(parse(&path, kind)?);
        }
    }
    found.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(found)
}

fn parse(path: &Path, kind: Kind) -> Result<Known> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let is_diff = path.extension().is_some_and(|e| e == "diff");
    let header = |key: &str| -> Vec<String> {
        text.lines()
            .take_while(|l| {
                if is_diff {
                    !l.starts_with("--- ")
                } else {
                    l.starts_with("//!") || l.trim().is_empty()
                }
            })
            .filter_map(|l| l.trim_start_matches("//!").trim().strip_prefix(key))
            .map(|v| v.trim().to_owned())
            .collect()
    };
    let summary = header(kind.header()).into_iter().next().unwrap_or_default();
    let expect = header("Expect:");
    match kind {
        Kind::Wrong if summary.is_empty() || expect.is_empty() => bail!(
            "{}: a wrong solution opens with a `Wrong: ...` line and at least one `Expect: ...` line",
            path.display()
        ),
        Kind::Alternative if summary.is_empty() || !expect.is_empty() => bail!(
            "{}: a correct alternative opens with an `Alternative: ...` line (and no `Expect:`: it must pass)",
            path.display()
        ),
        _ => {}
    }
    let name = path
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or_default()
        .to_owned();
    Ok(Known {
        kind,
        name,
        path: path.to_path_buf(),
        summary,
        expect,
    })
}

impl Known {
    /// The exercise's file in this version. `solution` is the reference file a `.diff`
    /// applies to.
    pub fn contents(&self, solution: &Path) -> Result<Vec<u8>> {
        let text = std::fs::read_to_string(&self.path)
            .with_context(|| format!("cannot read {}", self.path.display()))?;
        if self.path.extension().is_none_or(|e| e != "diff") {
            return Ok(text.into_bytes());
        }
        let base = std::fs::read_to_string(solution)
            .with_context(|| format!("cannot read {}", solution.display()))?;
        let start = text.find("--- ").unwrap_or(text.len());
        let patch = diffy::Patch::from_str(&text[start..])
            .map_err(|e| anyhow::anyhow!("{}: not a unified diff: {e}", self.path.display()))?;
        let patched = diffy::apply(&base, &patch).map_err(|e| {
            anyhow::anyhow!(
                "{} no longer applies to {} ({e}); update the diff to the current solution",
                self.path.display(),
                solution.display()
            )
        })?;
        Ok(patched.into_bytes())
    }
}

/// The `Expect:` words that `verdict` (all the failure text, lowercased) does not contain.
pub fn missing_expectations<'a>(wrong: &'a Known, verdict: &str) -> Vec<&'a str> {
    let verdict = verdict.to_lowercase();
    wrong
        .expect
        .iter()
        .map(String::as_str)
        .filter(|e| !verdict.contains(&e.to_lowercase()))
        .collect()
}
