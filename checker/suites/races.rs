//! Grading suite for the `races` topic: stress tests on the real `std` primitives. The
//! interleavings these cannot force are explored by the model-checked suite, `races_model.rs`.
//!
//! Only deterministic tests live here: each exercise's contract on one thread (edge cases and
//! seeded random sequences checked against a plain model) and hangs that every run reaches. A
//! race that a contention test would catch one run in N, the model suite catches on every run; a
//! test whose verdict changes from run to run would be flaky, and the kit has none.

use grading::caught::no_panic;
use grading::fastrand::Rng;
use grading::within;

mod hits {
    use super::*;
    use races::hits::HitCounter;

    #[test]
    fn counts_hits_on_one_thread() {
        within(|| {
            let hits = HitCounter::new();
            assert_eq!(hits.get(), 0, "a new counter must start at zero");
            hits.record();
            assert_eq!(hits.get(), 1, "one `record` is one hit");
            hits.record_many(4);
            assert_eq!(hits.get(), 5, "`record_many(4)` adds 4");
            hits.record_many(0);
            assert_eq!(hits.get(), 5, "`record_many(0)` adds nothing");
            assert_eq!(
                hits.get(),
                5,
                "reading the count changed it: `get` only reads"
            );
            assert_eq!(
                HitCounter::default().get(),
                0,
                "`HitCounter::default()` starts at zero"
            );
        });
    }

    #[test]
    fn random_batches_add_up() {
        within(|| {
            for seed in 0..10 {
                let mut rng = Rng::with_seed(seed);
                let hits = HitCounter::new();
                let mut expected = 0u64;
                let mut done = Vec::new();
                for _ in 0..20 {
                    let n = match rng.u8(0..4) {
                        0 => 0,
                        1 => 1,
                        _ => rng.u64(2..100_000),
                    };
                    if n == 1 {
                        hits.record();
                        done.push("record()".to_owned());
                    } else {
                        hits.record_many(n);
                        done.push(format!("record_many({n})"));
                    }
                    expected += n;
                    let got = hits.get();
                    assert_eq!(
                        got,
                        expected,
                        "after {} (seed {seed}) the count is {got}, expected {expected}: add \
                         exactly `n` to the count",
                        done.join(", ")
                    );
                }
            }
        });
    }
}

mod wallet {
    use super::*;
    use races::wallet::Wallet;

    #[test]
    fn withdraws_only_what_is_there() {
        within(|| {
            let wallet = Wallet::new(100);
            assert_eq!(
                wallet.balance(),
                100,
                "a new wallet holds its opening balance"
            );
            assert!(wallet.withdraw(60), "withdrawing 60 from 100");
            assert!(!wallet.withdraw(60), "withdrew 60 from a balance of 40");
            assert_eq!(
                wallet.balance(),
                40,
                "a refused withdrawal changed the balance: refuse without touching it"
            );
            wallet.deposit(30);
            assert_eq!(wallet.balance(), 70, "a deposit of 30 into 40");
            assert!(
                wallet.withdraw(70),
                "refused to withdraw the WHOLE balance (70 from 70): refuse only when the \
                 balance is less than the amount"
            );
            assert_eq!(wallet.balance(), 0);
            assert!(
                wallet.withdraw(0),
                "withdrawing 0 from an empty wallet is allowed"
            );
            assert!(!wallet.withdraw(1), "withdrew 1 from an empty wallet");
            assert_eq!(wallet.balance(), 0, "an empty wallet stays empty");
            assert_eq!(Wallet::new(0).balance(), 0);
        });
    }

    #[test]
    fn random_operations_match_a_ledger() {
        within(|| {
            for seed in 0..10 {
                let mut rng = Rng::with_seed(seed);
                let mut ledger = rng.u64(0..=100);
                let wallet = Wallet::new(ledger);
                let mut done = vec![format!("new({ledger})")];
                for _ in 0..30 {
                    let amount = match rng.u8(0..4) {
                        0 => ledger,
                        1 => ledger + 1,
                        2 => ledger.saturating_sub(1),
                        _ => rng.u64(0..=80),
                    };
                    if rng.bool() {
                        wallet.deposit(amount);
                        ledger += amount;
                        done.push(format!("deposit({amount})"));
                    } else {
                        let got = no_panic(
                            &format!("withdraw({amount}) from {ledger}"),
                            "return whether it took the money",
                            || wallet.withdraw(amount),
                        );
                        let want = amount <= ledger;
                        if want {
                            ledger -= amount;
                        }
                        done.push(format!("withdraw({amount}) -> {got}"));
                        assert_eq!(
                            got,
                            want,
                            "after {} (seed {seed}): `withdraw` takes the amount exactly when \
                             the balance is at least that much",
                            done.join(", ")
                        );
                    }
                    let now = wallet.balance();
                    assert_eq!(
                        now,
                        ledger,
                        "after {} (seed {seed}) the balance is {now}, expected {ledger}",
                        done.join(", ")
                    );
                }
            }
        });
    }
}

mod inventory {
    use super::*;
    use races::inventory::Inventory;

    #[test]
    fn reserves_only_what_is_in_stock() {
        within(|| {
            let shop = Inventory::new();
            assert_eq!(shop.stock("tea"), 0, "an unknown item has a stock of 0");
            assert!(!shop.reserve("tea", 1), "reserved an item never stocked");
            assert_eq!(
                shop.stock("tea"),
                0,
                "a refused reservation changed the stock"
            );
            shop.restock("tea", 5);
            assert_eq!(shop.stock("tea"), 5, "a restock of 5 from nothing");
            assert!(shop.reserve("tea", 3), "reserving 3 of 5");
            assert!(!shop.reserve("tea", 3), "reserved 3 of 2");
            assert_eq!(
                shop.stock("tea"),
                2,
                "a refused reservation changed the stock: refuse without touching it"
            );
            shop.restock("tea", 1);
            assert_eq!(shop.stock("tea"), 3, "a restock ADDS to the stock");
            assert!(
                shop.reserve("tea", 3),
                "refused to reserve the WHOLE stock (3 of 3): refuse only when fewer are left"
            );
            assert_eq!(shop.stock("tea"), 0);
            assert_eq!(Inventory::default().stock("tea"), 0);
        });
    }

    #[test]
    fn items_are_counted_apart() {
        within(|| {
            let shop = Inventory::new();
            shop.restock("tea", 4);
            shop.restock("coffee", 2);
            assert!(
                !shop.reserve("coffee", 3),
                "reserved 3 coffees of 2 (there are 4 teas)"
            );
            assert!(
                shop.reserve("tea", 4),
                "refused to reserve 4 teas of 4: refuse only when fewer are left"
            );
            assert_eq!(
                (shop.stock("tea"), shop.stock("coffee"), shop.stock("milk")),
                (0, 2, 0),
                "each item has its own count"
            );
        });
    }

    #[test]
    fn random_operations_match_a_ledger() {
        within(|| {
            let items = ["tea", "coffee", "milk"];
            for seed in 0..10 {
                let mut rng = Rng::with_seed(seed);
                let shop = Inventory::new();
                let mut ledger = [0u32; 3];
                let mut done = Vec::new();
                for _ in 0..30 {
                    let i = rng.usize(..items.len());
                    let count = match rng.u8(0..4) {
                        0 => ledger[i],
                        1 => ledger[i] + 1,
                        2 => ledger[i].saturating_sub(1),
                        _ => rng.u32(0..=9),
                    };
                    if rng.bool() {
                        shop.restock(items[i], count);
                        ledger[i] += count;
                        done.push(format!("restock({:?}, {count})", items[i]));
                    } else {
                        let got = no_panic(
                            &format!("reserve({:?}, {count})", items[i]),
                            "return whether it took the items, whether the item was ever \
                             stocked or not",
                            || shop.reserve(items[i], count),
                        );
                        // Reserving 0 of an item never stocked is left open by the contract.
                        let want = if count == 0 { got } else { count <= ledger[i] };
                        if want {
                            ledger[i] -= count;
                        }
                        done.push(format!("reserve({:?}, {count}) -> {got}", items[i]));
                        assert_eq!(
                            got,
                            want,
                            "after {} (seed {seed}): `reserve` takes the items exactly when \
                             there are at least that many",
                            done.join(", ")
                        );
                    }
                    let now = items.map(|item| shop.stock(item));
                    assert_eq!(
                        now,
                        ledger,
                        "after {} (seed {seed}) the stock of {items:?} is {now:?}, expected \
                         {ledger:?}",
                        done.join(", ")
                    );
                }
            }
        });
    }
}
