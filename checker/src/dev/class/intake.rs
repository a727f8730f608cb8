//! Reading a class folder without trusting it: one folder per student; from each, exactly the
//! exercise files the catalogue names, and only regular files of a sensible size. A symlink, a
//! FIFO, a device or a huge file is refused with a reason, never followed, opened or read; a
//! file that reaches for other files at compile time (`#[path]`, `include!`) is refused too, so
//! no submission can grade itself with another one's code.

use std::fs::File;
use std::io::Read;
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use syn::visit::Visit;

use crate::catalog::Catalog;
use crate::engine::{Intake, Submission};

/// The largest exercise file graded; anything bigger is not a student's exercise.
pub const MAX_FILE: u64 = 256 * 1024;

/// The students of a class folder, by name: each folder's exercise files checked and read.
pub fn students(dir: &Path, catalog: &Catalog) -> Result<Vec<Submission>> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).with_context(|| format!("cannot read {}", dir.display()))? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') {
            continue;
        }
        let kind = entry.file_type()?;
        if !kind.is_dir() && !kind.is_symlink() {
            continue;
        }
        let files = if kind.is_symlink() {
            refuse_all(catalog, "the student's folder is a symbolic link")
        } else {
            read_submission(&entry.path(), catalog)
        };
        found.push(Submission {
            key: key(&name),
            student: name,
            files,
        });
    }
    found.sort_by(|a, b| a.student.cmp(&b.student));
    Ok(found)
}

/// A name fit for a package, unique for every folder name: lower-case ASCII letters and digits
/// of the name, then a hash of the whole name (so `Alice` and `alice`, or two names in another
/// script, never share a package).
pub fn key(name: &str) -> String {
    let slug: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    let slug: String = slug
        .split('-')
        .filter(|part| !part.is_empty())
        .collect::<Vec<_>>()
        .join("-");
    let slug: String = slug.chars().take(24).collect();
    // FNV-1a: stable across Rust versions and machines, unlike the standard hasher.
    let hash = name.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    if slug.is_empty() {
        format!("s{:08x}", hash as u32)
    } else {
        format!("{slug}-{:08x}", hash as u32)
    }
}

fn refuse_all(catalog: &Catalog, why: &str) -> Vec<(String, Intake)> {
    catalog
        .exercises
        .iter()
        .map(|e| (e.name.clone(), Intake::Refused(why.to_owned())))
        .collect()
}

/// Every exercise file of a student's folder: `FOLDER/TOPIC/FILE`, or
/// `FOLDER/exercises/TOPIC/FILE` when the folder is a whole kit.
fn read_submission(folder: &Path, catalog: &Catalog) -> Vec<(String, Intake)> {
    let base = match std::fs::symlink_metadata(folder.join("exercises")) {
        Ok(meta) if meta.is_dir() => folder.join("exercises"),
        _ => folder.to_path_buf(),
    };
    catalog
        .exercises
        .iter()
        .map(|e| {
            let relative: PathBuf = Path::new(&e.topic).join(&e.file);
            (e.name.clone(), read_file(&base, &relative))
        })
        .collect()
}

/// One exercise file, checked at every step of its path: no component may be a symbolic link,
/// and the file must be a regular file no larger than [`MAX_FILE`].
pub fn read_file(base: &Path, relative: &Path) -> Intake {
    let mut at = base.to_path_buf();
    let parts: Vec<_> = relative.components().collect();
    for (i, part) in parts.iter().enumerate() {
        at.push(part);
        let meta = match std::fs::symlink_metadata(&at) {
            Ok(meta) => meta,
            Err(_) => return Intake::Missing,
        };
        let kind = meta.file_type();
        let shown = relative.display();
        if kind.is_symlink() {
            return Intake::Refused(format!(
                "{shown}: a symbolic link (a submission is graded from its own files only)"
            ));
        }
        let last = i + 1 == parts.len();
        if !last {
            if !kind.is_dir() {
                return Intake::Missing;
            }
            continue;
        }
        if !kind.is_file() {
            let what = if kind.is_fifo() {
                "a FIFO"
            } else if kind.is_block_device() || kind.is_char_device() {
                "a device"
            } else if kind.is_socket() {
                "a socket"
            } else if kind.is_dir() {
                "a folder"
            } else {
                "not a regular file"
            };
            return Intake::Refused(format!("{shown}: {what}, not a source file"));
        }
        if meta.len() > MAX_FILE {
            return Intake::Refused(format!(
                "{shown}: {} KiB, more than the {} KiB an exercise file may have",
                meta.len() / 1024,
                MAX_FILE / 1024
            ));
        }
        return match read_regular(&at) {
            Ok(bytes) => match reaches_out(&bytes) {
                Some(what) => Intake::Refused(format!(
                    "{shown}: uses {what}, which could compile another file than the \
                     student's own"
                )),
                None => Intake::Found(bytes),
            },
            Err(err) => Intake::Refused(format!("{shown}: cannot be read ({err})")),
        };
    }
    Intake::Missing
}

/// Reads a file that was a regular file a moment ago, without following a link or blocking on
/// a FIFO if it has been swapped since.
fn read_regular(path: &Path) -> std::io::Result<Vec<u8>> {
    let mut file = File::options()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
        .open(path)?;
    if !file.metadata()?.is_file() {
        return Err(std::io::Error::other("not a regular file"));
    }
    let mut bytes = Vec::new();
    file.by_ref().take(MAX_FILE + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_FILE {
        return Err(std::io::Error::other("grew past the size limit"));
    }
    Ok(bytes)
}

/// `#[path = ...]` on a module, or an `include!`-family macro: ways for a file to compile
/// another one.
pub fn reaches_out(source: &[u8]) -> Option<&'static str> {
    struct Finder(Option<&'static str>);
    impl<'ast> Visit<'ast> for Finder {
        fn visit_attribute(&mut self, attr: &'ast syn::Attribute) {
            if attr.path().is_ident("path") {
                self.0.get_or_insert("a #[path] attribute");
            }
            syn::visit::visit_attribute(self, attr);
        }
        fn visit_macro(&mut self, mac: &'ast syn::Macro) {
            let last = mac.path.segments.last().map(|s| s.ident.to_string());
            if let Some("include" | "include_str" | "include_bytes") = last.as_deref() {
                self.0.get_or_insert("an include! macro");
            }
            syn::visit::visit_macro(self, mac);
        }
    }
    let text = String::from_utf8_lossy(source);
    match syn::parse_file(&text) {
        Ok(file) => {
            let mut finder = Finder(None);
            finder.visit_file(&file);
            finder.0
        }
        // It will not compile anyway; still, refuse what could reach out.
        Err(_) if text.contains("include") || text.contains("#[path") => {
            Some("include! or #[path] in a file that does not parse")
        }
        Err(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_unique_for_names_that_differ_in_case_or_script() {
        let names = ["Alice", "alice", "Лена", "Ирина", "李雷", "a b", "a-b"];
        let keys: Vec<String> = names.iter().map(|n| key(n)).collect();
        let mut unique = keys.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), names.len(), "{keys:?}");
        assert!(keys[0].starts_with("alice-"), "{keys:?}");
        assert!(keys.iter().all(|k| {
            k.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        }));
    }

    #[test]
    fn files_that_reach_for_other_files_are_spotted() {
        assert!(reaches_out(b"#[path = \"../../bob/x.rs\"] mod x;").is_some());
        assert!(
            reaches_out(b"pub fn f() -> &'static str { include_str!(\"/etc/passwd\") }").is_some()
        );
        assert!(reaches_out(b"include!(\"../other.rs\");").is_some());
        assert_eq!(reaches_out(b"// the path of a file\npub fn f() {}"), None);
    }

    #[test]
    fn links_fifos_and_huge_files_are_refused_never_read() {
        let dir = tempfile::tempdir().unwrap();
        let topic = dir.path().join("threads/src");
        std::fs::create_dir_all(&topic).unwrap();
        std::os::unix::fs::symlink("/etc/hostname", topic.join("link.rs")).unwrap();
        nix::unistd::mkfifo(&topic.join("fifo.rs"), nix::sys::stat::Mode::S_IRWXU).unwrap();
        std::fs::write(topic.join("huge.rs"), vec![b' '; MAX_FILE as usize + 1]).unwrap();
        std::fs::write(topic.join("fine.rs"), b"pub fn f() {}").unwrap();
        let read = |name: &str| read_file(dir.path(), &Path::new("threads/src").join(name));
        assert!(matches!(read("link.rs"), Intake::Refused(why) if why.contains("symbolic link")));
        assert!(matches!(read("fifo.rs"), Intake::Refused(why) if why.contains("FIFO")));
        assert!(matches!(read("huge.rs"), Intake::Refused(why) if why.contains("KiB")));
        assert_eq!(read("fine.rs"), Intake::Found(b"pub fn f() {}".to_vec()));
        assert_eq!(read("absent.rs"), Intake::Missing);
    }
}
