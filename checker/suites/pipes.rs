//! Grading suite for the `pipes` topic: an OS pipe to a forked child, a duplex framed
//! `Pipe()`, and producer/consumer channels that stop exactly when every producer is done.
//!
//! Each exercise is graded on its contract, error paths included: the child reaped by its pid
//! and the pipe's ends closed, ten forks at once; frames on the wire, headers that arrive in
//! pieces, signals that interrupt a read or a write, reads that fail; producers that pause,
//! run at the same time, or panic. Pauses and signals land where the test needs them because
//! the suite waits, through `/proc`, for the thread to be asleep or blocked in its system call.

use grading::caught::unless_todo;
use grading::within;
use std::time::Duration;

/// How long a thread or a child may take to react: a huge margin, only there to turn a missed
/// event into a clear failure instead of a hang. A correct solution never waits it out.
const PATIENCE: Duration = Duration::from_secs(2);

/// Threads of this process seen through `/proc`: whether one is asleep, and in which system
/// call. The suite waits for these states (they certainly come) before it acts, so a pause or a
/// signal lands exactly where the test needs it, without a sleep that hopes for it.
mod task {
    use std::fs;

    /// The calling thread's kernel id.
    pub fn current() -> i32 {
        // Safety: gettid(2) has no preconditions and cannot fail.
        unsafe { libc::gettid() }
    }

    /// The thread's scheduling state (`R` running, `S` asleep...), `None` once it is gone.
    pub fn state(tid: i32) -> Option<char> {
        let stat = fs::read_to_string(format!("/proc/self/task/{tid}/stat")).ok()?;
        stat[stat.rfind(')')? + 1..].trim_start().chars().next()
    }

    /// The system call the thread is blocked in, `None` while it runs (or once it is gone).
    pub fn blocked_in(tid: i32) -> Option<libc::c_long> {
        let text = fs::read_to_string(format!("/proc/self/task/{tid}/syscall")).ok()?;
        text.split_whitespace().next()?.parse().ok()
    }

    /// Whether the thread sleeps in a system call that waits for I/O (not on a lock).
    pub fn blocked_in_io(tid: i32) -> bool {
        state(tid) == Some('S') && blocked_in(tid).is_some_and(|call| call != libc::SYS_futex)
    }
}

mod fork_pipe {
    use super::*;
    use grading::procfs;
    use nix::errno::Errno;
    use nix::sys::signal::{Signal, kill};
    use nix::sys::wait::{Id, WaitPidFlag, WaitStatus, waitid, waitpid};
    use nix::unistd::{ForkResult, Pid, fork, getpid};
    use pipes::fork_pipe::{Received, read_from_child};
    use std::collections::BTreeSet;
    use std::fs;
    use std::sync::{Barrier, Mutex, MutexGuard};
    use std::thread;

    /// The fork_pipe tests run one at a time inside one test process: they count the process's
    /// pipe descriptors and keep a child of their own, which a concurrent test would disturb.
    /// (The checker runs each test in a process of its own anyway; `cargo test` does not.)
    static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

    fn alone() -> MutexGuard<'static, ()> {
        ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Fails if `child` is still ours to wait for: a zombie (or a child still running, which
    /// is then killed). Either way the child is reaped here, so no test leaves one behind.
    fn assert_reaped(child: Pid) {
        assert!(
            child.as_raw() > 0 && child != getpid(),
            "Received::child must be the forked child's pid (what fork() returned to the \
             parent), got {child}"
        );
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
             returned); the parent must waitpid() its own child (`guard.wait()`) before returning"
        );
    }

    /// Calls `read_from_child` on a thread of its own and passes on what it returned (or its
    /// panic); fails, naming the likely causes, if it has not returned within [`PATIENCE`]:
    /// writing and reading a message takes milliseconds. (The test that keeps a child of its
    /// own calls `read_from_child` directly: that child must belong to the same thread.)
    fn read_in_time(message: &[u8]) -> nix::Result<Received> {
        let message = message.to_vec();
        let (done_tx, done) = std::sync::mpsc::channel();
        let call = thread::spawn(move || {
            let got = read_from_child(&message);
            let _ = done_tx.send(());
            got
        });
        match done.recv_timeout(PATIENCE) {
            Ok(()) => call.join().expect("read_from_child returned"),
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
                std::panic::resume_unwind(call.join().unwrap_err())
            }
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => panic!(
                "did not finish: read_from_child had not returned after {} s, though its child \
                 writes at once — the parent never saw end-of-file because it kept its own copy \
                 of the write end open (close the end it does not use), or it waits for the \
                 child before reading, and the child blocks on a full pipe",
                PATIENCE.as_secs()
            ),
        }
    }

    fn message(len: usize) -> Vec<u8> {
        (0..len).map(|i| (i % 251) as u8).collect()
    }

    /// The descriptors of this process that are pipe ends.
    fn pipe_ends() -> BTreeSet<String> {
        fs::read_dir("/proc/self/fd")
            .expect("cannot list /proc/self/fd")
            .filter_map(|entry| {
                let entry = entry.ok()?;
                let target = fs::read_link(entry.path()).ok()?;
                target
                    .to_string_lossy()
                    .starts_with("pipe:")
                    .then(|| entry.file_name().to_string_lossy().into_owned())
            })
            .collect()
    }

    /// A child of the test's own that has exited and waits to be reaped: a zombie that belongs
    /// to another part of the program. Reaped when dropped, whatever happened.
    struct Bystander(Pid);

    impl Bystander {
        fn start() -> Bystander {
            // Safety: the child only calls _exit(2), which is async-signal-safe.
            match unsafe { fork() }.expect("the test could not fork") {
                // Safety: _exit ends the child at once, running nothing of the parent's.
                ForkResult::Child => unsafe { libc::_exit(0) },
                ForkResult::Parent { child } => {
                    // WNOWAIT: wait until it has exited, but leave it a zombie.
                    waitid(Id::Pid(child), WaitPidFlag::WEXITED | WaitPidFlag::WNOWAIT)
                        .expect("waitid on the test's own child failed");
                    Bystander(child)
                }
            }
        }

        /// Whether it is still a zombie of ours, i.e. nobody else reaped it.
        fn still_unreaped(&self) -> bool {
            waitid(
                Id::Pid(self.0),
                WaitPidFlag::WEXITED | WaitPidFlag::WNOWAIT | WaitPidFlag::WNOHANG,
            )
            .is_ok()
        }
    }

    impl Drop for Bystander {
        fn drop(&mut self) {
            let _ = waitpid(self.0, None);
        }
    }

    #[test]
    fn parent_reads_what_the_child_wrote() {
        within(|| {
            let _alone = alone();
            let got = read_in_time(b"hello from the child").expect("read_from_child failed");
            assert_reaped(got.child);
            assert_eq!(
                got.bytes, b"hello from the child",
                "the parent must read exactly what the child wrote"
            );
        });
    }

    #[test]
    fn a_message_larger_than_the_pipe_arrives_whole() {
        within(|| {
            let _alone = alone();
            // 1 MiB: sixteen times a pipe's buffer, so the parent must keep reading until
            // end-of-file, while the child is still writing.
            let sent = message(1 << 20);
            let got = read_in_time(&sent).expect("read_from_child failed");
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
            let _alone = alone();
            let got = read_in_time(b"").expect("read_from_child failed");
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
            let _alone = alone();
            for round in 0..5 {
                let got = read_in_time(format!("round {round}").as_bytes())
                    .expect("read_from_child failed");
                assert_reaped(got.child);
            }
        });
    }

    #[test]
    fn the_parent_waits_for_its_own_child_not_any_child() {
        within(|| {
            let _alone = alone();
            // Another child of this program has ended and awaits its own parent code: a
            // `wait()` for any child would take that one instead.
            let bystander = Bystander::start();
            let got = read_from_child(b"mine").expect("read_from_child failed");
            assert!(
                bystander.still_unreaped(),
                "read_from_child reaped a child that was not its own (one the test had started \
                 and not yet waited for): wait for your child by its pid, `waitpid(child, ..)` \
                 (`guard.wait()`), never `wait()` for any child"
            );
            assert_reaped(got.child);
            assert_eq!(
                got.bytes, b"mine",
                "the parent must read what the child wrote"
            );
            assert!(
                procfs::is_unreaped_child(bystander.0.as_raw()),
                "the test's own child vanished"
            );
        });
    }

    #[test]
    fn many_children_at_once_each_deliver_their_own_message() {
        within(|| {
            let _alone = alone();
            // Sizes around the pipe's 64 KiB buffer and some that divide nothing evenly.
            let mut rng = grading::fastrand::Rng::with_seed(0x0f0e);
            let mut sizes = vec![0, 1, 4_095, 65_536, 65_537, 200_003];
            sizes.extend((0..4).map(|_| rng.usize(1..300_000)));
            let start = Barrier::new(sizes.len());
            let results: Vec<_> = thread::scope(|s| {
                let handles: Vec<_> = sizes
                    .iter()
                    .enumerate()
                    .map(|(i, &len)| {
                        let start = &start;
                        s.spawn(move || {
                            let sent: Vec<u8> = message(len).iter().map(|b| b ^ i as u8).collect();
                            start.wait();
                            (sent.clone(), read_in_time(&sent))
                        })
                    })
                    .collect();
                handles
                    .into_iter()
                    .map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
                    .collect()
            });
            let mut children = BTreeSet::new();
            for (sent, got) in results {
                let got = got.unwrap_or_else(|e| {
                    panic!(
                        "read_from_child failed ({e}) while {} calls ran at the same time",
                        sizes.len()
                    )
                });
                assert_reaped(got.child);
                assert!(
                    got.bytes == sent,
                    "with {} calls at the same time, a parent read {} bytes where its child \
                     wrote {}: each call needs its own pipe and must read it to end-of-file",
                    sizes.len(),
                    got.bytes.len(),
                    sent.len()
                );
                children.insert(got.child);
            }
            assert_eq!(
                children.len(),
                sizes.len(),
                "every call must fork a child of its own"
            );
        });
    }

    #[test]
    fn both_ends_of_the_pipe_are_closed_afterwards() {
        within(|| {
            let _alone = alone();
            let before = pipe_ends();
            let got = read_in_time(&message(100_000)).expect("read_from_child failed");
            let left_open: Vec<_> = pipe_ends().difference(&before).cloned().collect();
            assert_reaped(got.child);
            assert!(
                left_open.is_empty(),
                "descriptor leak: pipe ends {left_open:?} were still open after read_from_child \
                 returned; the parent must close both ends (drop its `OwnedFd`s, or the `File` \
                 made from one), or every call leaks a descriptor until the program runs out"
            );
        });
    }
}

mod duplex {
    use super::*;
    use grading::procfs::eventually;
    use nix::sys::signal::{SaFlags, SigAction, SigHandler, SigSet, Signal, sigaction};
    use pipes::duplex::{Connection, pipe};
    use std::io::{self, ErrorKind, Read, Write};
    use std::net::Shutdown;
    use std::os::fd::AsRawFd;
    use std::os::unix::net::UnixStream;
    use std::os::unix::thread::JoinHandleExt;
    use std::sync::Once;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::mpsc;
    use std::thread;

    /// How many bytes of `stream`'s socket nobody has read yet.
    fn unread(stream: &UnixStream) -> usize {
        let mut n: libc::c_int = 0;
        // Safety: FIONREAD writes one int through the pointer; the descriptor is open.
        let rc = unsafe { libc::ioctl(stream.as_raw_fd(), libc::FIONREAD, &mut n) };
        assert_eq!(rc, 0, "ioctl(FIONREAD) failed");
        n as usize
    }

    /// Writes `bytes` from the raw end, then waits until the reading end has taken them all
    /// (or its reader has ended): what comes next arrives in a later read (a sender that
    /// pauses mid-message).
    fn write_then_pause<T>(
        raw: &mut UnixStream,
        watch: &UnixStream,
        reader: &thread::JoinHandle<T>,
        bytes: &[u8],
    ) {
        raw.write_all(bytes).expect("the test's raw write failed");
        eventually(PATIENCE, || unread(watch) == 0 || reader.is_finished());
    }

    /// A frame as the wire carries it: the length in 4 big-endian bytes, then the bytes.
    fn frame(message: &[u8]) -> Vec<u8> {
        let mut framed = (message.len() as u32).to_be_bytes().to_vec();
        framed.extend_from_slice(message);
        framed
    }

    fn hex(bytes: &[u8]) -> String {
        let shown: Vec<String> = bytes.iter().take(12).map(|b| format!("{b:02x}")).collect();
        let more = if bytes.len() > 12 { " ..." } else { "" };
        format!("[{}{more}]", shown.join(" "))
    }

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
    fn send_frames_each_message_as_a_big_endian_length_and_its_bytes() {
        within(|| {
            let (end, mut raw) = UnixStream::pair().expect("socketpair failed");
            let mut end = Connection::from(end);
            let messages = [b"abc".to_vec(), Vec::new(), vec![7; 300]];
            for message in &messages {
                end.send(message).expect("send failed");
            }
            drop(end);
            let mut wire = Vec::new();
            raw.read_to_end(&mut wire)
                .expect("the test's raw read failed");
            let expected: Vec<u8> = messages.iter().flat_map(|m| frame(m)).collect();
            assert!(
                wire == expected,
                "wire format: each message goes out as its length in 4 big-endian bytes \
                 (`u32::to_be_bytes`), then its bytes, so the other end may frame by hand: \
                 sending \"abc\", \"\" and 300 bytes must write {} ({} bytes), got {} ({} bytes)",
                hex(&expected),
                expected.len(),
                hex(&wire),
                wire.len()
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
    fn messages_of_every_size_go_back_and_forth() {
        within(|| {
            let (mut here, mut there) = pipe().expect("pipe() failed");
            let echo = thread::spawn(move || -> io::Result<usize> {
                let mut echoed = 0;
                while let Some(message) = there.recv()? {
                    there.send(&message)?;
                    echoed += 1;
                }
                Ok(echoed)
            });
            // Sizes around a socket's buffer and some that divide nothing evenly.
            let mut rng = grading::fastrand::Rng::with_seed(0xd091);
            let mut sizes = vec![0, 1, 3, 4, 5, 65_535, 65_536, 65_537, 300_001];
            sizes.extend((0..12).map(|_| rng.usize(0..100_000)));
            for (i, &len) in sizes.iter().enumerate() {
                let sent: Vec<u8> = (0..len).map(|j| (j * 7 + i) as u8).collect();
                here.send(&sent)
                    .unwrap_or_else(|e| panic!("send of {len} bytes failed: {e}"));
                match here.recv() {
                    Ok(Some(back)) => assert!(
                        back == sent,
                        "a message of {len} bytes came back as {} bytes: read until the whole \
                         framed length is in, and write all of it (`write_all`)",
                        back.len()
                    ),
                    Ok(None) => panic!("the echo end closed after a message of {len} bytes"),
                    Err(e) => panic!("recv failed after sending {len} bytes: {e}"),
                }
            }
            drop(here);
            let echoed = echo
                .join()
                .expect("the echo end panicked")
                .expect("the echo end failed");
            assert_eq!(
                echoed,
                sizes.len(),
                "every message must arrive exactly once"
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
            let got = match right.recv() {
                Ok(Some(got)) => got,
                Ok(None) => panic!("recv returned None while a 1 MiB message was on its way"),
                Err(e) => panic!(
                    "the 1 MiB message was cut short ({e}): the sender must write all of it \
                     (`write_all`: one write may take only part of a large message), and the \
                     receiver must read until the whole length is in"
                ),
            };
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
    fn a_client_that_talks_before_it_closes() {
        within(|| {
            let (mut client, end) = UnixStream::pair().expect("socketpair failed");
            // The same socket as the server's end: lets the test see what recv has taken.
            let watch = end.try_clone().expect("cannot clone a socket");
            let mut server = Connection::from(end);
            let serving = thread::spawn(move || -> io::Result<Vec<Vec<u8>>> {
                let mut got = Vec::new();
                while let Some(message) = server.recv()? {
                    got.push(message);
                }
                // The client closed its sending side only: the server may still answer.
                server.send(format!("{} messages", got.len()).as_bytes())?;
                Ok(got)
            });
            // The first frame arrives in three pieces, each read before the next is sent.
            let hello = frame(b"hello");
            write_then_pause(&mut client, &watch, &serving, &hello[..2]);
            write_then_pause(&mut client, &watch, &serving, &hello[2..7]);
            write_then_pause(&mut client, &watch, &serving, &hello[7..]);
            client.write_all(&frame(b"")).unwrap();
            client.write_all(&frame(b"bye")).unwrap();
            client
                .shutdown(Shutdown::Write)
                .expect("cannot shut down the client's sending side");
            let served = serving.join().expect("the server end panicked");
            // The server's end is closed now, so reading its answer cannot hang.
            drop(watch);
            let mut reply = Vec::new();
            client
                .read_to_end(&mut reply)
                .expect("the test could not read the server's answer");
            let got = match served {
                Ok(got) => got,
                Err(e) if e.kind() == ErrorKind::UnexpectedEof => panic!(
                    "recv failed with {e} on a message sent in pieces (a header, then part of \
                     a message, each read before the rest was sent): keep reading until all 4 \
                     header bytes, then the whole message, are in"
                ),
                Err(e) => panic!("the server end failed: {e}"),
            };
            assert_eq!(
                got,
                [b"hello".to_vec(), Vec::new(), b"bye".to_vec()],
                "short reads: a message that arrives in pieces (its header too) must come out \
                 whole; one read returns only what has arrived so far"
            );
            assert!(
                reply == frame(b"3 messages"),
                "after recv returned None (the client closed its sending side), send must still \
                 work: None means the other end has finished sending, nothing more; the \
                 server's framed answer should be {}, got {}",
                hex(&frame(b"3 messages")),
                hex(&reply)
            );
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
    fn a_header_cut_short_is_an_error() {
        within(|| {
            let (mut raw, end) = UnixStream::pair().expect("socketpair failed");
            let mut end = Connection::from(end);
            // Two of a header's four bytes, then end-of-file.
            raw.write_all(&[0, 0]).unwrap();
            drop(raw);
            match end.recv() {
                Err(_) => {}
                Ok(None) => panic!(
                    "a header cut short (2 of its 4 bytes, then end-of-file) must be an error, \
                     not a clean None: end-of-file is clean only before the first byte of a header"
                ),
                Ok(Some(m)) => panic!(
                    "recv() returned a message of {} bytes from 2 bytes of a header followed by \
                     end-of-file; that is an error (the message was cut short)",
                    m.len()
                ),
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
            for attempt in ["first", "second"] {
                match right.recv() {
                    Ok(None) => {}
                    Ok(Some(m)) => panic!(
                        "end-of-file: expected None after the other end closed, got a message of {} bytes",
                        m.len()
                    ),
                    Err(e) => panic!(
                        "end-of-file: after the other end is closed, recv() must return Ok(None) \
                         (the {attempt} time too), not an error ({e})"
                    ),
                }
            }
        });
    }

    /// How many times the test's signal handler ran.
    static SIGNALS: AtomicUsize = AtomicUsize::new(0);

    extern "C" fn count_signal(_: libc::c_int) {
        SIGNALS.fetch_add(1, Ordering::SeqCst);
    }

    /// Installs a SIGUSR1 handler without SA_RESTART: a blocking read or write it interrupts
    /// fails with EINTR (or returns what it did so far), as in any program that handles signals.
    fn handle_signals() {
        static HANDLER: Once = Once::new();
        HANDLER.call_once(|| {
            let action = SigAction::new(
                SigHandler::Handler(count_signal),
                SaFlags::empty(),
                SigSet::empty(),
            );
            // Safety: the handler only increments an atomic, which is async-signal-safe.
            unsafe { sigaction(Signal::SIGUSR1, &action) }
                .expect("cannot install a SIGUSR1 handler");
        });
    }

    /// Sends SIGUSR1 to `thread` (blocked in a system call) and waits until the handler ran.
    fn interrupt<T>(thread: &thread::JoinHandle<T>) {
        let before = SIGNALS.load(Ordering::SeqCst);
        // Safety: the thread is alive (its JoinHandle is not joined yet).
        let rc = unsafe { libc::pthread_kill(thread.as_pthread_t(), libc::SIGUSR1) };
        assert_eq!(rc, 0, "pthread_kill failed");
        eventually(PATIENCE, || SIGNALS.load(Ordering::SeqCst) > before);
    }

    #[test]
    fn a_signal_during_recv_is_not_an_error() {
        within(|| {
            handle_signals();
            let (mut raw, end) = UnixStream::pair().expect("socketpair failed");
            let watch = end.try_clone().expect("cannot clone a socket");
            let mut end = Connection::from(end);
            let (tid_tx, tid) = mpsc::channel();
            let reader = thread::spawn(move || {
                tid_tx.send(task::current()).unwrap();
                end.recv()
            });
            let tid = tid.recv().expect("the reader thread did not start");
            // Half a header, then the reader must be blocked in its read for the rest.
            raw.write_all(&[0, 0]).unwrap();
            let blocked = eventually(PATIENCE, || {
                (unread(&watch) == 0 && task::blocked_in_io(tid)) || reader.is_finished()
            });
            if blocked && !reader.is_finished() {
                interrupt(&reader);
            }
            raw.write_all(&[0, 5]).unwrap();
            raw.write_all(b"hello").unwrap();
            // End-of-file after the message: a reader that wants more fails instead of hanging.
            drop(raw);
            match reader.join().expect("the reader panicked") {
                Ok(Some(m)) => assert_eq!(
                    m, b"hello",
                    "a message read across a signal arrived corrupted"
                ),
                Err(e) if e.kind() == ErrorKind::Interrupted => panic!(
                    "a signal interrupted recv's read (Interrupted, EINTR) and recv gave up: an \
                     interrupted read has read nothing, so read again (`read_exact` does; a loop \
                     of your own must retry `ErrorKind::Interrupted`)"
                ),
                other => panic!(
                    "recv returned {other:?} for a message whose header was interrupted by a \
                     signal halfway through"
                ),
            }
        });
    }

    #[test]
    fn a_signal_during_send_does_not_cut_the_message() {
        within(|| {
            handle_signals();
            let (mut left, mut right) = pipe().expect("pipe() failed");
            let sent: Vec<u8> = (0..(1u32 << 20)).map(|i| (i % 241) as u8).collect();
            let copy = sent.clone();
            let (tid_tx, tid) = mpsc::channel();
            let sender = thread::spawn(move || {
                tid_tx.send(task::current()).unwrap();
                left.send(&copy)
            });
            let tid = tid.recv().expect("the sender thread did not start");
            // Nobody reads yet: the socket's buffer fills up and send blocks in a write, where
            // the signal interrupts it. That write returns the part it took, or EINTR.
            let blocked = eventually(PATIENCE, || {
                task::blocked_in_io(tid) || sender.is_finished()
            });
            if blocked && !sender.is_finished() {
                interrupt(&sender);
            }
            let got = right.recv();
            let sent_whole = sender.join().expect("the sender panicked");
            match got {
                Ok(Some(got)) if got == sent => {}
                Ok(Some(got)) => panic!(
                    "a 1 MiB message sent across a signal arrived as {} bytes, corrupted",
                    got.len()
                ),
                Ok(None) => panic!("recv returned None while a 1 MiB message was on its way"),
                Err(e) => panic!(
                    "the message was cut short ({e}) after a signal interrupted send's write \
                     (send returned {sent_whole:?}): one write may take only part of a message, \
                     or fail with Interrupted, so write all of it with `write_all`"
                ),
            }
            sent_whole.expect("send failed");
        });
    }

    #[test]
    fn a_failed_read_is_reported_not_retried() {
        within(|| {
            let (end, _raw) = UnixStream::pair().expect("socketpair failed");
            // A read timeout makes the socket's reads fail (WouldBlock) when nothing arrives.
            end.set_read_timeout(Some(Duration::from_millis(20)))
                .expect("cannot set a read timeout");
            let mut end = Connection::from(end);
            let (done_tx, done) = mpsc::channel();
            let reader = thread::spawn(move || {
                let result = end.recv();
                let _ = done_tx.send(());
                result
            });
            match done.recv_timeout(PATIENCE) {
                Ok(()) => {}
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    // It panicked: pass its panic on (a `todo!()` included).
                    std::panic::resume_unwind(reader.join().unwrap_err())
                }
                Err(mpsc::RecvTimeoutError::Timeout) => panic!(
                    "recv kept retrying a read that failed (here the socket's read timeout \
                     expired: WouldBlock): retry only a read that was Interrupted, and return \
                     every other error to the caller"
                ),
            }
            match reader.join().expect("the reader panicked") {
                Err(_) => {}
                Ok(got) => panic!(
                    "recv returned Ok({got:?}) though nothing arrived and its read failed (read \
                     timeout): an I/O error must come back as Err, and None means end-of-file"
                ),
            }
        });
    }
}

mod channels {
    use super::*;
    use grading::{Rendezvous, ThreadLog};
    use pipes::channels::{consume, gather, produce};
    use std::collections::BTreeMap;
    use std::panic;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::mpsc::{self, Sender, TryRecvError};
    use std::sync::{Arc, Barrier, Mutex};
    use std::thread;

    type Producer = Box<dyn FnOnce(Sender<u64>) + Send>;

    /// Calls `gather` on a thread of its own and returns what `join` gives (its items, or its
    /// panic); fails, naming the likely causes, if it has not returned within [`PATIENCE`]:
    /// these producers finish at once.
    fn gather_in_time<F>(producers: Vec<F>) -> std::thread::Result<Vec<u64>>
    where
        F: FnOnce(Sender<u64>) + Send + 'static,
    {
        let (done_tx, done) = mpsc::channel();
        let call = thread::spawn(move || {
            let got = gather(producers);
            let _ = done_tx.send(());
            got
        });
        match done.recv_timeout(PATIENCE) {
            Ok(()) | Err(mpsc::RecvTimeoutError::Disconnected) => call.join(),
            Err(mpsc::RecvTimeoutError::Timeout) => panic!(
                "did not finish: gather had not returned after {} s, though its producers finish \
                 at once — the channel never closed: a `Sender` is still alive (drop the \
                 original after cloning it for the producers), or the loop does not end when \
                 the channel closes",
                PATIENCE.as_secs()
            ),
        }
    }

    /// [`gather_in_time`] for producers that do not panic: passes a panic on (a `todo!()`).
    fn gather_ok<F>(producers: Vec<F>) -> Vec<u64>
    where
        F: FnOnce(Sender<u64>) + Send + 'static,
    {
        gather_in_time(producers).unwrap_or_else(|payload| panic::resume_unwind(payload))
    }

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
    fn a_producer_with_nothing_to_send_still_sends_its_end_marker() {
        within(|| {
            let (tx, rx) = mpsc::channel();
            thread::spawn(move || produce(Vec::new(), tx))
                .join()
                .expect("produce panicked");
            let sent: Vec<Option<u64>> = rx.try_iter().collect();
            assert_eq!(
                sent,
                [None],
                "end marker missing: a producer with no items must still send its one None, or \
                 the consumer waits for it forever"
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
    fn no_producers_means_nothing_to_read() {
        within(|| {
            let (tx, rx) = mpsc::channel();
            tx.send(Some(7)).unwrap();
            let got = consume(&rx, 0);
            assert!(
                got.is_empty(),
                "with no producers there is no end marker to wait for: consume must return at \
                 once, got {got:?}"
            );
            assert_eq!(
                rx.try_recv(),
                Ok(Some(7)),
                "the consumer read past the last end marker: with 0 producers it must not read at all"
            );
        });
    }

    #[test]
    fn the_consumer_waits_through_a_producer_that_pauses() {
        within(|| {
            let (tx, rx) = mpsc::channel();
            // Producer A: everything at once. Producer B: two items, a pause, the rest. Both
            // are queued before the consumer starts, so it sleeps only once it has run dry.
            for message in [Some(1), Some(2), Some(3), None, Some(10), Some(11)] {
                tx.send(message).unwrap();
            }
            let returned = Arc::new(AtomicBool::new(false));
            let (tid_tx, tid) = mpsc::channel();
            let consumer = {
                let returned = Arc::clone(&returned);
                thread::spawn(move || {
                    tid_tx.send(task::current()).unwrap();
                    let got = consume(&rx, 2);
                    returned.store(true, Ordering::SeqCst);
                    got
                })
            };
            let tid = tid.recv().expect("the consumer thread did not start");
            // B pauses until the consumer has run dry and sleeps in recv (or gave up).
            grading::procfs::eventually(PATIENCE, || {
                task::state(tid) == Some('S')
                    || returned.load(Ordering::SeqCst)
                    || consumer.is_finished()
            });
            for message in [Some(12), Some(13), None] {
                // A consumer that already left has dropped the receiver: nothing to do then.
                let _ = tx.send(message);
            }
            let got = consumer.join().expect("consume panicked");
            assert_eq!(
                got,
                [1, 2, 3, 10, 11, 12, 13],
                "lost items: a producer paused in the middle of its stream and the consumer \
                 stopped; consume must wait (a blocking recv) until it has one end marker per \
                 producer, not stop when the channel is momentarily empty or at the first None"
            );
        });
    }

    #[test]
    fn nothing_is_lost_between_live_producers_and_the_consumer() {
        within(|| {
            let (tx, rx) = mpsc::channel();
            // Uneven amounts, one producer with nothing at all, all started together.
            let mut rng = grading::fastrand::Rng::with_seed(0xc4a7);
            let counts: Vec<u64> = [0, 1, 500]
                .into_iter()
                .chain((0..3).map(|_| rng.u64(1..700)))
                .collect();
            let start = Arc::new(Barrier::new(counts.len()));
            let producers: Vec<_> = counts
                .iter()
                .enumerate()
                .map(|(p, &count)| {
                    let (tx, start) = (tx.clone(), Arc::clone(&start));
                    let p = p as u64;
                    thread::spawn(move || {
                        start.wait();
                        produce((0..count).map(|i| p * 1_000 + i).collect(), tx)
                    })
                })
                .collect();
            let got = consume(&rx, counts.len());
            for producer in producers {
                producer.join().expect("a producer panicked");
            }
            let total: u64 = counts.iter().sum();
            assert_eq!(
                got.len() as u64,
                total,
                "lost items: expected {total} items from {} producers sending {counts:?}, got {}",
                counts.len(),
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
                    (0..counts[p as usize]).collect::<Vec<_>>(),
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
            let first: Producer = Box::new(move |tx| {
                for i in 0..100 {
                    tx.send(i).unwrap();
                }
                drop(tx);
                gate_open.send(()).unwrap();
            });
            let second: Producer = Box::new(move |tx| {
                gate.recv().unwrap();
                for i in 100..200 {
                    tx.send(i).unwrap();
                }
            });
            let mut got = gather_ok(vec![first, second]);
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
            let log = Arc::new(ThreadLog::new());
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
            // On this thread: the check below tells the consumer's thread from the producers'.
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

    #[test]
    fn producers_run_at_the_same_time() {
        within(|| {
            let meet = Arc::new(Rendezvous::new(3, PATIENCE));
            let met = Arc::new(Mutex::new(Vec::new()));
            let producers: Vec<_> = (0..3u64)
                .map(|p| {
                    let (meet, met) = (Arc::clone(&meet), Arc::clone(&met));
                    move |tx: Sender<u64>| {
                        tx.send(p).unwrap();
                        // Once one producer waited in vain, the others need not wait too.
                        let failed = met.lock().unwrap().contains(&false);
                        let together = !failed && meet.arrive();
                        met.lock().unwrap().push(together);
                    }
                })
                .collect();
            // Directly: a producer waiting in vain at the rendezvous takes the suite's patience.
            let mut got = gather(producers);
            got.sort_unstable();
            assert_eq!(got, [0, 1, 2], "lost items");
            assert!(
                met.lock().unwrap().iter().all(|&together| together),
                "the producers did not run at the same time (concurrency): start every producer \
                 thread before joining any (a join inside the spawn loop runs them one after \
                 another), and do not run them from the consumer's loop"
            );
        });
    }

    #[test]
    fn gather_keeps_the_arrival_order() {
        within(|| {
            // One producer, values in no particular order and with repeats: what it sent, in
            // that order, is what arrives.
            let mut rng = grading::fastrand::Rng::with_seed(0x0a11);
            let sent: Vec<u64> = (0..300).map(|_| rng.u64(0..50)).collect();
            let copy = sent.clone();
            let producer: Producer = Box::new(move |tx| {
                for item in copy {
                    tx.send(item).unwrap();
                }
            });
            let got = gather_ok(vec![producer]);
            assert!(
                got == sent,
                "gather must return the items in the order they arrived, repeats included \
                 (no sorting, no set): got {} items where {} were sent",
                got.len(),
                sent.len()
            );
        });
    }

    #[test]
    fn gather_waits_through_a_producer_that_pauses() {
        within(|| {
            let consumer = task::current();
            let pausing: Producer = Box::new(move |tx| {
                for i in 0..5 {
                    tx.send(i).unwrap();
                }
                // Pause until the consumer has run dry and sleeps (seen twice in a row).
                let mut seen = false;
                grading::procfs::eventually(PATIENCE, || {
                    let asleep = task::state(consumer) == Some('S');
                    let twice = asleep && seen;
                    seen = asleep;
                    twice
                });
                for i in 5..10 {
                    tx.send(i).unwrap();
                }
            });
            let got = gather(vec![pausing]);
            assert_eq!(
                got,
                (0..10).collect::<Vec<_>>(),
                "lost items: a producer paused halfway and gather stopped collecting; collect \
                 until the channel closes (`rx.iter()`, a blocking `recv`), not just what is \
                 there at the moment (`try_iter`, `try_recv`)"
            );
        });
    }

    #[test]
    fn gather_with_no_producers_returns_nothing() {
        within(|| {
            let got = gather_ok(Vec::<Producer>::new());
            assert!(got.is_empty(), "no producer sent anything, got {got:?}");
        });
    }

    #[test]
    fn a_producer_that_panics_makes_gather_panic() {
        within(|| {
            let fine: Producer = Box::new(|tx| {
                for i in 0..10 {
                    tx.send(i).unwrap();
                }
            });
            let failing: Producer = Box::new(|tx| {
                tx.send(100).unwrap();
                panic!("producer 1 failed halfway");
            });
            match gather_in_time(vec![fine, failing]) {
                Err(payload) => drop(unless_todo(payload)),
                Ok(items) => panic!(
                    "a producer panicked, yet gather returned {} items as if all went well: join \
                     every producer thread and pass its panic on (`join().expect(..)`); a lost \
                     panic hides the items that producer never sent",
                    items.len()
                ),
            }
        });
    }
}
