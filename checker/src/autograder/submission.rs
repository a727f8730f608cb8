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
//! each also inside one wrapping folder (a zip of `kit-main/`, say). A file that is, or lies
//! under, a symbolic link is refused (it could point at anything in the container), and so is
//! anything that is not a regular file or is larger than [`MAX_BYTES`].

use std::io::Read;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use crate::catalog::Exercise;

/// The largest exercise file taken (a stub is a few KiB).
pub const MAX_BYTES: u64 = 1024 * 1024;

/// What a submission holds of the exercises to grade.
#[derive(Debug, Default)]
pub struct Intake {
    /// The layout found, in a student's words (`exercises/TOPIC/src/FILE.rs`, ...), or `None`
    /// when the submission holds no exercise file in any layout.
    pub layout: Option<String>,
    /// Files taken: the exercise's name, the path in the submission, the contents.
    pub taken: Vec<Taken>,
    /// Exercise files the submission does not have (in the layout found).
    pub missing: Vec<String>,
    /// Files present but refused, with the reason.
    pub refused: Vec<(String, String)>,
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
pub fn collect(dir: &Path, exercises: &[&Exercise]) -> Intake {
    let Some(layout) = layouts(dir, exercises)
        .into_iter()
        .find(|layout| exercises.iter().any(|e| present(dir, &layout.path_of(e))))
    else {
        return Intake::default();
    };
    let mut intake = Intake {
        layout: exercises.first().map(|e| layout.describe(e)),
        ..Intake::default()
    };
    for exercise in exercises {
        let relative = layout.path_of(exercise);
        let path = shown(&relative);
        if !present(dir, &relative) {
            intake.missing.push(path);
            continue;
        }
        match take(dir, &relative) {
            Ok(contents) => intake.taken.push(Taken {
                exercise: exercise.name.clone(),
                path,
                contents,
            }),
            Err(reason) => intake.refused.push((path, reason)),
        }
    }
    intake
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

/// The contents of the regular file at `relative` under `dir`, or why it is refused.
fn take(dir: &Path, relative: &Path) -> Result<Vec<u8>, String> {
    // Every folder on the way must be a real folder, not a link to elsewhere.
    let mut walked = dir.to_path_buf();
    let mut parts = relative.components().peekable();
    while let Some(part) = parts.next() {
        walked.push(part);
        let meta = walked
            .symlink_metadata()
            .map_err(|e| format!("cannot be read ({e})"))?;
        if meta.file_type().is_symlink() {
            let what = if parts.peek().is_some() {
                format!("lies under a symbolic link ({})", shown_from(dir, &walked))
            } else {
                "is a symbolic link".to_owned()
            };
            return Err(format!("{what}: symbolic links are not accepted"));
        }
        if parts.peek().is_none() {
            if !meta.is_file() {
                return Err("is not a regular file".to_owned());
            }
            if meta.len() > MAX_BYTES {
                return Err(format!(
                    "is larger than {} KiB ({} bytes)",
                    MAX_BYTES / 1024,
                    meta.len()
                ));
            }
        }
    }
    // O_NOFOLLOW: a link put in place since the check above is refused too.
    let mut file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW)
        .open(&walked)
        .map_err(|e| format!("cannot be read ({e})"))?;
    let mut contents = Vec::new();
    file.by_ref()
        .take(MAX_BYTES + 1)
        .read_to_end(&mut contents)
        .map_err(|e| format!("cannot be read ({e})"))?;
    if contents.len() as u64 > MAX_BYTES {
        return Err(format!("is larger than {} KiB", MAX_BYTES / 1024));
    }
    Ok(contents)
}

/// A relative path as a student reads it: `/`-separated.
fn shown(relative: &Path) -> String {
    relative
        .components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

fn shown_from(dir: &Path, path: &Path) -> String {
    shown(path.strip_prefix(dir).unwrap_or(path))
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

    fn taken(intake: &Intake) -> Vec<(&str, &str, &[u8])> {
        intake
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
    fn links_odd_files_and_huge_files_are_refused() {
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
            vec![b'x'; MAX_BYTES as usize + 1],
        )
        .unwrap();
        std::os::unix::fs::symlink(
            dir.path().join("elsewhere"),
            dir.path().join("exercises/processes"),
        )
        .unwrap();
        let intake = collect(dir.path(), &exercises);
        assert!(intake.taken.is_empty());
        let reasons: Vec<String> = intake
            .refused
            .iter()
            .map(|(path, why)| format!("{path} {why}"))
            .collect();
        assert_eq!(
            reasons,
            [
                "exercises/threads/src/spawn_join.rs is a symbolic link: symbolic links are not accepted",
                "exercises/threads/src/scoped_chunks.rs is not a regular file",
                "exercises/processes/src/fork_wait.rs lies under a symbolic link (exercises/processes): symbolic links are not accepted",
            ]
        );

        std::fs::remove_file(dir.path().join("exercises/processes")).unwrap();
        std::fs::rename(
            dir.path().join("elsewhere"),
            dir.path().join("exercises/processes"),
        )
        .unwrap();
        let intake = collect(dir.path(), &exercises);
        assert_eq!(
            intake.refused[2],
            (
                "exercises/processes/src/fork_wait.rs".to_owned(),
                format!("is larger than 1024 KiB ({} bytes)", MAX_BYTES + 1)
            )
        );
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
