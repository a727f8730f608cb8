//! What is graded: an exercise of one subject (the student's crate, the pristine stub, the
//! reference, a catalogued variant, a mutant, a submission), and where its code comes from.

use std::path::PathBuf;

use anyhow::Result;

use crate::catalog::Exercise;
use crate::kit::Kit;
use crate::known::Known;
use crate::layout::Layout;

/// Whose code is graded.
#[derive(Debug, Clone)]
pub enum Subject {
    /// The student's crate under `exercises/`.
    Student,
    /// The stub as the kit ships it (`checker/pristine/`), graded by `verify`, which expects it
    /// to fail: never the student's working copy, so solving exercises never breaks the proof.
    Stub,
    Solution,
    /// A catalogued mistake or correct alternative: the solution with one file replaced.
    Known(Known),
    /// A student's copy of the exercises, graded in class mode.
    Submission(Submission),
    /// The solution with a mutation in the exercise's file (`cargo checker mutants`).
    Mutant(MutantSubject),
}

impl Subject {
    /// A short label: `solution`, `stub`, `wrong:NAME`, `student:ALICE`, ...
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

/// One student's folder in class mode, read and checked before grading ([`Intake`]).
#[derive(Debug, Clone)]
pub struct Submission {
    /// The folder's name, as the gradebook shows it.
    pub student: String,
    /// A package-name-safe key, unique among the class (see `dev::class`).
    pub key: String,
    /// Every exercise file of the catalogue, as handed in: (exercise name, what was found).
    pub files: Vec<(String, Intake)>,
}

/// What a submission holds for one exercise's file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Intake {
    /// A regular file of acceptable size: its contents.
    Found(Vec<u8>),
    /// No file where the layout expects one.
    Missing,
    /// Something that is not graded (a symlink, a FIFO, a device, a file too large): why.
    Refused(String),
}

impl Submission {
    pub fn file(&self, exercise: &str) -> &Intake {
        self.files
            .iter()
            .find(|(name, _)| name == exercise)
            .map_or(&Intake::Missing, |(_, intake)| intake)
    }
}

/// A mutant to grade: the exercise's file with the mutation applied.
#[derive(Debug, Clone)]
pub struct MutantSubject {
    /// Its number among the exercise's mutants (its package is named after it).
    pub number: usize,
    pub id: String,
    pub contents: Vec<u8>,
}

/// One exercise of one subject to grade.
#[derive(Debug, Clone)]
pub struct Candidate<'k> {
    pub exercise: &'k Exercise,
    pub subject: Subject,
}

/// Where a candidate's code comes from: a crate of the kit's workspace as it is, a package
/// generated from one (some files replaced), or nothing to build at all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A member of the kit's workspace.
    Member { package: String, dir: PathBuf },
    /// A copy of `from` named `package`, with `replace` (path in the crate → contents).
    Generated {
        package: String,
        from: PathBuf,
        replace: Vec<(String, Vec<u8>)>,
    },
    /// No file was handed in for the exercise.
    Missing,
    /// What was handed in is not graded, and why.
    Refused(String),
}

impl<'k> Candidate<'k> {
    /// The student's own work on each of `exercises`.
    pub fn students(exercises: &[&'k Exercise]) -> Vec<Candidate<'k>> {
        exercises
            .iter()
            .map(|&exercise| Candidate {
                exercise,
                subject: Subject::Student,
            })
            .collect()
    }

    /// Where this candidate's code comes from. Reads the files it needs (a catalogued
    /// version's diff, the pristine stubs), nothing else.
    pub fn source(&self, kit: &Kit) -> Result<Source> {
        let layout = &kit.layout;
        let exercise = self.exercise;
        let topic = &exercise.topic;
        let generated = |package: String, from: PathBuf, replace| Source::Generated {
            package: package.replace('_', "-"),
            from,
            replace,
        };
        Ok(match &self.subject {
            Subject::Student => Source::Member {
                package: Layout::exercise_package(topic),
                dir: layout.exercise_crate(topic),
            },
            Subject::Solution => Source::Member {
                package: Layout::solution_package(topic),
                dir: layout.solution_crate(topic),
            },
            Subject::Stub => generated(
                // Every exercise of the topic as shipped: one package per topic.
                format!("{topic}-pristine"),
                layout.exercise_crate(topic),
                pristine_topic(kit, topic)?,
            ),
            Subject::Known(known) => {
                let solution = layout.solution_crate(topic).join(&exercise.file);
                generated(
                    format!(
                        "{topic}-{}-{}-{}",
                        known.kind.folder_name(),
                        exercise.name,
                        known.name
                    ),
                    layout.solution_crate(topic),
                    vec![(exercise.file.clone(), known.contents(&solution)?)],
                )
            }
            Subject::Mutant(mutant) => generated(
                format!("{topic}-mutant-{}-{}", exercise.name, mutant.number),
                layout.solution_crate(topic),
                vec![(exercise.file.clone(), mutant.contents.clone())],
            ),
            Subject::Submission(sub) => match sub.file(&exercise.name) {
                Intake::Missing => Source::Missing,
                Intake::Refused(why) => Source::Refused(why.clone()),
                Intake::Found(_) => {
                    // One package per student and topic, holding every file they handed in; a
                    // file that is missing or refused stays the stub as shipped.
                    let mut replace = pristine_topic(kit, topic)?;
                    for (file, contents) in &mut replace {
                        if let Some(e) = kit.catalog.exercises_of(topic).find(|e| &e.file == file)
                            && let Intake::Found(bytes) = sub.file(&e.name)
                        {
                            contents.clone_from(bytes);
                        }
                    }
                    generated(
                        format!("class-{}-{topic}", sub.key),
                        layout.exercise_crate(topic),
                        replace,
                    )
                }
            },
        })
    }
}

/// Every exercise file of a topic as the kit ships it.
fn pristine_topic(kit: &Kit, topic: &str) -> Result<Vec<(String, Vec<u8>)>> {
    kit.catalog
        .exercises_of(topic)
        .map(|e| Ok((e.file.clone(), crate::pristine::read(kit, e)?)))
        .collect()
}
