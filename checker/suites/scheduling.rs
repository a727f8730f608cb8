//! Grading suite for the `scheduling` topic.
//!
//! Pure logic, no OS: each simulator is checked against worked examples (hand-computed, in the
//! style of OSTEP's `scheduler.py` homework) and against properties every correct scheduler
//! has, on random jobs from a small seeded generator (the same jobs every run).

use grading::within;
use scheduling::model::{Job, State, context_switches, mean};

/// A tiny deterministic generator (xorshift64*), so the random cases are the same every run.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u32) -> u32 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 33) as u32 % n
    }

    /// Between 1 and `max_jobs` jobs; arrivals in 0..`spread`, bursts 1..=8, priorities 0..3.
    fn jobs(&mut self, max_jobs: u32, spread: u32) -> Vec<Job> {
        let n = 1 + self.below(max_jobs);
        (0..n)
            .map(|_| Job::new(self.below(spread), 1 + self.below(8)).priority(self.below(3)))
            .collect()
    }

    /// Like [`Rng::jobs`], and some jobs wait for I/O once or twice.
    fn jobs_with_io(&mut self, max_jobs: u32, spread: u32) -> Vec<Job> {
        let mut jobs = self.jobs(max_jobs, spread);
        for job in &mut jobs {
            let mut after = 0;
            while job.burst - after > 1 && self.below(2) == 0 {
                after += 1 + self.below(job.burst - after - 1);
                job.io.push(scheduling::model::IoBlock {
                    after,
                    duration: 1 + self.below(4),
                });
            }
        }
        jobs
    }
}

/// Renders a timeline as `AAB.C` (`.` for idle), for readable failure messages.
fn show(timeline: &[Option<usize>]) -> String {
    timeline
        .iter()
        .map(|t| t.map_or('.', |i| (b'A' + i as u8) as char))
        .collect()
}

/// Problems shared by every scheduler's timeline: running before arrival, wrong amount of
/// CPU, an idle CPU while a job waits. Returns the first one found.
fn timeline_problem(
    jobs: &[Job],
    timeline: &[Option<usize>],
    ready: impl Fn(u32) -> Vec<usize>,
) -> Option<String> {
    let tl = show(timeline);
    for (t, slot) in timeline.iter().enumerate() {
        if let Some(i) = *slot {
            if i >= jobs.len() {
                return Some(format!(
                    "timeline {tl}: tick {t} names job {i}, which does not exist"
                ));
            }
            if (t as u32) < jobs[i].arrival {
                return Some(format!(
                    "job {i} ran before it arrived: it ran in tick {t} but arrives at {} (timeline {tl})",
                    jobs[i].arrival
                ));
            }
        } else if let Some(waiting) = ready(t as u32).first() {
            return Some(format!(
                "not work-conserving: the CPU was idle in tick {t} while job {waiting} was ready (timeline {tl})"
            ));
        }
    }
    for (i, job) in jobs.iter().enumerate() {
        let got = timeline.iter().filter(|s| **s == Some(i)).count() as u32;
        if got != job.burst {
            return Some(format!(
                "job {i} needs {} ticks of CPU but got {got} (timeline {tl})",
                job.burst
            ));
        }
    }
    if timeline.last().is_some_and(Option::is_none) {
        return Some(format!(
            "the timeline must end with the last job's last tick, not idle ({tl})"
        ));
    }
    None
}

mod process_states {
    use super::*;
    use scheduling::process_states::{Context, Event, IllegalTransition, Pcb, context_switch};

    #[test]
    fn a_process_goes_through_its_life() {
        within(|| {
            let mut pcb = Pcb::new(7);
            assert_eq!(pcb.state, State::New, "a new PCB starts in the New state");
            let life = [
                (Event::Admit, State::Ready),
                (Event::Dispatch, State::Running),
                (Event::WaitIo, State::Blocked),
                (Event::IoDone, State::Ready),
                (Event::Dispatch, State::Running),
                (Event::Preempt, State::Ready),
                (Event::Dispatch, State::Running),
                (Event::Exit, State::Terminated),
            ];
            let mut dispatched = 0;
            for (event, expected) in life {
                let from = pcb.state;
                assert_eq!(
                    pcb.apply(event),
                    Ok(expected),
                    "process states: {event:?} in state {from:?} must lead to {expected:?}"
                );
                assert_eq!(
                    pcb.state, expected,
                    "the PCB must record the new state after {event:?}"
                );
                dispatched += u32::from(event == Event::Dispatch);
                assert_eq!(
                    pcb.dispatches, dispatched,
                    "after {event:?} ({from:?} → {expected:?}) the PCB must count {dispatched} \
                     dispatches: it counts the times the process was given the CPU (Ready → \
                     Running), and nothing else"
                );
            }
            assert_eq!(
                (pcb.pid, pcb.context),
                (7, Context::default()),
                "state changes alone must not touch the pid or the saved registers"
            );
        });
    }

    #[test]
    fn impossible_transitions_are_refused() {
        within(|| {
            let at = |state: State| driven_to(1, state);
            let why = |from: State, event: Event| match (from, event) {
                (State::Blocked, Event::Dispatch) => {
                    "a blocked process cannot be dispatched: its I/O must finish first (IoDone → Ready)"
                }
                (State::Blocked, _) => {
                    "a blocked process only leaves Blocked when its I/O is done, to Ready"
                }
                (State::Terminated, _) => "a terminated process never runs again",
                (State::New, _) => "a new process must be admitted (Ready) before anything else",
                (State::Ready, _) => "a ready process can only be dispatched",
                (State::Running, _) => "illegal transition",
            };
            let all = [
                Event::Admit,
                Event::Dispatch,
                Event::Preempt,
                Event::WaitIo,
                Event::IoDone,
                Event::Exit,
            ];
            let legal = [
                (State::New, Event::Admit),
                (State::Ready, Event::Dispatch),
                (State::Running, Event::Preempt),
                (State::Running, Event::WaitIo),
                (State::Blocked, Event::IoDone),
                (State::Running, Event::Exit),
            ];
            for from in [
                State::New,
                State::Ready,
                State::Running,
                State::Blocked,
                State::Terminated,
            ] {
                for event in all {
                    if legal.contains(&(from, event)) {
                        continue;
                    }
                    let mut pcb = at(from);
                    let before = pcb.clone();
                    assert_eq!(
                        pcb.apply(event),
                        Err(IllegalTransition { from, event }),
                        "illegal transition accepted: {event:?} in state {from:?} — {}",
                        why(from, event)
                    );
                    assert_eq!(
                        pcb, before,
                        "a refused transition must leave the PCB unchanged"
                    );
                }
            }
        });
    }

    #[test]
    fn a_context_switch_saves_and_restores_registers() {
        within(|| {
            let mut a = Pcb::new(1);
            let mut b = Pcb::new(2);
            for pcb in [&mut a, &mut b] {
                pcb.apply(Event::Admit).unwrap();
            }
            b.context = Context {
                program_counter: 0xB000,
                registers: [20, 21, 22, 23],
            };
            a.apply(Event::Dispatch).unwrap();
            // A has been running: the CPU holds its registers, not yet its PCB.
            let mut cpu = Context {
                program_counter: 0xA042,
                registers: [1, 2, 3, 4],
            };

            context_switch(&mut cpu, &mut a, &mut b).expect("A running, B ready: a legal switch");
            assert_eq!(
                (a.pid, b.pid),
                (1, 2),
                "a context switch must not change the processes' ids"
            );
            assert_eq!(
                a.context,
                Context {
                    program_counter: 0xA042,
                    registers: [1, 2, 3, 4]
                },
                "context switch: A's registers were not saved into its PCB, so A cannot resume where it stopped"
            );
            assert_eq!(
                cpu.program_counter, 0xB000,
                "context switch: the CPU must now hold B's saved registers"
            );
            assert_eq!(
                cpu, b.context,
                "context switch: the CPU must now hold B's saved registers"
            );
            assert_eq!(
                (a.state, b.state),
                (State::Ready, State::Running),
                "after the switch A is Ready and B Running"
            );

            cpu.program_counter = 0xB010;
            context_switch(&mut cpu, &mut b, &mut a).expect("switching back is legal");
            assert_eq!(
                cpu.program_counter, 0xA042,
                "context switch: A must resume exactly where it was preempted"
            );
            assert_eq!(
                b.context.program_counter, 0xB010,
                "context switch: B's progress must be saved too"
            );
            assert_eq!(
                (a.dispatches, b.dispatches),
                (2, 1),
                "each switch dispatches one process"
            );
        });
    }

    /// A new PCB driven to `state` through legal events.
    fn driven_to(pid: u32, state: State) -> Pcb {
        let mut pcb = Pcb::new(pid);
        let path: &[Event] = match state {
            State::New => &[],
            State::Ready => &[Event::Admit],
            State::Running => &[Event::Admit, Event::Dispatch],
            State::Blocked => &[Event::Admit, Event::Dispatch, Event::WaitIo],
            State::Terminated => &[Event::Admit, Event::Dispatch, Event::Exit],
        };
        for e in path {
            pcb.apply(*e).expect("a legal transition");
        }
        pcb
    }

    /// A PCB driven to `state` through legal events, with registers of its own.
    fn pcb_in(pid: u32, state: State) -> Pcb {
        let mut pcb = driven_to(pid, state);
        pcb.context = Context {
            program_counter: u64::from(pid) * 0x1000,
            registers: [u64::from(pid); 4],
        };
        pcb
    }

    #[test]
    fn a_refused_switch_changes_nothing_and_names_the_refused_transition() {
        within(|| {
            const STATES: [State; 5] = [
                State::New,
                State::Ready,
                State::Running,
                State::Blocked,
                State::Terminated,
            ];
            for from_state in STATES {
                for to_state in STATES {
                    if (from_state, to_state) == (State::Running, State::Ready) {
                        continue;
                    }
                    let (mut from, mut to) = (pcb_in(1, from_state), pcb_in(2, to_state));
                    let mut cpu = Context {
                        program_counter: 0xC0DE,
                        registers: [9; 4],
                    };
                    let before = (from.clone(), to.clone(), cpu);
                    let result = context_switch(&mut cpu, &mut from, &mut to);
                    // Both transitions are checked; either refusal is a right answer when both
                    // are illegal.
                    let mut refusals = Vec::new();
                    if from_state != State::Running {
                        refusals.push(IllegalTransition {
                            from: from_state,
                            event: Event::Preempt,
                        });
                    }
                    if to_state != State::Ready {
                        refusals.push(IllegalTransition {
                            from: to_state,
                            event: Event::Dispatch,
                        });
                    }
                    match result {
                        Ok(()) => panic!(
                            "a context switch from a {from_state:?} process to a {to_state:?} one \
                             was accepted: only a Running process can be preempted, and only a \
                             Ready one dispatched"
                        ),
                        Err(refused) => assert!(
                            refusals.contains(&refused),
                            "a switch from a {from_state:?} process to a {to_state:?} one must be \
                             refused with the transition that cannot happen, one of {refusals:?}, \
                             but the error was {refused:?}"
                        ),
                    }
                    assert_eq!(
                        (from, to, cpu),
                        before,
                        "a refused context switch ({from_state:?} → {to_state:?}) must change \
                         nothing, neither PCB nor the CPU: check both states before saving, \
                         loading or applying anything"
                    );
                }
            }
        });
    }
}

mod batch {
    use super::*;
    use scheduling::batch::{Policy, metrics, simulate};
    use scheduling::model::Times;

    fn t(turnaround: u32, waiting: u32, response: u32) -> Times {
        Times {
            turnaround,
            waiting,
            response,
        }
    }

    /// The arrived, unfinished jobs in tick `now` of a non-preemptive timeline.
    fn ready_at(jobs: &[Job], timeline: &[Option<usize>], now: u32) -> Vec<usize> {
        (0..jobs.len())
            .filter(|&i| {
                let done = timeline[..now as usize]
                    .iter()
                    .filter(|s| **s == Some(i))
                    .count() as u32;
                jobs[i].arrival <= now && done < jobs[i].burst
            })
            .collect()
    }

    #[test]
    fn fifo_worked_example() {
        within(|| {
            // OSTEP ch. 7: A (100), B (10), C (10) all arrive at 0. FIFO makes B and C wait.
            let jobs = [Job::new(0, 100), Job::new(0, 10), Job::new(0, 10)];
            let timeline = simulate(&jobs, Policy::Fifo);
            let expected: Vec<_> = [(0, 100), (1, 10), (2, 10)]
                .iter()
                .flat_map(|&(j, n)| std::iter::repeat_n(Some(j), n))
                .collect();
            assert_eq!(
                show(&timeline),
                show(&expected),
                "FIFO runs jobs in arrival order, each to the end"
            );
            let times = metrics(&jobs, &timeline);
            assert_eq!(
                times,
                [t(100, 0, 0), t(110, 100, 100), t(120, 110, 110)],
                "FIFO times (turnaround, waiting, response)"
            );
            assert_eq!(
                mean(times.iter().map(|x| x.turnaround)),
                110.0,
                "FIFO mean turnaround is 110"
            );
        });
    }

    #[test]
    fn sjf_worked_examples() {
        within(|| {
            let jobs = [Job::new(0, 100), Job::new(0, 10), Job::new(0, 10)];
            let timeline = simulate(&jobs, Policy::Sjf);
            assert_eq!(
                &show(&timeline)[..21],
                "BBBBBBBBBBCCCCCCCCCCA",
                "SJF runs the shortest jobs first"
            );
            let times = metrics(&jobs, &timeline);
            assert_eq!(
                times,
                [t(120, 20, 20), t(10, 0, 0), t(20, 10, 10)],
                "SJF times (turnaround, waiting, response)"
            );
            assert_eq!(
                mean(times.iter().map(|x| x.turnaround)),
                50.0,
                "SJF mean turnaround is 50"
            );

            // OSTEP fig. 7.4: B and C arrive at 10, while A runs. Non-preemptive: A finishes.
            let jobs = [Job::new(0, 100), Job::new(10, 10), Job::new(10, 10)];
            let timeline = simulate(&jobs, Policy::Sjf);
            let times = metrics(&jobs, &timeline);
            assert_eq!(
                times,
                [t(100, 0, 0), t(100, 90, 90), t(110, 100, 100)],
                "non-preemptive SJF: a job that arrives later never takes the CPU from the running one, \
                 and the scheduler cannot choose a job before it arrived"
            );
        });
    }

    #[test]
    fn priority_worked_example() {
        within(|| {
            // (arrival, burst, priority); smaller priority = more urgent.
            let jobs = [
                Job::new(0, 3).priority(2),
                Job::new(1, 2).priority(0),
                Job::new(1, 4).priority(1),
                Job::new(2, 1).priority(0),
            ];
            let timeline = simulate(&jobs, Policy::Priority);
            assert_eq!(
                show(&timeline),
                "AAABBDCCCC",
                "priority: the smallest priority number runs first (ties: earlier arrival); \
                 A runs alone at first and, without preemption, finishes"
            );
            let times = metrics(&jobs, &timeline);
            assert_eq!(
                times,
                [t(3, 0, 0), t(4, 2, 2), t(9, 5, 5), t(4, 3, 3)],
                "priority times"
            );
        });
    }

    #[test]
    fn ties_and_arrival_order_are_broken_as_documented() {
        within(|| {
            // FIFO is arrival order, not index order: C arrived before A.
            let jobs = [Job::new(2, 1), Job::new(0, 3), Job::new(1, 1)];
            assert_eq!(
                show(&simulate(&jobs, Policy::Fifo)),
                "BBBCA",
                "FIFO: when B finishes, A (arrived at 2) and C (arrived at 1) both wait: the \
                 earliest arrival goes first, whatever the jobs' order in the list"
            );
            // Equal bursts: the earlier arrival first, then the lower index.
            let jobs = [
                Job::new(2, 2),
                Job::new(1, 2),
                Job::new(0, 3),
                Job::new(1, 2),
            ];
            assert_eq!(
                show(&simulate(&jobs, Policy::Sjf)),
                "CCCBBDDAA",
                "SJF ties: A, B and D need 2 ticks each; B and D arrived before A, and B has the \
                 lower index: equal bursts go by arrival, then by index"
            );
            // Equal priorities: the earlier arrival first, then the lower index.
            let jobs = [
                Job::new(2, 1).priority(1),
                Job::new(1, 1).priority(1),
                Job::new(0, 3).priority(5),
                Job::new(1, 1).priority(1),
            ];
            assert_eq!(
                show(&simulate(&jobs, Policy::Priority)),
                "CCCBDA",
                "priority ties: A, B and D have priority 1; B and D arrived before A, and B has \
                 the lower index: equal priorities go by arrival, then by index"
            );
        });
    }

    #[test]
    fn no_jobs_make_an_empty_timeline() {
        within(|| {
            for policy in [Policy::Fifo, Policy::Sjf, Policy::Priority] {
                assert_eq!(
                    simulate(&[], policy),
                    [],
                    "{policy:?} with no jobs: nothing runs, the timeline is empty"
                );
            }
            assert_eq!(metrics(&[], &[]), [], "no jobs, no times");
        });
    }

    #[test]
    fn metrics_on_random_preemptive_timelines() {
        within(|| {
            let mut rng = grading::fastrand::Rng::with_seed(0x5EED_0004);
            for case in 0..300 {
                // Random jobs, run in a random (preemptive, sometimes idle) order.
                let jobs: Vec<Job> = (0..rng.usize(1..=5))
                    .map(|_| Job::new(rng.u32(0..10), rng.u32(1..=6)))
                    .collect();
                let mut left: Vec<u32> = jobs.iter().map(|j| j.burst).collect();
                let mut timeline = Vec::new();
                while left.iter().any(|&l| l > 0) {
                    let now = timeline.len() as u32;
                    let ready: Vec<usize> = (0..jobs.len())
                        .filter(|&i| left[i] > 0 && jobs[i].arrival <= now)
                        .collect();
                    if ready.is_empty() || rng.u8(0..8) == 0 {
                        timeline.push(None);
                    } else {
                        let i = ready[rng.usize(0..ready.len())];
                        left[i] -= 1;
                        timeline.push(Some(i));
                    }
                }
                // The times, counted tick by tick rather than by formula.
                let expected: Vec<Times> = (0..jobs.len())
                    .map(|i| {
                        let ran: Vec<u32> = (0..timeline.len() as u32)
                            .filter(|&t| timeline[t as usize] == Some(i))
                            .collect();
                        let (first, completion) = (ran[0], ran[ran.len() - 1] + 1);
                        let waiting = (jobs[i].arrival..completion)
                            .filter(|&t| timeline[t as usize] != Some(i))
                            .count() as u32;
                        t(
                            completion - jobs[i].arrival,
                            waiting,
                            first - jobs[i].arrival,
                        )
                    })
                    .collect();
                assert_eq!(
                    metrics(&jobs, &timeline),
                    expected,
                    "metrics, case {case}: jobs {jobs:?}, timeline {} — turnaround = last tick + \
                     1 − arrival; waiting = the ticks between arrival and completion spent not \
                     running (turnaround − burst − I/O time), however often the job was \
                     interrupted; response = first tick − arrival",
                    show(&timeline)
                );
            }
        });
    }

    #[test]
    fn idle_gaps_and_metrics_on_a_preemptive_timeline() {
        within(|| {
            let jobs = [Job::new(2, 2), Job::new(6, 1)];
            let timeline = simulate(&jobs, Policy::Fifo);
            assert_eq!(
                show(&timeline),
                "..AA..B",
                "the CPU idles until a job arrives"
            );
            // metrics reads any timeline: here A is preempted, and C waits for I/O (1 tick).
            let jobs = [Job::new(0, 3), Job::new(1, 2), Job::new(0, 2).io(1, 1)];
            let timeline = [
                Some(2),
                Some(0),
                Some(1),
                Some(2),
                Some(0),
                Some(1),
                Some(0),
            ];
            let times = metrics(&jobs, &timeline);
            assert_eq!(
                times,
                [t(7, 4, 1), t(5, 3, 1), t(4, 1, 0)],
                "metrics: turnaround = completion − arrival; waiting = turnaround − burst − I/O time; \
                 response = first run − arrival"
            );
        });
    }

    #[test]
    fn properties_on_random_jobs() {
        within(|| {
            let mut rng = Rng(0x5EED_0001);
            for _ in 0..300 {
                let jobs = rng.jobs(6, 20);
                for policy in [Policy::Fifo, Policy::Sjf, Policy::Priority] {
                    let timeline = simulate(&jobs, policy);
                    if let Some(problem) =
                        timeline_problem(&jobs, &timeline, |now| ready_at(&jobs, &timeline, now))
                    {
                        panic!("{policy:?} on jobs {jobs:?}: {problem}");
                    }
                    // Non-preemptive: each job's ticks are one contiguous run.
                    for (i, job) in jobs.iter().enumerate() {
                        let first = timeline.iter().position(|s| *s == Some(i)).unwrap();
                        let run = timeline[first..]
                            .iter()
                            .take_while(|s| **s == Some(i))
                            .count() as u32;
                        assert_eq!(
                            run,
                            job.burst,
                            "{policy:?} was preemptive: job {i} was interrupted (timeline {})",
                            show(&timeline)
                        );
                    }
                    // At every decision, the chosen job is the best of those that had arrived.
                    let key = |i: usize| match policy {
                        Policy::Fifo => (jobs[i].arrival, 0, i),
                        Policy::Sjf => (jobs[i].burst, jobs[i].arrival, i),
                        Policy::Priority => (jobs[i].priority, jobs[i].arrival, i),
                    };
                    for (now, slot) in timeline.iter().enumerate() {
                        let started = slot.is_some() && (now == 0 || timeline[now - 1] != *slot);
                        if let (true, Some(chosen)) = (started, *slot) {
                            let best = ready_at(&jobs, &timeline, now as u32)
                                .into_iter()
                                .min_by_key(|&i| key(i));
                            assert_eq!(
                                best,
                                Some(chosen),
                                "{policy:?} chose job {chosen} in tick {now}, but among the arrived jobs \
                                 it should choose {best:?} (jobs {jobs:?}, timeline {})",
                                show(&timeline)
                            );
                        }
                    }
                }
            }
        });
    }

    #[test]
    fn sjf_minimises_mean_waiting_when_all_arrive_together() {
        within(|| {
            // Brute force: every order of running the jobs back to back.
            fn best_mean_waiting(bursts: &[u32]) -> f64 {
                fn go(left: &mut Vec<u32>, now: u32, total: u32, best: &mut u32) {
                    if left.is_empty() {
                        *best = (*best).min(total);
                    }
                    for k in 0..left.len() {
                        let b = left.remove(k);
                        go(left, now + b, total + now, best);
                        left.insert(k, b);
                    }
                }
                let mut best = u32::MAX;
                go(&mut bursts.to_vec(), 0, 0, &mut best);
                f64::from(best) / bursts.len() as f64
            }
            let mut rng = Rng(0x5EED_0002);
            for _ in 0..200 {
                let jobs: Vec<Job> = rng.jobs(6, 1);
                let timeline = simulate(&jobs, Policy::Sjf);
                let sjf = mean(metrics(&jobs, &timeline).iter().map(|x| x.waiting));
                let bursts: Vec<u32> = jobs.iter().map(|j| j.burst).collect();
                let best = best_mean_waiting(&bursts);
                assert_eq!(
                    sjf,
                    best,
                    "SJF must minimise the mean waiting time when all jobs arrive together: bursts {bursts:?} \
                     gave {sjf} with timeline {}, but the best order gives {best}",
                    show(&timeline)
                );
            }
        });
    }
}

mod round_robin {
    use super::*;
    use scheduling::round_robin::{Trace, round_robin};

    /// Checks everything a round-robin trace must satisfy; panics naming the first violation.
    fn check(jobs: &[Job], quantum: u32, trace: &Trace) {
        let Trace { timeline, states } = trace;
        let tl = show(timeline);
        assert_eq!(
            states.len(),
            timeline.len(),
            "one row of states per tick of the timeline ({tl})"
        );
        for (t, row) in states.iter().enumerate() {
            assert_eq!(row.len(), jobs.len(), "tick {t}: one state per job");
        }
        let ready = |now: u32| -> Vec<usize> {
            (0..jobs.len())
                .filter(|&i| states[now as usize][i] == State::Ready)
                .collect()
        };
        if let Some(problem) = timeline_problem(jobs, timeline, ready) {
            panic!("round-robin (quantum {quantum}) on {jobs:?}: {problem}");
        }
        let mut used = vec![0u32; jobs.len()];
        for (t, row) in states.iter().enumerate() {
            for (i, state) in row.iter().enumerate() {
                let running = timeline[t] == Some(i);
                assert_eq!(
                    *state == State::Running,
                    running,
                    "tick {t}: job {i} is {state:?} but the timeline says {} ({tl})",
                    if running { "it ran" } else { "it did not run" }
                );
                let expected = match () {
                    _ if (t as u32) < jobs[i].arrival => Some(State::New),
                    _ if used[i] == jobs[i].burst => Some(State::Terminated),
                    _ => None,
                };
                if let Some(expected) = expected {
                    assert_eq!(
                        *state, expected,
                        "tick {t}: job {i} should be {expected:?} (process states; timeline {tl})"
                    );
                }
            }
            if let Some(i) = timeline[t] {
                used[i] += 1;
            }
        }
        // I/O: after `after` ticks of CPU, exactly `duration` ticks Blocked, then not Blocked.
        for (i, job) in jobs.iter().enumerate() {
            let mut cpu = 0;
            for (t, slot) in timeline.iter().enumerate() {
                if *slot != Some(i) {
                    continue;
                }
                cpu += 1;
                if let Some(block) = job.io.iter().find(|b| b.after == cpu) {
                    for k in 1..=block.duration as usize {
                        let state = states.get(t + k).map(|row| row[i]);
                        assert!(
                            state.is_none() || state == Some(State::Blocked),
                            "job {i} must be Blocked on I/O in tick {} (it started I/O after tick {t}) but is {state:?}: \
                             a job waiting for I/O cannot run or be ready (timeline {tl})",
                            t + k
                        );
                    }
                    if let Some(row) = states.get(t + block.duration as usize + 1) {
                        assert_ne!(
                            row[i],
                            State::Blocked,
                            "job {i} stayed Blocked after its I/O ended ({tl})"
                        );
                    }
                }
            }
            let blocked = states.iter().filter(|row| row[i] == State::Blocked).count() as u32;
            assert_eq!(
                blocked,
                job.io_ticks(),
                "job {i} must be Blocked exactly as long as its I/O lasts ({tl})"
            );
        }
        // The quantum: a run longer than the quantum is only allowed when nobody else is ready
        // at the moment the quantum expires.
        let mut start = 0;
        while start < timeline.len() {
            let job = timeline[start];
            let len = timeline[start..].iter().take_while(|s| **s == job).count();
            if let Some(j) = job {
                let mut boundary = start + quantum as usize;
                while boundary < start + len {
                    let others: Vec<usize> = ready(boundary as u32)
                        .into_iter()
                        .filter(|&k| k != j)
                        .collect();
                    assert!(
                        others.is_empty(),
                        "quantum exceeded: job {j} ran more than {quantum} ticks in a row (from tick {start}) while \
                         job {} was ready in tick {boundary} (timeline {tl})",
                        others[0]
                    );
                    boundary += quantum as usize;
                }
            }
            start += len;
        }
    }

    /// The trace the module doc's rules give, computed independently of the student's code: each
    /// job's phase is explicit, and every rule of a tick is one step below.
    fn expected_trace(jobs: &[Job], quantum: u32) -> Trace {
        #[derive(Clone, Copy, PartialEq)]
        enum Phase {
            New,
            Ready,
            Running,
            /// Blocked on I/O; ready again in the given tick.
            Blocked(u32),
            Done,
        }
        let n = jobs.len();
        let mut phase = vec![Phase::New; n];
        let mut cpu = vec![0u32; n];
        let mut queue = std::collections::VecDeque::new();
        let mut current: Option<usize> = None;
        let mut slice = 0;
        let mut trace = Trace {
            timeline: Vec::new(),
            states: Vec::new(),
        };
        let mut t = 0;
        while phase.iter().any(|p| *p != Phase::Done) {
            // 1. Arrivals, by index.
            for i in 0..n {
                if phase[i] == Phase::New && jobs[i].arrival == t {
                    phase[i] = Phase::Ready;
                    queue.push_back(i);
                }
            }
            // 2. I/O returns, by index.
            for (i, p) in phase.iter_mut().enumerate() {
                if *p == Phase::Blocked(t) {
                    *p = Phase::Ready;
                    queue.push_back(i);
                }
            }
            // 3. The running job whose quantum is used up goes to the back.
            if let Some(i) = current.filter(|_| slice == quantum) {
                phase[i] = Phase::Ready;
                queue.push_back(i);
                current = None;
            }
            // 4. A free CPU takes the head of the queue, with a fresh quantum.
            if current.is_none() {
                current = queue.pop_front();
                slice = 0;
                if let Some(i) = current {
                    phase[i] = Phase::Running;
                }
            }
            trace.states.push(
                phase
                    .iter()
                    .map(|p| match p {
                        Phase::New => State::New,
                        Phase::Ready => State::Ready,
                        Phase::Running => State::Running,
                        Phase::Blocked(_) => State::Blocked,
                        Phase::Done => State::Terminated,
                    })
                    .collect(),
            );
            trace.timeline.push(current);
            // 5. One tick of CPU; the job leaves at once if it is done or starts I/O.
            if let Some(i) = current {
                cpu[i] += 1;
                slice += 1;
                if cpu[i] == jobs[i].burst {
                    phase[i] = Phase::Done;
                    current = None;
                } else if let Some(block) = jobs[i].io.iter().find(|b| b.after == cpu[i]) {
                    phase[i] = Phase::Blocked(t + 1 + block.duration);
                    current = None;
                }
            }
            t += 1;
        }
        trace
    }

    /// Compares a trace with the expected one; panics naming the first tick that differs.
    fn same_trace(jobs: &[Job], quantum: u32, got: &Trace, why: &str) {
        let expected = expected_trace(jobs, quantum);
        if got.timeline != expected.timeline {
            let tick = (0..)
                .find(|&t| got.timeline.get(t) != expected.timeline.get(t))
                .unwrap();
            panic!(
                "round-robin (quantum {quantum}) on {jobs:?}: the timeline must be {} but is {} \
                 (first difference in tick {tick}). {why}",
                show(&expected.timeline),
                show(&got.timeline)
            );
        }
        if let Some(tick) =
            (0..expected.states.len()).find(|&t| got.states.get(t) != Some(&expected.states[t]))
        {
            panic!(
                "round-robin (quantum {quantum}) on {jobs:?}, timeline {}: the states in tick \
                 {tick} must be {:?} but are {:?}. {why}",
                show(&got.timeline),
                expected.states[tick],
                got.states.get(tick)
            );
        }
        assert_eq!(
            got.states.len(),
            expected.states.len(),
            "one row of states per tick of the timeline"
        );
    }

    /// The rules, as a verdict reminds them.
    const RULES: &str = "In each tick: jobs arriving now join the ready queue (by index), then jobs \
                         whose I/O ends now (by index), then the running job whose quantum is \
                         used up; then a free CPU takes the head of the queue with a fresh \
                         quantum. A job that finishes or starts I/O leaves the CPU at once.";

    #[test]
    fn each_rule_of_a_tick_in_a_worked_example() {
        within(|| {
            let cases: [(&str, Vec<Job>, u32, &str); 5] = [
                (
                    "B arrives in tick 1, the tick A's quantum runs out: arrivals join the queue \
                     before the preempted job",
                    vec![Job::new(0, 2), Job::new(1, 1)],
                    1,
                    "ABA",
                ),
                (
                    "A's I/O ends in tick 2, the tick B arrives: arrivals join the queue before \
                     I/O returns",
                    vec![Job::new(0, 2).io(1, 1), Job::new(2, 1)],
                    5,
                    "A.BA",
                ),
                (
                    "A comes back from I/O with a fresh quantum of 2, not what was left of the \
                     old one",
                    vec![Job::new(0, 4).io(1, 1), Job::new(0, 3)],
                    2,
                    "ABBAABA",
                ),
                (
                    "A starts I/O exactly when its quantum runs out: it is Blocked, not back in \
                     the ready queue",
                    vec![Job::new(0, 3).io(2, 1), Job::new(0, 2)],
                    2,
                    "AABBA",
                ),
                (
                    "A job alone keeps the CPU after its quantum: it goes to the back of an empty \
                     queue and is dispatched again",
                    vec![Job::new(1, 3)],
                    1,
                    ".AAA",
                ),
            ];
            for (why, jobs, quantum, timeline) in cases {
                let trace = round_robin(&jobs, quantum);
                assert_eq!(
                    show(&trace.timeline),
                    timeline,
                    "round-robin (quantum {quantum}) on {jobs:?}: {why}. {RULES}"
                );
                same_trace(&jobs, quantum, &trace, why);
            }
        });
    }

    #[test]
    fn no_jobs_make_an_empty_trace() {
        within(|| {
            let trace = round_robin(&[], 2);
            assert!(
                trace.timeline.is_empty() && trace.states.is_empty(),
                "with no jobs nothing runs: the trace is empty, but it is {trace:?}"
            );
        });
    }

    #[test]
    fn random_jobs_follow_the_rules_tick_by_tick() {
        within(|| {
            let mut rng = Rng(0x5EED_0005);
            for _ in 0..300 {
                let jobs = rng.jobs_with_io(5, 12);
                let quantum = 1 + rng.below(4);
                let trace = round_robin(&jobs, quantum);
                same_trace(&jobs, quantum, &trace, RULES);
            }
        });
    }

    #[test]
    fn ostep_worked_example() {
        within(|| {
            // OSTEP fig. 7.7: three jobs of 5 ticks, quantum 1: good response time.
            let jobs = [Job::new(0, 5), Job::new(0, 5), Job::new(0, 5)];
            let trace = round_robin(&jobs, 1);
            assert_eq!(
                show(&trace.timeline),
                "ABCABCABCABCABC",
                "round-robin with quantum 1 takes turns every tick"
            );
            check(&jobs, 1, &trace);
            assert_eq!(
                context_switches(&trace.timeline),
                14,
                "with quantum 1 every tick is a context switch"
            );
            let trace = round_robin(&jobs, 5);
            assert_eq!(
                show(&trace.timeline),
                "AAAAABBBBBCCCCC",
                "a quantum as long as the jobs behaves like FIFO"
            );
            assert_eq!(
                context_switches(&trace.timeline),
                2,
                "fewer, longer slices mean fewer context switches"
            );
        });
    }

    #[test]
    fn worked_example_with_io() {
        within(|| {
            use State::{Blocked as Bl, New as Nw, Ready as Rd, Running as Ru, Terminated as Te};
            // Quantum 2. A waits 2 ticks for I/O after its first tick; C arrives at 2.
            let jobs = [Job::new(0, 4).io(1, 2), Job::new(0, 3), Job::new(2, 2)];
            let trace = round_robin(&jobs, 2);
            assert_eq!(
                show(&trace.timeline),
                "ABBCCAABA",
                "round-robin with I/O: A blocks after 1 tick and B runs; in tick 3 A (back from I/O) and then \
                 B (quantum used up) join the queue behind C"
            );
            let expected = [
                [Ru, Rd, Nw],
                [Bl, Ru, Nw],
                [Bl, Ru, Rd],
                [Rd, Rd, Ru],
                [Rd, Rd, Ru],
                [Ru, Rd, Te],
                [Ru, Rd, Te],
                [Rd, Ru, Te],
                [Ru, Te, Te],
            ];
            for (t, row) in expected.iter().enumerate() {
                assert_eq!(
                    trace.states[t],
                    row,
                    "process states in tick {t} (timeline {})",
                    show(&trace.timeline)
                );
            }
            check(&jobs, 2, &trace);
        });
    }

    #[test]
    fn properties_on_random_jobs() {
        within(|| {
            let mut rng = Rng(0x5EED_0003);
            for _ in 0..300 {
                let jobs = rng.jobs_with_io(5, 12);
                let quantum = 1 + rng.below(3);
                let trace = round_robin(&jobs, quantum);
                check(&jobs, quantum, &trace);
            }
        });
    }
}
