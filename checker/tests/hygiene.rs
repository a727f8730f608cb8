//! Process hygiene, proven on the kit's own fixtures: a fork bomb
//! (`solutions/processes/wrong/fork_wait/fork_bomb.rs`) and runaway daemons
//! (`solutions/daemons/wrong/unix_daemon/`) are graded by `checker verify`. Each gets a failing
//! verdict that names the problem, and afterwards nothing they started is still running and
//! nothing — no temp file, no pidfile — is left in the temporary folder they were given.

mod common;

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::thread;
use std::time::{Duration, Instant, SystemTime};

use serde_json::Value;

/// The runs below count processes: two at once would count each other's.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

/// Every pid in `/proc`.
fn pids() -> Vec<i32> {
    fs::read_dir("/proc")
        .map(|entries| {
            entries
                .filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok())
                .collect()
        })
        .unwrap_or_default()
}

/// The process's state letter (`Z` for a zombie), if it exists.
fn state(pid: i32) -> Option<char> {
    let stat = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    stat[stat.rfind(')')? + 1..]
        .split_whitespace()
        .next()?
        .chars()
        .next()
}

fn running(pid: i32) -> bool {
    state(pid).is_some_and(|s| s != 'Z')
}

fn cmdline(pid: i32) -> String {
    fs::read(format!("/proc/{pid}/cmdline"))
        .map(|raw| String::from_utf8_lossy(&raw).replace('\0', " "))
        .unwrap_or_default()
}

/// Running processes whose environment holds `tag`: everything the graded run started
/// inherits it (the checker, cargo, the sandboxes, the tests, their children and daemons).
fn tagged(tag: &str) -> Vec<i32> {
    let tag = tag.as_bytes();
    pids()
        .into_iter()
        .filter(|&pid| {
            fs::read(format!("/proc/{pid}/environ"))
                .is_ok_and(|env| env.windows(tag.len()).any(|w| w == tag))
        })
        .filter(|&pid| running(pid))
        .collect()
}

/// A `KIT_HYGIENE_TAG=...` environment entry no other run has.
fn new_tag(what: &str) -> String {
    let nanos = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("KIT_HYGIENE_TAG={what}-{}-{nanos}", std::process::id())
}

/// Once the checker has exited, whatever it started (`tag` in its environment) must be gone;
/// the kernel gets a moment.
fn assert_all_gone(tag: &str, who: &str) {
    let deadline = Instant::now() + Duration::from_secs(2);
    while !tagged(tag).is_empty() && Instant::now() < deadline {
        thread::sleep(Duration::from_millis(20));
    }
    let left = tagged(tag);
    assert!(
        left.is_empty(),
        "{who} left {} process(es) running: {:?}",
        left.len(),
        describe(left.clone())
    );
}

/// Running processes started from the kit's build folder (test binaries and their
/// programs), in case one escaped with a fresh environment.
fn kit_processes(build: &Path) -> BTreeSet<i32> {
    let build = build.to_string_lossy().into_owned();
    pids()
        .into_iter()
        .filter(|&pid| running(pid) && cmdline(pid).contains(&build))
        .collect()
}

fn describe(pids: impl IntoIterator<Item = i32>) -> Vec<String> {
    pids.into_iter()
        .map(|pid| format!("{pid} `{}`", cmdline(pid)))
        .collect()
}

/// Every file or folder left under `dir`.
fn contents(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    for entry in fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            found.extend(contents(&path));
        }
        found.push(path);
    }
    found
}

/// Runs `checker verify EXERCISE --json` with its own TMPDIR and a tag in its environment;
/// checks that afterwards no process it started runs and its TMPDIR is empty. Returns the
/// results of the exercise's wrong solutions, by name.
fn verify_leaving_nothing(exercise: &str) -> Vec<(String, Value)> {
    let _serial = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let root = common::real_root();
    let build = root.join("target").join("checker");
    let tag = new_tag("run");
    let tmp = tempfile::Builder::new()
        .prefix("kit-hygiene-")
        .tempdir()
        .unwrap();
    let before = kit_processes(&build);
    assert!(tagged(&tag).is_empty(), "the tag is not unique");

    let output = common::checker_in(&root)
        .args(["verify", exercise, "--json"])
        .env("KIT_HYGIENE_TAG", &tag["KIT_HYGIENE_TAG=".len()..])
        .env("TMPDIR", tmp.path())
        .output()
        .unwrap();
    let report = common::json(&output);

    assert_all_gone(&tag, &format!("`checker verify {exercise}`"));
    let escaped: Vec<i32> = kit_processes(&build).difference(&before).copied().collect();
    assert!(
        escaped.is_empty(),
        "`checker verify {exercise}` left processes of the kit running: {:?}",
        describe(escaped)
    );
    let files = contents(tmp.path());
    assert!(
        files.is_empty(),
        "`checker verify {exercise}` left temp files (or pidfiles) behind: {files:?}"
    );

    report["results"]
        .as_array()
        .expect("results")
        .iter()
        .filter_map(|r| {
            let name = r["subject"].as_str()?.strip_prefix("wrong:")?;
            Some((name.to_owned(), r.clone()))
        })
        .collect()
}

/// The failure messages of one graded wrong solution; panics unless it was rejected.
fn rejected(results: &[(String, Value)], mistake: &str) -> Vec<String> {
    let (_, result) = results
        .iter()
        .find(|(name, _)| name == mistake)
        .unwrap_or_else(|| panic!("no wrong solution `{mistake}` was graded"));
    assert_ne!(
        result["verdict"], "passed",
        "the wrong solution `{mistake}` passed: {result}"
    );
    result["tests"]
        .as_array()
        .expect("tests")
        .iter()
        .filter(|t| t["status"] != "passed")
        .map(|t| t["message"].as_str().unwrap_or_default().to_owned())
        .collect()
}

#[test]
fn a_fork_bomb_is_contained_reported_and_swept() {
    let results = verify_leaving_nothing("fork_wait");
    let messages = rejected(&results, "fork_bomb");
    assert!(
        messages
            .iter()
            .any(|m| m.contains("fork bomb") && m.contains("killed")),
        "the checker did not report (and kill) the fork bomb: {messages:#?}"
    );
}

#[test]
fn runaway_daemons_are_rejected_and_nothing_is_left() {
    let results = verify_leaving_nothing("unix_daemon");

    // Its pidfile names a dead process: the daemon runs on out of the test's reach; the suite
    // says so, and nothing is left running after verify (the checker sweeps what the suite's
    // own guard misses).
    let messages = rejected(&results, "pidfile_before_second_fork");
    assert!(
        messages.iter().any(|m| m.contains("the pidfile names pid")),
        "{messages:#?}"
    );
    // It ignores SIGTERM: the test says so (and its guard kills it through the pidfile).
    let messages = rejected(&results, "ignores_sigterm");
    assert!(
        messages
            .iter()
            .any(|m| m.contains("did not stop on SIGTERM")),
        "{messages:#?}"
    );
}

#[test]
fn a_process_left_running_is_reported_and_killed() {
    let _serial = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let tag = new_tag("leftover");
    // A correct spawn_join that also starts a process it never waits for: the only way to see
    // it is the sandbox's sweep after the test.
    let kit = common::KitCopy::threads_only();
    let solution = fs::read_to_string(common::real_root().join("solutions/threads/src/spawn_join.rs"))
        .unwrap()
        .replacen(
            "{\n    // Spawn every worker",
            &String::from(
                "{\n    std::mem::forget(std::process::Command::new(\"sleep\").arg(\"300\").spawn().unwrap());\n    // Spawn every worker",
            ),
            1,
        );
    assert!(
        solution.contains("sleep"),
        "the fixture must start the process"
    );
    fs::write(kit.path("exercises/threads/src/spawn_join.rs"), solution).unwrap();
    let (key, value) = tag.split_once('=').unwrap();
    let output = kit
        .checker()
        .args(["check", "spawn_join", "--json"])
        .env(key, value)
        .output()
        .unwrap();
    let report = common::json(&output);
    let messages: Vec<String> = report["results"][0]["tests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["message"].as_str().unwrap_or_default().to_owned())
        .collect();
    let reported: Vec<i32> = messages
        .iter()
        .filter_map(|m| m.split("process(es) running").nth(1))
        .filter_map(|rest| {
            rest.split("pid ")
                .nth(1)?
                .split_whitespace()
                .next()?
                .parse()
                .ok()
        })
        .collect();
    assert!(
        !reported.is_empty()
            && messages
                .iter()
                .all(|m| m.contains("every child must be waited for")),
        "every test must report the process left running: {messages:#?}"
    );
    assert!(
        tagged(&tag).is_empty(),
        "the leftover processes were reported but not killed"
    );
}

#[test]
fn ctrl_c_stops_the_tests_under_way() {
    let _serial = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let tag = new_tag("interrupt");
    // `spawn_join`'s catalogue holds a deadlock (`kept_sender`): its tests hang for 5 s.
    // Stops the checker (and so its tests) if an assertion below fails first.
    struct Reap(std::process::Child);
    impl Drop for Reap {
        fn drop(&mut self) {
            common::stop(&mut self.0);
        }
    }
    let mut checker = Reap(
        std::process::Command::new(env!("CARGO_BIN_EXE_checker"))
            .current_dir(common::real_root())
            .args(["verify", "spawn_join", "--json"])
            .env_remove("KIT_TARGET_DIR")
            .env_remove("CARGO_TARGET_DIR")
            .env("KIT_HYGIENE_TAG", &tag["KIT_HYGIENE_TAG=".len()..])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let sandboxes = || -> Vec<i32> {
        tagged(&tag)
            .into_iter()
            .filter(|&pid| cmdline(pid).contains("__sandbox"))
            .collect()
    };
    // Builds first (minutes on a fresh machine), then runs tests in sandboxes.
    let deadline = Instant::now() + Duration::from_secs(900);
    while sandboxes().is_empty() {
        assert!(
            checker.0.try_wait().unwrap().is_none(),
            "the checker ended before any test ran"
        );
        assert!(Instant::now() < deadline, "no test started");
        thread::sleep(Duration::from_millis(20));
    }
    let (status, stopped) = common::interrupt(&mut checker.0, Duration::from_secs(3));
    assert_eq!(status.code(), Some(130), "128 + SIGINT, as shells expect");
    assert_all_gone(&tag, "Ctrl-C");
    let mut stderr = String::new();
    std::io::Read::read_to_string(checker.0.stderr.as_mut().unwrap(), &mut stderr).unwrap();
    assert!(stderr.contains("interrupted"), "{stderr}");
    eprintln!("Ctrl-C: checker and its tests gone {stopped:?} after the signal");
}
