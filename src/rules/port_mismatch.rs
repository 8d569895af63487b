//! `port-mismatch`: the port the app listens on, the port its healthcheck
//! probes, the image's EXPOSE and the container side of compose `ports:`
//! disagree.

use crate::facts::commands::{expand, healthcheck_command, run_command, servers, CommandSource};
use crate::facts::known::local_addresses;
use crate::facts::network::NetworkMode;
use crate::facts::ports::{exposed_ports, is_debugger_port, published_ports, Exposed, Published};
use crate::model::types::Service;
use crate::model::workspace::Workspace;
use crate::rules::flow::{active_services, group_by_key, Grouped, Part};
use crate::rules::{Context, Diagnostic, Label, Rule, RuleId, RuleMeta, Severity, SeverityCase};
use crate::source::Span;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: RuleId::PortMismatch,
        severity: Severity::Error,
        summary: "The app's listen port (--port, --bind, runserver), its healthcheck URL's port, EXPOSE and the container side of compose `ports:` disagree.",
        doc: include_str!("../../rules/port-mismatch.md"),
            cases: &[SeverityCase {
            key: "exposed",
            severity: Severity::Warning,
            when: "EXPOSE or `expose:` disagrees (documentation of the image, which publishes nothing)",
        }],
    },
    check,
};

/// A local port a healthcheck probes: the number, where the port is
/// written (`None`: the scheme's default), and the address it is part of.
#[derive(Debug, Clone)]
struct Probe {
    port: u16,
    span: Option<Span>,
    address: Span,
}

impl Probe {
    fn at(&self) -> Span {
        self.span.unwrap_or(self.address)
    }
}

/// `http://localhost:8000/x`, `127.0.0.1:9000`, `http://localhost/` (80) in
/// the service's healthcheck: the local ports it probes.
fn probes(ws: &Workspace, service: &Service) -> Vec<Probe> {
    let Some(h) = healthcheck_command(ws, service) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for arg in h.invocations.iter().flat_map(|i| i.args.iter()) {
        let at = |from: usize, to: usize| arg.span_of(from..to);
        for h in local_addresses(&arg.text) {
            // `http://localhost:/` is the scheme's default port too.
            let written = h.port.filter(|p| !p.is_empty());
            let Some(port) = h.port_number() else {
                continue;
            };
            let end = h.at + h.host.len() + h.port.map_or(0, |p| p.len() + 1);
            out.push(Probe {
                port,
                span: written.map(|p| at(h.port_at(), h.port_at() + p.len())),
                address: at(h.at, end),
            });
        }
    }
    out
}

/// What disagrees, once for every service it concerns (several services
/// built from one Dockerfile, or sharing a YAML anchor, are one finding).
#[derive(Debug, Clone, PartialEq, Eq)]
enum Problem {
    /// The healthcheck probes another port than the app's.
    ProbeNotListen { at: Span, probed: u16, listen: u16 },
    /// `ports:` publishes no container port the app listens on.
    PublishedNotListen { at: Span, target: u16, listen: u16 },
    /// EXPOSE / `expose:` lists no port the app listens on.
    ExposedNotListen { at: Span, exposed: u16, listen: u16 },
    /// The app's port is unknown; the healthcheck probes the host side of a
    /// `ports:` mapping, which is not a port inside the container.
    ProbeHostSide { at: Span, probed: u16, target: u16 },
    /// The app's port is unknown; `ports:` publishes no port the service
    /// exposes.
    PublishedNotExposed {
        at: Span,
        target: u16,
        exposed: Vec<u16>,
    },
}

fn check(ctx: &Context) -> Vec<Diagnostic> {
    let ws = ctx.ws;
    let mut parts = Vec::new();
    for (_, service) in active_services(ws) {
        if NetworkMode::of(service) == Some(NetworkMode::Host) {
            continue;
        }
        for (key, labels) in judge(ws, service) {
            parts.push(Part {
                key,
                service: service.name.clone(),
                detail: String::new(),
                labels,
            });
        }
    }
    group_by_key(parts).into_iter().map(diagnostic).collect()
}

/// What disagrees in one service, with its labels.
fn judge(ws: &Workspace, service: &Service) -> Vec<(Problem, Vec<Label>)> {
    let env = &service.container_env;
    let cmd = run_command(ws, service);
    let mut out = Vec::new();
    // 1. Where the app listens.
    let listen = cmd.as_ref().and_then(|cmd| {
        servers(cmd).into_iter().find_map(|s| {
            let (value, span) = match (&s.port.span, s.port_env.and_then(|k| env.get(k))) {
                (Some(span), _) => (s.port.value.clone(), Some(*span)),
                (None, Some(v)) => (v.winner.value.clone()?, v.winner.value_span),
                (None, None) if s.config_file => return None,
                (None, None) => (s.port.value.clone(), None),
            };
            let port: u16 = expand(&value, env)?.parse().ok()?;
            let label = match span {
                Some(at) => Label {
                    span: at,
                    message: format!("`{}` listens on {port} here", s.kind),
                },
                None => Label {
                    span: s.program,
                    message: format!("`{}` listens on {port} by default", s.kind),
                },
            };
            Some((port, label))
        })
    });
    // 2. What the service declares and publishes, debuggers aside. The
    // image's EXPOSE documents the image's own command: not one compose
    // replaces.
    let debugger = |p: u16| is_debugger_port(p, cmd.as_ref());
    let compose_command = cmd
        .as_ref()
        .is_some_and(|c| c.source == CommandSource::Compose);
    let exposed: Vec<Exposed> = exposed_ports(service)
        .into_iter()
        .filter(|e| !(e.from_image && compose_command))
        .filter(|e| e.port.single().is_some_and(|p| !debugger(p)))
        .collect();
    let published: Vec<Published> = published_ports(service)
        .into_iter()
        .filter(|p| !p.udp && p.target.single().is_some_and(|t| !debugger(t)))
        .collect();
    let port = |r: crate::facts::ports::PortRange| r.single().unwrap_or(r.start);
    // 3. What the healthcheck probes.
    let probes = probes(ws, service);

    match listen {
        Some((listen, where_)) => {
            for p in probes.iter().filter(|p| p.port != listen) {
                out.push((
                    Problem::ProbeNotListen {
                        at: p.at(),
                        probed: p.port,
                        listen,
                    },
                    vec![where_.clone()],
                ));
            }
            if let Some(first) = published.first() {
                if !published.iter().any(|p| p.target.contains(listen)) {
                    out.push((
                        Problem::PublishedNotListen {
                            at: first.target_span,
                            target: port(first.target),
                            listen,
                        },
                        vec![where_.clone()],
                    ));
                }
            }
            if let Some(first) = exposed.first() {
                if !exposed.iter().any(|e| e.port.contains(listen)) {
                    out.push((
                        Problem::ExposedNotListen {
                            at: first.span,
                            exposed: port(first.port),
                            listen,
                        },
                        vec![where_],
                    ));
                }
            }
        }
        None => {
            // The app's port is not known: the container may listen on
            // ports it neither exposes nor publishes (an admin or metrics
            // port). A probe of the host side of a mapping is wrong anyway:
            // inside the container, that port is the other side.
            for p in &probes {
                let inside = |x: &Published| x.target.contains(p.port);
                let host_side = published
                    .iter()
                    .find(|x| x.published.is_some_and(|h| h.contains(p.port)) && !inside(x));
                if let Some(m) = host_side {
                    if !published.iter().any(inside)
                        && !exposed.iter().any(|e| e.port.contains(p.port))
                    {
                        out.push((
                            Problem::ProbeHostSide {
                                at: p.at(),
                                probed: p.port,
                                target: port(m.target),
                            },
                            vec![Label {
                                span: m.span,
                                message: format!(
                                    "{} is the host's side; the container's is {}",
                                    p.port,
                                    port(m.target)
                                ),
                            }],
                        ));
                    }
                }
            }
            // An image built here (whose ports the project knows) that
            // exposes ports, and none of them is published: one exposed port
            // published is enough (a debugger or metrics port may sit beside
            // it). A pulled image's `expose:` lists what other containers
            // use, rarely all it listens on.
            if let Some(first) = published.first() {
                if service.image_facts.is_some()
                    && !exposed.is_empty()
                    && !published
                        .iter()
                        .any(|p| exposed.iter().any(|e| e.port.contains(port(p.target))))
                {
                    out.push((
                        Problem::PublishedNotExposed {
                            at: first.target_span,
                            target: port(first.target),
                            exposed: exposed.iter().map(|e| port(e.port)).collect(),
                        },
                        vec![Label {
                            span: exposed[0].span,
                            message: "exposed here".into(),
                        }],
                    ));
                }
            }
        }
    }
    out
}

fn diagnostic(g: Grouped<Problem>) -> Diagnostic {
    let s = &g.services;
    let mut d = match &g.key {
        Problem::ProbeNotListen { at, probed, listen } => Diagnostic::new(RULE.meta.id, *at,
            format!("the healthcheck of {s} probes port {probed}, but the app listens on {listen}: it never becomes healthy"),
        )
        .with_span_label(format!("port {probed}"))
        .with_help(format!("probe port {listen}")),
        Problem::PublishedNotListen { at, target, listen } => Diagnostic::new(RULE.meta.id, *at,
            format!("{s} {} container port {target}, but the app listens on {listen}: nothing answers there", s.verb("publishes", "publish")),
        )
        .with_span_label("the container side of `ports:`")
        .with_help(format!("map to the port the app listens on: `\"HOST:{listen}\"`")),
        Problem::ExposedNotListen { at, exposed, listen } => Diagnostic::new(RULE.meta.id, *at,
            format!("{s} {} port {exposed}, but the app listens on {listen}", s.verb("exposes", "expose")),
        )
.with_case("exposed")
        .with_span_label(format!("port {exposed}"))
        .with_help(format!("EXPOSE / expose the port the app listens on: {listen}")),
        Problem::ProbeHostSide { at, probed, target } => Diagnostic::new(RULE.meta.id, *at,
            format!("the healthcheck of {s} probes port {probed}, the host's side of a `ports:` mapping: inside the container the port is {target}"),
        )
        .with_span_label(format!("port {probed}"))
        .with_help(format!("probe port {target}: the healthcheck runs inside the container")),
        Problem::PublishedNotExposed { at, target, exposed } => Diagnostic::new(RULE.meta.id, *at,
            format!(
                "{s} {} container port {target}, but {} only {}",
                s.verb("publishes", "publish"),
                s.verb("exposes", "expose"),
                exposed.iter().map(u16::to_string).collect::<Vec<_>>().join(", ")
            ),
        )
.with_case("exposed")
        .with_span_label("the container side of `ports:`"),
    };
    d.labels.extend(g.labels);
    d
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{assert_fires, assert_silent};

    #[test]
    fn healthcheck_on_another_port() {
        let df = "FROM python:3.12-slim\nUSER 1000\nEXPOSE 9000\nHEALTHCHECK CMD curl -f http://localhost:8000/health || exit 1\nCMD [\"uvicorn\", \"app:app\", \"--host\", \"0.0.0.0\", \"--port\", \"9000\"]\n";
        let compose = "services:\n  app:\n    build: .\n";
        let d = assert_fires(&RULE, &[("compose.yaml", compose), ("Dockerfile", df)]);
        assert_eq!(d.len(), 1);
        assert_eq!((d[0].line, d[0].text.as_str()), (4, "8000"));
        assert_eq!(d[0].labels[0].1, "9000");
    }

    #[test]
    fn published_port_and_default_listen_port() {
        let compose = "services:\n  api:\n    image: python:3.12-slim\n    command: uvicorn app:app --host 0.0.0.0\n    ports:\n      - \"80:80\"\n";
        let d = assert_fires(&RULE, &[("compose.yaml", compose)]);
        assert_eq!((d[0].line, d[0].text.as_str()), (6, "80"));
        assert_eq!(d[0].labels[0].1, "uvicorn");
        assert!(d[0].message.contains("listens on 8000"));
    }

    #[test]
    fn the_seed_agrees() {
        let df = "FROM python:3.12-slim\nUSER 1000\nEXPOSE 9000\nHEALTHCHECK CMD curl -f http://localhost:9000/api/v1/health || exit 1\nCMD [\"uvicorn\", \"app.main:app\", \"--host\", \"0.0.0.0\", \"--port\", \"9000\"]\n";
        let compose = "services:\n  app:\n    build: .\n    expose: [\"9000\"]\n    ports: [\"127.0.0.1:8080:9000\"]\n  nginx:\n    image: nginx:1.27-alpine\n    ports: [\"80:80\"]\n    healthcheck:\n      test: [\"CMD\", \"wget\", \"-qO-\", \"http://localhost/health\"]\n";
        assert_silent(&RULE, &[("compose.yaml", compose), ("Dockerfile", df)]);
    }

    #[test]
    fn port_from_the_environment() {
        let compose = "services:\n  api:\n    image: python:3.12-slim\n    command: [\"sh\", \"-c\", \"gunicorn -b 0.0.0.0:$$PORT app:app\"]\n    environment:\n      PORT: \"8000\"\n    healthcheck:\n      test: [\"CMD-SHELL\", \"curl -f http://127.0.0.1:8080/ || exit 1\"]\n";
        let d = assert_fires(&RULE, &[("compose.yaml", compose)]);
        assert_eq!((d[0].line, d[0].text.as_str()), (8, "8080"));
    }

    #[test]
    fn unknown_server_healthcheck_against_ports() {
        let compose = "services:\n  web:\n    image: nginx:1.27\n    ports: [\"8080:80\"]\n    healthcheck:\n      test: [\"CMD\", \"wget\", \"-qO-\", \"http://localhost:8080/\"]\n";
        let d = assert_fires(&RULE, &[("compose.yaml", compose)]);
        assert_eq!(d[0].text, "8080");
        assert_eq!(d[0].line, 6);
    }

    /// When the app's port is not known, the container may listen on ports
    /// it neither exposes nor publishes (ZooKeeper's admin server on 8080).
    #[test]
    fn unknown_app_port_healthcheck_is_not_compared() {
        let compose = "services:\n  zookeeper:\n    image: zookeeper:3.9\n    ports: [\"127.0.0.1:2181:2181\"]\n    expose: [\"2181\"]\n    healthcheck:\n      test: [\"CMD-SHELL\", \"curl -s http://localhost:8080/commands/ruok\"]\n";
        assert_silent(&RULE, &[("compose.yaml", compose)]);
        // The host side of a mapping is no port inside the container.
        let compose = "services:\n  web:\n    image: nginx:1.27\n    ports: [\"8080:80\"]\n    healthcheck:\n      test: [\"CMD\", \"wget\", \"-qO-\", \"http://localhost:8080/\"]\n";
        let d = assert_fires(&RULE, &[("compose.yaml", compose)]);
        assert_eq!(
            d[0].help.as_deref(),
            Some("probe port 80: the healthcheck runs inside the container")
        );
    }

    /// Debugger ports (debugpy, the Node.js inspector, JDWP, Delve...) are
    /// exempt: the default ones, and those a debugger in the command
    /// listens on.
    #[test]
    fn debugger_ports_are_exempt() {
        let compose = "services:\n  api:\n    image: python:3.12-slim\n    command: uvicorn app:app --host 0.0.0.0 --port 8000\n    expose: [\"8000\", \"5678\"]\n    ports: [\"5678:5678\"]\n";
        assert_silent(&RULE, &[("compose.yaml", compose)]);
        let df = "FROM python:3.12-slim\nEXPOSE 8080\n";
        let compose = "services:\n  app:\n    build: .\n    command: sh -c \"python -m debugpy --listen 0.0.0.0:6899 -m app\"\n    ports: [\"6899:6899\"]\n";
        assert_silent(&RULE, &[("compose.yaml", compose), ("Dockerfile", df)]);
    }

    /// The image's EXPOSE documents the image's own command, not the one
    /// compose runs instead.
    #[test]
    fn expose_is_the_images_own_commands() {
        let df = "FROM python:3.12-slim\nEXPOSE 5000\nCMD [\"python\", \"app.py\"]\n";
        let compose = "services:\n  app:\n    build: .\n    command: gunicorn -b 0.0.0.0:8000 app:app\n    ports: [\"8000:8000\"]\n";
        assert_silent(&RULE, &[("compose.yaml", compose), ("Dockerfile", df)]);
        // The image's own command that disagrees with its EXPOSE is reported.
        let df = "FROM python:3.12-slim\nEXPOSE 5000\nCMD [\"gunicorn\", \"-b\", \"0.0.0.0:8000\", \"app:app\"]\n";
        let compose = "services:\n  app:\n    build: .\n";
        let d = assert_fires(&RULE, &[("compose.yaml", compose), ("Dockerfile", df)]);
        assert_eq!(
            d[0].message,
            "service `app` exposes port 5000, but the app listens on 8000"
        );
    }

    /// One exposed port published is enough: another port beside it (a
    /// debugger, metrics) is fine.
    #[test]
    fn one_exposed_port_published_is_enough() {
        let df = "FROM python:3.12-slim\nEXPOSE 8080\n";
        let compose = "services:\n  app:\n    build: .\n    ports: [\"8080\", \"6899\"]\n";
        assert_silent(&RULE, &[("compose.yaml", compose), ("Dockerfile", df)]);
        let compose = "services:\n  app:\n    build: .\n    ports: [\"3000:3000\"]\n    expose: [\"3306\"]\n  node:\n    image: lightning:1\n    command: [\"--grpc-port=9736\"]\n    expose: [\"9735\"]\n    ports: [\"9736:9736\"]\n";
        let d = assert_fires(
            &RULE,
            &[("compose.yaml", compose), ("Dockerfile", "FROM node:22\n")],
        );
        assert_eq!(
            d[0].message,
            "service `app` publishes container port 3000, but exposes only 3306"
        );
    }

    /// Ports are read after interpolation: `${API_PORT:-8000}:8000`.
    #[test]
    fn ports_after_interpolation() {
        let compose = "services:\n  api:\n    image: python:3.12-slim\n    command: uvicorn app:app --host 0.0.0.0 --port 8000\n    ports:\n      - \"${API_PORT:-8000}:8000\"\n      - target: 8000\n        published: 8001\n";
        assert_silent(&RULE, &[("compose.yaml", compose)]);
        let compose = "services:\n  api:\n    image: python:3.12-slim\n    command: uvicorn app:app --host 0.0.0.0 --port 8000\n    ports:\n      - \"${API_PORT:-8000}:9000\"\n";
        let d = assert_fires(&RULE, &[("compose.yaml", compose)]);
        assert_eq!((d[0].line, d[0].text.as_str()), (6, "9000"));
        // The listen port written as a default: pointed at in the command.
        let compose = "services:\n  api:\n    image: python:3.12-slim\n    command: uvicorn app:app --host 0.0.0.0 --port ${PORT:-8000}\n    ports:\n      - \"9000:9000\"\n";
        let d = assert_fires(&RULE, &[("compose.yaml", compose)]);
        assert_eq!((d[0].line, d[0].text.as_str()), (6, "9000"));
        assert_eq!(d[0].labels[0].1, "8000");
        // A probed port written as a default inside the URL.
        let compose = "services:\n  api:\n    image: python:3.12-slim\n    command: uvicorn app:app --host 0.0.0.0 --port 8000\n    healthcheck:\n      test: [\"CMD\", \"curl\", \"-f\", \"http://localhost:${PORT:-9000}/health\"]\n";
        let d = assert_fires(&RULE, &[("compose.yaml", compose)]);
        let line =
            "      test: [\"CMD\", \"curl\", \"-f\", \"http://localhost:${PORT:-9000}/health\"]";
        assert_eq!(
            (d[0].line, d[0].column, d[0].text.as_str()),
            (6, line.find("9000").unwrap() + 1, "9000")
        );
    }
}
