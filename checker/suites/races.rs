//! Grading suite for the `races` topic: stress tests on the real `std` primitives. The
//! interleavings these cannot force are explored by the model-checked suite, `races_model.rs`.

use grading::within;
use std::sync::Arc;
use std::thread;

/// Runs `work(i)` on `n` threads at once and waits for them.
fn on_threads<T: Send + Sync + 'static>(shared: &Arc<T>, n: usize, work: fn(&T, usize)) {
    let workers: Vec<_> = (0..n)
        .map(|i| {
            let shared = Arc::clone(shared);
            thread::spawn(move || work(&shared, i))
        })
        .collect();
    for w in workers {
        w.join().unwrap_or_else(|e| std::panic::resume_unwind(e));
    }
}

mod hits {
    use super::*;
    use races::hits::HitCounter;

    #[test]
    fn counts_hits_on_one_thread() {
        within(|| {
            let hits = HitCounter::new();
            assert_eq!(hits.get(), 0);
            hits.record();
            hits.record_many(4);
            assert_eq!(hits.get(), 5);
        });
    }

    #[test]
    fn no_hit_lost_under_contention() {
        within(|| {
            let hits = Arc::new(HitCounter::new());
            on_threads(&hits, 4, |hits, _| (0..50_000).for_each(|_| hits.record()));
            let n = hits.get();
            assert_eq!(n, 200_000, "lost update: 4 threads × 50000 hits gave {n}");
        });
    }
}

mod wallet {
    use super::*;
    use races::wallet::Wallet;
    use std::sync::atomic::{AtomicU64, Ordering};

    #[test]
    fn withdraws_only_what_is_there() {
        within(|| {
            let wallet = Wallet::new(100);
            assert!(wallet.withdraw(60));
            assert!(!wallet.withdraw(60), "withdrew 60 from a balance of 40");
            wallet.deposit(30);
            assert!(wallet.withdraw(70));
            assert_eq!(wallet.balance(), 0);
        });
    }

    #[test]
    fn never_overdrawn_under_contention() {
        within(|| {
            static TAKEN: AtomicU64 = AtomicU64::new(0);
            let wallet = Arc::new(Wallet::new(100_000));
            on_threads(&wallet, 4, |wallet, _| {
                for _ in 0..50_000 {
                    if wallet.withdraw(1) {
                        TAKEN.fetch_add(1, Ordering::Relaxed);
                    }
                }
            });
            let (taken, left) = (TAKEN.load(Ordering::Relaxed), wallet.balance());
            assert!(
                left <= 100_000,
                "check-then-act: the wallet was overdrawn (balance wrapped to {left})"
            );
            assert_eq!(
                taken + left,
                100_000,
                "check-then-act: {taken} taken + {left} left ≠ 100000"
            );
            assert_eq!(
                taken, 100_000,
                "withdrawals refused while money was there (retry compare_exchange)"
            );
        });
    }
}

mod inventory {
    use super::*;
    use races::inventory::Inventory;
    use std::sync::atomic::{AtomicU32, Ordering};

    #[test]
    fn reserves_only_what_is_in_stock() {
        within(|| {
            let shop = Inventory::new();
            assert_eq!(shop.stock("tea"), 0);
            assert!(!shop.reserve("tea", 1));
            shop.restock("tea", 5);
            assert!(shop.reserve("tea", 3));
            assert!(!shop.reserve("tea", 3));
            shop.restock("tea", 1);
            assert_eq!(shop.stock("tea"), 3);
        });
    }

    #[test]
    fn never_oversold_under_contention() {
        within(|| {
            static SOLD: AtomicU32 = AtomicU32::new(0);
            let shop = Arc::new(Inventory::new());
            shop.restock("tea", 40_000);
            on_threads(&shop, 4, |shop, _| {
                for _ in 0..20_000 {
                    if shop.reserve("tea", 1) {
                        SOLD.fetch_add(1, Ordering::Relaxed);
                    }
                }
            });
            let (sold, left) = (SOLD.load(Ordering::Relaxed), shop.stock("tea"));
            assert_eq!(
                sold + left,
                40_000,
                "lock released too early: sold {sold} with {left} left of 40000 (oversold)"
            );
        });
    }

    #[test]
    fn no_restock_lost_under_contention() {
        within(|| {
            let shop = Arc::new(Inventory::new());
            on_threads(&shop, 4, |shop, _| {
                (0..20_000).for_each(|_| shop.restock("tea", 1))
            });
            let n = shop.stock("tea");
            assert_eq!(n, 80_000, "lost update: 80000 restocks of 1 left {n}");
        });
    }
}
