//! `depends-on-not-healthy`: `depends_on` a database, cache or broker without
//! `condition: service_healthy`, while that service has a healthcheck.

use crate::facts::server::{is_admin_ui, same_image, Role, ServerKind};
use crate::model::types::*;
use crate::rules::flow::{active_services, group_by_key, Grouped, Part};
use crate::rules::{Context, Diagnostic, Rule, RuleId, RuleMeta, Severity};
use crate::source::Span;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: RuleId::DependsOnNotHealthy,
        severity: Severity::Warning,
        summary: "`depends_on` a database, cache or broker that has a healthcheck, without `condition: service_healthy`: the app starts before its database accepts connections.",
        doc: include_str!("../../rules/depends-on-not-healthy.md"),
        cases: &[],
    },
    check,
};

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

/// One `depends_on` entry that does not wait, once for every service that
/// has it (a YAML anchor many services merge is one finding).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Problem {
    at: Span,
    target: String,
    kind: ServerKind,
    health: Span,
}

fn check(ctx: &Context) -> Vec<Diagnostic> {
    let mut parts = Vec::new();
    for (project, service) in active_services(ctx.ws) {
        // A database, cache or broker waiting for another (a replica for
        // its primary, peers of one cluster whose health needs them all)
        // must not wait for health: that can deadlock. An admin UI connects
        // when a user asks.
        let server = ServerKind::of_service(service).map(ServerKind::role);
        if matches!(server, Some(Role::Database | Role::Cache | Role::Broker))
            || is_admin_ui(service)
        {
            continue;
        }
        for dep in &service.depends_on {
            // A condition written out is the author's choice
            // (`service_started` beside `service_healthy` for another).
            if dep.condition.is_some() {
                continue;
            }
            let Some(target) = project.service(&dep.service).filter(|t| t.active) else {
                continue;
            };
            if same_image(service, target) {
                continue;
            }
            let (Some(kind), Some(health)) = (ServerKind::of_service(target), healthcheck(target))
            else {
                continue;
            };
            parts.push(Part {
                key: Problem {
                    at: dep.span,
                    target: dep.service.clone(),
                    kind,
                    health,
                },
                service: service.name.clone(),
                detail: String::new(),
                labels: Vec::new(),
            });
        }
    }
    group_by_key(parts).into_iter().map(diagnostic).collect()
}

fn diagnostic(g: Grouped<Problem>) -> Diagnostic {
    let Problem {
        at,
        target,
        kind,
        health,
    } = &g.key;
    Diagnostic::new(RULE.meta.id, *at,
        format!(
            "{} {} as soon as `{target}` ({}) is started, not when it is ready: `{target}` has a healthcheck that depends_on does not wait for",
            g.services,
            g.services.verb("starts", "start"),
            kind.display()
        ),
    )
    .with_span_label(format!("only waits for the `{target}` container to start"))
    .with_label(*health, format!("`{target}` says when it is ready here"))
    .with_help(format!(
        "use the long form: `depends_on: {{{target}: {{condition: service_healthy}}}}`"
    ))
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
        // The long form without a condition waits for the start too.
        let compose = format!("services:\n  app:\n    image: python:3.12-slim\n    depends_on:\n      db:\n        restart: true\n{DB}");
        let d = assert_fires(&RULE, &[("compose.yaml", &compose)]);
        assert_eq!(d[0].text, "db");
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

    /// `condition: service_started` written out is the author's choice.
    #[test]
    fn a_written_condition_is_a_choice() {
        let compose = format!("services:\n  app:\n    image: python:3.12-slim\n    depends_on:\n      db:\n        condition: service_started\n{DB}");
        assert_silent(&RULE, &[("compose.yaml", &compose)]);
    }

    /// Servers waiting for servers (peers of one cluster, a replica) must
    /// not wait for health — a cluster whose health needs all its peers
    /// would never start — and an admin UI connects when a user asks.
    #[test]
    fn servers_peers_and_admin_uis_are_not_judged() {
        let es = "    image: elasticsearch:8.15.0\n    healthcheck:\n      test: [\"CMD-SHELL\", \"curl -fs localhost:9200/_cluster/health\"]\n";
        let compose = format!(
            "services:\n  es01:\n{es}    depends_on: [es02]\n  es02:\n{es}    depends_on: [es01]\n"
        );
        assert_silent(&RULE, &[("compose.yaml", &compose)]);
        let compose = format!("services:\n  replica:\n    image: bitnami/postgresql:16\n    depends_on: [db]\n  queue:\n    image: rabbitmq:3\n    depends_on: [db]\n{DB}");
        assert_silent(&RULE, &[("compose.yaml", &compose)]);
        for ui in ["adminer", "dpage/pgadmin4", "phpmyadmin:5"] {
            let compose = format!("services:\n  ui:\n    image: {ui}\n    depends_on: [db]\n{DB}");
            assert_silent(&RULE, &[("compose.yaml", &compose)]);
        }
    }

    /// One `depends_on` in an anchor many services merge is one finding
    /// naming them all.
    #[test]
    fn one_finding_for_an_anchor() {
        let compose = format!("x-app: &app\n  image: python:3.12-slim\n  depends_on: [db]\nservices:\n  api:\n    <<: *app\n  worker:\n    <<: *app\n{DB}");
        let d = assert_fires(&RULE, &[("compose.yaml", &compose)]);
        assert_eq!(d.len(), 1, "{d:?}");
        assert!(
            d[0].message
                .starts_with("services `api` and `worker` start as soon as `db`"),
            "{}",
            d[0].message
        );
    }
}
