//! A stock of items behind a `Mutex`. The lock protects each access, but a read-modify-write
//! (read the stock, decide, write it back) is only atomic if the guard lives across all three
//! steps: releasing it in between lets another thread act on the same old value.

use std::collections::HashMap;

use crate::sync::Mutex;

/// How many of each item are on the shelf.
pub struct Inventory {
    stock: Mutex<HashMap<String, u32>>,
}

impl Inventory {
    /// An empty inventory.
    pub fn new() -> Self {
        Inventory {
            stock: Mutex::new(HashMap::new()),
        }
    }

    /// How many of `item` are in stock.
    pub fn stock(&self, item: &str) -> u32 {
        self.stock.lock().unwrap().get(item).copied().unwrap_or(0)
    }

    /// Adds `count` of `item`.
    pub fn restock(&self, item: &str, count: u32) {
        // Read and write through one guard: two restocks cannot both start from the old count.
        *self
            .stock
            .lock()
            .unwrap()
            .entry(item.to_owned())
            .or_insert(0) += count;
    }

    /// Takes `count` of `item` off the shelf if there are that many (all of them may be taken);
    /// returns whether it did. A refused reservation changes nothing.
    pub fn reserve(&self, item: &str, count: u32) -> bool {
        // The guard is held from the check to the update: the stock we decide on is the
        // stock we change.
        let mut stock = self.stock.lock().unwrap();
        match stock.get_mut(item) {
            Some(on_shelf) if *on_shelf >= count => {
                *on_shelf -= count;
                true
            }
            _ => false,
        }
    }
}

impl Default for Inventory {
    fn default() -> Self {
        Self::new()
    }
}
