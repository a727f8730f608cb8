//! Wrong: reads the stock under one guard and subtracts under another, so two reservations can
//! both see enough stock and both take it.
//! Expect: lock released too early

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

    /// Takes `count` of `item` off the shelf if there are that many; returns whether it did.
    pub fn reserve(&self, item: &str, count: u32) -> bool {
        // The guard is held from the check to the update: the stock we decide on is the
        // stock we change.
        if self.stock(item) < count {
            return false;
        }
        *self.stock.lock().unwrap().get_mut(item).unwrap() -= count;
        true
    }
}

impl Default for Inventory {
    fn default() -> Self {
        Self::new()
    }
}
