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
        // TODO: read the count of `item` (0 if unknown).
        todo!()
    }

    /// Adds `count` of `item`.
    pub fn restock(&self, item: &str, count: u32) {
        // TODO: add `count` to the item's stock, reading and writing under one guard.
        todo!()
    }

    /// Takes `count` of `item` off the shelf if there are that many (all of them may be taken);
    /// returns whether it did. A refused reservation changes nothing.
    pub fn reserve(&self, item: &str, count: u32) -> bool {
        // TODO: check the stock and take `count` off it under ONE guard (do not release the
        //       lock between the check and the update).
        todo!()
    }
}

impl Default for Inventory {
    fn default() -> Self {
        Self::new()
    }
}
