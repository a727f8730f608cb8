//! `cargo checker reset NAME [--yes]`: put the exercise's file back as the kit ships it (from
//! `checker/pristine/`, not from git: a student's copy may not be a git checkout, and git
//! would restore whatever was last committed, not the stub) and mark it not done.
//!
//! The student's version is never thrown away: every reset keeps it, numbered, in
//! `.checker-backups/` at the kit's root (outside `target/`, which `cargo clean` empties), in
//! case the reset was a slip. Without a terminal to ask on, `--yes` is required.

use std::io::{BufRead, IsTerminal, Write};

use anyhow::{Context, Result, bail};

use crate::engine::Options;
use crate::kit::Kit;
use crate::pristine;

pub fn run(kit: &Kit, name: &str, yes: bool, options: &Options) -> Result<bool> {
    let Some(exercise) = kit.catalog.exercise(name) else {
        if let Err(unknown) = kit.catalog.select(name) {
            return Err(unknown.into());
        }
        bail!("`{name}` is a topic; reset one exercise at a time (`cargo checker list`)");
    };
    let pristine = pristine::read(kit, exercise)?;
    let file = crate::layout::Layout::exercise_file(exercise);
    let target = kit.root.join(&file);
    let current = std::fs::read(&target).ok();
    let mut progress = crate::recover::open(kit, options)?;
    if current.as_deref() == Some(pristine.as_slice()) {
        progress.forget(name);
        progress.save()?;
        println!("{file} is already the stub as the kit ships it; nothing to reset");
        return Ok(true);
    }
    if !yes && !confirm(&file)? {
        println!("not reset");
        return Ok(true);
    }
    if let Some(current) = current {
        let backup = next_backup(&kit.layout.backups_dir().join(name));
        std::fs::create_dir_all(backup.parent().expect("a file in a folder"))?;
        std::fs::write(&backup, current)
            .with_context(|| format!("cannot keep your version at {}", backup.display()))?;
        println!(
            "your version is kept at {}",
            crate::layout::Layout::relative(&backup, &kit.root)
        );
    }
    std::fs::write(&target, &pristine).with_context(|| format!("cannot write {file}"))?;
    progress.forget(name);
    progress.save()?;
    println!("{file} is reset to the stub; {name} is not done");
    Ok(true)
}

/// The first free `N.rs` in `dir`: every reset keeps its own copy.
fn next_backup(dir: &std::path::Path) -> std::path::PathBuf {
    (1..)
        .map(|n| dir.join(format!("{n}.rs")))
        .find(|path| !path.exists())
        .expect("a free number")
}

/// Asks on the terminal; refuses (an error, exit 2) when there is none to ask on.
fn confirm(file: &str) -> Result<bool> {
    if !std::io::stdin().is_terminal() {
        bail!("reset would overwrite {file}; there is no terminal to confirm on, so pass --yes");
    }
    eprint!("Overwrite {file} with the stub? Your changes will be set aside. [y/N] ");
    std::io::stderr().flush()?;
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer)?;
    Ok(matches!(answer.trim(), "y" | "Y" | "yes" | "Yes"))
}
