//! `missing-secret`: a secret-like variable a service receives empty or
//! unset, or that Compose requires (`${X:?}`) with no value from any source.

use crate::facts::credentials::{needed_secret, Needed};
use crate::model::types::*;
use crate::rules::flow::{active_services, merge_same_span};
use crate::rules::{Context, Diagnostic, Rule, RuleId, RuleMeta, Severity};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: RuleId::MissingSecret,
        severity: Severity::Error,
        summary: "A secret a service needs (a database image's password, an application key such as SECRET_KEY, an admin password) that it receives empty, or that `${X:?}` requires with no value anywhere.",
        doc: include_str!("../../rules/missing-secret.md"),
        cases: &[],
    },
    check,
};

fn check(ctx: &Context) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    // 1. `${SECRET:?msg}` with no value: Compose refuses the whole project.
    for p in ctx.ws.whole_projects() {
        for e in &p.errors {
            let (Some(var), Some(span)) = (e.required_variable(), e.span) else {
                continue;
            };
            if !ctx.secrets.is_secret(var) || p.set_at_deploy(var) {
                continue;
            }
            let mut d = Diagnostic::new(RULE.meta.id, span,
                format!("{var} is required here but no source sets it: `docker compose` refuses to start ({})", e.message),
            )
            .with_span_label(format!("{var} has no value"))
            .with_help(format!(
                "set {var} in the shell or in {}, e.g. `{var}=...`",
                env_file_name(ctx, p)
            ));
            d = label_dotenv_definitions(p, var, d);
            out.push(d);
        }
    }
    // 2. Secrets a running service receives empty or unset.
    for (project, service) in active_services(ctx.ws) {
        for (key, var) in &service.container_env.vars {
            if !ctx.secrets.is_secret(key) {
                continue;
            }
            let d = &var.winner;
            // Unset (a passthrough `- KEY` no source sets): the container
            // does without it, as the file asks. Set: nothing to say.
            if d.value.as_deref() != Some("") {
                continue;
            }
            // `${KEY:-}`: an explicit "optional".
            let defaulted = d.via.iter().any(|v| {
                matches!(
                    v.form,
                    ReferenceForm::Op(OpKind::DefaultIfEmpty | OpKind::DefaultIfUnset)
                )
            });
            let received = |name: &str| {
                service
                    .container_env
                    .get(name)
                    .is_some_and(|v| v.winner.value.as_deref().is_some_and(|x| !x.is_empty()))
            };
            // `KEY_FILE` gives it from a file (the official images' convention).
            if defaulted || received(&format!("{key}_FILE")) {
                continue;
            }
            let Some(needed) = needed_secret(service, key, &received) else {
                continue;
            };
            let why = match needed {
                Needed::ServerImage(kind) => {
                    format!("the {} image does not start without it", kind.display())
                }
                Needed::AppKey => "the application signs or encrypts with it".to_string(),
                Needed::AdminPassword => "it is an administrator's password".to_string(),
            };
            let state = "empty";
            // Point at the `${VAR}` that came out empty, else at the value.
            let unset_via = d
                .via
                .iter()
                .find(|v| v.value.as_deref().unwrap_or("").is_empty());
            // Unset now, set by the `.env` made at install.
            if unset_via.is_some_and(|v| v.source.is_none() && project.set_at_deploy(&v.variable)) {
                continue;
            }
            let primary = unset_via
                .map(|v| v.reference)
                .or(d.value_span)
                .unwrap_or(d.key_span);
            let mut diag = Diagnostic::new(RULE.meta.id, primary,
                format!("service `{}` receives the secret {key} {state}: {why}", service.name),
            )
            .with_span_label(match unset_via {
                Some(v) if v.source.is_none() => format!("{} is set nowhere: Compose substitutes an empty string", v.variable),
                Some(v) => format!("{} is empty", v.variable),
                None => format!("{key} is {state} here"),
            })
            .with_help(match unset_via {
                Some(v) => format!(
                    "set {} in the shell or in {}, or write `${{{}:?{} is required}}` so Compose refuses to start without it",
                    v.variable,
                    env_file_name(ctx, project),
                    v.variable,
                    v.variable
                ),
                None => format!("give {key} a value, or remove the entry"),
            });
            if let Some(v) = unset_via {
                diag = label_dotenv_definitions(project, &v.variable, diag);
            }
            out.push(diag);
        }
    }
    merge_same_span(out)
}

fn env_file_name(ctx: &Context, p: &Project) -> String {
    p.env_files
        .first()
        .map(|f| ctx.ws.sources.get(*f).display.clone())
        .unwrap_or_else(|| ".env".to_string())
}

/// Labels at `.env` lines that define `var` empty (the value that loses).
fn label_dotenv_definitions(p: &Project, var: &str, mut d: Diagnostic) -> Diagnostic {
    for def in &p.dotenv_definitions {
        if def.name == var && def.effective && def.value.is_empty() {
            d = d.with_label(def.key, format!("{var} is defined here, but empty"));
        }
    }
    d
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{assert_fires, assert_silent};

    #[test]
    fn required_secret_without_value() {
        let d = assert_fires(
            &RULE,
            &[(
                "compose.yaml",
                "services:\n  app:\n    image: x\n    environment:\n      - SECRET_KEY=${SECRET_KEY:?SECRET_KEY requis}\n",
            )],
        );
        assert_eq!(d[0].text, "${SECRET_KEY:?SECRET_KEY requis}");
    }

    #[test]
    fn unset_interpolation_is_empty() {
        let d = assert_fires(
            &RULE,
            &[
                (
                    "compose.yaml",
                    "services:\n  app:\n    image: x\n    environment:\n      - SECRET_KEY=${SECRET_KEY}\n",
                ),
                (".env", "SECRET_KEY=\n"),
            ],
        );
        assert_eq!(d[0].text, "${SECRET_KEY}");
        assert!(d[0].labels.iter().any(|l| l.0 == ".env"));
    }

    #[test]
    fn empty_env_file_value() {
        let d = assert_fires(
            &RULE,
            &[
                (
                    "compose.yaml",
                    "services:\n  app:\n    image: x\n    env_file: app.env\n    environment:\n      - API_TOKEN\n",
                ),
                ("app.env", "SECRET_KEY=\n"),
            ],
        );
        // The unset passthrough `- API_TOKEN` is the file's choice.
        assert_eq!(d.len(), 1, "{d:#?}");
        assert_eq!(d[0].file, "app.env");
    }

    /// Only secrets something needs: a database image's password, an
    /// application key, an administrator's password. Explicitly optional
    /// (`${X:-}`), given as a file (`X_FILE`), an integration that is off
    /// (empty SMTP or S3 credentials), an unset passthrough: silent.
    #[test]
    fn only_needed_secrets() {
        let compose = "services:\n  db:\n    image: postgres:16\n    environment:\n      POSTGRES_PASSWORD: ${POSTGRES_PASSWORD}\n  db2:\n    image: postgres:16\n    environment:\n      POSTGRES_PASSWORD: ''\n      POSTGRES_PASSWORD_FILE: /run/secrets/pg\n  app:\n    image: x\n    environment:\n      SMTP_PASSWORD: ${SMTP_PASSWORD}\n      AWS_SECRET_ACCESS_KEY: ''\n      SECRET_KEY: ${SECRET_KEY:-}\n      JWT_SECRET:\n      ADMIN_PASSWORD: ${ADMIN_PASSWORD}\n";
        let d = assert_fires(&RULE, &[("compose.yaml", compose), (".env", "A=1\n")]);
        let texts: Vec<&str> = d.iter().map(|x| x.text.as_str()).collect();
        assert_eq!(
            texts,
            vec!["${POSTGRES_PASSWORD}", "${ADMIN_PASSWORD}"],
            "{d:#?}"
        );
        assert!(
            d[0].message
                .ends_with("the PostgreSQL image does not start without it"),
            "{}",
            d[0].message
        );
    }

    #[test]
    fn set_secrets_and_non_secrets_are_fine() {
        assert_silent(
            &RULE,
            &[
                (
                    "compose.yaml",
                    "services:\n  app:\n    image: x\n    environment:\n      - SECRET_KEY=${SECRET_KEY:?required}\n      - DEBUG=\n      - ACCESS_TOKEN_EXPIRE_MINUTES=\n",
                ),
                (".env", "SECRET_KEY=s3cr3t\n"),
            ],
        );
    }

    #[test]
    fn inactive_profile_is_not_checked() {
        assert_silent(
            &RULE,
            &[(
                "compose.yaml",
                "services:\n  app:\n    image: x\n    profiles: [debug]\n    environment:\n      - SECRET_KEY=\n",
            )],
        );
    }
}
