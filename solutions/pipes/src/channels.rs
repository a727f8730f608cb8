//! Several producer threads, one consumer: how does the consumer know everyone is done?
//!
//! The notes' protocol: each producer sends its own end marker (`None`), and the consumer stops
//! after one per producer. The Rust idiom: the channel itself closes when every `Sender` is gone.

use std::sync::mpsc::{self, Receiver, Sender};
use std::thread;

/// Sends every item as `Some(item)`, then exactly one end marker `None`: this producer is done.
pub fn produce(items: Vec<u64>, tx: Sender<Option<u64>>) {
    for item in items {
        // The consumer outlives the producers in this protocol: a send cannot fail.
        tx.send(Some(item)).expect("the consumer hung up early");
    }
    // One `None` per producer, never one for everybody: the consumer counts them.
    tx.send(None).expect("the consumer hung up early");
}

/// Receives until it has seen one end marker per producer; returns the items in arrival order.
/// It must not read past the last marker: what follows belongs to someone else.
pub fn consume(rx: &Receiver<Option<u64>>, producers: usize) -> Vec<u64> {
    let mut items = Vec::new();
    let mut done = 0;
    // Stopping at the first `None` would drop everything the slower producers still send.
    while done < producers {
        match rx
            .recv()
            .expect("every producer sends its end marker before leaving")
        {
            Some(item) => items.push(item),
            None => done += 1,
        }
    }
    items
}

/// The idiomatic form: runs each producer on its own thread with its own clone of the
/// `Sender`, and collects items until the channel closes, which happens exactly when the last
/// producer has dropped its `Sender`. Returns the items in arrival order. The producers run
/// at the same time; if one panics, `gather` panics too once the channel has closed.
pub fn gather<F>(producers: Vec<F>) -> Vec<u64>
where
    F: FnOnce(Sender<u64>) + Send + 'static,
{
    let (tx, rx) = mpsc::channel();
    let handles: Vec<_> = producers
        .into_iter()
        .map(|produce| {
            let tx = tx.clone();
            thread::spawn(move || produce(tx))
        })
        .collect();
    // Our own `Sender` must go too: while it lives the channel never closes and the loop below
    // waits forever.
    drop(tx);
    let items = rx.iter().collect();
    for handle in handles {
        handle.join().expect("a producer panicked");
    }
    items
}
