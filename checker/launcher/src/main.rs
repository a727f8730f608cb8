//! `cargo checker` starts here. The cargo alias runs this tiny program quietly (it has no
//! dependencies and compiles in about a second); it runs the real checker, building it first —
//! with cargo's progress on the screen — when the checker is missing or older than its sources.
//! So a student's first `cargo checker` shows what it is doing instead of a silent minute, and
//! later runs cost a few file-time lookups more than running the checker directly.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::SystemTime;

/// Where the kit's sources are, from this crate's folder (`checker/launcher`).
fn kit_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .expect("the launcher lives in checker/launcher")
        .to_path_buf()
}

/// The newest modification time among the files the checker is built from: those cargo's
/// dep-info file (`checker.d`, beside the binary) lists for it — the very sources cargo itself
/// compares with the binary. `None` when there is no dep-info yet. (A change of manifest alone
/// is not seen here: cargo decides that from more than file times, and rebuilding the checker
/// at every unrelated manifest edit would be worse than running the last build.)
fn newest_source(dep_info: &Path) -> Option<SystemTime> {
    let text = std::fs::read_to_string(dep_info).ok()?;
    let (_, deps) = text.lines().next()?.split_once(": ")?;
    // Paths are separated by spaces; a space inside a path is escaped as `\ `.
    let deps = deps.replace("\\ ", "\u{0}");
    let files: Vec<PathBuf> = deps
        .split(' ')
        .filter(|p| !p.is_empty())
        .map(|p| PathBuf::from(p.replace('\u{0}', " ")))
        .collect();
    files
        .iter()
        .filter_map(|f| std::fs::metadata(f).and_then(|m| m.modified()).ok())
        .max()
}

fn main() -> ExitCode {
    let root = kit_root();
    let me = std::env::current_exe().unwrap_or_default();
    let checker = me.with_file_name(format!("checker{}", std::env::consts::EXE_SUFFIX));
    let built = std::fs::metadata(&checker).and_then(|m| m.modified()).ok();
    let stale = match (built, newest_source(&checker.with_extension("d"))) {
        (Some(built), Some(newest)) => newest > built,
        _ => true,
    };
    if stale {
        let first = built.is_none();
        eprintln!(
            "{}",
            if first {
                "building the checker (the first time takes about a minute) ..."
            } else {
                "the checker's sources changed: building it again ..."
            }
        );
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let status = Command::new(cargo)
            .args(["build", "--package", "checker", "--bin", "checker"])
            .arg("--manifest-path")
            .arg(root.join("Cargo.toml"))
            .status();
        match status {
            Ok(status) if status.success() => {}
            Ok(_) => return ExitCode::from(2),
            Err(err) => {
                eprintln!("error: cannot run cargo to build the checker: {err}");
                return ExitCode::from(2);
            }
        }
    }
    match Command::new(&checker)
        .args(std::env::args_os().skip(1))
        .status()
    {
        Ok(status) => ExitCode::from(status.code().map_or(1, |c| c as u8)),
        Err(err) => {
            eprintln!("error: cannot run {}: {err}", checker.display());
            ExitCode::from(2)
        }
    }
}
