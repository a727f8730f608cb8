//! The grading engine, as typed stages: [`plan`] (which packages to build, which tests to run:
//! a pure function) → [`build`] (cargo, one pass at a time) → [`run`] (each test in its own
//! sandbox) → [`judge`] (what the sandbox saw, turned into a verdict). The engine never prints:
//! it reports [`event::Event`]s to whoever listens, and returns one [`Graded`] per candidate.
//!
//! One broken unit fails alone: a package that does not compile, hangs its compiler or lists
//! no tests gets its own verdict, and every other unit of the run is graded as if it were
//! absent. A student's file that does not compile is graded again alone (the rest of its topic
//! as shipped), so a mistake in one exercise never fails another.

mod build;
pub mod event;
mod judge;
mod list_cache;
pub mod plan;
mod run;
mod subject;
mod variants;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use anyhow::{Result, bail};
use serde::Serialize;
use serde::ser::SerializeStruct;

use crate::catalog::{Exercise, SuiteRun};
use crate::kit::Kit;
use crate::known;
use crate::layout::Layout;

pub use event::{Event, Reporter};
pub use judge::{TestResult, TestStatus, verdict as judge_verdict};
pub use run::TestJob;
pub use subject::{Candidate, Intake, MutantSubject, Source, Subject, Submission};

use build::UnitBuild;
use plan::{Plan, Unbuilt, Workspace};
use run::RawOutcome;

/// The overall verdict on one candidate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Passed,
    Failed,
    /// Every failing test stopped at a `todo!()`.
    NotStarted,
    /// It does not build (a compile error, or its compiler was stopped).
    CompileError,
    /// Class mode: no file where the layout expects one.
    Missing,
    /// Class mode: what was handed in is not graded (a symlink, a FIFO, a file too large,
    /// a path that reaches outside the submission).
    Refused,
}

impl Verdict {
    /// The verdict in a person's words.
    pub fn words(self) -> &'static str {
        match self {
            Verdict::Passed => "passed",
            Verdict::Failed => "failing",
            Verdict::NotStarted => "not started",
            Verdict::CompileError => "does not compile",
            Verdict::Missing => "missing",
            Verdict::Refused => "refused",
        }
    }
}

/// The graded result of one candidate.
#[derive(Debug, Clone)]
pub struct Graded<'k> {
    pub exercise: &'k Exercise,
    pub subject: Subject,
    pub verdict: Verdict,
    pub tests: Vec<TestResult>,
    /// The compiler's errors, or why nothing could be graded (missing, refused, a build that
    /// was stopped).
    pub compile_errors: Vec<String>,
}

impl Graded<'_> {
    pub fn passed(&self) -> bool {
        self.verdict == Verdict::Passed
    }
}

impl Serialize for Graded<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut s = serializer.serialize_struct("Graded", 6)?;
        s.serialize_field("exercise", &self.exercise.name)?;
        s.serialize_field("topic", &self.exercise.topic)?;
        s.serialize_field("subject", &self.subject.label())?;
        s.serialize_field("verdict", &self.verdict)?;
        s.serialize_field("tests", &self.tests)?;
        if !self.compile_errors.is_empty() {
            s.serialize_field("compile_errors", &self.compile_errors)?;
        }
        s.end()
    }
}

/// How to grade.
pub struct Options<'a> {
    /// Tests run at once.
    pub jobs: usize,
    /// Show cargo's build output even when not on a terminal.
    pub verbose: bool,
    /// Who hears about progress.
    pub reporter: Reporter<'a>,
    /// When a candidate has been graded enough (its tests not yet run are left out of its
    /// results).
    pub stop: Stop,
}

/// When grading a candidate may stop before all its tests have run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stop {
    /// Every test runs: a student's or a solution's full report.
    Never,
    /// At the first failing test: enough to know that a mutant is killed.
    FirstFailure,
    /// A catalogued wrong solution, once its failures say every word it is expected to say
    /// (`Expect:`), which is all `verify` asks of it; every other candidate runs every test.
    Proven,
}

/// Grades every candidate; results come back in the candidates' order.
pub fn grade<'k>(
    kit: &'k Kit,
    candidates: &[Candidate<'k>],
    options: &Options,
) -> Result<Vec<Graded<'k>>> {
    let _lock = lock_target_dir(kit)?;
    let sources = candidates
        .iter()
        .map(|c| Ok((c.exercise.topic.clone(), c.source(kit)?)))
        .collect::<Result<Vec<_>>>()?;
    let mut results = grade_sources(kit, candidates, &sources, options)?;
    // A student's file that does not compile fails its whole topic crate: grade each exercise
    // whose own file is not the one the compiler blames again, alone.
    let retry: Vec<usize> = (0..candidates.len())
        .filter(|&i| {
            results[i].verdict == Verdict::CompileError
                && matches!(
                    candidates[i].subject,
                    Subject::Student | Subject::Submission(_)
                )
                && !results[i]
                    .compile_errors
                    .iter()
                    .any(|e| blames(e, &candidates[i].exercise.file))
        })
        .collect();
    if !retry.is_empty() {
        let alone: Vec<(String, Source)> = retry
            .iter()
            .map(|&i| {
                Ok((
                    candidates[i].exercise.topic.clone(),
                    alone(kit, &candidates[i])?,
                ))
            })
            .collect::<Result<_>>()?;
        let again: Vec<Candidate> = retry.iter().map(|&i| candidates[i].clone()).collect();
        let regraded = grade_sources(kit, &again, &alone, options)?;
        for (i, graded) in retry.into_iter().zip(regraded) {
            results[i] = graded;
        }
    }
    Ok(results)
}

/// Whether a rendered compiler message points at `file` (`--> src/a.rs:3:5`).
fn blames(message: &str, file: &str) -> bool {
    message
        .lines()
        .any(|l| l.trim_start().starts_with("-->") && l.contains(file))
}

/// A candidate's own file, with the rest of its topic as shipped.
fn alone(kit: &Kit, candidate: &Candidate) -> Result<Source> {
    let exercise = candidate.exercise;
    let topic = &exercise.topic;
    let own = match &candidate.subject {
        Subject::Submission(sub) => match sub.file(&exercise.name) {
            Intake::Found(bytes) => bytes.clone(),
            _ => bail!("{}: nothing handed in to grade alone", exercise.name),
        },
        _ => std::fs::read(kit.layout.exercise_crate(topic).join(&exercise.file))?,
    };
    let replace = kit
        .catalog
        .exercises_of(topic)
        .map(|e| {
            let contents = if e.name == exercise.name {
                own.clone()
            } else {
                crate::pristine::read(kit, e)?
            };
            Ok((e.file.clone(), contents))
        })
        .collect::<Result<_>>()?;
    let owner = match &candidate.subject {
        Subject::Submission(sub) => format!("class-{}", sub.key),
        _ => "student".to_owned(),
    };
    Ok(Source::Generated {
        package: format!("{owner}-{topic}-only-{}", exercise.name).replace('_', "-"),
        from: kit.layout.exercise_crate(topic),
        replace,
    })
}

/// Plans, builds, runs and judges candidates whose code comes from `sources`.
fn grade_sources<'k>(
    kit: &'k Kit,
    candidates: &[Candidate<'k>],
    sources: &[(String, Source)],
    options: &Options,
) -> Result<Vec<Graded<'k>>> {
    let layout = &kit.layout;
    let runs: Vec<Vec<SuiteRun>> = candidates.iter().map(|c| c.exercise.runs()).collect();
    // Packages of a topic with binaries overwrite each other's `target/debug/NAME`: where the
    // sandbox shows each test its own package's copy there, they can all be built at once;
    // without isolation, each needs a pass of its own (and its tests run before the next).
    let binaries: BTreeSet<String> = if crate::sandbox::isolate::isolation().binds_paths() {
        BTreeSet::new()
    } else {
        kit.catalog
            .topics
            .iter()
            .filter(|t| has_binaries(&layout.solution_crate(&t.name)))
            .map(|t| t.name.clone())
            .collect()
    };
    let plan = plan::plan(sources, &runs, &layout.variants_dir(), &binaries);
    let mut errors: BTreeMap<usize, Vec<String>> = BTreeMap::new();
    let mut tests: BTreeMap<usize, Vec<TestResult>> = BTreeMap::new();
    let mut unbuilt: BTreeMap<usize, Verdict> = BTreeMap::new();
    for (i, why) in &plan.unbuilt {
        let (verdict, note) = match why {
            Unbuilt::Missing => (
                Verdict::Missing,
                format!(
                    "nothing handed in: expected {}/{}",
                    candidates[*i].exercise.topic, candidates[*i].exercise.file
                ),
            ),
            Unbuilt::Refused(why) => (Verdict::Refused, why.clone()),
        };
        unbuilt.insert(*i, verdict);
        errors.entry(*i).or_default().push(note);
    }
    run_plan(kit, candidates, &plan, options, &mut errors, &mut tests)?;
    Ok(candidates
        .iter()
        .enumerate()
        .map(|(i, candidate)| {
            let errors = errors.remove(&i).unwrap_or_default();
            let tests = tests.remove(&i).unwrap_or_default();
            let verdict = unbuilt
                .get(&i)
                .copied()
                .unwrap_or_else(|| judge_verdict(&tests, !errors.is_empty()));
            Graded {
                exercise: candidate.exercise,
                subject: candidate.subject.clone(),
                verdict,
                tests,
                compile_errors: errors,
            }
        })
        .collect())
}

/// Builds each pass and runs its tests before the next pass is built.
fn run_plan(
    kit: &Kit,
    candidates: &[Candidate],
    plan: &Plan,
    options: &Options,
    errors: &mut BTreeMap<usize, Vec<String>>,
    tests: &mut BTreeMap<usize, Vec<TestResult>>,
) -> Result<()> {
    let layout = &kit.layout;
    let passes = plan.passes.len();
    for (number, pass) in plan.passes.iter().enumerate() {
        (options.reporter)(&Event::Building {
            pass: number + 1,
            passes,
            packages: pass.units.len(),
        });
        let manifest = match pass.workspace {
            Workspace::Kit => layout.manifest(),
            Workspace::Variants => {
                let variants: Vec<variants::Variant> = pass
                    .units
                    .iter()
                    .filter_map(|u| {
                        u.generated
                            .as_ref()
                            .map(|(from, replace)| variants::Variant {
                                package: u.package.clone(),
                                source: from.clone(),
                                replace: replace.clone(),
                            })
                    })
                    .collect();
                variants::write_workspace(layout.root(), &layout.variants_dir(), &variants)?
            }
        };
        let started = Instant::now();
        let built = build::build_pass(&manifest, &layout.target_dir(), pass, options.verbose)?;
        (options.reporter)(&Event::Built {
            packages: pass.units.len(),
            took: started.elapsed(),
        });
        let mut jobs: Vec<(usize, TestJob)> = Vec::new();
        for (unit, outcome) in pass.units.iter().zip(built) {
            let (exes, bins) = match outcome {
                UnitBuild::Built { tests, bins } => (tests, bins),
                UnitBuild::CompileError(found) => {
                    for (i, _) in &unit.jobs {
                        let entry = errors.entry(*i).or_default();
                        for d in &found {
                            if !entry.contains(&d.rendered) {
                                entry.push(d.rendered.clone());
                            }
                        }
                    }
                    continue;
                }
                UnitBuild::Failed(why) => {
                    for (i, _) in &unit.jobs {
                        errors.entry(*i).or_default().push(why.clone());
                    }
                    continue;
                }
            };
            for (i, run) in &unit.jobs {
                let exercise = candidates[*i].exercise;
                let exe = &exes[&run.suite];
                let view = view(layout, exe, &unit.dir, &bins, exercise.memory_bytes());
                let names = match listed(kit, exe, run, &view, exercise.memory_bytes()) {
                    Ok(names) => names,
                    Err(why) => {
                        errors.entry(*i).or_default().push(format!("{why:#}"));
                        continue;
                    }
                };
                for name in names {
                    jobs.push((
                        *i,
                        TestJob {
                            exe: exe.clone(),
                            name,
                            timeout: Duration::from_secs(exercise.timeout_secs()),
                            serial: exercise.serial,
                            group: *i,
                            traces: layout.traces_dir().join(trace_folder(&candidates[*i])),
                            memory: exercise.memory_bytes(),
                            view: view.clone(),
                        },
                    ));
                }
            }
        }
        let test_jobs: Vec<TestJob> = jobs.iter().map(|(_, job)| job.clone()).collect();
        let total = test_jobs.len();
        let finished = std::sync::atomic::AtomicUsize::new(0);
        let started = Instant::now();
        let said = Mutex::new(HashMap::<usize, String>::new());
        let enough = |job: &TestJob, raw: &RawOutcome| {
            let candidate = &candidates[job.group];
            let failed = || {
                let result =
                    TestResult::from_raw(&job.name, raw, candidate.exercise.timeout_secs());
                (!result.passed()).then_some(result.message)
            };
            match (options.stop, &candidate.subject) {
                (Stop::FirstFailure, _) => failed().is_some(),
                (Stop::Proven, Subject::Known(wrong)) if wrong.kind == known::Kind::Wrong => {
                    let Some(message) = failed() else {
                        return false;
                    };
                    let mut said = said.lock().unwrap();
                    let so_far = said.entry(job.group).or_default();
                    so_far.push_str(&message);
                    so_far.push('\n');
                    known::missing_expectations(wrong, so_far).is_empty()
                }
                _ => false,
            }
        };
        let outcomes = run::run_all(&test_jobs, options.jobs, &enough, &|_| {
            let done = finished.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
            (options.reporter)(&Event::Tested { done, total });
        });
        (options.reporter)(&Event::Ran {
            tests: total,
            jobs: options.jobs,
            took: started.elapsed(),
        });
        for ((i, job), raw) in jobs.iter().zip(&outcomes) {
            if raw.skipped {
                continue;
            }
            let exercise = candidates[*i].exercise;
            tests.entry(*i).or_default().push(TestResult::from_raw(
                &job.name,
                raw,
                exercise.timeout_secs(),
            ));
        }
    }
    Ok(())
}

/// The tests of `run` in a built test binary, each checked against the suite's source: a
/// binary that lists a test its suite does not define (student code that runs before `main`
/// can answer `--list`) is refused.
fn listed(
    kit: &Kit,
    exe: &std::path::Path,
    run: &SuiteRun,
    view: &crate::sandbox::isolate::View,
    memory: u64,
) -> Result<Vec<String>> {
    let names: Vec<String> =
        list_cache::all_tests(exe, || run::list_tests(exe, "", view, memory, LIST_LIMIT))?
            .into_iter()
            .filter(|name| name.starts_with(&run.tests))
            .collect();
    if names.is_empty() {
        bail!(
            "no test in suite `{}` starts with `{}` (see {})",
            run.suite,
            run.tests,
            crate::layout::CATALOG
        );
    }
    let suite = kit.layout.root().join(Layout::suite_file(&run.suite));
    let source = std::fs::read_to_string(&suite).unwrap_or_default();
    if let Some(stranger) = names
        .iter()
        .find(|name| crate::report::source::test_body(&source, name).is_none())
    {
        bail!(
            "the test binary lists a test that {} does not define (`{stranger}`): its list of \
             tests was not the suite's, so nothing it runs can be trusted",
            Layout::suite_file(&run.suite)
        );
    }
    Ok(names)
}

/// Where one candidate's pictures of failing runs go: a folder per exercise and subject, so the
/// student's run and each wrong solution never overwrite each other's.
fn trace_folder(candidate: &Candidate) -> String {
    let label = format!("{}-{}", candidate.exercise.name, candidate.subject.label());
    label
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .take(120)
        .collect()
}

/// What a test of `exe`, run in `dir`, may see: the kit read-only, its own package and binary
/// but no other, the traces folder writable, and nothing of what class mode keeps private.
fn view(
    layout: &Layout,
    exe: &std::path::Path,
    dir: &std::path::Path,
    bins: &[build::OwnBinary],
    memory: u64,
) -> crate::sandbox::isolate::View {
    let traces = layout.traces_dir();
    let _ = std::fs::create_dir_all(&traces);
    // The grader's home holds what no test should read (keys, tokens, other work).
    let mut private = crate::sandbox::isolate::private_dirs();
    private.extend(
        std::env::var_os("HOME")
            .map(std::path::PathBuf::from)
            .filter(|home| home.is_absolute() && home.parent().is_some()),
    );
    crate::sandbox::isolate::View {
        exe: exe.to_path_buf(),
        cwd: dir.to_path_buf(),
        variants: Some(layout.variants_dir()),
        private,
        shown: vec![layout.root().to_path_buf(), layout.target_dir()],
        writable: vec![traces],
        bins: bins
            .iter()
            .map(|b| (b.own.clone(), b.expected.clone()))
            .collect(),
        tmp_size: memory,
    }
}

/// How long a test binary may take to list its tests.
const LIST_LIMIT: Duration = Duration::from_secs(10);

/// Holds the checker's build folder for the whole run. Cargo locks it only while building;
/// two checkers sharing it could otherwise overwrite each other's test binaries between one's
/// build and its test runs (cargo names a crate's artifacts the same wherever the kit lives).
fn lock_target_dir(kit: &Kit) -> Result<nix::fcntl::Flock<std::fs::File>> {
    let dir = kit.layout.target_dir();
    std::fs::create_dir_all(&dir)?;
    let file = std::fs::File::create(dir.join("checker.lock"))?;
    match nix::fcntl::Flock::lock(file, nix::fcntl::FlockArg::LockExclusiveNonblock) {
        Ok(lock) => Ok(lock),
        Err((file, _)) => {
            eprintln!(
                "waiting for another checker run to finish with {} ...",
                dir.display()
            );
            nix::fcntl::Flock::lock(file, nix::fcntl::FlockArg::LockExclusive)
                .map_err(|(_, e)| anyhow::anyhow!("cannot lock {}: {e}", dir.display()))
        }
    }
}

fn has_binaries(crate_dir: &std::path::Path) -> bool {
    let manifest = std::fs::read_to_string(crate_dir.join("Cargo.toml")).unwrap_or_default();
    crate_dir.join("src/bin").is_dir()
        || crate_dir.join("src/main.rs").is_file()
        || manifest.contains("[[bin]]")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_compile_error_blames_the_file_its_arrow_points_at() {
        let message = "error[E0308]: mismatched types\n --> src/spawn_join.rs:3:5\n  |";
        assert!(blames(message, "src/spawn_join.rs"));
        assert!(!blames(message, "src/supervisor.rs"));
    }
}
