//! Grading: build what is to be graded, run the tests of each exercise, judge the results.
//!
//! Packages are built in passes ("lanes"): all solutions, then all student crates, then the
//! wrong solutions, at most one per topic per pass. A binary is placed at
//! `target/debug/NAME` whatever package built it, so a lane never holds two packages of the
//! same topic, and each lane's tests run before the next lane is built.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Result, bail};
use serde::Serialize;

use crate::cargo::{self, BuildUnit};
use crate::catalog::{Exercise, SuiteRun};
use crate::kit::Kit;
use crate::known::Known;
use crate::outcome::{TestResult, TestStatus};
use crate::runner::{self, TestJob};
use crate::variants::{self, Variant};

/// Whose code is graded.
#[derive(Debug, Clone)]
pub enum Subject {
    /// The student's crate under `exercises/`.
    Student,
    /// The same crate, graded by `verify`, which expects it to fail.
    Stub,
    Solution,
    /// A catalogued mistake or correct alternative: the solution with one file replaced.
    Known(Known),
    /// A student's copy of the exercises, graded in class mode.
    Submission(Submission),
    /// The solution with a mutation in the exercise's file (`cargo checker mutants`).
    Mutant(MutantSubject),
}

/// A mutant to grade: the exercise's file with the mutation applied.
#[derive(Debug, Clone)]
pub struct MutantSubject {
    /// Its number among the exercise's mutants (its package is named after it).
    pub number: usize,
    pub id: String,
    pub contents: Vec<u8>,
}

/// One student's folder in class mode: `FOLDER/TOPIC/src/...` as in `exercises/`.
#[derive(Debug, Clone)]
pub struct Submission {
    pub student: String,
    pub folder: PathBuf,
}

impl Subject {
    pub fn label(&self) -> String {
        match self {
            Subject::Student => "student".into(),
            Subject::Stub => "stub".into(),
            Subject::Solution => "solution".into(),
            Subject::Known(k) => format!("{}:{}", k.kind.folder_name(), k.name),
            Subject::Submission(s) => format!("student:{}", s.student),
            Subject::Mutant(m) => format!("mutant:{}", m.id),
        }
    }
}

/// One exercise of one subject to grade.
#[derive(Debug, Clone)]
pub struct Candidate<'k> {
    pub exercise: &'k Exercise,
    pub subject: Subject,
}

/// The overall verdict on one candidate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Passed,
    Failed,
    /// Every failing test stopped at a `todo!()`.
    NotStarted,
    CompileError,
}

impl Verdict {
    /// The verdict in a person's words.
    pub fn words(self) -> &'static str {
        match self {
            Verdict::Passed => "passed",
            Verdict::Failed => "failing",
            Verdict::NotStarted => "not started",
            Verdict::CompileError => "does not compile",
        }
    }
}

/// The graded result of one candidate.
#[derive(Debug, Clone, Serialize)]
pub struct Graded {
    pub exercise: String,
    pub topic: String,
    pub subject: String,
    pub verdict: Verdict,
    pub tests: Vec<TestResult>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub compile_errors: Vec<String>,
}

impl Graded {
    pub fn passed(&self) -> bool {
        self.verdict == Verdict::Passed
    }
}

/// How to grade.
pub struct Options<'a> {
    /// Tests run at once.
    pub jobs: usize,
    /// Echo cargo's progress even when not on a terminal.
    pub verbose: bool,
    /// Called with (tests done, tests in this lane) as tests finish.
    pub on_test: &'a (dyn Fn(usize, usize) + Sync),
    /// Stop grading a candidate at its first failing test (its other tests are left out of
    /// its results): enough to know that a mutant is killed.
    pub fail_fast: bool,
}

/// Where one candidate is built from.
struct Place {
    package: String,
    dir: PathBuf,
    manifest: PathBuf,
    lane: (u8, usize),
}

/// Grades every candidate; results come back in the candidates' order.
pub fn grade(kit: &Kit, candidates: &[Candidate], options: &Options) -> Result<Vec<Graded>> {
    let _lock = lock_target_dir(kit)?;
    let places = place_all(kit, candidates)?;
    let mut results: Vec<Option<Graded>> = vec![None; candidates.len()];
    let lanes: BTreeSet<(u8, usize)> = places.iter().map(|p| p.lane).collect();
    for lane in lanes {
        let members: Vec<usize> = (0..candidates.len())
            .filter(|&i| places[i].lane == lane)
            .collect();
        grade_lane(kit, candidates, &places, &members, options, &mut results)?;
    }
    Ok(results
        .into_iter()
        .map(|r| r.expect("every candidate is in a lane"))
        .collect())
}

/// Holds the checker's build folder for the whole run. Cargo locks it only while building;
/// two checkers sharing it could otherwise overwrite each other's test binaries between one's
/// build and its test runs (cargo names a crate's artifacts the same wherever the kit lives).
fn lock_target_dir(kit: &Kit) -> Result<nix::fcntl::Flock<std::fs::File>> {
    let dir = kit.target_dir();
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

fn place_all(kit: &Kit, candidates: &[Candidate]) -> Result<Vec<Place>> {
    let root_manifest = kit.root.join("Cargo.toml");
    let mut variants = Vec::new();
    let mut rounds = BTreeMap::new();
    let mut places = Vec::new();
    for candidate in candidates {
        let exercise = candidate.exercise;
        let topic = kit.catalog.topic_of(exercise);
        let place = match &candidate.subject {
            Subject::Student | Subject::Stub => Place {
                package: topic.name.clone(),
                dir: kit.exercise_crate(topic),
                manifest: root_manifest.clone(),
                lane: (1, 0),
            },
            Subject::Solution => Place {
                package: format!("{}-solution", topic.name),
                dir: kit.solution_crate(topic),
                manifest: root_manifest.clone(),
                lane: (0, 0),
            },
            Subject::Known(known) => {
                let package = format!(
                    "{}-{}-{}-{}",
                    topic.name,
                    known.kind.folder_name(),
                    exercise.name,
                    known.name
                );
                let package = package.replace('_', "-");
                let source = kit.solution_crate(topic);
                let solution = source.join(&exercise.file);
                let replace = vec![(exercise.file.clone(), known.contents(&solution)?)];
                variant_place(
                    &mut variants,
                    &mut rounds,
                    &topic.name,
                    package,
                    source,
                    replace,
                )
            }
            Subject::Mutant(mutant) => {
                let package = format!("{}-mutant-{}-{}", topic.name, exercise.name, mutant.number)
                    .replace('_', "-");
                variant_place(
                    &mut variants,
                    &mut rounds,
                    &topic.name,
                    package,
                    kit.solution_crate(topic),
                    vec![(exercise.file.clone(), mutant.contents.clone())],
                )
            }
            Subject::Submission(sub) => {
                // One package per student and topic, holding every file they handed in.
                let package = format!("class-{}-{}", sanitize(&sub.student), topic.name);
                let replace = kit
                    .catalog
                    .exercises_of(&topic.name)
                    .filter_map(|e| {
                        let handed_in = std::fs::read(sub.folder.join(&topic.name).join(&e.file));
                        handed_in.ok().map(|contents| (e.file.clone(), contents))
                    })
                    .collect();
                let source = kit.exercise_crate(topic);
                variant_place(
                    &mut variants,
                    &mut rounds,
                    &topic.name,
                    package,
                    source,
                    replace,
                )
            }
        };
        places.push(place);
    }
    if !variants.is_empty() {
        let (manifest, dirs) =
            variants::write_workspace(&kit.root, &kit.target_dir().join("variants"), &variants)?;
        let dirs: BTreeMap<&str, PathBuf> = variants
            .iter()
            .map(|v| v.package.as_str())
            .zip(dirs)
            .collect();
        for place in places.iter_mut().filter(|p| p.lane.0 == 2) {
            place.dir = dirs[place.package.as_str()].clone();
            place.manifest = manifest.clone();
        }
    }
    Ok(places)
}

/// Where a generated package is built. Its binaries would overwrite those of another variant of
/// the same topic, so a topic with binaries gets one lane per variant; the others share one.
fn variant_place(
    variants: &mut Vec<Variant>,
    rounds: &mut BTreeMap<String, (usize, BTreeMap<String, usize>)>,
    topic: &str,
    package: String,
    source: PathBuf,
    replace: Vec<(String, Vec<u8>)>,
) -> Place {
    let (count, lanes) = rounds.entry(topic.to_owned()).or_default();
    let round = match lanes.get(&package) {
        Some(round) => *round,
        None => {
            let round = if has_binaries(&source) {
                *count += 1;
                *count
            } else {
                1
            };
            lanes.insert(package.clone(), round);
            variants.push(Variant {
                package: package.clone(),
                source,
                replace,
            });
            round
        }
    };
    Place {
        package,
        dir: PathBuf::new(),
        manifest: PathBuf::new(),
        lane: (2, round),
    }
}

fn has_binaries(crate_dir: &std::path::Path) -> bool {
    let manifest = std::fs::read_to_string(crate_dir.join("Cargo.toml")).unwrap_or_default();
    crate_dir.join("src/bin").is_dir()
        || crate_dir.join("src/main.rs").is_file()
        || manifest.contains("[[bin]]")
}

/// A student's folder name made fit for a package name.
fn sanitize(name: &str) -> String {
    let clean: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    clean.trim_matches('-').to_owned()
}

fn grade_lane(
    kit: &Kit,
    candidates: &[Candidate],
    places: &[Place],
    members: &[usize],
    options: &Options,
    results: &mut [Option<Graded>],
) -> Result<()> {
    // Which runs each candidate needs, grouped by the features they are built with.
    let mut by_features: BTreeMap<Vec<String>, Vec<(usize, SuiteRun)>> = BTreeMap::new();
    for &i in members {
        for run in candidates[i].exercise.runs() {
            by_features
                .entry(run.features.clone())
                .or_default()
                .push((i, run));
        }
    }
    let mut compile_errors: BTreeMap<usize, Vec<String>> = BTreeMap::new();
    let mut jobs: Vec<(usize, TestJob, u64)> = Vec::new();
    for (features, runs) in &by_features {
        let mut units: BTreeMap<String, BuildUnit> = BTreeMap::new();
        for (i, run) in runs {
            let place = &places[*i];
            let unit = units
                .entry(place.package.clone())
                .or_insert_with(|| BuildUnit {
                    package: place.package.clone(),
                    features: features.clone(),
                    suites: Vec::new(),
                });
            if !unit.suites.contains(&run.suite) {
                unit.suites.push(run.suite.clone());
            }
        }
        let units: Vec<BuildUnit> = units.into_values().collect();
        let manifest = &places[runs[0].0].manifest;
        let started = std::time::Instant::now();
        let built = cargo::build_tests(manifest, &kit.target_dir(), &units, options.verbose)?;
        if options.verbose {
            eprintln!(
                "checker: built {} packages in {:.1} s",
                units.len(),
                started.elapsed().as_secs_f64()
            );
        }
        for (i, run) in runs {
            let place = &places[*i];
            if let Some(errors) = built.errors.get(&place.dir) {
                compile_errors
                    .entry(*i)
                    .or_default()
                    .extend(errors.iter().cloned());
                continue;
            }
            let Some(exe) = built.tests.get(&(place.dir.clone(), run.suite.clone())) else {
                bail!(
                    "{}: no test target `{}` was built for {}",
                    candidates[*i].exercise.name,
                    run.suite,
                    place.package
                );
            };
            let names = cargo::list_tests(exe, &run.tests)?;
            if names.is_empty() {
                bail!(
                    "exercise `{}`: no test in suite `{}` starts with `{}` (see checker/catalog.toml)",
                    candidates[*i].exercise.name,
                    run.suite,
                    run.tests
                );
            }
            let exercise = candidates[*i].exercise;
            for name in names {
                let job = TestJob {
                    exe: exe.clone(),
                    cwd: place.dir.clone(),
                    name,
                    timeout: Duration::from_secs(exercise.timeout_secs()),
                    serial: exercise.serial,
                    group: *i,
                };
                jobs.push((*i, job, exercise.timeout_secs()));
            }
        }
    }
    let test_jobs: Vec<TestJob> = jobs.iter().map(|(_, job, _)| job.clone()).collect();
    let total = test_jobs.len();
    let finished = std::sync::atomic::AtomicUsize::new(0);
    let started = std::time::Instant::now();
    let outcomes = runner::run_all(&test_jobs, options.jobs, options.fail_fast, &|_| {
        let n = finished.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
        (options.on_test)(n, total);
    });
    if options.verbose {
        eprintln!(
            "checker: ran {total} tests, {} at a time, in {:.1} s",
            options.jobs,
            started.elapsed().as_secs_f64()
        );
    }
    let mut tests: BTreeMap<usize, Vec<TestResult>> = BTreeMap::new();
    for ((i, job, timeout), raw) in jobs.iter().zip(&outcomes) {
        if raw.skipped {
            continue;
        }
        tests
            .entry(*i)
            .or_default()
            .push(TestResult::from_raw(&job.name, raw, *timeout));
    }
    for &i in members {
        let errors = compile_errors.remove(&i).unwrap_or_default();
        let tests = tests.remove(&i).unwrap_or_default();
        let verdict = if !errors.is_empty() {
            Verdict::CompileError
        } else if tests.iter().all(TestResult::passed) {
            Verdict::Passed
        } else if tests
            .iter()
            .filter(|t| !t.passed())
            .all(|t| t.status == TestStatus::NotImplemented)
        {
            Verdict::NotStarted
        } else {
            Verdict::Failed
        };
        let exercise = candidates[i].exercise;
        results[i] = Some(Graded {
            exercise: exercise.name.clone(),
            topic: exercise.topic.clone(),
            subject: candidates[i].subject.label(),
            verdict,
            tests,
            compile_errors: errors,
        });
    }
    Ok(())
}
