//! A student's submission, as Gradescope hands it over: which exercise files it holds.
//!
//! Only the files the catalogue names (each exercise's `topic` and `file`) are ever read, so a
//! submission cannot bring a manifest, a suite or a build script of its own. They are looked for
//! in these layouts, the first that holds any of them wins:
//!
//! 1. a whole kit, as a repository submission is: `exercises/TOPIC/src/FILE.rs`;
//! 2. a copy of `exercises/`: `TOPIC/src/FILE.rs`;
//! 3. the files themselves, uploaded one by one: `FILE.rs` (only while no two exercises share a
//!    file name);
//!
//! each also inside one wrapping folder (a zip of `kit-main/`, say). Each file is read as class
//! mode reads one ([`read_file`]): a symbolic link anywhere on its path, a FIFO, a device, a
//! file larger than its limit (256 KiB) or one that compiles another file (`#[path]`, `include!`) is
//! refused, with the reason.

use std::path::{Path, PathBuf};

use crate::catalog::Exercise;
use crate::dev::class::intake::read_file;
use crate::engine::Intake;

/// What a submission holds of the exercises to grade.
#[derive(Debug, Default)]
pub struct Found {
    /// The layout found, in a student's words (`exercises/TOPIC/src/FILE.rs`, ...), or `None`
    /// when the submission holds no exercise file in any layout.
    pub layout: Option<String>,
    /// Files taken: the exercise's name, the path in the submission, the contents.
    pub taken: Vec<Taken>,
    /// Exercise files the submission does not have (in the layout found).
    pub missing: Vec<String>,
    /// Files present but refused: the path and the reason, in a sentence.
    pub refused: Vec<String>,
}

#[derive(Debug)]
pub struct Taken {
    pub exercise: String,
    pub path: String,
    pub contents: Vec<u8>,
}

/// One way of placing the exercise files in a submission.
struct Layout {
    /// The folder, relative to the submission, the files are under.
    base: PathBuf,
    /// `FILE.rs` directly in `base`, instead of `TOPIC/src/FILE.rs`.
    flat: bool,
}

impl Layout {
    fn path_of(&self, exercise: &Exercise) -> PathBuf {
        if self.flat {
            let name = Path::new(&exercise.file).file_name().unwrap_or_default();
            self.base.join(name)
        } else {
            self.base.join(&exercise.topic).join(&exercise.file)
        }
    }

    fn describe(&self, example: &Exercise) -> String {
        shown(&self.path_of(example))
    }
}

/// Finds the exercise files of `exercises` in the submission folder `dir`.
pub fn collect(dir: &Path, exercises: &[&Exercise]) -> Found {
    let Some(layout) = layouts(dir, exercises)
        .into_iter()
        .find(|layout| exercises.iter().any(|e| present(dir, &layout.path_of(e))))
    else {
        return Found::default();
    };
    let mut found = Found {
        layout: exercises.first().map(|e| layout.describe(e)),
        ..Found::default()
    };
    for exercise in exercises {
        let relative = layout.path_of(exercise);
        let path = shown(&relative);
        match read_file(dir, &relative) {
            Intake::Found(contents) => found.taken.push(Taken {
                exercise: exercise.name.clone(),
                path,
                contents,
            }),
            Intake::Missing => found.missing.push(path),
            Intake::Refused(why) => found.refused.push(why),
        }
    }
    found
}

/// The layouts to try, in order.
fn layouts(dir: &Path, exercises: &[&Exercise]) -> Vec<Layout> {
    let mut bases = vec![PathBuf::new()];
    if let Some(wrapper) = only_folder(dir) {
        bases.push(wrapper);
    }
    let mut names: Vec<_> = exercises
        .iter()
        .map(|e| Path::new(&e.file).file_name())
        .collect();
    names.sort();
    names.dedup();
    let flat_is_unambiguous = names.len() == exercises.len();
    let mut layouts = Vec::new();
    for base in bases {
        layouts.push(Layout {
            base: base.join("exercises"),
            flat: false,
        });
        layouts.push(Layout {
            base: base.clone(),
            flat: false,
        });
        if flat_is_unambiguous {
            layouts.push(Layout { base, flat: true });
        }
    }
    layouts
}

/// The one folder `dir` holds, when it holds nothing else (hidden entries aside).
fn only_folder(dir: &Path) -> Option<PathBuf> {
    let mut entries = std::fs::read_dir(dir)
        .ok()?
        .filter_map(Result::ok)
        .filter(|e| !e.file_name().to_string_lossy().starts_with('.'));
    let first = entries.next()?;
    if entries.next().is_some() || !first.file_type().ok()?.is_dir() {
        return None;
    }
    Some(PathBuf::from(first.file_name()))
}

/// Whether anything (a file, a link, a folder) is at `relative` under `dir`.
fn present(dir: &Path, relative: &Path) -> bool {
    dir.join(relative).symlink_metadata().is_ok()
}

/// A relative path as a student reads it: `/`-separated.
fn shown(relative: &Path) -> String {
    relative
        .components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

/// Up to `max` entries of `dir`'s top level, folders with a `/`: what the submission holds,
/// for a student whose files were not found.
pub fn listing(dir: &Path, max: usize) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut names: Vec<String> = entries
        .filter_map(Result::ok)
        .map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            match e.file_type() {
                Ok(t) if t.is_dir() => name + "/",
                _ => name,
            }
        })
        .collect();
    names.sort();
    if names.len() > max {
        let more = names.len() - max;
        names.truncate(max);
        names.push(format!("... and {more} more"));
    }
    names
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dev::class::intake::MAX_FILE;

    fn exercise(name: &str, topic: &str) -> Exercise {
        toml::from_str(&format!(
            "name = \"{name}\"\ntopic = \"{topic}\"\nfile = \"src/{name}.rs\"\ntests = \"{name}::\""
        ))
        .unwrap()
    }

    fn put(dir: &Path, relative: &str, text: &str) {
        let path = dir.join(relative);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    fn kit() -> [Exercise; 3] {
        [
            exercise("spawn_join", "threads"),
            exercise("scoped_chunks", "threads"),
            exercise("fork_wait", "processes"),
        ]
    }

    fn taken(found: &Found) -> Vec<(&str, &str, &[u8])> {
        found
            .taken
            .iter()
            .map(|t| (t.exercise.as_str(), t.path.as_str(), t.contents.as_slice()))
            .collect()
    }

    #[test]
    fn a_whole_kit_is_read_from_its_exercises_folder_and_nothing_else() {
        let dir = tempfile::tempdir().unwrap();
        let exercises = kit();
        let exercises: Vec<&Exercise> = exercises.iter().collect();
        put(dir.path(), "exercises/threads/src/spawn_join.rs", "mine");
        put(dir.path(), "exercises/threads/src/lib.rs", "not taken");
        put(dir.path(), "exercises/threads/Cargo.toml", "not taken");
        put(dir.path(), "checker/suites/threads.rs", "not taken");
        let intake = collect(dir.path(), &exercises);
        assert_eq!(
            intake.layout.as_deref(),
            Some("exercises/threads/src/spawn_join.rs")
        );
        assert_eq!(
            taken(&intake),
            [(
                "spawn_join",
                "exercises/threads/src/spawn_join.rs",
                &b"mine"[..]
            )]
        );
        assert_eq!(
            intake.missing,
            [
                "exercises/threads/src/scoped_chunks.rs",
                "exercises/processes/src/fork_wait.rs"
            ]
        );
        assert!(intake.refused.is_empty());
    }

    #[test]
    fn a_copy_of_exercises_a_wrapping_folder_and_loose_files_are_found() {
        let exercises = kit();
        let exercises: Vec<&Exercise> = exercises.iter().collect();
        for (file, layout) in [
            ("threads/src/spawn_join.rs", "threads/src/spawn_join.rs"),
            (
                "kit-main/exercises/threads/src/spawn_join.rs",
                "kit-main/exercises/threads/src/spawn_join.rs",
            ),
            (
                "kit-main/threads/src/spawn_join.rs",
                "kit-main/threads/src/spawn_join.rs",
            ),
            ("spawn_join.rs", "spawn_join.rs"),
        ] {
            let dir = tempfile::tempdir().unwrap();
            put(dir.path(), file, "mine");
            let intake = collect(dir.path(), &exercises);
            assert_eq!(intake.layout.as_deref(), Some(layout), "{file}");
            assert_eq!(taken(&intake), [("spawn_join", file, &b"mine"[..])]);
        }
    }

    #[test]
    fn loose_files_are_not_guessed_when_two_exercises_share_a_name() {
        let dir = tempfile::tempdir().unwrap();
        let exercises = [exercise("run", "threads"), exercise("run", "processes")];
        let exercises: Vec<&Exercise> = exercises.iter().collect();
        put(dir.path(), "run.rs", "which one?");
        assert!(collect(dir.path(), &exercises).layout.is_none());
    }

    #[test]
    fn links_folders_huge_files_and_includes_are_refused_with_their_reason() {
        let dir = tempfile::tempdir().unwrap();
        let exercises = kit();
        let exercises: Vec<&Exercise> = exercises.iter().collect();
        let secret = dir.path().join("secret");
        std::fs::write(&secret, "not yours").unwrap();
        put(dir.path(), "exercises/threads/src/keep.rs", "");
        std::os::unix::fs::symlink(
            &secret,
            dir.path().join("exercises/threads/src/spawn_join.rs"),
        )
        .unwrap();
        std::fs::create_dir_all(dir.path().join("exercises/threads/src/scoped_chunks.rs")).unwrap();
        std::fs::create_dir_all(dir.path().join("elsewhere/src")).unwrap();
        std::fs::write(
            dir.path().join("elsewhere/src/fork_wait.rs"),
            vec![b'x'; MAX_FILE as usize + 1],
        )
        .unwrap();
        std::os::unix::fs::symlink(
            dir.path().join("elsewhere"),
            dir.path().join("exercises/processes"),
        )
        .unwrap();
        let found = collect(dir.path(), &exercises);
        assert!(found.taken.is_empty() && found.missing.is_empty());
        let starts: Vec<&str> = found
            .refused
            .iter()
            .map(|why| why.split_once(": ").unwrap().0)
            .collect();
        assert_eq!(
            starts,
            [
                "exercises/threads/src/spawn_join.rs",
                "exercises/threads/src/scoped_chunks.rs",
                "exercises/processes/src/fork_wait.rs",
            ]
        );
        assert!(found.refused[0].contains("symbolic link"), "{found:?}");
        assert!(found.refused[1].contains("a folder"), "{found:?}");
        assert!(found.refused[2].contains("symbolic link"), "{found:?}");

        // Unlinked: now too large. And a file that compiles the kit's own solution instead.
        std::fs::remove_file(dir.path().join("exercises/processes")).unwrap();
        std::fs::rename(
            dir.path().join("elsewhere"),
            dir.path().join("exercises/processes"),
        )
        .unwrap();
        std::fs::remove_file(dir.path().join("exercises/threads/src/spawn_join.rs")).unwrap();
        put(
            dir.path(),
            "exercises/threads/src/spawn_join.rs",
            "include!(\"../../../solutions/threads/src/spawn_join.rs\");",
        );
        let found = collect(dir.path(), &exercises);
        assert!(found.refused[0].contains("include!"), "{found:?}");
        assert!(found.refused[2].contains("KiB"), "{found:?}");
    }

    #[test]
    fn an_empty_or_unrelated_submission_has_no_layout() {
        let dir = tempfile::tempdir().unwrap();
        let exercises = kit();
        let exercises: Vec<&Exercise> = exercises.iter().collect();
        assert!(collect(dir.path(), &exercises).layout.is_none());
        put(dir.path(), "homework/notes.txt", "hello");
        put(dir.path(), "main.rs", "fn main() {}");
        let intake = collect(dir.path(), &exercises);
        assert!(intake.layout.is_none() && intake.taken.is_empty());
        assert_eq!(listing(dir.path(), 1), ["homework/", "... and 1 more"]);
    }
}
