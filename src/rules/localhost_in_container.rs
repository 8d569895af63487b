//! `localhost-in-container`: a URL or host a service receives points at the
//! container itself (localhost, 127.0.0.1, ::1) instead of another service.

use crate::facts::known::{
    is_frontend, is_loopback, received_hosts, service_listens_on, ReceivedHost, SchemeKind,
};
use crate::facts::network::shares_loopback;
use crate::facts::ports::Listeners;
use crate::facts::server::ServerKind;
use crate::model::types::*;
use crate::rules::flow::{group_by_key, trace_host, Grouped, Part, Services};
use crate::rules::{Context, Diagnostic, Edit, Fix, Rule, RuleId, RuleMeta, Severity};
use crate::source::Span;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: RuleId::LocalhostInContainer,
        severity: Severity::Error,
        summary: "A database, cache or API address a container receives points at localhost, which inside a container is the container itself.",
        doc: include_str!("../../rules/localhost-in-container.md"),
        cases: &[],
    },
    check,
};

/// Why the loopback address a service receives is a connection to another
/// container: its scheme is a server's (a database, cache, broker...), or it
/// is a bare host in a host variable, or a web address to a port another
/// service of the project listens on that is not a browser's (see
/// [`for_a_browser`]).
fn is_connection(r: &ReceivedHost, listeners: &Listeners) -> bool {
    match r.host.network_scheme().map(|s| s.kind) {
        None | Some(SchemeKind::Server) => true,
        Some(SchemeKind::Web) => {
            !for_a_browser(r, listeners)
                && r.host
                    .port_number()
                    .is_some_and(|port| listeners.on(port).any(|s| s.name != r.service.name))
        }
    }
}

/// A web address on localhost that a browser opens: the service is a
/// frontend, or the host publishes the port (`localhost:PORT` on the host
/// is that service: the address is meant for the user's browser).
fn for_a_browser(r: &ReceivedHost, listeners: &Listeners) -> bool {
    is_frontend(r.service)
        || r.host
            .port_number()
            .is_some_and(|port| listeners.published(port))
}

/// The service that most likely provides what `port` points at, other
/// than the services that receive the address.
fn provider<'a>(
    listeners: &Listeners<'a>,
    receivers: &Services,
    port: Option<u16>,
) -> Option<&'a Service> {
    let port = port?;
    listeners.on(port).find(|s| !receivers.0.contains(&s.name))
}

/// What is wrong, once for every service that receives it (in whichever
/// project: a `.env` two projects read is one finding).
#[derive(Debug, Clone)]
struct Problem<'a> {
    at: Span,
    host: &'a str,
    scheme: Option<String>,
    port: Option<u16>,
    /// The project of the first service found.
    project: &'a Project,
}

impl PartialEq for Problem<'_> {
    fn eq(&self, other: &Self) -> bool {
        (self.at, self.host, &self.scheme, self.port)
            == (other.at, other.host, &other.scheme, other.port)
    }
}

fn check(ctx: &Context) -> Vec<Diagnostic> {
    let ws = ctx.ws;
    let mut parts = Vec::new();
    for r in received_hosts(ws) {
        // On the host's network, or in another container's, localhost is
        // that namespace's: right.
        if !is_loopback(r.host.host) || shares_loopback(r.service) {
            continue;
        }
        let Some(listeners) = ctx.facts().listeners(r.project) else {
            continue;
        };
        if !is_connection(&r, listeners) {
            continue;
        }
        let port = r.host.port_number();
        // A service pointing at its own port talks to itself: fine.
        if let Some(p) = port {
            let others = listeners.on(p).any(|s| s.name != r.service.name);
            if service_listens_on(r.service, p) && !others {
                continue;
            }
        }
        let t = trace_host(ws, &r);
        parts.push(Part {
            key: Problem {
                at: t.primary,
                host: r.host.host,
                scheme: r.host.scheme.clone(),
                port,
                project: r.project,
            },
            service: r.service.name.clone(),
            detail: r.key.to_string(),
            labels: t.labels,
        });
    }
    group_by_key(parts)
        .into_iter()
        .map(|g| diagnostic(ctx, g))
        .collect()
}

fn diagnostic(ctx: &Context, g: Grouped<Problem>) -> Diagnostic {
    let p = &g.key;
    let what = match &p.scheme {
        Some(s) => format!("a {s}:// address"),
        None => "a host".to_string(),
    };
    let mut message = format!(
        "{} {} {what} on {} in {}: inside a container, {} is the container itself",
        g.services,
        g.services.verb("receives", "receive"),
        p.host,
        g.details_phrase(),
        p.host
    );
    let provider = ctx
        .facts()
        .listeners(p.project)
        .and_then(|l| provider(l, &g.services, p.port));
    let help = match provider {
        Some(s) => {
            let kind = p
                .port
                .and_then(ServerKind::of_port)
                .map(|k| format!("{} ", k.display()))
                .unwrap_or_default();
            message.push_str(&format!(
                "; the {kind}server is most likely service `{}`",
                s.name
            ));
            format!(
                "use the service name as host: replace `{}` with `{}`",
                p.host, s.name
            )
        }
        None => format!(
            "use the name of the compose service that runs this server instead of `{}` (or `host.docker.internal` for a server on the host)",
            p.host
        ),
    };
    let mut diag = Diagnostic::new(RULE.meta.id, p.at, message)
        .with_span_label("the container itself, not another service")
        .with_help(help);
    diag.labels.extend(g.labels);
    if let Some(s) = provider {
        diag = diag.with_label(s.name_span, format!("service `{}` listens here", s.name));
        // The host's own text only (an IPv6 address is written in
        // brackets): a guess at who listens, hence unsafe.
        let written = ctx.ws.sources.get(p.at.file).slice(p.at.range);
        if written == p.host && !p.host.contains(':') {
            diag = diag.with_fix(Fix::edits(
                format!("replace `{}` with `{}`", p.host, s.name),
                vec![Edit {
                    span: p.at,
                    replacement: s.name.clone(),
                }],
                false,
            ));
        }
    }
    diag
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{assert_fires, assert_silent};

    const DB: &str = "  db:\n    image: postgres:16\n";

    #[test]
    fn a_loopback_host_among_several() {
        let compose = "services:\n  app:\n    image: x\n    environment:\n      - MONGO_URL=mongodb://mongo:27017,localhost:27018/app\n  mongo:\n    image: mongo:7\n";
        let d = assert_fires(&RULE, &[("compose.yaml", compose)]);
        assert_eq!(d[0].text, "localhost");
        let compose = format!(
            "services:\n  app:\n    image: x\n    environment:\n      - DB_HOST=db,127.0.0.1\n{DB}"
        );
        let d = assert_fires(&RULE, &[("compose.yaml", &compose)]);
        assert_eq!(d[0].text, "127.0.0.1");
    }

    #[test]
    fn fires_on_compose_value_and_names_provider() {
        let compose = format!(
            "services:\n  app:\n    image: x\n    environment:\n      - DATABASE_URL=postgresql://u:p@localhost:5432/x\n{DB}"
        );
        let d = assert_fires(&RULE, &[("compose.yaml", &compose)]);
        assert_eq!(d[0].text, "localhost");
        assert!(d[0].message.contains("service `db`"), "{}", d[0].message);
    }

    #[test]
    fn the_fix_names_the_service_that_listens() {
        use crate::rules::testing::fixed;
        let compose = format!(
            "services:\n  app:\n    image: x\n    environment:\n      DATABASE_URL: ${{DATABASE_URL}}\n{DB}"
        );
        let files = [
            ("compose.yaml", compose.as_str()),
            (".env", "DATABASE_URL=postgresql://u:p@localhost:5432/x\n"),
        ];
        let (changes, safe) = fixed(&RULE, &files);
        assert_eq!(
            changes,
            [(
                ".env".to_string(),
                "DATABASE_URL=postgresql://u:p@db:5432/x\n".to_string()
            )]
        );
        assert!(!safe);
        // No service to name: no fix.
        let compose = "services:\n  app:\n    image: x\n    environment:\n      - REDIS_URL=redis://localhost:6379\n";
        assert_fires(&RULE, &[("compose.yaml", compose)]);
        assert!(fixed(&RULE, &[("compose.yaml", compose)]).0.is_empty());
    }

    #[test]
    fn points_at_dotenv_and_labels_compose() {
        let compose = format!(
            "services:\n  app:\n    image: x\n    environment:\n      DATABASE_URL: ${{DATABASE_URL}}\n{DB}"
        );
        let d = assert_fires(
            &RULE,
            &[
                ("compose.yaml", &compose),
                (".env", "DATABASE_URL=postgresql://u:p@localhost:5432/x\n"),
            ],
        );
        assert_eq!(
            (d[0].file.as_str(), d[0].text.as_str()),
            (".env", "localhost")
        );
        assert!(d[0]
            .labels
            .iter()
            .any(|l| l.0 == "compose.yaml" && l.1 == "${DATABASE_URL}"));
    }

    #[test]
    fn host_network_and_shadowed_dotenv_are_fine() {
        let compose = format!(
            "services:\n  app:\n    image: x\n    network_mode: host\n    environment:\n      - DATABASE_URL=postgresql://localhost/x\n{DB}"
        );
        assert_silent(&RULE, &[("compose.yaml", &compose)]);
        // The .env value never reaches the container: compose hard-codes it.
        let compose = format!(
            "services:\n  app:\n    image: x\n    environment:\n      - DATABASE_URL=postgresql://db/x\n{DB}"
        );
        assert_silent(
            &RULE,
            &[
                ("compose.yaml", &compose),
                (".env", "DATABASE_URL=postgresql://localhost/x\n"),
            ],
        );
    }

    #[test]
    fn browser_urls_are_fine() {
        let compose = "services:\n  app:\n    image: x\n    environment:\n      - BACKEND_CORS_ORIGINS=http://localhost:5173\n      - FRONTEND_HOST=http://localhost:5173\n      - GREETING=http://localhost:9999/\n";
        assert_silent(&RULE, &[("compose.yaml", compose)]);
    }

    #[test]
    fn env_file_value_is_traced() {
        let compose = format!("services:\n  app:\n    image: x\n    env_file: app.env\n{DB}");
        let d = assert_fires(
            &RULE,
            &[
                ("compose.yaml", &compose),
                ("app.env", "POSTGRES_HOST=127.0.0.1\n"),
            ],
        );
        assert_eq!(
            (d[0].file.as_str(), d[0].text.as_str()),
            ("app.env", "127.0.0.1")
        );
    }

    /// Addresses a browser opens: names a frontend build hands to the
    /// browser, a frontend service's web addresses, a web address to a port
    /// the host publishes (where `localhost:PORT` is that service).
    #[test]
    fn addresses_for_a_browser() {
        let api = "  api:\n    image: python:3.12-slim\n    expose: [\"8000\"]\n";
        for env in [
            "NEXT_PUBLIC_API_URL: http://localhost:8000",
            "VITE_API_URL: http://localhost:8000",
            "REACT_APP_API_URL: http://localhost:8000",
        ] {
            let compose = format!(
                "services:\n  app:\n    image: node:22\n    environment:\n      {env}\n{api}"
            );
            assert_silent(&RULE, &[("compose.yaml", &compose)]);
        }
        let compose = format!("services:\n  frontend:\n    image: node:22\n    environment:\n      API_URL: http://localhost:8000\n{api}");
        assert_silent(&RULE, &[("compose.yaml", &compose)]);
        let compose = "services:\n  worker:\n    image: python:3.12-slim\n    environment:\n      APP_BASE_URL: http://localhost:8000\n  api:\n    image: python:3.12-slim\n    ports: [\"8000:8000\"]\n";
        assert_silent(&RULE, &[("compose.yaml", compose)]);
        // Not published: the worker calls the api, which is not on localhost.
        let compose = format!("services:\n  worker:\n    image: python:3.12-slim\n    environment:\n      API_URL: http://localhost:8000\n{api}");
        let d = assert_fires(&RULE, &[("compose.yaml", &compose)]);
        assert_eq!(
            d[0].help.as_deref(),
            Some("use the service name as host: replace `localhost` with `api`")
        );
    }

    /// Trust and allow lists, listen addresses, a bare `*_ADDR` host, UDP
    /// metrics sinks: no connection to another container.
    #[test]
    fn lists_listen_addresses_and_metrics() {
        for env in [
            "TRUSTED_HOST: 127.0.0.1",
            "REAL_IP_ADDR: 127.0.0.1:80",
            "ALLOWED_HOST: localhost:5432",
            "PROXIES_ADDRESS: 127.0.0.1:5432",
            "HOST: 127.0.0.1",
            "LISTEN_ADDRESS: 127.0.0.1:5432",
            "UVICORN_HOST: 127.0.0.1",
            "METRICS_ADDR: 127.0.0.1",
            "STATSD_HOST: localhost",
            "STATSD_ADDR: 127.0.0.1:8125",
            "DOGSTATSD_URL: udp://localhost:8125",
        ] {
            let compose = format!(
                "services:\n  app:\n    image: python:3.12-slim\n    environment:\n      {env}\n{DB}"
            );
            assert_silent(&RULE, &[("compose.yaml", &compose)]);
        }
        let compose = format!("services:\n  app:\n    image: python:3.12-slim\n    environment:\n      DB_ADDR: 127.0.0.1:5432\n{DB}");
        assert_fires(&RULE, &[("compose.yaml", &compose)]);
    }

    /// Only network schemes name a server: `file://localhost/x` is a path.
    #[test]
    fn only_network_schemes() {
        let compose = format!("services:\n  app:\n    image: python:3.12-slim\n    environment:\n      DATA_URL: file://localhost/srv/data\n      STORE: s3://localhost/bucket\n{DB}");
        assert_silent(&RULE, &[("compose.yaml", &compose)]);
    }

    /// A database server's environment configures the server (where it
    /// listens), and a shared env_file hands it its clients' settings.
    #[test]
    fn a_servers_environment_is_not_a_clients() {
        let compose = "services:\n  db:\n    image: postgres:16\n    env_file: dev.env\n    environment:\n      POSTGRES_HOST: 127.0.0.1\n  cache:\n    image: redis:7\n    environment:\n      REDIS_HOST: localhost\n";
        assert_silent(
            &RULE,
            &[
                ("compose.yaml", compose),
                ("dev.env", "DATABASE_URL=postgresql://localhost:5432/app\n"),
            ],
        );
    }

    /// One value several services receive is one finding naming them all,
    /// and the server is not one of them.
    #[test]
    fn one_finding_for_a_value_several_services_receive() {
        let compose = "x-env: &env\n  DATABASE_URL: postgresql://u:p@localhost:5432/app\nservices:\n  api:\n    image: python:3.12-slim\n    environment: *env\n  worker:\n    image: python:3.12-slim\n    environment: *env\n  db:\n    image: postgres:16\n";
        let d = assert_fires(&RULE, &[("compose.yaml", compose)]);
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(
            d[0].message,
            "services `api` and `worker` receive a postgresql:// address on localhost in DATABASE_URL: inside a container, localhost is the container itself; the PostgreSQL server is most likely service `db`"
        );
    }
}
