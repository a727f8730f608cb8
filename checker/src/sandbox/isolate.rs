//! What a test can see and touch: with bubblewrap (`bwrap`), each test runs in namespaces of its
//! own — user, mount, PID, network, IPC, UTS — where the whole system is read-only, other
//! submissions, other test binaries, the class's folders and the grader's home are hidden,
//! `/tmp` and `/dev/shm` are private and empty, and only the traces folder is writable. Its
//! environment is the checker's allow-list, nothing else (no CI secret reaches a test), and
//! bubblewrap's own command line is passed on a pipe, so the test cannot read the hidden
//! folders' names from it.
//!
//! As root, the test's user namespace maps its root to the grader's and every other id to an
//! unprivileged range ([`SUBORDINATE`]): the suites' own root-only probes work as they were
//! written (a lab process that becomes `nobody` so that RLIMIT_NPROC binds it, "pid 1 belongs
//! to another user"), while the test holds only a few capabilities, valid in its namespace
//! alone (never `CAP_SYS_ADMIN`: it cannot unmount what hides other submissions). As another
//! user, the test runs as that user in its namespaces.
//!
//! Where the kernel or the system refuses a feature, the sandbox does with less, and the
//! checker says so in one line: no user namespace (as root: mount, PID and network namespaces
//! with the same few capabilities), or no bubblewrap at all (the test runs beside the checker,
//! as before; only the cgroups and limits bound it).

use std::os::fd::{AsRawFd, OwnedFd};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Mutex, OnceLock};

use serde::{Deserialize, Serialize};

/// Where a test's user namespace maps its ids 1 to 65535: far above any real user's.
pub const SUBORDINATE: u32 = 1_000_000_001;

/// The fd bubblewrap reads its user namespace from, in the process that becomes bubblewrap.
pub const USERNS_FD: i32 = 5;

/// The fd bubblewrap reads its arguments from.
pub const ARGS_FD: i32 = 6;

/// The capabilities a test keeps in its own user namespace (as root): what the suites' probes
/// of root's behaviour use, nothing that could undo the sandbox.
const CAPABILITIES: [&str; 7] = [
    "CAP_CHOWN",
    "CAP_DAC_OVERRIDE",
    "CAP_DAC_READ_SEARCH",
    "CAP_FOWNER",
    "CAP_KILL",
    "CAP_SETGID",
    "CAP_SETUID",
];

/// How tests are isolated on this machine, found once per checker run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Isolation {
    /// As root: bubblewrap in a user namespace of the checker's making (root mapped to root,
    /// every other id unprivileged), every namespace, a few capabilities.
    Full,
    /// As another user: bubblewrap in a user namespace of its own, as that user.
    User,
    /// As root, where the kernel refuses a user namespace: mount, PID, network, IPC
    /// namespaces, the same few capabilities.
    NoUserNamespace,
    /// No bubblewrap: the test runs in the checker's own namespaces.
    #[default]
    None,
}

impl Isolation {
    /// The warning to print once, where isolation is not full.
    pub fn warning(self) -> Option<String> {
        match self {
            Isolation::Full | Isolation::User => None,
            Isolation::NoUserNamespace => Some(
                "warning: the kernel refuses user namespaces here: tests run in their own mount, \
                 PID and network namespaces, but as root (with few capabilities)"
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
impl Isolation {
    /// Whether tests run in a mount namespace of their own, where a path can be shown with
    /// other contents (each test's own package's binaries).
    pub fn binds_paths(self) -> bool {
        self != Isolation::None
    }
}

pub fn isolation() -> Isolation {
    static FOUND: OnceLock<Isolation> = OnceLock::new();
    *FOUND.get_or_init(|| {
        let found = probe();
        if let Some(warning) = found.warning() {
            eprintln!("{warning}");
            // Tests of the sandbox itself must not run their attacks unisolated.
            if std::env::var_os("KIT_REQUIRE_ISOLATION").is_some() {
                eprintln!("error: KIT_REQUIRE_ISOLATION is set: nothing is run");
                std::process::exit(2);
            }
        }
        found
    })
}

fn probe() -> Isolation {
    if std::env::var_os("KIT_NO_ISOLATION").is_some() || which("bwrap").is_none() {
        return Isolation::None;
    }
    let works = |isolation: Isolation| {
        let view = View {
            exe: PathBuf::from("/bin/true"),
            cwd: PathBuf::from("/"),
            tmp_size: 1 << 20,
            ..View::default()
        };
        let Some(prepared) = Prepared::new(isolation, &view, &[], None, "true", &[]) else {
            return false;
        };
        let mut prepared = match prepared {
            Ok(prepared) => prepared,
            Err(e) => {
                if std::env::var_os("KIT_DEBUG_SANDBOX").is_some() {
                    eprintln!("{isolation:?}: {e}");
                }
                return false;
            }
        };
        prepared.command.stdin(Stdio::null()).stdout(Stdio::null());
        match prepared.output() {
            Ok(output) if output.status.success() => true,
            Ok(output) => {
                if std::env::var_os("KIT_DEBUG_SANDBOX").is_some() {
                    eprintln!("{isolation:?}: {}", String::from_utf8_lossy(&output.stderr));
                }
                false
            }
            Err(_) => false,
        }
    };
    let root = nix::unistd::geteuid().is_root();
    let candidates: &[Isolation] = if root {
        &[Isolation::Full, Isolation::NoUserNamespace]
    } else {
        &[Isolation::User]
    };
    candidates
        .iter()
        .copied()
        .find(|&i| works(i))
        .unwrap_or(Isolation::None)
}

/// A user namespace for one test: its root is the grader's root, ids 1 to 65535 are
/// unprivileged ([`SUBORDINATE`] onwards). Made by a short-lived process that unshares it; the
/// fd keeps it alive.
fn user_namespace() -> std::io::Result<OwnedFd> {
    let mut holder = Command::new("cat");
    holder
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    // Safety: unshare is a plain system call, made in the single-threaded child.
    unsafe {
        holder.pre_exec(|| {
            nix::sched::unshare(nix::sched::CloneFlags::CLONE_NEWUSER).map_err(std::io::Error::from)
        });
    }
    let mut child = holder.spawn()?;
    let pid = child.id();
    let map = format!("0 0 1\n1 {SUBORDINATE} 65535\n");
    // One write each: the kernel takes a map whole, once.
    let made = std::fs::write(format!("/proc/{pid}/uid_map"), &map)
        .and_then(|()| std::fs::write(format!("/proc/{pid}/gid_map"), &map))
        .and_then(|()| std::fs::File::open(format!("/proc/{pid}/ns/user")));
    let _ = child.kill();
    let _ = child.wait();
    Ok(OwnedFd::from(made?))
}

/// The options of bubblewrap for `isolation`.
fn namespaces(isolation: Isolation) -> Vec<String> {
    let mut args: Vec<String> = Vec::new();
    match isolation {
        Isolation::Full => {
            args.extend(
                [
                    "--userns",
                    &USERNS_FD.to_string(),
                    "--uid",
                    "0",
                    "--gid",
                    "0",
                ]
                .map(String::from),
            );
        }
        Isolation::User => args.push("--unshare-user".into()),
        Isolation::NoUserNamespace | Isolation::None => {}
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
    if matches!(isolation, Isolation::Full | Isolation::NoUserNamespace) {
        for cap in CAPABILITIES {
            args.extend(["--cap-add".to_owned(), cap.to_owned()]);
        }
    }
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
    /// (own copy, where the suite expects it): the test's package's binaries, shown at the
    /// path every package of its topic builds them to.
    #[serde(default)]
    pub bins: Vec<(PathBuf, PathBuf)>,
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

/// A bubblewrap command ready to spawn, with the fds it reads (its arguments, its user
/// namespace) held until then.
pub struct Prepared {
    pub command: Command,
    _args: OwnedFd,
    _userns: Option<OwnedFd>,
}

impl Prepared {
    /// The bubblewrap command that runs `program args` as `view` says, reporting its status on
    /// `status_fd` if given; `None` where tests are not isolated.
    pub fn new(
        isolation: Isolation,
        view: &View,
        env: &[(String, String)],
        status_fd: Option<i32>,
        program: &str,
        args: &[String],
    ) -> Option<std::io::Result<Prepared>> {
        if isolation == Isolation::None {
            return None;
        }
        let bwrap = which("bwrap")?;
        Some(Prepared::build(
            &bwrap, isolation, view, env, status_fd, program, args,
        ))
    }

    fn build(
        bwrap: &Path,
        isolation: Isolation,
        view: &View,
        env: &[(String, String)],
        status_fd: Option<i32>,
        program: &str,
        args: &[String],
    ) -> std::io::Result<Prepared> {
        let mut list = namespaces(isolation);
        list.extend(arguments(view, env));
        if let Some(fd) = status_fd {
            list.extend(["--json-status-fd".to_owned(), fd.to_string()]);
        }
        // The options go on a pipe (`--args`): on bubblewrap's command line, which the test
        // can read as its namespace's pid 1, they would name every folder hidden from it. The
        // command itself must follow on the command line.
        let (reader, mut writer) = std::io::pipe()?;
        let mut bytes = Vec::new();
        for arg in &list {
            bytes.extend_from_slice(arg.as_bytes());
            bytes.push(0);
        }
        std::io::Write::write_all(&mut writer, &bytes)?;
        drop(writer);
        let args_fd = super::high(OwnedFd::from(reader))?;
        let userns = match isolation {
            Isolation::Full => Some(super::high(user_namespace()?)?),
            _ => None,
        };
        let mut command = Command::new(bwrap);
        command
            .args(["--args", &ARGS_FD.to_string(), "--", program])
            .args(args);
        // bubblewrap itself gets no environment: the test's is given with --setenv.
        command.env_clear();
        let fds = (args_fd.as_raw_fd(), userns.as_ref().map(|u| u.as_raw_fd()));
        // Safety: `pass_fd` only makes async-signal-safe calls on fds this process holds.
        unsafe {
            command.pre_exec(move || {
                super::pass_fd(fds.0, ARGS_FD)?;
                if let Some(userns) = fds.1 {
                    super::pass_fd(userns, USERNS_FD)?;
                }
                Ok(())
            });
        }
        Ok(Prepared {
            command,
            _args: args_fd,
            _userns: userns,
        })
    }

    fn output(mut self) -> std::io::Result<std::process::Output> {
        self.command.output()
    }
}

/// bubblewrap's options for what the test sees: every folder read-only, private `/tmp` and
/// `/dev/shm`, the private folders hidden, the kit shown again where it sat below one, other
/// packages' binaries and sources hidden, the test's own shown, the writable folders bound.
fn arguments(view: &View, env: &[(String, String)]) -> Vec<String> {
    let mut args: Vec<String> = Vec::new();
    let mut add = |items: &[&str]| args.extend(items.iter().map(|s| (*s).to_owned()));
    let text = |p: &Path| p.display().to_string();
    add(&["--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc"]);
    let tmp_size = view.tmp_size.to_string();
    for dir in ["/tmp", "/dev/shm"] {
        add(&["--perms", "1777", "--size", &tmp_size, "--tmpfs", dir]);
    }
    let hide = |dir: &Path, args: &mut Vec<String>| {
        if dir.is_dir() {
            args.extend(["--perms", "0755", "--tmpfs"].map(String::from));
            args.push(text(dir));
        }
    };
    // Private folders that hold the kit (the grader's home) first, then the kit shown again,
    // then private folders inside it (a class folder in the kit).
    let (around, inside): (Vec<&PathBuf>, Vec<&PathBuf>) = view
        .private
        .iter()
        .partition(|p| view.shown.iter().any(|s| s.starts_with(p)));
    for dir in &around {
        hide(dir, &mut args);
    }
    for dir in &view.shown {
        let below = dir.starts_with("/tmp") || around.iter().any(|p| dir.starts_with(p));
        if below && dir.is_dir() {
            args.extend(["--ro-bind".to_owned(), text(dir), text(dir)]);
        }
    }
    for dir in inside {
        hide(dir, &mut args);
    }
    // Other packages' test binaries and generated packages (other students' code) are hidden;
    // the test's own binary and package are shown again over them, read-only.
    let deps = view.exe.parent().filter(|d| d.ends_with("deps"));
    for dir in deps.into_iter().chain(view.variants.as_deref()) {
        hide(dir, &mut args);
    }
    if let Some(variants) = &view.variants
        && view.cwd.starts_with(variants)
        && view.cwd != *variants
    {
        args.extend(["--ro-bind".to_owned(), text(&view.cwd), text(&view.cwd)]);
    }
    if view.exe.is_file() {
        args.extend(["--ro-bind".to_owned(), text(&view.exe), text(&view.exe)]);
    }
    for (own, expected) in &view.bins {
        if own.is_file() && expected.is_file() {
            args.extend(["--ro-bind".to_owned(), text(own), text(expected)]);
        }
    }
    for dir in &view.writable {
        if dir.is_dir() {
            args.extend(["--bind".to_owned(), text(dir), text(dir)]);
        }
    }
    args.extend([
        "--chdir".to_owned(),
        text(&view.cwd),
        "--clearenv".to_owned(),
    ]);
    for (name, value) in env {
        args.extend(["--setenv".to_owned(), name.clone(), value.clone()]);
    }
    args.extend(["--setenv", "TMPDIR", "/tmp"].map(String::from));
    args
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
