//! `obsolete-version-key`: a top-level `version:` in a compose file.
//! Compose v2 ignores it and warns ("the attribute `version` is obsolete");
//! a number there (`version: 3.8`) is refused, which `compose-error` says.

use std::collections::BTreeSet;

use crate::rules::{Context, Diagnostic, Edit, Fix, Rule, RuleId, RuleMeta, Severity};
use crate::source::{FileId, SourceFile, Span, TextRange};
use crate::syntax::compose::ComposeFile;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: RuleId::ObsoleteVersionKey,
        severity: Severity::Info,
        summary: "A top-level `version:` in a compose file: Compose v2 ignores it and warns that it is obsolete.",
        doc: include_str!("../../rules/obsolete-version-key.md"),
        cases: &[],
    },
    check,
};

fn check(ctx: &Context) -> Vec<Diagnostic> {
    let ws = ctx.ws;
    // The files a project reads (`-f`, defaults, `include:`): not a file
    // Compose never reads (`ignored-compose-file` says so).
    let read: BTreeSet<FileId> = ws
        .projects
        .iter()
        .flat_map(|p| p.compose_files.iter().chain(&p.included_files))
        .copied()
        .collect();
    let mut out = Vec::new();
    for id in read {
        let Some(file) = ws.compose.get(&id) else {
            continue;
        };
        let source = ws.sources.get(id);
        for doc in std::iter::once(&**file).chain(file.later.iter().map(|d| &**d)) {
            if let Some(d) = finding(id, source, doc) {
                out.push(d);
            }
        }
    }
    out
}

fn finding(id: FileId, source: &SourceFile, doc: &ComposeFile) -> Option<Diagnostic> {
    let text = &source.text;
    let entries = doc.root.as_ref()?.as_map()?;
    let (key, value) = entries
        .iter()
        .find(|(k, _)| k.as_str() == Some("version"))?;
    // Written at the top of the document, not merged in from an `x-`
    // extension by `<<: *base` (its node is inside that extension).
    if entries
        .iter()
        .any(|(k, v)| k.range != key.range && v.range.contains(key.range.start))
    {
        return None;
    }
    // The value as written on the key's line, without a comment after it.
    let raw = text.get(value.range.start..value.range.end).unwrap_or("");
    let raw = raw.lines().next().unwrap_or("");
    let shown = match raw
        .find([' ', '\t'])
        .filter(|i| raw[*i..].trim_start().starts_with('#'))
    {
        Some(i) => raw[..i].trim_end(),
        None => raw.trim_end(),
    };
    let block = shown.is_empty() || shown.starts_with(['|', '>']);
    let end = if block {
        key.range.end
    } else {
        (value.range.start + shown.len()).max(key.range.end)
    };
    let written = TextRange::new(key.range.start, end);
    let shown = if block {
        "`version:`".to_string()
    } else {
        format!("`version: {shown}`")
    };
    let mut d = Diagnostic::new(
        RULE.meta.id,
        Span::new(id, written),
        format!("{shown} is obsolete: Compose v2 ignores it (and warns), whatever it says"),
    )
    .with_span_label("ignored by Compose")
    .with_help("delete the line; which features a file may use is the Compose Specification's, not a version's");
    if let Some(line) = whole_line(source, written).filter(|l| still_reads(text, *l)) {
        d = d.with_fix(Fix::edits(
            "delete the `version:` line",
            vec![Edit {
                span: Span::new(id, line),
                replacement: String::new(),
            }],
            true,
        ));
    }
    Some(d)
}

/// Whether the file without `line` still parses, with the same services
/// and no anchor lost: the value may go on over the next lines (a plain or
/// quoted scalar), or carry an anchor an alias uses elsewhere.
fn still_reads(text: &str, line: TextRange) -> bool {
    let removed = &text[line.start..line.end];
    if removed.contains(['&', '*', '|', '>']) {
        return false;
    }
    let after = format!("{}{}", &text[..line.start], &text[line.end..]);
    let before = crate::syntax::compose::parse(text);
    let parsed = crate::syntax::compose::parse(&after);
    let names = |f: &ComposeFile| -> Vec<String> {
        std::iter::once(f)
            .chain(f.later.iter().map(|d| &**d))
            .flat_map(|d| d.services.iter().map(|s| s.name.value.clone()))
            .collect()
    };
    parsed.errors.len() <= before.errors.len()
        && names(&parsed) == names(&before)
        && parsed.root.is_some()
}

/// The line of `range`, its line break included, when the range is all it
/// holds (but blanks and a comment): deleting it changes nothing else.
fn whole_line(source: &SourceFile, range: TextRange) -> Option<TextRange> {
    let line = source.line_at(range.start);
    if source.line_at(range.end) != line {
        return None;
    }
    let before = source.slice(TextRange::new(line.start, range.start));
    let after = source.slice(TextRange::new(range.end, line.end)).trim();
    let alone = before.trim().is_empty() && (after.is_empty() || after.starts_with('#'));
    alone.then(|| TextRange::new(line.start, source.next_line_start(range.start)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{assert_fires, assert_silent, fixed_text};

    const SERVICES: &str = "services:\n  app:\n    image: nginx:1.27\n";

    #[test]
    fn the_key_and_its_value() {
        let compose = format!("version: \"3.8\"  # old\n{SERVICES}");
        let d = assert_fires(&RULE, &[("compose.yaml", &compose)]);
        assert_eq!((d[0].line, d[0].text.as_str()), (1, "version: \"3.8\""));
        assert_eq!(fixed_text(&RULE, &[("compose.yaml", &compose)]), SERVICES);
        // In a later document, and in a CRLF file.
        let compose = format!("{SERVICES}---\r\nversion: '3'\r\nservices: {{}}\r\n");
        let d = assert_fires(&RULE, &[("compose.yaml", &compose)]);
        assert_eq!(d[0].line, 5);
        let text = fixed_text(&RULE, &[("compose.yaml", &compose)]);
        assert_eq!(text, format!("{SERVICES}---\r\nservices: {{}}\r\n"));
    }

    #[test]
    fn not_a_service_key_nor_a_file_compose_never_reads() {
        let compose =
            "services:\n  app:\n    image: nginx:1.27\n    labels:\n      version: \"2\"\n";
        assert_silent(&RULE, &[("compose.yaml", compose)]);
        let ignored = format!("version: \"3\"\n{SERVICES}");
        assert_silent(
            &RULE,
            &[("compose.yaml", SERVICES), ("docker-compose.yml", &ignored)],
        );
    }

    /// A value over two lines, an anchor: deleting the key's line would
    /// break the file: no fix. A `version` merged in from an extension is
    /// not the file's.
    #[test]
    fn no_fix_that_would_break_the_file() {
        use crate::rules::testing::fixed;
        for compose in [
            format!("version: &v \"3.8\"\nx-v: *v\n{SERVICES}"),
            format!("version: 3\n  .8\n{SERVICES}"),
            format!("version: \"3\n  .8\"\n{SERVICES}"),
        ] {
            let (changes, _) = fixed(&RULE, &[("compose.yaml", &compose)]);
            assert!(changes.is_empty(), "{compose}");
        }
        let compose = format!("x-base: &base\n  version: \"3\"\n<<: *base\n{SERVICES}");
        assert_silent(&RULE, &[("compose.yaml", &compose)]);
        let d = assert_fires(
            &RULE,
            &[(
                "compose.yaml",
                &format!("version: \"3\"\t# old\n{SERVICES}"),
            )],
        );
        assert_eq!(d[0].text, "version: \"3\"");
    }

    #[test]
    fn a_line_shared_with_more_is_not_deleted() {
        let compose = "{version: \"3\", services: {app: {image: nginx:1.27}}}\n";
        assert_fires(&RULE, &[("compose.yaml", compose)]);
        let (changes, _) = crate::rules::testing::fixed(&RULE, &[("compose.yaml", compose)]);
        assert!(changes.is_empty());
    }
}
