//! `bind-localhost`: a web server in a container listens on 127.0.0.1 —
//! written, or the server's default — so no other container, and no
//! published port, can reach it.

use crate::facts::commands::{expand, run_command, servers, Server};
use crate::facts::known::is_loopback;
use crate::facts::network::shares_loopback;
use crate::rules::flow::{active_services, group_by_key, Grouped, Part};
use crate::rules::{Context, Diagnostic, Label, Rule, RuleId, RuleMeta, Severity};
use crate::source::Span;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: RuleId::BindLocalhost,
        severity: Severity::Error,
        summary: "A server in a container (uvicorn, gunicorn, flask run, runserver...) listens on 127.0.0.1, written or by default: other containers and published ports cannot reach it.",
        doc: include_str!("../../rules/bind-localhost.md"),
        cases: &[],
    },
    check,
};

fn how_to_fix(s: &Server, port: &str) -> String {
    match s.kind {
        "gunicorn" | "hypercorn" => format!("bind every interface: `--bind 0.0.0.0:{port}`"),
        "daphne" => "bind every interface: `-b 0.0.0.0`".to_string(),
        "manage.py runserver" => format!("give the address: `runserver 0.0.0.0:{port}`"),
        _ => "listen on every interface: `--host 0.0.0.0`".to_string(),
    }
}

/// Programs that take requests from outside and pass them to a server on
/// the container's loopback: started beside it, they make a loopback bind
/// the right one (supervisord may start one from its configuration).
const FRONT_PROXIES: &[&str] = &[
    "nginx",
    "caddy",
    "httpd",
    "apache2",
    "apache2ctl",
    "apachectl",
    "haproxy",
    "envoy",
    "traefik",
    "supervisord",
];

/// A server listening on loopback, once for every service that runs it (a
/// Dockerfile several services build is one finding).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Problem {
    at: Span,
    kind: &'static str,
    host: String,
    default: bool,
    help: String,
}

fn check(ctx: &Context) -> Vec<Diagnostic> {
    let mut parts = Vec::new();
    for (_, service) in active_services(ctx.ws) {
        // On the host's network (or another container's), loopback is shared.
        if shares_loopback(service) {
            continue;
        }
        let Some(cmd) = run_command(ctx.ws, service) else {
            continue;
        };
        let proxied = cmd
            .invocations
            .iter()
            .filter_map(|i| i.program())
            .any(|(_, p)| FRONT_PROXIES.contains(&p));
        if proxied {
            continue;
        }
        let env = &service.container_env;
        for server in servers(&cmd) {
            let port = expand(&server.port.value, env).unwrap_or(server.port.value.clone());
            // Where the host comes from: the command, an environment
            // variable the server reads, or its default.
            let (host, span, default) =
                match (&server.host.span, server.host_env.and_then(|k| env.get(k))) {
                    (Some(span), _) => {
                        let Some(h) = expand(&server.host.value, env) else {
                            continue;
                        };
                        (h, *span, false)
                    }
                    (None, Some(var)) => {
                        let Some(v) = var.winner.value.clone() else {
                            continue;
                        };
                        (
                            v,
                            var.winner.value_span.unwrap_or(var.winner.key_span),
                            false,
                        )
                    }
                    (None, None) => {
                        if server.config_file {
                            continue;
                        }
                        (server.host.value.clone(), server.program, true)
                    }
                };
            if !is_loopback(&host) {
                continue;
            }
            let mut labels = Vec::new();
            if let Some(p) = service.ports.first() {
                labels.push(Label {
                    span: p.raw.span,
                    message: "this published port reaches the container's network interface, not its loopback".into(),
                });
            }
            if span != server.program && span.file != server.program.file {
                labels.push(Label {
                    span: server.program,
                    message: format!("`{}` starts here", server.kind),
                });
            }
            parts.push(Part {
                key: Problem {
                    at: span,
                    kind: server.kind,
                    host,
                    default,
                    help: how_to_fix(&server, &port),
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
    let p = &g.key;
    let how = if p.default { " by default" } else { "" };
    let mut d = Diagnostic::new(
        RULE.meta.id,
        p.at,
        format!(
            "`{}` listens on {}{how}: in {} nothing outside the container can reach it",
            p.kind, p.host, g.services
        ),
    )
    .with_span_label(if p.default {
        format!("no host given: {}", p.host)
    } else {
        "the container's own loopback".to_string()
    })
    .with_help(p.help.clone());
    d.labels.extend(g.labels);
    d
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{assert_fires, assert_silent};

    #[test]
    fn explicit_loopback_in_compose_command() {
        let compose = "services:\n  api:\n    image: python:3.12-slim\n    command: uvicorn app.main:app --host 127.0.0.1 --port 8000\n    ports: [\"8000:8000\"]\n";
        let d = assert_fires(&RULE, &[("compose.yaml", compose)]);
        assert_eq!((d[0].line, d[0].text.as_str()), (4, "127.0.0.1"));
        assert_eq!(d[0].labels[0].1, "\"8000:8000\"");
    }

    /// A host written as the default of a variable: the default's text.
    #[test]
    fn loopback_in_a_default() {
        let compose = "services:\n  api:\n    image: python:3.12-slim\n    command: uvicorn app.main:app --host ${HOST:-127.0.0.1} --port 8000\n";
        let d = assert_fires(&RULE, &[("compose.yaml", compose)]);
        let line = "    command: uvicorn app.main:app --host ${HOST:-127.0.0.1} --port 8000";
        assert_eq!(
            (d[0].line, d[0].column, d[0].text.as_str()),
            (4, line.find("127.").unwrap() + 1, "127.0.0.1")
        );
        // Inside a word that also holds a variable: `--host=…`, `-b host:port`.
        for command in [
            "uvicorn app.main:app --host=${HOST:-127.0.0.1} --port 8000",
            "gunicorn -b 127.0.0.1:${PORT:-8000} app:app",
            "[\"gunicorn\", \"--bind=127.0.0.1:${PORT:-8000}\", \"app:app\"]",
        ] {
            let compose =
                format!("services:\n  api:\n    image: python:3.12-slim\n    command: {command}\n");
            let d = assert_fires(&RULE, &[("compose.yaml", &compose)]);
            let line = format!("    command: {command}");
            assert_eq!(
                (d[0].line, d[0].column, d[0].text.as_str()),
                (4, line.find("127.").unwrap() + 1, "127.0.0.1"),
                "{command}"
            );
        }
    }

    #[test]
    fn default_host_of_uvicorn_in_the_image() {
        let df = "FROM python:3.12-slim\nUSER 1000\nCMD [\"uvicorn\", \"app.main:app\", \"--port\", \"8000\"]\n";
        let compose = "services:\n  api:\n    build: .\n";
        let d = assert_fires(&RULE, &[("compose.yaml", compose), ("Dockerfile", df)]);
        assert_eq!(
            (d[0].file.as_str(), d[0].text.as_str()),
            ("Dockerfile", "uvicorn")
        );
        assert!(d[0].message.contains("by default"));
    }

    #[test]
    fn every_interface_env_override_host_network_gunicorn_default() {
        for command in [
            "uvicorn app:app --host 0.0.0.0",
            "gunicorn -b 0.0.0.0:8000 app:app",
            "gunicorn app:app",
            "python manage.py runserver 0.0.0.0:8000",
            "sh -c \"alembic upgrade head && uvicorn app:app --host=0.0.0.0\"",
            "fastapi run app/main.py",
        ] {
            let compose =
                format!("services:\n  api:\n    image: python:3.12-slim\n    command: {command}\n");
            assert_silent(&RULE, &[("compose.yaml", &compose)]);
        }
        let compose = "services:\n  api:\n    image: python:3.12-slim\n    command: flask run\n    environment:\n      FLASK_RUN_HOST: 0.0.0.0\n";
        assert_silent(&RULE, &[("compose.yaml", compose)]);
        let compose = "services:\n  api:\n    image: python:3.12-slim\n    network_mode: host\n    command: uvicorn app:app\n";
        assert_silent(&RULE, &[("compose.yaml", compose)]);
    }

    #[test]
    fn host_from_a_variable() {
        let compose = "services:\n  api:\n    image: python:3.12-slim\n    command: [\"sh\", \"-c\", \"uvicorn app:app --host $$HOST\"]\n    environment:\n      HOST: 127.0.0.1\n";
        let d = assert_fires(&RULE, &[("compose.yaml", compose)]);
        assert_eq!(d[0].line, 4);
        let compose = "services:\n  api:\n    image: python:3.12-slim\n    command: flask run\n    environment:\n      FLASK_RUN_HOST: 127.0.0.1\n";
        let d = assert_fires(&RULE, &[("compose.yaml", compose)]);
        assert_eq!((d[0].line, d[0].text.as_str()), (6, "127.0.0.1"));
    }

    #[test]
    fn django_runserver_without_address() {
        let compose = "services:\n  web:\n    image: python:3.12-slim\n    command: python manage.py runserver\n";
        let d = assert_fires(&RULE, &[("compose.yaml", compose)]);
        assert_eq!(d[0].text, "python");
    }

    /// A server behind a proxy the same command starts listens on loopback
    /// on purpose: the proxy takes the outside requests.
    #[test]
    fn behind_a_proxy_in_the_same_container() {
        let compose = "services:\n  app:\n    image: python:3.12-slim\n    command: sh -c \"gunicorn -b 127.0.0.1:8000 app:app & nginx -g 'daemon off;'\"\n    ports: [\"80:80\"]\n";
        assert_silent(&RULE, &[("compose.yaml", compose)]);
    }

    /// One Dockerfile two services build is one finding naming both.
    #[test]
    fn one_finding_for_a_shared_image() {
        let df = "FROM python:3.12-slim\nCMD [\"uvicorn\", \"app:app\"]\n";
        let compose = "services:\n  api:\n    build: .\n  admin:\n    build: .\n";
        let d = assert_fires(&RULE, &[("compose.yaml", compose), ("Dockerfile", df)]);
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(d[0].message, "`uvicorn` listens on 127.0.0.1 by default: in services `api` and `admin` nothing outside the container can reach it");
    }

    /// A host brought by a variable is pointed at where the command names
    /// it (`${HOST}`), never at the bytes its value's length happens to
    /// cover; a quoted word at its text, whichever option reads it.
    #[test]
    fn a_host_from_a_variable_or_between_quotes() {
        for (command, text) in [
            (
                "[\"gunicorn\", \"-b\", \"${HOST}:8000\", \"app:app\"]",
                "${HOST}",
            ),
            (
                "[\"gunicorn\", \"--bind=${HOST}:8000\", \"app:app\"]",
                "${HOST}",
            ),
            ("gunicorn -b ${HOST}:8000 app:app", "${HOST}"),
            (
                "uvicorn app:app --host \"127.0.0.1\" --port 8000",
                "127.0.0.1",
            ),
            ("gunicorn -b '127.0.0.1:8000' app:app", "127.0.0.1"),
        ] {
            let compose =
                format!("services:\n  api:\n    image: python:3.12-slim\n    command: {command}\n");
            let d = assert_fires(
                &RULE,
                &[("compose.yaml", &compose), (".env", "HOST=127.0.0.1\n")],
            );
            assert_eq!(d[0].text, text, "{command}");
        }
    }
}
