//! `cargo checker new TOPIC NAME`: scaffolds an exercise in every place it lives.
//!
//! The stub, the solution, the suite module, the manifest entry with a hint, the docs section
//! and two starter wrong solutions — and, for a new topic, its two crates, its suite file, its
//! chapter and its line in the book's summary. The scaffold is a working exercise from the
//! first minute (`list` shows it, `verify` grades it: stub failing, solution passing, mistakes
//! caught), for the instructor to turn into the real lesson.

use std::fmt::Write as _;
use std::path::Path;

use anyhow::{Context, Result, bail};

use crate::kit::Kit;
use crate::layout::CATALOG;

pub fn run(kit: &Kit, topic: &str, name: &str) -> Result<bool> {
    let valid = |s: &str, dash: bool| {
        s.chars().next().is_some_and(|c| c.is_ascii_lowercase())
            && s.chars().all(|c| {
                c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || (dash && c == '-')
            })
    };
    if !valid(topic, true) || !valid(name, false) {
        bail!("names are lowercase: a topic like `shared-memory`, an exercise like `ring_buffer`");
    }
    if kit.catalog.exercise(name).is_some() || kit.catalog.topic(name).is_some() {
        bail!("`{name}` is already taken in {CATALOG}");
    }
    let root = &kit.root;
    let lib = topic.replace('-', "_");
    let mut created = Vec::new();
    if kit.catalog.topic(topic).is_none() {
        scaffold_topic(root, topic, &lib, &mut created)?;
    }
    let chapter = kit
        .catalog
        .topic(topic)
        .map(|t| t.chapter.clone())
        .unwrap_or_else(|| format!("{topic}.md"));
    for (folder, body) in [("exercises", stub(name)), ("solutions", solution(name))] {
        let file = root
            .join(folder)
            .join(topic)
            .join("src")
            .join(format!("{name}.rs"));
        write_new(&file, &body, root, &mut created)?;
        declare_module(&root.join(folder).join(topic).join("src/lib.rs"), name)?;
    }
    append(
        &root.join("checker/suites").join(format!("{lib}.rs")),
        &suite_module(&lib, name),
    )?;
    let wrong_dir = root.join("solutions").join(topic).join("wrong").join(name);
    write_new(
        &wrong_dir.join("off_by_one.rs"),
        &wrong_solution(name, "41", "returns 41: an off-by-one"),
        root,
        &mut created,
    )?;
    write_new(
        &wrong_dir.join("default.rs"),
        &wrong_solution(name, "0", "returns the default value instead of computing"),
        root,
        &mut created,
    )?;
    append(
        &root.join("docs/src").join(&chapter),
        &format!(
            "\n## Exercise: `{name}`\n\n{PLACEHOLDER} What to build, what the tests check, and the \
             typical mistakes.\n"
        ),
    )?;
    insert_exercise(&root.join(CATALOG), topic, &exercise_entry(topic, name))?;
    // The pristine copy `reset` restores, from the catalog as it now reads.
    let kit = Kit::locate(Some(root), root)?;
    let exercise = kit
        .catalog
        .exercise(name)
        .context("the new entry is in the catalog")?;
    crate::pristine::write(&kit, exercise)?;
    created.push(
        crate::pristine::path(&kit, exercise)
            .strip_prefix(root)
            .unwrap_or(root)
            .display()
            .to_string(),
    );
    for path in &created {
        println!("created  {path}");
    }
    println!(
        "added    `{name}` to {CATALOG}, its suite module, lib.rs of both crates, and the chapter"
    );
    println!("\nNext: write the lesson, then `cargo checker verify {name}`.");
    Ok(true)
}

fn scaffold_topic(root: &Path, topic: &str, lib: &str, created: &mut Vec<String>) -> Result<()> {
    for (folder, package) in [
        ("exercises", topic.to_owned()),
        ("solutions", format!("{topic}-solution")),
    ] {
        let dir = root.join(folder).join(topic);
        let lints = if folder == "exercises" {
            "# Stubs have `todo!()` bodies: their parameters are unused until the student fills them in.\n[lints.rust]\nunused_variables = \"allow\"\ndead_code = \"allow\"\nunused_imports = \"allow\"\nunreachable_code = \"allow\"\n"
        } else {
            "[lints]\nworkspace = true\n"
        };
        let manifest = format!(
            "[package]\nname = \"{package}\"\nversion = \"0.1.0\"\ndescription = \"The `{topic}` topic.\"\nedition.workspace = true\nrust-version.workspace = true\npublish.workspace = true\nlicense.workspace = true\n\n[lib]\nname = \"{lib}\"\n\n[dev-dependencies]\ngrading.workspace = true\n\n[[test]]\nname = \"{lib}\"\npath = \"../../checker/suites/{lib}.rs\"\n\n{lints}"
        );
        write_new(&dir.join("Cargo.toml"), &manifest, root, created)?;
        write_new(
            &dir.join("src/lib.rs"),
            &format!("//! The `{topic}` topic.\n\n"),
            root,
            created,
        )?;
    }
    write_new(
        &root.join("checker/suites").join(format!("{lib}.rs")),
        &format!("//! Grading suite for the `{topic}` topic.\n"),
        root,
        created,
    )?;
    write_new(
        &root.join("docs/src").join(format!("{topic}.md")),
        &format!("# {topic}\n\nWhat the notes say, how Rust does it, then the exercises.\n"),
        root,
        created,
    )?;
    let summary = root.join("docs/src/SUMMARY.md");
    let text = std::fs::read_to_string(&summary).context("cannot read docs/src/SUMMARY.md")?;
    let line = format!("- [{topic}]({topic}.md)\n");
    // The new chapter goes last among the topics, before the instructors' part.
    let text = match text.find("\n# For instructors") {
        Some(at) => format!("{}\n{line}\n{}", text[..at].trim_end(), &text[at + 1..]),
        None => format!("{text}{line}"),
    };
    std::fs::write(&summary, text)?;
    let entry = format!(
        "\n# --- topic: {topic} {}\n\n[[topic]]\nname = \"{topic}\"\ntitle = \"{topic}\"\nchapter = \"{topic}.md\"\nconcepts = []\n",
        "-".repeat(80usize.saturating_sub(16 + topic.len()))
    );
    append(&root.join(CATALOG), &entry)
}

/// The words every scaffolded text carries until an instructor writes the real one; `lint`
/// reports any that is left.
pub const PLACEHOLDER: &str = "(to write)";

fn stub(name: &str) -> String {
    format!(
        "//! `{name}`: {PLACEHOLDER} in 2-4 lines, what the student builds and which concept it \
         shows.\n\n\
         /// Returns the answer.\n\
         pub fn {name}() -> u64 {{\n    // TODO: compute the answer.\n    todo!()\n}}\n"
    )
}

fn solution(name: &str) -> String {
    format!(
        "//! `{name}`: {PLACEHOLDER} in 2-4 lines, what the student builds and which concept it \
         shows.\n\n\
         /// Returns the answer.\n\
         pub fn {name}() -> u64 {{\n    // {PLACEHOLDER} in a sentence, why this is right.\n    42\n}}\n"
    )
}

fn wrong_solution(name: &str, value: &str, mistake: &str) -> String {
    format!(
        "//! Wrong: {mistake}.\n//! Expect: the answer\n\n\
         /// Returns the answer.\n\
         pub fn {name}() -> u64 {{\n    {value}\n}}\n"
    )
}

fn suite_module(lib: &str, name: &str) -> String {
    let mut s = String::new();
    let _ = write!(
        s,
        "\nmod {name} {{\n    use {lib}::{name}::{name};\n\n    #[test]\n    fn gives_the_answer() {{\n        \
         grading::within(|| {{\n            assert_eq!(\n                {name}(),\n                42,\n                \
         \"the answer must be 42: {PLACEHOLDER} which concept a wrong value reveals\"\n            )\n        \
         }});\n    }}\n}}\n"
    );
    s
}

fn exercise_entry(topic: &str, name: &str) -> String {
    format!(
        "\n[[exercise]]\nname = \"{name}\"\ntopic = \"{topic}\"\nfile = \"src/{name}.rs\"\ntests = \"{name}::\"\nhints = [\n    \"{PLACEHOLDER} a first, gentle hint.\",\n    \"{PLACEHOLDER} a more explicit hint.\",\n]\n"
    )
}

/// Puts the exercise after the last entry of its topic (before the next topic's marker).
fn insert_exercise(catalog: &Path, topic: &str, entry: &str) -> Result<()> {
    let text = std::fs::read_to_string(catalog)?;
    let marker = format!("# --- topic: {topic} ");
    let at = text.find(&marker).map(|start| {
        let after = start + marker.len();
        text[after..]
            .find("\n# --- topic: ")
            .map(|next| after + next)
            .unwrap_or(text.len())
    });
    let text = match at {
        Some(at) => format!(
            "{}\n\n{}{}",
            text[..at].trim_end(),
            entry.trim_start_matches('\n'),
            if at < text.len() {
                format!("\n{}", &text[at..])
            } else {
                String::new()
            }
        ),
        None => format!("{}\n{entry}", text.trim_end()),
    };
    std::fs::write(catalog, text)?;
    Ok(())
}

fn write_new(path: &Path, contents: &str, root: &Path, created: &mut Vec<String>) -> Result<()> {
    if path.exists() {
        bail!("{} already exists; not overwriting it", path.display());
    }
    std::fs::create_dir_all(path.parent().expect("a file has a folder"))?;
    std::fs::write(path, contents).with_context(|| format!("cannot write {}", path.display()))?;
    created.push(
        path.strip_prefix(root)
            .unwrap_or(path)
            .display()
            .to_string(),
    );
    Ok(())
}

/// Declares `pub mod NAME;` in a crate's `lib.rs`, in alphabetical order among the other
/// module declarations (where `cargo fmt` keeps them).
fn declare_module(lib: &Path, name: &str) -> Result<()> {
    let text =
        std::fs::read_to_string(lib).with_context(|| format!("cannot read {}", lib.display()))?;
    let line = format!("pub mod {name};");
    let mut lines: Vec<&str> = text.lines().collect();
    let at = lines
        .iter()
        .position(|l| l.starts_with("pub mod ") && *l > line.as_str())
        .or_else(|| {
            lines
                .iter()
                .rposition(|l| l.starts_with("pub mod "))
                .map(|i| i + 1)
        })
        .unwrap_or(lines.len());
    lines.insert(at, &line);
    std::fs::write(lib, lines.join("\n") + "\n")
        .with_context(|| format!("cannot write {}", lib.display()))
}

fn append(path: &Path, text: &str) -> Result<()> {
    let mut current =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    if !current.ends_with('\n') {
        current.push('\n');
    }
    current.push_str(text);
    std::fs::write(path, current).with_context(|| format!("cannot write {}", path.display()))
}
