//! Grading suite for the `async` topic (the library is `async`, a keyword: `r#async::` here).
//!
//! Every test builds its own current-thread runtime: one OS thread, one event loop, as in
//! Python's asyncio. Where time matters the runtime's clock is paused: tokio then jumps
//! straight to the next timer whenever every task is waiting, so "ten thousand sleeps of 1 s
//! took 1 s" is an exact, deterministic fact about concurrency, not a measurement. A blocked
//! event loop is detected by a ticker task that misses its ticks.

use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use grading::within;
use tokio::runtime::{Builder, Runtime};
use tokio::time::Instant;

/// A share of the test's time limit (`grading::test_timeout`, 5 s unless the catalog says
/// otherwise): how long a probe waits for something a correct solution does at once, so a
/// loaded machine gets the most margin a wrong solution's verdict can afford.
fn patience(percent: u32) -> Duration {
    grading::test_timeout() * percent / 100
}

/// A current-thread runtime whose clock only moves when every task waits.
fn paused() -> Runtime {
    Builder::new_current_thread()
        .enable_all()
        .start_paused(true)
        .build()
        .expect("a tokio runtime")
}

/// A current-thread runtime on the real clock (for I/O and blocking threads).
fn real() -> Runtime {
    Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime")
}

/// Spawns a task that counts the ticks of an interval of `period`; it can only count while
/// the event loop is free to run it.
fn spawn_ticker(period: Duration) -> Arc<AtomicU64> {
    let ticks = Arc::new(AtomicU64::new(0));
    let counter = Arc::clone(&ticks);
    tokio::spawn(async move {
        let mut interval = tokio::time::interval(period);
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        loop {
            interval.tick().await;
            counter.fetch_add(1, Ordering::SeqCst);
        }
    });
    ticks
}

mod tasks {
    use super::*;
    use r#async::tasks::{both, run_all, with_timeout};

    #[test]
    fn ten_thousand_tasks_wait_at_the_same_time() {
        within(|| {
            paused().block_on(async {
                let live = Arc::new(AtomicUsize::new(0));
                let peak = Arc::new(AtomicUsize::new(0));
                let (l, p) = (Arc::clone(&live), Arc::clone(&peak));
                let start = Instant::now();
                let results = run_all(10_000, move |i| {
                    let (live, peak) = (Arc::clone(&l), Arc::clone(&p));
                    async move {
                        peak.fetch_max(live.fetch_add(1, Ordering::SeqCst) + 1, Ordering::SeqCst);
                        tokio::time::sleep(Duration::from_secs(1)).await;
                        live.fetch_sub(1, Ordering::SeqCst);
                        (i, std::thread::current().id())
                    }
                })
                .await;
                let elapsed = start.elapsed();
                let ids: Vec<usize> = results.iter().map(|r| r.0).collect();
                assert!(ids == (0..10_000).collect::<Vec<_>>(), "run_all must return the results in index order");
                let peak = peak.load(Ordering::SeqCst);
                assert_eq!(
                    peak, 10_000,
                    "the tasks did not run concurrently: at most {peak} of 10 000 were in progress at once \
                     (spawn them all, then await the handles)"
                );
                assert!(
                    elapsed < Duration::from_secs(2),
                    "the tasks did not run concurrently: 10 000 sleeps of 1 s took {elapsed:?} instead of 1 s"
                );
                let me = std::thread::current().id();
                assert!(
                    results.iter().all(|r| r.1 == me),
                    "all tasks should run on the one event-loop thread (tokio::spawn, not std::thread::spawn)"
                );
            })
        });
    }

    #[test]
    fn join_waits_for_both_at_once() {
        within(|| {
            paused().block_on(async {
                let start = Instant::now();
                let slow = |secs, value| async move {
                    tokio::time::sleep(Duration::from_secs(secs)).await;
                    value
                };
                let out = both(slow(1, 'a'), slow(2, 'b')).await;
                let elapsed = start.elapsed();
                assert_eq!(out, ('a', 'b'), "both returns the two outputs, in order");
                assert!(
                    elapsed < Duration::from_secs(3),
                    "join!: the two futures did not run concurrently: waits of 1 s and 2 s took {elapsed:?}, not 2 s"
                );
            })
        });
    }

    #[test]
    fn a_timeout_gives_up_and_cancels() {
        within(|| {
            paused().block_on(async {
                struct DropFlag(Arc<AtomicBool>);
                impl Drop for DropFlag {
                    fn drop(&mut self) {
                        self.0.store(true, Ordering::SeqCst);
                    }
                }
                let dropped = Arc::new(AtomicBool::new(false));
                let guard = DropFlag(Arc::clone(&dropped));
                let start = Instant::now();
                let out = with_timeout(Duration::from_secs(1), async move {
                    let _guard = guard;
                    tokio::time::sleep(Duration::from_secs(60)).await;
                    7
                })
                .await;
                let elapsed = start.elapsed();
                assert_eq!(out, None, "with_timeout must return None when the future is too slow");
                assert!(
                    elapsed < Duration::from_secs(2),
                    "with_timeout did not give up at the deadline: it took {elapsed:?} for a 1 s limit"
                );
                assert!(dropped.load(Ordering::SeqCst), "the slow future was not cancelled (dropped) at the timeout");

                let start = Instant::now();
                let out = with_timeout(Duration::from_secs(1), async {
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    5
                })
                .await;
                assert_eq!(out, Some(5), "a future that finishes in time gives Some(output)");
                assert!(start.elapsed() < Duration::from_secs(1), "with_timeout must return as soon as the future is done");
            })
        });
    }
}

mod blocking_trap {
    use super::*;
    use r#async::blocking_trap::{greet_after, lookup_all, sum_cooperatively};
    use grading::Rendezvous;

    #[test]
    fn waiting_does_not_block_the_loop() {
        within(|| {
            paused().block_on(async {
                let ticks = spawn_ticker(Duration::from_millis(10));
                let start = Instant::now();
                let delay = Duration::from_millis(100);
                let greetings =
                    tokio::join!(greet_after("ana", delay), greet_after("boris", delay), greet_after("chen", delay));
                let elapsed = start.elapsed();
                let ticks = ticks.load(Ordering::SeqCst);
                assert_eq!(
                    greetings,
                    ("hello, ana".to_owned(), "hello, boris".to_owned(), "hello, chen".to_owned()),
                    "greet_after returns \"hello, NAME\""
                );
                assert!(
                    ticks >= 5,
                    "blocking call stalled the event loop: a ticker due every 10 ms ticked {ticks} times while three \
                     greetings waited 100 ms — std::thread::sleep blocks the loop's only thread; await tokio::time::sleep"
                );
                assert!(
                    elapsed >= delay && elapsed < 2 * delay,
                    "three greetings of 100 ms waited together should take 100 ms, took {elapsed:?}"
                );
            })
        });
    }

    #[test]
    fn blocking_calls_run_off_the_loop() {
        within(|| {
            real().block_on(async {
                let ticks = spawn_ticker(Duration::from_millis(1));
                let stalled = Arc::new(AtomicBool::new(false));
                let seen = Arc::clone(&stalled);
                let ticker = Arc::clone(&ticks);
                // A blocking call that checks whether the event loop kept running meanwhile.
                let lookup = Arc::new(move |key: u64| {
                    if !seen.load(Ordering::SeqCst) {
                        let before = ticker.load(Ordering::SeqCst);
                        let give_up = std::time::Instant::now() + patience(40);
                        while ticker.load(Ordering::SeqCst) < before + 2 {
                            if std::time::Instant::now() > give_up {
                                seen.store(true, Ordering::SeqCst);
                                break;
                            }
                            std::thread::sleep(Duration::from_millis(1));
                        }
                    }
                    key * 2
                });
                let answers = lookup_all(vec![1, 2, 3], lookup).await;
                assert!(
                    !stalled.load(Ordering::SeqCst),
                    "blocking call stalled the event loop: while the lookup ran, the ticker task could not tick — \
                     run blocking calls with tokio::task::spawn_blocking"
                );
                assert_eq!(answers, [2, 4, 6], "lookup_all returns the answers in key order");
            })
        });
    }

    #[test]
    fn blocking_calls_overlap() {
        within(|| {
            real().block_on(async {
                let meet = Arc::new(Rendezvous::new(3, patience(30)));
                let met = Arc::new(Mutex::new(Vec::new()));
                let (m, log) = (Arc::clone(&meet), Arc::clone(&met));
                let lookup = Arc::new(move |key: u64| {
                    let all_there = m.arrive();
                    log.lock().unwrap().push(all_there);
                    key + 1
                });
                let answers = lookup_all(vec![10, 20, 30], lookup).await;
                assert_eq!(answers, [11, 21, 31], "lookup_all returns the answers in key order");
                let met = met.lock().unwrap();
                assert!(
                    met.iter().all(|m| *m),
                    "the lookups did not run at the same time: each blocking call waited for the previous one \
                     (spawn every spawn_blocking before awaiting any)"
                );
            })
        });
    }

    #[test]
    fn long_computation_yields() {
        within(|| {
            real().block_on(async {
                let turns = Arc::new(AtomicU64::new(0));
                let counter = Arc::clone(&turns);
                tokio::spawn(async move {
                    loop {
                        counter.fetch_add(1, Ordering::SeqCst);
                        tokio::task::yield_now().await;
                    }
                });
                let sum = sum_cooperatively(1_000_000, 10_000).await;
                let turns = turns.load(Ordering::SeqCst);
                assert_eq!(sum, 499_999_500_000, "sum_cooperatively must compute the sum of 0..n");
                assert!(
                    turns >= 50,
                    "blocking call stalled the event loop: another task got {turns} turns while the sum ran; it \
                     should get one every chunk (100 chunks) — await tokio::task::yield_now() after each chunk"
                );
            })
        });
    }
}

mod echo {
    use super::*;
    use r#async::echo::{serve_tasks, serve_threads};
    use std::io::{Read, Write};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    const PAYLOAD: usize = 20_000;

    fn message(i: usize) -> Vec<u8> {
        (0..PAYLOAD).map(|k| (i * 7 + k) as u8).collect()
    }

    #[test]
    fn tasks_serve_many_clients_at_once() {
        within(|| {
            // Dropping the runtime (also when an assertion fails) cancels the server and
            // closes every socket.
            real().block_on(async {
                // Fewer than the listen backlog (128), so a server that stops accepting does
                // not stall the clients' connect.
                const CLIENTS: usize = 100;
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind on loopback");
                let addr = listener.local_addr().unwrap();
                let server = tokio::spawn(serve_tasks(listener, CLIENTS));
                let mut clients = Vec::new();
                for _ in 0..CLIENTS {
                    clients.push(tokio::net::TcpStream::connect(addr).await.expect("connect"));
                }
                // The last client speaks first, while all the others stay connected and silent.
                for (i, mut client) in clients.into_iter().enumerate().rev() {
                    let sent = message(i);
                    client.write_all(&sent).await.expect("send");
                    client.shutdown().await.expect("close the sending half");
                    let mut got = Vec::new();
                    let read = tokio::time::timeout(patience(40), client.read_to_end(&mut got)).await;
                    assert!(
                        read.is_ok(),
                        "the server handled one connection at a time: client {i} got no echo while client 0 was \
                         still connected (spawn a task per connection)"
                    );
                    assert!(
                        got == sent,
                        "echo incomplete: client {i} sent {} bytes and got back {} (a read returns what has arrived \
                         so far: loop until it returns 0)",
                        sent.len(),
                        got.len()
                    );
                }
                let total = tokio::time::timeout(patience(40), server).await;
                let total = total.expect("the server did not return after its last connection closed").unwrap();
                assert_eq!(total, (CLIENTS * PAYLOAD) as u64, "serve_tasks returns the total bytes echoed");
            })
        });
    }

    #[test]
    fn threads_serve_many_clients_at_once() {
        within(|| {
            const CLIENTS: usize = 20;
            let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind on loopback");
            let addr = listener.local_addr().unwrap();
            // If an assertion fails, the clients are dropped (closed), which lets the server's
            // threads read end-of-stream and finish.
            let server = std::thread::spawn(move || serve_threads(listener, CLIENTS));
            let clients: Vec<_> = (0..CLIENTS)
                .map(|_| std::net::TcpStream::connect(addr).expect("connect"))
                .collect();
            for (i, mut client) in clients.into_iter().enumerate().rev() {
                client.set_read_timeout(Some(patience(40))).unwrap();
                let sent = message(i);
                client.write_all(&sent).expect("send");
                client
                    .shutdown(std::net::Shutdown::Write)
                    .expect("close the sending half");
                let mut got = Vec::new();
                let read = client.read_to_end(&mut got);
                assert!(
                    read.is_ok(),
                    "the server handled one connection at a time: client {i} got no echo while client 0 was still \
                     connected (a thread per connection)"
                );
                assert!(
                    got == sent,
                    "echo incomplete: client {i} sent {} bytes and got back {} (a read returns what has arrived so \
                     far: loop until it returns 0)",
                    sent.len(),
                    got.len()
                );
            }
            let total = server.join().expect("the server panicked");
            assert_eq!(
                total,
                (CLIENTS * PAYLOAD) as u64,
                "serve_threads returns the total bytes echoed"
            );
        });
    }
}
