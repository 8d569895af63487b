//! `unpinned-image`: a `FROM` or a compose `image:` that pulls an image
//! without a tag or with `:latest`.

use std::collections::BTreeMap;

use crate::model::types::{Service, VariableSource};
use crate::model::workspace::Workspace;
use crate::rules::flow::{find_in, merge_same_span};
use crate::rules::{Context, Diagnostic, Rule, RuleMeta, Severity};
use crate::source::{FileId, Span};
use crate::syntax::dockerfile::{expand_word, Dockerfile, InstructionKind};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        name: "unpinned-image",
        severity: Severity::Warning,
        summary: "A `FROM` or compose `image:` with no tag or `:latest`: each build or pull may get a different image.",
        doc: include_str!("../../rules/unpinned-image.md"),
    },
    check,
};

/// What is wrong with an image reference, if anything.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Problem {
    NoTag,
    Latest,
}

/// `name[:tag][@digest]`, with an optional `registry[:port]/` prefix.
fn problem(reference: &str) -> Option<Problem> {
    if reference.contains('@') {
        return None;
    }
    let last = reference.rsplit('/').next().unwrap_or(reference);
    match last.split_once(':') {
        Some((_, "latest")) => Some(Problem::Latest),
        Some(_) => None,
        None => Some(Problem::NoTag),
    }
}

/// A reference we cannot judge: empty, a template, a dangling `:` or `/`.
fn unjudgeable(reference: &str) -> bool {
    reference.is_empty()
        || reference.contains("{{")
        || reference.contains("//")
        || reference.contains(char::is_whitespace)
        || reference.ends_with([':', '/'])
        || reference.starts_with([':', '/'])
}

/// The help, with the image's own name: `pin a version tag (redis:<version>)…`.
fn help(reference: &str) -> String {
    let name = match reference.rsplit_once(':') {
        Some((n, t)) if !t.contains('/') => n,
        _ => reference,
    };
    format!("pin a version tag (`{name}:<version>`), or add the digest for fully reproducible builds (`{name}:<version>@sha256:…`), and let Renovate or Dependabot propose upgrades")
}

fn message(reference: &str, p: Problem, service: Option<&str>) -> String {
    match (p, service) {
        (Problem::NoTag, None) => format!(
            "base image `{reference}` has no tag: it means `{reference}:latest`, whatever that is on the day of the build"
        ),
        (Problem::Latest, None) => format!(
            "base image `{reference}` is not pinned: `latest` moves, so two builds of the same commit can differ"
        ),
        (Problem::NoTag, Some(s)) => format!(
            "service `{s}` pulls `{reference}` with no tag: that is `{reference}:latest`, whatever it is on the day of the pull"
        ),
        (Problem::Latest, Some(s)) => format!(
            "service `{s}` pulls `{reference}`, which is not pinned: `latest` moves, so two deployments of the same commit can run different images"
        ),
    }
}

fn check(ctx: &Context) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for (id, df) in &ctx.ws.dockerfiles {
        for build in builds(ctx.ws, *id) {
            check_dockerfile(ctx.ws, *id, df, &build, &mut out);
        }
    }
    for project in ctx.ws.whole_projects() {
        for service in &project.services {
            check_service(ctx.ws, service, &mut out);
        }
    }
    merge_same_span(out)
}

/// One way a Dockerfile is built: by a compose service, whose `build.args`
/// override the ARG defaults, or (no service builds it) with the defaults.
struct Build<'a> {
    service: Option<&'a Service>,
    /// Name → the value compose passes, where it is written in compose,
    /// and where each part of it may be written: the compose value, the
    /// `.env` values interpolated into it or passed through (`args: [NAME]`).
    args: BTreeMap<String, (String, Span, Vec<Span>)>,
}

fn builds(ws: &Workspace, file: FileId) -> Vec<Build<'_>> {
    let mut out = Vec::new();
    for project in ws.whole_projects() {
        for service in &project.services {
            let (Some(build), Some(facts)) = (&service.build, &service.image_facts) else {
                continue;
            };
            if facts.dockerfile_file != file {
                continue;
            }
            let args = build
                .args
                .iter()
                .filter_map(|(name, key, value)| {
                    let given = match value {
                        Some(v) => {
                            let dotenv = v.via.iter().filter_map(|via| match &via.source {
                                Some(VariableSource::Dotenv { value, .. }) => Some(*value),
                                _ => None,
                            });
                            let parts = std::iter::once(v.span).chain(dotenv).collect();
                            (v.text.clone(), v.span, parts)
                        }
                        None => {
                            let var = project.variables.get(name)?;
                            let at = match var.source {
                                VariableSource::Dotenv { value, .. } => value,
                                VariableSource::Process | VariableSource::Compose => *key,
                            };
                            (var.value.clone(), *key, vec![at])
                        }
                    };
                    Some((name.clone(), given))
                })
                .collect();
            out.push(Build {
                service: Some(service),
                args,
            });
        }
    }
    if out.is_empty() {
        out.push(Build {
            service: None,
            args: BTreeMap::new(),
        });
    }
    out
}

fn check_dockerfile(
    ws: &Workspace,
    file: FileId,
    df: &Dockerfile,
    build: &Build,
    out: &mut Vec<Diagnostic>,
) {
    let source = ws.sources.get(file);
    // Global ARGs: name → (value, where its parts may be written, the build
    // arg in compose that gives it).
    type Given = (String, Vec<Span>, Option<Span>);
    let mut args: BTreeMap<String, Option<Given>> = BTreeMap::new();
    let mut aliases: Vec<String> = Vec::new();
    let mut in_stage = false;
    for ins in &df.instructions {
        match &ins.kind {
            InstructionKind::Arg(decls) if !in_stage => {
                for d in decls {
                    let given = build
                        .args
                        .get(&d.name.value)
                        .map(|(v, arg, parts)| (v.clone(), parts.clone(), Some(*arg)));
                    let value = given.or_else(|| {
                        d.default.as_ref().map(|v| {
                            let mut lookup = |n: &str| args.get(n).cloned().flatten().map(|x| x.0);
                            let value = crate::syntax::dockerfile::expand(
                                &v.value,
                                &d.literal,
                                &mut lookup,
                            );
                            (value, vec![Span::new(file, v.range)], None)
                        })
                    });
                    args.insert(d.name.value.clone(), value);
                }
            }
            InstructionKind::From { image, alias } => {
                in_stage = true;
                let written = source.slice(image.range);
                let mut used: Vec<String> = Vec::new();
                let mut unknown = false;
                let mut lookup = |n: &str| {
                    used.push(n.to_string());
                    match args.get(n) {
                        Some(Some((v, _, _))) => Some(v.clone()),
                        // Declared without a default: given at build time.
                        Some(None) => {
                            unknown = true;
                            None
                        }
                        None => None,
                    }
                };
                let reference = expand_word(&image.value, df.escape, &mut lookup);
                let is_stage = aliases.iter().any(|a| a.eq_ignore_ascii_case(&reference));
                if let Some(a) = alias {
                    aliases.push(a.value.clone());
                }
                if is_stage || reference.eq_ignore_ascii_case("scratch") || unjudgeable(&reference)
                {
                    continue;
                }
                let Some(p) = problem(&reference) else {
                    continue;
                };
                let from_span = Span::new(file, image.range);
                // Where the missing or `latest` tag is written: in FROM, in an
                // ARG default or in the build arg compose passes.
                let values: Vec<(Span, Option<Span>)> = used
                    .iter()
                    .filter_map(|n| args.get(n).cloned().flatten())
                    .flat_map(|(_, parts, arg)| parts.into_iter().map(move |s| (s, arg)))
                    .collect();
                let primary =
                    match p {
                        Problem::Latest => find_in(ws, from_span, "latest")
                            .map(|s| (s, None))
                            .or_else(|| {
                                values
                                    .iter()
                                    .find_map(|(s, c)| find_in(ws, *s, "latest").map(|s| (s, *c)))
                            }),
                        Problem::NoTag if unknown => continue,
                        Problem::NoTag if !written.contains('$') => Some((from_span, None)),
                        Problem::NoTag => {
                            // `FROM $BASE` with `ARG BASE=python`: the value.
                            let name = reference.rsplit('/').next().unwrap_or(&reference);
                            values.iter().find_map(|(s, c)| {
                                find_in(ws, *s, &reference)
                                    .or_else(|| find_in(ws, *s, name))
                                    .map(|s| (s, *c))
                            })
                        }
                    };
                let (primary, build_arg) = primary.unwrap_or((from_span, None));
                let mut message = message(&reference, p, None);
                let builder = build.service.filter(|_| build_arg.is_some());
                if builder.is_some() {
                    message.push_str(" (a build arg compose passes)");
                }
                let mut d = Diagnostic::new(RULE.meta.name, Severity::Warning, primary, message)
                    .with_span_label(match p {
                        Problem::Latest => "`latest` moves",
                        Problem::NoTag => "no tag: `latest`",
                    })
                    .with_help(help(&reference));
                if primary != from_span {
                    d = d.with_label(
                        from_span,
                        format!("`FROM {written}` expands to `{reference}`"),
                    );
                }
                if let Some(arg) = build_arg
                    .filter(|a| a.file != primary.file || !a.range.contains(primary.range.start))
                {
                    d = d.with_label(arg, "passed as a build arg here");
                }
                if let Some(s) = builder {
                    d = d.with_label(
                        s.name_span,
                        format!("service `{}` builds it with this build arg", s.name),
                    );
                }
                out.push(d);
            }
            _ => {}
        }
    }
}

fn check_service(ws: &Workspace, service: &Service, out: &mut Vec<Diagnostic>) {
    // With `build:`, `image:` names the image Compose builds, not a pull.
    if service.build.is_some() {
        return;
    }
    let Some(image) = &service.image else {
        return;
    };
    let reference = image.text.trim();
    if unjudgeable(reference) {
        return;
    }
    let Some(p) = problem(reference) else {
        return;
    };
    let written = ws.sources.get(image.span.file).slice(image.span.range);
    // From a `.env` value interpolated into `image:`, point there.
    let from_dotenv = |needle: &str| {
        image.via.iter().find_map(|v| match &v.source {
            Some(VariableSource::Dotenv { value, .. }) => {
                find_in(ws, *value, needle).map(|s| (s, v.reference))
            }
            _ => None,
        })
    };
    let (primary, carried_by) = match p {
        Problem::Latest => match find_in(ws, image.span, "latest") {
            Some(s) => (s, None),
            None => match from_dotenv("latest") {
                Some((s, r)) => (s, Some(r)),
                None => (image.span, None),
            },
        },
        Problem::NoTag if !written.contains('$') => (image.span, None),
        Problem::NoTag => {
            let name = reference.rsplit('/').next().unwrap_or(reference);
            match from_dotenv(name) {
                Some((s, r)) => (s, Some(r)),
                None => (image.span, None),
            }
        }
    };
    let mut d = Diagnostic::new(
        RULE.meta.name,
        Severity::Warning,
        primary,
        message(reference, p, Some(&service.name)),
    )
    .with_span_label(match p {
        Problem::Latest => "`latest` moves",
        Problem::NoTag => "no tag: `latest`",
    })
    .with_help(help(reference));
    if let Some(r) = carried_by {
        d = d.with_label(
            r,
            format!("interpolated into `image:` of service `{}`", service.name),
        );
    }
    out.push(d);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{assert_fires, assert_silent};

    fn from(df: &str) -> Vec<String> {
        crate::rules::testing::fired(&RULE, &[("Dockerfile", df)])
            .into_iter()
            .map(|f| f.text)
            .collect()
    }

    #[test]
    fn from_without_tag_or_latest() {
        assert_eq!(from("FROM python\n"), ["python"]);
        assert_eq!(from("FROM python:latest AS x\n"), ["latest"]);
        assert_eq!(
            from("FROM --platform=$BUILDPLATFORM ghcr.io/org/tool\n"),
            ["ghcr.io/org/tool"]
        );
        assert_eq!(from("FROM localhost:5000/app\n"), ["localhost:5000/app"]);
    }

    /// Compose builds with its `build.args`, over the ARG defaults.
    #[test]
    fn compose_build_args_decide_the_base() {
        let df = "ARG BASE=python:latest\nFROM ${BASE}\n";
        let pinned = "services:\n  app:\n    build:\n      context: .\n      args:\n        BASE: python:3.12-slim\n";
        assert_silent(&RULE, &[("Dockerfile", df), ("compose.yaml", pinned)]);
        // Not every service passes it: the default is built too.
        let both = format!("{pinned}  worker:\n    build: .\n");
        let d = assert_fires(&RULE, &[("Dockerfile", df), ("compose.yaml", &both)]);
        assert_eq!(
            (d.len(), d[0].file.as_str(), d[0].text.as_str()),
            (1, "Dockerfile", "latest")
        );
        // The arg compose passes is the unpinned one: point at it.
        let df = "ARG BASE=python:3.12-slim\nFROM $BASE\n";
        let latest =
            "services:\n  app:\n    build:\n      context: .\n      args: [\"BASE=python\"]\n";
        let d = assert_fires(&RULE, &[("Dockerfile", df), ("compose.yaml", latest)]);
        assert_eq!(
            (d[0].file.as_str(), d[0].text.as_str()),
            ("compose.yaml", "python")
        );
        assert!(d[0].message.contains("build arg"), "{}", d[0].message);
        assert!(d[0].labels.iter().any(|l| l.2.contains("service `app`")));
        assert_eq!(d[0].labels[0].1, "$BASE");
        // An ARG with no default, given by compose through the environment.
        let df = "ARG BASE\nFROM ${BASE}\n";
        let pass = "services:\n  app:\n    build:\n      context: .\n      args: [BASE]\n";
        let d = assert_fires(
            &RULE,
            &[
                ("Dockerfile", df),
                ("compose.yaml", pass),
                (".env", "BASE=python:latest\n"),
            ],
        );
        assert_eq!((d[0].file.as_str(), d[0].text.as_str()), (".env", "latest"));
        // Interpolated from `.env` into the build arg; two services pass it.
        let df = "ARG BASE\nFROM ${BASE}\n";
        let both = "services:\n  app:\n    build:\n      context: .\n      args:\n        BASE: ${BASE_IMAGE}\n  worker:\n    build:\n      context: .\n      args:\n        BASE: ${BASE_IMAGE}\n";
        let d = assert_fires(
            &RULE,
            &[
                ("Dockerfile", df),
                ("compose.yaml", both),
                (".env", "BASE_IMAGE=python:latest\n"),
            ],
        );
        assert_eq!(
            (d.len(), d[0].file.as_str(), d[0].text.as_str()),
            (1, ".env", "latest")
        );
        let labels: Vec<&str> = d[0].labels.iter().map(|l| l.2.as_str()).collect();
        assert!(
            labels.contains(&"service `app` builds it with this build arg"),
            "{labels:?}"
        );
        assert!(
            labels.contains(&"service `worker` builds it with this build arg"),
            "{labels:?}"
        );
        assert!(labels.contains(&"passed as a build arg here"), "{labels:?}");
        assert!(!d[0].message.contains("`app`"), "{}", d[0].message);
    }

    #[test]
    fn pinned_stages_and_scratch() {
        for df in [
            "FROM python:3.12-slim\n",
            "FROM python@sha256:abcd\n",
            "FROM python:latest@sha256:abcd\n",
            "FROM localhost:5000/app:1.2\n",
            "FROM scratch\n",
            "FROM golang:1.22 AS Build\nFROM build\nFROM BUILD AS again\n",
            "ARG BASE\nFROM $BASE\n",
            "ARG TAG\nFROM python:$TAG\n",
            "ARG PY=3.12\nFROM python:${PY}-slim\n",
        ] {
            assert!(from(df).is_empty(), "{df}");
        }
    }

    #[test]
    fn arg_default_is_where_the_tag_is_missing() {
        let d = crate::rules::testing::fired(
            &RULE,
            &[("Dockerfile", "ARG BASE=python\nFROM ${BASE} AS app\n")],
        );
        assert_eq!(d[0].text, "python");
        assert_eq!(d[0].line, 1);
        assert_eq!(d[0].labels[0].1, "${BASE}");
        let d = crate::rules::testing::fired(
            &RULE,
            &[("Dockerfile", "ARG TAG=\"latest\"\nFROM node:$TAG\n")],
        );
        assert_eq!((d[0].text.as_str(), d[0].line), ("latest", 1));
        // A stage-level ARG does not reach FROM.
        assert_eq!(
            from("FROM alpine:3.20\nARG BASE=python\nFROM $BASE\n").len(),
            0
        );
    }

    #[test]
    fn compose_image() {
        let d = assert_fires(&RULE, &[("compose.yaml", "services:\n  db:\n    image: postgres\n  cache:\n    image: redis:latest\n  ok:\n    image: nginx:1.27\n")]);
        assert_eq!(d.len(), 2);
        assert_eq!(d[0].text, "postgres");
        assert_eq!(d[1].text, "latest");
    }

    #[test]
    fn compose_image_of_a_build_is_not_a_pull() {
        let compose = "services:\n  app:\n    build: .\n    image: myorg/app\n";
        assert_silent(
            &RULE,
            &[
                ("compose.yaml", compose),
                ("Dockerfile", "FROM python:3.12\n"),
            ],
        );
    }

    #[test]
    fn compose_image_from_dotenv() {
        let files = [
            (
                "compose.yaml",
                "services:\n  db:\n    image: postgres:${PG_TAG}\n",
            ),
            (".env", "PG_TAG=latest\n"),
        ];
        let d = assert_fires(&RULE, &files);
        assert_eq!((d[0].file.as_str(), d[0].text.as_str()), (".env", "latest"));
        assert_eq!(d[0].labels[0].1, "${PG_TAG}");
        let files = [(
            "compose.yaml",
            "services:\n  db:\n    image: postgres:${PG_TAG:-16}\n",
        )];
        assert_silent(&RULE, &files);
        let files = [("compose.yaml", "services:\n  db:\n    image: ${IMAGE}\n")];
        assert_silent(&RULE, &files);
    }
}
