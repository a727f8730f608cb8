//! Wrong: each chunk thread pushes `(index, f(chunk))` into a shared `Mutex<Vec>` with
//! `results.lock().unwrap().push(...)`: the receiver is evaluated first, so the lock is taken
//! before `f` runs and held while it runs — the chunks take turns.
//! Expect: lock held around the work

use std::sync::Mutex;
use std::thread;

pub fn map_chunks<T: Sync, R: Send>(
    data: &[T],
    threads: usize,
    f: impl Fn(&[T]) -> R + Sync,
) -> Vec<R> {
    assert!(
        threads > 0,
        "map_chunks needs at least one thread (threads = 0)"
    );
    let size = data.len().div_ceil(threads).max(1);
    let f = &f;
    let results = Mutex::new(Vec::new());
    let results_ref = &results;
    thread::scope(|scope| {
        for (index, chunk) in data.chunks(size).enumerate() {
            // The mistake: `lock()` runs before the argument `f(chunk)` is evaluated.
            scope.spawn(move || results_ref.lock().unwrap().push((index, f(chunk))));
        }
    });
    let mut tagged = results.into_inner().unwrap();
    tagged.sort_by_key(|(index, _)| *index);
    tagged.into_iter().map(|(_, result)| result).collect()
}
