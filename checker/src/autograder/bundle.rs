//! `cargo checker autograder gradescope OUT.zip`: the autograder Gradescope builds its image from.
//!
//! Gradescope's specification (gradescope-autograders.readthedocs.io, "Autograder
//! Specifications"): the zip "must contain at least two files in the root of the archive":
//! "setup.sh: a setup (Bash) script that installs all your dependencies" and "run_autograder: an
//! executable script, in any language (with appropriate `#!` line), that compiles and runs your
//! autograder suite and produces the output in the correct place"; "/autograder/source contains
//! the extracted contents of your autograder zip file". So the zip holds, at its root, those two
//! scripts (`setup.sh` and `run_autograder` beside this file, mode 0755) and the kit's sources:
//! everything a fresh clone has, so nothing its root `.gitignore` names (`target/`, the
//! progress file, `docs/book/`, `mutants.out*`, ...), no `.git`, no other `target/`, no zip at
//! the root (earlier bundles), nor the zip being written.
//!
//! `--only NAME` writes the topic or exercise into both scripts (`CHECKER_ONLY`): setup warms
//! the build cache for it alone, and each submission is graded on it alone.
//!
//! Entries are sorted and dated 1980-01-01 (zip's epoch), so the same kit gives the same bytes.

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, DateTime, ZipWriter};

use crate::kit::Kit;

const SETUP: &str = include_str!("setup.sh");
const RUN_AUTOGRADER: &str = include_str!("run_autograder");

/// The line of both scripts that `--only` fills in.
const ONLY_LINE: &str = "CHECKER_ONLY=\"\"\n";

pub fn run(kit: &Kit, out: &Path, only: Option<&str>) -> Result<bool> {
    if let Some(name) = only {
        let exercises = kit.catalog.select(name)?;
        // The name goes into the scripts between double quotes: catalogue names are plain
        // words, and anything else is refused rather than quoted.
        if !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        {
            bail!("`{name}` cannot be written into the scripts: use letters, digits, _ and -");
        }
        eprintln!("grading only {name}: {} exercise(s)", exercises.len());
    }
    let dir = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let dir = dir.canonicalize().with_context(|| {
        format!(
            "cannot write {}: no folder {}",
            out.display(),
            dir.display()
        )
    })?;
    let out_name = out
        .file_name()
        .with_context(|| format!("{} is not a file name", out.display()))?;
    let target = dir.join(out_name);

    let mut temp = tempfile::Builder::new()
        .prefix(".autograder-")
        .suffix(".zip.part")
        .tempfile_in(&dir)?;
    let mut zip = ZipWriter::new(temp.as_file_mut());
    let options = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Deflated)
        .last_modified_time(DateTime::default());
    let mut count = 0;
    for (name, script) in [("setup.sh", SETUP), ("run_autograder", RUN_AUTOGRADER)] {
        zip.start_file(name, options.unix_permissions(0o755))?;
        zip.write_all(with_only(script, only)?.as_bytes())?;
        count += 1;
    }
    let mut files = Vec::new();
    let ignored = Ignored::load(&kit.root);
    walk(&kit.root, &kit.root, &target, &ignored, &mut files)?;
    files.sort();
    for relative in &files {
        let path = kit.root.join(relative);
        let mode = std::os::unix::fs::PermissionsExt::mode(&path.metadata()?.permissions());
        let name = relative
            .to_str()
            .with_context(|| format!("{} is not UTF-8: zip names must be", relative.display()))?;
        zip.start_file(name, options.unix_permissions(mode))?;
        let mut file = File::open(&path).with_context(|| format!("cannot read {name}"))?;
        std::io::copy(&mut file, &mut zip)?;
        count += 1;
    }
    zip.finish()?;
    temp.as_file().sync_all()?;
    // A temporary file is private (0600); the bundle is an ordinary file to upload.
    std::fs::set_permissions(
        temp.path(),
        std::os::unix::fs::PermissionsExt::from_mode(0o644),
    )?;
    temp.persist(&target)
        .with_context(|| format!("cannot write {}", target.display()))?;
    let bytes = target.metadata()?.len();
    println!(
        "wrote {}: {count} files, {:.1} MiB. On the assignment's \"Configure Autograder\" page, \
         upload it (base image: Ubuntu); setup.sh installs Rust and builds the kit once.",
        out.display(),
        bytes as f64 / (1024.0 * 1024.0)
    );
    Ok(true)
}

/// `script` with `--only`'s name on its `CHECKER_ONLY` line.
fn with_only(script: &str, only: Option<&str>) -> Result<String> {
    if !script.contains(ONLY_LINE) {
        bail!("internal: a script without its {ONLY_LINE:?} line");
    }
    Ok(match only {
        None => script.to_owned(),
        Some(name) => script.replacen(ONLY_LINE, &format!("CHECKER_ONLY=\"{name}\"\n"), 1),
    })
}

/// The kit's files under `dir`, relative to `root`, minus what a fresh clone does not have.
fn walk(
    root: &Path,
    dir: &Path,
    out: &Path,
    ignored: &Ignored,
    files: &mut Vec<PathBuf>,
) -> Result<()> {
    for entry in std::fs::read_dir(dir).with_context(|| format!("cannot read {}", dir.display()))? {
        let entry = entry?;
        let path = entry.path();
        let relative = path.strip_prefix(root)?.to_path_buf();
        let kind = entry.file_type()?;
        if left_out(&relative, kind.is_dir()) || ignored.matches(&relative) || path == out {
            continue;
        }
        if kind.is_dir() {
            walk(root, &path, out, ignored, files)?;
        } else if kind.is_file() {
            files.push(relative);
        }
        // Symbolic links are left out: the kit has none, and one could point anywhere.
    }
    Ok(())
}

/// Whether a path of the kit stays out of the bundle, whatever `.gitignore` says: git's own
/// folder, build folders, earlier bundles, and the two names the bundle's root is for.
fn left_out(relative: &Path, is_dir: bool) -> bool {
    let name = relative
        .file_name()
        .map(|n| n.to_string_lossy())
        .unwrap_or_default();
    let at_root = relative.parent() == Some(Path::new(""));
    name == ".git"
        || (is_dir && name == "target")
        || (at_root && (name.ends_with(".zip") || name == "setup.sh" || name == "run_autograder"))
}

/// The patterns of the kit's root `.gitignore` (what a fresh clone lacks): `/NAME` or
/// `/PATH/NAME` from the root, `NAME` anywhere, `*` for any characters within a name. Lines
/// in git's richer syntax (`!`, `**`, `?`, `[...]`) are not understood and ignore nothing.
struct Ignored {
    anchored: Vec<String>,
    anywhere: Vec<String>,
}

impl Ignored {
    /// The kit's `.gitignore`, and what the checker itself leaves in a kit, whether or not
    /// that file is there (a copy of the kit may lack it).
    fn load(root: &Path) -> Ignored {
        let own =
            "/target\n/.checker-progress.json\n/.checker-backups\n/docs/book\n/mutants.out*\n";
        let gitignore = std::fs::read_to_string(root.join(".gitignore")).unwrap_or_default();
        Ignored::parse(&format!("{own}{gitignore}"))
    }

    fn parse(text: &str) -> Ignored {
        let mut ignored = Ignored {
            anchored: Vec::new(),
            anywhere: Vec::new(),
        };
        for line in text.lines().map(str::trim) {
            if line.is_empty()
                || line.starts_with('#')
                || line.starts_with('!')
                || line.contains("**")
                || line.contains(['?', '[', '\\'])
            {
                continue;
            }
            let pattern = line.trim_end_matches('/');
            match pattern.strip_prefix('/') {
                Some(anchored) => ignored.anchored.push(anchored.to_owned()),
                None if pattern.contains('/') => ignored.anchored.push(pattern.to_owned()),
                None => ignored.anywhere.push(pattern.to_owned()),
            }
        }
        ignored
    }

    /// Whether `relative` (a path from the kit's root) is ignored.
    fn matches(&self, relative: &Path) -> bool {
        let parts: Vec<String> = relative
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        let name = parts.last().map(String::as_str).unwrap_or_default();
        self.anywhere.iter().any(|p| wildcard(p, name))
            || self.anchored.iter().any(|pattern| {
                let wanted: Vec<&str> = pattern.split('/').collect();
                wanted.len() == parts.len()
                    && wanted.iter().zip(&parts).all(|(w, p)| wildcard(w, p))
            })
    }
}

/// `text` matches `pattern`, where `*` stands for any characters.
fn wildcard(pattern: &str, text: &str) -> bool {
    match pattern.split_once('*') {
        None => pattern == text,
        Some((head, rest)) => {
            let Some(tail) = text.strip_prefix(head) else {
                return false;
            };
            (0..=tail.len())
                .filter(|&i| tail.is_char_boundary(i))
                .any(|i| wildcard(rest, &tail[i..]))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_is_written_into_both_scripts() {
        for script in [SETUP, RUN_AUTOGRADER] {
            assert!(script.starts_with("#!/usr/bin/env bash\n"));
            assert!(script.contains("set -euo pipefail\n"));
            let written = with_only(script, Some("threads")).unwrap();
            assert!(written.contains("\nCHECKER_ONLY=\"threads\"\n"));
            assert_eq!(with_only(script, None).unwrap(), script);
        }
    }

    #[test]
    fn what_a_fresh_clone_lacks_is_left_out() {
        let ignored = Ignored::parse(
            "# build output\n/target\n/.checker-progress.json\n/docs/book\n/mutants.out*\n\
             /.checker-backups/\n*.swp\n!keep.swp\n**/odd\n",
        );
        let out = |path: &str, is_dir: bool| {
            left_out(Path::new(path), is_dir) || ignored.matches(Path::new(path))
        };
        for (path, is_dir) in [
            ("target", true),
            ("exercises/threads/target", true),
            (".git", true),
            (".git", false),
            ("exercises/threads/.git", false),
            (".checker-progress.json", false),
            (".checker-backups", true),
            ("mutants.out", true),
            ("mutants.out.old", true),
            ("docs/book", true),
            ("autograder.zip", false),
            ("exercises/threads/src/.spawn_join.rs.swp", false),
        ] {
            assert!(out(path, is_dir), "{path} is left out");
        }
        for (path, is_dir) in [
            ("Cargo.toml", false),
            (".cargo", true),
            (".gitignore", false),
            ("checker/catalog.toml", false),
            ("docs/src", true),
            ("docs/src/book", true),
            ("exercises/.checker-progress.json", false),
            ("exercises/threads/src/spawn_join.rs", false),
            ("checker/pristine/threads/src/spawn_join.rs", false),
        ] {
            assert!(!out(path, is_dir), "{path} is kept");
        }
    }

    #[test]
    fn wildcards_match_within_a_name() {
        assert!(wildcard("mutants.out*", "mutants.out"));
        assert!(wildcard("mutants.out*", "mutants.out.old"));
        assert!(wildcard("*.swp", ".x.swp"));
        assert!(wildcard("a*b*c", "aXbYc"));
        assert!(!wildcard("mutants.out*", "mutants"));
        assert!(!wildcard("*.swp", "x.swap"));
    }
}
