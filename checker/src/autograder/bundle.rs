//! `cargo checker autograder gradescope OUT.zip`: the autograder Gradescope builds its image from.
//!
//! Gradescope's specification (gradescope-autograders.readthedocs.io, "Autograder
//! Specifications"): the zip "must contain at least two files in the root of the archive":
//! "setup.sh: a setup (Bash) script that installs all your dependencies" and "run_autograder: an
//! executable script, in any language (with appropriate `#!` line), that compiles and runs your
//! autograder suite and produces the output in the correct place"; "/autograder/source contains
//! the extracted contents of your autograder zip file". So the zip holds, at its root, those two
//! scripts (`setup.sh` and `run_autograder` beside this file, mode 0755) and the kit's sources:
//! everything a fresh clone has, without what its `.gitignore` leaves out of one (`target/`, the
//! progress file, `docs/book/`, `mutants.out*`), `.git`, any other `target/` and zip at the
//! root (earlier bundles), nor the zip being written.
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
    walk(&kit.root, &kit.root, &target, &mut files)?;
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
fn walk(root: &Path, dir: &Path, out: &Path, files: &mut Vec<PathBuf>) -> Result<()> {
    for entry in std::fs::read_dir(dir).with_context(|| format!("cannot read {}", dir.display()))? {
        let entry = entry?;
        let path = entry.path();
        let relative = path.strip_prefix(root)?.to_path_buf();
        let kind = entry.file_type()?;
        if left_out(&relative, kind.is_dir()) || path == out {
            continue;
        }
        if kind.is_dir() {
            walk(root, &path, out, files)?;
        } else if kind.is_file() {
            files.push(relative);
        }
        // Symbolic links are left out: the kit has none, and one could point anywhere.
    }
    Ok(())
}

/// Whether a path of the kit stays out of the bundle.
fn left_out(relative: &Path, is_dir: bool) -> bool {
    let name = relative
        .file_name()
        .map(|n| n.to_string_lossy())
        .unwrap_or_default();
    let at_root = relative.parent() == Some(Path::new(""));
    name == ".git"
        || (is_dir && name == "target")
        || relative == Path::new("docs/book")
        || (at_root
            && (name == ".checker-progress.json"
                || name.starts_with("mutants.out")
                || name.ends_with(".zip")
                || name == "setup.sh"
                || name == "run_autograder"))
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
        for (path, is_dir) in [
            ("target", true),
            ("exercises/threads/target", true),
            (".git", true),
            (".git", false),
            ("exercises/threads/.git", false),
            (".checker-progress.json", false),
            ("mutants.out", true),
            ("mutants.out.old", true),
            ("docs/book", true),
            ("autograder.zip", false),
        ] {
            assert!(left_out(Path::new(path), is_dir), "{path} is left out");
        }
        for (path, is_dir) in [
            ("Cargo.toml", false),
            (".cargo", true),
            (".gitignore", false),
            ("checker/catalog.toml", false),
            ("docs/src", true),
            ("exercises/threads/src/spawn_join.rs", false),
            ("checker/pristine/threads/src/spawn_join.rs", false),
        ] {
            assert!(!left_out(Path::new(path), is_dir), "{path} is kept");
        }
    }
}
