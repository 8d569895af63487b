//! `depends-on-not-healthy`: `depends_on` a database, cache or broker without
//! `condition: service_healthy`, while that service has a healthcheck.

use crate::facts::server::ServerKind;
use crate::model::types::*;
use crate::rules::flow::active_services;
use crate::rules::{Context, Diagnostic, Rule, RuleMeta, Severity};
use crate::source::Span;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        name: "depends-on-not-healthy",
        severity: Severity::Warning,
        summary: "`depends_on` a database, cache or broker that has a healthcheck, without `condition: service_healthy`: the app starts before its database accepts connections.",
        doc: include_str!("../../rules/depends-on-not-healthy.md"),
    },
    check,
};

/// What kind of server the service runs, when its image is a well-known one.
fn server_kind(s: &Service) -> Option<&'static str> {
    ServerKind::of_service(s).map(ServerKind::display)
}

/// Where the dependency's healthcheck is defined, if it has one that runs.
fn healthcheck(s: &Service) -> Option<Span> {
    if let Some(h) = &s.healthcheck {
        if h.is_disabled() {
            return None;
        }
        if h.test.is_some() {
            return Some(h.span);
        }
    }
    let f = s.image_facts.as_ref()?;
    let h = f.healthcheck.as_ref()?;
    (!h.value.none).then_some(h.span)
}

fn check(ctx: &Context) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for (project, service) in active_services(ctx.ws) {
        for dep in &service.depends_on {
            let condition = dep.condition.as_ref().map(|c| c.text.as_str());
            if condition == Some("service_healthy") {
                continue;
            }
            let Some(target) = project.service(&dep.service).filter(|t| t.active) else {
                continue;
            };
            let Some(kind) = server_kind(target) else {
                continue;
            };
            let Some(health) = healthcheck(target) else {
                continue;
            };
            let (span, label) = match &dep.condition {
                Some(c) => (
                    c.span,
                    format!(
                        "only waits for `{}` to be {}",
                        dep.service,
                        if c.text == "service_started" {
                            "started"
                        } else {
                            "done"
                        }
                    ),
                ),
                None => (
                    dep.span,
                    format!("only waits for the `{}` container to start", dep.service),
                ),
            };
            out.push(
                Diagnostic::new(
                    RULE.meta.name,
                    Severity::Warning,
                    span,
                    format!(
                        "service `{}` starts as soon as `{}` ({kind}) is started, not when it is ready: `{}` has a healthcheck that depends_on does not wait for",
                        service.name, dep.service, dep.service
                    ),
                )
                .with_span_label(label)
                .with_label(health, format!("`{}` says when it is ready here", dep.service))
                .with_help(format!(
                    "use the long form: `depends_on: {{{}: {{condition: service_healthy}}}}`",
                    dep.service
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

    const DB: &str = "  db:\n    image: postgres:16\n    healthcheck:\n      test: [\"CMD-SHELL\", \"pg_isready\"]\n";

    #[test]
    fn short_form_and_service_started() {
        let compose = format!(
            "services:\n  app:\n    image: python:3.12-slim\n    depends_on:\n      - db\n{DB}"
        );
        let d = assert_fires(&RULE, &[("compose.yaml", &compose)]);
        assert_eq!((d[0].line, d[0].text.as_str()), (5, "db"));
        assert_eq!(d[0].labels[0].0, "compose.yaml");
        let compose = format!("services:\n  app:\n    image: python:3.12-slim\n    depends_on:\n      db:\n        condition: service_started\n{DB}");
        let d = assert_fires(&RULE, &[("compose.yaml", &compose)]);
        assert_eq!(d[0].text, "service_started");
    }

    #[test]
    fn healthy_condition_no_healthcheck_or_not_a_server() {
        let compose = format!("services:\n  app:\n    image: python:3.12-slim\n    depends_on:\n      db:\n        condition: service_healthy\n{DB}");
        assert_silent(&RULE, &[("compose.yaml", &compose)]);
        // no healthcheck: nothing to wait for (no-healthcheck says the rest)
        let compose = "services:\n  app:\n    image: python:3.12-slim\n    depends_on: [db]\n  db:\n    image: postgres:16\n";
        assert_silent(&RULE, &[("compose.yaml", compose)]);
        // a worker with a healthcheck is not a database
        let compose = "services:\n  app:\n    image: python:3.12-slim\n    depends_on: [worker]\n  worker:\n    image: python:3.12-slim\n    healthcheck:\n      test: [\"CMD\", \"true\"]\n";
        assert_silent(&RULE, &[("compose.yaml", compose)]);
    }

    #[test]
    fn healthcheck_from_the_image_counts() {
        let df = "FROM redis:7-alpine\nHEALTHCHECK CMD redis-cli ping\n";
        let compose = "services:\n  app:\n    image: python:3.12-slim\n    depends_on: [cache]\n  cache:\n    build: ./cache\n";
        let d = assert_fires(
            &RULE,
            &[("compose.yaml", compose), ("cache/Dockerfile", df)],
        );
        assert_eq!(d[0].labels[0].0, "cache/Dockerfile");
    }
}
