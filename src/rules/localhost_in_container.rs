//! `localhost-in-container`: a URL or host a service receives points at the
//! container itself (localhost, 127.0.0.1, ::1) instead of another service.

use crate::facts::known::*;
use crate::facts::server::ServerKind;
use crate::model::types::*;
use crate::rules::flow::{active_services, merge_same_span, trace, Piece};
use crate::rules::{Context, Diagnostic, Rule, RuleMeta, Severity};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        name: "localhost-in-container",
        severity: Severity::Error,
        summary: "A database, cache or API address a container receives points at localhost, which inside a container is the container itself.",
        doc: include_str!("../../rules/localhost-in-container.md"),
    },
    check,
};

/// Every loopback host in `value` (`localhost`, `127.0.0.1`, `[::1]`): in
/// its URLs, or the value itself when the key names a host.
fn find_loopback<'a>(key: &str, value: &'a str) -> Vec<HostRef<'a>> {
    let mut found = hosts_in(key, value);
    found.retain(|h| is_loopback(h.host));
    found
}

/// The port a finding targets: written, or the scheme's default.
fn target_port(f: &HostRef) -> Option<String> {
    f.port.map(str::to_string).or_else(|| {
        let s = f.scheme.as_deref()?;
        SERVER_SCHEMES
            .iter()
            .find(|(n, _)| *n == s)
            .map(|(_, p)| p.to_string())
    })
}

/// Is this finding a connection to a server (not a browser-facing URL)?
fn is_server_target(key: &str, f: &HostRef, project: &Project) -> bool {
    if is_browser_facing(key) {
        return false;
    }
    match f.scheme.as_deref() {
        None => true,
        Some(s) if SERVER_SCHEMES.iter().any(|(n, _)| *n == s) => true,
        // http(s) and others: only when another service listens on that port.
        Some(_) => target_port(f)
            .is_some_and(|p| project.active_services().any(|s| service_listens_on(s, &p))),
    }
}

/// The service that most likely provides what the finding points at.
fn provider<'a>(project: &'a Project, me: &Service, f: &HostRef) -> Option<&'a Service> {
    let port = target_port(f)?;
    project
        .active_services()
        .filter(|s| s.name != me.name)
        .find(|s| service_listens_on(s, &port))
}

fn check(ctx: &Context) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for (project, service) in active_services(ctx.ws) {
        // On the host's network, or in another container's, localhost is right.
        if let Some(mode) = &service.network_mode {
            if mode.text == "host"
                || mode.text.starts_with("service:")
                || mode.text.starts_with("container:")
            {
                continue;
            }
        }
        for (key, var) in &service.container_env.vars {
            let d = &var.winner;
            let Some(value) = &d.value else { continue };
            for f in find_loopback(key, value) {
                if !is_server_target(key, &f, project) {
                    continue;
                }
                let provider = provider(project, service, &f);
                // A service pointing at its own port talks to itself: fine.
                if let Some(p) = target_port(&f) {
                    if service_listens_on(service, &p) && provider.is_none() {
                        continue;
                    }
                }
                let t = trace(
                    ctx.ws,
                    service,
                    d,
                    Piece::at(value, f.at, f.at + f.host.len()),
                );
                let what = match (&f.scheme, &f.port) {
                    (Some(s), _) => format!("a {s}:// address"),
                    (None, _) => "a host".to_string(),
                };
                let mut message = format!(
                    "service `{}` receives {what} on {} in {key}: inside a container, {} is the container itself",
                    service.name, f.host, f.host
                );
                let help = match provider {
                    Some(p) => {
                        let kind = target_port(&f)
                            .and_then(|port| port.parse().ok())
                            .and_then(ServerKind::of_port)
                            .map(|k| format!("{} ", k.display()))
                            .unwrap_or_default();
                        message.push_str(&format!("; the {kind}server is most likely service `{}`", p.name));
                        format!(
                            "use the service name as host: replace `{}` with `{}`",
                            f.host, p.name
                        )
                    }
                    None => format!(
                        "use the name of the compose service that runs this server instead of `{}` (or `host.docker.internal` for a server on the host)",
                        f.host
                    ),
                };
                let mut diag = Diagnostic::new(RULE.meta.name, Severity::Error, t.primary, message)
                    .with_span_label("the container itself, not another service")
                    .with_help(help);
                diag.labels.extend(t.labels);
                if let Some(p) = provider {
                    diag =
                        diag.with_label(p.name_span, format!("service `{}` listens here", p.name));
                }
                out.push(diag);
            }
        }
    }
    merge_same_span(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{assert_fires, assert_silent};

    const DB: &str = "  db:\n    image: postgres:16\n";

    #[test]
    fn finds_loopback_hosts() {
        assert_eq!(
            find_loopback("X", "postgresql://u:p@localhost:5432/db").len(),
            1
        );
        assert_eq!(
            find_loopback("X", "redis://127.0.0.1/0")[0].host,
            "127.0.0.1"
        );
        assert_eq!(find_loopback("X", "http://[::1]:80/")[0].host, "[::1]");
        assert!(find_loopback("X", "postgresql://u:p@db:5432/db").is_empty());
        assert_eq!(find_loopback("DB_HOST", "localhost").len(), 1);
        assert_eq!(
            find_loopback("DB_HOST", "localhost:5432")[0].port,
            Some("5432")
        );
        assert!(find_loopback("GREETING", "localhost").is_empty());
        assert!(find_loopback("X", "postgresql://localhostdb/x").is_empty());
    }

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
}
