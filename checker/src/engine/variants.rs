//! Generated packages: a copy of a topic crate with some of its files replaced.
//!
//! A wrong solution (or, later, a student's copy of an exercise) is graded by building a copy
//! of the topic crate in `target/checker/variants/`, a workspace of its own that shares the
//! kit's dependency versions (`Cargo.lock`) and build folder, so that only the small topic crate
//! is compiled again.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use toml::{Table, Value};

/// A package to generate: `source` crate copied, with `replace` (relative path → new contents).
pub struct Variant {
    pub package: String,
    pub source: PathBuf,
    pub replace: Vec<(String, Vec<u8>)>,
}

/// Writes the variants' workspace under `dir` (each package in `dir/PACKAGE`) and returns its
/// manifest's path.
pub fn write_workspace(kit_root: &Path, dir: &Path, variants: &[Variant]) -> Result<PathBuf> {
    std::fs::create_dir_all(dir)?;
    let root_manifest: Table = read_toml(&kit_root.join("Cargo.toml"))?;
    let mut workspace = Table::new();
    let mut ws = root_manifest
        .get("workspace")
        .and_then(Value::as_table)
        .cloned()
        .unwrap_or_default();
    ws.remove("default-members");
    ws.remove("exclude");
    if let Some(deps) = ws.get_mut("dependencies").and_then(Value::as_table_mut) {
        absolutize_paths(deps, kit_root);
    }
    let mut members = Vec::new();
    for variant in variants {
        write_package(variant, &dir.join(&variant.package))?;
        members.push(Value::String(variant.package.clone()));
    }
    ws.insert("members".into(), Value::Array(members));
    workspace.insert("workspace".into(), Value::Table(ws));
    if let Some(profile) = root_manifest.get("profile") {
        workspace.insert("profile".into(), profile.clone());
    }
    let manifest = dir.join("Cargo.toml");
    write_if_changed(&manifest, toml::to_string(&workspace)?.as_bytes())?;
    // Same dependency versions as the kit: nothing to resolve, nothing to download.
    let lock = kit_root.join("Cargo.lock");
    if lock.is_file() {
        write_if_changed(&dir.join("Cargo.lock"), &std::fs::read(&lock)?)?;
    }
    Ok(manifest)
}

fn write_package(variant: &Variant, pkg_dir: &Path) -> Result<()> {
    // The replaced files are written once, below, not copied first and then overwritten.
    let replaced: Vec<PathBuf> = variant
        .replace
        .iter()
        .map(|(relative, _)| pkg_dir.join(relative))
        .collect();
    copy_tree(&variant.source, pkg_dir, &replaced)?;
    let mut manifest = read_toml(&variant.source.join("Cargo.toml"))?;
    if let Some(package) = manifest.get_mut("package").and_then(Value::as_table_mut) {
        package.insert("name".into(), Value::String(variant.package.clone()));
    }
    for key in ["dependencies", "dev-dependencies", "build-dependencies"] {
        if let Some(deps) = manifest.get_mut(key).and_then(Value::as_table_mut) {
            absolutize_paths(deps, &variant.source);
        }
    }
    // Test targets point at the one copy of the suite, in the kit.
    for kind in ["test", "bench"] {
        for target in manifest
            .get_mut(kind)
            .and_then(Value::as_array_mut)
            .into_iter()
            .flatten()
        {
            if let Some(path) = target.get("path").and_then(Value::as_str) {
                let absolute = variant.source.join(path);
                target
                    .as_table_mut()
                    .expect("a target is a table")
                    .insert("path".into(), Value::String(absolute.display().to_string()));
            }
        }
    }
    write_if_changed(
        &pkg_dir.join("Cargo.toml"),
        toml::to_string(&manifest)?.as_bytes(),
    )?;
    for (relative, contents) in &variant.replace {
        write_if_changed(&pkg_dir.join(relative), contents)?;
    }
    Ok(())
}

/// `path = "../x"` entries made absolute, relative to `base`.
fn absolutize_paths(deps: &mut Table, base: &Path) {
    for (_, dep) in deps.iter_mut() {
        if let Some(table) = dep.as_table_mut()
            && let Some(path) = table.get("path").and_then(Value::as_str)
        {
            let absolute = base.join(path).display().to_string();
            table.insert("path".into(), Value::String(absolute));
        }
    }
}

fn read_toml(path: &Path) -> Result<Table> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    toml::from_str(&text).with_context(|| format!("cannot parse {}", path.display()))
}

/// Copies a crate folder, leaving out build output and the catalogues of known versions.
fn copy_tree(from: &Path, to: &Path, skip: &[PathBuf]) -> Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let name = entry.file_name();
        if name == "target" || name == "wrong" || name == "alt" {
            continue;
        }
        let (src, dst) = (entry.path(), to.join(&name));
        if entry.file_type()?.is_dir() {
            copy_tree(&src, &dst, skip)?;
        } else if !skip.contains(&dst) {
            write_if_changed(&dst, &std::fs::read(&src)?)?;
        }
    }
    Ok(())
}

/// Writes only what changed: cargo rebuilds a crate when a file's time changes, and most
/// variants are the same from one run to the next.
fn write_if_changed(path: &Path, contents: &[u8]) -> Result<()> {
    if std::fs::read(path).is_ok_and(|old| old == contents) {
        return Ok(());
    }
    std::fs::write(path, contents).with_context(|| format!("cannot write {}", path.display()))
}
