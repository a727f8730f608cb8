//! The book's links hold: every chapter the summary lists exists, every relative link and
//! anchor in `docs/src` points at something real, every `{{#include}}` finds its file and
//! anchor, and every topic of the catalog has its chapter in the summary. `cargo test` fails on
//! a broken link, so CI does too, with or without mdBook installed.

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn docs() -> PathBuf {
    common::real_root().join("docs/src")
}

/// `](target)` links of a markdown text, outside code blocks.
fn links(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut in_code = false;
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            in_code = !in_code;
            continue;
        }
        if in_code {
            continue;
        }
        let mut rest = line;
        while let Some(at) = rest.find("](") {
            let after = &rest[at + 2..];
            let Some(end) = after.find(')') else { break };
            found.push(after[..end].trim().to_owned());
            rest = &after[end..];
        }
    }
    found
}

/// The anchor ids mdBook gives a page's headings.
fn anchors(text: &str) -> BTreeSet<String> {
    text.lines()
        .filter(|l| l.starts_with('#'))
        .map(|l| {
            let title = l.trim_start_matches('#').trim().to_lowercase();
            title
                .chars()
                .filter_map(|c| match c {
                    ' ' => Some('-'),
                    c if c.is_alphanumeric() || c == '-' || c == '_' => Some(c),
                    _ => None,
                })
                .collect()
        })
        .collect()
}

fn markdown_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(docs())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    files.sort();
    files
}

#[test]
fn every_relative_link_and_anchor_resolves() {
    let mut broken = Vec::new();
    for file in markdown_files() {
        let text = std::fs::read_to_string(&file).unwrap();
        for link in links(&text) {
            if link.is_empty() || link.contains("://") || link.starts_with("mailto:") {
                continue;
            }
            let (path, anchor) = link.split_once('#').unwrap_or((&link, ""));
            let target = if path.is_empty() {
                file.clone()
            } else {
                file.parent().unwrap().join(path)
            };
            let name = file.file_name().unwrap().to_string_lossy().into_owned();
            if !target.exists() {
                broken.push(format!("{name}: `{link}` — no such file"));
                continue;
            }
            if !anchor.is_empty() && target.extension().is_some_and(|e| e == "md") {
                let ids = anchors(&std::fs::read_to_string(&target).unwrap());
                if !ids.contains(anchor) {
                    broken.push(format!("{name}: `{link}` — no heading with that anchor"));
                }
            }
        }
    }
    assert!(
        broken.is_empty(),
        "broken links in docs/src:\n{}",
        broken.join("\n")
    );
}

#[test]
fn every_include_finds_its_file_and_anchor() {
    let mut broken = Vec::new();
    for file in markdown_files() {
        let text = std::fs::read_to_string(&file).unwrap();
        for piece in text.split("{{#include ").skip(1) {
            let Some(end) = piece.find("}}") else {
                continue;
            };
            let spec = piece[..end].trim();
            let (path, anchor) = match spec.rsplit_once(':') {
                Some((p, a)) if !a.chars().all(|c| c.is_ascii_digit()) => (p, Some(a)),
                _ => (spec, None),
            };
            let target = file.parent().unwrap().join(path);
            let name = file.file_name().unwrap().to_string_lossy().into_owned();
            match std::fs::read_to_string(&target) {
                Err(_) => broken.push(format!("{name}: include `{spec}` — no such file")),
                Ok(source) => {
                    if let Some(anchor) = anchor
                        && !source.contains(&format!("ANCHOR: {anchor}"))
                    {
                        broken.push(format!(
                            "{name}: include `{spec}` — no `ANCHOR: {anchor}` in the file"
                        ));
                    }
                }
            }
        }
    }
    assert!(
        broken.is_empty(),
        "broken includes in docs/src:\n{}",
        broken.join("\n")
    );
}

#[test]
fn the_summary_lists_existing_chapters_and_every_topic() {
    let summary = std::fs::read_to_string(docs().join("SUMMARY.md")).unwrap();
    let listed: Vec<String> = links(&summary);
    for chapter in &listed {
        assert!(
            Path::new(&docs().join(chapter)).is_file(),
            "SUMMARY.md lists {chapter}, which does not exist"
        );
    }
    let catalog: toml::Table = toml::from_str(
        &std::fs::read_to_string(common::real_root().join("checker/catalog.toml")).unwrap(),
    )
    .unwrap();
    for topic in catalog["topic"].as_array().unwrap() {
        let chapter = topic["chapter"].as_str().unwrap();
        assert!(
            listed.iter().any(|l| l == chapter),
            "topic chapter {chapter} is not in SUMMARY.md"
        );
    }
}
