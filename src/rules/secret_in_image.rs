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
    out
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
