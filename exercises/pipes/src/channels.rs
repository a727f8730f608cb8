//! Several producer threads, one consumer: how does the consumer know everyone is done?
//!
//! First the notes' protocol: each producer sends its own end marker (`None`) and the consumer
//! stops after one per producer. Then the Rust idiom: the channel closes when every `Sender` is gone.

use std::sync::mpsc::{self, Receiver, Sender};
use std::thread;

/// Sends every item as `Some(item)`, then exactly one end marker `None`: this producer is done.
pub fn produce(items: Vec<u64>, tx: Sender<Option<u64>>) {
    // TODO: send each item wrapped in `Some`, then this producer's end marker.
    todo!()
}

/// Receives until it has seen one end marker per producer; returns the items in arrival order.
/// It must not read past the last marker: what follows belongs to someone else.
pub fn consume(rx: &Receiver<Option<u64>>, producers: usize) -> Vec<u64> {
    // TODO: count the end markers; stop when there is one per producer.
    todo!()
}

/// The idiomatic form: runs each producer on its own thread with its own clone of the
/// `Sender`, and collects items until the channel closes, which happens exactly when the last
/// producer has dropped its `Sender`. Returns the items in arrival order. The producers run
/// at the same time; if one panics, `gather` panics too once the channel has closed.
pub fn gather<F>(producers: Vec<F>) -> Vec<u64>
where
    F: FnOnce(Sender<u64>) + Send + 'static,
{
    // TODO: make a channel, spawn one thread per producer with a clone of the `Sender`.
    // TODO: when does `rx.iter()` end? Make sure no `Sender` outlives the producers.
    // TODO: join the producer threads before returning.
    todo!()
}
