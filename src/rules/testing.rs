//! One helper so that a rule's tests are three lines: write a small project
//! to a temporary folder, model it, run one rule, look at what fired.

use std::collections::BTreeMap;
use std::path::Path;

use crate::fs::DiskFs;
use crate::model::secrets::SecretPolicy;
use crate::model::workspace::{load_workspace, Workspace, WorkspaceOptions};
use crate::rules::{Context, Diagnostic, Rule};

/// A diagnostic as a test reads it: file, line and the text of each span.
#[derive(Debug, Clone)]
pub struct Fired {
    pub file: String,
    pub line: usize,
    /// 1-based column of the span's first character.
    pub column: usize,
    pub text: String,
    pub message: String,
    /// (file, text, message) of each label.
    pub labels: Vec<(String, String, String)>,
    pub help: Option<String>,
}

/// Write `files` (relative path, content) under a new temporary folder.
pub fn write_project(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temporary folder");
    for (path, text) in files {
        let p = dir.path().join(path);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).expect("create folder");
        }
        std::fs::write(&p, text).expect("write file");
    }
    dir
}

/// Model the project in `dir` (no process environment).
pub fn workspace(dir: &Path) -> Workspace {
    let opts = WorkspaceOptions {
        paths: vec![dir.to_path_buf()],
        process_env: BTreeMap::new(),
        ..Default::default()
    };
    load_workspace(&DiskFs, dir, &opts)
}

/// What `rule` reports on `files`.
pub fn fired(rule: &Rule, files: &[(&str, &str)]) -> Vec<Fired> {
    let dir = write_project(files);
    let ws = workspace(dir.path());
    let policy = SecretPolicy::default();
    let ctx = Context::new(&ws, &policy);
    (rule.check)(&ctx)
        .into_iter()
        .map(|d| describe(&ws, d))
        .collect()
}

pub fn describe(ws: &Workspace, d: Diagnostic) -> Fired {
    let f = ws.sources.get(d.span.file);
    let at = f.line_col(d.span.range.start);
    Fired {
        file: f.display.clone(),
        line: at.line,
        column: at.column,
        text: f.slice(d.span.range).to_string(),
        message: d.message.clone(),
        labels: d
            .labels
            .iter()
            .map(|l| {
                let lf = ws.sources.get(l.span.file);
                (
                    lf.display.clone(),
                    lf.slice(l.span.range).to_string(),
                    l.message.clone(),
                )
            })
            .collect(),
        help: d.help.clone(),
    }
}

#[track_caller]
pub fn assert_fires(rule: &Rule, files: &[(&str, &str)]) -> Vec<Fired> {
    let d = fired(rule, files);
    assert!(
        !d.is_empty(),
        "{} did not fire on {files:#?}",
        rule.meta.name()
    );
    d
}

#[track_caller]
pub fn assert_silent(rule: &Rule, files: &[(&str, &str)]) {
    let d = fired(rule, files);
    assert!(
        d.is_empty(),
        "{} fired on a passing case: {:#?}",
        rule.meta.name(),
        d.iter()
            .map(|x| (&x.file, x.line, &x.text, &x.message))
            .collect::<Vec<_>>()
    );
}

/// What `rule`'s fixes (safe and unsafe, one pass) make of `files`: each
/// changed or created file's path (relative) and new text, and whether
/// every fix applied was safe.
pub fn fixed(rule: &Rule, files: &[(&str, &str)]) -> (Vec<(String, String)>, bool) {
    let dir = write_project(files);
    let ws = workspace(dir.path());
    let policy = SecretPolicy::default();
    let ctx = Context::new(&ws, &policy);
    let diags = (rule.check)(&ctx);
    let safe = diags.iter().filter_map(|d| d.fix.as_ref()).all(|f| f.safe);
    let pass = crate::fix::plan(&diags, &ws.sources, true);
    let changes = pass
        .changes
        .into_iter()
        .map(|c| {
            let rel = c
                .path
                .strip_prefix(dir.path())
                .unwrap_or(&c.path)
                .to_string_lossy()
                .replace('\\', "/");
            (rel, c.after)
        })
        .collect();
    (changes, safe)
}

/// The one file `rule`'s fixes change in `files`, its new text.
#[track_caller]
pub fn fixed_text(rule: &Rule, files: &[(&str, &str)]) -> String {
    let (changes, _) = fixed(rule, files);
    assert_eq!(changes.len(), 1, "{changes:#?}");
    changes.into_iter().next().map(|c| c.1).unwrap_or_default()
}
