//! Grading suite for the `pipes` topic: an OS pipe to a forked child, a duplex framed
//! `Pipe()`, and producer/consumer channels that stop exactly when every producer is done.

use grading::within;

mod fork_pipe {
    use super::*;
    use nix::errno::Errno;
    use nix::sys::signal::{Signal, kill};
    use nix::sys::wait::{WaitPidFlag, WaitStatus, waitpid};
    use nix::unistd::{Pid, getpid};
    use pipes::fork_pipe::read_from_child;

    /// Fails if `child` is still ours to wait for: a zombie (or a child still running, which
    /// is then killed). Either way the child is reaped here, so no test leaves one behind.
    fn assert_reaped(child: Pid) {
        let found = match waitpid(child, Some(WaitPidFlag::WNOHANG)) {
            Err(Errno::ECHILD) => return,
            Ok(WaitStatus::StillAlive) => {
                let _ = kill(child, Signal::SIGKILL);
                let _ = waitpid(child, None);
                "still running"
            }
            Ok(_) => "a zombie",
            Err(e) => panic!("waitpid({child}) failed unexpectedly: {e}"),
        };
        panic!(
            "zombie: child {child} was never waited for (it was {found} after read_from_child \
             returned); the parent must waitpid() its child"
        );
    }

    fn message(len: usize) -> Vec<u8> {
        (0..len).map(|i| (i % 251) as u8).collect()
    }

    #[test]
    fn parent_reads_what_the_child_wrote() {
        within(|| {
            let got = read_from_child(b"hello from the child").expect("read_from_child failed");
            assert_reaped(got.child);
            assert_ne!(
                got.child,
                getpid(),
                "the writer must be a forked child, not this process"
            );
            assert_eq!(
                got.bytes, b"hello from the child",
                "the parent must read exactly what the child wrote"
            );
        });
    }

    #[test]
    fn a_message_larger_than_the_pipe_arrives_whole() {
        within(|| {
            // 1 MiB: sixteen times a pipe's buffer, so the parent must keep reading until
            // end-of-file, while the child is still writing.
            let sent = message(1 << 20);
            let got = read_from_child(&sent).expect("read_from_child failed");
            assert_reaped(got.child);
            assert_eq!(
                got.bytes.len(),
                sent.len(),
                "message lost: the parent read {} of {} bytes; keep reading until end-of-file (read returns 0)",
                got.bytes.len(),
                sent.len()
            );
            assert!(
                got.bytes == sent,
                "the bytes arrived corrupted or out of order"
            );
        });
    }

    #[test]
    fn an_empty_message_is_just_end_of_file() {
        within(|| {
            let got = read_from_child(b"").expect("read_from_child failed");
            assert_reaped(got.child);
            assert!(
                got.bytes.is_empty(),
                "the child wrote nothing, yet the parent read {} bytes",
                got.bytes.len()
            );
        });
    }

    #[test]
    fn every_child_is_reaped() {
        within(|| {
            for round in 0..5 {
                let got = read_from_child(format!("round {round}").as_bytes())
                    .expect("read_from_child failed");
                assert_reaped(got.child);
            }
        });
    }
}

mod duplex {
    use super::*;
    use pipes::duplex::{Connection, pipe};
    use std::io::Write;
    use std::os::unix::net::UnixStream;
    use std::thread;

    #[test]
    fn keeps_message_boundaries() {
        within(|| {
            let (mut left, mut right) = pipe().expect("pipe() failed");
            for message in [&b"ping"[..], b"", b"pong!!"] {
                left.send(message).expect("send failed");
            }
            drop(left);
            let got: Vec<Vec<u8>> = (0..3)
                .map(|_| right.recv().expect("recv failed").unwrap_or_default())
                .collect();
            assert_eq!(
                got,
                [b"ping".to_vec(), b"".to_vec(), b"pong!!".to_vec()],
                "message boundaries lost (framing): three sends must come out as three recvs, \
                 each whole; a byte stream needs a length before each message"
            );
        });
    }

    #[test]
    fn works_in_both_directions() {
        within(|| {
            let (mut here, mut there) = pipe().expect("pipe() failed");
            let echo = thread::spawn(move || {
                while let Some(message) = there.recv().expect("recv failed") {
                    there
                        .send(&message.to_ascii_uppercase())
                        .expect("send failed");
                }
            });
            for word in ["one", "two", "three"] {
                here.send(word.as_bytes()).expect("send failed");
                let back = here.recv().expect("recv failed");
                assert_eq!(
                    back.as_deref(),
                    Some(word.to_ascii_uppercase().as_bytes()),
                    "duplex: each end must both send and receive"
                );
            }
            drop(here);
            echo.join().expect(
                "the echo end panicked (did recv() return None after the other end closed?)",
            );
        });
    }

    #[test]
    fn a_large_message_arrives_whole() {
        within(|| {
            let (mut left, mut right) = pipe().expect("pipe() failed");
            let sent: Vec<u8> = (0..(1u32 << 20)).map(|i| (i % 253) as u8).collect();
            let copy = sent.clone();
            let sender = thread::spawn(move || left.send(&copy));
            let got = right
                .recv()
                .expect("recv failed")
                .expect("a message, not end-of-file");
            // Closing our end unblocks a sender still waiting to write the rest.
            drop(right);
            let sent_whole = sender.join().expect("the sender panicked");
            assert_eq!(
                got.len(),
                sent.len(),
                "message truncated: got {} of {} bytes; one read returns only what has arrived \
                 so far — read until the whole framed length is in",
                got.len(),
                sent.len()
            );
            assert!(got == sent, "the message arrived corrupted");
            sent_whole.expect("send failed");
        });
    }

    #[test]
    fn a_message_cut_short_is_an_error() {
        within(|| {
            let (mut raw, end) = UnixStream::pair().expect("socketpair failed");
            let mut end = Connection::from(end);
            // A frame announcing 10 bytes, of which only 5 ever arrive.
            raw.write_all(&10u32.to_be_bytes()).unwrap();
            raw.write_all(b"12345").unwrap();
            drop(raw);
            match end.recv() {
                Err(_) => {}
                Ok(Some(m)) => panic!(
                    "message truncated: recv() returned {} of the 10 bytes the frame announced; one \
                     read returns only what has arrived so far — read until the whole length is in \
                     (read_exact), and treat end-of-file inside a message as an error",
                    m.len()
                ),
                Ok(None) => {
                    panic!("a message cut short by end-of-file must be an error, not a clean None")
                }
            }
        });
    }

    #[test]
    fn recv_returns_none_once_the_other_end_is_closed() {
        within(|| {
            let (mut left, mut right) = pipe().expect("pipe() failed");
            left.send(b"last words").expect("send failed");
            drop(left);
            assert_eq!(
                right.recv().expect("recv failed").as_deref(),
                Some(&b"last words"[..])
            );
            match right.recv() {
                Ok(None) => {}
                Ok(Some(m)) => panic!(
                    "end-of-file: expected None after the other end closed, got a message of {} bytes",
                    m.len()
                ),
                Err(e) => panic!(
                    "end-of-file: after the other end is closed, recv() must return Ok(None), not an error ({e})"
                ),
            }
        });
    }
}

mod channels {
    use super::*;
    use pipes::channels::{consume, gather, produce};
    use std::collections::BTreeMap;
    use std::sync::mpsc::{self, Sender, TryRecvError};
    use std::thread;

    #[test]
    fn a_producer_ends_with_one_end_marker() {
        within(|| {
            let (tx, rx) = mpsc::channel();
            thread::spawn(move || produce(vec![1, 2, 3], tx))
                .join()
                .expect("produce panicked");
            let sent: Vec<Option<u64>> = rx.try_iter().collect();
            assert_eq!(
                &sent[..sent.len().min(3)],
                [Some(1), Some(2), Some(3)],
                "the items must go out first, in order"
            );
            assert_eq!(
                sent.iter().filter(|m| m.is_none()).count(),
                1,
                "end marker missing: a producer must send exactly one None when it is done (sent {sent:?})"
            );
            assert_eq!(
                sent.last(),
                Some(&None),
                "the end marker must be the producer's last message"
            );
        });
    }

    #[test]
    fn the_consumer_waits_for_one_end_marker_per_producer() {
        within(|| {
            let (tx, rx) = mpsc::channel();
            // Three producers' messages, already queued; the test keeps its Sender, so only the
            // end markers can tell the consumer to stop.
            for message in [Some(1), Some(2), None, Some(3), None, None, Some(99)] {
                tx.send(message).unwrap();
            }
            let got = consume(&rx, 3);
            assert_eq!(
                got,
                [1, 2, 3],
                "lost items: the consumer must keep going until it has one end marker (None) per \
                 producer (3 here), not stop at the first"
            );
            assert_eq!(
                rx.try_recv(),
                Ok(Some(99)),
                "the consumer read past the last end marker: it must stop right after the 3rd None"
            );
        });
    }

    #[test]
    fn nothing_is_lost_between_live_producers_and_the_consumer() {
        within(|| {
            let (tx, rx) = mpsc::channel();
            let producers: Vec<_> = (0..4u64)
                .map(|p| {
                    let tx = tx.clone();
                    thread::spawn(move || produce((0..500).map(|i| p * 1_000 + i).collect(), tx))
                })
                .collect();
            let got = consume(&rx, 4);
            for producer in producers {
                producer.join().expect("a producer panicked");
            }
            assert_eq!(
                got.len(),
                2_000,
                "lost items: expected 2000 items from 4 producers, got {}",
                got.len()
            );
            let mut per_producer: BTreeMap<u64, Vec<u64>> = BTreeMap::new();
            for item in got {
                per_producer
                    .entry(item / 1_000)
                    .or_default()
                    .push(item % 1_000);
            }
            for (p, items) in per_producer {
                assert_eq!(
                    items,
                    (0..500).collect::<Vec<_>>(),
                    "producer {p}'s items were lost, duplicated or reordered"
                );
            }
            assert!(
                matches!(rx.try_recv(), Err(TryRecvError::Empty)),
                "the consumer stopped before the last end marker"
            );
        });
    }

    #[test]
    fn the_channel_closes_when_every_producer_is_done() {
        within(|| {
            let (gate_open, gate) = mpsc::channel::<()>();
            // Producer 0 finishes first and then lets producer 1 start: the consumer must not
            // stop when producer 0 is done, only when the last Sender is gone.
            let first: Box<dyn FnOnce(Sender<u64>) + Send> = Box::new(move |tx| {
                for i in 0..100 {
                    tx.send(i).unwrap();
                }
                drop(tx);
                gate_open.send(()).unwrap();
            });
            let second: Box<dyn FnOnce(Sender<u64>) + Send> = Box::new(move |tx| {
                gate.recv().unwrap();
                for i in 100..200 {
                    tx.send(i).unwrap();
                }
            });
            let mut got = gather(vec![first, second]);
            got.sort_unstable();
            assert_eq!(
                got,
                (0..200).collect::<Vec<_>>(),
                "lost items: the consumer must run until every producer is done"
            );
        });
    }

    #[test]
    fn producers_run_on_their_own_threads() {
        within(|| {
            let log = std::sync::Arc::new(grading::ThreadLog::new());
            let producers: Vec<_> = (0..3u64)
                .map(|p| {
                    let log = log.clone();
                    move |tx: Sender<u64>| {
                        log.record();
                        for i in 0..10 {
                            tx.send(p * 10 + i).unwrap();
                        }
                    }
                })
                .collect();
            let mut got = gather(producers);
            got.sort_unstable();
            assert_eq!(got, (0..30).collect::<Vec<_>>(), "lost items");
            assert!(
                !log.contains(thread::current().id()),
                "a producer ran on the consumer's thread"
            );
            assert_eq!(
                log.distinct().len(),
                3,
                "each producer must run on its own thread"
            );
        });
    }
}
