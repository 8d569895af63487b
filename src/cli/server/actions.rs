//! Code actions: a finding's fix (safe ones preferred; unsafe ones said so
//! in their title), and "suppress this rule on this line" — a
//! `# mppeep-lint: ignore[rule]` comment on the line above, merged into one
//! already there. A suppression is offered only when linting the edited
//! text shows that it works and breaks nothing (a comment line inside a
//! YAML block scalar would be part of the text, not a comment).

use std::collections::HashMap;
use std::ops::Range;
use std::path::Path;

use lsp_types::{
    CodeAction, CodeActionKind, CodeActionOrCommand, CreateFile, CreateFileOptions,
    DocumentChangeOperation, DocumentChanges, OneOf, OptionalVersionedTextDocumentIdentifier,
    ResourceOp, TextDocumentEdit, TextEdit, Url, WorkspaceEdit,
};

use super::{text, to_lsp, Linted, Snapshot};
use crate::rules::{Diagnostic, Fix};
use crate::source::{SourceFile, TextRange};

/// The most suppressions checked (each is a lint of the project) per
/// request.
const MAX_CHECKED: usize = 4;

/// What the actions may do, from the client and the disk.
pub struct Client<'a> {
    /// Whether an edit may create files.
    pub create_files: bool,
    /// The project linted with a file's text replaced.
    pub recheck: &'a dyn Fn(&Path, String) -> Option<Linted>,
    /// Whether a fix may edit the file at a path, read with that text
    /// (`None`: a file to create).
    pub writable: &'a dyn Fn(&Path, Option<&str>) -> bool,
}

/// The actions for the findings of `snap`'s file on the lines `range`
/// (bytes) touches.
pub fn code_actions(
    snap: &Snapshot,
    range: Range<usize>,
    client: Client,
) -> Vec<CodeActionOrCommand> {
    let linted = snap.linted;
    let sources = &linted.ws.sources;
    let mut fixes = Vec::new();
    let mut suppressions = Vec::new();
    let mut checked = 0;
    // The lines the range touches: editors send the cursor's position,
    // and a finding anywhere on its line is what the user points at.
    let file = sources.get(snap.file);
    let lines = file.line_at(range.start).start..file.line_at(range.end).end;
    let touching = linted.diags.iter().filter(|d| {
        d.span.file == snap.file
            && d.span.range.start <= lines.end
            && lines.start <= d.span.range.end
    });
    let mut offered: Vec<(crate::rules::RuleId, usize)> = Vec::new();
    for d in touching {
        let shown = to_lsp(d, sources, &linted.shown, snap.enc);
        if let Some(fix) = &d.fix {
            if let Some(action) = fix_action(snap, d, fix, &shown, &client) {
                fixes.push(action);
            }
        }
        let file = sources.get(d.span.file);
        let line = file.line_col(d.span.range.start).line;
        if offered.contains(&(d.rule, line)) || checked >= MAX_CHECKED {
            continue;
        }
        offered.push((d.rule, line));
        let Some(edit) = suppression(file, line, &d.rule.to_string()) else {
            continue;
        };
        checked += 1;
        let mut edited = file.text.clone();
        edited.replace_range(edit.0.start..edit.0.end, &edit.1);
        let works =
            (client.recheck)(&file.path, edited).is_some_and(|after| suppressed(linted, &after, d));
        if !works {
            continue;
        }
        let Some(uri) = text::uri_of(&file.path) else {
            continue;
        };
        let text_edit = TextEdit::new(text::range(file, edit.0, snap.enc), edit.1);
        suppressions.push(CodeActionOrCommand::CodeAction(CodeAction {
            title: format!("Suppress `{}` on this line", d.rule),
            kind: Some(CodeActionKind::QUICKFIX),
            diagnostics: Some(vec![shown]),
            edit: Some(WorkspaceEdit {
                changes: Some(HashMap::from([(uri, vec![text_edit])])),
                ..Default::default()
            }),
            ..Default::default()
        }));
    }
    // Fixes first, safe ones before unsafe ones (stable: by position).
    fixes.sort_by_key(|(safe, _)| !*safe);
    fixes
        .into_iter()
        .map(|(_, a)| a)
        .chain(suppressions)
        .collect()
}

/// The action applying `fix`, and whether it is safe; `None` when it
/// creates a file and the client cannot, or edits a file `check --fix`
/// would not write.
fn fix_action(
    snap: &Snapshot,
    d: &Diagnostic,
    fix: &Fix,
    shown: &lsp_types::Diagnostic,
    client: &Client,
) -> Option<(bool, CodeActionOrCommand)> {
    let sources = &snap.linted.ws.sources;
    if !fix.creates.is_empty() && !client.create_files {
        return None;
    }
    let edits_writable = fix.edits.iter().all(|e| {
        let file = sources.get(e.span.file);
        (client.writable)(&file.path, Some(&file.text))
    });
    let creates_writable = fix.creates.iter().all(|f| (client.writable)(&f.path, None));
    if !edits_writable || !creates_writable {
        return None;
    }
    // Edits carry the real text: they are the user's own file, changed in
    // the editor as `check --fix` would change it on disk.
    let mut by_file: Vec<(Url, Vec<TextEdit>)> = Vec::new();
    for e in &fix.edits {
        let file = sources.get(e.span.file);
        let uri = text::uri_of(&file.path)?;
        let edit = TextEdit::new(
            text::range(file, e.span.range, snap.enc),
            e.replacement.clone(),
        );
        match by_file.iter_mut().find(|(u, _)| *u == uri) {
            Some((_, edits)) => edits.push(edit),
            None => by_file.push((uri, vec![edit])),
        }
    }
    let masks = snap
        .linted
        .shown
        .message_masks(sources, &crate::report::render::spans_of(d));
    let description = snap.linted.shown.mask_message(&masks, &fix.description);
    let title = match fix.safe {
        true => description,
        false => format!("{description} (unsafe fix: check what it changes)"),
    };
    let edit = if fix.creates.is_empty() {
        WorkspaceEdit {
            changes: Some(by_file.into_iter().collect()),
            ..Default::default()
        }
    } else {
        let mut ops = Vec::new();
        for f in &fix.creates {
            let uri = text::uri_of(&f.path)?;
            ops.push(DocumentChangeOperation::Op(ResourceOp::Create(
                CreateFile {
                    uri: uri.clone(),
                    options: Some(CreateFileOptions {
                        overwrite: Some(false),
                        ignore_if_exists: Some(true),
                    }),
                    annotation_id: None,
                },
            )));
            ops.push(DocumentChangeOperation::Edit(TextDocumentEdit {
                text_document: OptionalVersionedTextDocumentIdentifier { uri, version: None },
                edits: vec![OneOf::Left(TextEdit::new(
                    lsp_types::Range::default(),
                    f.text.clone(),
                ))],
            }));
        }
        for (uri, edits) in by_file {
            ops.push(DocumentChangeOperation::Edit(TextDocumentEdit {
                text_document: OptionalVersionedTextDocumentIdentifier { uri, version: None },
                edits: edits.into_iter().map(OneOf::Left).collect(),
            }));
        }
        WorkspaceEdit {
            document_changes: Some(DocumentChanges::Operations(ops)),
            ..Default::default()
        }
    };
    Some((
        fix.safe,
        CodeActionOrCommand::CodeAction(CodeAction {
            title: crate::report::escape::text(&title).into_owned(),
            kind: Some(CodeActionKind::QUICKFIX),
            diagnostics: Some(vec![shown.clone()]),
            edit: Some(edit),
            is_preferred: Some(fix.safe),
            ..Default::default()
        }),
    ))
}

/// The edit suppressing `rule` on 1-based `line` of `file`: the rule added
/// to an `ignore[...]` comment on the line above, or a comment line
/// inserted above, indented as the line. `None` when the line above
/// already suppresses every rule (nothing a comment can add).
fn suppression(file: &SourceFile, line: usize, rule: &str) -> Option<(TextRange, String)> {
    const MARK: &str = "mppeep-lint:";
    let this = file.line_range(line);
    if line > 1 {
        let above = file.line_range(line - 1);
        let text = file.slice(above);
        if let Some(at) = text.find(MARK) {
            let rest = &text[at + MARK.len()..];
            let rest_at = at + MARK.len();
            let trimmed = rest.trim_start();
            let lead = rest.len() - trimmed.len();
            if let Some(list) = trimmed.strip_prefix("ignore[") {
                let close = list.find(']')?;
                let insert = above.start + rest_at + lead + "ignore[".len() + close;
                return Some((TextRange::empty(insert), format!(", {rule}")));
            }
            if trimmed.starts_with("ignore") && !trimmed.starts_with("ignore-file") {
                return None;
            }
        }
    }
    let line_text = file.slice(this);
    let indent: String = line_text
        .chars()
        .take_while(|c| *c == ' ' || *c == '\t')
        .collect();
    let newline = match file.text[this.end..].starts_with("\r\n") {
        true => "\r\n",
        false => "\n",
    };
    Some((
        TextRange::empty(this.start),
        format!("{indent}# mppeep-lint: ignore[{rule}]{newline}"),
    ))
}

/// Whether the lint `after` an edit no longer has `d` (fewer findings of
/// its rule and message) and has no finding the lint `before` did not.
fn suppressed(before: &Linted, after: &Linted, d: &Diagnostic) -> bool {
    fn count(l: &Linted) -> HashMap<(crate::rules::RuleId, &str), usize> {
        let mut m: HashMap<(crate::rules::RuleId, &str), usize> = HashMap::new();
        for x in &l.diags {
            *m.entry((x.rule, x.message.as_str())).or_default() += 1;
        }
        m
    }
    let (b, a) = (count(before), count(after));
    let key = (d.rule, d.message.as_str());
    a.get(&key).copied().unwrap_or(0) < b.get(&key).copied().unwrap_or(0)
        && a.iter().all(|(k, n)| *n <= b.get(k).copied().unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::FileKind;

    fn apply(text: &str, line: usize, rule: &str) -> Option<String> {
        let f = SourceFile::new("/p/x".into(), "x".into(), FileKind::Compose, text.into());
        let (r, s) = suppression(&f, line, rule)?;
        let mut t = text.to_string();
        t.replace_range(r.start..r.end, &s);
        Some(t)
    }

    #[test]
    fn a_suppression_comment_goes_above_indented_or_joins_one_there() {
        assert_eq!(
            apply("services:\n  app:\n    image: x\n", 3, "unpinned-image").unwrap(),
            "services:\n  app:\n    # mppeep-lint: ignore[unpinned-image]\n    image: x\n"
        );
        assert_eq!(
            apply("a:\r\n  b: 1\r\n", 2, "r").unwrap(),
            "a:\r\n  # mppeep-lint: ignore[r]\r\n  b: 1\r\n"
        );
        assert_eq!(
            apply("  # mppeep-lint: ignore[a] why\n  x: 1\n", 2, "b").unwrap(),
            "  # mppeep-lint: ignore[a, b] why\n  x: 1\n"
        );
        assert_eq!(apply("# mppeep-lint: ignore\nx: 1\n", 2, "b"), None);
        assert_eq!(
            apply("A=1\n", 1, "quoted-value").unwrap(),
            "# mppeep-lint: ignore[quoted-value]\nA=1\n"
        );
    }
}
