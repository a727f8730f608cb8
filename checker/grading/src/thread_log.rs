//! A probe that records which threads ran a piece of work.

use std::collections::BTreeSet;
use std::sync::Mutex;
use std::thread::{self, ThreadId};

/// Records the calling thread of every [`ThreadLog::record`], so a suite can check that work
/// ran off the test's own thread and on as many threads as it should.
#[derive(Default)]
pub struct ThreadLog {
    entries: Mutex<Vec<(ThreadId, Option<String>)>>,
}

impl ThreadLog {
    /// An empty log.
    pub fn new() -> Self {
        Self::default()
    }

    /// Notes the current thread (its id and name).
    pub fn record(&self) {
        let me = thread::current();
        let entry = (me.id(), me.name().map(str::to_owned));
        self.entries
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(entry);
    }

    /// The distinct threads seen.
    pub fn distinct(&self) -> BTreeSet<String> {
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries.iter().map(|(id, _)| format!("{id:?}")).collect()
    }

    /// Whether `id` appears in the log.
    pub fn contains(&self, id: ThreadId) -> bool {
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries.iter().any(|(seen, _)| *seen == id)
    }

    /// The thread names seen, in order of recording (`None` for unnamed threads).
    pub fn names(&self) -> Vec<Option<String>> {
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries.iter().map(|(_, name)| name.clone()).collect()
    }

    /// How many records there are.
    pub fn len(&self) -> usize {
        self.entries.lock().unwrap_or_else(|e| e.into_inner()).len()
    }

    /// Whether nothing was recorded.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
