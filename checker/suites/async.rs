//! Grading suite for the `async` topic (the library is `async`, a keyword: `r#async::` here).
//!
//! Every test builds its own current-thread runtime: one OS thread, one event loop, as in
//! Python's asyncio. Where time matters the runtime's clock is paused: tokio then jumps
//! straight to the next timer whenever every task is waiting, so "ten thousand sleeps of 1 s
//! took 1 s" is an exact, deterministic fact about concurrency, not a measurement. A blocked
//! event loop is detected by a ticker task that misses its ticks.

use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use grading::caught::unless_todo;
use grading::fastrand::Rng;
use grading::waiting::patience;
use grading::within;
use tokio::runtime::{Builder, Runtime};
use tokio::time::Instant;

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

/// What to do about a stalled event loop, for every verdict that finds one.
const STALLED: &str = "a task must never block the loop's only thread: await \
     tokio::time::sleep (never std::thread::sleep), run a blocking call with \
     tokio::task::spawn_blocking, and await tokio::task::yield_now() now and then in a long \
     computation";

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
    fn run_all_keeps_index_order_whatever_finishes_first() {
        within(|| {
            paused().block_on(async {
                let mut rng = Rng::with_seed(0xa11);
                for case in 0..8 {
                    // The edges first: no task, one task, then the later tasks finishing first,
                    // then random durations.
                    let n = match case {
                        0 => 0,
                        1 => 1,
                        2 => 50,
                        _ => rng.usize(2..200),
                    };
                    let delays: Vec<u64> = match case {
                        2 => (0..n).map(|i| (n - i) as u64 * 10).collect(),
                        _ => (0..n).map(|_| rng.u64(0..1_000)).collect(),
                    };
                    let longest = delays.iter().copied().max().unwrap_or(0);
                    let calls = Arc::new(AtomicUsize::new(0));
                    let (c, d) = (Arc::clone(&calls), Arc::new(delays));
                    let start = Instant::now();
                    let results = run_all(n, move |i| {
                        c.fetch_add(1, Ordering::SeqCst);
                        let delay = Duration::from_millis(d[i]);
                        async move {
                            tokio::time::sleep(delay).await;
                            i * 3
                        }
                    })
                    .await;
                    let elapsed = start.elapsed();
                    assert!(
                        results == (0..n).map(|i| i * 3).collect::<Vec<_>>(),
                        "run_all({n}, ..) with tasks of different durations (case {case}) must return \
                         one result per task in index order, not in the order they finished \
                         (JoinSet::join_next gives completion order: keep the JoinHandles in \
                         order, or put each result at its index); got {} results",
                        results.len()
                    );
                    assert_eq!(
                        calls.load(Ordering::SeqCst),
                        n,
                        "run_all({n}, task) must call task once per index (case {case})"
                    );
                    assert!(
                        elapsed <= Duration::from_millis(longest + 10),
                        "the tasks did not run concurrently: {n} tasks of at most {longest} ms took \
                         {elapsed:?} (case {case}): spawn them all, then await the handles"
                    );
                }
            })
        });
    }

    #[test]
    fn a_panicking_task_is_not_left_out() {
        within(|| {
            let outcome = panic::catch_unwind(AssertUnwindSafe(|| {
                paused().block_on(run_all(4, |i| async move {
                    if i == 2 {
                        panic!("task 2 failing on purpose (expected in this test)");
                    }
                    i
                }))
            }));
            match outcome {
                Ok(results) => panic!(
                    "task 2 of 4 panicked, yet run_all returned {results:?}: a result cannot be \
                     left out — when a JoinHandle gives Err (the task panicked), run_all must \
                     panic too (unwrap/expect it)"
                ),
                Err(payload) => drop(unless_todo(payload)),
            }
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
                // The first one slower this time: the outputs still come back as (a, b).
                let start = Instant::now();
                let out = both(slow(3, 'c'), async { 'd' }).await;
                let elapsed = start.elapsed();
                assert_eq!(out, ('c', 'd'), "both returns (output of a, output of b), whichever finishes first");
                assert!(
                    elapsed < Duration::from_secs(4),
                    "join!: the two futures did not run concurrently: waits of 3 s and 0 s took {elapsed:?}, not 3 s"
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
                // The clock is paused: a timer set for the limit fires exactly at it.
                assert!(
                    elapsed <= Duration::from_millis(1_010),
                    "with_timeout did not give up at the deadline: it took {elapsed:?} for a 1 s limit (race the \
                     future against tokio::time::sleep(limit) with select!, or use tokio::time::timeout)"
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
                // Different delays, waited together: the longest decides.
                let greetings = tokio::join!(
                    greet_after("ana", delay / 2),
                    greet_after("boris", delay),
                    greet_after("", Duration::ZERO)
                );
                let elapsed = start.elapsed();
                let ticks = ticks.load(Ordering::SeqCst);
                assert_eq!(
                    greetings,
                    ("hello, ana".to_owned(), "hello, boris".to_owned(), "hello, ".to_owned()),
                    "greet_after returns \"hello, NAME\""
                );
                assert!(
                    ticks >= 5,
                    "blocking call stalled the event loop: a ticker due every 10 ms ticked {ticks} times while three \
                     greetings waited up to 100 ms — std::thread::sleep blocks the loop's only thread; {STALLED}"
                );
                assert!(
                    elapsed >= delay && elapsed < 2 * delay,
                    "greetings of 50, 100 and 0 ms waited together should take 100 ms (each waits its own \
                     delay, all at once), took {elapsed:?}"
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
                     run each blocking call with tokio::task::spawn_blocking; {STALLED}"
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
                let gave_up = Arc::new(AtomicBool::new(false));
                let (m, log, g) = (Arc::clone(&meet), Arc::clone(&met), Arc::clone(&gave_up));
                let lookup = Arc::new(move |key: u64| {
                    // Once one lookup waited in vain, the others do not wait again: lookups
                    // run one after another cost one patience, not one each.
                    let all_there = !g.load(Ordering::SeqCst) && m.arrive();
                    if !all_there {
                        g.store(true, Ordering::SeqCst);
                    }
                    log.lock().unwrap().push(all_there);
                    key + 1
                });
                let answers = lookup_all(vec![10, 20, 30], lookup).await;
                assert_eq!(answers, [11, 21, 31], "lookup_all returns the answers in key order");
                let met = met.lock().unwrap();
                assert!(
                    met.iter().all(|m| *m),
                    "the lookups did not run at the same time: each blocking call waited for the previous one — \
                     likely causes: the lookups called directly on the event loop, or each spawn_blocking \
                     awaited before the next one was started (start them all, then await the handles)"
                );
            })
        });
    }

    #[test]
    fn lookups_keep_key_order_whatever_finishes_first() {
        within(|| {
            real().block_on(async {
                let calls = Arc::new(AtomicUsize::new(0));
                let c = Arc::clone(&calls);
                let none = lookup_all(
                    Vec::new(),
                    Arc::new(move |key: u64| {
                        c.fetch_add(1, Ordering::SeqCst);
                        key
                    }),
                )
                .await;
                assert!(
                    none.is_empty() && calls.load(Ordering::SeqCst) == 0,
                    "lookup_all of no keys must return no answers without calling lookup"
                );
                let mut rng = Rng::with_seed(0xb10c);
                let mut keys: Vec<u64> = (0..8).map(|_| rng.u64(..1 << 40)).collect();
                keys.dedup();
                let count = keys.len();
                let position: std::collections::HashMap<u64, usize> =
                    keys.iter().enumerate().map(|(p, &k)| (k, p)).collect();
                let finished = Arc::new(AtomicUsize::new(0));
                let gave_up = Arc::new(AtomicBool::new(false));
                let (f, g) = (Arc::clone(&finished), Arc::clone(&gave_up));
                // The lookup of the last key finishes first, the first key's last: the answers
                // arrive in reverse key order.
                let lookup = Arc::new(move |key: u64| {
                    let turn = count - 1 - position[&key];
                    let give_up = std::time::Instant::now() + patience(30);
                    while f.load(Ordering::SeqCst) != turn && !g.load(Ordering::SeqCst) {
                        if std::time::Instant::now() > give_up {
                            g.store(true, Ordering::SeqCst);
                        }
                        std::thread::sleep(Duration::from_millis(1));
                    }
                    f.fetch_add(1, Ordering::SeqCst);
                    key ^ 0x5a5a
                });
                let answers = lookup_all(keys.clone(), lookup).await;
                assert!(
                    answers == keys.iter().map(|k| k ^ 0x5a5a).collect::<Vec<_>>(),
                    "lookup_all must return the answers in key order, whatever order the lookups \
                     finish in (here the last key's lookup finished first): await the handles in \
                     key order (JoinSet::join_next gives completion order); got {} answers for {} \
                     keys",
                    answers.len(),
                    keys.len()
                );
            })
        });
    }

    #[test]
    fn long_computation_yields() {
        within(|| {
            real().block_on(async {
                // Small and uneven cases first: the sum must be right whatever n and chunk are.
                for (n, chunk, want) in [(0, 3, 0), (1, 3, 0), (10, 3, 45), (10, 10, 45), (7, 100, 21)] {
                    let got = sum_cooperatively(n, chunk).await;
                    assert_eq!(
                        got, want,
                        "sum_cooperatively({n}, {chunk}) must be the sum of 0..{n} = {want}"
                    );
                }
                let turns = Arc::new(AtomicU64::new(0));
                let counter = Arc::clone(&turns);
                tokio::spawn(async move {
                    loop {
                        counter.fetch_add(1, Ordering::SeqCst);
                        tokio::task::yield_now().await;
                    }
                });
                // 100 full chunks and a few numbers more.
                const N: u64 = 200_037;
                const CHUNK: u64 = 2_000;
                let sum = sum_cooperatively(N, CHUNK).await;
                let turns = turns.load(Ordering::SeqCst);
                assert_eq!(sum, N * (N - 1) / 2, "sum_cooperatively must compute the sum of 0..n");
                let chunks = N / CHUNK;
                assert!(
                    turns >= chunks / 2,
                    "blocking call stalled the event loop: another task got {turns} turns while the sum ran; it \
                     should get one every chunk ({chunks} chunks) — await tokio::task::yield_now() after each \
                     chunk; {STALLED}"
                );
                assert!(
                    turns <= 2 * chunks + 10,
                    "the sum yielded far more often than once per chunk: another task got {turns} turns while \
                     the sum of {N} numbers in chunks of {CHUNK} ran ({chunks} chunks) — yield once after every \
                     `chunk` numbers (check the condition: (i + 1) % chunk == 0), and compute on the event loop \
                     itself"
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

    /// What each client says, message after message: the sizes of its messages. Client 0 says
    /// nothing (it connects and closes), client 1 one byte, client 2 a message of exactly one
    /// read buffer and one just over it; the others one to three messages of random sizes.
    fn conversations(clients: usize, seed: u64) -> Vec<Vec<usize>> {
        let mut rng = Rng::with_seed(seed);
        (0..clients)
            .map(|client| match client {
                0 => vec![],
                1 => vec![1],
                2 => vec![4096, 4097],
                _ => (0..rng.usize(1..=3))
                    .map(|_| rng.usize(1..=PAYLOAD))
                    .collect(),
            })
            .collect()
    }

    /// The bytes of `client`'s message number `round`.
    fn said(client: usize, round: usize, size: usize) -> Vec<u8> {
        (0..size)
            .map(|k| (client * 31 + round * 7 + k) as u8)
            .collect()
    }

    /// The fix, for every verdict that finds a client waiting for its echo in vain.
    const ECHO_AS_IT_COMES: &str = "echo what each read returns right away (write it back, then \
         read again) instead of reading until the client closes: a client may wait for each echo \
         before it says more";

    /// The verdict on a client whose connection was not closed after it closed its half.
    fn never_closed(client: usize) -> String {
        format!(
            "client {client} closed its sending half, but the server never closed the connection: \
             when a read returns 0 the client is done — return from the connection's loop, which \
             drops (closes) the stream"
        )
    }

    #[test]
    fn tasks_echo_clients_that_talk_before_closing() {
        within(|| {
            real().block_on(async {
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind on loopback");
                let none = tokio::time::timeout(patience(20), serve_tasks(listener, 0)).await;
                assert_eq!(none.ok(), Some(0), "serve_tasks(listener, 0) must return 0 at once: no connection to serve");
                const CLIENTS: usize = 30;
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind on loopback");
                let addr = listener.local_addr().unwrap();
                let server = tokio::spawn(serve_tasks(listener, CLIENTS));
                let plans = conversations(CLIENTS, 0xec40);
                let expected = plans.iter().flatten().sum::<usize>() as u64;
                // Every client talks at the same time (a task each on this loop): it sends a
                // message, waits for the whole echo, then sends the next, then closes.
                let clients: Vec<_> = plans
                    .into_iter()
                    .enumerate()
                    .map(|(c, plan)| {
                        tokio::spawn(async move {
                            let mut stream = tokio::net::TcpStream::connect(addr)
                                .await
                                .map_err(|e| format!("client {c} could not connect: {e}"))?;
                            for (round, &size) in plan.iter().enumerate() {
                                let sent = said(c, round, size);
                                stream.write_all(&sent).await.map_err(|e| format!("client {c} could not send: {e}"))?;
                                let mut got = vec![0; size];
                                match tokio::time::timeout(patience(40), stream.read_exact(&mut got)).await {
                                    Err(_) => {
                                        return Err(format!(
                                            "client {c} sent message {round} ({size} bytes) and got no full echo while \
                                             it kept its connection open — {ECHO_AS_IT_COMES}"
                                        ));
                                    }
                                    Ok(Err(e)) => {
                                        return Err(format!(
                                            "client {c} lost its connection waiting for the echo of message {round} \
                                             ({e}) — {ECHO_AS_IT_COMES}"
                                        ));
                                    }
                                    Ok(Ok(_)) if got != sent => {
                                        return Err(format!("client {c} got back other bytes than it sent in message {round}"));
                                    }
                                    Ok(Ok(_)) => {}
                                }
                            }
                            stream.shutdown().await.map_err(|e| format!("client {c} could not close: {e}"))?;
                            let mut rest = Vec::new();
                            match tokio::time::timeout(patience(40), stream.read_to_end(&mut rest)).await {
                                Err(_) => Err(never_closed(c)),
                                Ok(Ok(0)) => Ok(()),
                                Ok(Ok(n)) => Err(format!("client {c} got {n} bytes more than it sent")),
                                Ok(Err(e)) => Err(format!("client {c}: the connection failed at its end: {e}")),
                            }
                        })
                    })
                    .collect();
                for client in clients {
                    if let Err(verdict) = client.await.expect("a client task") {
                        panic!("{verdict}");
                    }
                }
                let total = tokio::time::timeout(patience(40), server)
                    .await
                    .expect("the server did not return after its last connection closed")
                    .unwrap_or_else(|e| panic::resume_unwind(e.into_panic()));
                assert_eq!(
                    total, expected,
                    "serve_tasks returns the total bytes echoed ({expected} over {CLIENTS} connections)"
                );
            })
        });
    }

    #[test]
    fn threads_echo_clients_that_talk_before_closing() {
        within(|| {
            use std::sync::{Barrier, mpsc};
            /// Runs `serve_threads` on a thread of its own; its result arrives on the receiver.
            fn start(
                listener: std::net::TcpListener,
                connections: usize,
            ) -> mpsc::Receiver<std::thread::Result<u64>> {
                let (done, result) = mpsc::channel();
                std::thread::spawn(move || {
                    let _ = done.send(panic::catch_unwind(|| serve_threads(listener, connections)));
                });
                result
            }
            let answer = |result: mpsc::Receiver<std::thread::Result<u64>>, what: &str| match result
                .recv_timeout(patience(40))
            {
                Ok(Ok(total)) => total,
                Ok(Err(payload)) => panic::resume_unwind(payload),
                Err(_) => panic!("{what}"),
            };
            let none = start(
                std::net::TcpListener::bind("127.0.0.1:0").expect("bind on loopback"),
                0,
            );
            assert_eq!(
                answer(
                    none,
                    "serve_threads(listener, 0) did not return: with no connection to serve it must return 0 at once"
                ),
                0,
                "serve_threads(listener, 0) must return 0: no connection to serve"
            );
            const CLIENTS: usize = 12;
            let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind on loopback");
            let addr = listener.local_addr().unwrap();
            let server = start(listener, CLIENTS);
            let plans = conversations(CLIENTS, 0x7ec0);
            let expected = plans.iter().flatten().sum::<usize>() as u64;
            let all_connected = Arc::new(Barrier::new(CLIENTS));
            let clients: Vec<_> = plans
                .into_iter()
                .enumerate()
                .map(|(c, plan)| {
                    let all_connected = Arc::clone(&all_connected);
                    std::thread::spawn(move || -> Result<(), String> {
                        let stream = std::net::TcpStream::connect(addr);
                        // Every client is connected before any talks; then they all talk at once.
                        all_connected.wait();
                        let mut stream = stream.map_err(|e| format!("client {c} could not connect: {e}"))?;
                        stream.set_read_timeout(Some(patience(40))).unwrap();
                        for (round, &size) in plan.iter().enumerate() {
                            let sent = said(c, round, size);
                            stream.write_all(&sent).map_err(|e| format!("client {c} could not send: {e}"))?;
                            let mut got = vec![0; size];
                            match stream.read_exact(&mut got) {
                                Err(e) if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut) => {
                                    return Err(format!(
                                        "client {c} sent message {round} ({size} bytes) and got no full echo while it \
                                         kept its connection open — {ECHO_AS_IT_COMES}"
                                    ));
                                }
                                Err(e) => {
                                    return Err(format!(
                                        "client {c} lost its connection waiting for the echo of message {round} ({e}) \
                                         — {ECHO_AS_IT_COMES}"
                                    ));
                                }
                                Ok(()) if got != sent => {
                                    return Err(format!("client {c} got back other bytes than it sent in message {round}"));
                                }
                                Ok(()) => {}
                            }
                        }
                        stream.shutdown(std::net::Shutdown::Write).map_err(|e| format!("client {c} could not close: {e}"))?;
                        let mut rest = Vec::new();
                        match stream.read_to_end(&mut rest) {
                            Ok(0) => Ok(()),
                            Ok(n) => Err(format!("client {c} got {n} bytes more than it sent")),
                            Err(e) if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut) => {
                                Err(never_closed(c))
                            }
                            Err(e) => Err(format!("client {c}: the connection failed at its end: {e}")),
                        }
                    })
                })
                .collect();
            for client in clients {
                if let Err(verdict) = client.join().expect("a client thread") {
                    panic!("{verdict}");
                }
            }
            let total = answer(
                server,
                "the server did not return after its last connection closed",
            );
            assert_eq!(
                total, expected,
                "serve_threads returns the total bytes echoed ({expected} over {CLIENTS} connections)"
            );
        });
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
