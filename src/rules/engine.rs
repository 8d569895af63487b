//! Running the rules: built-in diagnostics (syntax errors, configurations
//! Compose rejects, unreadable files), each selected rule, inline
//! suppressions, per-rule severity; sorted for stable output. A rule that
//! panics (a bug of ours) becomes an `internal-error`; the others still run.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::panic::{catch_unwind, AssertUnwindSafe};

use crate::model::types::ModelErrorKind;
use crate::rules::{Context, Diagnostic, Rule, RuleId, Severity, OVERLAPS, RULES};
use crate::source::{FileId, SourceMap, Span, TextRange};

/// The user's choices (configuration file and command line).
#[derive(Debug, Clone, Default)]
pub struct Settings {
    /// Only these rules (None: all).
    pub select: Option<Vec<RuleId>>,
    pub ignore: Vec<RuleId>,
    pub severity: BTreeMap<RuleId, Severity>,
}

impl Settings {
    pub fn enabled(&self, rule: RuleId) -> bool {
        let selected = self.select.as_ref().is_none_or(|s| s.contains(&rule));
        selected && !self.ignore.contains(&rule)
    }
}

/// Every diagnostic for the workspace, suppressions and settings applied.
pub fn run(ctx: &Context, settings: &Settings) -> Vec<Diagnostic> {
    let mut diags = builtin(ctx);
    for rule in RULES {
        if settings.enabled(rule.meta.id) {
            diags.extend(checked(rule, ctx));
        }
    }
    let (suppressions, mut unknown) = suppressions(ctx);
    diags.retain(|d| !suppressions.suppresses(d, &ctx.ws.sources));
    diags.append(&mut unknown);
    diags.retain(|d| settings.enabled(d.rule));
    resolve_overlaps(&mut diags);
    for d in &mut diags {
        if let Some(s) = settings.severity.get(&d.rule) {
            d.severity = *s;
        }
    }
    sort(ctx, &mut diags);
    diags.dedup();
    diags
}

/// Drops each finding that a rule declared to say more ([`OVERLAPS`])
/// reports on the same span.
fn resolve_overlaps(diags: &mut Vec<Diagnostic>) {
    let reported: BTreeSet<(RuleId, Span)> = diags.iter().map(|d| (d.rule, d.span)).collect();
    diags.retain(|d| {
        !OVERLAPS
            .iter()
            .any(|(winner, loser)| *loser == d.rule && reported.contains(&(*winner, d.span)))
    });
}

/// What `rule` finds. If it panics, one `internal-error` at the start of the
/// first compose file (else the first file read) says which rule and why,
/// and asks for a report; the default panic hook has already printed where.
fn checked(rule: &Rule, ctx: &Context) -> Vec<Diagnostic> {
    let payload = match catch_unwind(AssertUnwindSafe(|| (rule.check)(ctx))) {
        Ok(diags) => return diags,
        Err(payload) => payload,
    };
    let why = panic_message(&*payload);
    let ws = ctx.ws;
    let file = ws
        .projects
        .iter()
        .find_map(|p| p.compose_files.first().copied())
        .or_else(|| ws.sources.iter().next().map(|(id, _)| id));
    let Some(file) = file else {
        // Nothing was read, so nothing can be pointed at.
        std::panic::resume_unwind(payload);
    };
    vec![Diagnostic::new(
        RuleId::InternalError,
        Span::new(file, TextRange::empty(0)),
        format!(
            "rule `{}` failed on this project (a bug in mppeep-lint): {why}",
            rule.meta.name()
        ),
    )
    .with_help(format!(
        "please report it with the files involved; `--ignore {}` skips the rule meanwhile",
        rule.meta.name()
    ))]
}

/// The message a panic was raised with (`panic!("…")`, an index out of
/// bounds…), or empty. Only its first line, up to `` of ` ``: Rust's
/// message for a bad string slice goes on with the string itself, which is
/// the user's text and may hold a secret; it stays on stderr.
pub fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    let full = payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_default();
    let first = full.lines().next().unwrap_or_default();
    let cut = first.find(" of `").unwrap_or(first.len());
    first[..cut].chars().take(160).collect()
}

/// Stable order: by file as shown, then position, then rule.
pub fn sort(ctx: &Context, diags: &mut [Diagnostic]) {
    diags.sort_by(|a, b| {
        let fa = &ctx.ws.sources.get(a.span.file).display;
        let fb = &ctx.ws.sources.get(b.span.file).display;
        fa.cmp(fb)
            .then(a.span.range.start.cmp(&b.span.range.start))
            .then(a.rule.cmp(&b.rule))
            .then(a.message.cmp(&b.message))
    });
}

fn builtin(ctx: &Context) -> Vec<Diagnostic> {
    let ws = ctx.ws;
    let mut out = Vec::new();
    let mut seen: BTreeSet<(Span, String)> = BTreeSet::new();
    let mut syntax = |file: FileId, range: TextRange, message: &str, out: &mut Vec<Diagnostic>| {
        let span = Span::new(file, range);
        if seen.insert((span, message.to_string())) {
            out.push(Diagnostic::new(RuleId::SyntaxError, span, message).with_span_label("here"));
        }
    };
    for (id, f) in &ws.dockerfiles {
        for e in &f.errors {
            syntax(*id, e.range, &e.message, &mut out);
        }
    }
    for (id, f) in &ws.compose {
        for e in &f.errors {
            syntax(*id, e.range, &e.message, &mut out);
        }
    }
    // Where the expansion of a Dockerfile stopped at one of our bounds
    // (nesting, size): the message says the limit is ours.
    for image in ctx.facts().images() {
        if let Some((span, message)) = &image.facts.limit {
            syntax(span.file, span.range, message, &mut out);
        }
    }
    // `.env` errors are `env-syntax`'s; Compose's own error for them is
    // not repeated.
    let mut known: BTreeSet<(Span, String)> =
        out.iter().map(|d| (d.span, d.message.clone())).collect();
    for (id, f) in &ws.dotenv {
        for e in &f.errors {
            known.insert((Span::new(*id, e.range), e.message.clone()));
        }
    }
    // Each finding with the model's error it was made for.
    let mut compose_errors: Vec<(&crate::model::types::ModelError, Diagnostic)> = Vec::new();
    for p in &ws.projects {
        for e in &p.errors {
            let span = e
                .span
                .or_else(|| {
                    p.compose_files
                        .first()
                        .map(|f| Span::new(*f, TextRange::empty(0)))
                })
                .or_else(|| unreadable_at(ws, e));
            let Some(span) = span else { continue };
            if known.contains(&(span, e.message.clone())) {
                continue;
            }
            // `missing-dotenv` reports env files made at install, and the
            // variables they set count as set.
            match &e.kind {
                ModelErrorKind::EnvFileNotFound(path) if p.missing_env_file(path).is_some() => {
                    continue
                }
                ModelErrorKind::RequiredVariable(v) if p.set_at_deploy(v) => continue,
                _ => {}
            }
            let files: Vec<&str> = p
                .compose_files
                .iter()
                .map(|f| ws.sources.get(*f).display.as_str())
                .collect();
            // One finding per error: the same error of several projects
            // (a file shared by `compose.yml` and `compose.yml` +
            // `compose.deploy.yml`) once, and one required variable of a
            // file once, labelled wherever else the file requires it.
            let same = compose_errors.iter_mut().find(|(first, d)| {
                match (first.required_variable(), e.required_variable()) {
                    (Some(a), Some(b)) => a == b && d.span.file == span.file,
                    _ => d.span == span && *first == e,
                }
            });
            if let Some((_, d)) = same {
                if d.span != span && !d.labels.iter().any(|l| l.span == span) {
                    d.labels.push(crate::rules::Label {
                        span,
                        message: "required here too".into(),
                    });
                }
                continue;
            }
            // Our own bounds: Compose may accept the file, we stop there.
            let (message, help) = if e.kind == ModelErrorKind::Limit {
                (
                    e.message.clone(),
                    format!(
                        "mppeep-lint does not read past this point of the project ({})",
                        files.join(", ")
                    ),
                )
            } else {
                (
                    format!("`docker compose config` fails: {}", e.message),
                    format!(
                        "Compose refuses this project ({}) until this is fixed",
                        files.join(", ")
                    ),
                )
            };
            compose_errors.push((
                e,
                Diagnostic::new(RuleId::ComposeError, span, message)
                    .with_span_label("here")
                    .with_help(help),
            ));
        }
    }
    out.extend(compose_errors.into_iter().map(|(_, d)| d));
    for pr in &ws.problems {
        let Some(file) = pr.file else { continue };
        let start = pr
            .line
            .map(|l| ws.sources.get(file).line_range(l).start)
            .unwrap_or(0);
        out.push(Diagnostic::new(
            RuleId::UnreadableFile,
            Span::new(file, TextRange::empty(start)),
            pr.message.clone(),
        ));
    }
    out
}

/// Where a file of a project that could not be read is reported (its
/// `unreadable-file` location), for an error nothing else locates: the only
/// compose file of a project is binary, not UTF-8, too large, a fifo.
fn unreadable_at(
    ws: &crate::model::workspace::Workspace,
    e: &crate::model::types::ModelError,
) -> Option<Span> {
    let ModelErrorKind::Unreadable(path) = &e.kind else {
        return None;
    };
    ws.problems.iter().find_map(|pr| {
        let file = pr.file?;
        let source = ws.sources.get(file);
        if &source.path != path {
            return None;
        }
        let start = pr.line.map(|l| source.line_range(l).start).unwrap_or(0);
        Some(Span::new(file, TextRange::empty(start)))
    })
}

/// The rules a line's comment turns off.
#[derive(Debug, Default)]
struct LineRules {
    /// `ignore` without names: every rule.
    all: bool,
    rules: BTreeSet<RuleId>,
}

/// Inline suppressions found in the files' comments.
#[derive(Debug, Default)]
pub struct Suppressions {
    /// Files where every rule, or some rules, are off.
    file_all: BTreeSet<FileId>,
    file_rules: HashMap<FileId, BTreeSet<RuleId>>,
    /// (file, 1-based line) → rules off on that line and the next.
    lines: HashMap<(FileId, usize), LineRules>,
}

impl Suppressions {
    /// Whether a comment turns `d` off: `ignore-file` in its file, or
    /// `ignore` on the line (or the line above) of its location or of one
    /// of its labels (the `.env` line a compose finding explains by).
    pub fn suppresses(&self, d: &Diagnostic, sources: &SourceMap) -> bool {
        let f = d.span.file;
        if self.file_all.contains(&f)
            || self.file_rules.get(&f).is_some_and(|r| r.contains(&d.rule))
        {
            return true;
        }
        if self.lines.is_empty() {
            return false;
        }
        std::iter::once(d.span)
            .chain(d.labels.iter().map(|l| l.span))
            .any(|span| {
                let line = sources.get(span.file).line_col(span.range.start).line;
                [line, line.saturating_sub(1)].iter().any(|l| {
                    self.lines
                        .get(&(span.file, *l))
                        .is_some_and(|r| r.all || r.rules.contains(&d.rule))
                })
            })
    }
}

const MARK: &str = "mppeep-lint:";

/// Parse `# mppeep-lint: ignore[a, b]` (this line and the next) and
/// `# mppeep-lint: ignore-file` / `ignore-file[a]` in every file; unknown
/// rule names become `unknown-rule` diagnostics.
pub fn suppressions(ctx: &Context) -> (Suppressions, Vec<Diagnostic>) {
    let mut s = Suppressions::default();
    let mut unknown = Vec::new();
    for (id, file) in ctx.ws.sources.iter() {
        if !file.text.contains(MARK) {
            continue;
        }
        let mut offset = 0;
        for (i, line) in file.text.split_inclusive('\n').enumerate() {
            let line_start = offset;
            offset += line.len();
            let Some(hash) = line.find('#') else { continue };
            let comment = &line[hash..];
            let Some(m) = comment.find(MARK) else {
                continue;
            };
            let directive_start = line_start + hash + m + MARK.len();
            let rest = &comment[m + MARK.len()..];
            let trimmed = rest.trim_start();
            let lead = rest.len() - trimmed.len();
            let (file_wide, after) = if let Some(a) = trimmed.strip_prefix("ignore-file") {
                (true, a)
            } else if let Some(a) = trimmed.strip_prefix("ignore") {
                (false, a)
            } else {
                continue;
            };
            let after_start = directive_start + lead + (trimmed.len() - after.len());
            let names = bracket_names(after, after_start);
            if names.is_empty() {
                if file_wide {
                    s.file_all.insert(id);
                } else {
                    s.lines.entry((id, i + 1)).or_default().all = true;
                }
                continue;
            }
            for (name, range) in names {
                let Some(rule) = RuleId::from_name(&name) else {
                    unknown.push(
                        Diagnostic::new(
                            RuleId::UnknownRule,
                            Span::new(id, range),
                            format!("unknown rule `{name}` in a suppression comment"),
                        )
                        .with_span_label("no rule has this name")
                        .with_help("`mppeep-lint rules` lists the rule names"),
                    );
                    continue;
                };
                if file_wide {
                    s.file_rules.entry(id).or_default().insert(rule);
                } else {
                    s.lines.entry((id, i + 1)).or_default().rules.insert(rule);
                }
            }
        }
    }
    (s, unknown)
}

/// `[a, b-c]` → names with their absolute ranges.
fn bracket_names(text: &str, start: usize) -> Vec<(String, TextRange)> {
    let Some(open) = text.strip_prefix('[') else {
        return Vec::new();
    };
    let close = open.find(']').unwrap_or(open.len());
    let inner = &open[..close];
    let mut out = Vec::new();
    let mut pos = start + 1;
    for part in inner.split(',') {
        let lead = part.len() - part.trim_start().len();
        let name = part.trim();
        if !name.is_empty() {
            let s = pos + lead;
            out.push((name.to_string(), TextRange::new(s, s + name.len())));
        }
        pos += part.len() + 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bracket_names_have_ranges() {
        let text = "[a, bb-c]";
        let names = bracket_names(text, 10);
        assert_eq!(names[0], ("a".to_string(), TextRange::new(11, 12)));
        assert_eq!(names[1], ("bb-c".to_string(), TextRange::new(14, 18)));
        assert!(bracket_names(" x", 0).is_empty());
    }

    static BOOM: Rule = Rule {
        meta: crate::rules::RuleMeta {
            id: RuleId::QuotedValue,
            severity: Severity::Error,
            summary: "",
            doc: "",
            cases: &[],
        },
        check: |_| panic!("index out of bounds"),
    };

    #[test]
    fn a_panicking_rule_becomes_an_internal_error() {
        let dir = crate::rules::testing::write_project(&[
            (".env", "A=1\n"),
            ("compose.yaml", "services:\n  app:\n    image: x\n"),
        ]);
        let ws = crate::rules::testing::workspace(dir.path());
        let policy = crate::model::secrets::SecretPolicy::default();
        let ctx = Context::new(&ws, &policy);
        let d = checked(&BOOM, &ctx);
        assert_eq!(d.len(), 1);
        assert_eq!(
            (d[0].rule, d[0].span.range),
            (RuleId::InternalError, TextRange::empty(0))
        );
        assert_eq!(ws.sources.get(d[0].span.file).display, "compose.yaml");
        assert!(
            d[0].message.contains("rule `quoted-value`")
                && d[0].message.contains("index out of bounds")
        );
        assert!(d[0]
            .help
            .as_deref()
            .unwrap()
            .contains("--ignore quoted-value"));
    }

    #[test]
    fn a_panic_message_keeps_none_of_the_users_text() {
        let slice = "byte index 1 is not a char boundary; it is inside 'x' (bytes 0..2) of `API_KEY=s3cr3t`";
        let got = panic_message(&String::from(slice));
        assert_eq!(
            got,
            "byte index 1 is not a char boundary; it is inside 'x' (bytes 0..2)"
        );
        assert_eq!(panic_message(&"first\nsecond"), "first");
        assert_eq!(panic_message(&42), "");
    }
}
