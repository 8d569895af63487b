//! `quoted-value`: a value whose quotes become part of the value.

use crate::model::types::*;
use crate::rules::flow::{active_services, trace};
use crate::rules::{
    Context, Diagnostic, Edit, Fix, Rule, RuleId, RuleMeta, Severity, SeverityCase,
};
use crate::source::{Span, TextRange};
use crate::syntax::compose::EnvironmentForm;
use crate::syntax::dotenv::{DotenvValue, Quote};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: RuleId::QuotedValue,
        severity: Severity::Error,
        summary: "A value whose quotes become part of the value: `- KEY=\"v\"` in a compose list, or a quoted .env value read by a tool that keeps quotes.",
        doc: include_str!("../../rules/quoted-value.md"),
            cases: &[SeverityCase {
            key: "dotenv",
            severity: Severity::Info,
            when: "quotes no reader needs in a `.env`-format file a project reads: Compose reads the same value without them",
        }],
    },
    check,
};

fn check(ctx: &Context) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    // 1. What a container receives with the quotes in it.
    for (_, service) in active_services(ctx.ws) {
        for (key, var) in &service.container_env.vars {
            let d = &var.winner;
            let Some(value) = &d.value else { continue };
            let Some(q) = wrapping_quote(value) else {
                continue;
            };
            if d.source == EnvSource::ImageEnv {
                continue;
            }
            let t = trace(ctx.ws, service, d, 0..value.len());
            let list_item = d.form == Some(EnvironmentForm::List) && d.via.is_empty();
            let message = if list_item {
                format!(
                    "{key} receives {q}...{q} with the quotes: in a compose list entry `- {key}={q}...{q}` Compose keeps them"
                )
            } else {
                format!(
                    "service `{}` receives {key} with literal {q} quotes around its value",
                    service.name
                )
            };
            let mut diag = Diagnostic::new(RULE.meta.id, t.primary, message)
                .with_span_label("these quotes are part of the value");
            diag.labels.extend(t.labels);
            if list_item {
                diag = diag.with_help(format!(
                    "write `- {key}=...` without quotes, or use the map form `{key}: \"...\"` where YAML removes them"
                ));
                if t.exact && plain_without_quotes(&value[1..value.len() - 1]) {
                    diag = diag.with_fix(strip_quotes_fix(t.primary, value));
                }
            } else {
                diag = diag.with_help("remove the quotes from the value where it is written");
            }
            out.push(diag);
        }
    }
    // 2. `.env`-format files: Compose and python-dotenv strip the quotes,
    // `docker run --env-file` and Make's `include .env` keep them.
    for (id, file) in &ctx.ws.dotenv {
        // Templates and files no project reads get syntax checks only
        // (`env-syntax`): who reads them, and how, is not known.
        if !ctx.ws.dotenv_use(*id).read() {
            continue;
        }
        for e in &file.entries {
            let DotenvValue::Assigned(a) = &e.value else {
                continue;
            };
            if a.quote == Quote::None {
                continue;
            }
            let content = ctx.ws.sources.get(*id).slice(a.content_range);
            if quotes_needed(content, a.quote) {
                continue;
            }
            let q = if a.quote == Quote::Double { '"' } else { '\'' };
            let span = Span::new(*id, a.raw_range);
            // Without its quotes, the value must read the same: nothing but
            // blanks, or blanks then a comment, after the closing quote
            // (`A="x"y` is `x` quoted, `xy` without); and no service reads
            // the file `format: raw`, where the quotes are the value's.
            // Compose reads ` #` as a comment after an unquoted value, and
            // trims trailing spaces; a tab is the value's.
            let source = ctx.ws.sources.get(*id);
            let line = source.line_at(a.raw_range.start);
            let rest = source.slice(TextRange::new(a.raw_range.end, line.end));
            let alone = rest.chars().all(|c| c == ' ')
                || (rest.starts_with(' ') && rest.trim_start_matches(' ').starts_with('#'));
            let raw_reader = ctx
                .ws
                .active_services()
                .any(|(_, s)| s.env_files.iter().any(|e| e.raw && e.file == Some(*id)));
            let diag = Diagnostic::new(RULE.meta.id, span,
                format!(
                    "{} is quoted: Docker Compose and python-dotenv strip the quotes, but `docker run --env-file` and Make's `include .env` keep them as part of the value",
                    e.key
                ),
            )
.with_case("dotenv")
            .with_span_label(format!("{q}...{q} are not needed here"))
            .with_help("write the value without quotes; it needs none");
            let diag = if alone && !raw_reader {
                diag.with_fix(Fix::edits(
                    "remove the quotes",
                    vec![Edit {
                        span,
                        replacement: content.to_string(),
                    }],
                    true,
                ))
            } else {
                diag
            };
            out.push(diag);
        }
    }
    out
}

/// The quote character when `value` is wrapped in a matching pair.
fn wrapping_quote(value: &str) -> Option<char> {
    let first = value.chars().next()?;
    let last = value.chars().last()?;
    (value.len() >= 2 && (first == '"' || first == '\'') && first == last).then_some(first)
}

/// True when removing the quotes would change what some reader of the file
/// reads: Compose (blanks at the ends, ` #` a comment, a line break,
/// escapes in double quotes, `$` kept literal in single quotes, an empty
/// value) or a shell that sources it (`set -a; . ./.env`: any blank, and the
/// characters the shell expands or splits on). Quotes are then the right
/// way to write the value.
fn quotes_needed(content: &str, quote: Quote) -> bool {
    const SHELL_SPECIAL: &[char] = &[
        '*', '?', '[', ']', '$', '`', '\\', '\'', '"', '!', ';', '&', '|', '<', '>', '(', ')', '{',
        '}', '~', '#',
    ];
    content.is_empty()
        || content.contains(char::is_whitespace)
        || content.contains(SHELL_SPECIAL)
        || (quote == Quote::Single && content.contains('$'))
}

/// Whether `inner`, written without its quotes inside a YAML scalar, is
/// still read whole: no ` #` (a comment in a plain scalar), no `: `, no
/// blanks at its ends, not empty.
fn plain_without_quotes(inner: &str) -> bool {
    !inner.is_empty()
        && inner.trim() == inner
        && !inner.contains('#')
        && !inner.contains(": ")
        && !inner.ends_with(':')
        && !inner.contains(['\n', '\r', '\t'])
}

fn strip_quotes_fix(span: Span, value: &str) -> Fix {
    let inner = &value[1..value.len() - 1];
    Fix::edits(
        "remove the quotes",
        vec![Edit {
            span,
            replacement: inner.to_string(),
        }],
        false,
    )
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{assert_fires, assert_silent, fired};

    #[test]
    fn list_entry_keeps_quotes() {
        let files = [(
            "compose.yaml",
            "services:\n  app:\n    image: x\n    environment:\n      - DATABASE_URL=\"postgresql://u:p@db/x\"\n",
        )];
        let d = assert_fires(&super::RULE, &files);
        assert_eq!(d[0].text, "\"postgresql://u:p@db/x\"");
    }

    #[test]
    fn map_entry_quotes_are_yaml() {
        assert_silent(
            &super::RULE,
            &[(
                "compose.yaml",
                "services:\n  app:\n    image: x\n    environment:\n      DATABASE_URL: \"postgresql://db/x\"\n",
            )],
        );
    }

    #[test]
    fn dotenv_quotes_warn_unless_needed() {
        let files = [
            ("compose.yaml", "services:\n  app:\n    image: x\n"),
            (
                ".env",
                "A=\"plain\"\nB=\"has # hash\"\nC='pa$$word'\nD=\"line\\nbreak\"\nE=unquoted\nF=\"two words\"\nG='*'\n",
            ),
        ];
        let d = fired(&super::RULE, &files);
        let texts: Vec<&str> = d.iter().map(|x| x.text.as_str()).collect();
        assert_eq!(texts, vec!["\"plain\""]);
    }

    /// Text after the closing quote, or a reader of the file `format:
    /// raw`: the value would change without the quotes, so no fix.
    #[test]
    fn no_fix_where_the_value_would_read_otherwise() {
        use crate::rules::testing::fixed;
        let compose = "services:\n  app:\n    image: x\n    env_file: .env\n";
        for line in [
            "A=\"x\"# c\n",
            "A='x'#c\n",
            "A=\"x\"y\n",
            "A=\"x\"=\n",
            "A=\"x\"\t#c\n",
        ] {
            let files = [("compose.yaml", compose), (".env", line)];
            assert!(fixed(&super::RULE, &files).0.is_empty(), "{line}");
        }
        let files = [("compose.yaml", compose), (".env", "A=\"x\"  # c\r\n")];
        let (changes, _) = fixed(&super::RULE, &files);
        assert_eq!(changes[0].1, "A=x  # c\r\n");
        let raw = "services:\n  app:\n    image: x\n    env_file:\n      - path: .env\n        format: raw\n";
        let files = [("compose.yaml", raw), (".env", "A=\"x\"\n")];
        assert!(fixed(&super::RULE, &files).0.is_empty());
    }

    #[test]
    fn interpolated_quotes_point_at_dotenv() {
        let files = [
            (
                "compose.yaml",
                "services:\n  app:\n    image: x\n    environment:\n      - URL=${URL}\n",
            ),
            (".env", "URL='\"http://db\"'\n"),
        ];
        let d = assert_fires(&super::RULE, &files);
        assert!(d
            .iter()
            .any(|x| x.file == ".env" && x.text == "\"http://db\""));
    }
}
