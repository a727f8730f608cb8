//! Reading the process table from `/proc`: who descends from whom, and in what state.

use std::collections::BTreeMap;
use std::fs;

/// One row of `/proc/PID/stat`.
#[derive(Debug, Clone)]
pub struct ProcInfo {
    pub pid: i32,
    pub ppid: i32,
    pub state: char,
    pub comm: String,
}

impl ProcInfo {
    pub fn is_zombie(&self) -> bool {
        self.state == 'Z' || self.state == 'X'
    }
}

/// Parses `/proc/PID/stat`: `pid (comm) state ppid ...`; comm may hold spaces and parens.
pub fn parse_stat(text: &str) -> Option<ProcInfo> {
    let open = text.find('(')?;
    let close = text.rfind(')')?;
    let pid = text[..open].trim().parse().ok()?;
    let comm = text[open + 1..close].to_owned();
    let mut rest = text[close + 1..].split_whitespace();
    let state = rest.next()?.chars().next()?;
    let ppid = rest.next()?.parse().ok()?;
    Some(ProcInfo {
        pid,
        ppid,
        state,
        comm,
    })
}

/// Every process visible now.
pub fn snapshot() -> Vec<ProcInfo> {
    let Ok(entries) = fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(|entry| {
            let name = entry.ok()?.file_name();
            let pid: i32 = name.to_str()?.parse().ok()?;
            parse_stat(&fs::read_to_string(format!("/proc/{pid}/stat")).ok()?)
        })
        .collect()
}

/// The processes below `root` in the process tree (children, grandchildren, ...).
pub fn descendants(root: i32) -> Vec<ProcInfo> {
    let all = snapshot();
    let mut children: BTreeMap<i32, Vec<&ProcInfo>> = BTreeMap::new();
    for p in &all {
        children.entry(p.ppid).or_default().push(p);
    }
    let mut found = Vec::new();
    let mut stack = vec![root];
    while let Some(pid) = stack.pop() {
        for child in children.get(&pid).into_iter().flatten() {
            found.push((*child).clone());
            stack.push(child.pid);
        }
    }
    found
}

/// The memory a process has in RAM now (its resident set), in bytes; 0 once it is gone.
pub fn rss(pid: i32) -> u64 {
    let pages: u64 = fs::read_to_string(format!("/proc/{pid}/statm"))
        .ok()
        .and_then(|t| t.split_whitespace().nth(1)?.parse().ok())
        .unwrap_or(0);
    // Safety: sysconf has no preconditions.
    let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) }.max(4096) as u64;
    pages * page
}

/// The command line of a process, for reports (falls back to its name).
pub fn cmdline(p: &ProcInfo) -> String {
    let raw = fs::read(format!("/proc/{}/cmdline", p.pid)).unwrap_or_default();
    let line = raw
        .split(|b| *b == 0)
        .filter(|s| !s.is_empty())
        .map(|s| String::from_utf8_lossy(s))
        .collect::<Vec<_>>()
        .join(" ");
    if line.is_empty() {
        p.comm.clone()
    } else {
        line
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_names_with_spaces_and_parens() {
        let p = parse_stat("42 (a (b) c) S 7 42 42 0 -1").unwrap();
        assert_eq!(
            (p.pid, p.ppid, p.state, p.comm.as_str()),
            (42, 7, 'S', "a (b) c")
        );
    }

    #[test]
    fn its_own_memory_is_counted() {
        let rss = rss(std::process::id() as i32);
        assert!(rss > 0 && rss < 1 << 40, "{rss}");
        assert_eq!(super::rss(i32::MAX), 0);
    }

    #[test]
    fn sees_its_own_child() {
        let mut child = std::process::Command::new("sleep")
            .arg("5")
            .spawn()
            .unwrap();
        let me = std::process::id() as i32;
        let found = descendants(me).iter().any(|p| p.pid == child.id() as i32);
        child.kill().unwrap();
        child.wait().unwrap();
        assert!(found);
    }
}
