//! The CI formats (issue 15): each read back by a consumer of it and
//! checked against what its consumers require, on a project whose findings
//! have labels, help, fixes, markup characters (`<`, `&`, `"`) and
//! non-ASCII text before them; and on a clean project.
//!
//! - `junit`: read by `junit-parser` (the XML reader of test-report
//!   tools): a failed case per finding, one passed case when clean;
//! - `checkstyle`: read by an XML parser: `checkstyle` > `file name` >
//!   `error line column severity message source`;
//! - `gitlab`: GitLab Code Quality's required fields (`description`,
//!   `check_name`, `fingerprint` unique in the report, `severity` among
//!   GitLab's five, `location.path`, `location.lines.begin`);
//! - `rdjson`: reviewdog's `DiagnosticResult`: columns in UTF-8 bytes from 1,
//!   the end exclusive, checked against the file's bytes.

mod common;

use std::collections::HashSet;
use std::path::Path;

use common::{command_in, temp_project, BIN};

fn run(dir: &Path, format: &str) -> (Option<i32>, String) {
    let o = command_in(BIN, dir)
        .args([
            "check",
            "--no-config",
            "--no-shell-env",
            "--format",
            format,
            ".",
        ])
        .output()
        .unwrap();
    (o.status.code(), String::from_utf8(o.stdout).unwrap())
}

/// A project with findings whose texts hold XML's markup characters and
/// whose lines hold non-ASCII text before the finding.
fn project() -> tempfile::TempDir {
    temp_project(&[
        (
            "compose.yaml",
            "services:\n  app:\n    image: python:3.12-slim\n    env_file: .env\n    environment:\n      - \"GREETING=été & <b>\"\n    command: uvicorn app:app --host localhost\n  db:\n    image: postgres\n",
        ),
        (".env", "# café\nNAME=\"é<&>\"\nDATABASE_URL=postgres://usé@localhost:5432/db\n"),
    ])
}

/// The findings as the JSON format gives them: (file, line, column, rule).
fn findings(dir: &Path) -> Vec<(String, u64, u64, String)> {
    let (_, out) = run(dir, "json");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["file"].as_str().unwrap().to_string(),
                d["line"].as_u64().unwrap(),
                d["column"].as_u64().unwrap(),
                d["name"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn junit_is_read_by_a_junit_reader() {
    let dir = project();
    let expected = findings(dir.path());
    assert!(expected.len() >= 3, "{expected:?}");
    let (code, out) = run(dir.path(), "junit");
    assert_eq!(code, Some(1));
    let suites = junit_parser::from_reader(out.as_bytes()).unwrap_or_else(|e| panic!("{e}\n{out}"));
    let cases: Vec<_> = suites.suites.iter().flat_map(|s| &s.cases).collect();
    assert_eq!(cases.len(), expected.len(), "{out}");
    assert_eq!(suites.failures as usize, expected.len());
    for (case, (file, line, column, rule)) in cases.iter().zip(&expected) {
        assert!(case.status.is_failure(), "{case:?}");
        let failure = case.status.failure_as_ref();
        assert!(!failure.message.is_empty());
        assert!(
            failure
                .text
                .starts_with(&format!("{file}:{line}:{column}: "))
                && failure.text.contains(&format!("[{rule}]")),
            "{}",
            failure.text
        );
        assert_eq!(case.file.as_deref(), Some(file.as_str()));
        assert_eq!(case.line, Some(*line));
    }
    // Markup characters in a text are escaped (`<version>` in a help).
    assert!(
        out.contains("&lt;version&gt;") && !out.contains("<version>"),
        "{out}"
    );
    // Clean: one passed case, so that the report shows the check ran.
    let clean = temp_project(&[("compose.yaml", "services:\n  app:\n    image: busybox:1.36\n    user: \"1000\"\n    healthcheck:\n      test: [\"CMD\", \"true\"]\n")]);
    let (code, out) = run(clean.path(), "junit");
    assert_eq!(code, Some(0), "{out}");
    let suites = junit_parser::from_reader(out.as_bytes()).unwrap();
    let cases: Vec<_> = suites.suites.iter().flat_map(|s| &s.cases).collect();
    assert_eq!(cases.len(), 1, "{out}");
    assert!(cases[0].status.is_success());
}

#[test]
fn checkstyle_is_well_formed_and_complete() {
    use quick_xml::events::Event;
    let dir = project();
    let expected = findings(dir.path());
    let (_, out) = run(dir.path(), "checkstyle");
    let mut reader = quick_xml::Reader::from_str(&out);
    let mut stack: Vec<String> = Vec::new();
    let mut errors: Vec<(String, u64, u64, String)> = Vec::new();
    let mut file = String::new();
    loop {
        match reader.read_event().unwrap_or_else(|e| panic!("{e}\n{out}")) {
            Event::Eof => break,
            ev @ (Event::Start(_) | Event::Empty(_)) => {
                let (e, opens) = match ev {
                    Event::Start(e) => (e, true),
                    Event::Empty(e) => (e, false),
                    _ => unreachable!(),
                };
                let name = String::from_utf8_lossy(e.name().as_ref().as_bytes()).into_owned();
                let attr = |k: &str| {
                    e.try_get_attribute(k).unwrap().map(|a| {
                        a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                            .unwrap()
                            .into_owned()
                    })
                };
                match (name.as_str(), stack.last().map(String::as_str)) {
                    ("checkstyle", None) => {}
                    ("file", Some("checkstyle")) => file = attr("name").expect("file name"),
                    ("error", Some("file")) => {
                        let message = attr("message").expect("message");
                        assert!(!message.is_empty());
                        assert!(matches!(
                            attr("severity").as_deref(),
                            Some("error" | "warning" | "info")
                        ));
                        let source = attr("source").expect("source");
                        errors.push((
                            file.clone(),
                            attr("line").unwrap().parse().unwrap(),
                            attr("column").unwrap().parse().unwrap(),
                            source
                                .strip_prefix("mppeep-lint.")
                                .expect("source")
                                .to_string(),
                        ));
                    }
                    other => panic!("unexpected element {other:?} in\n{out}"),
                }
                if opens {
                    stack.push(name);
                }
            }
            Event::End(_) => {
                stack.pop();
            }
            _ => {}
        }
    }
    let mut expected = expected;
    expected.sort();
    errors.sort();
    assert_eq!(errors, expected, "{out}");
}

#[test]
fn gitlab_code_quality_has_what_gitlab_requires() {
    let dir = project();
    let expected = findings(dir.path());
    let (_, out) = run(dir.path(), "gitlab");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let issues = v.as_array().expect("an array of issues");
    assert_eq!(issues.len(), expected.len());
    let mut fingerprints = HashSet::new();
    for (i, (file, line, _, rule)) in issues.iter().zip(&expected) {
        assert_eq!(i["type"], "issue");
        assert_eq!(i["check_name"], rule.as_str());
        assert!(!i["description"].as_str().unwrap().is_empty());
        assert!(matches!(
            i["severity"].as_str(),
            Some("info" | "minor" | "major" | "critical" | "blocker")
        ));
        assert!(
            fingerprints.insert(i["fingerprint"].as_str().unwrap().to_string()),
            "fingerprints repeat"
        );
        assert_eq!(i["location"]["path"], file.as_str());
        assert_eq!(i["location"]["lines"]["begin"].as_u64(), Some(*line));
        assert!(dir.path().join(file).is_file());
    }
    // Two identical findings on identical lines: still two fingerprints.
    let twice = temp_project(&[
        (".env", "A=\"1\"\nA=\"1\"\n"),
        (
            "compose.yaml",
            "services:\n  app:\n    image: busybox:1.36\n    env_file: .env\n",
        ),
    ]);
    let (_, out) = run(twice.path(), "gitlab");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let fps: Vec<&str> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["fingerprint"].as_str().unwrap())
        .collect();
    let unique: HashSet<&&str> = fps.iter().collect();
    assert_eq!(unique.len(), fps.len(), "{out}");
}

#[test]
fn rdjson_ranges_are_utf8_byte_columns() {
    let dir = project();
    let expected = findings(dir.path());
    let (_, out) = run(dir.path(), "rdjson");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["source"]["name"], "mppeep-lint");
    assert!(matches!(
        v["severity"].as_str(),
        Some("ERROR" | "WARNING" | "INFO")
    ));
    let ds = v["diagnostics"].as_array().unwrap();
    assert_eq!(ds.len(), expected.len());
    let mut non_ascii = false;
    for (d, (file, line, column, rule)) in ds.iter().zip(&expected) {
        assert!(!d["message"].as_str().unwrap().is_empty());
        assert!(matches!(
            d["severity"].as_str(),
            Some("ERROR" | "WARNING" | "INFO")
        ));
        assert_eq!(d["code"]["value"], rule.as_str());
        assert_eq!(d["location"]["path"], file.as_str());
        let start = &d["location"]["range"]["start"];
        let end = &d["location"]["range"]["end"];
        assert_eq!(start["line"].as_u64(), Some(*line));
        // The byte column points where the character column does.
        let text = std::fs::read_to_string(dir.path().join(file)).unwrap();
        let l = text.lines().nth(*line as usize - 1).unwrap();
        let bytes = start["column"].as_u64().unwrap() as usize;
        let chars: usize = l[..bytes - 1].chars().count() + 1;
        assert_eq!(chars as u64, *column, "{d}");
        non_ascii |= bytes as u64 != *column;
        let (el, ec) = (
            end["line"].as_u64().unwrap(),
            end["column"].as_u64().unwrap(),
        );
        assert!((el, ec) >= (*line, bytes as u64), "{d}");
        for s in d["suggestions"].as_array().into_iter().flatten() {
            assert!(s["range"]["start"]["line"].as_u64().unwrap() >= 1);
            assert!(s["text"].is_string());
        }
    }
    assert!(
        non_ascii,
        "no finding after non-ASCII text: the byte columns are not tested\n{out}"
    );
}

/// SARIF on exit 2: still a SARIF document, saying why the run failed (a
/// path that does not exist, after the report on the rest; an unknown
/// rule, before any report). Paths with a space, `#` and non-ASCII are
/// percent-encoded URIs.
#[test]
fn sarif_says_why_a_run_failed_and_encodes_its_uris() {
    let dir = temp_project(&[(
        "my dir #1/é/compose.yaml",
        "services:\n  app:\n    image: postgres\n",
    )]);
    for (args, words, results) in [
        (
            vec!["check", "--format", "sarif", ".", "no/such/dir"],
            "no/such/dir",
            true,
        ),
        (
            vec!["check", "--format", "sarif", "--select", "nope", "."],
            "unknown rule",
            false,
        ),
    ] {
        let o = command_in(BIN, dir.path())
            .args(&args)
            .arg("--no-config")
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        let run = &v["runs"][0];
        assert_eq!(run["invocations"][0]["executionSuccessful"], false);
        let note = run["invocations"][0]["toolExecutionNotifications"][0]["message"]["text"]
            .as_str()
            .unwrap();
        assert!(note.contains(words), "{note}");
        assert_eq!(
            !run["results"].as_array().unwrap().is_empty(),
            results,
            "{args:?}"
        );
        if results {
            let uri = run["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
                ["uri"]
                .as_str()
                .unwrap();
            assert_eq!(uri, "my%20dir%20%231/%C3%A9/compose.yaml");
        }
    }
}
