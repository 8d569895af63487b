//! The formats CI systems read: JUnit XML (GitLab, Jenkins, Azure…),
//! GitLab Code Quality JSON, Checkstyle XML and reviewdog's rdjson.
//! Every piece of user text goes through the input's `redact` (masked, and
//! for the XML formats escaped as text first), then the format's own
//! escaping.

use std::collections::{BTreeMap, HashMap};

use serde_json::{json, Value};

use super::{Input, Location};
use crate::report::{baseline, escape};
use crate::rules::{Diagnostic, Severity};
use crate::source::Span;

/// Text for an XML attribute or element: the five markup characters as
/// entities. (Control characters never reach here: the pieces were escaped
/// as text, and the whole output is escaped once more.)
fn xml(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

/// Text for an XML attribute: as [`xml`], and line breaks and tabs as
/// character references (a parser would read them raw as blanks).
fn xml_attr(s: &str) -> String {
    xml(s)
        .replace('\n', "&#10;")
        .replace('\r', "&#13;")
        .replace('\t', "&#9;")
}

fn severity_word(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "info",
    }
}

/// A finding's whole text: its message, its labels (each with where it
/// points) and its help, masked.
fn details(input: &Input, d: &Diagnostic) -> String {
    let mut text = input.text(d, &d.message);
    for l in &d.labels {
        let p = input.position(l.span);
        text.push_str(&format!(
            "\n{}:{}:{}: {}",
            p.file,
            p.line,
            p.column,
            input.text(d, &l.message)
        ));
    }
    if let Some(h) = &d.help {
        text.push_str("\nhelp: ");
        text.push_str(&input.text(d, h));
    }
    text
}

/// The findings by file, in the order of the input (sorted already).
fn by_file<'a>(input: &'a Input) -> BTreeMap<String, Vec<(&'a Diagnostic, Location)>> {
    let mut out: BTreeMap<String, Vec<(&Diagnostic, Location)>> = BTreeMap::new();
    for d in input.diags {
        let p = input.position(d.span);
        out.entry(p.file.clone()).or_default().push((d, p));
    }
    out
}

/// JUnit XML: a test suite per file with findings, a failed test case per
/// finding (its type the severity); a run without findings is one suite
/// with one passed case, so that CI shows the check ran.
pub fn junit(input: &Input) -> String {
    let total = input.diags.len();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    out.push_str(&format!(
        "<testsuites name=\"mppeep-lint\" tests=\"{}\" failures=\"{total}\" errors=\"0\">\n",
        total.max(1)
    ));
    if total == 0 {
        out.push_str(&format!(
            "  <testsuite name=\"mppeep-lint\" tests=\"1\" failures=\"0\" errors=\"0\" skipped=\"0\">\n    <testcase name=\"no problems found in {}\" classname=\"mppeep-lint\"/>\n  </testsuite>\n",
            super::plural(input.files, "file")
        ));
    }
    for (file, findings) in by_file(input) {
        let file = xml_attr(&escape::text(&file));
        out.push_str(&format!(
            "  <testsuite name=\"{file}\" tests=\"{n}\" failures=\"{n}\" errors=\"0\" skipped=\"0\">\n",
            n = findings.len()
        ));
        for (d, p) in findings {
            out.push_str(&format!(
                "    <testcase name=\"{rule} at {file}:{line}:{column}\" classname=\"{file}\" file=\"{file}\" line=\"{line}\">\n      <failure type=\"{severity}\" message=\"{message}\">{text_file}:{line}:{column}: {severity}[{rule}] {details}</failure>\n    </testcase>\n",
                rule = d.rule,
                line = p.line,
                column = p.column,
                severity = severity_word(d.severity),
                message = xml_attr(&input.text(d, &d.message)),
                text_file = xml(&escape::text(&p.file)),
                details = xml(&details(input, d)),
            ));
        }
        out.push_str("  </testsuite>\n");
    }
    out.push_str("</testsuites>\n");
    out
}

/// Checkstyle XML (what reviewdog, Jenkins' warnings plugin and many review
/// tools read): a `file` element per file, an `error` per finding, its
/// `source` the rule.
pub fn checkstyle(input: &Input) -> String {
    let mut out =
        String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<checkstyle version=\"4.3\">\n");
    for (file, findings) in by_file(input) {
        out.push_str(&format!(
            "  <file name=\"{}\">\n",
            xml_attr(&escape::text(&file))
        ));
        for (d, p) in findings {
            out.push_str(&format!(
                "    <error line=\"{}\" column=\"{}\" severity=\"{}\" message=\"{}\" source=\"mppeep-lint.{}\"/>\n",
                p.line,
                p.column,
                severity_word(d.severity),
                xml_attr(&details(input, d)),
                d.rule
            ));
        }
        out.push_str("  </file>\n");
    }
    out.push_str("</checkstyle>\n");
    out
}

/// GitLab Code Quality (a Code Climate subset): an array of issues, each
/// with a fingerprint unique in the report (the finding's, with how many
/// identical ones came before it).
pub fn gitlab(input: &Input) -> String {
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut fingerprints = baseline::Fingerprints::new(input.sources, input.mask_source);
    let issues: Vec<Value> = input
        .diags
        .iter()
        .map(|d| {
            let p = input.position(d.span);
            let fp = fingerprints.of(d, &p.file);
            let n = seen.entry(fp.clone()).or_default();
            let unique = baseline::fnv1a(&[&fp, &n.to_string()]);
            *n += 1;
            json!({
                "type": "issue",
                "check_name": d.rule.name(),
                "description": details(input, d),
                "severity": match d.severity {
                    Severity::Error => "critical",
                    Severity::Warning => "minor",
                    Severity::Info => "info",
                },
                "fingerprint": unique,
                "location": {
                    "path": p.file,
                    "lines": {"begin": p.line, "end": p.end_line},
                },
            })
        })
        .collect();
    super::pretty_json(&issues)
}

/// A position as rdjson counts it: line from 1, column in UTF-8 bytes from 1.
fn byte_position(input: &Input, span: Span, end: bool) -> Value {
    let f = input.sources.get(span.file);
    let offset = if end {
        span.range.end
    } else {
        span.range.start
    };
    let line = f.line_col(offset).line;
    let start = f.line_range(line).start;
    json!({"line": line, "column": offset.saturating_sub(start) + 1})
}

fn byte_range(input: &Input, span: Span) -> Value {
    json!({
        "start": byte_position(input, span, false),
        "end": byte_position(input, span, true),
    })
}

/// reviewdog's Diagnostic Format (`rdjson`): ranges in UTF-8 bytes, the end
/// exclusive; a fix's edits as suggestions.
pub fn rdjson(input: &Input) -> String {
    let rdseverity = |s: Severity| match s {
        Severity::Error => "ERROR",
        Severity::Warning => "WARNING",
        Severity::Info => "INFO",
    };
    let diagnostics: Vec<Value> = input
        .diags
        .iter()
        .map(|d| {
            let p = input.position(d.span);
            let mut v = json!({
                "message": details(input, d),
                "location": {"path": p.file, "range": byte_range(input, d.span)},
                "severity": rdseverity(d.severity),
                "code": {
                    "value": d.rule.name(),
                    "url": super::rule_url(d.rule.name()),
                },
            });
            if let Some(fix) = input.shown_fix(d) {
                // reviewdog applies suggestions to the diagnostic's own file.
                let suggestions: Vec<Value> = fix
                    .edits
                    .iter()
                    .filter(|e| e.span.file == d.span.file)
                    .map(|e| json!({"range": byte_range(input, e.span), "text": input.replacement(d, e)}))
                    .collect();
                if !suggestions.is_empty() {
                    v["suggestions"] = Value::Array(suggestions);
                }
            }
            v
        })
        .collect();
    let worst = input.diags.iter().map(|d| d.severity).max();
    let mut result = json!({
        "source": {"name": "mppeep-lint", "url": "https://github.com/mppeep/mppeep-lint"},
        "diagnostics": diagnostics,
    });
    if let Some(s) = worst {
        result["severity"] = json!(rdseverity(s));
    }
    super::pretty_json(&result)
}
