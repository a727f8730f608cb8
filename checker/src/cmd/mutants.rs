//! `cargo checker mutants [NAME|TOPIC|--all]`: instructors measure how well each suite checks
//! its exercise's contract. Every mutant of the reference solution (see [`crate::mutants`]) is
//! graded by the suite; a mutant the suite passes *survived*: either a test is missing, or the
//! mutant is equivalent (listed in the topic's `mutants.toml` with the reason).

use std::collections::BTreeMap;
use std::time::Instant;

use anstream::println;
use anyhow::{Context, Result, bail};
use serde::Serialize;

use crate::catalog::Exercise;
use crate::engine::{self, Candidate, Graded, MutantSubject, Options, Subject, Verdict};
use crate::kit::Kit;
use crate::mutants::{self, Genre, Mutant, equivalent};
use crate::style;

/// What became of one mutant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Fate {
    /// A test failed: the suite caught the mistake.
    Killed,
    /// Every test passed, and the mutant is not listed as equivalent: a missing test.
    Survived,
    /// Every test passed, and `mutants.toml` says why no test can tell.
    Equivalent,
    /// Listed as equivalent, yet a test failed: the entry is wrong.
    NotEquivalent,
    /// It does not compile: not a program a student could hand in.
    Unviable,
}

/// One graded mutant.
#[derive(Debug, Serialize)]
pub struct Outcome {
    pub id: String,
    pub genre: Genre,
    pub line: usize,
    pub fate: Fate,
    /// The first failing test and the first line of its verdict (killed mutants).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub killed_by: Option<String>,
    /// Why it is equivalent (from `mutants.toml`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The mutation, as a unified diff (survivors only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub diff: Option<String>,
}

/// The mutants of one exercise.
#[derive(Debug, Serialize)]
pub struct ExerciseScore {
    pub exercise: String,
    pub topic: String,
    pub file: String,
    pub killed: usize,
    pub survived: usize,
    pub equivalent: usize,
    pub unviable: usize,
    /// Killed over killed and survived (equivalent and unviable mutants do not count).
    pub score: f64,
    pub elapsed_ms: u64,
    pub mutants: Vec<Outcome>,
    /// With `--repeat`: mutants whose fate changed from one run to another (a kill that is
    /// luck, not a test).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub flaky: Vec<String>,
}

impl ExerciseScore {
    fn count(outcomes: &[Outcome], fate: &[Fate]) -> usize {
        outcomes.iter().filter(|o| fate.contains(&o.fate)).count()
    }
}

/// What to do.
pub struct Request<'a> {
    pub name: Option<&'a str>,
    pub all: bool,
    pub list: bool,
    pub json: bool,
    /// Write the scores into the kit (`checker/mutation-scores.json` and the instructors'
    /// chapter `docs/src/mutation-scores.md`), merged with those of exercises not graded now.
    pub record: bool,
    /// Grade every mutant this many times: a kill must happen on every run.
    pub repeat: usize,
    pub genres: &'a [Genre],
}

/// Where `--record` keeps the scores, relative to the kit; `verify --json` publishes them.
pub const SCORES: &str = "checker/mutation-scores.json";
/// The chapter `--record` writes, relative to the kit.
pub const CHAPTER: &str = "docs/src/mutation-scores.md";

/// One exercise's recorded score.
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct Recorded {
    pub exercise: String,
    pub topic: String,
    pub killed: usize,
    pub survived: usize,
    pub equivalent: usize,
    pub unviable: usize,
    pub score: f64,
}

/// The recorded scores (none if never recorded).
pub fn recorded(kit: &Kit) -> Vec<Recorded> {
    std::fs::read_to_string(kit.root.join(SCORES))
        .ok()
        .and_then(|text| serde_json::from_str(&text).ok())
        .unwrap_or_default()
}

pub fn run(kit: &Kit, request: &Request, options: &Options) -> Result<bool> {
    let exercises: Vec<&Exercise> = match (request.name, request.all) {
        (Some(name), _) => kit.catalog.select(name)?,
        (None, true) => kit.catalog.exercises.iter().collect(),
        (None, false) => bail!("name an exercise or a topic, or use --all"),
    };
    let started = Instant::now();
    let options = Options {
        stop: engine::Stop::FirstFailure,
        ..*options
    };
    let mut scores = Vec::new();
    for exercise in exercises {
        let (source, file) = solution_source(kit, exercise)?;
        let all = mutants::generate(&source).with_context(|| format!("mutating {file}"))?;
        let chosen: Vec<Mutant> = all
            .into_iter()
            .filter(|m| request.genres.is_empty() || request.genres.contains(&m.genre))
            .collect();
        if request.list {
            list(exercise, &file, &chosen);
            continue;
        }
        let mut score = grade_mutants(kit, exercise, &file, &source, &chosen, &options)?;
        for _ in 2..=request.repeat {
            let again = grade_mutants(kit, exercise, &file, &source, &chosen, &options)?;
            for (first, later) in score.mutants.iter().zip(&again.mutants) {
                if first.fate != later.fate && !score.flaky.contains(&first.id) {
                    score.flaky.push(first.id.clone());
                }
            }
        }
        if !request.json {
            print_score(&score);
        }
        scores.push(score);
    }
    if request.list {
        return Ok(true);
    }
    let survived: usize = scores
        .iter()
        .map(|s| {
            ExerciseScore::count(&s.mutants, &[Fate::Survived, Fate::NotEquivalent]) + s.flaky.len()
        })
        .sum();
    if request.record {
        record(kit, &scores)?;
    }
    if request.json {
        let report = serde_json::json!({
            "elapsed_ms": started.elapsed().as_millis() as u64,
            "exercises": scores,
        });
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print_summary(&scores, started.elapsed().as_secs_f64());
    }
    Ok(survived == 0)
}

/// Merges `scores` into the recorded ones and writes them, with the chapter, in catalogue order.
fn record(kit: &Kit, scores: &[ExerciseScore]) -> Result<()> {
    let mut all = recorded(kit);
    for score in scores {
        all.retain(|r| r.exercise != score.exercise);
        all.push(Recorded {
            exercise: score.exercise.clone(),
            topic: score.topic.clone(),
            killed: score.killed,
            survived: score.survived,
            equivalent: score.equivalent,
            unviable: score.unviable,
            score: score.score,
        });
    }
    let rank = |name: &str| {
        kit.catalog
            .exercises
            .iter()
            .position(|e| e.name == name)
            .unwrap_or(usize::MAX)
    };
    all.retain(|r| rank(&r.exercise) != usize::MAX);
    all.sort_by_key(|r| rank(&r.exercise));
    std::fs::write(
        kit.root.join(SCORES),
        serde_json::to_string_pretty(&all)? + "\n",
    )?;
    std::fs::write(kit.root.join(CHAPTER), chapter(&all))?;
    eprintln!("recorded in {SCORES} and {CHAPTER}");
    Ok(())
}

/// The instructors' chapter of scores: a table per exercise and the totals per topic.
fn chapter(all: &[Recorded]) -> String {
    let mut text = String::from(
        "# Mutation scores\n\n\
         Written by `cargo checker mutants --all --record` (do not edit by hand). Each mutant is a\n\
         small mistake made on purpose in a reference solution; the score is the share of the\n\
         mutants that matter (not equivalent, compiling) that the exercise's suite rejects. See\n\
         [the instructors' chapter](instructors.md#mutation-testing) for the operators and how\n\
         equivalent mutants are listed.\n\n\
         | topic | exercise | killed | survived | equivalent | unviable | score |\n\
         |---|---|---:|---:|---:|---:|---:|\n",
    );
    for r in all {
        text.push_str(&format!(
            "| {} | `{}` | {} | {} | {} | {} | {} |\n",
            r.topic,
            r.exercise,
            r.killed,
            r.survived,
            r.equivalent,
            r.unviable,
            percent(r.score)
        ));
    }
    let killed: usize = all.iter().map(|r| r.killed).sum();
    let survived: usize = all.iter().map(|r| r.survived).sum();
    let equivalent: usize = all.iter().map(|r| r.equivalent).sum();
    let unviable: usize = all.iter().map(|r| r.unviable).sum();
    text.push_str(&format!(
        "| **all** | | {killed} | {survived} | {equivalent} | {unviable} | {} |\n",
        percent(ratio(killed, survived))
    ));
    text
}

/// The reference file of an exercise, and its path relative to the kit.
fn solution_source(kit: &Kit, exercise: &Exercise) -> Result<(String, String)> {
    let topic = kit.catalog.topic_of(exercise);
    let path = kit.layout.solution_crate(&topic.name).join(&exercise.file);
    let source = std::fs::read_to_string(&path)
        .with_context(|| format!("cannot read {}", path.display()))?;
    let shown = format!("solutions/{}/{}", topic.name, exercise.file);
    Ok((source, shown))
}

fn list(exercise: &Exercise, file: &str, mutants: &[Mutant]) {
    println!(
        "{} ({}): {} mutants",
        exercise.name,
        exercise.topic,
        mutants.len()
    );
    for m in mutants {
        println!("  {file}:{:<4} [{}] {}", m.line, m.genre, m.id);
    }
}

fn grade_mutants(
    kit: &Kit,
    exercise: &Exercise,
    file: &str,
    source: &str,
    mutants: &[Mutant],
    options: &Options,
) -> Result<ExerciseScore> {
    let started = Instant::now();
    let topic = kit.catalog.topic_of(exercise);
    let listed = equivalent::load(&kit.layout.equivalent_mutants(&topic.name))?;
    let reason = |m: &Mutant| {
        listed
            .iter()
            .find(|e| e.exercise == exercise.name && e.mutant == m.id)
            .map(|e| e.reason.clone())
    };
    let candidates: Vec<Candidate> = mutants
        .iter()
        .enumerate()
        .map(|(number, m)| Candidate {
            exercise,
            subject: Subject::Mutant(MutantSubject {
                number,
                id: m.id.clone(),
                contents: m.apply(source).into_bytes(),
            }),
        })
        .collect();
    let graded = engine::grade(kit, &candidates, options)?;
    let outcomes: Vec<Outcome> = mutants
        .iter()
        .zip(&graded)
        .map(|(m, g)| judge(m, g, reason(m), source, file))
        .collect();
    let killed = ExerciseScore::count(&outcomes, &[Fate::Killed, Fate::NotEquivalent]);
    let survived = ExerciseScore::count(&outcomes, &[Fate::Survived]);
    Ok(ExerciseScore {
        exercise: exercise.name.clone(),
        topic: exercise.topic.clone(),
        file: file.to_owned(),
        killed,
        survived,
        equivalent: ExerciseScore::count(&outcomes, &[Fate::Equivalent]),
        unviable: ExerciseScore::count(&outcomes, &[Fate::Unviable]),
        score: if killed + survived == 0 {
            1.0
        } else {
            killed as f64 / (killed + survived) as f64
        },
        elapsed_ms: started.elapsed().as_millis() as u64,
        mutants: outcomes,
        flaky: Vec::new(),
    })
}

fn judge(m: &Mutant, graded: &Graded, reason: Option<String>, source: &str, file: &str) -> Outcome {
    let failed = graded.tests.iter().find(|t| !t.passed());
    let fate = match (graded.verdict, failed, &reason) {
        (Verdict::CompileError, _, _) => Fate::Unviable,
        (_, Some(_), Some(_)) => Fate::NotEquivalent,
        (_, Some(_), None) => Fate::Killed,
        (_, None, Some(_)) => Fate::Equivalent,
        (_, None, None) => Fate::Survived,
    };
    Outcome {
        id: m.id.clone(),
        genre: m.genre,
        line: m.line,
        fate,
        killed_by: failed.map(|t| {
            let first = t.message.lines().next().unwrap_or_default();
            format!("{}: {first}", t.name)
        }),
        diff: matches!(fate, Fate::Survived | Fate::Equivalent).then(|| m.diff(source, file)),
        reason,
    }
}

fn print_score(score: &ExerciseScore) {
    println!(
        "{} ({}) — {} mutants: {} killed, {} survived, {} equivalent, {} unviable — {} in {:.1} s",
        score.exercise,
        score.topic,
        score.mutants.len(),
        score.killed,
        score.survived,
        score.equivalent,
        score.unviable,
        percent(score.score),
        score.elapsed_ms as f64 / 1000.0
    );
    for id in &score.flaky {
        println!(
            "  {} flaky: killed on some runs, not on others (a race no test forces): {id}",
            style::bad("✗")
        );
    }
    for outcome in &score.mutants {
        match outcome.fate {
            Fate::Survived => {
                println!(
                    "  {} survived   {}:{} [{}] {}",
                    style::bad("✗"),
                    score.file,
                    outcome.line,
                    outcome.genre,
                    outcome.id
                );
                if let Some(diff) = &outcome.diff {
                    println!("{}", crate::render::indent(diff.trim_end(), "      "));
                }
            }
            Fate::NotEquivalent => println!(
                "  {} listed as equivalent in mutants.toml, but killed by {}: {}",
                style::bad("✗"),
                outcome.killed_by.as_deref().unwrap_or("a test"),
                outcome.id
            ),
            _ => {}
        }
    }
}

fn percent(score: f64) -> String {
    format!("{:.0} %", score * 100.0)
}

fn print_summary(scores: &[ExerciseScore], seconds: f64) {
    let mut topics: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    let mut genres: BTreeMap<Genre, (usize, usize)> = BTreeMap::new();
    for score in scores {
        let topic = topics.entry(&score.topic).or_default();
        topic.0 += score.killed;
        topic.1 += score.survived;
        for outcome in &score.mutants {
            let genre = genres.entry(outcome.genre).or_default();
            match outcome.fate {
                Fate::Killed | Fate::NotEquivalent => genre.0 += 1,
                Fate::Survived => genre.1 += 1,
                _ => {}
            }
        }
    }
    if scores.len() > 1 {
        println!("\nby topic:");
        for (topic, (killed, survived)) in &topics {
            println!(
                "  {topic:<16} {killed:>4} killed {survived:>3} survived  {}",
                percent(ratio(*killed, *survived))
            );
        }
        println!("by kind of mistake:");
        for (genre, (killed, survived)) in &genres {
            println!(
                "  {:<16} {killed:>4} killed {survived:>3} survived  {}",
                genre.to_string(),
                percent(ratio(*killed, *survived))
            );
        }
    }
    let killed: usize = scores.iter().map(|s| s.killed).sum();
    let survived: usize = scores.iter().map(|s| s.survived).sum();
    let equivalent: usize = scores.iter().map(|s| s.equivalent).sum();
    let unviable: usize = scores.iter().map(|s| s.unviable).sum();
    println!(
        "\n{} mutants: {killed} killed, {survived} survived, {equivalent} equivalent, {unviable} \
         unviable — {} of the mutants that matter killed, in {seconds:.0} s",
        killed + survived + equivalent + unviable,
        percent(ratio(killed, survived)),
    );
}

fn ratio(killed: usize, survived: usize) -> f64 {
    if killed + survived == 0 {
        1.0
    } else {
        killed as f64 / (killed + survived) as f64
    }
}
