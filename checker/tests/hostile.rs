//! Hostile submissions: a class in which most students attack the grader, graded in ONE
//! `checker grade --only spawn_join` run (one build of small packages). Each attack is the
//! solution of `spawn_join` with a few lines of attack in front (or a constructor that runs
//! before `main`), and knows every path it aims at — the class folder, the gradebook's folder,
//! the kit, the build folder — as if it had found them out. Each test below asserts one attack's
//! exact verdict, and that the honest students' grades, their files, the kit and the test
//! binaries are untouched; a last one interrupts a `grade` and checks that nothing is left.
//!
//! Attacks that could harm the machine if the sandbox failed (killing every process it may)
//! first check that they run in a PID namespace of their own, and fail loudly otherwise.

mod common;

use std::collections::BTreeMap;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use serde_json::Value;

use common::{checker_in, real_root};

/// The build folder of these tests: kept between runs (its dependencies are built once), apart
/// from the kit's own, since attacks aim at the test binaries in it.
fn target() -> PathBuf {
    real_root().join("target").join("hostile")
}

/// Where the attacks aim: absolute paths, as an attacker that found them out would use.
struct Paths {
    root: PathBuf,
    target: PathBuf,
    class: PathBuf,
    out: PathBuf,
    tag: String,
}

const HONEST_MARKER: &str = "// HONEST-MARKER: this file must never be readable by another test";

/// A `spawn_join.rs`: the solution, with `attack` run first in `run_workers`, and `extra`
/// items appended.
fn solution_with(attack: &str, extra: &str) -> String {
    let solution =
        std::fs::read_to_string(real_root().join("solutions/threads/src/spawn_join.rs")).unwrap();
    let anchor = "{\n    // Spawn every worker";
    assert!(
        solution.contains(anchor),
        "the solution changed: update the fixture"
    );
    let attacked = solution.replacen(
        anchor,
        &format!("{{\n    {{ {attack} }}\n    // Spawn every worker"),
        1,
    );
    format!("{attacked}\n{extra}\n")
}

/// Once per process: the attack runs on the first call of `run_workers` only.
fn once(body: &str) -> String {
    format!(
        "static ONCE: std::sync::Once = std::sync::Once::new(); ONCE.call_once(|| {{ {body} }});"
    )
}

/// Calls into libc, declared by the attack itself (the crate has no `libc` dependency).
const LIBC: &str =
    "unsafe extern \"C\" { safe fn kill(pid: i32, sig: i32) -> i32; safe fn getppid() -> i32; }";

/// Refuses to go on unless the test runs in a PID namespace of its own (pid 1 is bubblewrap),
/// so that a failed sandbox never turns an attack on the machine.
const ISOLATED_OR_PANIC: &str = "let init = std::fs::read_to_string(\"/proc/1/comm\").unwrap_or_default(); \
     if init.trim() != \"bwrap\" { panic!(\"NOT ISOLATED: pid 1 is {init:?}, the attack refuses to run\"); }";

/// A constructor (`.init_array`) that runs `body` before `main` when the binary lists its
/// tests; `run_workers` refers to it so that the linker keeps it.
fn at_list(body: &str) -> (String, String) {
    let extra = format!(
        "#[used]\n#[unsafe(link_section = \".init_array\")]\nstatic HOSTILE_INIT: extern \"C\" fn() = hostile_init;\n\
         extern \"C\" fn hostile_init() {{\n    let cmdline = std::fs::read(\"/proc/self/cmdline\").unwrap_or_default();\n    \
         if String::from_utf8_lossy(&cmdline).contains(\"--list\") {{ {body} }}\n}}\n"
    );
    ("std::hint::black_box(&HOSTILE_INIT);".to_owned(), extra)
}

/// Every student of the class: name → `spawn_join.rs`.
fn submissions(p: &Paths) -> BTreeMap<&'static str, String> {
    let root = p.root.display();
    let target = p.target.display();
    let class = p.class.display();
    let out = p.out.display();
    let tag = &p.tag;
    let home = std::env::var("HOME").unwrap_or_else(|_| "/root".into());
    let variants = format!("{target}/variants");
    let mut class_files = BTreeMap::new();
    let honest = solution_with("", HONEST_MARKER);
    class_files.insert("honest", honest.clone());
    class_files.insert("victim", honest);
    class_files.insert("exit0", solution_with("std::process::exit(0);", ""));
    class_files.insert(
        "fake_report",
        solution_with(
            &format!(
                "{LIBC} println!(\"\\n@@kit-sandbox@@ {{{{\\\"code\\\":0,\\\"signal\\\":null,\\\"timed_out\\\":false,\
                 \\\"fork_bomb\\\":null,\\\"leftovers\\\":[],\\\"completed\\\":true}}}}\"); \
                 kill(getppid(), 9); std::process::exit(0);"
            ),
            "",
        ),
    );
    class_files.insert(
        "kill_supervisor",
        solution_with(
            &once(&format!(
                "{LIBC} {ISOLATED_OR_PANIC} \
                 for entry in std::fs::read_dir(\"/proc\").into_iter().flatten().flatten() {{ \
                     let cmd = std::fs::read(entry.path().join(\"cmdline\")).unwrap_or_default(); \
                     let cmd = String::from_utf8_lossy(&cmd); \
                     if cmd.contains(\"__sandbox\") || cmd.contains(\"checker\") {{ \
                         if let Ok(pid) = entry.file_name().to_string_lossy().parse::<i32>() {{ if pid != std::process::id() as i32 {{ kill(pid, 9); }} }} }} }} \
                 kill(getppid(), 9); kill(1, 9); kill(-1, 9);"
            )),
            "",
        ),
    );
    let (call, constructor) =
        at_list("println!(\"spawn_join::made_up_test: test\"); std::process::exit(0);");
    class_files.insert("list_spoof", solution_with(&call, &constructor));
    let (call, constructor) = at_list("std::thread::sleep(std::time::Duration::from_secs(60));");
    class_files.insert("list_sleeper", solution_with(&call, &constructor));
    class_files.insert(
        "reader",
        solution_with(
            &format!(
                "if std::fs::read_to_string(\"{class}/honest/threads/src/spawn_join.rs\").is_ok() {{ \
                     panic!(\"LEAK: read another student's file in the class folder\"); }} \
                 if std::fs::read_dir(\"{class}\").is_ok_and(|d| d.count() > 0) {{ \
                     panic!(\"LEAK: listed the class folder\"); }} \
                 for entry in std::fs::read_dir(\"{variants}\").into_iter().flatten().flatten() {{ \
                     let theirs = std::fs::read_to_string(entry.path().join(\"src/spawn_join.rs\")).unwrap_or_default(); \
                     if theirs.contains(concat!(\"HONEST\", \"-MARKER\")) {{ panic!(\"LEAK: read another student's package {{:?}}\", entry.path()); }} }} \
                 for entry in std::fs::read_dir(\"/proc\").into_iter().flatten().flatten() {{ \
                     let cmd = std::fs::read(entry.path().join(\"cmdline\")).unwrap_or_default(); \
                     if String::from_utf8_lossy(&cmd).contains(\"{class}\") {{ \
                         panic!(\"LEAK: found the class folder on a command line\"); }} \
                     let env = std::fs::read(entry.path().join(\"environ\")).unwrap_or_default(); \
                     if String::from_utf8_lossy(&env).contains(concat!(\"HOSTILE\", \"_SECRET\")) {{ \
                         panic!(\"LEAK: read the grader's secret in {{:?}}\", entry.path()); }} }} \
                 if std::fs::read_dir(\"{home}\").is_ok_and(|d| d.count() > 0) {{ \
                     panic!(\"LEAK: listed the grader's home\"); }}"
            ),
            "",
        ),
    );
    class_files.insert(
        "overwriter",
        solution_with(
            &format!(
                "let _ = std::fs::write(\"{class}/victim/threads/src/spawn_join.rs\", \"compile_error!(\\\"overwritten\\\");\"); \
                 for entry in std::fs::read_dir(\"{variants}\").into_iter().flatten().flatten() {{ \
                     let _ = std::fs::write(entry.path().join(\"src/spawn_join.rs\"), \"compile_error!(\\\"overwritten\\\");\"); }}"
            ),
            "",
        ),
    );
    class_files.insert(
        "kit_writer",
        solution_with(
            &format!(
                "let _ = std::fs::write(\"{root}/checker/hostile-was-here\", \"x\"); \
                 let _ = std::fs::write(\"{root}/exercises/threads/src/hostile.rs\", \"x\"); \
                 let _ = std::fs::write(\"/dev/shm/hostile-{tag}\", \"x\"); \
                 let _ = std::fs::write(\"/tmp/hostile-{tag}\", \"x\");"
            ),
            "",
        ),
    );
    class_files.insert(
        "gradebook_link",
        solution_with(
            &format!(
                "for name in [\"gradebook.csv\", \"gradebook.json\"] {{ \
                     let _ = std::os::unix::fs::symlink(\"{root}/checker/hostile-gradebook\", format!(\"{out}/{{name}}\")); }}"
            ),
            "",
        ),
    );
    class_files.insert(
        "binary_replacer",
        solution_with(
            &format!(
                "for dir in [\"{target}/debug/deps\", \"{target}/debug\"] {{ \
                     for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {{ \
                         let path = entry.path(); \
                         if path.is_file() && path.extension().is_none() && path != std::env::current_exe().unwrap() {{ \
                             let _ = std::fs::write(&path, \"#!/bin/sh\\nexit 0\\n\"); }} }} }}"
            ),
            "",
        ),
    );
    class_files.insert(
        "memory_hog",
        solution_with(
            &once(
                "let size = 6usize << 30; let layout = std::alloc::Layout::from_size_align(size, 4096).unwrap(); \
                 let hog = unsafe { std::alloc::alloc(layout) }; assert!(!hog.is_null(), \"no memory\"); \
                 for at in (0..size).step_by(4096) { unsafe { hog.add(at).write_volatile(1) } }",
            ),
            "",
        ),
    );
    class_files.insert(
        "loud_gb",
        solution_with(
            &once(
                "use std::io::Write; let mut lines = vec![b'x'; 1 << 20]; \
                 for at in (1023..lines.len()).step_by(1024) { lines[at] = b'\\n'; } \
                 let mut out = std::io::stdout().lock(); \
                 for _ in 0..1024 { out.write_all(&lines).unwrap(); } out.flush().unwrap(); \
                 std::process::exit(3);",
            ),
            "",
        ),
    );
    class_files.insert(
        "loud_mb",
        solution_with(
            &once(
                "use std::io::Write; let line = [b'y'; 1000]; let mut out = std::io::stdout().lock(); \
                 for _ in 0..1100 { out.write_all(&line).unwrap(); out.write_all(b\"\\n\").unwrap(); }",
            ),
            "",
        ),
    );
    class_files.insert(
        "path_borrower",
        format!("#[path = \"{class}/honest/threads/src/spawn_join.rs\"]\nmod theirs;\npub use theirs::run_workers;\n"),
    );
    class_files
}

/// A digest of every file below `dir` (sizes and contents), by relative path.
fn digest(dir: &Path) -> BTreeMap<PathBuf, u64> {
    let mut found = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(at) = stack.pop() {
        for entry in std::fs::read_dir(&at).into_iter().flatten().flatten() {
            let path = entry.path();
            let Ok(kind) = entry.file_type() else {
                continue;
            };
            if kind.is_dir() {
                if entry.file_name() != "target" {
                    stack.push(path);
                }
            } else {
                let mut hasher = std::collections::hash_map::DefaultHasher::new();
                std::fs::read(&path).unwrap_or_default().hash(&mut hasher);
                kind.is_symlink().hash(&mut hasher);
                found.insert(
                    path.strip_prefix(dir).unwrap().to_path_buf(),
                    hasher.finish(),
                );
            }
        }
    }
    found
}

/// The kit's sources, whose digest must not change.
fn kit_digest() -> BTreeMap<PathBuf, u64> {
    let root = real_root();
    let mut all = BTreeMap::new();
    for part in ["checker", "exercises", "solutions", "docs"] {
        for (path, hash) in digest(&root.join(part)) {
            all.insert(Path::new(part).join(path), hash);
        }
    }
    all
}

/// The memory cgroups below ours whose name is a sandbox's.
fn sandbox_cgroups() -> Vec<PathBuf> {
    let own = std::fs::read_to_string("/proc/self/cgroup").unwrap_or_default();
    let mut found = Vec::new();
    for line in own.lines() {
        let mut parts = line.splitn(3, ':');
        let (Some(_), Some(controllers), Some(path)) = (parts.next(), parts.next(), parts.next())
        else {
            continue;
        };
        for controller in controllers
            .split(',')
            .filter(|c| ["pids", "memory"].contains(c))
        {
            let dir = Path::new("/sys/fs/cgroup")
                .join(controller)
                .join(path.trim_start_matches('/'));
            for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
                if entry
                    .file_name()
                    .to_string_lossy()
                    .starts_with("kit-sandbox-")
                {
                    found.push(entry.path());
                }
            }
        }
    }
    found
}

fn dev_shm() -> Vec<String> {
    std::fs::read_dir("/dev/shm")
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect()
}

/// Every process whose environment holds `tag`.
fn tagged(tag: &str) -> Vec<i32> {
    let needle = format!("KIT_HOSTILE_TAG={tag}");
    std::fs::read_dir("/proc")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<i32>().ok())
        .filter(|pid| {
            let alive = std::fs::read_to_string(format!("/proc/{pid}/stat"))
                .is_ok_and(|s| !s.contains(") Z "));
            alive
                && std::fs::read(format!("/proc/{pid}/environ"))
                    .is_ok_and(|env| String::from_utf8_lossy(&env).contains(&needle))
        })
        .collect()
}

/// The graded class, once for every test of this file.
struct Run {
    paths: Paths,
    /// Each student's graded `spawn_join`, from gradebook.json.
    graded: BTreeMap<String, Value>,
    /// Each student's status in gradebook.csv.
    status: BTreeMap<String, String>,
    stderr: String,
    took: Duration,
    kit_before: BTreeMap<PathBuf, u64>,
    class_before: BTreeMap<PathBuf, u64>,
    cgroups_before: Vec<PathBuf>,
    shm_before: Vec<String>,
    /// The checker's own TMPDIR: empty after the run.
    tmp: tempfile::TempDir,
    _class: tempfile::TempDir,
    _out: tempfile::TempDir,
}

fn run() -> &'static Run {
    static RUN: OnceLock<Run> = OnceLock::new();
    RUN.get_or_init(grade_the_class)
}

fn grade_the_class() -> Run {
    let class = tempfile::Builder::new()
        .prefix("kit-class-")
        .tempdir()
        .unwrap();
    let out = tempfile::Builder::new()
        .prefix("kit-out-")
        .tempdir()
        .unwrap();
    let tmp = tempfile::Builder::new()
        .prefix("kit-hostile-tmp-")
        .tempdir()
        .unwrap();
    let paths = Paths {
        root: real_root(),
        target: target(),
        class: class.path().to_path_buf(),
        out: out.path().to_path_buf(),
        tag: format!("{}-{}", std::process::id(), fastrand_tag()),
    };
    let stubs = real_root().join("exercises/threads/src");
    for (name, spawn_join) in submissions(&paths) {
        let dir = class.path().join(name).join("threads/src");
        std::fs::create_dir_all(&dir).unwrap();
        for entry in std::fs::read_dir(&stubs).unwrap().flatten() {
            std::fs::copy(entry.path(), dir.join(entry.file_name())).unwrap();
        }
        std::fs::write(dir.join("spawn_join.rs"), spawn_join).unwrap();
    }
    let kit_before = kit_digest();
    let class_before = digest(class.path());
    let cgroups_before = sandbox_cgroups();
    let shm_before = dev_shm();
    let started = Instant::now();
    let output = checker_in(&real_root())
        .env("KIT_TARGET_DIR", target())
        .env("TMPDIR", tmp.path())
        .env("KIT_HOSTILE_TAG", &paths.tag)
        .env("HOSTILE_SECRET", "a CI token no test may read")
        .env("KIT_REQUIRE_ISOLATION", "1")
        .args([
            "grade",
            class.path().to_str().unwrap(),
            "--only",
            "spawn_join",
            // Few tests at once: the memory hog must reach its limit well within the test's 5 s
            // even beside the gigabyte printers (at 12 jobs on 2 cores it sometimes did not, and
            // was graded "did not finish" instead of "used more than 1 GiB").
            "--jobs",
            "4",
            "--out",
        ])
        .arg(out.path())
        .timeout(Duration::from_secs(1800))
        .output()
        .unwrap();
    let took = started.elapsed();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(
        output.status.success(),
        "grade failed:\n{}\n{stderr}",
        String::from_utf8_lossy(&output.stdout)
    );
    let book: Value =
        serde_json::from_str(&std::fs::read_to_string(out.path().join("gradebook.json")).unwrap())
            .unwrap();
    let graded = book["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["student"].as_str().unwrap().to_owned(),
                r["graded"].clone(),
            )
        })
        .collect();
    let status = book["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["student"].as_str().unwrap().to_owned(),
                e["status"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    Run {
        paths,
        graded,
        status,
        stderr,
        took,
        kit_before,
        class_before,
        cgroups_before,
        shm_before,
        tmp,
        _class: class,
        _out: out,
    }
}

fn fastrand_tag() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64
}

impl Run {
    fn graded(&self, student: &str) -> &Value {
        self.graded
            .get(student)
            .unwrap_or_else(|| panic!("{student} was not graded: {:#?}", self.status))
    }

    fn status(&self, student: &str) -> &str {
        self.status
            .get(student)
            .map(String::as_str)
            .unwrap_or("absent")
    }

    /// Every test's status and message of a student.
    fn tests(&self, student: &str) -> Vec<(String, String, String)> {
        self.graded(student)["tests"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| {
                (
                    t["status"].as_str().unwrap_or_default().to_owned(),
                    t["message"].as_str().unwrap_or_default().to_owned(),
                    t["output"].as_str().unwrap_or_default().to_owned(),
                )
            })
            .collect()
    }

    /// How long the slowest of a student's tests took to its verdict.
    fn time_to_verdict(&self, student: &str) -> Duration {
        let ms = self.graded(student)["tests"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|t| t["duration_ms"].as_u64())
            .max()
            .unwrap_or(0);
        Duration::from_millis(ms)
    }

    /// Asserts that every test of `student` has `status` and a message containing `words`.
    fn expect(&self, student: &str, status: &str, words: &str) {
        let tests = self.tests(student);
        assert!(
            !tests.is_empty(),
            "{student}: no test ran: {}",
            self.graded(student)
        );
        for (got, message, _) in &tests {
            assert_eq!(got, status, "{student}: {message}");
            assert!(
                message.contains(words),
                "{student}: the verdict should say {words:?}: {message}"
            );
        }
        eprintln!(
            "{student}: {status}{} in {:?}",
            tests[0]
                .1
                .lines()
                .next()
                .map(|l| format!(" — {l}"))
                .unwrap_or_default(),
            self.time_to_verdict(student)
        );
        self.assert_untouched();
    }

    /// `student`'s test binary was refused before any test ran (graded as not compiling), with
    /// `words` in the reason; nothing else was touched.
    fn expect_refused(&self, student: &str, words: &str) {
        assert_eq!(
            self.status(student),
            "does_not_compile",
            "{}",
            self.graded(student)
        );
        let errors = self.graded(student)["compile_errors"].to_string();
        assert!(errors.contains(words), "{errors}");
        eprintln!("{student}: refused — {}", &errors[..errors.len().min(160)]);
        self.assert_untouched();
    }

    /// The honest students passed, their files and the kit are as they were, every test
    /// binary is still a binary, the gradebook is a file, and nothing is left behind.
    fn assert_untouched(&self) {
        for honest in ["honest", "victim"] {
            assert_eq!(
                self.status(honest),
                "passed",
                "{honest}: {}",
                self.graded(honest)
            );
        }
        assert_eq!(
            digest(&self.paths.class),
            self.class_before,
            "a class file changed"
        );
        let kit = kit_digest();
        let changed: Vec<&PathBuf> = kit
            .iter()
            .filter(|(path, hash)| self.kit_before.get(*path) != Some(*hash))
            .map(|(path, _)| path)
            .chain(self.kit_before.keys().filter(|p| !kit.contains_key(*p)))
            .collect();
        assert!(changed.is_empty(), "the kit changed: {changed:?}");
        for dir in [
            self.paths.target.join("debug/deps"),
            self.paths.target.join("debug"),
        ] {
            for entry in std::fs::read_dir(&dir).unwrap().flatten() {
                let head = std::fs::read(entry.path())
                    .map(|b| b.iter().take(2).copied().collect::<Vec<u8>>())
                    .unwrap_or_default();
                assert_ne!(
                    head,
                    b"#!",
                    "{} was replaced by a script",
                    entry.path().display()
                );
            }
        }
        for name in ["gradebook.csv", "gradebook.json"] {
            let meta = std::fs::symlink_metadata(self.paths.out.join(name)).unwrap();
            assert!(meta.is_file(), "{name} is not a plain file");
        }
        let planted = [
            "checker/hostile-was-here",
            "checker/hostile-gradebook",
            "exercises/threads/src/hostile.rs",
        ];
        for path in planted {
            assert!(!self.paths.root.join(path).exists(), "{path} was written");
        }
        let left: Vec<PathBuf> = std::fs::read_dir(self.tmp.path())
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .collect();
        assert!(left.is_empty(), "the run left temporary files: {left:?}");
        let cgroups: Vec<PathBuf> = sandbox_cgroups()
            .into_iter()
            .filter(|g| !self.cgroups_before.contains(g))
            .filter(|g| {
                // Only a group whose sandbox is gone is left behind.
                let pid = g.file_name().unwrap().to_string_lossy()["kit-sandbox-".len()..]
                    .split('-')
                    .next()
                    .unwrap_or_default()
                    .to_owned();
                !Path::new("/proc").join(pid).exists()
            })
            .collect();
        assert!(cgroups.is_empty(), "cgroups left behind: {cgroups:?}");
        let shm: Vec<String> = dev_shm()
            .into_iter()
            .filter(|n| n.contains(&self.paths.tag) && !self.shm_before.contains(n))
            .collect();
        assert!(shm.is_empty(), "/dev/shm names left behind: {shm:?}");
        assert!(
            !Path::new(&format!("/tmp/hostile-{}", self.paths.tag)).exists(),
            "a test wrote into the host's /tmp"
        );
        assert!(
            tagged(&self.paths.tag).is_empty(),
            "processes left running: {:?}",
            tagged(&self.paths.tag)
        );
    }
}

#[test]
fn the_honest_students_pass_and_nothing_is_left() {
    let run = run();
    run.expect("honest", "passed", "");
    run.expect("victim", "passed", "");
    eprintln!("class of {} graded in {:?}", run.graded.len(), run.took);
    eprintln!("checker's stderr:\n{}", run.stderr);
}

#[test]
fn exiting_zero_from_the_exercise_is_not_a_pass() {
    run().expect(
        "exit0",
        "failed",
        "the test process exited before the test finished (`process::exit` in your code?)",
    );
}

#[test]
fn a_fake_report_line_and_a_killed_parent_are_not_a_pass() {
    run().expect(
        "fake_report",
        "failed",
        "the test process exited before the test finished",
    );
}

#[test]
fn the_supervisor_is_out_of_reach() {
    // Every kill failed or hit nothing of the grader's: the test went on, correct, and passed.
    run().expect("kill_supervisor", "passed", "");
}

#[test]
fn a_constructor_that_spoofs_the_list_is_refused() {
    run().expect_refused("list_spoof", "does not define (`spawn_join::made_up_test`)");
}

#[test]
fn a_constructor_that_sleeps_at_the_list_is_stopped() {
    run().expect_refused("list_sleeper", "did not list its tests within 10 s");
}

#[test]
fn another_submission_cannot_be_read() {
    run().expect("reader", "passed", "");
}

#[test]
fn another_submission_cannot_be_overwritten() {
    let run = run();
    run.expect("overwriter", "passed", "");
    assert_eq!(run.status("victim"), "passed");
}

#[test]
fn the_kit_cannot_be_written() {
    run().expect("kit_writer", "passed", "");
}

#[test]
fn a_symlink_planted_where_the_gradebook_goes_is_not_followed() {
    run().expect("gradebook_link", "passed", "");
}

#[test]
fn test_binaries_cannot_be_replaced() {
    run().expect("binary_replacer", "passed", "");
}

#[test]
fn a_path_attribute_to_another_student_is_refused() {
    let run = run();
    assert_eq!(run.status("path_borrower"), "refused");
    run.assert_untouched();
}

#[test]
fn six_gib_is_stopped_at_the_memory_limit() {
    run().expect("memory_hog", "crashed", "used more than 1 GiB of memory");
}

#[test]
fn a_gigabyte_of_output_is_kept_as_head_and_tail() {
    let run = run();
    run.expect(
        "loud_gb",
        "failed",
        "the test process exited with code Some(3)",
    );
    for (_, _, output) in run.tests("loud_gb") {
        assert!(
            output.contains("[... printed 1.1 GB; kept the first and last 64 KiB ...]"),
            "{}",
            &output[..output.len().min(300)]
        );
        assert!(output.len() < 200 * 1024, "{} bytes kept", output.len());
    }
}

#[test]
fn a_correct_solution_that_prints_a_megabyte_passes() {
    run().expect("loud_mb", "passed", "");
}

#[test]
fn ctrl_c_during_grading_leaves_nothing() {
    // After the class (one build folder, one checker at a time).
    let graded = run();
    let class = tempfile::Builder::new()
        .prefix("kit-class-")
        .tempdir()
        .unwrap();
    let tmp = tempfile::Builder::new()
        .prefix("kit-hostile-tmp-")
        .tempdir()
        .unwrap();
    let tag = format!("ctrl-c-{}", fastrand_tag());
    // `honest` deadlocks now (same package as in the class: nothing new to build but it).
    let dir = class.path().join("honest/threads/src");
    std::fs::create_dir_all(&dir).unwrap();
    for entry in std::fs::read_dir(real_root().join("exercises/threads/src"))
        .unwrap()
        .flatten()
    {
        std::fs::copy(entry.path(), dir.join(entry.file_name())).unwrap();
    }
    std::fs::copy(
        real_root().join("solutions/threads/wrong/spawn_join/kept_sender.rs"),
        dir.join("spawn_join.rs"),
    )
    .unwrap();
    struct Reap(std::process::Child);
    impl Drop for Reap {
        fn drop(&mut self) {
            common::stop(&mut self.0);
        }
    }
    let mut checker = Reap(
        std::process::Command::new(env!("CARGO_BIN_EXE_checker"))
            .current_dir(real_root())
            .env("KIT_TARGET_DIR", target())
            .env("TMPDIR", tmp.path())
            .env("KIT_HOSTILE_TAG", &tag)
            .env("KIT_REQUIRE_ISOLATION", "1")
            .args([
                "grade",
                class.path().to_str().unwrap(),
                "--only",
                "spawn_join",
            ])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap(),
    );
    let cgroups_before = sandbox_cgroups();
    let deadline = Instant::now() + Duration::from_secs(600);
    let sandboxes = || {
        tagged(&tag)
            .into_iter()
            .filter(|&pid| {
                std::fs::read(format!("/proc/{pid}/cmdline"))
                    .is_ok_and(|c| String::from_utf8_lossy(&c).contains("__sandbox"))
            })
            .count()
    };
    while sandboxes() == 0 {
        assert!(
            checker.0.try_wait().unwrap().is_none(),
            "the checker ended before a test ran"
        );
        assert!(Instant::now() < deadline, "no test started");
        std::thread::sleep(Duration::from_millis(20));
    }
    // Let the tests get under way (their cgroups made, their namespaces up).
    std::thread::sleep(Duration::from_millis(500));
    let (status, took) = common::interrupt(&mut checker.0, Duration::from_secs(5));
    eprintln!("Ctrl-C: the checker stopped in {took:?}");
    assert_eq!(status.code(), Some(130));
    assert!(
        tagged(&tag).is_empty(),
        "processes left: {:?}",
        tagged(&tag)
    );
    let left: Vec<PathBuf> = std::fs::read_dir(tmp.path())
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    assert!(left.is_empty(), "temporary files left: {left:?}");
    let cgroups: Vec<PathBuf> = sandbox_cgroups()
        .into_iter()
        .filter(|g| !cgroups_before.contains(g) && !graded.cgroups_before.contains(g))
        .filter(|g| {
            let pid = g.file_name().unwrap().to_string_lossy()["kit-sandbox-".len()..]
                .split('-')
                .next()
                .unwrap_or_default()
                .to_owned();
            !Path::new("/proc").join(pid).exists()
        })
        .collect();
    assert!(cgroups.is_empty(), "cgroups left behind: {cgroups:?}");
}
