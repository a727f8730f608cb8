//! `cargo checker read [TOPIC|EXERCISE]`: the book's chapter in the terminal, with nothing to
//! install. mdBook's `{{#include FILE}}` and `{{#include FILE:ANCHOR}}` (the code between
//! `ANCHOR: name` and `ANCHOR_END: name` comments, as mdBook reads them) are resolved from the
//! kit's files, so a chapter shows its code, not the directive. On a terminal the text goes
//! through `$PAGER` (default `less -R`); elsewhere it is printed.

use std::io::{IsTerminal, Write};
use std::path::Path;
use std::process::{Command, Stdio};

use anyhow::{Context, Result, bail};

use crate::engine::Options;
use crate::kit::Kit;
use crate::layout::Layout;

pub fn run(kit: &Kit, name: Option<&str>, options: &Options) -> Result<bool> {
    let topic = match name {
        Some(name) => match kit.catalog.topic(name) {
            Some(topic) => topic,
            None => match kit.catalog.exercise(name) {
                Some(exercise) => kit.catalog.topic_of(exercise),
                None => return Err(kit.catalog.select(name).unwrap_err().into()),
            },
        },
        // The chapter of the exercise to do next.
        None => {
            let progress = crate::recover::open(kit, options)?;
            match super::status::next_exercise(kit, &progress) {
                Some(next) => kit.catalog.topic_of(next),
                None => &kit.catalog.topics[0],
            }
        }
    };
    let path = kit.root.join(Layout::chapter(topic));
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("cannot read {}", path.display()))?;
    let page = resolve(&text, path.parent().unwrap_or(&kit.root));
    show(&page)?;
    Ok(true)
}

/// The chapter with every `{{#include ...}}` replaced by what it includes.
pub fn resolve(chapter: &str, dir: &Path) -> String {
    let mut out = String::with_capacity(chapter.len());
    let mut rest = chapter;
    while let Some(start) = rest.find("{{#include ") {
        out.push_str(&rest[..start]);
        let after = &rest[start + "{{#include ".len()..];
        let Some(end) = after.find("}}") else {
            out.push_str(&rest[start..]);
            return out;
        };
        let target = after[..end].trim();
        out.push_str(&include(target, dir).unwrap_or_else(|err| format!("[{err}]")));
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    out
}

/// What `{{#include FILE[:ANCHOR]}}` stands for.
fn include(target: &str, dir: &Path) -> Result<String> {
    let (file, anchor) = match target.rsplit_once(':') {
        Some((file, anchor)) if !anchor.contains('/') => (file, Some(anchor)),
        _ => (target, None),
    };
    let text = std::fs::read_to_string(dir.join(file))
        .with_context(|| format!("cannot include {file}"))?;
    let Some(anchor) = anchor else {
        return Ok(text.trim_end().to_owned());
    };
    let begin = format!("ANCHOR: {anchor}");
    let end = format!("ANCHOR_END: {anchor}");
    let lines: Vec<&str> = text.lines().collect();
    let Some(first) = lines.iter().position(|l| l.contains(&begin)) else {
        bail!("{file} has no anchor `{anchor}`");
    };
    let last = lines[first..]
        .iter()
        .position(|l| l.contains(&end))
        .map_or(lines.len(), |at| first + at);
    Ok(lines[first + 1..last]
        .iter()
        .filter(|l| !l.contains("ANCHOR"))
        .copied()
        .collect::<Vec<_>>()
        .join("\n"))
}

/// Through the pager on a terminal; printed otherwise (or when the pager cannot start).
fn show(page: &str) -> Result<()> {
    if std::io::stdout().is_terminal() {
        let pager = std::env::var("PAGER").unwrap_or_else(|_| "less -R".to_owned());
        let mut words = pager.split_whitespace();
        if let Some(program) = words.next()
            && let Ok(mut child) = Command::new(program)
                .args(words)
                .stdin(Stdio::piped())
                .spawn()
        {
            if let Some(mut stdin) = child.stdin.take() {
                // A reader who quits early closes the pipe: not an error.
                let _ = stdin.write_all(page.as_bytes());
            }
            child.wait()?;
            return Ok(());
        }
    }
    print!("{page}");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn includes_a_file_or_the_code_between_its_anchors() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("a.rs"),
            "fn before() {}\n// ANCHOR: mistake\nfor h in hs { h.join(); }\n// ANCHOR_END: mistake\n",
        )
        .unwrap();
        let page = resolve(
            "Look:\n```rust\n{{#include a.rs:mistake}}\n```\nand {{#include missing.rs}}.",
            dir.path(),
        );
        assert!(
            page.contains("```rust\nfor h in hs { h.join(); }\n```"),
            "{page}"
        );
        assert!(!page.contains("ANCHOR"), "{page}");
        assert!(page.contains("[cannot include missing.rs]"), "{page}");
    }

    #[test]
    fn every_chapter_of_the_kit_resolves() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
        for entry in std::fs::read_dir(root.join("docs/src")).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "md") {
                let page = resolve(
                    &std::fs::read_to_string(&path).unwrap(),
                    path.parent().unwrap(),
                );
                assert!(!page.contains("{{#include"), "{}", path.display());
                assert!(!page.contains("[cannot include"), "{}", path.display());
            }
        }
    }
}
