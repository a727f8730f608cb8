//! The picture of a failing run, from real failing model checks: the verdict names the smallest
//! failing schedule and the picture's file, the file draws every lane and every lock of the
//! trace, and headless Chromium renders it (when Chromium is installed: CI sets
//! `KIT_REQUIRE_CHROMIUM`, so there a missing browser fails the test). Run with
//! `cargo test -p grading --features model --test model_timeline`.

use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use grading::model::sync::atomic::{AtomicUsize, Ordering};
use grading::model::{self, sync};

/// The verdict of a model check that must fail.
fn verdict_of(body: impl Fn() + Sync + Send + 'static) -> String {
    let payload = panic::catch_unwind(AssertUnwindSafe(|| model::check("the hint", body)))
        .expect_err("the model checker must find the failing interleaving");
    payload
        .downcast_ref::<String>()
        .cloned()
        .unwrap_or_default()
}

/// The picture a verdict names; it must exist.
fn picture(verdict: &str) -> PathBuf {
    let line = verdict
        .lines()
        .find_map(|l| l.trim_start().strip_prefix(model::PICTURE))
        .unwrap_or_else(|| panic!("no picture in the verdict:\n{verdict}"));
    let path = PathBuf::from(line);
    assert!(path.is_file(), "{} is missing", path.display());
    path
}

fn lock_order_deadlock() -> String {
    verdict_of(|| {
        let locks = Arc::new((sync::Mutex::new(()), sync::Mutex::new(())));
        let other = {
            let locks = Arc::clone(&locks);
            sync::thread::spawn(move || {
                let _b = locks.1.lock().unwrap();
                let _a = locks.0.lock().unwrap();
            })
        };
        {
            let _a = locks.0.lock().unwrap();
            let _b = locks.1.lock().unwrap();
        }
        other.join().unwrap();
    })
}

fn lost_update() -> String {
    verdict_of(|| {
        let count = Arc::new(AtomicUsize::new(0));
        let add = |count: &AtomicUsize| {
            let seen = count.load(Ordering::SeqCst);
            count.store(seen + 1, Ordering::SeqCst);
        };
        let other = {
            let count = Arc::clone(&count);
            sync::thread::spawn(move || add(&count))
        };
        add(&count);
        other.join().unwrap();
        assert_eq!(count.load(Ordering::SeqCst), 2, "lost update");
    })
}

#[test]
fn a_deadlock_shows_its_smallest_schedule_and_its_picture() {
    let verdict = lock_order_deadlock();
    assert!(verdict.starts_with(model::DEADLOCK), "{verdict}");
    // One switch is enough: thread 0 takes A, is interrupted, thread 1 takes B.
    assert!(
        verdict.contains("smallest failing schedule: fails with one context switch, after line"),
        "{verdict}"
    );
    let page = std::fs::read_to_string(picture(&verdict)).unwrap();
    for needle in [
        "thread 0 (the test)",
        "thread 1",
        "holds mutex A",
        "holds mutex B",
        "thread 0 waits for mutex B, which thread 1 holds",
        "thread 1 waits for mutex A, which thread 0 holds",
        "context switch",
        "tests/model_timeline.rs:",
    ] {
        assert!(page.contains(needle), "{needle} is not in the picture");
    }
    assert!(!page.contains("<script"), "the picture needs no script");
    // The terminal verdict draws the lanes too.
    assert!(verdict.contains("the same run in lanes"), "{verdict}");
    assert!(verdict.contains("wB  wA"), "{verdict}");
}

#[test]
fn a_lost_update_is_marked_in_the_picture() {
    let verdict = lost_update();
    assert!(verdict.contains("lost update: thread"), "{verdict}");
    // Without any context switch, even: the second thread may read the counter before the
    // first thread's write is visible to it (loom's memory model, which also allows what
    // relaxed atomics do).
    assert!(
        verdict.contains("smallest failing schedule: no context switch at all"),
        "{verdict}"
    );
    assert!(verdict.contains("an older value"), "{verdict}");
    let page = std::fs::read_to_string(picture(&verdict)).unwrap();
    for needle in ["stale read", "their write", "overwrites it", "atomic A"] {
        assert!(page.contains(needle), "{needle} is not in the picture");
    }
}

#[test]
fn a_failure_only_preemptible_critical_sections_show_is_still_made_smallest() {
    // `try_lock` where `lock` belongs: it fails only if it can find the lock taken, which needs
    // a critical section another thread can run inside (see `sync::quiet`).
    let verdict = verdict_of(|| {
        let count = Arc::new(sync::Mutex::new(0));
        let add = |count: &sync::Mutex<i32>| {
            if let Ok(mut n) = count.try_lock() {
                *n += 1;
            }
        };
        let other = {
            let count = Arc::clone(&count);
            sync::thread::spawn(move || add(&count))
        };
        add(&count);
        other.join().unwrap();
        assert_eq!(*count.lock().unwrap(), 2, "an increment was skipped");
    });
    assert!(verdict.contains("an increment was skipped"), "{verdict}");
    assert!(
        verdict.contains("smallest failing schedule: fails with one context switch"),
        "{verdict}"
    );
    picture(&verdict);
}

#[test]
fn a_passing_check_draws_nothing() {
    let dir = std::env::var_os("KIT_TRACE_DIR").map_or_else(std::env::temp_dir, PathBuf::from);
    let file = dir.join("a_passing_check_draws_nothing.html");
    let _ = std::fs::remove_file(&file);
    model::check("no lost update", || {
        let count = Arc::new(sync::Mutex::new(0));
        let other = {
            let count = Arc::clone(&count);
            sync::thread::spawn(move || *count.lock().unwrap() += 1)
        };
        *count.lock().unwrap() += 1;
        other.join().unwrap();
        assert_eq!(*count.lock().unwrap(), 2);
    });
    assert!(!file.exists());
}

/// The headless browser, if one is installed.
fn chromium() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .flat_map(|name| std::env::split_paths(&path).map(move |dir| dir.join(name)))
        .find(|candidate| candidate.is_file())
}

/// Runs the browser headless on `page` with `args` (`--dump-dom`, `--screenshot=...`); returns
/// what it printed. Gives up after a minute.
fn render(browser: &Path, page: &Path, args: &[String]) -> String {
    let profile = tempfile_dir("chromium-profile");
    let mut child = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--no-first-run",
            "--window-size=1200,900",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .arg(page)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromium starts");
    let mut stdout = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = std::io::Read::read_to_string(&mut stdout, &mut text);
        text
    });
    let started = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            panic!("chromium did not finish rendering {}", page.display());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = std::fs::remove_dir_all(&profile);
    reader.join().unwrap()
}

/// A fresh directory of this process's own.
fn tempfile_dir(what: &str) -> PathBuf {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let dir = std::env::temp_dir().join(format!(
        "kit-{what}-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn chromium_renders_every_lane_and_every_lock() {
    let Some(browser) = chromium() else {
        let required = std::env::var_os("KIT_REQUIRE_CHROMIUM").is_some();
        eprintln!(
            "chromium is not installed: the picture of a failing run was not rendered{}",
            if required {
                ""
            } else {
                " (set KIT_REQUIRE_CHROMIUM to make this a failure)"
            }
        );
        assert!(
            !required,
            "KIT_REQUIRE_CHROMIUM is set, and chromium is missing"
        );
        return;
    };
    /// A failing check, and what its rendered picture must show.
    type Case = (fn() -> String, [&'static str; 4]);
    let cases: [Case; 2] = [
        (
            lock_order_deadlock,
            ["thread 0 (the test)", "thread 1", "mutex A", "mutex B"],
        ),
        (
            lost_update,
            ["thread 0 (the test)", "thread 1", "atomic A", "stale read"],
        ),
    ];
    for (failing, expected) in cases {
        // Both checks are named after this test: each picture is rendered before the next
        // check overwrites it.
        let verdict = failing();
        let page = picture(&verdict);
        // The page as the browser built it: every lane and every lock of the trace is there.
        let dom = render(&browser, &page, &["--dump-dom".to_owned()]);
        assert!(
            dom.contains("<svg"),
            "no picture in the rendered page:\n{dom}"
        );
        for needle in expected {
            assert!(
                dom.contains(needle),
                "{needle} is not in the rendered page of {}",
                page.display()
            );
        }
        // And as pixels: a screenshot of the size asked for.
        let shot = tempfile_dir("screenshot").join("page.png");
        render(
            &browser,
            &page,
            &[format!("--screenshot={}", shot.display())],
        );
        let png = std::fs::read(&shot).expect("chromium wrote the screenshot");
        assert_eq!(&png[1..4], b"PNG");
        let width = u32::from_be_bytes(png[16..20].try_into().unwrap());
        let height = u32::from_be_bytes(png[20..24].try_into().unwrap());
        assert_eq!((width, height), (1200, 900));
        assert!(
            png.len() > 10_000,
            "a blank screenshot? {} bytes",
            png.len()
        );
        let _ = std::fs::remove_dir_all(shot.parent().unwrap());
    }
}
