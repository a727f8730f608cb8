//! What a test can see and touch: with bubblewrap (`bwrap`), each test runs as uid/gid 65534
//! in namespaces of its own — user, mount, PID, network, IPC, UTS — where the whole system is
//! read-only, other submissions, other test binaries and the class's folders are hidden, `/tmp`
//! and `/dev/shm` are private and empty, and only the traces folder is writable. Its
//! environment is the checker's allow-list, nothing else (no CI secret reaches a test).
//!
//! Where the kernel or the system refuses a feature, the sandbox does with less, and the
//! checker says so in one line: no user namespace (as root: uid 0 inside the other namespaces,
//! without any capability), or no bubblewrap at all (the test runs beside the checker, as
//! before; only the cgroups and limits bound it).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Mutex, OnceLock};

use serde::{Deserialize, Serialize};

/// The unprivileged user and group a test runs as (`nobody`, `nogroup`).
pub const NOBODY: u32 = 65534;

/// How tests are isolated on this machine, found once per checker run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Isolation {
    /// bubblewrap with a user namespace: uid 65534, every namespace.
    Full,
    /// bubblewrap without a user namespace (the kernel refuses one): mount, PID, network, IPC
    /// namespaces, every capability dropped.
    NoUserNamespace,
    /// No bubblewrap: the test runs in the checker's own namespaces.
    #[default]
    None,
}

impl Isolation {
    /// The warning to print once, where isolation is not full.
    pub fn warning(self) -> Option<String> {
        match self {
            Isolation::Full => None,
            Isolation::NoUserNamespace => Some(
                "warning: the kernel refuses user namespaces here: tests run without \
                 capabilities in their own mount, PID and network namespaces, but not as an \
                 unprivileged user"
                    .into(),
            ),
            Isolation::None => Some(format!(
                "warning: tests are not isolated ({}): they can see other submissions and the \
                 network; install bubblewrap (apt-get install bubblewrap)",
                if which("bwrap").is_some() {
                    "bubblewrap cannot create namespaces here"
                } else {
                    "bubblewrap is not installed"
                }
            )),
        }
    }
}

/// How tests are isolated here: probed once (a `bwrap ... true`), the warning printed once.
pub fn isolation() -> Isolation {
    static FOUND: OnceLock<Isolation> = OnceLock::new();
    *FOUND.get_or_init(|| {
        let found = probe();
        if let Some(warning) = found.warning() {
            eprintln!("{warning}");
        }
        found
    })
}

fn probe() -> Isolation {
    if std::env::var_os("KIT_NO_ISOLATION").is_some() {
        return Isolation::None;
    }
    let Some(bwrap) = which("bwrap") else {
        return Isolation::None;
    };
    let works = |isolation: Isolation| {
        let mut command = Command::new(&bwrap);
        command.args(namespaces(isolation)).args([
            "--ro-bind",
            "/",
            "/",
            "--proc",
            "/proc",
            "--dev",
            "/dev",
            "--",
            "true",
        ]);
        command
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    };
    if works(Isolation::Full) {
        Isolation::Full
    } else if nix::unistd::geteuid().is_root() && works(Isolation::NoUserNamespace) {
        Isolation::NoUserNamespace
    } else {
        Isolation::None
    }
}

/// The namespace options of bubblewrap for `isolation`.
fn namespaces(isolation: Isolation) -> Vec<String> {
    let mut args: Vec<String> = Vec::new();
    if isolation == Isolation::Full {
        let id = NOBODY.to_string();
        args.extend(["--unshare-user".into(), "--disable-userns".into()]);
        args.extend(["--uid".into(), id.clone(), "--gid".into(), id]);
    }
    args.extend(
        [
            "--unshare-pid",
            "--unshare-net",
            "--unshare-ipc",
            "--unshare-uts",
            "--unshare-cgroup-try",
            "--cap-drop",
            "ALL",
        ]
        .map(String::from),
    );
    args
}

fn which(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(program))
        .find(|p| p.is_file())
}

/// Folders no test may see, whatever it is (class mode: the class folder, the gradebook's).
static PRIVATE: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

/// Hides `dir` from every test run from now on.
pub fn keep_private(dir: &Path) {
    let dir = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
    let mut private = PRIVATE.lock().unwrap_or_else(|e| e.into_inner());
    if !private.contains(&dir) {
        private.push(dir);
    }
}

/// The folders hidden from tests.
pub fn private_dirs() -> Vec<PathBuf> {
    PRIVATE.lock().unwrap_or_else(|e| e.into_inner()).clone()
}

/// What one test needs to see, and what it must not.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct View {
    /// The test binary: its siblings (other packages' test binaries) are hidden.
    pub exe: PathBuf,
    /// The test's working folder (its package), visible read-only.
    pub cwd: PathBuf,
    /// The generated packages' folder: every package but the test's own is hidden.
    pub variants: Option<PathBuf>,
    /// Folders hidden whole (class mode).
    pub private: Vec<PathBuf>,
    /// Folders shown read-only even below a hidden one (the kit, its build folder).
    pub shown: Vec<PathBuf>,
    /// Folders the test may write to (traces).
    pub writable: Vec<PathBuf>,
    /// The most a private `/tmp` may hold, in bytes.
    pub tmp_size: u64,
}

/// The environment a test gets: the checker's variables on this list, nothing else.
pub fn environment() -> Vec<(String, String)> {
    std::env::vars()
        .filter(|(name, _)| {
            matches!(
                name.as_str(),
                "PATH" | "LANG" | "LC_ALL" | "LC_CTYPE" | "TZ" | "RUST_MIN_STACK" | "NO_COLOR"
            ) || name.starts_with("KIT_")
        })
        .collect()
}

/// The bubblewrap command that runs `program args` as `view` says, reporting its status on
/// `status_fd`; `None` where tests are not isolated.
pub fn command(
    isolation: Isolation,
    view: &View,
    env: &[(String, String)],
    status_fd: i32,
    program: &str,
    args: &[String],
) -> Option<Command> {
    if isolation == Isolation::None {
        return None;
    }
    let mut command = Command::new(which("bwrap")?);
    command.args(namespaces(isolation));
    command.args(["--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc"]);
    let tmp_size = view.tmp_size.to_string();
    for dir in ["/tmp", "/dev/shm"] {
        command.args(["--perms", "1777", "--size", &tmp_size, "--tmpfs", dir]);
    }
    // The kit and its build folder, shown again where they sat below a hidden folder (a kit
    // copied to /tmp).
    for dir in &view.shown {
        if dir.starts_with("/tmp") && dir.is_dir() {
            command.arg("--ro-bind").arg(dir).arg(dir);
        }
    }
    let needed = [&view.exe, &view.cwd];
    for dir in &view.private {
        // A private folder that holds what the test needs (the kit itself given as the
        // gradebook's folder) stays visible: read-only, like everything else.
        if !dir.is_dir() || needed.iter().any(|n| n.starts_with(dir)) {
            continue;
        }
        command.args(["--perms", "0755", "--tmpfs"]).arg(dir);
    }
    // Other packages' test binaries and generated packages (other students' code) are hidden;
    // the test's own binary and package are shown again over them, read-only.
    let deps = view.exe.parent().filter(|d| d.ends_with("deps"));
    for dir in deps.into_iter().chain(view.variants.as_deref()) {
        if dir.is_dir() {
            command.args(["--perms", "0755", "--tmpfs"]).arg(dir);
        }
    }
    if let Some(variants) = &view.variants
        && view.cwd.starts_with(variants)
        && view.cwd != *variants
    {
        command.arg("--ro-bind").arg(&view.cwd).arg(&view.cwd);
    }
    command.arg("--ro-bind").arg(&view.exe).arg(&view.exe);
    for dir in &view.writable {
        if dir.is_dir() {
            command.arg("--bind").arg(dir).arg(dir);
        }
    }
    command.arg("--chdir").arg(&view.cwd);
    command.arg("--clearenv");
    for (name, value) in env {
        command.args(["--setenv", name, value]);
    }
    command.args(["--setenv", "TMPDIR", "/tmp"]);
    command.args(["--json-status-fd", &status_fd.to_string()]);
    command.arg("--").arg(program).args(args);
    Some(command)
}

/// Reads bubblewrap's status documents (`{"child-pid": N}`, then `{"exit-code": N}`).
#[derive(Debug, Default, Clone, Copy)]
pub struct Status {
    /// The namespace's init (pid 1 inside), as the host sees it.
    pub init: Option<i32>,
    /// The test's exit code; bubblewrap reports a death by signal S as 128 + S.
    pub exit_code: Option<i32>,
}

impl Status {
    /// Takes in what bubblewrap has written so far.
    pub fn read(text: &str) -> Status {
        let mut status = Status::default();
        let documents = serde_json::Deserializer::from_str(text).into_iter::<serde_json::Value>();
        for doc in documents.flatten() {
            if let Some(pid) = doc["child-pid"].as_i64() {
                status.init = Some(pid as i32);
            }
            if let Some(code) = doc["exit-code"].as_i64() {
                status.exit_code = Some(code as i32);
            }
        }
        status
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_bubblewraps_status() {
        let status = Status::read(
            "{ \"child-pid\": 42, \"pid-namespace\": 4026532181 }\n{ \"exit-code\": 137 }",
        );
        assert_eq!((status.init, status.exit_code), (Some(42), Some(137)));
        let started = Status::read("{ \"child-pid\": 42 }\n{ \"exit-co");
        assert_eq!((started.init, started.exit_code), (Some(42), None));
    }

    #[test]
    fn the_environment_keeps_only_the_allowed() {
        let env = environment();
        assert!(env.iter().all(|(n, _)| n == "PATH"
            || n.starts_with("KIT_")
            || n.starts_with("L")
            || n.starts_with("RUST_")
            || n == "TZ"
            || n == "NO_COLOR"));
    }
}
