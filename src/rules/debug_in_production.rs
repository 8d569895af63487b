//! `debug-in-production`: a truthy DEBUG reaches a service of a production
//! compose file.

use crate::facts::known::key_words;
use crate::model::types::*;
use crate::rules::flow::{active_services, group_by_key, trace, Grouped, Part};
use crate::rules::{Context, Diagnostic, Label, Rule, RuleId, RuleMeta, Severity};
use crate::source::{FileId, Span};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: RuleId::DebugInProduction,
        severity: Severity::Error,
        summary: "A truthy DEBUG (DEBUG, DJANGO_DEBUG, FLASK_DEBUG, APP_DEBUG...) reaches a service of a production compose file (a file name with `prod`).",
        doc: include_str!("../../rules/debug-in-production.md"),
        cases: &[],
    },
    check,
};

/// `DEBUG`, `APP_DEBUG`, `DJANGO_DEBUG`: names whose last word is DEBUG.
fn is_debug_flag(key: &str) -> bool {
    key_words(key).last().is_some_and(|w| w == "DEBUG")
}

/// What pydantic, Django's `env.bool` and most frameworks read as true.
fn is_truthy(v: &str) -> bool {
    matches!(
        v.trim().to_ascii_lowercase().as_str(),
        "1" | "true" | "yes" | "on" | "y" | "t"
    )
}

/// `docker-compose.prod.yml`, `compose.production.yaml`, `prod/compose.yaml`:
/// the file's name or its folder's (not the whole path: a checkout under
/// `~/prod-tools/` is not production).
fn production_file(ctx: &Context, file: FileId) -> bool {
    let path = &ctx.ws.sources.get(file).path;
    let name = path.file_name();
    let folder = path.parent().and_then(|p| p.file_name());
    [name, folder].into_iter().flatten().any(|part| {
        let p = part.to_string_lossy().to_ascii_lowercase();
        p.split(['.', '-', '_'])
            .any(|w| w == "prod" || w == "production")
    })
}

/// A debug flag on, once for every service that receives it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Problem {
    at: Span,
    key: String,
    value: String,
    file: String,
}

fn check(ctx: &Context) -> Vec<Diagnostic> {
    let mut parts = Vec::new();
    for (project, service) in active_services(ctx.ws) {
        let Some(prod) = project
            .compose_files
            .iter()
            .copied()
            .find(|f| production_file(ctx, *f))
        else {
            continue;
        };
        for (key, var) in &service.container_env.vars {
            if !is_debug_flag(key) {
                continue;
            }
            let d = &var.winner;
            let Some(value) = &d.value else { continue };
            if !is_truthy(value) {
                continue;
            }
            let start = value.len() - value.trim_start().len();
            let t = trace(ctx.ws, service, d, start..start + value.trim().len());
            let mut labels = t.labels;
            if d.source != EnvSource::ComposeEnvironment || t.primary.file != prod {
                labels.push(Label {
                    span: service.name_span,
                    message: format!("service `{}` of the production compose file", service.name),
                });
            }
            parts.push(Part {
                key: Problem {
                    at: t.primary,
                    key: key.clone(),
                    value: value.clone(),
                    file: ctx.ws.sources.get(prod).display.clone(),
                },
                service: service.name.clone(),
                detail: String::new(),
                labels,
            });
        }
    }
    group_by_key(parts).into_iter().map(diagnostic).collect()
}

fn diagnostic(g: Grouped<Problem>) -> Diagnostic {
    let Problem {
        at,
        key,
        value,
        file,
    } = &g.key;
    let mut d = Diagnostic::new(RULE.meta.id, *at,
        format!(
            "{} {} with {key}={value} in production ({file})",
            g.services,
            g.services.verb("runs", "run")
        ),
    )
    .with_span_label("debug mode on")
    .with_help(format!(
        "set {key}=False for production (in `environment:` of this file, or in the env_file it reads), and keep debug settings in a development override"
    ));
    d.labels.extend(g.labels);
    d
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{assert_fires, assert_silent};

    #[test]
    fn truthy_debug_in_a_prod_file() {
        let compose = "services:\n  app:\n    image: python:3.12-slim\n    environment:\n      - DEBUG=True\n";
        let d = assert_fires(&RULE, &[("docker-compose.prod.yml", compose)]);
        assert_eq!((d[0].line, d[0].text.as_str()), (5, "True"));
        let compose = "services:\n  app:\n    image: python:3.12-slim\n    environment:\n      DJANGO_DEBUG: ${DJANGO_DEBUG}\n";
        let d = assert_fires(
            &RULE,
            &[
                ("compose.production.yaml", compose),
                (".env", "DJANGO_DEBUG=1\n"),
            ],
        );
        assert_eq!((d[0].file.as_str(), d[0].text.as_str()), (".env", "1"));
    }

    #[test]
    fn from_an_env_file_or_the_image() {
        let compose = "services:\n  app:\n    build: .\n    env_file: prod.env\n";
        let df = "FROM python:3.12-slim\nENV FLASK_DEBUG=1\n";
        let d = assert_fires(
            &RULE,
            &[
                ("docker-compose.prod.yml", compose),
                ("Dockerfile", df),
                ("prod.env", "APP_DEBUG=yes\n"),
            ],
        );
        assert_eq!(d.len(), 2);
    }

    #[test]
    fn silent_outside_production_or_when_false() {
        let compose = "services:\n  app:\n    image: python:3.12-slim\n    environment:\n      - DEBUG=True\n";
        assert_silent(&RULE, &[("docker-compose.yml", compose)]);
        assert_silent(&RULE, &[("docker-compose.reproducible.yml", compose)]);
        let compose = "services:\n  app:\n    image: python:3.12-slim\n    environment:\n      - DEBUG=False\n      - DEBUG_TOOLBAR_PORT=1\n      - SQL_DEBUGGER=true\n";
        assert_silent(&RULE, &[("docker-compose.prod.yml", compose)]);
    }

    #[test]
    fn a_dotenv_value_that_never_arrives_is_not_a_container_problem() {
        let compose = "services:\n  app:\n    image: python:3.12-slim\n    environment:\n      - DEBUG=False\n";
        assert_silent(
            &RULE,
            &[
                ("docker-compose.prod.yml", compose),
                (".env", "DEBUG=True\n"),
            ],
        );
    }

    /// An env_file two services of the production file read is one
    /// finding naming both.
    #[test]
    fn one_finding_for_a_shared_env_file() {
        let compose = "services:\n  web:\n    image: python:3.12-slim\n    env_file: prod.env\n  worker:\n    image: python:3.12-slim\n    env_file: prod.env\n";
        let d = assert_fires(
            &RULE,
            &[
                ("docker-compose.prod.yml", compose),
                ("prod.env", "DJANGO_DEBUG=on\n"),
            ],
        );
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(
            d[0].message,
            "services `web` and `worker` run with DJANGO_DEBUG=on in production (docker-compose.prod.yml)"
        );
    }
}
