//! `unreachable-host`: a URL or host a service receives names no service of
//! the project (nor an alias, container_name, hostname, link or extra host),
//! or a service it shares no network with.

use crate::facts::known::{is_service_like, received_hosts};
use crate::facts::network::{
    attached, extra_names, on_shared_network, share_a_network, NetworkMode,
};
use crate::facts::server::ServerKind;
use crate::model::explain::is_near;
use crate::model::types::*;
use crate::model::workspace::Workspace;
use crate::rules::flow::{group_by_key, trace_host, Grouped, Part};
use crate::rules::{Context, Diagnostic, Rule, RuleId, RuleMeta, Severity};
use crate::source::Span;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: RuleId::UnreachableHost,
        severity: Severity::Error,
        summary: "A URL or host a service receives (DATABASE_URL, REDIS_HOST...) names no service, alias or container_name of the project, or a service it shares no network with.",
        doc: include_str!("../../rules/unreachable-host.md"),
        cases: &[],
    },
    check,
};

/// What is wrong with a host a service receives, once for every service
/// that receives it.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Problem {
    /// No name of the project; `suggest`: the service most likely meant
    /// (a near-miss name, or the one running the server the host is named
    /// after), and its name's span.
    NoSuchHost {
        at: Span,
        host: String,
        suggest: (String, Span),
    },
    /// A service of the project that shares no network with the receiver.
    NoSharedNetwork {
        at: Span,
        host: String,
        /// The receivers' networks.
        mine: Vec<String>,
        target: String,
        /// The target's networks, and where the first is attached.
        networks: Vec<String>,
        first: Option<Span>,
    },
}

fn check(ctx: &Context) -> Vec<Diagnostic> {
    let ws = ctx.ws;
    let mut parts = Vec::new();
    for r in received_hosts(ws) {
        // Another namespace decides what resolves.
        if !is_service_like(r.host.host) || NetworkMode::of(r.service).is_some() {
            continue;
        }
        let t = trace_host(ws, &r);
        let Some(problem) = judge(ws, r.project, r.service, r.host.host, t.primary) else {
            continue;
        };
        parts.push(Part {
            key: problem,
            service: r.service.name.clone(),
            detail: r.key.to_string(),
            labels: t.labels,
        });
    }
    group_by_key(parts).into_iter().map(diagnostic).collect()
}

/// What is wrong with `service` reaching `host` (written at `at`), if
/// anything we can be sure of.
fn judge(
    ws: &Workspace,
    project: &Project,
    service: &Service,
    host: &str,
    at: Span,
) -> Option<Problem> {
    let Some(target) = project.answering(host) else {
        return no_such_host(ws, project, service, host, at);
    };
    // A service in a profile that is not enabled answers once it is: the
    // address is there for when it runs.
    if !target.active
        || target.name == service.name
        || NetworkMode::of(target).is_some()
        || share_a_network(service, target)
    {
        return None;
    }
    Some(Problem::NoSharedNetwork {
        at,
        host: host.to_string(),
        mine: attached(service).into_iter().map(str::to_string).collect(),
        target: target.name.clone(),
        networks: attached(target).into_iter().map(str::to_string).collect(),
        first: target.networks.first().map(|n| n.span),
    })
}

/// `host` is no name of the project. Reported only when we can tell what
/// was meant: a near-miss service name, else the service whose image is the
/// server the host is named after (`postgres` for service `db`). A name
/// nothing resembles may come from where we cannot see: another compose file
/// combined with `-f`, a network shared with another project, a tool that
/// adds services (test harnesses), the DNS of the host.
fn no_such_host(
    ws: &Workspace,
    project: &Project,
    service: &Service,
    host: &str,
    at: Span,
) -> Option<Problem> {
    if extra_names(ws, project, service).contains(host)
        || on_shared_network(ws, project, service)
        // `depends_on` it too: the compose-error says the service is missing.
        || project
            .errors
            .iter()
            .any(|e| e.kind == ModelErrorKind::UndefinedService(host.to_string()))
    {
        return None;
    }
    let near = project
        .services
        .iter()
        .find(|s| is_near(host, &s.name))
        .or_else(|| {
            project
                .services
                .iter()
                .find(|s| ServerKind::of_service(s).is_some_and(|k| k.is_image_name(host)))
        })?;
    Some(Problem::NoSuchHost {
        at,
        host: host.to_string(),
        suggest: (near.name.clone(), near.name_span),
    })
}

fn diagnostic(g: Grouped<Problem>) -> Diagnostic {
    let services = &g.services;
    let mut d = match &g.key {
        Problem::NoSuchHost { at, host, suggest } => Diagnostic::new(RULE.meta.id, *at,
            format!(
                "{services} {} the host `{host}` in {}, but no service, alias or container_name of the project is named `{host}`",
                services.verb("receives", "receive"),
                g.details_phrase()
            ),
        )
        .with_span_label("no such service")
        .with_help(format!("replace `{host}` with `{}`", suggest.0)),
        Problem::NoSharedNetwork {
            at,
            host,
            mine,
            target,
            networks,
            ..
        } => Diagnostic::new(RULE.meta.id, *at,
            format!(
                "{services} {} to `{host}`, but they share no network ({} {} on {}, `{target}` on {})",
                services.verb("connects", "connect"),
                services.names(),
                services.verb("is", "are"),
                mine.join(", "),
                networks.join(", ")
            ),
        )
        .with_span_label("not reachable from this service's networks")
        .with_help(format!(
            "attach {} to one of `{target}`'s networks",
            services.names()
        )),
    };
    d.labels.extend(g.labels);
    match &g.key {
        Problem::NoSuchHost { suggest, .. } => {
            d = d.with_label(suggest.1, format!("did you mean `{}`?", suggest.0));
        }
        Problem::NoSharedNetwork { target, first, .. } => {
            if let Some(n) = first {
                d = d.with_label(*n, format!("`{target}` is only on this network"));
            }
        }
    }
    d
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{assert_fires, assert_silent};

    const DB: &str = "  db:\n    image: postgres:16\n";

    #[test]
    fn a_host_no_service_has() {
        let compose = format!("services:\n  app:\n    image: python:3.12-slim\n    environment:\n      - DATABASE_URL=postgresql://u:p@postgres:5432/app\n{DB}");
        let d = assert_fires(&RULE, &[("compose.yaml", &compose)]);
        assert_eq!((d[0].line, d[0].text.as_str()), (5, "postgres"));
        // The service running that image is suggested.
        assert_eq!(d[0].labels[0].1, "db");
        let compose = "services:\n  app:\n    image: python:3.12-slim\n    environment:\n      DB_HOST: postgress\n  postgres:\n    image: postgres:16\n";
        let d = assert_fires(&RULE, &[("compose.yaml", compose)]);
        assert_eq!(d[0].text, "postgress");
        assert_eq!(d[0].labels[0].1, "postgres");
    }

    #[test]
    fn the_span_is_the_host_not_the_same_word_elsewhere() {
        // `postgres` is also the start of the scheme and the user name.
        let compose = format!("services:\n  app:\n    image: python:3.12-slim\n    environment:\n      - DATABASE_URL=postgresql://postgres:pw@postgres:5432/app\n{DB}");
        let d = assert_fires(&RULE, &[("compose.yaml", &compose)]);
        let line = "      - DATABASE_URL=postgresql://postgres:pw@postgres:5432/app";
        assert_eq!(
            (d[0].line, d[0].column),
            (5, line.find("@postgres").unwrap() + 2)
        );
        // The same from a `.env` value.
        let compose = format!("services:\n  app:\n    image: python:3.12-slim\n    environment:\n      - DATABASE_URL=${{DATABASE_URL}}\n{DB}");
        let d = assert_fires(
            &RULE,
            &[
                ("compose.yaml", &compose),
                (
                    ".env",
                    "DATABASE_URL=\"postgresql://postgres:pw@postgres/app\"\n",
                ),
            ],
        );
        let line = "DATABASE_URL=\"postgresql://postgres:pw@postgres/app\"";
        assert_eq!(
            (d[0].file.as_str(), d[0].column),
            (".env", line.find("@postgres").unwrap() + 2)
        );
        // The host is the default of an unset variable: a word after `:-`.
        for default in [":-", "-"] {
            let line = format!("      - DATABASE_URL=postgresql://postgres:postgres@${{PGHOST{default}postgres}}/app");
            let compose = format!(
                "services:\n  app:\n    image: python:3.12-slim\n    environment:\n{line}\n{DB}"
            );
            let d = assert_fires(&RULE, &[("compose.yaml", &compose)]);
            let at = line.find(&format!("{default}postgres}}")).unwrap() + default.len() + 1;
            assert_eq!(
                (d[0].line, d[0].column, d[0].text.as_str()),
                (5, at, "postgres"),
                "{default}"
            );
        }
    }

    #[test]
    fn the_host_is_the_dotenv_value_of_its_own_variable() {
        // Two `.env` variables hold the same word: the host is DB_HOST's.
        let compose = format!("services:\n  app:\n    image: python:3.12-slim\n    environment:\n      - DATABASE_URL=postgresql://${{DB_USER}}:pw@${{DB_HOST}}/app\n{DB}");
        let d = assert_fires(
            &RULE,
            &[
                ("compose.yaml", &compose),
                (".env", "DB_USER=postgres\nDB_HOST=postgres\n"),
            ],
        );
        assert_eq!(
            (
                d[0].file.as_str(),
                d[0].line,
                d[0].column,
                d[0].text.as_str()
            ),
            (".env", 2, 9, "postgres")
        );
        assert_eq!(
            d[0].labels[0].2,
            "interpolated here into DATABASE_URL of service `app`"
        );
        assert_eq!(d[0].labels[0].1, "${DB_HOST}");
        // Through a `.env` value that interpolates another: the inner one,
        // with a label on each reference.
        let compose = format!("services:\n  app:\n    image: python:3.12-slim\n    environment:\n      DATABASE_URL: ${{URL}}\n{DB}");
        let d = assert_fires(
            &RULE,
            &[
                ("compose.yaml", &compose),
                (
                    ".env",
                    "DB_USER=postgres\nDB_HOST=postgres\nURL=postgresql://${DB_USER}:pw@${DB_HOST}/app\n",
                ),
            ],
        );
        assert_eq!((d[0].file.as_str(), d[0].line, d[0].column), (".env", 2, 9));
        let labels: Vec<(&str, &str)> = d[0]
            .labels
            .iter()
            .take(2)
            .map(|l| (l.1.as_str(), l.2.as_str()))
            .collect();
        assert_eq!(
            labels,
            [
                (
                    "${URL}",
                    "interpolated here into DATABASE_URL of service `app`"
                ),
                ("${DB_HOST}", "interpolated here into URL"),
            ]
        );
    }

    #[test]
    fn an_escaped_scalar_is_searched_as_a_whole_word() {
        // YAML decodes `\t`: the value is not the source byte for byte, so
        // the host is searched for, counted as the value counts it.
        let compose = format!("services:\n  app:\n    image: python:3.12-slim\n    environment:\n      DATABASE_URL: \"postgresql://postgres:pw@postgres/app\\t\"\n{DB}");
        let d = assert_fires(&RULE, &[("compose.yaml", &compose)]);
        let line = "      DATABASE_URL: \"postgresql://postgres:pw@postgres/app\\t\"";
        assert_eq!(
            (d[0].line, d[0].column, d[0].text.as_str()),
            (5, line.find("@postgres").unwrap() + 2, "postgres")
        );
    }

    #[test]
    fn every_host_of_a_multi_host_url() {
        let compose = "services:\n  app:\n    image: python:3.12-slim\n    environment:\n      - MONGO_URL=mongodb://mongo1:27017,mongo2:27017,mongo3/app?replicaSet=rs0\n  mongo1:\n    image: mongo:7\n  mongo2:\n    image: mongo:7\n";
        let d = assert_fires(&RULE, &[("compose.yaml", compose)]);
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(d[0].text, "mongo3");
        // A list of URLs is not a list of hosts of one URL.
        let compose = "services:\n  app:\n    image: python:3.12-slim\n    environment:\n      - BROKERS=kafka://k1:9092,kafka://k1:9093\n  k1:\n    image: bitnami/kafka\n";
        assert_silent(&RULE, &[("compose.yaml", compose)]);
    }

    #[test]
    fn names_aliases_links_and_domains_resolve() {
        for value in [
            "postgresql://u:p@db:5432/app",
            "postgresql://u:p@database/app",
            "postgresql://u:p@pg-primary/app",
            "postgresql://u:p@legacy/app",
            "postgresql://u:p@db.example.com/app",
            "postgresql://u:p@10.0.0.5/app",
            "postgresql://u:p@localhost/app",
            "postgresql://u:p@host-gateway/app",
        ] {
            let compose = format!("services:\n  app:\n    image: python:3.12-slim\n    links: [\"db:database\"]\n    extra_hosts: [\"legacy:10.0.0.9\", \"host-gateway=host-gateway\"]\n    environment:\n      - DATABASE_URL={value}\n  db:\n    image: postgres:16\n    container_name: pg-primary\n");
            assert_silent(&RULE, &[("compose.yaml", &compose)]);
        }
        // Flags named like hosts are not hosts.
        let compose = "services:\n  app:\n    image: python:3.12-slim\n    environment:\n      - REV_SERVER=true\n      - DB_HOST=none\n";
        assert_silent(&RULE, &[("compose.yaml", compose)]);
        // Browser-facing and non-host keys are not connections.
        let compose = "services:\n  app:\n    image: python:3.12-slim\n    environment:\n      - CORS_ORIGINS=http://frontend:3000\n      - APP_NAME=web\n";
        assert_silent(&RULE, &[("compose.yaml", compose)]);
    }

    #[test]
    fn no_shared_network() {
        let compose = "services:\n  app:\n    image: python:3.12-slim\n    networks: [front]\n    environment:\n      REDIS_URL: redis://cache:6379/0\n  cache:\n    image: redis:7\n    networks: [back]\nnetworks:\n  front:\n  back:\n";
        let d = assert_fires(&RULE, &[("compose.yaml", compose)]);
        assert_eq!(
            d[0].message,
            "service `app` connects to `cache`, but they share no network (`app` is on front, `cache` on back)"
        );
        assert_eq!(d[0].labels[0].1, "back");
        let compose = "services:\n  app:\n    image: python:3.12-slim\n    networks: [front, back]\n    environment:\n      REDIS_URL: redis://cache:6379/0\n  cache:\n    image: redis:7\n    networks: [back]\nnetworks:\n  front:\n  back:\n";
        assert_silent(&RULE, &[("compose.yaml", compose)]);
    }

    #[test]
    fn shared_networks_and_inactive_profiles() {
        // On a network other projects join (external, or given a fixed
        // `name:`), their containers answer to names we cannot see.
        for network in ["external: true", "name: shared-net"] {
            let compose = format!("services:\n  app:\n    image: python:3.12-slim\n    networks: [shared]\n    environment:\n      DATABASE_URL: postgresql://postgres/app\n  db:\n    image: postgres:16\n    networks: [shared]\nnetworks:\n  shared:\n    {network}\n");
            assert_silent(&RULE, &[("compose.yaml", &compose)]);
        }
        // A service in a profile answers once the profile is enabled.
        let compose = "services:\n  app:\n    image: python:3.12-slim\n    environment:\n      SMTP_HOST: mailpit\n  mailpit:\n    image: axllent/mailpit\n    profiles: [dev]\n";
        assert_silent(&RULE, &[("compose.yaml", compose)]);
    }

    #[test]
    fn from_dotenv_points_at_the_dotenv_text() {
        let compose = format!("services:\n  app:\n    image: python:3.12-slim\n    environment:\n      - DATABASE_URL=${{DATABASE_URL}}\n{DB}");
        let d = assert_fires(
            &RULE,
            &[
                ("compose.yaml", &compose),
                (".env", "DATABASE_URL=postgresql://u:p@postgres:5432/app\n"),
            ],
        );
        assert_eq!(
            (d[0].file.as_str(), d[0].text.as_str()),
            (".env", "postgres")
        );
        assert_eq!(d[0].labels[0].0, "compose.yaml");
    }

    /// Only network schemes carry hosts: the "host" of `s3://`, `sms://`,
    /// `file://` is a bucket, a provider or a path.
    #[test]
    fn only_network_schemes() {
        for value in [
            "s3://backups/daily",
            "sms://backups",
            "file://backups/x",
            "sqlite://backups",
        ] {
            let compose = format!("services:\n  app:\n    image: python:3.12-slim\n    environment:\n      STORE_URL: {value}\n  backup:\n    image: alpine:3\n");
            assert_silent(&RULE, &[("compose.yaml", &compose)]);
        }
        // The same name in a network URL is a near miss of `backup`.
        let compose = "services:\n  app:\n    image: python:3.12-slim\n    environment:\n      STORE_URL: ftp://backups/daily\n  backup:\n    image: alpine:3\n";
        assert_fires(&RULE, &[("compose.yaml", compose)]);
    }

    /// A name nothing in the project resembles may come from another
    /// compose file, another project or a test harness: not reported.
    #[test]
    fn a_name_nothing_resembles_is_not_judged() {
        let compose = "services:\n  app:\n    image: python:3.12-slim\n    environment:\n      OTEL_EXPORTER_OTLP_ENDPOINT: http://lgtm:4318\n      POSTGRES_SERVER: postgres\n";
        assert_silent(&RULE, &[("compose.yaml", compose)]);
        // Nor a service that `depends_on` names too: compose-error says it.
        let compose = "services:\n  app:\n    image: python:3.12-slim\n    depends_on: [postgres]\n    environment:\n      DB_HOST: postgres\n  db:\n    image: postgres:16\n";
        assert_silent(&RULE, &[("compose.yaml", compose)]);
    }

    /// A database server reading the env_file of its clients is not one of
    /// them: their hosts are not its connections.
    #[test]
    fn a_servers_environment_is_not_a_clients() {
        let compose = "services:\n  app:\n    image: python:3.12-slim\n    networks: [back]\n    env_file: dev.env\n  db:\n    image: postgres:16\n    networks: [data]\n    env_file: dev.env\n  redis:\n    image: redis:7\n    networks: [back]\nnetworks:\n  back:\n  data:\n";
        assert_silent(
            &RULE,
            &[
                ("compose.yaml", compose),
                ("dev.env", "APP_REDIS_HOST=redis\n"),
            ],
        );
    }

    /// A value several services receive is one finding naming them all.
    #[test]
    fn one_finding_for_a_value_several_services_receive() {
        let compose = "x-env: &env\n  DATABASE_URL: postgresql://u:p@postgres/app\nservices:\n  api:\n    image: python:3.12-slim\n    environment: *env\n  worker:\n    image: python:3.12-slim\n    environment: *env\n  beat:\n    image: python:3.12-slim\n    environment: *env\n  db:\n    image: postgres:16\n";
        let d = assert_fires(&RULE, &[("compose.yaml", compose)]);
        assert_eq!(d.len(), 1, "{d:?}");
        assert!(
            d[0].message.starts_with(
                "services `api`, `worker` and `beat` receive the host `postgres` in DATABASE_URL"
            ),
            "{}",
            d[0].message
        );
        assert_eq!(d[0].help.as_deref(), Some("replace `postgres` with `db`"));
    }

    /// A host written partly in a default and partly beside it is written
    /// in no one place: the value is pointed at, never another occurrence
    /// of the same text (the user `postgres`); a host in an escaped scalar
    /// is found in it.
    #[test]
    fn a_host_across_pieces_or_decoded() {
        let db = "  db:\n    image: postgres:16\n";
        let app = "services:\n  app:\n    image: python:3.12-slim\n    environment:\n";
        let compose =
            format!("{app}      DATABASE_URL: postgresql://postgres:pw@${{H:-post}}gres/app\n{db}");
        let d = assert_fires(&RULE, &[("compose.yaml", &compose)]);
        assert_eq!(d[0].text, "postgresql://postgres:pw@${H:-post}gres/app");
        let compose = format!("{app}      DATABASE_URL: ${{U}}\n{db}");
        let env = "H=post\nU=postgresql://postgres:pw@${H}gres/app\n";
        let d = assert_fires(&RULE, &[("compose.yaml", &compose), (".env", env)]);
        assert_eq!(
            (d[0].file.as_str(), d[0].text.as_str()),
            (".env", "postgresql://postgres:pw@${H}gres/app")
        );
        let compose =
            format!("{app}      DATABASE_URL: \"postgresql://postgres:pw@postgres/app\\t\"\n{db}");
        let d = assert_fires(&RULE, &[("compose.yaml", &compose)]);
        let line = "      DATABASE_URL: \"postgresql://postgres:pw@postgres/app";
        assert_eq!(
            (d[0].column, d[0].text.as_str()),
            (line.rfind("postgres").unwrap() + 1, "postgres")
        );
    }
}
