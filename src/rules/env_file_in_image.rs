//! `env-file-in-image`: a `COPY`/`ADD` from the build context that takes a
//! `.env` file (or a private key) into the image, because the context's
//! `.dockerignore` does not exclude it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::facts::build_context::{context_source, copy_takes, ignore_file, source_takes};
use crate::facts::purpose::is_test_name;
use crate::fs::is_template_name;
use crate::model::workspace::Workspace;
use crate::rules::flow::active_services;
use crate::rules::{Context, Diagnostic, Edit, Fix, NewFile, Rule, RuleId, RuleMeta, Severity};
use crate::source::{FileId, Span, TextRange};
use crate::syntax::dockerfile::InstructionKind;
use crate::syntax::dockerignore::{self, DockerIgnore};
use crate::syntax::dotenv::DotenvValue;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: RuleId::EnvFileInImage,
        severity: Severity::Error,
        summary: "A `COPY`/`ADD` (often `COPY . .`) takes a `.env` file or a private key from the build context into the image: `.dockerignore` does not exclude it.",
        doc: include_str!("../../rules/env-file-in-image.md"),
        cases: &[],
    },
    check,
};

/// Whether a file name is a `.env` file with real values: `.env`,
/// `.env.production`; not a template (`.env.example`, `.env.docker.sample`,
/// [`is_template_name`]), nor the fixtures of a test suite (`.env.test`,
/// `.env.ci`), which the repository shares with everyone anyway.
fn is_secret_env_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    if lower == ".env" {
        return true;
    }
    let Some(suffix) = lower.strip_prefix(".env.") else {
        return false;
    };
    !suffix.is_empty() && !is_template_name(&lower) && !is_test_name(suffix)
}

/// A build context: its folder and the ignore file that applies.
struct BuildContext {
    dir: PathBuf,
    ignore: Option<(FileId, DockerIgnore)>,
}

/// A file that must not reach an image.
struct SecretFile {
    file: FileId,
    kind: &'static str,
    /// For a `.env` file: its secret-like keys with a value.
    keys: Vec<(String, TextRange)>,
    /// Where a label points: the first secret key's name (never its value),
    /// a private key's BEGIN line.
    at: TextRange,
}

/// Every secret file the workspace knows of: `.env` files that set a
/// secret-like variable, and private keys.
fn secret_files(ctx: &Context) -> Vec<SecretFile> {
    let ws = ctx.ws;
    let mut out: Vec<SecretFile> = Vec::new();
    for (id, parsed) in &ws.dotenv {
        let p = &ws.sources.get(*id).path;
        if !p
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(is_secret_env_name)
        {
            continue;
        }
        let keys: Vec<(String, TextRange)> = parsed
            .entries
            .iter()
            .filter(|e| ctx.secrets.is_secret(&e.key))
            .filter(|e| matches!(&e.value, DotenvValue::Assigned(v) if !v.content_range.is_empty()))
            .map(|e| (e.key.clone(), e.key_range))
            .collect();
        if let Some(&(_, at)) = keys.first() {
            out.push(SecretFile {
                file: *id,
                kind: "environment file",
                keys,
                at,
            });
        }
    }
    out.extend(ws.private_keys.iter().map(|id| {
        // The source holds the BEGIN marker alone, after line breaks and blanks.
        let text = &ws.sources.get(*id).text;
        let start = text.len() - text.trim_start().len();
        SecretFile {
            file: *id,
            kind: "private key",
            keys: Vec::new(),
            at: TextRange::new(start, text.len()),
        }
    }));
    out
}

fn check(ctx: &Context) -> Vec<Diagnostic> {
    let ws = ctx.ws;
    let secrets = secret_files(ctx);
    if secrets.is_empty() {
        return Vec::new();
    }
    // Each Dockerfile's build contexts: those of the services that build it,
    // else its own folder (`docker build .` beside it).
    let mut contexts: BTreeMap<FileId, Vec<(PathBuf, Option<Span>)>> = BTreeMap::new();
    for (_, s) in active_services(ws) {
        if let (Some(b), Some(f)) = (&s.build, &s.image_facts) {
            let list = contexts.entry(f.dockerfile_file).or_default();
            if !list.iter().any(|(d, _)| *d == b.context) {
                list.push((
                    b.context.clone(),
                    Some(b.context_value.as_ref().map_or(b.span, |v| v.span)),
                ));
            }
        }
    }
    let mut out = Vec::new();
    for (id, df) in &ws.dockerfiles {
        let path = ws.sources.get(*id).path.clone();
        let list = contexts.get(id).cloned().unwrap_or_else(|| {
            vec![(
                path.parent().map(Path::to_path_buf).unwrap_or_default(),
                None,
            )]
        });
        for (dir, context_span) in list {
            let context = BuildContext {
                ignore: ignore_file(ws, &path, &dir),
                dir,
            };
            // Secret files in this context that the ignore file lets through.
            let present: Vec<(&SecretFile, String)> = secrets
                .iter()
                .filter_map(|f| {
                    let rel = ws
                        .sources
                        .get(f.file)
                        .path
                        .strip_prefix(&context.dir)
                        .ok()?;
                    let rel = rel.to_str()?.replace('\\', "/");
                    let ignored = context
                        .ignore
                        .as_ref()
                        .is_some_and(|(_, i)| i.excludes(&rel));
                    (!ignored).then_some((f, rel))
                })
                .collect();
            if present.is_empty() {
                continue;
            }
            for ins in &df.instructions {
                let InstructionKind::Copy { sources, .. } = &ins.kind else {
                    continue;
                };
                if ins.flag("from").is_some() {
                    continue;
                }
                let excludes: Vec<DockerIgnore> = ins
                    .flag_values("exclude")
                    .map(|e| dockerignore::parse(&e.value))
                    .collect();
                for src in sources {
                    let raw = src.value.as_str();
                    let Some(cleaned) = context_source(raw) else {
                        continue;
                    };
                    let taken: Vec<&(&SecretFile, String)> = present
                        .iter()
                        .filter(|(_, rel)| copy_takes(&cleaned, rel, &excludes))
                        .collect();
                    if taken.is_empty() {
                        continue;
                    }
                    let mut d = diagnostic(
                        *id,
                        src.range,
                        ins.keyword.as_str(),
                        raw,
                        &taken,
                        &context,
                        context_span,
                    );
                    // A COPY that names one of the files itself would fail
                    // once it is ignored: no fix.
                    let named = df.instructions.iter().any(|i| match &i.kind {
                        InstructionKind::Copy { sources, .. } if i.flag("from").is_none() => {
                            sources.iter().any(|src| {
                                let c = dockerignore::clean(src.value.trim_start_matches('/'));
                                taken.iter().any(|(_, rel)| {
                                    c == *rel
                                        || (c.contains(['*', '?', '[']) && source_takes(&c, rel))
                                })
                            })
                        }
                        _ => false,
                    });
                    if !named {
                        if let Some(fix) = ignore_fix(ws, &taken, &context) {
                            d = d.with_fix(fix);
                        }
                    }
                    out.push(d);
                }
            }
        }
    }
    crate::rules::flow::merge_same_span(out)
}

fn diagnostic(
    file: FileId,
    range: TextRange,
    keyword: &str,
    source: &str,
    taken: &[&(&SecretFile, String)],
    context: &BuildContext,
    context_span: Option<Span>,
) -> Diagnostic {
    let names: Vec<String> = taken
        .iter()
        .map(|(f, rel)| {
            if f.keys.is_empty() {
                format!("`{rel}` ({})", f.kind)
            } else {
                let keys: Vec<&str> = f.keys.iter().map(|(k, _)| k.as_str()).collect();
                format!("`{rel}` (sets {})", keys.join(", "))
            }
        })
        .collect();
    let it = if taken.len() == 1 { "it" } else { "them" };
    let why = match &context.ignore {
        Some(_) => format!("the .dockerignore does not exclude {it}"),
        None => "there is no .dockerignore".to_string(),
    };
    let mut d = Diagnostic::new(RULE.meta.id, Span::new(file, range),
        format!(
            "`{keyword} {source}` puts {} into the image: {why}, and anyone who can pull the image can read {it}",
            names.join(", "),
        ),
    )
    .with_span_label("copies secrets from the build context");
    for (f, rel) in taken {
        d = d.with_label(
            Span::new(f.file, f.at),
            format!("{} `{rel}`, baked into a layer", f.kind),
        );
        if let Some((ignore_id, ignore)) = &context.ignore {
            // A pattern that looks like it covers the file but does not:
            // `.env` only matches at the context root.
            let name = rel.rsplit('/').next().unwrap_or(rel);
            if let Some(p) = ignore
                .patterns
                .iter()
                .find(|p| !p.exception && p.pattern.rsplit('/').next() == Some(name))
            {
                d = d.with_label(
                    Span::new(*ignore_id, p.range),
                    format!(
                        "matches `{}` at the context root only, not `{rel}`: write `**/{name}`",
                        p.pattern
                    ),
                );
            } else if let Some(p) = ignore.deciding_pattern(rel).filter(|p| p.exception) {
                d = d.with_label(
                    Span::new(*ignore_id, p.range),
                    format!("brings `{rel}` back into the context"),
                );
            }
        }
    }
    if let Some(s) = context_span {
        d = d.with_label(s, "the build context");
    }
    let mut patterns: Vec<&str> = Vec::new();
    if taken.iter().any(|(f, _)| !f.keys.is_empty()) {
        patterns.extend(["`**/.env`", "`**/.env.*`", "`!**/.env.example`"]);
    }
    if taken.iter().any(|(f, _)| f.keys.is_empty()) {
        patterns.extend(["`**/*.pem`", "`**/*.key`", "`**/id_*`"]);
    }
    let patterns = patterns.join(", ");
    d.with_help(match &context.ignore {
        Some(_) => format!("add {patterns} to the .dockerignore, and give the values to the container at run time (`env_file:`, `environment:`, secrets), never in the image"),
        None => format!("create a .dockerignore at the root of the build context with {patterns}, and give the values to the container at run time (`env_file:`, `environment:`, secrets)"),
    })
}

/// Each file taken, by its path in the context, added at the end of the
/// ignore file BuildKit reads (last match wins: after any `!` exception),
/// or in a new `.dockerignore` at the context root. Unsafe: an app that
/// reads its `.env` from inside the image no longer finds it.
fn ignore_fix(
    ws: &Workspace,
    taken: &[&(&SecretFile, String)],
    context: &BuildContext,
) -> Option<Fix> {
    let mut lines: Vec<&str> = taken.iter().map(|(_, rel)| rel.as_str()).collect();
    lines.sort();
    lines.dedup();
    // A name the pattern syntax would read otherwise is left to the user.
    if lines.iter().any(|l| {
        l.contains(['*', '?', '[', '\\', '\n', '\r']) || l.starts_with(['!', '#']) || l.trim() != *l
    }) {
        return None;
    }
    let description = format!("add {} to the .dockerignore", lines.join(", "));
    match &context.ignore {
        Some((id, _)) => {
            let text = &ws.sources.get(*id).text;
            let eol = crate::fix::line_ending(text);
            let mut add = String::new();
            if !text.is_empty() && !text.ends_with('\n') {
                add.push_str(eol);
            }
            for l in &lines {
                add.push_str(l);
                add.push_str(eol);
            }
            let end = text.len();
            Some(Fix::edits(
                description,
                vec![Edit {
                    span: Span::new(*id, TextRange::new(end, end)),
                    replacement: add,
                }],
                false,
            ))
        }
        None => {
            let path = context.dir.join(".dockerignore");
            // Shown as the files beside it are: `app/.env` → `app/.dockerignore`.
            let (f, rel) = taken.first()?;
            let shown = &ws.sources.get(f.file).display;
            let display = match shown.strip_suffix(rel.as_str()) {
                Some(prefix) => format!("{prefix}.dockerignore"),
                None => path.display().to_string(),
            };
            let text: String = lines.iter().map(|l| format!("{l}\n")).collect();
            Some(Fix {
                description,
                edits: Vec::new(),
                creates: vec![NewFile {
                    path,
                    display,
                    text,
                }],
                safe: false,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_fix_adds_the_files_to_the_dockerignore() {
        use crate::rules::testing::fixed;
        let compose = "services:\n  app:\n    build: .\n";
        let df = "FROM python:3.12\nCOPY . /app\n";
        let env = "SECRET_KEY=abc\n";
        let (changes, safe) = fixed(
            &super::RULE,
            &[("compose.yaml", compose), ("Dockerfile", df), (".env", env)],
        );
        assert_eq!(
            changes,
            [(".dockerignore".to_string(), ".env\n".to_string())]
        );
        assert!(!safe);
        // A COPY of the file itself would fail once it is ignored.
        let df2 = "FROM python:3.12\nCOPY .env /app/.env\nCOPY . /app\n";
        let (changes, _) = fixed(
            &super::RULE,
            &[
                ("compose.yaml", compose),
                ("Dockerfile", df2),
                (".env", env),
            ],
        );
        assert!(changes.is_empty(), "{changes:?}");
        // Appended to the one there, in its line endings, after an exception.
        let (changes, _) = fixed(
            &super::RULE,
            &[
                ("compose.yaml", compose),
                ("Dockerfile", df),
                (".env", env),
                ("config/.env.production", env),
                (".dockerignore", "*.pyc\r\n!.env"),
            ],
        );
        assert_eq!(
            changes,
            [(
                ".dockerignore".to_string(),
                "*.pyc\r\n!.env\r\n.env\r\nconfig/.env.production\r\n".to_string()
            )]
        );
    }

    use super::*;
    use crate::rules::testing::{assert_fires, assert_silent};

    const DF: &str = "FROM python:3.12-slim\nWORKDIR /app\nCOPY . .\nUSER nobody\n";

    #[test]
    fn copy_dot_without_dockerignore() {
        let d = assert_fires(
            &RULE,
            &[("Dockerfile", DF), (".env", "DEBUG=1\nSECRET_KEY=x\n")],
        );
        assert_eq!(d[0].text, ".");
        assert!(d[0].message.contains("no .dockerignore"));
        assert!(d[0].message.contains("`.env` (sets SECRET_KEY)"));
        assert_eq!(
            (d[0].labels[0].0.as_str(), d[0].labels[0].1.as_str()),
            (".env", "SECRET_KEY")
        );
        assert!(!d[0].message.contains("SECRET_KEY=x"));
    }

    #[test]
    fn env_files_without_secrets_are_configuration() {
        // Vite reads frontend/.env at build time; its values are public.
        let files = [
            ("Dockerfile", DF),
            (".env", "VITE_API_URL=http://localhost:8000\nSECRET_KEY=\n"),
        ];
        assert_silent(&RULE, &files);
    }

    #[test]
    fn excluded_by_dockerignore() {
        assert_silent(
            &RULE,
            &[
                ("Dockerfile", DF),
                (".env", "API_TOKEN=1\n"),
                (".dockerignore", ".env\n"),
            ],
        );
        assert_silent(
            &RULE,
            &[
                ("Dockerfile", DF),
                ("app/.env", "API_TOKEN=1\n"),
                (".dockerignore", "**/.env\n"),
            ],
        );
        // Dockerfile-specific ignore file wins over the context's.
        let files = [
            ("Dockerfile.prod", DF),
            ("Dockerfile.prod.dockerignore", ".env\n"),
            ("compose.yaml", "services:\n  app:\n    build:\n      context: .\n      dockerfile: Dockerfile.prod\n"),
            (".env", "API_TOKEN=1\n"),
        ];
        assert_silent(&RULE, &files);
    }

    #[test]
    fn root_pattern_misses_subfolder() {
        let d = assert_fires(
            &RULE,
            &[
                ("Dockerfile", DF),
                ("app/.env", "API_TOKEN=1\n"),
                (".dockerignore", ".env\n"),
            ],
        );
        assert!(d[0].message.contains("`app/.env`"));
        assert!(d[0]
            .labels
            .iter()
            .any(|l| l.1 == ".env" && l.2.contains("**/.env")));
    }

    #[test]
    fn exception_brings_it_back_and_templates_are_fine() {
        let files = [
            ("Dockerfile", DF),
            (".env.production", "API_TOKEN=1\n"),
            (".dockerignore", ".env*\n!.env.production\n"),
        ];
        assert_fires(&RULE, &files);
        // Every template, as discovery names them; and test fixtures.
        for name in [
            ".env.example",
            ".env.sample",
            ".env.docker.template",
            ".env.production.example",
            ".env.dist",
            "example.env",
            "env.example",
            ".env.test",
            ".env.testing",
            ".env.ci",
        ] {
            assert_silent(&RULE, &[("Dockerfile", DF), (name, "API_TOKEN=1\n")]);
        }
    }

    #[test]
    fn sources_that_take_it_or_not() {
        let env = ("app/.env", "API_TOKEN=1\n");
        for (copy, fires) in [
            ("COPY app /app", true),
            ("COPY ./app/ /app", true),
            ("COPY app/.env /app/", true),
            ("COPY ap* /x", true),
            ("COPY * /x", true),
            ("COPY src /src", false),
            ("COPY app/main.py /app/", false),
            ("COPY --from=build /app /app", false),
            ("COPY --exclude=.env app /app", false),
        ] {
            let df = format!("FROM python:3.12-slim\n{copy}\n");
            let got = crate::rules::testing::fired(&RULE, &[("Dockerfile", &df), env]);
            assert_eq!(!got.is_empty(), fires, "{copy}");
        }
    }

    #[test]
    fn context_of_the_compose_build() {
        // The context is the parent folder; the Dockerfile lives in docker/.
        let files = [
            ("compose.yaml", "services:\n  app:\n    build:\n      context: .\n      dockerfile: docker/Dockerfile\n"),
            ("docker/Dockerfile", DF),
            (".env", "API_TOKEN=1\n"),
        ];
        let d = assert_fires(&RULE, &files);
        assert!(d[0].labels.iter().any(|l| l.2 == "the build context"));
    }

    #[test]
    fn private_keys() {
        let key = "-----BEGIN OPENSSH PRIVATE KEY-----\nabc\n-----END OPENSSH PRIVATE KEY-----\n";
        let d = assert_fires(&RULE, &[("Dockerfile", DF), ("deploy/id_rsa", key)]);
        assert!(d[0].message.contains("private key"));
        // The label is on the key's BEGIN line, the only line of it kept.
        let label = d[0].labels.iter().find(|l| l.0 == "deploy/id_rsa").unwrap();
        assert_eq!(label.1, "-----BEGIN OPENSSH PRIVATE KEY-----");
        // A certificate is public.
        assert_silent(
            &RULE,
            &[
                ("Dockerfile", DF),
                ("certs/ca.pem", "-----BEGIN CERTIFICATE-----\n"),
            ],
        );
    }

    /// `.env.local` and `.env.development` hold a developer's own secrets.
    #[test]
    fn local_env_files_are_secret() {
        for name in [".env.local", ".env.development", ".env.production"] {
            assert_fires(&RULE, &[("Dockerfile", DF), (name, "API_TOKEN=1\n")]);
        }
    }
}
