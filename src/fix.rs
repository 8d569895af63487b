//! Applying the rules' fixes to the sources' text, in memory: which fixes
//! a pass applies (safe ones, unsafe ones when asked), which wait for the
//! next pass (they overlap an edit already taken), and each changed file's
//! new text. No I/O: the command line reads the files again before it
//! writes, and runs passes until nothing changes.

use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::rules::{Diagnostic, Edit, Fix};
use crate::source::{FileId, SourceMap, TextRange};

/// What one pass changes.
#[derive(Debug, Default)]
pub struct Pass {
    /// Every file changed or created, in path order.
    pub changes: Vec<Change>,
    /// Findings whose fix this pass applies (a fix two findings share
    /// counts for both).
    pub applied: usize,
    /// Fixes that touch text an applied fix edits: the next pass sees them
    /// again, on the new text, if they still apply.
    pub deferred: usize,
    /// Unsafe fixes left out (no `--unsafe-fixes`).
    pub unsafe_left: usize,
    /// The index in the findings given of each one whose fix applies.
    pub applied_findings: Vec<usize>,
}

/// One file's text before and after a pass.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub path: PathBuf,
    pub display: String,
    /// The source changed; `None` for a file the pass creates.
    pub file: Option<FileId>,
    /// Its text as read (`None`: created).
    pub before: Option<String>,
    pub after: String,
}

/// The fixes of `diags` (in their order) that one pass applies.
pub fn plan(diags: &[Diagnostic], sources: &SourceMap, unsafe_fixes: bool) -> Pass {
    let mut pass = Pass::default();
    let mut edits: BTreeMap<FileId, Vec<Edit>> = BTreeMap::new();
    let mut created: BTreeMap<PathBuf, (String, String)> = BTreeMap::new();
    for (i, d) in diags.iter().enumerate() {
        let Some(fix) = &d.fix else { continue };
        if !fix.safe && !unsafe_fixes {
            pass.unsafe_left += 1;
            continue;
        }
        if !well_formed(fix, sources) {
            continue;
        }
        if conflicts(fix, &edits, &created) {
            pass.deferred += 1;
            continue;
        }
        for e in &fix.edits {
            let list = edits.entry(e.span.file).or_default();
            if !list.contains(e) {
                list.push(e.clone());
            }
        }
        for f in &fix.creates {
            created.insert(f.path.clone(), (f.display.clone(), f.text.clone()));
        }
        pass.applied += 1;
        pass.applied_findings.push(i);
    }
    for (file, mut list) in edits {
        let source = sources.get(file);
        // Insertions before a replacement that starts at the same place.
        list.sort_by_key(|e| (e.span.range.start, e.span.range.end));
        let after = apply(&source.text, &list);
        if after != source.text {
            pass.changes.push(Change {
                path: source.path.clone(),
                display: source.display.clone(),
                file: Some(file),
                before: Some(source.text.clone()),
                after,
            });
        }
    }
    for (path, (display, text)) in created {
        pass.changes.push(Change {
            path,
            display,
            file: None,
            before: None,
            after: text,
        });
    }
    pass.changes.sort_by(|a, b| a.path.cmp(&b.path));
    pass
}

/// Every edit inside its file, on character boundaries, and no edit of a
/// fix over another of the same fix; no file to create that was read.
fn well_formed(fix: &Fix, sources: &SourceMap) -> bool {
    let edits_ok = fix.edits.iter().all(|e| {
        let text = &sources.get(e.span.file).text;
        let r = e.span.range;
        r.start <= r.end
            && r.end <= text.len()
            && text.is_char_boundary(r.start)
            && text.is_char_boundary(r.end)
    });
    let apart = fix.edits.iter().enumerate().all(|(i, a)| {
        fix.edits[i + 1..]
            .iter()
            .all(|b| a.span.file != b.span.file || !overlap(a.span.range, b.span.range))
    });
    let new_ok = fix.creates.iter().all(|f| sources.find(&f.path).is_none());
    (!fix.edits.is_empty() || !fix.creates.is_empty()) && edits_ok && apart && new_ok
}

/// Whether two edits' ranges touch the same text: they share a byte, or
/// both insert at one place (which goes first would be a guess).
fn overlap(a: TextRange, b: TextRange) -> bool {
    (a.start < b.end && b.start < a.end) || (a.is_empty() && b.is_empty() && a.start == b.start)
}

/// Whether `fix` edits text another fix of this pass edits (the same edit,
/// made by two findings that share it, is no conflict), or creates a file
/// another creates with other text.
fn conflicts(
    fix: &Fix,
    edits: &BTreeMap<FileId, Vec<Edit>>,
    created: &BTreeMap<PathBuf, (String, String)>,
) -> bool {
    let edit_conflict = fix.edits.iter().any(|e| {
        edits.get(&e.span.file).is_some_and(|taken| {
            taken
                .iter()
                .any(|t| t != e && overlap(t.span.range, e.span.range))
        })
    });
    let file_conflict = fix.creates.iter().any(|f| {
        created
            .get(&f.path)
            .is_some_and(|(_, text)| *text != f.text)
    });
    edit_conflict || file_conflict
}

/// `text` with `edits` (sorted, apart) applied.
fn apply(text: &str, edits: &[Edit]) -> String {
    let mut out = String::with_capacity(text.len() + 64);
    let mut at = 0;
    for e in edits {
        out.push_str(&text[at..e.span.range.start]);
        out.push_str(&e.replacement);
        at = e.span.range.end;
    }
    out.push_str(&text[at..]);
    out
}

/// The line ending a file uses (its first line's), for text a fix adds.
pub fn line_ending(text: &str) -> &'static str {
    match text.find('\n') {
        Some(i) if i > 0 && text.as_bytes()[i - 1] == b'\r' => "\r\n",
        _ => "\n",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::{NewFile, RuleId};
    use crate::source::{FileKind, SourceFile, Span};

    fn sources(text: &str) -> SourceMap {
        let mut m = SourceMap::new();
        m.add(SourceFile::new(
            PathBuf::from("/p/.env"),
            ".env".into(),
            FileKind::Dotenv,
            text.into(),
        ));
        m
    }

    fn finding(edits: &[(usize, usize, &str)], safe: bool) -> Diagnostic {
        let edits = edits
            .iter()
            .map(|&(s, e, r)| Edit {
                span: Span::new(FileId(0), TextRange::new(s, e)),
                replacement: r.into(),
            })
            .collect();
        let span = Span::new(FileId(0), TextRange::new(0, 0));
        Diagnostic::new(RuleId::QuotedValue, span, "x").with_fix(Fix::edits("f", edits, safe))
    }

    #[test]
    fn edits_apply_at_their_spans_only() {
        let s = sources("A=\"x\"\r\nB=\"y\"\r\n");
        let d = [
            finding(&[(2, 5, "x")], true),
            finding(&[(9, 12, "y")], true),
        ];
        let p = plan(&d, &s, false);
        assert_eq!(p.applied, 2);
        assert_eq!(p.changes[0].after, "A=x\r\nB=y\r\n");
    }

    #[test]
    fn overlapping_fixes_wait_and_shared_ones_apply_once() {
        let s = sources("A=\"x\"\n");
        let d = [
            finding(&[(2, 5, "x")], true),
            finding(&[(2, 5, "x")], true),
            finding(&[(3, 4, "z")], true),
            finding(&[(5, 5, "!")], true),
            finding(&[(5, 5, "?")], true),
        ];
        let p = plan(&d, &s, false);
        assert_eq!((p.applied, p.deferred), (3, 2));
        assert_eq!(p.changes[0].after, "A=x!\n");
    }

    #[test]
    fn unsafe_fixes_only_when_asked() {
        let s = sources("A=1\n");
        let d = [finding(&[(2, 3, "2")], false)];
        let p = plan(&d, &s, false);
        assert_eq!((p.applied, p.unsafe_left, p.changes.len()), (0, 1, 0));
        let p = plan(&d, &s, true);
        assert_eq!(p.changes[0].after, "A=2\n");
    }

    #[test]
    fn an_edit_out_of_its_file_or_inside_a_character_is_dropped() {
        let s = sources("A=é\n");
        for d in [finding(&[(3, 4, "e")], true), finding(&[(2, 99, "")], true)] {
            assert!(plan(&[d], &s, true).changes.is_empty());
        }
    }

    #[test]
    fn files_created_once_and_never_over_a_read_one() {
        let s = sources("A=1\n");
        let create = |path: &str, text: &str| {
            let mut d = finding(&[], true);
            d.fix.as_mut().unwrap().creates.push(NewFile {
                path: PathBuf::from(path),
                display: path.into(),
                text: text.into(),
            });
            d
        };
        let d = [
            create("/p/.dockerignore", ".env\n"),
            create("/p/.dockerignore", ".env\n"),
            create("/p/.dockerignore", ".env.prod\n"),
            create("/p/.env", "x"),
        ];
        let p = plan(&d, &s, true);
        assert_eq!((p.applied, p.deferred), (2, 1));
        assert_eq!(p.changes.len(), 1);
        assert_eq!(p.changes[0].before, None);
    }

    #[test]
    fn line_endings() {
        assert_eq!(line_ending("a\r\nb"), "\r\n");
        assert_eq!(line_ending("a\nb"), "\n");
        assert_eq!(line_ending("a"), "\n");
    }
}
