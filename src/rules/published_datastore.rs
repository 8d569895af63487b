//! `published-datastore`: a database, cache or broker publishes its port
//! on every interface of the host — an error when it lets clients in
//! without a password or with a default one.

use crate::facts::credentials::{server_auth, ServerAuth};
use crate::facts::ports::{host_and_container, public_address, published};
use crate::facts::server::ServerKind;
use std::collections::HashMap;

use crate::rules::flow::{active_services, Services};
use crate::rules::{
    Context, Diagnostic, Edit, Fix, Rule, RuleId, RuleMeta, Severity, SeverityCase,
};
use crate::source::{Span, TextRange};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: RuleId::PublishedDatastore,
        severity: Severity::Error,
        summary: "A database, cache or broker publishes its port on every interface of the host (`\"5432:5432\"`): an error when it asks for no password or a default one, a warning otherwise.",
        doc: include_str!("../../rules/published-datastore.md"),
        cases: &[SeverityCase {
            key: "password",
            severity: Severity::Warning,
            when: "the server asks for a password that is not a known default, or what it asks cannot be known (a configuration file, an image built from it)",
        }],
    },
    check,
};

/// One published entry, once for every service that has it (a service
/// others extend).
struct Found<'a> {
    service: &'a crate::model::types::Service,
    port: &'a crate::model::types::PortConfig,
    kind: ServerKind,
    host_port: String,
    /// The public address it is published on; `None`: every interface.
    address: Option<String>,
    services: Services,
}

fn check(ctx: &Context) -> Vec<Diagnostic> {
    let purposes = ctx.facts().purposes();
    let mut found: Vec<Found> = Vec::new();
    let mut at: HashMap<Span, usize> = HashMap::new();
    for (project, service) in active_services(ctx.ws) {
        let Some(kind) = ServerKind::of_service(service) else {
            continue;
        };
        for port in &service.ports {
            let Some(p) = published(port) else { continue };
            if p.udp || !p.target.contains(kind.port()) {
                continue;
            }
            let address = match public_address(p.host_ip.as_deref()) {
                None => None,
                Some(true) => p.host_ip.clone(),
                Some(false) => continue,
            };
            // Development, test and CI: a database a developer's tools
            // reach on their own machine (`compose.override.yml` "for
            // local development").
            if purposes
                .setting(project, service, port.raw.span.file)
                .is_some()
            {
                continue;
            }
            if let Some(&i) = at.get(&port.raw.span) {
                found[i].services.add(&service.name);
                continue;
            }
            let host_port = match p.published {
                Some(r) if r.single().is_some() => format!("port {}", r.start),
                Some(_) => "a range of ports".to_string(),
                None => "a port Docker picks".to_string(),
            };
            let mut services = Services::default();
            services.add(&service.name);
            at.insert(port.raw.span, found.len());
            found.push(Found {
                service,
                port,
                kind,
                host_port,
                address,
                services,
            });
        }
    }
    // The server's authentication, once per service.
    let mut auths: HashMap<*const crate::model::types::Service, ServerAuth> = HashMap::new();
    found
        .into_iter()
        .map(|f| {
            let auth = auths
                .entry(std::ptr::from_ref(f.service))
                .or_insert_with(|| server_auth(f.kind, f.service))
                .clone();
            diagnostic(ctx, f, auth)
        })
        .collect()
}

fn diagnostic(ctx: &Context, f: Found, auth: ServerAuth) -> Diagnostic {
    let on = match &f.address {
        None => "on every interface of the host".to_string(),
        Some(a) => format!("on the public address {a}"),
    };
    let mut message = format!(
        "{} {} {} ({}) {on}, past host firewalls such as ufw (Docker writes its own rules before them)",
        f.services.names(),
        f.services.verb("publishes", "publish"),
        f.host_port,
        f.kind.display(),
    );
    let mut labels = Vec::new();
    let mut case = Some("password");
    match &auth {
        ServerAuth::Off { why, key } => {
            message.push_str(&format!(
                ", and {why}: anyone who can reach the host can read and change its data"
            ));
            if let Some(span) = key.as_deref().and_then(|k| value_span(ctx.ws, f.service, k)) {
                labels.push((span, "no password asked"));
            }
            case = None;
        }
        ServerAuth::DefaultPassword { key } => {
            message.push_str(&format!(
                ", and its password ({key}) is a default anyone would try"
            ));
            if let Some(span) = value_span(ctx.ws, f.service, key) {
                labels.push((span, "a default password"));
            }
            case = None;
        }
        ServerAuth::Other => message.push_str(
            ": every network the host is on reaches it, and only the server's own authentication, if it asks for any, protects the data",
        ),
    }
    let port = f.kind.port();
    let mut d = Diagnostic::new(RULE.meta.id, f.port.raw.span, message)
        .with_span_label(if f.address.is_some() {
            "published on a public address"
        } else {
            "published on 0.0.0.0"
        })
        .with_help(format!(
            "publish it on the loopback only (`127.0.0.1:{port}:{port}`) for tools on the host, or remove `ports:`: the other services reach it by its name on the project's network"
        ));
    if let Some(case) = case {
        d = d.with_case(case);
    }
    for (span, label) in labels {
        d = d.with_label(span, label);
    }
    if let Some(fix) = loopback_fix(f.port) {
        d = d.with_fix(fix);
    }
    d
}

/// Where the value the container receives for `key` is written (the
/// `.env` line a `${VAR}` reads).
fn value_span(
    ws: &crate::model::workspace::Workspace,
    s: &crate::model::types::Service,
    key: &str,
) -> Option<Span> {
    let d = &s.container_env.get(key)?.winner;
    let len = d.value.as_ref().map_or(0, String::len);
    if len == 0 {
        return Some(d.key_span);
    }
    Some(crate::rules::flow::trace(ws, s, d, 0..len).primary)
}

/// `127.0.0.1:` put before a short-syntax entry `HOST:CONTAINER[/proto]`
/// written as it is read (`"5432:5432"`, not `${PORT}:5432`, not one with
/// an address already, not `"5432"` whose host port Docker picks). Unsafe:
/// tools on other machines that reach the server stop.
fn loopback_fix(port: &crate::model::types::PortConfig) -> Option<Fix> {
    let raw = &port.raw;
    let at = raw.origin_of(0..raw.text.len()).written_here()?;
    if at.range.len() != raw.text.len() {
        return None;
    }
    if !host_and_container(&raw.text) {
        return None;
    }
    Some(Fix::edits(
        "publish on the loopback only: `127.0.0.1:`",
        vec![Edit {
            span: Span::new(at.file, TextRange::new(at.range.start, at.range.start)),
            replacement: "127.0.0.1:".to_string(),
        }],
        false,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::secrets::SecretPolicy;
    use crate::rules::testing::{assert_fires, assert_silent};

    /// The rule's diagnostics themselves: severity and fix.
    fn raw(files: &[(&str, &str)]) -> Vec<Diagnostic> {
        let dir = crate::rules::testing::write_project(files);
        let ws = crate::rules::testing::workspace(dir.path());
        let policy = SecretPolicy::default();
        (RULE.check)(&Context::new(&ws, &policy))
    }

    fn compose(service: &str) -> String {
        format!("services:\n  db:\n{service}")
    }

    #[test]
    fn error_when_no_or_a_default_password() {
        let d = assert_fires(
            &RULE,
            &[(
                "compose.yaml",
                &compose("    image: postgres:16\n    environment:\n      POSTGRES_HOST_AUTH_METHOD: trust\n    ports:\n      - \"5432:5432\"\n"),
            )],
        );
        assert_eq!(d[0].text, "\"5432:5432\"");
        assert!(d[0].message.contains("trust"), "{}", d[0].message);
        assert_eq!(d[0].labels[0].1, "trust");
        let d = assert_fires(
            &RULE,
            &[(
                "compose.yaml",
                &compose("    image: redis:7\n    ports:\n      - 6379:6379\n"),
            )],
        );
        assert!(d[0].message.contains("--requirepass"), "{}", d[0].message);
        let d = assert_fires(
            &RULE,
            &[
                (
                    "compose.yaml",
                    &compose("    image: mysql:8\n    environment:\n      MYSQL_ROOT_PASSWORD: ${DB_PASSWORD}\n    ports:\n      - 3306:3306\n"),
                ),
                (".env", "DB_PASSWORD=password\n"),
            ],
        );
        assert!(d[0].message.contains("default"), "{}", d[0].message);
        // The label at the .env value.
        assert_eq!(d[0].labels[0].0, ".env");
        assert_eq!(d[0].labels[0].1, "password");
    }

    #[test]
    fn warning_when_a_password_is_set() {
        let d = raw(&[
            (
                "compose.yaml",
                &compose("    image: postgres:16\n    environment:\n      POSTGRES_PASSWORD: ${DB_PASSWORD:?set it}\n    ports:\n      - target: 5432\n        published: 5432\n"),
            ),
            (".env", "DB_PASSWORD=Zq8w-long-random\n"),
        ]);
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].severity, Severity::Warning);
        // The long syntax has no fix; a default password is an error.
        assert!(d[0].fix.is_none());
        let d = raw(&[(
            "compose.yaml",
            &compose("    image: postgres:16\n    environment:\n      POSTGRES_PASSWORD: postgres\n    ports:\n      - 5432:5432\n"),
        )]);
        assert_eq!(d[0].severity, Severity::Error);
    }

    #[test]
    fn silent_on_the_loopback_other_ports_and_dev_files() {
        for (name, service) in [
            ("compose.yaml", "    image: redis:7\n    ports:\n      - 127.0.0.1:6379:6379\n"),
            ("compose.yaml", "    image: redis:7\n    ports:\n      - \"[::1]:6379:6379\"\n"),
            ("compose.yaml", "    image: redis:7\n    ports:\n      - target: 6379\n        published: 6379\n        host_ip: 127.0.0.1\n"),
            ("compose.yaml", "    image: rabbitmq:3-management\n    ports:\n      - 15672:15672\n"),
            ("compose.yaml", "    image: redis:7\n    expose:\n      - 6379\n"),
            ("docker-compose.dev.yml", "    image: redis:7\n    ports:\n      - 6379:6379\n"),
        ] {
            assert_silent(&RULE, &[(name, &compose(service))]);
        }
    }

    #[test]
    fn the_fix_binds_the_loopback() {
        let d = raw(&[(
            "compose.yaml",
            &compose("    image: redis:7\n    ports:\n      - \"6379:6379\"\n"),
        )]);
        let fix = d[0].fix.as_ref().expect("a fix");
        assert!(!fix.safe);
        assert_eq!(fix.edits[0].replacement, "127.0.0.1:");
        assert_eq!(fix.edits[0].span.range.len(), 0);
        // Not through a variable.
        let d = raw(&[(
            "compose.yaml",
            &compose("    image: redis:7\n    ports:\n      - \"${REDIS_PORT:-6379}:6379\"\n"),
        )]);
        assert!(d[0].fix.is_none());
    }

    /// Found by review.
    #[test]
    fn public_addresses_extended_ports_and_fixes_left_out() {
        // A public address is reported, a private one is not.
        assert_fires(
            &RULE,
            &[(
                "compose.yaml",
                &compose("    image: redis:7\n    ports:\n      - 192.0.2.10:6379:6379\n"),
            )],
        );
        assert_silent(
            &RULE,
            &[(
                "compose.yaml",
                &compose("    image: redis:7\n    ports:\n      - 10.0.0.5:6379:6379\n"),
            )],
        );
        // One entry two services share: both named.
        let d = assert_fires(
            &RULE,
            &[(
                "compose.yaml",
                "services:\n  db:\n    image: redis:7\n    ports:\n      - 6379:6379\n  db2:\n    extends: db\n",
            )],
        );
        assert_eq!(d.len(), 1);
        assert!(d[0].message.contains("`db` and `db2`"), "{}", d[0].message);
        // No fix where `127.0.0.1:` in front would be wrong.
        for entry in ["\":6379:6379\"", "\"6379\"", "0.0.0.0:6379:6379"] {
            let d = raw(&[(
                "compose.yaml",
                &compose(&format!(
                    "    image: redis:7\n    ports:\n      - {entry}\n"
                )),
            )]);
            assert!(d[0].fix.is_none(), "{entry}");
        }
    }
}
