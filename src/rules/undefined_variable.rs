//! `undefined-variable`: a `$VAR` in a Dockerfile instruction BuildKit
//! expands itself (FROM, ENV, COPY, WORKDIR…) that nothing defines there:
//! it becomes an empty string. Read with the compose files that build the
//! Dockerfile: an argument compose passes that no `ARG` declares is named.

use std::collections::{HashMap, HashSet};

use crate::facts::build_vars::{declared_args, undefined_uses, Undefined, UndefinedUse};
use crate::rules::{Context, Diagnostic, Edit, Fix, Label, Rule, RuleId, RuleMeta, Severity};
use crate::source::{FileId, Span, TextRange};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: RuleId::UndefinedVariable,
        severity: Severity::Warning,
        summary: "A `$VAR` in a Dockerfile instruction BuildKit expands (FROM, ENV, COPY, WORKDIR…) that no ARG or ENV of its stage defines there: it becomes an empty string.",
        doc: include_str!("../../rules/undefined-variable.md"),
        cases: &[],
    },
    check,
};

/// A build argument compose passes: where (the first service that does),
/// and the stages of the images it builds with it.
type Passed = (Span, HashSet<usize>);

/// At most this many other uses of one variable labelled on its finding.
const LABELS: usize = 4;

fn check(ctx: &Context) -> Vec<Diagnostic> {
    let ws = ctx.ws;
    // The build arguments compose passes to each Dockerfile, by name: where,
    // and the stages of the image it builds (its target and the stages it is
    // built from).
    let mut passed: HashMap<(FileId, &str), Passed> = HashMap::new();
    for p in ws.whole_projects() {
        for s in &p.services {
            let (Some(f), Some(b)) = (&s.image_facts, &s.build) else {
                continue;
            };
            for (name, at, _) in &b.args {
                passed
                    .entry((f.dockerfile_file, name.as_str()))
                    .or_insert_with(|| (*at, HashSet::new()))
                    .1
                    .extend(f.chain.iter().copied());
            }
        }
    }
    let mut out = Vec::new();
    for (id, df) in &ws.dockerfiles {
        let text = &ws.sources.get(*id).text;
        // One finding per variable and stage (or FROM lines): its other
        // uses are labels.
        let mut first: HashMap<(Option<usize>, String), usize> = HashMap::new();
        let declared = declared_args(df);
        for mut u in undefined_uses(*id, text, df) {
            let stage = u.stage.as_ref().map(|s| s.0);
            // An argument compose passes to the image this stage is part of,
            // which no ARG declares.
            let compose_arg = passed
                .get(&(*id, u.name.as_str()))
                .filter(|_| !declared.contains(u.name.as_str()))
                .filter(|(_, stages)| stage.is_some_and(|s| stages.contains(&s)))
                .map(|(at, _)| *at);
            // A build argument that changes the base image (`FROM $BASE`):
            // its environment is not the default's.
            if u.base_vars
                .iter()
                .any(|v| passed.contains_key(&(*id, v.as_str())))
            {
                u.base_known = false;
            }
            if !reported(&u, compose_arg.is_some()) {
                continue;
            }
            let key = (u.stage.as_ref().map(|s| s.0), u.name.clone());
            if let Some(d) = first.get(&key).and_then(|&i| out.get_mut(i)) {
                let d: &mut Diagnostic = d;
                if d.labels
                    .iter()
                    .filter(|l| l.message == "also empty here")
                    .count()
                    < LABELS
                {
                    d.labels.push(Label {
                        span: u.reference,
                        message: "also empty here".into(),
                    });
                }
                continue;
            }
            first.insert(key, out.len());
            out.push(diagnostic(&u, compose_arg, text));
        }
    }
    out
}

/// Whether a use is reported: always where the Dockerfile alone decides
/// (FROM lines, platform arguments, a declaration further down); where the
/// base image's environment might define it, only when we know that image
/// does not (or compose passes it as a build argument, which no `ARG`
/// declares).
fn reported(u: &UndefinedUse, compose_arg: bool) -> bool {
    match &u.why {
        Undefined::InFrom | Undefined::PlatformNotDeclared => true,
        // The base image may set it above the line.
        Undefined::DeclaredLater { .. } | Undefined::SameInstruction { .. } => u.base_known,
        // A global ARG that picks the base image's version
        // (`ARG NODE_VERSION` … `FROM node:${NODE_VERSION}`) is often set
        // by the image too.
        Undefined::GlobalNotDeclared { used_in_from, .. } => !used_in_from || u.base_known,
        Undefined::Nowhere => u.base_known || compose_arg,
    }
}

fn stage_name(u: &UndefinedUse) -> String {
    match &u.stage {
        Some((_, Some(name))) => format!("stage `{name}`"),
        Some((i, None)) => format!("stage {i}"),
        None => "the FROM line".into(),
    }
}

/// Inserts `ARG NAME` after the stage's FROM line.
fn declare_fix(u: &UndefinedUse, text: &str) -> Fix {
    let eol = crate::fix::line_ending(text);
    let at = Span::new(u.from.file, TextRange::empty(u.from.range.end));
    Fix::edits(
        format!("declare `ARG {}` after the stage's FROM", u.name),
        vec![Edit {
            span: at,
            replacement: format!("{eol}ARG {}", u.name),
        }],
        false,
    )
}

fn diagnostic(u: &UndefinedUse, compose_arg: Option<Span>, text: &str) -> Diagnostic {
    let name = &u.name;
    let stage = stage_name(u);
    let id = RULE.meta.id;
    let mut d = match (&u.why, compose_arg) {
        (Undefined::InFrom, _) => Diagnostic::new(
            id,
            u.reference,
            format!(
                "`${name}` in FROM is no global ARG: a FROM line sees only the ARGs declared before the first FROM, and the platform arguments, so it expands to an empty string"
            ),
        )
        .with_span_label("empty here")
        .with_help(format!(
            "declare `ARG {name}=…` before the first FROM (a value given with --build-arg or compose's `build.args` then replaces it)"
        )),
        (Undefined::GlobalNotDeclared { global, .. }, _) => Diagnostic::new(
            id,
            u.reference,
            format!(
                "`${name}` is a global ARG, declared before the first FROM, and {stage} does not declare it again: inside a stage it is {} until `ARG {name}` brings it in",
                if u.base_known {
                    "empty".to_string()
                } else {
                    format!("not the global's value (empty, unless the base image sets {name})")
                }
            ),
        )
        .with_span_label("empty here")
        .with_label(*global, "declared here, for FROM lines only")
        .with_help(format!(
            "add `ARG {name}` (without a value: it takes the global one) after the stage's FROM"
        ))
        .with_fix(declare_fix(u, text)),
        (Undefined::PlatformNotDeclared, _) => Diagnostic::new(
            id,
            u.reference,
            format!(
                "`${name}` is a platform argument, which BuildKit sets for FROM lines only, and {stage} does not declare `ARG {name}`: here it is empty"
            ),
        )
        .with_span_label("empty here")
        .with_help(format!("add `ARG {name}` after the stage's FROM"))
        .with_fix(declare_fix(u, text)),
        (Undefined::SameInstruction { at }, _) => Diagnostic::new(
            id,
            u.reference,
            format!(
                "`${name}` is set by this same ENV: an ENV expands all its values before it sets any, so here {name} is still empty"
            ),
        )
        .with_span_label("empty here")
        .with_label(*at, "set only after the whole line is read")
        .with_help(format!("set {name} in an ENV of its own, above this one")),
        (Undefined::DeclaredLater { at }, _) => Diagnostic::new(
            id,
            u.reference,
            format!(
                "`${name}` is used before {stage} declares it: BuildKit expands the instructions in order, and here it is still empty"
            ),
        )
        .with_span_label("empty here")
        .with_label(*at, "declared only here")
        .with_help(format!("move the declaration of {name} above its first use")),
        (Undefined::Nowhere, Some(arg)) => Diagnostic::new(
            id,
            u.reference,
            format!(
                "compose passes `{name}` as a build argument, but no stage declares `ARG {name}`: BuildKit ignores the argument (\"build-args were not consumed\"), and `${name}` here is {}",
                if u.base_known {
                    "empty".to_string()
                } else {
                    format!("not its value (empty, unless the base image sets {name})")
                }
            ),
        )
        .with_span_label("empty here")
        .with_label(arg, "passed here")
        .with_help(format!("add `ARG {name}` after the stage's FROM"))
        .with_fix(declare_fix(u, text)),
        (Undefined::Nowhere, None) => {
            let base = u
                .base
                .as_deref()
                .map(|b| format!(", nor does its base image `{b}`"))
                .unwrap_or_default();
            Diagnostic::new(
                id,
                u.reference,
                format!(
                    "`${name}` is not defined here: no ARG or ENV of {stage} declares it{base}, so BuildKit expands it to an empty string"
                ),
            )
            .with_span_label("empty here")
            .with_help(format!(
                "declare `ARG {name}` (or `ENV {name}=…`) in the stage before this line, or give the reference a default (`${{{name}:-…}}`)"
            ))
        }
    };
    if u.required {
        d.message = format!(
            "{} — and the reference requires a value (`${{{name}:?…}}`): BuildKit stops the build here",
            d.message
        );
    }
    match &u.near {
        Some((other, Some(at))) => {
            d = d
                .with_label(*at, format!("did you mean `{other}`?"))
                .with_help(format!("did you mean `${other}`? it is defined here"));
        }
        Some((other, None)) => {
            d = d.with_help(format!("did you mean `${other}`?"));
        }
        None => {}
    }
    d
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{assert_fires, assert_silent, fired};

    #[test]
    fn a_global_arg_not_declared_again() {
        let d = assert_fires(
            &RULE,
            &[(
                "Dockerfile",
                "ARG APP_VERSION=1.4\nFROM alpine:3.20\nLABEL version=$APP_VERSION\nCOPY app-${APP_VERSION}.tar /app/\n",
            )],
        );
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].text, "$APP_VERSION");
        assert_eq!(d[0].labels[0].1, "APP_VERSION");
        assert_eq!(d[0].labels[1].1, "${APP_VERSION}");
        assert_silent(
            &RULE,
            &[(
                "Dockerfile",
                "ARG APP_VERSION=1.4\nFROM alpine:3.20\nARG APP_VERSION\nLABEL version=$APP_VERSION\n",
            )],
        );
    }

    #[test]
    fn the_version_of_an_unknown_base_image_is_left_alone() {
        // The image may set JAVA_VERSION itself.
        assert_silent(
            &RULE,
            &[(
                "Dockerfile",
                "ARG JAVA_VERSION=21\nFROM eclipse-temurin:${JAVA_VERSION}-jre\nLABEL java=$JAVA_VERSION\n",
            )],
        );
        // Nothing known of the image: silent; a known one: reported.
        assert_silent(
            &RULE,
            &[(
                "Dockerfile",
                "FROM ghcr.io/acme/base:1\nWORKDIR $APP_HOME\n",
            )],
        );
        let d = assert_fires(
            &RULE,
            &[("Dockerfile", "FROM debian:12\nWORKDIR $APP_HOME\n")],
        );
        assert!(d[0].message.contains("debian:12"), "{}", d[0].message);
    }

    #[test]
    fn compose_passes_an_argument_no_arg_declares() {
        let compose = "services:\n  app:\n    build:\n      context: .\n      args:\n        RELEASE: \"2.1\"\n    user: \"1000\"\n";
        let d = assert_fires(
            &RULE,
            &[
                ("compose.yaml", compose),
                (
                    "Dockerfile",
                    "FROM ghcr.io/acme/base:1\nLABEL release=$RELEASE\n",
                ),
            ],
        );
        assert_eq!(d[0].labels[0].0, "compose.yaml");
        assert_eq!(d[0].labels[0].1, "RELEASE");
        assert!(d[0].message.contains("no stage declares `ARG RELEASE`"));
        assert_silent(
            &RULE,
            &[
                ("compose.yaml", compose),
                (
                    "Dockerfile",
                    "FROM ghcr.io/acme/base:1\nARG RELEASE\nLABEL release=$RELEASE\n",
                ),
            ],
        );
    }

    #[test]
    fn from_lines_platform_arguments_and_order() {
        let d = fired(&RULE, &[("Dockerfile", "FROM python:${PY_VERSION}-slim\n")]);
        assert_eq!(d[0].text, "${PY_VERSION}");
        assert!(d[0].message.contains("in FROM"));
        let d = fired(
            &RULE,
            &[(
                "Dockerfile",
                "FROM golang:1.23\nCOPY bin/app-$TARGETARCH /app\n",
            )],
        );
        assert!(d[0].message.contains("platform argument"));
        let d = fired(
            &RULE,
            &[(
                "Dockerfile",
                "FROM golang:1.23\nWORKDIR $SRC\nARG SRC=/src\n",
            )],
        );
        assert_eq!(d[0].labels[0].1, "SRC");
        assert_silent(
            &RULE,
            &[("Dockerfile", "FROM --platform=$BUILDPLATFORM golang:1.23 AS build\nARG TARGETARCH\nCOPY bin/app-$TARGETARCH /app\nRUN echo $UNDEFINED_IN_RUN\n")],
        );
    }

    #[test]
    fn a_misspelt_name() {
        let d = assert_fires(
            &RULE,
            &[(
                "Dockerfile",
                "FROM node:22-alpine\nENV APP_HOME=/srv/app\nWORKDIR $APP_HOEM\n",
            )],
        );
        assert!(d[0].labels.iter().any(|l| l.2.contains("APP_HOME")));
    }

    #[test]
    fn the_fix_declares_the_argument() {
        let (changes, safe) = crate::rules::testing::fixed(
            &RULE,
            &[("Dockerfile", "ARG V=1\nFROM alpine:3.20\nLABEL v=$V\n")],
        );
        assert!(!safe);
        assert_eq!(
            changes,
            [(
                "Dockerfile".to_string(),
                "ARG V=1\nFROM alpine:3.20\nARG V\nLABEL v=$V\n".to_string()
            )]
        );
    }

    /// Found by review: what compose passes is judged against the image it
    /// builds — its target's stages, an ARG any stage declares, a base
    /// image compose changes — and `dockerfile_inline:` builds no file.
    #[test]
    fn compose_arguments_as_the_build_reads_them() {
        // `target: build`: stage `final` is not built; `build` consumes it.
        let compose = "services:\n  app:\n    build:\n      context: .\n      target: build\n      args:\n        RELEASE: \"2\"\n    user: \"1000\"\n";
        assert_silent(
            &RULE,
            &[
                ("compose.yaml", compose),
                ("Dockerfile", "FROM alpine:3 AS build\nARG RELEASE\nFROM ghcr.io/acme/base:1 AS final\nLABEL r=$RELEASE\n"),
            ],
        );
        // Unknown base: "not its value", never "empty".
        let compose = "services:\n  app:\n    build:\n      context: .\n      args:\n        JAVA_VERSION: \"21\"\n    user: \"1000\"\n";
        let d = assert_fires(
            &RULE,
            &[
                ("compose.yaml", compose),
                (
                    "Dockerfile",
                    "FROM eclipse-temurin:21\nLABEL j=$JAVA_VERSION\n",
                ),
            ],
        );
        assert!(
            d[0].message.contains("unless the base image sets"),
            "{}",
            d[0].message
        );
        // Compose changes the base image: its environment is unknown.
        let compose = "services:\n  app:\n    build:\n      context: .\n      args:\n        BASE: ghcr.io/acme/runtime:2\n    user: \"1000\"\n";
        assert_silent(
            &RULE,
            &[
                ("compose.yaml", compose),
                (
                    "Dockerfile",
                    "ARG BASE=alpine:3.20\nFROM $BASE\nWORKDIR $APP_HOME\n",
                ),
            ],
        );
        // `dockerfile_inline:`: ./Dockerfile is not what it builds.
        let compose = "services:\n  app:\n    build:\n      context: .\n      dockerfile_inline: |\n        FROM alpine:3\n        ARG RELEASE\n      args:\n        RELEASE: \"2\"\n    user: \"1000\"\n";
        assert_silent(
            &RULE,
            &[
                ("compose.yaml", compose),
                ("Dockerfile", "FROM ghcr.io/acme/base:1\nLABEL r=$RELEASE\n"),
            ],
        );
    }

    /// Found by review: where the base image may set the name, a later
    /// declaration or the same ENV says nothing certain.
    #[test]
    fn unknown_bases_and_messages() {
        assert_silent(
            &RULE,
            &[(
                "Dockerfile",
                "FROM eclipse-temurin:21\nWORKDIR $JAVA_HOME\nENV JAVA_HOME=/opt/java\n",
            )],
        );
        let d = assert_fires(&RULE, &[("Dockerfile", "FROM alpine:3\nENV A=1 B=$A\n")]);
        assert!(d[0].message.contains("same ENV"), "{}", d[0].message);
        let d = assert_fires(
            &RULE,
            &[("Dockerfile", "FROM alpine:3\nWORKDIR ${C:?set it}\n")],
        );
        assert!(d[0].message.contains("stops the build"), "{}", d[0].message);
        let d = assert_fires(
            &RULE,
            &[(
                "Dockerfile",
                "ARG PHP_VERSION=8.2\nFROM php:8.2-fpm\nLABEL php=$PHP_VERSION\n",
            )],
        );
        assert!(
            d[0].message.contains("not the global's value"),
            "{}",
            d[0].message
        );
    }
}
