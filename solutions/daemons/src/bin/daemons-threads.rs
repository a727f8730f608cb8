//! The program the `daemon_threads` tests run: a daemon thread ticks every 20 ms forever,
//! a non-daemon worker waits for a line on stdin, then the main thread shuts down.

use std::io::{self, BufRead};
use std::thread;
use std::time::Duration;

use daemons::daemon_threads::Threads;

fn main() {
    let mut threads = Threads::new();
    threads.spawn("ticker", true, || {
        for n in 1.. {
            println!("tick {n}");
            thread::sleep(Duration::from_millis(20));
        }
    });
    threads.spawn("worker", false, || {
        let _ = io::stdin().lock().read_line(&mut String::new());
        println!("worker done");
    });
    println!("main finishing");
    threads.shutdown();
    println!("main exit");
}
