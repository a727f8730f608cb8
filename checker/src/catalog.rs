//! The manifest (`checker/catalog.toml`): topics and exercises in teaching order.
//!
//! Everything the checker knows about exercises comes from here; nothing is hard-coded.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use anyhow::{Context, Result, bail};
use serde::Deserialize;
use toml::Spanned;

/// The parsed manifest, exercises ordered by topic, then by their order in the file.
#[derive(Debug)]
pub struct Catalog {
    pub topics: Vec<Topic>,
    pub exercises: Vec<Exercise>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Topic {
    pub name: String,
    pub title: String,
    /// The topic's page under `docs/src/`.
    pub chapter: String,
    #[serde(default)]
    pub concepts: Vec<u32>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Exercise {
    pub name: String,
    pub topic: String,
    /// The file the student edits, relative to the topic crate.
    pub file: String,
    /// Test-name prefix in the topic's suite.
    pub tests: String,
    /// Test target; defaults to the topic's library name.
    pub suite: Option<String>,
    #[serde(default)]
    pub features: Vec<String>,
    /// Seconds one test may run before it counts as a hang.
    pub timeout: Option<u64>,
    /// Run this exercise's tests alone (timing probes that other tests would disturb).
    #[serde(default)]
    pub serial: bool,
    /// Memory one test may use, e.g. `"2 GiB"` (default [`DEFAULT_MEMORY`]).
    #[serde(default, deserialize_with = "memory_size")]
    pub memory: Option<u64>,
    #[serde(default)]
    pub hints: Vec<String>,
    /// More suites that grade this exercise, e.g. a model-checked one built with a feature.
    #[serde(default)]
    pub also: Vec<SuiteRun>,
    /// Partial credit: points for the tests whose name ends with the key (unlisted: 1).
    #[serde(default)]
    pub weights: BTreeMap<String, f64>,
    /// Names this exercise had in earlier versions of the kit: progress recorded under them
    /// is carried over, so an upgrade that renames an exercise keeps the student's work.
    #[serde(default)]
    pub renamed_from: Vec<String>,
}

/// One test target (built with some features) and the test-name prefix to run in it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SuiteRun {
    pub suite: String,
    #[serde(default)]
    pub features: Vec<String>,
    pub tests: String,
}

/// The default seconds a test may run.
pub const DEFAULT_TIMEOUT_SECS: u64 = 5;

/// The default memory one test may use (its processes together): 1 GiB.
pub const DEFAULT_MEMORY: u64 = 1 << 30;

/// `"512 MiB"`, `"2 GiB"`, `"1.5 GiB"` (binary units; `KiB`, `MiB`, `GiB`), as bytes.
pub fn parse_memory(text: &str) -> Option<u64> {
    let text = text.trim();
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: f64 = number.parse().ok()?;
    let scale = match unit.trim() {
        "KiB" => 1u64 << 10,
        "MiB" => 1 << 20,
        "GiB" => 1 << 30,
        _ => return None,
    };
    let bytes = number * scale as f64;
    (bytes >= 1.0).then_some(bytes as u64)
}

fn memory_size<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    let text = String::deserialize(d)?;
    parse_memory(&text).map(Some).ok_or_else(|| {
        serde::de::Error::custom(format!(
            "memory = \"{text}\" is not a size like \"512 MiB\" or \"2 GiB\""
        ))
    })
}

impl Exercise {
    /// Every suite run that grades this exercise: the default suite first.
    pub fn runs(&self) -> Vec<SuiteRun> {
        let main = SuiteRun {
            suite: self
                .suite
                .clone()
                .unwrap_or_else(|| crate::layout::Layout::default_suite(&self.topic)),
            features: self.features.clone(),
            tests: self.tests.clone(),
        };
        std::iter::once(main)
            .chain(self.also.iter().cloned())
            .collect()
    }

    pub fn timeout_secs(&self) -> u64 {
        self.timeout.unwrap_or(DEFAULT_TIMEOUT_SECS)
    }

    /// The memory one of its tests may use, in bytes.
    pub fn memory_bytes(&self) -> u64 {
        self.memory.unwrap_or(DEFAULT_MEMORY)
    }

    /// The points one test is worth: the weight whose key is the longest suffix of its name,
    /// so `"join" = 2` and `"spawn_join::join" = 3` can both be written and the closer wins.
    pub fn weight(&self, test: &str) -> f64 {
        self.weights
            .iter()
            .filter(|(suffix, _)| test.ends_with(suffix.as_str()))
            .max_by_key(|(suffix, _)| suffix.len())
            .map_or(1.0, |(_, points)| *points)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCatalog {
    version: u32,
    #[serde(rename = "topic", default)]
    topics: Vec<Spanned<Topic>>,
    #[serde(rename = "exercise", default)]
    exercises: Vec<Spanned<Exercise>>,
}

impl Catalog {
    /// Reads and checks the manifest; every error names the file and the line.
    pub fn load(path: &Path) -> Result<Catalog> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read the catalog {}", path.display()))?;
        Self::parse(&text, path)
    }

    pub fn parse(text: &str, path: &Path) -> Result<Catalog> {
        let line_of = |offset: usize| text[..offset.min(text.len())].matches('\n').count() + 1;
        let raw: RawCatalog = toml::from_str(text).map_err(|e| {
            let at = e
                .span()
                .map(|s| format!(":{}", line_of(s.start)))
                .unwrap_or_default();
            anyhow::anyhow!("{}{at}: {}", path.display(), e.message())
        })?;
        if raw.version != 1 {
            bail!(
                "{}: catalog version {} is not supported (expected 1)",
                path.display(),
                raw.version
            );
        }
        let mut topic_names = BTreeSet::new();
        for topic in &raw.topics {
            if !topic_names.insert(topic.get_ref().name.clone()) {
                let line = line_of(topic.span().start);
                bail!(
                    "{}:{line}: topic `{}` is declared twice",
                    path.display(),
                    topic.get_ref().name
                );
            }
        }
        let mut names = BTreeSet::new();
        for exercise in &raw.exercises {
            let line = line_of(exercise.span().start);
            let e = exercise.get_ref();
            if !topic_names.contains(&e.topic) {
                bail!(
                    "{}:{line}: exercise `{}` names topic `{}`, which has no [[topic]] entry",
                    path.display(),
                    e.name,
                    e.topic
                );
            }
            if topic_names.contains(&e.name) {
                bail!(
                    "{}:{line}: exercise `{}` has the name of a topic; names must be unique",
                    path.display(),
                    e.name
                );
            }
            if let Some((test, points)) =
                e.weights.iter().find(|(_, p)| !p.is_finite() || **p < 0.0)
            {
                bail!(
                    "{}:{line}: exercise `{}`: weight {points} for `{test}` must be a number of \
                     points, 0 or more",
                    path.display(),
                    e.name
                );
            }
            if !names.insert(e.name.clone()) {
                bail!(
                    "{}:{line}: exercise `{}` is declared twice",
                    path.display(),
                    e.name
                );
            }
        }
        // An old name that is also a current one would hand one exercise's progress to another.
        for exercise in &raw.exercises {
            let e = exercise.get_ref();
            if let Some(old) = e.renamed_from.iter().find(|old| names.contains(*old)) {
                bail!(
                    "{}:{}: exercise `{}` is `renamed_from` `{old}`, which is still an exercise",
                    path.display(),
                    line_of(exercise.span().start),
                    e.name
                );
            }
        }
        let topics: Vec<Topic> = raw.topics.into_iter().map(Spanned::into_inner).collect();
        let mut exercises: Vec<Exercise> =
            raw.exercises.into_iter().map(Spanned::into_inner).collect();
        // Teaching order: topics as declared, exercises in file order within their topic.
        let rank: BTreeMap<&str, usize> = topics
            .iter()
            .enumerate()
            .map(|(i, t)| (t.name.as_str(), i))
            .collect();
        exercises.sort_by_key(|e| rank[e.topic.as_str()]);
        Ok(Catalog { topics, exercises })
    }

    pub fn topic(&self, name: &str) -> Option<&Topic> {
        self.topics.iter().find(|t| t.name == name)
    }

    pub fn exercise(&self, name: &str) -> Option<&Exercise> {
        self.exercises.iter().find(|e| e.name == name)
    }

    pub fn topic_of(&self, exercise: &Exercise) -> &Topic {
        self.topic(&exercise.topic)
            .expect("topics are checked when the catalog is loaded")
    }

    pub fn exercises_of<'a>(&'a self, topic: &str) -> impl Iterator<Item = &'a Exercise> + 'a {
        let topic = topic.to_owned();
        self.exercises.iter().filter(move |e| e.topic == topic)
    }

    /// Resolves a name given on the command line: an exercise, a topic, or an error listing
    /// the nearest names.
    pub fn select(&self, name: &str) -> Result<Vec<&Exercise>, UnknownName> {
        if let Some(exercise) = self.exercise(name) {
            return Ok(vec![exercise]);
        }
        if self.topic(name).is_some() {
            return Ok(self.exercises_of(name).collect());
        }
        let candidates = self
            .exercises
            .iter()
            .map(|e| e.name.as_str())
            .chain(self.topics.iter().map(|t| t.name.as_str()));
        Err(UnknownName {
            name: name.to_owned(),
            nearest: nearest(name, candidates),
        })
    }
}

/// A name that is neither an exercise nor a topic.
#[derive(Debug)]
pub struct UnknownName {
    pub name: String,
    pub nearest: Vec<String>,
}

impl std::fmt::Display for UnknownName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "no exercise or topic is called `{}`", self.name)?;
        if !self.nearest.is_empty() {
            write!(
                f,
                "; did you mean {}?",
                self.nearest
                    .iter()
                    .map(|n| format!("`{n}`"))
                    .collect::<Vec<_>>()
                    .join(" or ")
            )?;
        }
        write!(f, " (`cargo checker list` shows them all)")
    }
}

impl std::error::Error for UnknownName {}

/// Up to three names close to `name`, closest first.
pub fn nearest<'a>(name: &str, candidates: impl Iterator<Item = &'a str>) -> Vec<String> {
    let mut scored: Vec<(f64, &str)> = candidates
        .map(|c| {
            let mut score = strsim::jaro_winkler(name, c);
            if c.contains(name) || name.contains(c) {
                score += 0.2;
            }
            (score, c)
        })
        .filter(|(score, _)| *score >= 0.75)
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0));
    scored
        .into_iter()
        .take(3)
        .map(|(_, c)| c.to_owned())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_sizes_read_as_bytes() {
        assert_eq!(parse_memory("2 GiB"), Some(2 << 30));
        assert_eq!(parse_memory("512 MiB"), Some(512 << 20));
        assert_eq!(parse_memory("1.5GiB"), Some(3 << 29));
        assert_eq!(parse_memory("2 GB"), None, "binary units only: say GiB");
        assert_eq!(parse_memory("lots"), None);
    }

    const SAMPLE: &str = r#"
version = 1
[[topic]]
name = "threads"
title = "t"
chapter = "threads.md"

[[topic]]
name = "locks"
title = "l"
chapter = "locks.md"

[[exercise]]
name = "counter"
topic = "locks"
file = "src/counter.rs"
tests = "counter::"

[[exercise]]
name = "spawn_join"
topic = "threads"
file = "src/spawn_join.rs"
tests = "spawn_join::"
"#;

    fn sample() -> Catalog {
        Catalog::parse(SAMPLE, Path::new("catalog.toml")).unwrap()
    }

    #[test]
    fn exercises_follow_topic_order() {
        let names: Vec<_> = sample().exercises.iter().map(|e| e.name.clone()).collect();
        assert_eq!(names, ["spawn_join", "counter"]);
    }

    #[test]
    fn default_suite_is_the_topic_library() {
        let catalog = sample();
        let runs = catalog.exercise("counter").unwrap().runs();
        assert_eq!(
            runs,
            [SuiteRun {
                suite: "locks".into(),
                features: vec![],
                tests: "counter::".into()
            }]
        );
    }

    #[test]
    fn unknown_names_suggest_the_nearest() {
        let err = sample().select("spawn_joni").unwrap_err();
        assert_eq!(err.nearest, ["spawn_join"]);
        assert!(err.to_string().contains("did you mean `spawn_join`"));
    }

    #[test]
    fn weights_match_the_longest_suffix_and_default_to_one() {
        let text = SAMPLE.replace(
            "tests = \"counter::\"",
            "tests = \"counter::\"\nweights = { total = 2, \"counter::exact_total\" = 3.5 }",
        );
        let catalog = Catalog::parse(&text, Path::new("catalog.toml")).unwrap();
        let counter = catalog.exercise("counter").unwrap();
        assert_eq!(counter.weight("counter::exact_total"), 3.5);
        assert_eq!(counter.weight("counter::grand_total"), 2.0);
        assert_eq!(counter.weight("counter::no_lost_updates"), 1.0);
        let negative = text.replace("total = 2", "total = -2");
        let err = Catalog::parse(&negative, Path::new("catalog.toml"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("weight -2 for `total`"), "{err}");
    }

    #[test]
    fn a_topic_selects_its_exercises() {
        assert_eq!(sample().select("locks").unwrap().len(), 1);
    }

    #[test]
    fn an_old_name_must_not_be_a_current_one() {
        let clash = SAMPLE.replace(
            "name = \"counter\"\n",
            "name = \"counter\"\nrenamed_from = [\"spawn_join\"]\n",
        );
        let err = Catalog::parse(&clash, Path::new("catalog.toml"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("`renamed_from` `spawn_join`"), "{err}");
        let fine = SAMPLE.replace(
            "name = \"counter\"\n",
            "name = \"counter\"\nrenamed_from = [\"tally\"]\n",
        );
        let catalog = Catalog::parse(&fine, Path::new("catalog.toml")).unwrap();
        assert_eq!(catalog.exercise("counter").unwrap().renamed_from, ["tally"]);
    }

    #[test]
    fn errors_name_the_line() {
        let broken = SAMPLE.replace("topic = \"locks\"\nfile", "topic = \"lokcs\"\nfile");
        let err = Catalog::parse(&broken, Path::new("catalog.toml"))
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("catalog.toml:13:"), "{err}");
        assert!(err.contains("`lokcs`"), "{err}");
        let typo = SAMPLE.replace("tests = \"counter::\"", "test = \"counter::\"");
        let err = Catalog::parse(&typo, Path::new("catalog.toml"))
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("catalog.toml:"), "{err}");
    }
}
