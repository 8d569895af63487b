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

/// The examples of the `## Not reported` section: each `### title`
/// subsection is one project (its fenced `file=` blocks) on which the rule
/// must stay silent.
fn not_reported_examples(doc: &str) -> Vec<(String, Vec<(String, String)>)> {
    let heading = "## Not reported";
    let Some(start) = doc
        .match_indices(heading)
        .map(|(i, _)| i)
        .find(|i| *i == 0 || doc[..*i].ends_with('\n'))
    else {
        return Vec::new();
    };
    let section = &doc[start..];
    let end = section[3..].find("\n## ").map_or(section.len(), |e| e + 3);
    let section = &section[..end];
    let mut out = Vec::new();
    for part in section.split("\n### ").skip(1) {
        let title = part.lines().next().unwrap_or_default().trim().to_string();
        let body = format!("## Example\n{part}");
        out.push((title, example_files(&body, "Example")));
    }
    out
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
    let ctx = Context::new(&ws, &policy);
    run(&ctx, &Settings::default())
        .into_iter()
        .filter(|d| d.rule.name() == name)
        .map(|d| {
            let f = describe(&ws, d);
            format!("{}:{}: {}", f.file, f.line, f.message)
        })
        .collect()
}

/// Documents whose failing example cannot be written as text.
const NO_FAILING_TEXT: &[&str] = &["unreadable-file", "internal-error"];

#[test]
fn every_rule_doc_example_runs() {
    let mut problems = Vec::new();
    for meta in all_meta() {
        let failing = example_files(meta.doc, "Failing example");
        let passing = example_files(meta.doc, "Passing example");
        if passing.is_empty() {
            problems.push(format!("{}: no passing example", meta.name()));
        } else {
            let got = findings(meta.name(), &passing);
            if !got.is_empty() {
                problems.push(format!("{}: passing example fires: {got:?}", meta.name()));
            }
        }
        if failing.is_empty() {
            if !NO_FAILING_TEXT.contains(&meta.name()) {
                problems.push(format!("{}: no failing example", meta.name()));
            }
        } else if findings(meta.name(), &failing).is_empty() {
            problems.push(format!("{}: failing example does not fire", meta.name()));
        }
        let is_rule = crate::rules::RULES.iter().any(|r| r.meta.id == meta.id);
        let silent = not_reported_examples(meta.doc);
        if is_rule && silent.is_empty() {
            problems.push(format!(
                "{}: no example under `## Not reported` (`### case` with its files)",
                meta.name()
            ));
        }
        for (title, files) in silent {
            if files.is_empty() {
                problems.push(format!(
                    "{}: not-reported case `{title}` has no files",
                    meta.name()
                ));
                continue;
            }
            let got = findings(meta.name(), &files);
            if !got.is_empty() {
                problems.push(format!(
                    "{}: not-reported case `{title}` fires: {got:?}",
                    meta.name()
                ));
            }
        }
        for section in ["What it finds", "Why it matters", "How to fix"] {
            if !meta.doc.contains(&format!("## {section}")) {
                problems.push(format!("{}: no `## {section}` section", meta.name()));
            }
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
}

#[test]
fn not_reported_examples_are_one_project_each() {
    let doc = "## Not reported\n- text\n### A template\n```sh file=.env.example\nA=\"1\"\n```\n### Two files\n```yaml file=compose.yaml\nx: 1\n```\n```sh file=.env\nB=2\n```\n## How to fix\n```sh file=.env\nC=3\n```\n";
    let ex = not_reported_examples(doc);
    assert_eq!(ex.len(), 2);
    assert_eq!(ex[0].0, "A template");
    assert_eq!(
        ex[0].1,
        vec![(".env.example".to_string(), "A=\"1\"\n".to_string())]
    );
    assert_eq!(ex[1].1.len(), 2);
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

/// A rule's fixes, on its failing example: its document says how they
/// work (`--fix` or `--unsafe-fixes` under `## How to fix`), and applying
/// them, pass after pass, leaves none of the findings fixed (only those
/// that had no fix may stay) and no fix to apply. A document that speaks
/// of `--fix` shows a fixable finding in its failing example.
#[test]
fn fixes_of_the_failing_examples_fix_them() {
    let mut problems = Vec::new();
    for meta in all_meta() {
        let failing = example_files(meta.doc, "Failing example");
        if failing.is_empty() {
            continue;
        }
        let refs: Vec<(&str, &str)> = failing
            .iter()
            .map(|(a, b)| (a.as_str(), b.as_str()))
            .collect();
        let dir = write_project(&refs);
        let of_rule = |dir: &std::path::Path| {
            let ws = workspace(dir);
            let policy = SecretPolicy::default();
            let ctx = Context::new(&ws, &policy);
            let diags: Vec<_> = run(&ctx, &Settings::default())
                .into_iter()
                .filter(|d| d.rule == meta.id)
                .collect();
            (ws, diags)
        };
        let (_, before) = of_rule(dir.path());
        let fixable = before.iter().filter(|d| d.fix.is_some()).count();
        let how = meta
            .doc
            .split("## How to fix")
            .nth(1)
            .map(|s| s.split("\n## ").next().unwrap_or_default())
            .unwrap_or_default();
        let documented = how.contains("`--fix`") || how.contains("`--unsafe-fixes`");
        match (fixable, documented) {
            (0, true) => problems.push(format!(
                "{}: `## How to fix` speaks of --fix, but the failing example has no fix",
                meta.name()
            )),
            (1.., false) => problems.push(format!(
                "{}: fixes, but `## How to fix` does not say so (`--fix` / `--unsafe-fixes`)",
                meta.name()
            )),
            _ => {}
        }
        if fixable == 0 {
            continue;
        }
        for _ in 0..10 {
            let (ws, diags) = of_rule(dir.path());
            let pass = crate::fix::plan(&diags, &ws.sources, true);
            if pass.changes.is_empty() {
                break;
            }
            for c in pass.changes {
                std::fs::write(&c.path, c.after).unwrap();
            }
        }
        let (_, after) = of_rule(dir.path());
        let unfixable = before.len() - fixable;
        if after.len() > unfixable || after.iter().any(|d| d.fix.is_some()) {
            problems.push(format!(
                "{}: after its fixes, {} findings ({} had no fix): {:?}",
                meta.name(),
                after.len(),
                unfixable,
                after.iter().map(|d| &d.message).collect::<Vec<_>>()
            ));
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
}
