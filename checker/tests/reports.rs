//! The report formats on a real run: `check --format junit` on a copy of the kit writes
//! well-formed JUnit XML with one test case per test the checker ran.

mod common;

use common::KitCopy;
use quick_xml::events::Event;

/// Test case names in a JUnit document, after checking that it parses, its tags nest, and
/// every test case sits in a test suite.
fn testcases(xml: &str) -> Vec<String> {
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut open: Vec<String> = Vec::new();
    let mut names = Vec::new();
    loop {
        let event = reader.read_event().expect("well-formed XML");
        if let Event::Start(e) | Event::Empty(e) = &event
            && e.name().as_ref() == "testcase"
        {
            assert_eq!(open.last().map(String::as_str), Some("testsuite"));
            let name = e.try_get_attribute("name").unwrap().expect("a name");
            names.push(
                name.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                    .unwrap()
                    .into_owned(),
            );
        }
        match event {
            Event::Start(e) => open.push(e.name().as_ref().to_owned()),
            Event::End(e) => {
                let name = e.name().as_ref().to_owned();
                assert_eq!(open.pop(), Some(name));
            }
            Event::Eof => break,
            _ => {}
        }
    }
    assert!(open.is_empty(), "unclosed elements: {open:?}");
    names
}

#[test]
fn junit_on_a_topic_is_well_formed_with_one_testcase_per_test() {
    let kit = KitCopy::new();
    let output = kit
        .checker()
        .args(["check", "threads", "--format", "junit"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1), "the stubs fail");
    let xml = String::from_utf8(output.stdout).unwrap();
    assert!(xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>"));
    let cases = testcases(&xml);

    // The same run as Gradescope JSON, written to a file: the same tests, one entry each.
    let file = kit.path("results.json");
    kit.checker()
        .args(["check", "threads", "--format", "gradescope", "--output"])
        .arg(&file)
        .assert()
        .code(1)
        .stdout("");
    let results: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    let tests: Vec<String> = results["tests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap().to_owned())
        .collect();
    assert!(!tests.is_empty());
    assert_eq!(cases, tests, "one testcase per test, in the same order");
    assert_eq!(results["score"], 0.0);
    assert_eq!(
        results["max_score"],
        tests.len() as f64,
        "no weights: 1 point each"
    );
}

#[test]
fn exercism_shows_each_test_its_own_source() {
    let kit = KitCopy::new();
    let output = kit
        .checker()
        .args(["check", "spawn_join", "--format", "exercism"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let results = common::json(&output);
    assert_eq!(results["version"], 3);
    assert_eq!(results["status"], "fail");
    let tests = results["tests"].as_array().unwrap();
    assert!(!tests.is_empty());
    for test in tests {
        let code = test["test_code"].as_str().unwrap_or_default();
        // Every suite test runs inside `within`, bounded in time; its body is the source.
        assert!(code.starts_with("within("), "{}: {code:?}", test["name"]);
    }
}
