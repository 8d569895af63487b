//! `unreachable-host`: a URL or host a service receives names no service of
//! the project (nor an alias, container_name, hostname, link or extra host),
//! or a service it shares no network with.

use std::collections::BTreeSet;

use crate::facts::known::{hosts_in, is_browser_facing, is_loopback, HostRef};
use crate::facts::server::ServerKind;
use crate::model::explain::is_near;
use crate::model::types::*;
use crate::model::workspace::Workspace;
use crate::rules::flow::{active_services, merge_same_span, trace, Piece};
use crate::rules::{Context, Diagnostic, Rule, RuleMeta, Severity};
use crate::source::Span;
use crate::syntax::yaml::Node;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        name: "unreachable-host",
        severity: Severity::Error,
        summary: "A URL or host a service receives (DATABASE_URL, REDIS_HOST...) names no service, alias or container_name of the project, or a service it shares no network with.",
        doc: include_str!("../../rules/unreachable-host.md"),
    },
    check,
};

/// Hosts in a value that look like compose service names: single labels,
/// not IP addresses, not loopback.
fn service_like_hosts<'a>(key: &str, value: &'a str) -> Vec<HostRef<'a>> {
    let mut out = hosts_in(key, value);
    out.retain(|h| {
        let h = h.host;
        !h.is_empty()
            && !h.contains('.')
            && !h.contains(['$', '{', '[', ':', '%'])
            && !is_loopback(h)
            // `REV_SERVER=true`: a flag, not a host.
            && !matches!(
                h.to_ascii_lowercase().as_str(),
                "true" | "false" | "yes" | "no" | "on" | "off" | "none" | "null" | "enabled" | "disabled" | "auto" | "default"
            )
            && h.chars().any(|c| c.is_ascii_alphabetic())
            && h.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    });
    out
}

/// `services.NAME.KEY` in every compose file of the project.
fn raw<'a>(ws: &'a Workspace, p: &Project, service: &str, key: &str) -> Vec<&'a Node> {
    p.compose_files
        .iter()
        .filter_map(|f| ws.compose.get(f))
        .filter_map(|c| c.root.as_ref()?.get("services")?.get(service)?.get(key))
        .collect()
}

/// Names `service` resolves besides the project's services
/// ([`Service::answers_to`]): its links and extra hosts.
fn resolvable(ws: &Workspace, p: &Project, service: &Service) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    let scalars = |n: &Node| -> Vec<String> {
        match (n.as_seq(), n.as_map()) {
            (Some(items), _) => items
                .iter()
                .filter_map(|i| i.as_str().map(str::to_string))
                .collect(),
            (_, Some(entries)) => entries
                .iter()
                .filter_map(|(k, _)| k.as_str().map(str::to_string))
                .collect(),
            _ => Vec::new(),
        }
    };
    for key in ["links", "external_links"] {
        for n in raw(ws, p, &service.name, key) {
            for l in scalars(n) {
                // `db:database`: both names.
                names.extend(l.split(':').map(str::to_string));
            }
        }
    }
    for n in raw(ws, p, &service.name, "extra_hosts") {
        for l in scalars(n) {
            if let Some(h) = l.split(['=', ':']).next() {
                names.insert(h.to_string());
            }
        }
    }
    names
}

/// The networks a service is attached to (`default` when none is named).
fn networks(s: &Service) -> BTreeSet<&str> {
    if s.networks.is_empty() {
        ["default"].into_iter().collect()
    } else {
        s.networks.iter().map(|n| n.name.as_str()).collect()
    }
}

/// True when a service is on a network shared with other projects (an
/// `external: true` network): names there are not ours to know.
fn on_external_network(ws: &Workspace, p: &Project, s: &Service) -> bool {
    let nets = networks(s);
    p.compose_files
        .iter()
        .filter_map(|f| ws.compose.get(f))
        .filter_map(|c| c.root.as_ref()?.get("networks")?.as_map())
        .flatten()
        .any(|(k, v)| {
            k.as_str().is_some_and(|n| nets.contains(n))
                && v.get("external").is_some_and(|e| {
                    e.as_str().is_some_and(|t| t == "true") || e.as_map().is_some()
                })
        })
}

/// What `service` can resolve besides the project's services.
struct Resolves {
    /// Its links and extra hosts.
    names: BTreeSet<String>,
    /// On an external network: any name may be another project's.
    external: bool,
}

fn check(ctx: &Context) -> Vec<Diagnostic> {
    let ws = ctx.ws;
    let mut out = Vec::new();
    for (project, service) in active_services(ws) {
        // Another namespace decides what resolves.
        if service.network_mode.is_some() {
            continue;
        }
        let resolves = Resolves {
            names: resolvable(ws, project, service),
            external: on_external_network(ws, project, service),
        };
        for (key, var) in &service.container_env.vars {
            if is_browser_facing(key) {
                continue;
            }
            let d = &var.winner;
            let Some(value) = &d.value else { continue };
            for found in service_like_hosts(key, value) {
                let piece = Piece::at(value, found.at, found.at + found.host.len());
                let t = trace(ws, service, d, piece);
                let Some(mut diag) = judge(project, service, &resolves, key, found.host, t.primary)
                else {
                    continue;
                };
                diag.labels.splice(0..0, t.labels);
                out.push(diag);
            }
        }
    }
    merge_same_span(out)
}

/// What is wrong with `service` reaching `host` (received in `key`, written
/// at `at`), if anything.
fn judge(
    project: &Project,
    service: &Service,
    resolves: &Resolves,
    key: &str,
    host: &str,
    at: Span,
) -> Option<Diagnostic> {
    let target = project.services.iter().find(|s| s.answers_to(host));
    let Some(target) = target else {
        if resolves.names.contains(host) || resolves.external {
            return None;
        }
        return Some(no_such_host(project, service, key, host, at));
    };
    if !target.active {
        let profiles: Vec<&str> = target.profiles.iter().map(|p| p.text.as_str()).collect();
        return Some(
            Diagnostic::new(
                RULE.meta.name,
                Severity::Error,
                at,
                format!(
                    "service `{}` connects to `{host}`, which does not run: its profile `{}` is not enabled",
                    service.name,
                    profiles.join("`, `")
                ),
            )
            .with_span_label("not started")
            .with_label(target.name_span, "in an inactive profile")
            .with_help("enable the profile with the service that needs it, or drop the profile"),
        );
    }
    let (mine, theirs) = (networks(service), networks(target));
    if target.name == service.name || target.network_mode.is_some() || !mine.is_disjoint(&theirs) {
        return None;
    }
    let list = |nets: &BTreeSet<&str>| nets.iter().copied().collect::<Vec<_>>().join(", ");
    let mut diag = Diagnostic::new(
        RULE.meta.name,
        Severity::Error,
        at,
        format!(
            "service `{}` connects to `{host}`, but they share no network (`{}` is on {}, `{}` on {})",
            service.name,
            service.name,
            list(&mine),
            target.name,
            list(&theirs)
        ),
    )
    .with_span_label("not reachable from this service's networks")
    .with_help(format!(
        "attach `{}` to one of `{}`'s networks",
        service.name, target.name
    ));
    if let Some(n) = target.networks.first() {
        diag = diag.with_label(n.span, format!("`{}` is only on this network", target.name));
    }
    Some(diag)
}

/// `host` is no name of the project: suggest a near-miss service name, else
/// the service whose image is the host's name (`postgres` for service `db`).
fn no_such_host(
    project: &Project,
    service: &Service,
    key: &str,
    host: &str,
    at: Span,
) -> Diagnostic {
    let diag = Diagnostic::new(
        RULE.meta.name,
        Severity::Error,
        at,
        format!(
            "service `{}` receives the host `{host}` in {key}, but no service, alias or container_name of the project is named `{host}`",
            service.name
        ),
    )
    .with_span_label("no such service");
    let near = project
        .services
        .iter()
        .find(|s| is_near(host, &s.name))
        .or_else(|| {
            project
                .services
                .iter()
                .find(|s| ServerKind::of_service(s).is_some_and(|k| k.is_image_name(host)))
        });
    match near {
        Some(s) => diag
            .with_label(s.name_span, format!("did you mean `{}`?", s.name))
            .with_help(format!("replace `{host}` with `{}`", s.name)),
        None => diag.with_help("use the name of the compose service that runs this server, or a full domain name for a server outside the project"),
    }
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
        assert!(
            d[0].message.contains("share no network"),
            "{}",
            d[0].message
        );
        assert_eq!(d[0].labels[0].1, "back");
        let compose = "services:\n  app:\n    image: python:3.12-slim\n    networks: [front, back]\n    environment:\n      REDIS_URL: redis://cache:6379/0\n  cache:\n    image: redis:7\n    networks: [back]\nnetworks:\n  front:\n  back:\n";
        assert_silent(&RULE, &[("compose.yaml", compose)]);
    }

    #[test]
    fn external_networks_and_inactive_profiles() {
        let compose = "services:\n  app:\n    image: python:3.12-slim\n    networks: [shared]\n    environment:\n      SMTP_HOST: mailer\nnetworks:\n  shared:\n    external: true\n";
        assert_silent(&RULE, &[("compose.yaml", compose)]);
        let compose = "services:\n  app:\n    image: python:3.12-slim\n    environment:\n      SMTP_HOST: mailpit\n  mailpit:\n    image: axllent/mailpit\n    profiles: [dev]\n";
        let d = assert_fires(&RULE, &[("compose.yaml", compose)]);
        assert!(d[0].message.contains("profile `dev`"));
    }

    #[test]
    fn from_dotenv_points_at_the_dotenv_text() {
        let compose = format!("services:\n  app:\n    image: python:3.12-slim\n    environment:\n      - DATABASE_URL=${{DATABASE_URL}}\n{DB}");
        let d = assert_fires(
            &RULE,
            &[
                ("compose.yaml", &compose),
                (".env", "DATABASE_URL=postgresql://u:p@pg:5432/app\n"),
            ],
        );
        assert_eq!((d[0].file.as_str(), d[0].text.as_str()), (".env", "pg"));
        assert_eq!(d[0].labels[0].0, "compose.yaml");
    }
}
