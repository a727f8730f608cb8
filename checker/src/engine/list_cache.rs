//! What each test binary listed, remembered beside it: listing runs the binary in a sandbox
//! (its start-up is student code), which costs a sandbox per package on every run; a binary
//! that has not changed (same size, same modification time) lists the same tests. The file is
//! the checker's, in the build folder no test can write to.

use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

use anyhow::Result;

/// Every test `exe` lists: remembered, or from `list` (then remembered).
pub fn all_tests(exe: &Path, list: impl FnOnce() -> Result<Vec<String>>) -> Result<Vec<String>> {
    let stamp = stamp(exe);
    let file = cache_file(exe);
    if let (Some(stamp), Ok(text)) = (&stamp, std::fs::read_to_string(&file)) {
        let mut lines = text.lines();
        if lines.next() == Some(stamp.as_str()) {
            return Ok(lines.map(str::to_owned).collect());
        }
    }
    let names = list()?;
    if let Some(stamp) = stamp {
        // Best effort: a cache that cannot be written only costs the next run a listing.
        let _ = std::fs::write(&file, format!("{stamp}\n{}", names.join("\n")));
    }
    Ok(names)
}

fn cache_file(exe: &Path) -> PathBuf {
    let mut name = exe.as_os_str().to_owned();
    name.push(".kit-tests");
    PathBuf::from(name)
}

/// The binary's size and modification time, as one line.
fn stamp(exe: &Path) -> Option<String> {
    let meta = std::fs::metadata(exe).ok()?;
    let modified = meta.modified().ok()?.duration_since(UNIX_EPOCH).ok()?;
    Some(format!("{} {}", meta.len(), modified.as_nanos()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_once_until_the_binary_changes() {
        let dir = tempfile::tempdir().unwrap();
        let exe = dir.path().join("suite-1234");
        std::fs::write(&exe, b"binary").unwrap();
        let first = all_tests(&exe, || Ok(vec!["a::x".into(), "a::y".into()])).unwrap();
        assert_eq!(first, ["a::x", "a::y"]);
        let again = all_tests(&exe, || panic!("listed again")).unwrap();
        assert_eq!(again, first);
        std::fs::write(&exe, b"another binary").unwrap();
        let changed = all_tests(&exe, || Ok(vec!["a::z".into()])).unwrap();
        assert_eq!(changed, ["a::z"]);
    }
}
