//! `env-syntax`: what Docker Compose rejects or silently drops in a
//! `.env`-format file (the project `.env`, `--env-file`, `env_file:`).

use crate::rules::{Context, Diagnostic, Rule, RuleId, RuleMeta, Severity, SeverityCase};
use crate::source::Span;
use crate::syntax::dotenv::DotenvValue;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: RuleId::EnvSyntax,
        severity: Severity::Error,
        summary: "A .env line Compose rejects (unterminated quote, a key with a space) or silently drops (a line without `=` that nothing sets, text after a closing quote), or a file that is not UTF-8 text, which Compose misreads.",
        doc: include_str!("../../rules/env-syntax.md"),
            cases: &[SeverityCase {
            key: "dropped",
            severity: Severity::Warning,
            when: "what Compose drops or misreads silently (a line without `=` that nothing sets, text after a closing quote, bytes that are not UTF-8 text)",
        }],
    },
    check,
};

/// Whether a bare `KEY` line of `file` got a value anywhere it is used.
fn bare_key_resolved(ctx: &Context, key: Span) -> bool {
    ctx.ws.whole_projects().any(|p| {
        p.dotenv_definitions.iter().any(|d| d.key == key)
            || p.services.iter().any(|s| {
                s.container_env
                    .vars
                    .values()
                    .any(|v| v.definitions().any(|d| d.key_span == key))
            })
    })
}

fn check(ctx: &Context) -> Vec<Diagnostic> {
    let ws = ctx.ws;
    let mut out = Vec::new();
    for (id, file) in &ws.dotenv {
        let id = *id;
        let name = &ws.sources.get(id).display;
        for e in &file.errors {
            // Past one of our own bounds Compose may well read the file.
            let message = if e.limit {
                e.message.clone()
            } else {
                format!("Compose refuses {name}: {}", e.message)
            };
            out.push(
                Diagnostic::new(RULE.meta.id, Span::new(id, e.range), message)
                    .with_span_label("here")
                    .with_help("`docker compose` fails on the whole project while this line is wrong; quote values with spaces and close every quote"),
            );
        }
        if let Some(l) = file.encoding {
            let text = &ws.sources.get(id).text;
            let len = text
                .get(l.offset..)
                .and_then(|t| t.chars().next())
                .map_or(0, char::len_utf8);
            let (label, message) = if l.nul {
                (
                    "a NUL byte",
                    "this file holds a NUL byte: Compose keeps it in the value, where most programs \
                     (and the C library) cut the value short",
                )
            } else {
                (
                    "read as U+FFFD",
                    "this file is not valid UTF-8 (another encoding, such as Latin-1 or UTF-16): \
                     Compose reads each invalid byte as U+FFFD (\u{fffd}), and so does mppeep-lint",
                )
            };
            out.push(
                Diagnostic::new(
                    RULE.meta.id,
                    Span::new(id, crate::source::TextRange::new(l.offset, l.offset + len)),
                    message,
                )
                .with_case("dropped")
                .with_span_label(label)
                .with_help("save the file as UTF-8 text (an editor's \"Save with encoding\", or `iconv -f LATIN1 -t UTF-8`)"),
            );
        }
        for w in &file.warnings {
            out.push(
                Diagnostic::new(RULE.meta.id, Span::new(id, w.range), w.message.clone())
                    .with_case("dropped")
                    .with_span_label("Compose drops or misreads this")
                    .with_help("one `KEY=value` per line; put the whole value inside the quotes"),
            );
        }
        let u = ws.dotenv_use(id);
        if !u.interpolation && !u.env_file {
            continue;
        }
        for entry in &file.entries {
            if entry.value != DotenvValue::Inherit || entry.key.is_empty() {
                continue;
            }
            let key = Span::new(id, entry.key_range);
            if bare_key_resolved(ctx, key) {
                continue;
            }
            let from = if u.env_file {
                "the shell or the project .env"
            } else {
                "the shell"
            };
            out.push(
                Diagnostic::new(RULE.meta.id, key,
                    format!(
                        "`{}` has no `=`: Compose takes its value from {from}, which does not set it, so the line is dropped",
                        entry.key
                    ),
                )
.with_case("dropped")
                .with_span_label("no `=`: silently left out")
                .with_help(format!(
                    "write `{}=value` (or `{}=` for an empty value)",
                    entry.key, entry.key
                )),
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{assert_fires, assert_silent};

    const COMPOSE: &str = "services:\n  app:\n    image: python:3.12-slim\n    env_file: app.env\n";

    #[test]
    fn rejected_lines() {
        let d = assert_fires(
            &RULE,
            &[("compose.yaml", COMPOSE), ("app.env", "OK=1\nMY KEY=x\n")],
        );
        assert_eq!(d[0].line, 2);
        assert!(d[0].message.contains("Compose refuses"));
        let d = assert_fires(
            &RULE,
            &[("compose.yaml", COMPOSE), (".env", "A=\"open\nB=2\n")],
        );
        assert_eq!((d[0].file.as_str(), d[0].line), (".env", 1));
    }

    #[test]
    fn dropped_lines() {
        // A bare key nothing sets, in an env_file and in the project .env.
        let d = assert_fires(
            &RULE,
            &[("compose.yaml", COMPOSE), ("app.env", "A=1\nDEBUG\nB=2\n")],
        );
        assert_eq!((d[0].line, d[0].text.as_str()), (2, "DEBUG"));
        let d = assert_fires(
            &RULE,
            &[
                ("compose.yaml", COMPOSE),
                ("app.env", "A=1\n"),
                (".env", "TAG\n"),
            ],
        );
        assert_eq!(d[0].file, ".env");
        // Text after a closing quote.
        let d = assert_fires(
            &RULE,
            &[("compose.yaml", COMPOSE), ("app.env", "A=\"x\"y\n")],
        );
        assert_eq!(d[0].line, 1);
    }

    #[test]
    fn a_bare_key_that_is_set_is_a_passthrough() {
        // env_file `DEBUG` takes the project .env's DEBUG.
        assert_silent(
            &RULE,
            &[
                ("compose.yaml", COMPOSE),
                ("app.env", "DEBUG\n"),
                (".env", "DEBUG=1\n"),
            ],
        );
        // An unused file (.env.example) is not judged for bare keys.
        assert_silent(
            &RULE,
            &[
                ("compose.yaml", COMPOSE),
                ("app.env", "A=1\n"),
                (".env.example", "DEBUG\n"),
            ],
        );
        assert_silent(
            &RULE,
            &[
                ("compose.yaml", COMPOSE),
                ("app.env", "A =1\nB= 2\nexport C=3\nD=x #c\n"),
            ],
        );
    }
}
