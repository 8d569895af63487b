//! `secret-in-image`: an `ENV` or `ARG` default that writes a secret value
//! into a Dockerfile, and so into the image or its history.

use crate::facts::secret_value::holds_no_secret;
use crate::rules::{Context, Diagnostic, Rule, RuleId, RuleMeta, Severity, SeverityCase};
use crate::source::{Span, TextRange};
use crate::syntax::dockerfile::{expand, InstructionKind};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: RuleId::SecretInImage,
        severity: Severity::Error,
        summary: "An `ENV` (error) or `ARG` default (warning) of a secret-like name with a literal value: the secret is in the Dockerfile and in every image built from it.",
        doc: include_str!("../../rules/secret-in-image.md"),
            cases: &[SeverityCase {
            key: "arg-default",
            severity: Severity::Warning,
            when: "an `ARG` default: in the Dockerfile and the history of the RUNs that use it",
        }],
    },
    check,
};

/// Whether a value (quotes removed, `$` references kept) has literal text
/// that may be a secret: not empty, not only `$OTHER` / `${OTHER}`
/// references, not an "off" word or the path of a secret's file.
fn has_literal(value: &str, literal: &[TextRange]) -> bool {
    let mut unset = |_: &str| None;
    let text = expand(value, literal, &mut unset);
    !text.trim().is_empty() && !holds_no_secret(&text)
}

fn check(ctx: &Context) -> Vec<Diagnostic> {
    let purposes = ctx.facts().purposes();
    let mut out = Vec::new();
    for (id, df) in &ctx.ws.dockerfiles {
        // The placeholder passwords of a development or test image.
        if purposes.file(*id).is_some() {
            continue;
        }
        for ins in &df.instructions {
            // (name, value range as written, value, literal ranges, is ENV)
            let pairs: Vec<(&str, TextRange, &str, &[TextRange], bool)> = match &ins.kind {
                InstructionKind::Env(pairs) => pairs
                    .iter()
                    .map(|p| {
                        (
                            p.key.value.as_str(),
                            p.value.range,
                            p.value.value.as_str(),
                            p.literal.as_slice(),
                            true,
                        )
                    })
                    .collect(),
                InstructionKind::Arg(decls) => decls
                    .iter()
                    .filter_map(|d| {
                        d.default.as_ref().map(|v| {
                            (
                                d.name.value.as_str(),
                                v.range,
                                v.value.as_str(),
                                d.literal.as_slice(),
                                false,
                            )
                        })
                    })
                    .collect(),
                _ => continue,
            };
            for (name, range, value, literal, is_env) in pairs {
                if !ctx.secrets.is_secret(name) || !has_literal(value, literal) {
                    continue;
                }
                let span = Span::new(*id, range);
                let d = if is_env {
                    Diagnostic::new(RULE.meta.id, span,
                        format!("`ENV {name}` writes a secret into the image: anyone who can pull it reads the value with `docker inspect`"),
                    )
                    .with_span_label("secret value baked into the image")
                    .with_help(format!("remove the value from the Dockerfile and give `{name}` to the container at run time (compose `environment:` / `env_file:` / secrets); rotate it if an image was pushed"))
                } else {
                    Diagnostic::new(RULE.meta.id, span,
                        format!("`ARG {name}` has a secret default: it is in the Dockerfile, and in the image history of every RUN that uses it"),
                    )
.with_case("arg-default")
                    .with_span_label("secret default")
                    .with_help(format!("declare `ARG {name}` without a default, or better, use a build secret: `RUN --mount=type=secret,id={}` and `docker build --secret`", name.to_ascii_lowercase()))
                };
                out.push(d);
            }
        }
    }
    out.extend(copied_into_env(ctx));
    out
}

/// An `ARG` in scope at an `ENV`: where its value comes from.
#[derive(Clone)]
struct ArgValue {
    /// The value the build gets when compose gives none.
    value: Option<String>,
    /// The default as written, when it is a literal that may be a secret.
    secret_default: Option<Span>,
}

/// `ENV K=$K` (or any `ENV` whose value reads an `ARG`) in a stage of an
/// image that is shipped, where the `ARG` of a secret-like name has a
/// literal default, or where a compose service that builds the image
/// gives it as a build argument: the value ends up in the image's
/// configuration, for anyone who pulls it (`docker inspect`).
fn copied_into_env(ctx: &Context) -> Vec<Diagnostic> {
    let purposes = ctx.facts().purposes();
    let mut out: Vec<Diagnostic> = Vec::new();
    let mut seen: std::collections::HashSet<Span> = std::collections::HashSet::new();
    for image in ctx.facts().images() {
        if purposes.image(image).is_some() {
            continue;
        }
        let facts = &image.facts;
        let file = facts.dockerfile_file;
        let df = &facts.dockerfile;
        // Global ARGs: before the first FROM, their defaults for the stages
        // that declare them again.
        let mut global: std::collections::HashMap<String, ArgValue> = Default::default();
        for ins in df
            .instructions
            .iter()
            .take_while(|i| !matches!(i.kind, InstructionKind::From { .. }))
        {
            if let InstructionKind::Arg(decls) = &ins.kind {
                for d in decls {
                    global.insert(d.name.value.clone(), arg_value(ctx, file, d, &mut |_| None));
                }
            }
        }
        // What compose gives as build arguments, by name: (value, where).
        let mut given: std::collections::HashMap<&str, Span> = Default::default();
        for s in &image.services {
            for (name, span, value) in s.build.iter().flat_map(|b| &b.args) {
                if value.as_ref().is_some_and(|v| !v.text.trim().is_empty()) {
                    given.entry(name.as_str()).or_insert(*span);
                }
            }
        }
        let mut stage = usize::MAX;
        let mut args: std::collections::HashMap<String, ArgValue> = Default::default();
        let mut env: std::collections::HashMap<String, String> = Default::default();
        for (st, _, ins) in image.instructions() {
            if st != stage {
                stage = st;
                args.clear();
            }
            match &ins.kind {
                InstructionKind::Arg(decls) => {
                    for d in decls {
                        let mut lookup = |n: &str| lookup_in(&env, &args, n);
                        let v = match (&d.default, global.get(&d.name.value)) {
                            (None, Some(g)) => g.clone(),
                            _ => arg_value(ctx, file, d, &mut lookup),
                        };
                        args.insert(d.name.value.clone(), v);
                    }
                }
                InstructionKind::Env(pairs) => {
                    for p in pairs {
                        let mut read: Vec<String> = Vec::new();
                        let value = {
                            let mut lookup = |n: &str| {
                                if args.contains_key(n) && !env.contains_key(n) {
                                    read.push(n.to_string());
                                }
                                lookup_in(&env, &args, n)
                            };
                            expand(&p.value.value, &p.literal, &mut lookup)
                        };
                        let key = p.key.value.as_str();
                        for name in &read {
                            let secret = ctx.secrets.is_secret(name) || ctx.secrets.is_secret(key);
                            let at = Span::new(file, p.value.range);
                            if !secret || seen.contains(&at) {
                                continue;
                            }
                            let from_compose = given.get(name.as_str()).copied();
                            let default = args.get(name).and_then(|a| a.secret_default);
                            let (why, label) = match (from_compose, default) {
                                (Some(span), _) => (
                                    format!("the build argument `{name}` that compose gives"),
                                    (span, "given here: its value is baked into the image"),
                                ),
                                (None, Some(span)) => (
                                    format!("the secret default of `ARG {name}`"),
                                    (span, "the secret default"),
                                ),
                                (None, None) => continue,
                            };
                            seen.insert(at);
                            out.push(
                                Diagnostic::new(RULE.meta.id, at,
                                    format!("`ENV {key}` copies {why} into the image's configuration: anyone who can pull the image reads it with `docker inspect`, long after the build"),
                                )
                                .with_span_label("the secret is stored in the image")
                                .with_label(label.0, label.1)
                                .with_help(format!("do not copy the argument into ENV: give `{key}` to the container at run time (compose `environment:` or secrets), or use it in one RUN through a build secret (`RUN --mount=type=secret,id={}`)", name.to_ascii_lowercase())),
                            );
                        }
                        env.insert(key.to_string(), value);
                    }
                }
                _ => {}
            }
        }
    }
    out
}

/// A variable's value at this point of a stage: its ENV, else its ARG.
fn lookup_in(
    env: &std::collections::HashMap<String, String>,
    args: &std::collections::HashMap<String, ArgValue>,
    name: &str,
) -> Option<String> {
    env.get(name)
        .cloned()
        .or_else(|| args.get(name).and_then(|a| a.value.clone()))
}

fn arg_value(
    ctx: &Context,
    file: crate::source::FileId,
    d: &crate::syntax::dockerfile::ArgDecl,
    lookup: &mut dyn FnMut(&str) -> Option<String>,
) -> ArgValue {
    let Some(default) = &d.default else {
        return ArgValue {
            value: None,
            secret_default: None,
        };
    };
    let secret = ctx.secrets.is_secret(&d.name.value) && has_literal(&default.value, &d.literal);
    ArgValue {
        value: Some(expand(&default.value, &d.literal, lookup)),
        secret_default: secret.then(|| Span::new(file, default.range)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{assert_fires, assert_silent, fired};

    fn df(body: &str) -> Vec<crate::rules::testing::Fired> {
        fired(
            &RULE,
            &[("Dockerfile", &format!("FROM python:3.12-slim\n{body}\n"))],
        )
    }

    #[test]
    fn env_and_arg_values() {
        let d = df("ENV SECRET_KEY=\"s3cr3t\" DEBUG=0");
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].text, "\"s3cr3t\"");
        assert!(!d[0].message.contains("s3cr3t"));
        let d = df("ENV API_TOKEN abc def");
        assert_eq!(d[0].text, "abc def");
        let d = df("ARG DB_PASSWORD=hunter2");
        assert!(d[0].message.starts_with("`ARG DB_PASSWORD`"));
        let d = fired(
            &RULE,
            &[("Dockerfile", "ARG GITHUB_TOKEN=ghp_x\nFROM alpine:3.20\n")],
        );
        assert_eq!(d[0].text, "ghp_x");
    }

    #[test]
    fn references_empty_and_not_secret() {
        for body in [
            "ARG SECRET_KEY\nENV SECRET_KEY=$SECRET_KEY",
            "ENV API_TOKEN=${API_TOKEN}",
            "ENV PASSWORD=\"\" TOKEN=",
            "ENV PASSWORD_FILE=/run/secrets/db",
            "ENV DEBUG=1 LOG_LEVEL=info",
            "ENV GPG_KEY=A035C8C19219BA821ECEA86B64E628F8D684696D",
            "ENV JWT_PUBLIC_KEY=MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE SSH_KEY_PUB=ssh-ed25519",
            "ENV GOOGLE_APPLICATION_CREDENTIALS=/run/secrets/key.json SSL_KEY=/certs/x.key",
            "ARG NEXT_PUBLIC_STRIPE_KEY=pk_live_x",
            "ENV GOOGLE_API_KEY=no GOOGLE_DEFAULT_CLIENT_SECRET=no",
            "ENV API_TOKEN=false",
            "ENV BOLTZ_CLIENT_MACAROON=\"/root/.boltz/macaroons/admin.macaroon\"",
        ] {
            assert!(df(body).is_empty(), "{body}");
        }
    }

    #[test]
    fn literal_around_a_reference_is_still_a_value() {
        assert_fires(
            &RULE,
            &[(
                "Dockerfile",
                "FROM a\nENV SECRET_KEY=${SECRET_KEY:-changeme}\n",
            )],
        );
        assert_fires(
            &RULE,
            &[("Dockerfile", "FROM a\nENV DB_PASSWORD='$notavar'\n")],
        );
        assert_silent(&RULE, &[("Dockerfile", "FROM a\nENV DB_PASSWORD=$A$B\n")]);
    }

    /// `ENV K=$K`: the ARG's secret default, or compose's build argument,
    /// lands in the image's configuration.
    #[test]
    fn env_copies_of_secret_arguments() {
        let d = df("ARG DB_PASSWORD=hunter2\nENV DB_PASSWORD=$DB_PASSWORD");
        assert_eq!(d.len(), 2, "{d:#?}");
        let env = d
            .iter()
            .find(|d| d.message.starts_with("`ENV DB_PASSWORD`"))
            .expect("the ENV");
        assert_eq!(env.text, "$DB_PASSWORD");
        assert_eq!(env.labels[0].1, "hunter2");
        // A global ARG declared again in the stage.
        let d = fired(
            &RULE,
            &[("Dockerfile", "ARG API_TOKEN=tok-123\nFROM alpine:3.20\nARG API_TOKEN\nENV TOKEN=\"${API_TOKEN}\"\n")],
        );
        assert!(
            d.iter().any(|d| d.message.starts_with("`ENV TOKEN`")),
            "{d:#?}"
        );
        // From compose's build arguments.
        let d = fired(
            &RULE,
            &[
                ("Dockerfile", "FROM python:3.12-slim\nARG SECRET_KEY\nENV SECRET_KEY=$SECRET_KEY\n"),
                ("compose.yaml", "services:\n  app:\n    build:\n      context: .\n      args:\n        SECRET_KEY: ${SECRET_KEY}\n"),
                (".env", "SECRET_KEY=Zq8w-long-random\n"),
            ],
        );
        assert_eq!(d.len(), 1, "{d:#?}");
        assert_eq!(d[0].labels[0].0, "compose.yaml");
        // Not: an ARG without value nobody gives, a builder stage, an ARG
        // of another stage, a non-secret.
        for files in [
            vec![("Dockerfile", "FROM python:3.12-slim\nARG SECRET_KEY\nENV SECRET_KEY=$SECRET_KEY\n")],
            vec![("Dockerfile", "FROM python:3.12-slim AS build\nARG SECRET_KEY=abc\nENV SECRET_KEY=$SECRET_KEY\nFROM python:3.12-slim\nCOPY --from=build /app /app\n")],
            vec![("Dockerfile", "FROM python:3.12-slim AS one\nARG VERSION=1.2\nFROM one\nENV APP_VERSION=$VERSION\n")],
        ] {
            let d: Vec<_> = fired(&RULE, &files)
                .into_iter()
                .filter(|d| d.message.starts_with("`ENV"))
                .collect();
            assert!(d.is_empty(), "{files:?}: {d:#?}");
        }
    }

    /// The placeholder passwords of a test or development image.
    #[test]
    fn development_and_test_images() {
        let df = "FROM golang:1.22\nENV WEBDAV_PASSWORD=\"photoprism\"\n";
        let app = ("Dockerfile", "FROM alpine:3.20\n");
        for name in [
            "docker/dummy/webdav/Dockerfile",
            "tests/Dockerfile",
            "Dockerfile.dev",
        ] {
            assert_silent(&RULE, &[app, (name, df)]);
        }
    }
}
