//! The operators on small pieces of code: each finds its sites, and each mutant is the source
//! with exactly its edit.

use super::*;

const SAMPLE: &str = r#"
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Condvar, Mutex};

pub struct Queue {
    items: Mutex<Vec<u64>>,
    ready: Condvar,
    count: AtomicU64,
}

impl Queue {
    pub fn put(&self, item: u64) {
        let mut items = self.items.lock().unwrap();
        items.push(item);
        self.count.fetch_add(1, Ordering::SeqCst);
        self.ready.notify_all();
    }

    pub fn take(&self) -> u64 {
        let mut items = self.items.lock().unwrap();
        while items.is_empty() {
            items = self.ready.wait(items).unwrap();
        }
        items.pop().unwrap()
    }

    pub fn is_empty(&self) -> bool {
        self.count.load(Ordering::Acquire) == 0
    }
}

pub fn transfer(a: &Mutex<u64>, b: &Mutex<u64>) {
    let mut from = a.lock().unwrap();
    let mut to = b.lock().unwrap();
    *from -= 1;
    *to += 1;
}

pub fn run(handle: std::thread::JoinHandle<()>, tx: std::sync::mpsc::Sender<u8>) {
    drop(tx);
    handle.join().unwrap();
}

#[cfg(test)]
mod tests {
    #[test]
    fn untouched() {
        assert!(1 < 2);
    }
}
"#;

fn mutants() -> Vec<Mutant> {
    generate(SAMPLE).expect("the sample parses")
}

fn find(genre: Genre, text: &str) -> Mutant {
    mutants()
        .into_iter()
        .find(|m| m.genre == genre && m.id.contains(text))
        .unwrap_or_else(|| panic!("no {genre} mutant mentions {text:?}: {:#?}", ids()))
}

fn ids() -> Vec<String> {
    mutants().into_iter().map(|m| m.id).collect()
}

#[test]
fn each_concurrency_operator_finds_its_site() {
    let ordering = find(Genre::Ordering, "Ordering::SeqCst");
    assert!(
        ordering
            .apply(SAMPLE)
            .contains("fetch_add(1, Ordering::Relaxed)")
    );
    let atomicity = find(Genre::Atomicity, "fetch_add");
    assert!(
        atomicity
            .apply(SAMPLE)
            .contains("let old = self.count.load(Ordering::SeqCst); self.count.store(old + 1")
    );
    let notify = find(Genre::Notify, "replace `notify_all`");
    assert!(notify.apply(SAMPLE).contains("self.ready.notify_one();"));
    let wait = find(Genre::WaitLoop, "while items.is_empty()");
    assert!(wait.apply(SAMPLE).contains("if items.is_empty() {"));
    let order = find(Genre::LockOrder, "lock `to` before `from`");
    let swapped = order.apply(SAMPLE);
    assert!(
        swapped.find("let mut to =").unwrap() < swapped.find("let mut from =").unwrap(),
        "{swapped}"
    );
    let join = find(Genre::Join, "handle.join()");
    assert!(!join.apply(SAMPLE).contains("handle.join()"));
    let dropped = find(Genre::GuardScope, "delete `drop(tx);`");
    assert!(!dropped.apply(SAMPLE).contains("drop(tx)"));
    let early = find(Genre::GuardScope, "release `items` early");
    assert!(
        early
            .apply(SAMPLE)
            .contains("drop(items); let mut items = self.items.lock().unwrap();")
    );
    let try_lock = find(Genre::TryLock, "self.items.lock()");
    assert!(
        try_lock
            .apply(SAMPLE)
            .contains("self.items.try_lock().unwrap()")
    );
}

#[test]
fn generic_operators_flip_comparisons_and_replace_bodies() {
    let compare = find(Genre::Compare, "`==` with `!=`");
    assert!(
        compare
            .apply(SAMPLE)
            .contains("load(Ordering::Acquire) != 0")
    );
    let body = find(Genre::Body, "is_empty: replace the body with `{ true }`");
    assert!(
        body.apply(SAMPLE)
            .contains("pub fn is_empty(&self) -> bool { true }")
    );
    let arithmetic = find(Genre::Arithmetic, "`-=` with `+=`");
    assert!(arithmetic.apply(SAMPLE).contains("*from += 1;"));
}

#[test]
fn test_code_is_never_mutated() {
    assert!(
        mutants()
            .iter()
            .all(|m| !m.id.starts_with("tests::") && !m.apply(SAMPLE).contains("assert!(1 <= 2)")),
        "{:#?}",
        ids()
    );
}

#[test]
fn ids_are_unique_and_name_the_function() {
    let ids = ids();
    let mut unique = ids.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), ids.len(), "{ids:#?}");
    assert!(
        ids.iter().any(|id| id.starts_with("Queue::put: ")),
        "{ids:#?}"
    );
    assert!(
        ids.iter().any(|id| id.starts_with("transfer: ")),
        "{ids:#?}"
    );
}

#[test]
fn a_diff_shows_the_mutation_against_the_named_file() {
    let mutant = find(Genre::Notify, "replace `notify_all`");
    let diff = mutant.diff(SAMPLE, "solutions/q/src/queue.rs");
    assert!(
        diff.starts_with("--- solutions/q/src/queue.rs\n+++ solutions/q/src/queue.rs (mutant)")
    );
    assert!(diff.contains("-        self.ready.notify_all();"), "{diff}");
    assert!(diff.contains("+        self.ready.notify_one();"), "{diff}");
    assert_eq!(mutant.line, 16);
}

#[test]
fn async_operators_block_the_runtime() {
    let source = r#"
async fn slow(d: std::time::Duration) -> u8 {
    tokio::time::sleep(d).await;
    tokio::task::yield_now().await;
    tokio::task::spawn_blocking(move || 7).await.unwrap()
}
"#;
    let mutants = generate(source).unwrap();
    let of = |genre: Genre| {
        mutants
            .iter()
            .filter(|m| m.genre == genre)
            .collect::<Vec<_>>()
    };
    let blocking: Vec<String> = of(Genre::Blocking)
        .iter()
        .map(|m| m.apply(source))
        .collect();
    assert!(
        blocking
            .iter()
            .any(|s| s.contains("::std::thread::sleep(d);")),
        "{blocking:#?}"
    );
    assert!(
        blocking
            .iter()
            .any(|s| s.contains("::std::future::ready(") && s.contains("((move || 7)())")),
        "{blocking:#?}"
    );
    assert_eq!(of(Genre::Yield).len(), 1);
}
