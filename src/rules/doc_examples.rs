//! Every rule document's examples run: the failing example must fire the
//! rule, the passing example must not.

use crate::model::secrets::SecretPolicy;
use crate::rules::engine::{run, Settings};
use crate::rules::testing::{describe, workspace, write_project};
use crate::rules::{all_meta, Context};

/// The files of one `## <section>` of a document: fenced blocks whose info
/// string has `file=NAME`.
fn example_files(doc: &str, section: &str) -> Vec<(String, String)> {
    let mut files = Vec::new();
    let mut in_section = false;
    let mut current: Option<(String, String)> = None;
    for line in doc.lines() {
        if let Some(h) = line.strip_prefix("## ") {
            in_section = h.trim() == section;
            continue;
        }
        if !in_section {
            continue;
        }
        if let Some((name, body)) = current.as_mut() {
            if line.starts_with("```") {
                files.push((name.clone(), std::mem::take(body)));
                current = None;
            } else {
                body.push_str(line);
                body.push('\n');
            }
        } else if let Some(info) = line.strip_prefix("```") {
            if let Some(name) = info
                .split_whitespace()
                .find_map(|w| w.strip_prefix("file="))
            {
                current = Some((name.to_string(), String::new()));
            }
        }
    }
    files
}

/// What the whole engine reports on the files, for rule `name`.
fn findings(name: &str, files: &[(String, String)]) -> Vec<String> {
    let refs: Vec<(&str, &str)> = files
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    let dir = write_project(&refs);
    let ws = workspace(dir.path());
    let policy = SecretPolicy::default();
    let ctx = Context {
        ws: &ws,
        secrets: &policy,
    };
    run(&ctx, &Settings::default())
        .into_iter()
        .filter(|d| d.rule == name)
        .map(|d| {
            let f = describe(&ws, d);
            format!("{}:{}: {}", f.file, f.line, f.message)
        })
        .collect()
}

/// Documents whose failing example cannot be written as text.
const NO_FAILING_TEXT: &[&str] = &["unreadable-file", crate::rules::INTERNAL_ERROR];

#[test]
fn every_rule_doc_example_runs() {
    let mut problems = Vec::new();
    for meta in all_meta() {
        let failing = example_files(meta.doc, "Failing example");
        let passing = example_files(meta.doc, "Passing example");
        if passing.is_empty() {
            problems.push(format!("{}: no passing example", meta.name));
        } else {
            let got = findings(meta.name, &passing);
            if !got.is_empty() {
                problems.push(format!("{}: passing example fires: {got:?}", meta.name));
            }
        }
        if failing.is_empty() {
            if !NO_FAILING_TEXT.contains(&meta.name) {
                problems.push(format!("{}: no failing example", meta.name));
            }
        } else if findings(meta.name, &failing).is_empty() {
            problems.push(format!("{}: failing example does not fire", meta.name));
        }
        for section in ["What it finds", "Why it matters", "How to fix"] {
            if !meta.doc.contains(&format!("## {section}")) {
                problems.push(format!("{}: no `## {section}` section", meta.name));
            }
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
}

#[test]
fn example_files_reads_fenced_blocks() {
    let doc = "## Failing example\n```yaml file=a.yaml\nx: 1\n```\ntext\n```sh\nignored\n```\n## Passing example\n```env file=.env\nA=1\n```\n";
    assert_eq!(
        example_files(doc, "Failing example"),
        vec![("a.yaml".to_string(), "x: 1\n".to_string())]
    );
    assert_eq!(example_files(doc, "Passing example").len(), 1);
}
