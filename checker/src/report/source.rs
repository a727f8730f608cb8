//! The source of a test, for the formats that show it next to the verdict (exercism's
//! `test_code`, GitHub Classroom's `test_code`).
//!
//! A test named `spawn_join::workers_run_at_the_same_time` is the function
//! `workers_run_at_the_same_time` inside `mod spawn_join` of its suite file. The suite file is
//! the `[[test]]` target of that name in the topic crate's `Cargo.toml`. Finding the item needs
//! only balanced braces, so a small scanner that steps over strings, characters and comments
//! (where a brace does not count) does it without a Rust parser.

use std::path::{Path, PathBuf};

use super::Report;
use crate::kit::Kit;

impl Report {
    /// Fills in each test's source, where the suite file and the function can be found.
    /// Best effort: a test whose source is not found simply has none.
    pub fn attach_test_code(&mut self, kit: &Kit) {
        for result in &mut self.results {
            let Some(exercise) = kit.catalog.exercise(&result.exercise) else {
                continue;
            };
            let dir = kit.layout.exercise_crate(&exercise.topic);
            let sources: Vec<String> = exercise
                .runs()
                .iter()
                .filter_map(|run| suite_file(&dir, &run.suite))
                .filter_map(|path| std::fs::read_to_string(path).ok())
                .collect();
            for test in &mut result.tests {
                test.test_code = sources
                    .iter()
                    .find_map(|source| test_body(source, &test.result.name));
            }
        }
    }
}

/// The file of test target `suite` in the crate at `dir`.
fn suite_file(dir: &Path, suite: &str) -> Option<PathBuf> {
    let manifest: toml::Table = std::fs::read_to_string(dir.join("Cargo.toml"))
        .ok()?
        .parse()
        .ok()?;
    let declared = manifest
        .get("test")
        .and_then(|t| t.as_array())
        .into_iter()
        .flatten()
        .find(|t| t.get("name").and_then(|n| n.as_str()) == Some(suite))
        .and_then(|t| t.get("path")?.as_str().map(str::to_owned));
    Some(dir.join(declared.unwrap_or_else(|| format!("tests/{suite}.rs"))))
}

/// The body of the test function `path` (`module::...::function`), without its braces and
/// with the common indentation removed.
pub fn test_body(source: &str, path: &str) -> Option<String> {
    let mut parts: Vec<&str> = path.split("::").collect();
    let function = parts.pop()?;
    let mut scope = source;
    for module in parts {
        scope = block_after(scope, &format!("mod {module}"))?;
    }
    let body = block_after(scope, &format!("fn {function}("))?;
    Some(dedent(body.trim_start_matches(['\n', '\r']).trim_end()))
}

/// The inside of the first `{ ... }` block after `item` (at a word boundary) in `text`.
fn block_after<'t>(text: &'t str, item: &str) -> Option<&'t str> {
    let mut from = 0;
    let start = loop {
        let at = from + text[from..].find(item)?;
        let boundary = text[..at]
            .chars()
            .next_back()
            .is_none_or(|c| !c.is_alphanumeric() && c != '_');
        let rest = &text[at + item.len()..];
        let whole =
            item.ends_with('(') || !rest.starts_with(|c: char| c.is_alphanumeric() || c == '_');
        if boundary && whole {
            break at + item.len();
        }
        from = at + item.len();
    };
    let open = start + text[start..].find('{')?;
    let close = matching_brace(text, open)?;
    Some(&text[open + 1..close])
}

/// The index of the `}` closing the `{` at `open`, stepping over strings, characters and
/// comments.
fn matching_brace(text: &str, open: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut depth = 0usize;
    let mut i = open;
    while i < bytes.len() {
        match bytes[i] {
            b'{' => depth += 1,
            b'}' => {
                depth -= 1;
                if depth == 0 {
                    return Some(i);
                }
            }
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                i += text[i..].find('\n')?;
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                i += text[i..].find("*/")? + 1;
            }
            b'r' if matches!(bytes.get(i + 1), Some(b'"' | b'#'))
                && (i == 0 || !(bytes[i - 1].is_ascii_alphanumeric() || bytes[i - 1] == b'_')) =>
            {
                let hashes = bytes[i + 1..].iter().take_while(|&&b| b == b'#').count();
                if bytes.get(i + 1 + hashes) == Some(&b'"') {
                    let end = format!("\"{}", "#".repeat(hashes));
                    let body = i + 2 + hashes;
                    i = body + text[body..].find(&end)? + end.len() - 1;
                }
            }
            b'"' => {
                i += 1;
                while bytes.get(i)? != &b'"' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
            }
            // A character literal ('{', '\'', '\u{7b}'); a lifetime ('a) has no closing quote.
            b'\'' if bytes.get(i + 1) == Some(&b'\\') => {
                i += 2;
                while bytes.get(i + 1)? != &b'\'' {
                    i += 1;
                }
                i += 1;
            }
            b'\'' if bytes.get(i + 2) == Some(&b'\'') => i += 2,
            _ => {}
        }
        i += 1;
    }
    None
}

fn dedent(text: &str) -> String {
    let indent = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.len() - l.trim_start().len())
        .min()
        .unwrap_or(0);
    text.lines()
        .map(|l| l.get(indent..).unwrap_or("").trim_end())
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    const SUITE: &str = r##"
fn helper() -> String { format!("{{ not a block") }

mod spawn_join_extra {
    #[test]
    fn results_come_back_in_index_order() { panic!("wrong module") }
}

mod spawn_join {
    use super::*;

    #[test]
    fn results_come_back_in_index_order_fast() { panic!("wrong test") }

    #[test]
    fn results_come_back_in_index_order() {
        within(|| {
            let open = '{'; // a brace } in a comment
            /* and { in a block comment */
            let s = "}\"}";
            let r = r#"}"#;
            fn inner<'a>(x: &'a str) -> &'a str { x }
            assert_eq!(inner(s), "}\"}", "{open}{r}");
        });
    }
}
"##;

    #[test]
    fn finds_the_body_of_the_named_test_in_its_module() {
        let body = test_body(SUITE, "spawn_join::results_come_back_in_index_order").unwrap();
        assert!(
            body.starts_with("within(|| {\n    let open = '{'; // a brace } in a comment\n"),
            "{body}"
        );
        assert!(
            body.ends_with("assert_eq!(inner(s), \"}\\\"}\", \"{open}{r}\");\n});"),
            "{body}"
        );
    }

    #[test]
    fn an_unknown_test_or_module_has_no_source() {
        assert_eq!(test_body(SUITE, "spawn_join::no_such_test"), None);
        assert_eq!(
            test_body(SUITE, "no_such_module::results_come_back_in_index_order"),
            None
        );
    }

    #[test]
    fn the_real_suite_has_every_test_of_its_first_exercise() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
        let file = suite_file(&root.join("exercises/threads"), "threads").unwrap();
        let source = std::fs::read_to_string(file).unwrap();
        let body = test_body(&source, "spawn_join::a_worker_panic_reaches_the_caller").unwrap();
        assert!(body.contains("within("), "{body}");
    }
}
