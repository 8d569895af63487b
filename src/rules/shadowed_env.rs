//! `shadowed-env`: a `.env` or env_file value that never reaches the container
//! because compose hard-codes the same key with another value.

use std::collections::{HashMap, HashSet};

use crate::facts::known::{hosts_in, is_loopback};
use crate::model::types::*;
use crate::rules::flow::{active_services, merge_same_span};
use crate::rules::{Context, Diagnostic, Rule, RuleId, RuleMeta, Severity};
use crate::source::Span;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: RuleId::ShadowedEnv,
        severity: Severity::Warning,
        summary: "A .env or env_file value that never reaches the container: compose's `environment:` hard-codes the same key with another value.",
        doc: include_str!("../../rules/shadowed-env.md"),
        cases: &[],
    },
    check,
};

/// The hard-coded `environment:` definition that wins for `key`, if any: a
/// value that does not take `${key}` from the project variables.
fn hard_coded<'a>(service: &'a Service, key: &str) -> Option<&'a EnvDefinition> {
    let w = &service.container_env.get(key)?.winner;
    (w.source == EnvSource::ComposeEnvironment
        && w.value.is_some()
        && !w.via.iter().any(|v| v.variable == key))
    .then_some(w)
}

/// The same value for an application: equal, or the same boolean spelled
/// differently (`False` and `false`, `1` and `true`), as every settings
/// library reads booleans.
fn same_value(a: &str, b: &str) -> bool {
    a == b || matches!((boolean(a), boolean(b)), (Some(x), Some(y)) if x == y)
}

fn boolean(v: &str) -> Option<bool> {
    match v.trim().to_ascii_lowercase().as_str() {
        "true" | "yes" | "on" | "1" => Some(true),
        "false" | "no" | "off" | "0" => Some(false),
        _ => None,
    }
}

fn check(ctx: &Context) -> Vec<Diagnostic> {
    let ws = ctx.ws;
    let mut out = Vec::new();
    let shown = |key: &str, v: &str| {
        if ctx.secrets.is_secret(key) {
            "(secret)".to_string()
        } else {
            format!("`{v}`")
        }
    };
    // Per project, its effective `.env` definitions that no `${KEY}`
    // reads, by name (looked up from each service's environment: a walk
    // over every definition and reference for every service was cubic).
    let mut unread: HashMap<*const Project, HashMap<&str, Vec<&DotenvDefinition>>> = HashMap::new();
    for (project, service) in active_services(ws) {
        let unread = unread
            .entry(std::ptr::from_ref(project))
            .or_insert_with(|| {
                let read: HashSet<&str> = project
                    .references
                    .iter()
                    .map(|r| r.variable.as_str())
                    .collect();
                let mut by_name: HashMap<&str, Vec<&DotenvDefinition>> = HashMap::new();
                for d in project.dotenv_definitions.iter().filter(|d| d.effective) {
                    if !read.contains(d.name.as_str()) {
                        by_name.entry(d.name.as_str()).or_default().push(d);
                    }
                }
                by_name
            });
        // 1. env_file lines that lose to `environment:`.
        for (key, var) in &service.container_env.vars {
            let w = &var.winner;
            if w.source != EnvSource::ComposeEnvironment || w.value.is_none() {
                continue;
            }
            let verb = if hard_coded(service, key).is_some() {
                "hard-codes"
            } else {
                "sets"
            };
            let winner_value = w.value.as_deref().unwrap_or("");
            for d in var
                .shadowed
                .iter()
                .filter(|d| d.source == EnvSource::ComposeEnvFile)
            {
                let lost = d.value.as_deref().unwrap_or("");
                if same_value(lost, winner_value) {
                    continue;
                }
                let file = &ws.sources.get(d.key_span.file).display;
                let primary = d.value_span.unwrap_or(d.key_span);
                out.push(
                    Diagnostic::new(RULE.meta.id, primary,
                        format!(
                            "{key}={} in {file} never reaches service `{}`: its `environment:` {verb} {key}={}",
                            shown(key, lost),
                            service.name,
                            shown(key, winner_value)
                        ),
                    )
                    .with_span_label("this value is shadowed")
                    .with_label(
                        w.value_span.unwrap_or(w.key_span),
                        format!("`environment:` wins over env_file: service `{}` gets this", service.name),
                    )
                    .with_help(if works_outside_only(key, lost) {
                        keep_help(key)
                    } else {
                        format!(
                            "remove {key} from `environment:` to let the env_file decide, or write `{key}=${{{key}:-{}}}` so that the .env value can override it",
                            if ctx.secrets.is_secret(key) { "..." } else { winner_value }
                        )
                    }),
                );
            }
        }
        // 2. Project `.env` lines whose key a service hard-codes, while no
        // `${KEY}` anywhere takes the .env value: the user meant it for the
        // container, and it goes nowhere.
        let defs = service
            .container_env
            .vars
            .keys()
            .filter_map(|k| unread.get(k.as_str()))
            .flatten();
        for d in defs {
            let Some(w) = hard_coded(service, &d.name) else {
                continue;
            };
            // Already reported above when the same file is the env_file.
            let via_env_file = service.container_env.get(&d.name).is_some_and(|v| {
                v.shadowed
                    .iter()
                    .any(|s| s.source == EnvSource::ComposeEnvFile && s.key_span == d.key)
            });
            let winner_value = w.value.as_deref().unwrap_or("");
            if via_env_file || same_value(&d.value, winner_value) {
                continue;
            }
            let key = &d.name;
            let file = &ws.sources.get(d.file).display;
            out.push(
                Diagnostic::new(RULE.meta.id, value_or_key(d),
                    format!(
                        "{key}={} in {file} never reaches service `{}`: its `environment:` hard-codes {key}={}, and .env only feeds `${{…}}` interpolation",
                        shown(key, &d.value),
                        service.name,
                        shown(key, winner_value)
                    ),
                )
                .with_span_label("this value is shadowed")
                .with_label(
                    w.value_span.unwrap_or(w.key_span),
                    format!("service `{}` gets this hard-coded value", service.name),
                )
                .with_help(if works_outside_only(key, &d.value) {
                    keep_help(key)
                } else {
                    format!(
                        "write `{key}=${{{key}:-{}}}` in `environment:` so that the .env value is used",
                        if ctx.secrets.is_secret(key) { "..." } else { winner_value }
                    )
                }),
            );
        }
    }
    merge_same_span(out)
}

/// Whether the lost value would be wrong inside the container: it
/// connects to localhost (right for the app run outside Docker, not for a
/// container). Advice that lets it through would break the service.
fn works_outside_only(key: &str, value: &str) -> bool {
    hosts_in(key, value).iter().any(|h| is_loopback(h.host))
}

fn keep_help(key: &str) -> String {
    format!(
        "keep the `environment:` value: the shadowed {key} points at localhost, which inside a container is the container itself; if that line is for running the app outside Docker, say so in a comment beside it"
    )
}

fn value_or_key(d: &DotenvDefinition) -> Span {
    if d.value_span.range.is_empty() {
        d.key
    } else {
        d.value_span
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{assert_fires, assert_silent};

    #[test]
    fn env_file_value_shadowed_by_environment() {
        let compose = "services:\n  app:\n    image: python:3.12-slim\n    env_file: [app.env]\n    environment:\n      - DEBUG=False\n";
        let d = assert_fires(
            &RULE,
            &[("compose.yaml", compose), ("app.env", "DEBUG=True\n")],
        );
        assert_eq!(d.len(), 1);
        assert_eq!(
            (d[0].file.as_str(), d[0].line, d[0].text.as_str()),
            ("app.env", 1, "True")
        );
        assert_eq!(d[0].labels[0].1, "False");
    }

    #[test]
    fn same_value_or_interpolated_is_fine() {
        let compose = "services:\n  app:\n    image: python:3.12-slim\n    env_file: [app.env]\n    environment:\n      DEBUG: \"False\"\n";
        assert_silent(
            &RULE,
            &[("compose.yaml", compose), ("app.env", "DEBUG=False\n")],
        );
        let compose = "services:\n  app:\n    image: python:3.12-slim\n    environment:\n      DEBUG: ${DEBUG:-False}\n";
        assert_silent(
            &RULE,
            &[("compose.yaml", compose), (".env", "DEBUG=True\n")],
        );
        // The same boolean, spelled otherwise: no shadow.
        let compose = "services:\n  app:\n    image: python:3.12-slim\n    env_file: [app.env]\n    environment:\n      - SMTP_TLS=false\n      - DEBUG=1\n";
        assert_silent(
            &RULE,
            &[
                ("compose.yaml", compose),
                ("app.env", "SMTP_TLS=False\nDEBUG=true\n"),
            ],
        );
        let compose = "services:\n  app:\n    image: python:3.12-slim\n    environment:\n      SMTP_TLS: \"false\"\n";
        assert_silent(
            &RULE,
            &[("compose.yaml", compose), (".env", "SMTP_TLS=False\n")],
        );
    }

    #[test]
    fn env_file_shadowed_by_interpolated_default() {
        // ${DEBUG:-False} reads the project variables, not the env_file.
        let compose = "services:\n  app:\n    image: python:3.12-slim\n    env_file: [app.env]\n    environment:\n      DEBUG: ${DEBUG:-False}\n";
        let d = assert_fires(
            &RULE,
            &[("compose.yaml", compose), ("app.env", "DEBUG=True\n")],
        );
        assert!(
            d[0].message.contains("sets DEBUG=`False`"),
            "{}",
            d[0].message
        );
    }

    #[test]
    fn project_dotenv_shadowed_by_hard_coded_value() {
        let compose = "services:\n  app:\n    image: python:3.12-slim\n    environment:\n      LOG_LEVEL: info\n";
        let d = assert_fires(
            &RULE,
            &[("compose.yaml", compose), (".env", "LOG_LEVEL=debug\n")],
        );
        assert_eq!((d[0].file.as_str(), d[0].text.as_str()), (".env", "debug"));
        assert_eq!(d[0].labels[0].1, "info");
    }

    #[test]
    fn dotenv_also_env_file_reported_once() {
        let compose = "services:\n  app:\n    image: python:3.12-slim\n    env_file: .env\n    environment:\n      - DEBUG=False\n";
        let d = assert_fires(
            &RULE,
            &[("compose.yaml", compose), (".env", "DEBUG=True\n")],
        );
        assert_eq!(d.len(), 1);
    }

    #[test]
    fn inactive_service_and_overridden_line_are_silent() {
        let compose = "services:\n  app:\n    image: python:3.12-slim\n    profiles: [debug]\n    env_file: [app.env]\n    environment:\n      - DEBUG=False\n";
        assert_silent(
            &RULE,
            &[("compose.yaml", compose), ("app.env", "DEBUG=True\n")],
        );
    }

    #[test]
    fn secret_values_are_not_in_the_message() {
        let compose = "services:\n  app:\n    image: python:3.12-slim\n    env_file: [app.env]\n    environment:\n      - SECRET_KEY=hard-coded-secret\n";
        let d = assert_fires(
            &RULE,
            &[
                ("compose.yaml", compose),
                ("app.env", "SECRET_KEY=from-file-secret\n"),
            ],
        );
        assert!(!d[0].message.contains("hard-coded-secret"));
        assert!(!d[0].message.contains("from-file-secret"));
        assert!(!d[0]
            .help
            .as_deref()
            .unwrap_or("")
            .contains("hard-coded-secret"));
    }

    /// Help never lets a value through that is wrong in the container: a
    /// localhost `.env` URL shadowed by the service's own is to keep
    /// shadowed.
    #[test]
    fn no_advice_to_let_a_localhost_value_through() {
        let compose = "services:\n  backend:\n    image: python:3.12-slim\n    environment:\n      - DATABASE_URL=postgresql://app:pw@db:5432/app\n";
        let d = assert_fires(
            &RULE,
            &[
                ("compose.yaml", compose),
                (
                    ".env",
                    "DATABASE_URL=postgresql://app:pw@localhost:5432/app\n",
                ),
            ],
        );
        let help = d[0].help.as_deref().unwrap_or_default();
        assert!(!help.contains(":-"), "{help}");
        assert!(help.starts_with("keep the `environment:` value"), "{help}");
    }
}
