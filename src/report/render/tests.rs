use super::*;
use crate::rules::{Edit, Fix, Label};
use crate::source::{FileKind, SourceFile, TextRange};

const SECRET: &str = "hunter2";

fn sources() -> SourceMap {
    let mut s = SourceMap::new();
    s.add(SourceFile::new(
        "compose.yml".into(),
        "compose.yml".into(),
        FileKind::Compose,
        "services:\n  app:\n    environment:\n      - PASSWORD=${PASSWORD}\n".into(),
    ));
    s.add(SourceFile::new(
        ".env".into(),
        ".env".into(),
        FileKind::Dotenv,
        format!("# secrets\nPASSWORD=\"{SECRET}\"\n"),
    ));
    s
}

fn diag() -> Diagnostic {
    let mut d = Diagnostic::new(
        crate::rules::RuleId::QuotedValue,
        Span::new(FileId(1), TextRange::new(19, 28)),
        format!("PASSWORD receives \"{SECRET}\" with its quotes"),
    )
    .with_span_label(format!("the quotes around {SECRET}"))
    .with_help(format!("write PASSWORD={SECRET}"));
    d.labels.push(Label {
        span: Span::new(FileId(0), TextRange::new(46, 57)),
        message: "interpolated here, into the container".into(),
    });
    d.fix = Some(Fix {
        description: "remove the quotes".into(),
        edits: vec![Edit {
            span: Span::new(FileId(1), TextRange::new(19, 28)),
            replacement: SECRET.into(),
        }],
        creates: Vec::new(),
        safe: true,
    });
    d
}

const META: &[RuleMeta] = &[RuleMeta {
    id: crate::rules::RuleId::QuotedValue,
    severity: Severity::Error,
    summary: "Quotes that become part of a value.",
    doc: "# quoted-value\n",
    cases: &[],
}];

fn run(f: fn(&Input) -> String, mask: bool) -> String {
    let s = sources();
    let d = [diag()];
    let redact = move |_: &Diagnostic, t: &str| {
        if mask {
            t.replace(SECRET, "********")
        } else {
            t.to_string()
        }
    };
    let redact_source = move |_: FileId, t: &str, _: usize| {
        if mask {
            t.replace(SECRET, &"*".repeat(SECRET.len()))
        } else {
            t.to_string()
        }
    };
    let mask_source = |_: FileId, t: &str, _: usize| t.replace(SECRET, &"*".repeat(SECRET.len()));
    let input = Input {
        diags: &d,
        sources: &s,
        rules: META,
        files: 2,
        redact: &redact,
        redact_source: &redact_source,
        mask_source: &mask_source,
        failure: None,
    };
    f(&input)
}

fn pretty_plain(i: &Input) -> String {
    pretty(i, false)
}

#[test]
fn compact_line() {
    assert_eq!(
        run(compact, false),
        ".env:2:10: error[quoted-value] PASSWORD receives \"hunter2\" with its quotes\n"
    );
}

#[test]
fn pretty_shows_both_files() {
    let out = run(pretty_plain, false);
    assert!(out.contains("quoted-value"), "{out}");
    assert!(out.contains(".env:2:10"), "{out}");
    assert!(out.contains("compose.yml:4:"), "{out}");
    assert!(
        out.contains("interpolated here, into the container"),
        "{out}"
    );
    assert!(out.contains("help: write PASSWORD"), "{out}");
    assert!(
        out.trim_end()
            .ends_with("1 error in 2 files; 1 fixable with --fix"),
        "{out}"
    );
    assert!(!out.contains('\u{1b}'), "no colour when not asked: {out}");
}

#[test]
fn json_contract() {
    let v: Value = serde_json::from_str(&run(json, false)).unwrap();
    assert_eq!(v["version"], 1);
    let d = &v["diagnostics"][0];
    assert_eq!(d["name"], "quoted-value");
    assert_eq!(d["severity"], "error");
    assert_eq!(d["file"], ".env");
    assert_eq!(
        (d["line"].as_u64(), d["column"].as_u64()),
        (Some(2), Some(10))
    );
    assert_eq!(
        (d["end_line"].as_u64(), d["end_column"].as_u64()),
        (Some(2), Some(19))
    );
    assert_eq!(d["labels"][0]["file"], "compose.yml");
    assert_eq!(d["labels"][0]["line"], 4);
    assert_eq!(d["fix"]["edits"][0]["replacement"], SECRET);
    assert_eq!(
        v["summary"],
        json!({"files": 2, "errors": 1, "warnings": 0, "infos": 0})
    );
    // DESIGN.md §3's fields, in its order (the location's fields inline).
    let keys = |v: &Value| -> Vec<String> { v.as_object().unwrap().keys().cloned().collect() };
    assert_eq!(keys(&v), ["version", "diagnostics", "summary"]);
    let location = ["file", "line", "column", "end_line", "end_column"];
    let mut want = vec!["name", "severity", "message", "help"];
    want.extend(location);
    want.extend(["labels", "fix"]);
    assert_eq!(keys(d), want);
    assert_eq!(
        keys(&d["labels"][0]),
        [&location[..], &["message"]].concat()
    );
    assert_eq!(
        keys(&d["fix"]["edits"][0]),
        [&location[..], &["replacement"]].concat()
    );
    assert_eq!(keys(&d["fix"]), ["description", "safe", "edits"]);
}

#[test]
fn sarif_has_rules_locations_and_related_locations() {
    let v: Value = serde_json::from_str(&run(sarif, false)).unwrap();
    assert_eq!(v["version"], "2.1.0");
    let run0 = &v["runs"][0];
    assert_eq!(run0["tool"]["driver"]["rules"][0]["id"], "quoted-value");
    let r = &run0["results"][0];
    assert_eq!(r["ruleId"], "quoted-value");
    assert_eq!(r["ruleIndex"], 0);
    assert_eq!(r["level"], "error");
    let region = &r["locations"][0]["physicalLocation"]["region"];
    assert_eq!(
        (region["startLine"].as_u64(), region["startColumn"].as_u64()),
        (Some(2), Some(10))
    );
    assert_eq!(
        r["relatedLocations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "compose.yml"
    );
    assert!(r["partialFingerprints"]["primaryLocationLineHash"].is_string());
    assert!(r["fixes"][0]["artifactChanges"][0]["replacements"].is_array());
}

#[test]
fn github_annotations_are_escaped() {
    let out = run(github, false);
    assert!(out.starts_with("::error file=.env,line=2,col=10,endLine=2,endColumn=19,title=mppeep-lint (quoted-value)::"), "{out}");
    assert!(out.contains("%0Acompose.yml:4: interpolated here"), "{out}");
    assert_eq!(escape_property("a:b,c%\n"), "a%3Ab%2Cc%25%0A");
}

#[test]
fn no_format_leaks_a_masked_secret() {
    for (name, f) in [
        ("compact", compact as fn(&Input) -> String),
        ("pretty", pretty_plain),
        ("json", json),
        ("sarif", sarif),
        ("github", github),
    ] {
        let out = run(f, true);
        assert!(!out.contains(SECRET), "{name} leaks the secret:\n{out}");
        // And the unmasked run shows it, so the test can fail.
        assert!(run(f, false).contains(SECRET), "{name}");
    }
}
