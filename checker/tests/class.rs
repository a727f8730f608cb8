//! Class mode on a class no input can confuse: thirty students, five whose code does not
//! compile, three who deadlock, names that differ only in case or are not ASCII, a name that is
//! a spreadsheet formula, a folder that is a symbolic link, a FIFO where a file should be, a
//! submission in the wrong layout — all graded in one run, each with its own status.

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use common::{checker_in, real_root};

/// One student's folder: `threads/src/*` from the kit's stubs, then `spawn_join.rs` from `from`.
fn student(class: &Path, name: &str, spawn_join: &str) {
    let root = real_root();
    let to = class.join(name).join("threads/src");
    std::fs::create_dir_all(&to).unwrap();
    for entry in std::fs::read_dir(root.join("exercises/threads/src")).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
    }
    std::fs::copy(root.join(spawn_join), to.join("spawn_join.rs")).unwrap();
}

#[test]
fn thirty_students_each_get_their_own_status_in_one_run() {
    let class = tempfile::tempdir().unwrap();
    let dir = class.path();
    let solved = "solutions/threads/src/spawn_join.rs";
    let mut expected: BTreeMap<String, &str> = BTreeMap::new();
    // Twenty who solved it, some with another correct design, two of them with names that
    // differ only in case, two with names in another script, one whose name is a formula.
    let mut solvers: Vec<String> = (1..=15).map(|i| format!("student{i:02}")).collect();
    solvers.extend(["Alice", "alice", "Лена", "李雷", "=SUM(A1)"].map(String::from));
    for (i, name) in solvers.iter().enumerate() {
        let from = if i % 3 == 0 {
            "solutions/threads/alt/spawn_join/scoped.rs"
        } else {
            solved
        };
        student(dir, name, from);
        expected.insert(name.clone(), "passed");
    }
    // `alice` hands in the stub: if she shared a package with `Alice`, one of them would get
    // the other's grade.
    std::fs::copy(
        real_root().join("exercises/threads/src/spawn_join.rs"),
        dir.join("alice/threads/src/spawn_join.rs"),
    )
    .unwrap();
    expected.insert("alice".into(), "failed");
    // Five whose spawn_join does not compile.
    for i in 1..=5 {
        let name = format!("broken{i}");
        student(dir, &name, solved);
        let file = dir.join(&name).join("threads/src/spawn_join.rs");
        let text = std::fs::read_to_string(&file).unwrap();
        std::fs::write(
            &file,
            text.replace("pub fn run_workers", "pub fn run_workers oops"),
        )
        .unwrap();
        expected.insert(name, "does not compile");
    }
    // One whose other exercise does not compile: spawn_join is still graded, alone.
    student(dir, "half", solved);
    std::fs::write(
        dir.join("half/threads/src/supervisor.rs"),
        "pub fn broken( {",
    )
    .unwrap();
    expected.insert("half".into(), "passed");
    // Three who deadlock.
    for i in 1..=3 {
        let name = format!("stuck{i}");
        student(
            dir,
            &name,
            "solutions/threads/wrong/spawn_join/kept_sender.rs",
        );
        expected.insert(name, "timed out");
    }
    // A folder that is a symbolic link to someone else's, a FIFO in place of the file, and
    // files in the wrong layout.
    std::os::unix::fs::symlink(dir.join("student01"), dir.join("linked")).unwrap();
    expected.insert("linked".into(), "refused");
    student(dir, "fifo", solved);
    let fifo = dir.join("fifo/threads/src/spawn_join.rs");
    std::fs::remove_file(&fifo).unwrap();
    nix::unistd::mkfifo(&fifo, nix::sys::stat::Mode::S_IRWXU).unwrap();
    expected.insert("fifo".into(), "refused");
    std::fs::create_dir_all(dir.join("flat")).unwrap();
    std::fs::copy(real_root().join(solved), dir.join("flat/spawn_join.rs")).unwrap();
    expected.insert("flat".into(), "missing");
    // `#[path]` to another student's file.
    student(dir, "borrower", solved);
    std::fs::write(
        dir.join("borrower/threads/src/spawn_join.rs"),
        format!(
            "#[path = \"{}\"]\nmod theirs;\npub use theirs::run_workers;\n",
            dir.join("student01/threads/src/spawn_join.rs").display()
        ),
    )
    .unwrap();
    expected.insert("borrower".into(), "refused");
    assert!(expected.len() >= 30, "{}", expected.len());

    let out = tempfile::tempdir().unwrap();
    let started = std::time::Instant::now();
    let output = checker_in(&real_root())
        .args([
            "grade",
            dir.to_str().unwrap(),
            "--only",
            "spawn_join",
            "--out",
        ])
        .arg(out.path())
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    eprintln!(
        "class of {}: graded in {:?}",
        expected.len(),
        started.elapsed()
    );

    let mut book = csv::Reader::from_path(out.path().join("gradebook.csv")).unwrap();
    let header = book.headers().unwrap().clone();
    let column = |name: &str| header.iter().position(|h| h == name).unwrap();
    let mut seen = BTreeMap::new();
    for row in book.records() {
        let row = row.unwrap();
        let student = row[column("student")].to_owned();
        let points: f64 = row[column("points")].parse().expect("points are a number");
        let max: f64 = row[column("max_points")]
            .parse()
            .expect("max_points is a number");
        let percent: f64 = row[column("percent")].parse().expect("percent is a number");
        assert!(max > 0.0 && points <= max, "{row:?}");
        assert!((percent - points / max * 100.0).abs() < 0.1, "{row:?}");
        seen.insert(student, row[column("status")].to_owned());
    }
    // The formula's cell is text, quoted with a leading apostrophe.
    assert_eq!(
        seen.remove("'=SUM(A1)").as_deref(),
        Some("passed"),
        "{seen:#?}"
    );
    expected.remove("=SUM(A1)");
    for (name, status) in &expected {
        assert_eq!(
            seen.get(name).map(String::as_str),
            Some(*status),
            "{name}: {seen:#?}"
        );
    }

    // The census counts what the gradebook says, and its page shows the same numbers.
    let census = std::fs::read_to_string(out.path().join("census.csv")).unwrap();
    assert!(census.contains("(does not compile),5,"), "{census}");
    assert!(census.contains("(refused),3,"), "{census}");
    let page = out.path().join("census.html");
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(html.contains("5 of "), "{html}");
    if let Some(dom) = common::chromium_dom(&page) {
        assert!(dom.contains("(does not compile)"), "{dom}");
        assert!(dom.contains("5 of "), "{dom}");
        assert!(dom.contains("3 of "), "{dom}");
    }
}
