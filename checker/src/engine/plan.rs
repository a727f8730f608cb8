//! Planning: which packages to build, in which cargo invocations (passes), and which tests to
//! run from each — a pure function of the candidates and where their code comes from, so it is
//! tested without cargo.
//!
//! A pass is one `cargo build`: one workspace (the kit's, or the generated variants'), one set
//! of features. Cargo puts a binary at `target/debug/NAME` whatever package built it, so a pass
//! never holds two packages of a topic that has binaries (they would overwrite each other's),
//! and each pass's tests run before the next pass is built.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use crate::catalog::SuiteRun;

use super::subject::Source;

/// Everything to build and run.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Plan {
    pub passes: Vec<Pass>,
    /// Candidates that are graded without building anything, and why.
    pub unbuilt: Vec<(usize, Unbuilt)>,
}

/// Why a candidate needs no build.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unbuilt {
    Missing,
    Refused(String),
}

/// One cargo invocation.
#[derive(Debug, PartialEq, Eq)]
pub struct Pass {
    pub workspace: Workspace,
    pub features: Vec<String>,
    pub units: Vec<Unit>,
}

/// Which workspace a pass builds in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Workspace {
    /// The kit's own (`Cargo.toml` at the root): the exercise and solution crates as they are.
    Kit,
    /// The generated packages' (under the checker's build folder).
    Variants,
}

/// A generated package's recipe: the crate it copies, and the files it replaces (path in the
/// crate → contents).
pub type Recipe = (PathBuf, Vec<(String, Vec<u8>)>);

/// One package of a pass, and the tests to run from it.
#[derive(Debug, PartialEq, Eq)]
pub struct Unit {
    pub package: String,
    pub topic: String,
    /// The package's folder (for a generated one, where it will be written).
    pub dir: PathBuf,
    /// For a generated package: the crate it copies and the files it replaces.
    pub generated: Option<Recipe>,
    /// The test targets to build.
    pub suites: Vec<String>,
    /// (candidate, run): each candidate's tests in this package.
    pub jobs: Vec<(usize, SuiteRun)>,
}

/// Plans the grading of candidates whose code comes from `sources` and whose tests are
/// `runs` (index for index). `variants_dir` is where generated packages go; `binaries` names
/// the topics whose crates build binaries.
pub fn plan(
    sources: &[(String, Source)],
    runs: &[Vec<SuiteRun>],
    variants_dir: &Path,
    binaries: &BTreeSet<String>,
) -> Plan {
    let mut plan = Plan::default();
    for (i, ((topic, source), runs)) in sources.iter().zip(runs).enumerate() {
        let (workspace, package, dir, generated) = match source {
            Source::Missing => {
                plan.unbuilt.push((i, Unbuilt::Missing));
                continue;
            }
            Source::Refused(why) => {
                plan.unbuilt.push((i, Unbuilt::Refused(why.clone())));
                continue;
            }
            Source::Member { package, dir } => (Workspace::Kit, package, dir.clone(), None),
            Source::Generated {
                package,
                from,
                replace,
            } => (
                Workspace::Variants,
                package,
                variants_dir.join(package),
                Some((from.clone(), replace.clone())),
            ),
        };
        for run in runs {
            plan.place(
                workspace,
                topic,
                package,
                &dir,
                &generated,
                (i, run.clone()),
                binaries.contains(topic),
            );
        }
    }
    plan.passes
        .sort_by(|a, b| (a.workspace, &a.features).cmp(&(b.workspace, &b.features)));
    plan
}

impl Plan {
    #[allow(clippy::too_many_arguments)]
    fn place(
        &mut self,
        workspace: Workspace,
        topic: &str,
        package: &str,
        dir: &Path,
        generated: &Option<Recipe>,
        job: (usize, SuiteRun),
        has_binaries: bool,
    ) {
        let fits = |pass: &Pass| pass.workspace == workspace && pass.features == job.1.features;
        // The package's unit, if a pass with these features already builds it.
        if let Some(unit) = self
            .passes
            .iter_mut()
            .filter(|p| fits(p))
            .flat_map(|p| p.units.iter_mut())
            .find(|u| u.package == package)
        {
            if !unit.suites.contains(&job.1.suite) {
                unit.suites.push(job.1.suite.clone());
            }
            unit.jobs.push(job);
            return;
        }
        let unit = Unit {
            package: package.to_owned(),
            topic: topic.to_owned(),
            dir: dir.to_path_buf(),
            generated: generated.clone(),
            suites: vec![job.1.suite.clone()],
            jobs: Vec::new(),
        };
        let features = job.1.features.clone();
        let clash = |pass: &Pass| has_binaries && pass.units.iter().any(|u| u.topic == topic);
        let pass = match self.passes.iter().position(|p| fits(p) && !clash(p)) {
            Some(at) => at,
            None => {
                self.passes.push(Pass {
                    workspace,
                    features,
                    units: Vec::new(),
                });
                self.passes.len() - 1
            }
        };
        let mut unit = unit;
        unit.jobs.push(job);
        self.passes[pass].units.push(unit);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(suite: &str, features: &[&str]) -> SuiteRun {
        SuiteRun {
            suite: suite.into(),
            features: features.iter().map(|f| f.to_string()).collect(),
            tests: "x::".into(),
        }
    }

    fn member(package: &str) -> Source {
        Source::Member {
            package: package.into(),
            dir: PathBuf::from("/kit").join(package),
        }
    }

    fn generated(package: &str) -> Source {
        Source::Generated {
            package: package.into(),
            from: PathBuf::from("/kit/solutions/t"),
            replace: vec![("src/a.rs".into(), b"fn a() {}".to_vec())],
        }
    }

    #[test]
    fn members_share_a_pass_and_a_package_is_built_once() {
        let sources = vec![
            ("locks".into(), member("locks-solution")),
            ("locks".into(), member("locks-solution")),
            ("threads".into(), member("threads-solution")),
        ];
        let runs = vec![
            vec![run("locks", &[]), run("locks_model", &["model"])],
            vec![run("locks", &[])],
            vec![run("threads", &[])],
        ];
        let plan = plan(&sources, &runs, Path::new("/v"), &BTreeSet::new());
        assert_eq!(plan.passes.len(), 2, "{plan:#?}");
        let plain = &plan.passes[0];
        assert!(plain.features.is_empty());
        assert_eq!(plain.units.len(), 2);
        assert_eq!(
            plain.units[0].jobs.len(),
            2,
            "both candidates in one package"
        );
        assert_eq!(plan.passes[1].features, ["model"]);
        assert_eq!(plan.passes[1].units[0].suites, ["locks_model"]);
    }

    #[test]
    fn variants_of_a_topic_with_binaries_get_a_pass_each() {
        let sources = vec![
            ("daemons".into(), generated("daemons-wrong-a")),
            ("daemons".into(), generated("daemons-wrong-b")),
            ("threads".into(), generated("threads-wrong-a")),
            ("threads".into(), generated("threads-wrong-b")),
        ];
        let runs = vec![vec![run("s", &[])]; 4];
        let binaries = BTreeSet::from(["daemons".to_owned()]);
        let plan = plan(&sources, &runs, Path::new("/v"), &binaries);
        assert_eq!(plan.passes.len(), 2, "{plan:#?}");
        for pass in &plan.passes {
            let daemons = pass.units.iter().filter(|u| u.topic == "daemons").count();
            assert_eq!(daemons, 1);
        }
        let unit = &plan.passes[0].units[0];
        assert_eq!(unit.dir, Path::new("/v/daemons-wrong-a"));
        assert!(unit.generated.is_some());
    }

    #[test]
    fn nothing_to_build_for_missing_or_refused_work() {
        let sources = vec![
            ("t".into(), Source::Missing),
            ("t".into(), Source::Refused("a symlink".into())),
        ];
        let plan = plan(
            &sources,
            &[vec![], vec![]],
            Path::new("/v"),
            &BTreeSet::new(),
        );
        assert!(plan.passes.is_empty());
        assert_eq!(
            plan.unbuilt,
            [
                (0, Unbuilt::Missing),
                (1, Unbuilt::Refused("a symlink".into()))
            ]
        );
    }

    #[test]
    fn kit_passes_come_before_generated_ones() {
        let sources = vec![
            ("t".into(), generated("t-wrong-a")),
            ("t".into(), member("t-solution")),
        ];
        let runs = vec![vec![run("t", &[])]; 2];
        let plan = plan(&sources, &runs, Path::new("/v"), &BTreeSet::new());
        assert_eq!(plan.passes[0].workspace, Workspace::Kit);
        assert_eq!(plan.passes[1].workspace, Workspace::Variants);
    }
}
