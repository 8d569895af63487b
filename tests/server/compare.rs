//! `check --format json` and the server's published diagnostics, brought to
//! one shape to compare: absolute paths, 0-based lines and characters
//! (the server's positions in UTF-32, check's columns are characters),
//! rule, severity, message and help apart, labels.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Component, Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use super::client::{path_of, BIN};

/// A place: file, start line and character, end line and character.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Place {
    pub file: PathBuf,
    pub range: [u64; 4],
}

/// A finding as both sides can say it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Finding {
    pub at: Place,
    pub rule: String,
    pub severity: String,
    pub message: String,
    pub help: Option<String>,
    /// The labels, without those at the finding's own place (the server
    /// adds the primary span's label there, which check's JSON has not).
    pub labels: Vec<(Place, String)>,
}

/// A path without `.` and `..` (lexically, as the server's URIs are).
pub fn normalize(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            c => out.push(c),
        }
    }
    out
}

fn num(v: &Value, key: &str) -> u64 {
    v[key]
        .as_u64()
        .unwrap_or_else(|| panic!("no number `{key}` in {v}"))
}

/// A check JSON location (1-based) as a 0-based place.
fn check_place(cwd: &Path, v: &Value) -> Place {
    Place {
        file: normalize(&cwd.join(v["file"].as_str().expect("file"))),
        range: [
            num(v, "line") - 1,
            num(v, "column") - 1,
            num(v, "end_line") - 1,
            num(v, "end_column") - 1,
        ],
    }
}

/// A protocol location (a URI and a range) as a place.
fn lsp_place(uri: &str, range: &Value) -> Place {
    let pos = |p: &Value| (num(p, "line"), num(p, "character"));
    let (a, b) = pos(&range["start"]);
    let (c, d) = pos(&range["end"]);
    Place {
        file: path_of(uri),
        range: [a, b, c, d],
    }
}

/// `check --format json` run in `dir` as a user runs it there: its exit
/// code and report (`None` when it printed none).
pub fn run_check(dir: &Path) -> (Option<i32>, Option<Value>) {
    let o = Command::new(BIN)
        .args(["check", "--format", "json"])
        .current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        // As a shell run there sets it (and the server for its folder).
        .env("PWD", dir)
        .output()
        .expect("run mppeep-lint check");
    (o.status.code(), serde_json::from_slice(&o.stdout).ok())
}

/// A piece of user text as every text output shows it (the mapping of
/// `report::escape::text`): a control character (tab kept), a line break,
/// a bidirectional override or isolate, escaped.
pub fn escape_text(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        let unsafe_ = c.is_control()
            || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}' | '\u{061c}');
        match c {
            '\t' => out.push(c),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c if unsafe_ && (c as u32) < 0x100 => out.push_str(&format!("\\x{:02x}", c as u32)),
            c if unsafe_ => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    out
}

/// The findings of a check report run in `cwd`, their texts as the server
/// shows them (escaped as in the text outputs: the editor shows them as
/// text, where a line break in a value must not start a line).
pub fn from_check(cwd: &Path, report: &Value) -> Vec<Finding> {
    let mut out: Vec<Finding> = report["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .map(|d| {
            let at = check_place(cwd, d);
            let labels = d["labels"]
                .as_array()
                .expect("labels")
                .iter()
                .map(|l| {
                    (
                        check_place(cwd, l),
                        escape_text(l["message"].as_str().unwrap()),
                    )
                })
                .filter(|(p, _)| *p != at)
                .collect();
            Finding {
                rule: d["name"].as_str().unwrap().to_string(),
                severity: d["severity"].as_str().unwrap().to_string(),
                message: escape_text(d["message"].as_str().unwrap()),
                help: d["help"].as_str().map(escape_text),
                labels,
                at,
            }
        })
        .collect();
    out.sort();
    out
}

/// The protocol severity's name, as check writes it.
pub fn severity_name(n: &Value) -> String {
    match n.as_u64() {
        Some(1) => "error",
        Some(2) => "warning",
        Some(3) => "info",
        _ => panic!("unexpected severity {n}"),
    }
    .to_string()
}

/// One published diagnostic of `uri` as a finding.
pub fn from_lsp(uri: &str, d: &Value) -> Finding {
    let at = lsp_place(uri, &d["range"]);
    let text = d["message"].as_str().expect("message");
    let (message, help) = match text.split_once("\nhelp: ") {
        Some((m, h)) => (m.to_string(), Some(h.to_string())),
        None => (text.to_string(), None),
    };
    let labels = d["relatedInformation"]
        .as_array()
        .map(|r| {
            r.iter()
                .map(|i| {
                    (
                        lsp_place(
                            i["location"]["uri"].as_str().unwrap(),
                            &i["location"]["range"],
                        ),
                        i["message"].as_str().unwrap().to_string(),
                    )
                })
                .filter(|(p, _)| *p != at)
                .collect()
        })
        .unwrap_or_default();
    Finding {
        rule: d["code"].as_str().expect("code").to_string(),
        severity: severity_name(&d["severity"]),
        message,
        help,
        labels,
        at,
    }
}

/// Every finding last published (`published`: URI → publish params).
pub fn from_published(published: &BTreeMap<String, Value>) -> Vec<Finding> {
    let mut out: Vec<Finding> = published
        .iter()
        .flat_map(|(uri, p)| {
            p["diagnostics"]
                .as_array()
                .unwrap()
                .iter()
                .map(|d| from_lsp(uri, d))
                .collect::<Vec<_>>()
        })
        .collect();
    out.sort();
    out
}

/// A finding on one line for a diff, paths relative to `root`.
pub struct Shown<'a>(pub &'a Finding, pub &'a Path);

impl fmt::Display for Shown<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Shown(d, root) = self;
        let rel = |p: &Path| p.strip_prefix(root).unwrap_or(p).display().to_string();
        let [a, b, c, e] = d.at.range;
        write!(
            f,
            "{} {}:{a}:{b}-{c}:{e} {} {:?}",
            d.rule,
            rel(&d.at.file),
            d.severity,
            d.message
        )?;
        if let Some(h) = &d.help {
            write!(f, " help={h:?}")?;
        }
        for (p, m) in &d.labels {
            let [a, b, c, e] = p.range;
            write!(f, "\n      label {}:{a}:{b}-{c}:{e} {m:?}", rel(&p.file))?;
        }
        Ok(())
    }
}

/// The multiset difference, readable; `None` when equal.
pub fn diff(check: &[Finding], server: &[Finding], root: &Path) -> Option<String> {
    let mut only_check = Vec::new();
    let mut rest: Vec<&Finding> = server.iter().collect();
    for d in check {
        match rest.iter().position(|s| *s == d) {
            Some(i) => {
                rest.remove(i);
            }
            None => only_check.push(d),
        }
    }
    if only_check.is_empty() && rest.is_empty() {
        return None;
    }
    let mut s = String::new();
    for d in only_check {
        s.push_str(&format!("  - check only:  {}\n", Shown(d, root)));
    }
    for d in rest {
        s.push_str(&format!("  + server only: {}\n", Shown(d, root)));
    }
    Some(s)
}

/// `findings` with paths relative to `root` (to compare two copies of a
/// project), sorted again.
pub fn relative(findings: Vec<Finding>, root: &Path) -> Vec<Finding> {
    let rel = |p: &mut Place| {
        if let Ok(r) = p.file.strip_prefix(root) {
            p.file = r.to_path_buf();
        }
    };
    let mut out: Vec<Finding> = findings
        .into_iter()
        .map(|mut f| {
            rel(&mut f.at);
            for (p, _) in &mut f.labels {
                rel(p);
            }
            f
        })
        .collect();
    out.sort();
    out
}
