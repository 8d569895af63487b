//! Diagnostics for people (pretty, compact) and tools (json, sarif, github).
//!
//! Every piece of user text that reaches the output goes through `redact`
//! (messages, labels, help, replacements: given the finding's spans, it
//! masks the secret text written there) or `redact_source` (file text shown
//! in snippets; it keeps byte offsets, so spans stay valid). Fingerprints
//! hash lines through `mask_source`, which masks even with
//! `--show-secrets`.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::sync::Arc;

use serde_json::{json, Value};

use crate::report::baseline;
use crate::report::escape;
use crate::report::json::{self, Location};
use crate::rules::{Diagnostic, Edit, RuleMeta, Severity};
use crate::source::{FileId, SourceMap, Span};

/// What the renderers need besides the diagnostics.
pub struct Input<'a> {
    pub diags: &'a [Diagnostic],
    pub sources: &'a SourceMap,
    pub rules: &'a [RuleMeta],
    /// Files read (for the summary).
    pub files: usize,
    /// Masks a piece of a finding's text (message, help, label, fix): the
    /// secret text written at the finding's spans ([`spans_of`]), found
    /// once per finding.
    pub redact: &'a dyn Fn(&Diagnostic, &str) -> String,
    pub redact_source: &'a dyn Fn(FileId, &str, usize) -> String,
    /// Like `redact_source`, but always on: the text fingerprints hash.
    pub mask_source: &'a dyn Fn(FileId, &str, usize) -> String,
    /// The error that ends the run with exit 2 after this report (a path
    /// that cannot be read), masked: SARIF says the run failed.
    pub failure: Option<&'a str>,
}

/// A finding's spans: primary, labels, edits.
pub fn spans_of(d: &Diagnostic) -> Vec<Span> {
    let mut spans = vec![d.span];
    spans.extend(d.labels.iter().map(|l| l.span));
    if let Some(f) = &d.fix {
        spans.extend(f.edits.iter().map(|e| e.span));
    }
    spans
}

impl Input<'_> {
    fn position(&self, span: Span) -> Location {
        Location::of(self.sources, span)
    }

    /// A finding's own text, masked (the secret text written at its spans:
    /// primary, labels, edits; URL passwords) and clipped ([`clip`]).
    fn text(&self, d: &Diagnostic, text: &str) -> String {
        clip(&(self.redact)(d, text)).into_owned()
    }

    /// A finding's fix as machine outputs carry it: none when an edit
    /// replaces a secret value (unquoting a secret writes it), which could
    /// only be shown masked — a tool applying it would write the mask.
    fn shown_fix<'d>(&self, d: &'d Diagnostic) -> Option<&'d crate::rules::Fix> {
        let fix = d.fix.as_ref()?;
        let secret = fix.edits.iter().any(|e| {
            let original = self.sources.get(e.span.file).slice(e.span.range);
            (self.redact_source)(e.span.file, original, e.span.range.start) != original
        });
        (!secret).then_some(fix)
    }

    /// An edit's replacement as it may be shown: masked whole when the text
    /// it replaces is (partly) a secret value (unquoting a secret writes the
    /// secret), else with secret values masked.
    fn replacement(&self, d: &Diagnostic, e: &Edit) -> String {
        let file = self.sources.get(e.span.file);
        let original = file.slice(e.span.range);
        if (self.redact_source)(e.span.file, original, e.span.range.start) != original {
            crate::model::secrets::MASK.to_string()
        } else {
            self.text(d, &e.replacement)
        }
    }

    fn counts(&self) -> (usize, usize, usize) {
        let n = |s: Severity| self.diags.iter().filter(|d| d.severity == s).count();
        (n(Severity::Error), n(Severity::Warning), n(Severity::Info))
    }
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("{n} {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// The closing line of the human formats.
fn summary_line(input: &Input) -> String {
    let (e, w, i) = input.counts();
    let files = plural(input.files, "file");
    if e + w + i == 0 {
        return format!("no problems found in {files}");
    }
    let mut parts = Vec::new();
    if e > 0 {
        parts.push(plural(e, "error"));
    }
    if w > 0 {
        parts.push(plural(w, "warning"));
    }
    if i > 0 {
        parts.push(plural(i, "info"));
    }
    let fixes = |safe: bool| {
        input
            .diags
            .iter()
            .filter(|d| d.fix.as_ref().is_some_and(|f| f.safe == safe))
            .count()
    };
    let mut line = format!("{} in {files}", parts.join(", "));
    match (fixes(true), fixes(false)) {
        (0, 0) => {}
        (n, 0) => line.push_str(&format!("; {n} fixable with --fix")),
        (0, u) => line.push_str(&format!("; {u} fixable with --fix --unsafe-fixes")),
        (n, u) => line.push_str(&format!(
            "; {n} fixable with --fix ({u} more with --unsafe-fixes)"
        )),
    }
    line
}

// ---------------------------------------------------------------- compact

/// `file:line:col: severity[name] message`, one line per finding.
pub fn compact(input: &Input) -> String {
    let mut out = String::new();
    for d in input.diags {
        out.push_str(&compact_line(input, d));
    }
    out
}

/// One finding on one line, its message clipped ([`clip`]).
fn compact_line(input: &Input, d: &Diagnostic) -> String {
    let p = input.position(d.span);
    format!(
        "{}:{}:{}: {}[{}] {}\n",
        escape::text(&p.file),
        p.line,
        p.column,
        d.severity.as_str(),
        d.rule,
        input.text(d, &d.message)
    )
}

/// Characters of a message, label or help shown whole; a longer one (a
/// message quoting a line of megabytes) is cut in the middle, so that the
/// output stays near the size of the findings, not of the files.
pub const MAX_MESSAGE_CHARS: usize = 1_000;

/// `text`, or its first and last characters around a note of how much is
/// left out when it is longer than [`MAX_MESSAGE_CHARS`].
pub fn clip(text: &str) -> std::borrow::Cow<'_, str> {
    let n = text.chars().count();
    if n <= MAX_MESSAGE_CHARS {
        return text.into();
    }
    let head: String = text.chars().take(MAX_MESSAGE_CHARS * 3 / 4).collect();
    let tail: String = text.chars().skip(n - MAX_MESSAGE_CHARS / 4).collect();
    let left = n - MAX_MESSAGE_CHARS * 3 / 4 - MAX_MESSAGE_CHARS / 4;
    format!("{head}…({left} characters not shown)…{tail}").into()
}

/// Bytes of a line shown in a snippet: a finding on (or beside) a longer
/// line (minified or generated text) is shown as its compact line instead,
/// so that a line of megabytes is not printed again for each finding.
const MAX_SNIPPET_LINE: usize = 2_000;

/// A file's text as snippets show it (secret values masked once for the
/// whole file) and where its lines start, as miette counts lines (`\n`,
/// `\r\n` or a lone `\r`).
struct Shown {
    text: String,
    starts: Vec<usize>,
}

impl Shown {
    fn new(text: String) -> Self {
        let b = text.as_bytes();
        let mut starts = vec![0];
        for (i, &c) in b.iter().enumerate() {
            if c == b'\n' || (c == b'\r' && b.get(i + 1) != Some(&b'\n')) {
                starts.push(i + 1);
            }
        }
        Shown { text, starts }
    }

    /// The line holding byte `at`.
    fn line_of(&self, at: usize) -> usize {
        self.starts.partition_point(|&s| s <= at).saturating_sub(1)
    }

    /// Where line `n` starts and ends (its line break excluded).
    fn line_range(&self, n: usize) -> (usize, usize) {
        let start = self.starts.get(n).copied().unwrap_or(self.text.len());
        let end = self
            .starts
            .get(n + 1)
            .map_or(self.text.len(), |&e| e.saturating_sub(1));
        (start, end.max(start))
    }

    /// Whether the lines of `range`, and one line each side (the context
    /// shown), are short enough to show.
    fn showable(&self, range: std::ops::Range<usize>) -> bool {
        let first = self.line_of(range.start).saturating_sub(1);
        let last = self.line_of(range.end.max(range.start)) + 1;
        (first..=last.min(self.starts.len() - 1)).all(|n| {
            let (a, b) = self.line_range(n);
            b - a <= MAX_SNIPPET_LINE
        })
    }
}

impl Shown {
    /// Whether every line a snippet of these spans of one file shows is
    /// short enough: one line each side of each span, and every line
    /// between two spans close enough that their snippets merge
    /// ([`MERGE_GAP`]).
    fn all_showable(&self, ranges: &mut [std::ops::Range<usize>]) -> bool {
        ranges.sort_by_key(|r| r.start);
        if !ranges.iter().all(|r| self.showable(r.clone())) {
            return false;
        }
        ranges.windows(2).all(|w| {
            let after = self.line_of(w[0].end.max(w[0].start)) + 1;
            let before = self.line_of(w[1].start).saturating_sub(1);
            before <= after
                || before - after > MERGE_GAP + 1
                || (after..before).all(|n| {
                    let (a, b) = self.line_range(n);
                    b - a <= MAX_SNIPPET_LINE
                })
        })
    }
}

/// Lines between two snippets of one finding that are still shown as one.
const MERGE_GAP: usize = 8;

/// A file's text for miette, read around a span through the line index:
/// each snippet costs its own lines, not the file up to them (miette's own
/// reading of a `String` scans from the start: quadratic for many findings
/// in one large file).
struct FileSource(Arc<Shown>);

impl miette::SourceCode for FileSource {
    fn read_span<'a>(
        &'a self,
        span: &miette::SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn miette::SpanContents<'a> + 'a>, miette::MietteError> {
        let shown = &self.0;
        let start = span.offset();
        let end = start + span.len();
        if end > shown.text.len() {
            return Err(miette::MietteError::OutOfBounds);
        }
        // The lines miette would read, and one more each side: miette reads
        // the same text from there, and its lines are counted from there.
        let first = shown
            .line_of(start)
            .saturating_sub(context_lines_before + 1);
        let last = shown.line_of(end) + context_lines_after + 1;
        let from = shown.starts[first];
        let to = shown
            .starts
            .get(last + 1)
            .copied()
            .unwrap_or(shown.text.len());
        let window = &shown.text[from..to];
        let local = miette::SourceSpan::from((start - from, span.len()));
        let c = window.read_span(&local, context_lines_before, context_lines_after)?;
        let data: &'a [u8] = c.data();
        // miette merges two snippets of a finding when the first one's
        // `line() + line_count()` reaches the second's line, and its own
        // reading counts every line from the start of the file: late in a
        // file every pair merged, printing all the lines between them. Here
        // the lines of this snippet, and a few more: snippets a few lines
        // apart still merge, far ones never.
        let lines = shown.line_of(c.span().offset() + from + c.span().len()) - (c.line() + first);
        Ok(Box::new(miette::MietteSpanContents::new(
            data,
            (c.span().offset() + from, c.span().len()).into(),
            c.line() + first,
            c.column(),
            lines + MERGE_GAP,
        )))
    }
}

// ---------------------------------------------------------------- pretty

/// One miette report: a message and labels in one file, plus related
/// reports for the labels in other files.
#[derive(Debug)]
struct Report {
    message: String,
    code: Option<String>,
    severity: miette::Severity,
    help: Option<String>,
    source: miette::NamedSource<FileSource>,
    labels: Vec<miette::LabeledSpan>,
    related: Vec<Report>,
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Report {}

impl miette::Diagnostic for Report {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.code
            .as_ref()
            .map(|c| Box::new(c.as_str()) as Box<dyn fmt::Display>)
    }
    fn severity(&self) -> Option<miette::Severity> {
        Some(self.severity)
    }
    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h.as_str()) as Box<dyn fmt::Display>)
    }
    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        Some(&self.source)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = miette::LabeledSpan> + '_>> {
        Some(Box::new(self.labels.iter().cloned()))
    }
    fn related<'a>(&'a self) -> Option<Box<dyn Iterator<Item = &'a dyn miette::Diagnostic> + 'a>> {
        if self.related.is_empty() {
            return None;
        }
        Some(Box::new(
            self.related.iter().map(|r| r as &dyn miette::Diagnostic),
        ))
    }
}

fn miette_severity(s: Severity) -> miette::Severity {
    match s {
        Severity::Error => miette::Severity::Error,
        Severity::Warning => miette::Severity::Warning,
        Severity::Info => miette::Severity::Advice,
    }
}

/// rustc-style reports with source snippets from every file of the flow.
pub fn pretty(input: &Input, color: bool) -> String {
    let theme = if color {
        miette::GraphicalTheme::unicode()
    } else {
        miette::GraphicalTheme::unicode_nocolor()
    };
    let handler = miette::GraphicalReportHandler::new_themed(theme)
        .with_width(100)
        .with_break_words(false)
        .with_word_separator(textwrap::WordSeparator::Custom(code_aware_words))
        .with_word_splitter(textwrap::WordSplitter::NoHyphenation)
        .with_links(false)
        .with_context_lines(1);
    // Each file masked and indexed once, however many findings it has.
    let mut texts: HashMap<FileId, Arc<Shown>> = HashMap::new();
    let mut text_of = |id: FileId| -> Arc<Shown> {
        texts
            .entry(id)
            .or_insert_with(|| {
                Arc::new(Shown::new((input.redact_source)(
                    id,
                    &input.sources.get(id).text,
                    0,
                )))
            })
            .clone()
    };
    let mut out = String::new();
    for d in input.diags {
        let redact = |t: &str| input.text(d, t);
        let primary_file = d.span.file;
        // A finding on (or beside, or between its spans) a line too long
        // to show: its compact line.
        let mut by_file: BTreeMap<FileId, Vec<std::ops::Range<usize>>> = BTreeMap::new();
        for sp in std::iter::once(d.span).chain(d.labels.iter().map(|l| l.span)) {
            by_file
                .entry(sp.file)
                .or_default()
                .push(sp.range.start..sp.range.end);
        }
        if !by_file
            .iter_mut()
            .all(|(f, ranges)| text_of(*f).all_showable(ranges))
        {
            out.push_str(compact_line(input, d).trim_end());
            out.push_str("\n\n");
            continue;
        }
        let label = |span: Span, text: &str, primary: bool| {
            let range = span.range.start..span.range.end;
            let text = Some(redact(text));
            if primary {
                miette::LabeledSpan::new_primary_with_span(text, range)
            } else {
                miette::LabeledSpan::new_with_span(text, range)
            }
        };
        let mut labels = vec![label(
            d.span,
            d.span_label.as_deref().unwrap_or("here"),
            true,
        )];
        // Labels in other files, grouped by file in order of appearance.
        // At most MAX_LABELS_DRAWN per file: each label drawn adds a row
        // as wide as the labels beside it (256 on one line drew 170 KB).
        let mut others: Vec<(FileId, Vec<miette::LabeledSpan>)> = Vec::new();
        let mut not_drawn = 0usize;
        for l in &d.labels {
            let drawn = if l.span.file == primary_file {
                labels.len()
            } else {
                others
                    .iter()
                    .find(|(f, _)| *f == l.span.file)
                    .map_or(0, |(_, v)| v.len())
            };
            if drawn >= MAX_LABELS_DRAWN {
                not_drawn += 1;
                continue;
            }
            if l.span.file == primary_file {
                labels.push(label(l.span, &l.message, false));
            } else if let Some((_, v)) = others.iter_mut().find(|(f, _)| *f == l.span.file) {
                v.push(label(l.span, &l.message, false));
            } else {
                others.push((l.span.file, vec![label(l.span, &l.message, false)]));
            }
        }
        // The other files of the flow, under a heading of ours (miette would
        // print each as an empty "Advice:").
        let related: Vec<Report> = others
            .into_iter()
            .map(|(file, labels)| Report {
                message: format!("in {}", escape::text(&input.sources.get(file).display)),
                code: None,
                severity: miette::Severity::Advice,
                help: None,
                source: miette::NamedSource::new(
                    escape::text(&input.sources.get(file).display),
                    FileSource(text_of(file)),
                ),
                labels,
                related: Vec::new(),
            })
            .collect();
        let report = Report {
            message: redact(&d.message),
            code: Some(d.rule.name().to_string()),
            severity: miette_severity(d.severity),
            help: d.help.as_deref().map(redact),
            source: miette::NamedSource::new(
                escape::text(&input.sources.get(primary_file).display),
                FileSource(text_of(primary_file)),
            ),
            labels,
            related: Vec::new(),
        };
        let mut s = String::new();
        let mut rendered = handler.render_report(&mut s, &report);
        if not_drawn > 0 {
            s.truncate(s.trim_end().len());
            s.push_str(&format!(
                "\n  ({not_drawn} more labelled places not drawn; `--format json` lists them all)\n"
            ));
        }
        if !related.is_empty() {
            s.truncate(s.trim_end().len());
            s.push_str("\n\n  related locations in other files:\n");
            for r in &related {
                let mut part = String::new();
                rendered = rendered.and(handler.render_report(&mut part, r));
                s.push_str(part.trim_end());
                s.push('\n');
            }
        }
        if rendered.is_err() {
            // Fall back to the compact line rather than lose the finding.
            s = compact_line(input, d);
        }
        out.push_str(s.trim_end());
        out.push_str("\n\n");
    }
    out.push_str(&summary_line(input));
    out.push('\n');
    out
}

/// The labels drawn in one file of one finding in the pretty output.
const MAX_LABELS_DRAWN: usize = 16;

/// The words of a line for wrapping, where a word never ends inside a
/// `code span` (a command, a path, `KEY: ${KEY}` stays on one line): each
/// word with the blanks after it.
fn code_aware_words(line: &str) -> Box<dyn Iterator<Item = textwrap::core::Word<'_>> + '_> {
    let bytes = line.as_bytes();
    let mut words = Vec::new();
    let (mut start, mut i, mut in_code) = (0, 0, false);
    while i < bytes.len() {
        match bytes[i] {
            b'`' => in_code = !in_code,
            b' ' if !in_code => {
                let mut end = i;
                while end < bytes.len() && bytes[end] == b' ' {
                    end += 1;
                }
                words.push(textwrap::core::Word::from(&line[start..end]));
                start = end;
                i = end;
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    if start < line.len() {
        words.push(textwrap::core::Word::from(&line[start..]));
    }
    Box::new(words.into_iter())
}

// ---------------------------------------------------------------- json

/// DESIGN.md §3: `{"version": 1, "diagnostics": [...], "summary": {...}}`
/// ([`json::CheckReport`]). A diagnostic with a fix also carries
/// `"fix": {description, safe, edits}`.
pub fn json(input: &Input) -> String {
    let diagnostics = input
        .diags
        .iter()
        .map(|d| (d, |t: &str| input.text(d, t)))
        .map(|(d, redact)| json::Diagnostic {
            name: d.rule.to_string(),
            severity: d.severity.as_str(),
            message: redact(&d.message),
            help: d.help.as_deref().map(redact),
            location: input.position(d.span),
            labels: d
                .labels
                .iter()
                .map(|l| json::Label {
                    location: input.position(l.span),
                    message: redact(&l.message),
                })
                .collect(),
            fix: input.shown_fix(d).map(|fix| json::Fix {
                description: redact(&fix.description),
                safe: fix.safe,
                edits: fix
                    .edits
                    .iter()
                    .map(|e| json::Edit {
                        location: input.position(e.span),
                        replacement: input.replacement(d, e),
                    })
                    .collect(),
                creates: fix
                    .creates
                    .iter()
                    .map(|f| json::NewFile {
                        file: f.display.clone(),
                        text: input.text(d, &f.text),
                    })
                    .collect(),
            }),
        })
        .collect();
    let (errors, warnings, infos) = input.counts();
    let report = json::CheckReport {
        version: 1,
        diagnostics,
        summary: json::Summary {
            files: input.files,
            errors,
            warnings,
            infos,
        },
    };
    pretty_json(&report)
}

// ---------------------------------------------------------------- sarif

fn sarif_level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// A path as a SARIF artifact location: a URI reference, each byte that
/// may not stand in a path segment percent-encoded (a space, `#`, `?`, `%`,
/// non-ASCII); relative to `%SRCROOT%`, or a `file:` URI when absolute.
fn sarif_artifact(path: &str) -> Value {
    let path = path.replace('\\', "/");
    let mut uri = String::with_capacity(path.len());
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=:@/".contains(&b) {
            uri.push(b as char);
        } else {
            uri.push_str(&format!("%{b:02X}"));
        }
    }
    match uri.strip_prefix('/') {
        Some(_) => json!({"uri": format!("file://{uri}")}),
        // `C:/x` (Windows): a drive letter is no scheme.
        None if matches!(uri.as_bytes(), [d, b':', b'/', ..] if d.is_ascii_alphabetic()) => {
            json!({"uri": format!("file:///{uri}")})
        }
        None => json!({"uri": uri, "uriBaseId": "%SRCROOT%"}),
    }
}

fn sarif_location(p: &Location) -> Value {
    json!({
        "physicalLocation": {
            "artifactLocation": sarif_artifact(&p.file),
            "region": {
                "startLine": p.line,
                "startColumn": p.column,
                "endLine": p.end_line,
                "endColumn": p.end_column,
            }
        }
    })
}

/// SARIF 2.1.0, for GitHub code scanning: rule metadata, locations, related
/// locations, fixes. No source snippets.
pub fn sarif(input: &Input) -> String {
    let rules: Vec<Value> = input
        .rules
        .iter()
        .map(|r| {
            json!({
                "id": r.name(),
                "name": r.name(),
                "shortDescription": {"text": r.summary},
                "fullDescription": {"text": r.summary},
                "help": {"text": r.summary, "markdown": r.doc},
                "helpUri": rule_url(r.name()),
                "defaultConfiguration": {"level": sarif_level(r.severity)},
            })
        })
        .collect();
    let mut fingerprints = baseline::Fingerprints::new(input.sources, input.mask_source);
    let results: Vec<Value> = input
        .diags
        .iter()
        .map(|d| {
            let redact = |t: &str| input.text(d, t);
            let p = input.position(d.span);
            // Of the masked line, whatever `--show-secrets` (a fingerprint
            // of a secret's line would let a reader test guesses); the one
            // baselines hold.
            let fingerprint = fingerprints.of(d, &p.file);
            let mut message = redact(&d.message);
            if let Some(h) = &d.help {
                message.push_str("\nhelp: ");
                message.push_str(&redact(h));
            }
            let mut r = json!({
                "ruleId": d.rule,
                "level": sarif_level(d.severity),
                "message": {"text": message},
                "locations": [sarif_location(&p)],
                "partialFingerprints": {
                    "primaryLocationLineHash": fingerprint,
                },
            });
            if let Some(i) = input.rules.iter().position(|m| m.id == d.rule) {
                r["ruleIndex"] = json!(i);
            }
            if !d.labels.is_empty() {
                let related: Vec<Value> = d
                    .labels
                    .iter()
                    .enumerate()
                    .map(|(i, l)| {
                        let mut loc = sarif_location(&input.position(l.span));
                        loc["id"] = json!(i);
                        loc["message"] = json!({"text": redact(&l.message)});
                        loc
                    })
                    .collect();
                r["relatedLocations"] = Value::Array(related);
            }
            if let Some(fix) = input.shown_fix(d) {
                let mut by_file: Vec<(String, Vec<Value>)> = Vec::new();
                for e in &fix.edits {
                    let p = input.position(e.span);
                    let replacement = json!({
                        "deletedRegion": {
                            "startLine": p.line, "startColumn": p.column,
                            "endLine": p.end_line, "endColumn": p.end_column,
                        },
                        "insertedContent": {"text": input.replacement(d, e)},
                    });
                    match by_file.iter_mut().find(|(f, _)| *f == p.file) {
                        Some((_, v)) => v.push(replacement),
                        None => by_file.push((p.file.clone(), vec![replacement])),
                    }
                }
                for f in &fix.creates {
                    let replacement = json!({
                        "deletedRegion": {"startLine": 1, "startColumn": 1, "endLine": 1, "endColumn": 1},
                        "insertedContent": {"text": input.text(d, &f.text)},
                    });
                    by_file.push((f.display.clone(), vec![replacement]));
                }
                let changes: Vec<Value> = by_file
                    .into_iter()
                    .map(|(file, replacements)| {
                        json!({
                            "artifactLocation": sarif_artifact(&file),
                            "replacements": replacements,
                        })
                    })
                    .collect();
                r["fixes"] = json!([{
                    "description": {"text": redact(&fix.description)},
                    "artifactChanges": changes,
                }]);
            }
            r
        })
        .collect();
    sarif_document(rules, results, input.failure)
}

/// A SARIF log of one run: the tool with its `rules`, the `results`, and
/// how the run ended (`failure`).
fn sarif_document(rules: Vec<Value>, results: Vec<Value>, failure: Option<&str>) -> String {
    pretty_json(&json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "mppeep-lint",
                "informationUri": "https://github.com/mppeep/mppeep-lint",
                "version": env!("CARGO_PKG_VERSION"),
                "semanticVersion": env!("CARGO_PKG_VERSION"),
                "rules": rules,
            }},
            "columnKind": "unicodeCodePoints",
            "results": results,
            "invocations": [sarif_invocation(failure)],
        }],
    }))
}

/// A JSON document as every JSON output writes it: indented, ending in a
/// line break.
pub(crate) fn pretty_json(v: &impl serde::Serialize) -> String {
    let mut s = serde_json::to_string_pretty(v).unwrap_or_default();
    s.push('\n');
    s
}

/// How the run ended: successful, or the error that ends it with exit 2
/// (a tool execution notification, so that code scanning shows why).
fn sarif_invocation(failure: Option<&str>) -> Value {
    match failure {
        None => json!({"executionSuccessful": true}),
        Some(message) => json!({
            "executionSuccessful": false,
            "toolExecutionNotifications": [{
                "level": "error",
                "message": {"text": message},
            }],
        }),
    }
}

/// The SARIF of a run that failed before it could lint (exit 2: a bad
/// configuration, an unknown rule…): no results, the error as a tool
/// execution notification.
pub fn sarif_failure(message: &str) -> String {
    sarif_document(Vec::new(), Vec::new(), Some(message))
}

// ---------------------------------------------------------------- github

fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// GitHub Actions workflow commands: one annotation per finding.
pub fn github(input: &Input) -> String {
    let mut out = String::new();
    for d in input.diags {
        let redact = |t: &str| input.text(d, t);
        let p = input.position(d.span);
        let command = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "notice",
        };
        let mut message = redact(&d.message);
        for l in &d.labels {
            let lp = input.position(l.span);
            message.push_str(&format!(
                "\n{}:{}: {}",
                escape::text(&lp.file),
                lp.line,
                redact(&l.message)
            ));
        }
        if let Some(h) = &d.help {
            message.push_str(&format!("\nhelp: {}", redact(h)));
        }
        out.push_str(&format!(
            "::{command} file={},line={},col={},endLine={},endColumn={},title={}::{}\n",
            escape_property(&escape::text(&p.file)),
            p.line,
            p.column,
            p.end_line,
            p.end_column,
            escape_property(&format!("mppeep-lint ({})", d.rule)),
            escape_data(&message)
        ));
    }
    out
}

/// Where a rule's documentation is published.
pub(crate) fn rule_url(rule: &str) -> String {
    format!("https://github.com/mppeep/mppeep-lint/blob/main/rules/{rule}.md")
}

mod ci;
pub use ci::{checkstyle, gitlab, junit, rdjson};

#[cfg(test)]
mod tests;
