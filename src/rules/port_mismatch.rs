//! `port-mismatch`: the port the app listens on, the port its healthcheck
//! probes, the image's EXPOSE and the container side of compose `ports:`
//! disagree.

use crate::facts::commands::{expand, healthcheck_command, run_command, servers, Arg};
use crate::facts::known::{is_loopback, split_host_port, url_hosts, HostRef, MAX_HOSTS};
use crate::rules::flow::{active_services, find_in};
use crate::rules::{Context, Diagnostic, Rule, RuleMeta, Severity};
use crate::source::{Span, TextRange};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        name: "port-mismatch",
        severity: Severity::Error,
        summary: "The app's listen port (--port, --bind, runserver), its healthcheck URL's port, EXPOSE and the container side of compose `ports:` disagree.",
        doc: include_str!("../../rules/port-mismatch.md"),
    },
    check,
};

/// A port and where it is written (`None`: a default).
#[derive(Debug, Clone)]
struct Port {
    number: String,
    span: Option<Span>,
}

/// `http://localhost:8000/x`, `127.0.0.1:9000`, `http://localhost/` (80) in
/// a healthcheck word: the local ports it probes.
fn probed_ports(arg: &Arg) -> Vec<(Port, Span)> {
    let text = &arg.text;
    let exact = arg.span.range.len() == text.len();
    let at = |from: usize, to: usize| {
        if exact {
            Span::new(
                arg.span.file,
                TextRange::new(arg.span.range.start + from, arg.span.range.start + to),
            )
        } else {
            arg.span
        }
    };
    // URLs, and bare `localhost:PORT` / `127.0.0.1:PORT` (`nc -z localhost:8000`).
    let mut hosts = url_hosts(text);
    for bare in ["localhost:", "127.0.0.1:"] {
        for (i, _) in text.match_indices(bare).take(MAX_HOSTS) {
            if !hosts.iter().any(|h| h.at == i) {
                let end = text[i..]
                    .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '.' | ':')))
                    .map_or(text.len(), |e| i + e);
                let (host, port) = split_host_port(&text[i..end]);
                hosts.push(HostRef {
                    scheme: None,
                    host,
                    at: i,
                    port,
                });
            }
        }
    }
    hosts.sort_by_key(|h| h.at);
    let mut out = Vec::new();
    for h in hosts {
        if !(is_loopback(h.host) || h.host == "0.0.0.0") {
            continue;
        }
        // `http://localhost:/` is the scheme's default port too.
        let number = match (h.port.filter(|p| !p.is_empty()), h.scheme.as_deref()) {
            (Some(p), _) => Port {
                number: p.to_string(),
                span: Some(at(h.port_at(), h.port_at() + p.len())),
            },
            (None, Some("http")) => Port {
                number: "80".into(),
                span: None,
            },
            (None, Some("https")) => Port {
                number: "443".into(),
                span: None,
            },
            _ => continue,
        };
        let end = h.at + h.host.len() + h.port.map_or(0, |p| p.len() + 1);
        out.push((number, at(h.at, end)));
    }
    out
}

fn bare(port: &str) -> &str {
    port.split('/').next().unwrap_or(port)
}

fn check(ctx: &Context) -> Vec<Diagnostic> {
    let ws = ctx.ws;
    let mut out = Vec::new();
    for (_, service) in active_services(ws) {
        if service.host_network() {
            continue;
        }
        let env = &service.container_env;
        // 1. Where the app listens.
        let listen = run_command(ws, service).and_then(|cmd| {
            servers(&cmd).into_iter().find_map(|s| {
                let (value, span) = match (&s.port.span, s.port_env.and_then(|k| env.get(k))) {
                    (Some(span), _) => (s.port.value.clone(), Some(*span)),
                    (None, Some(v)) => (v.winner.value.clone()?, v.winner.value_span),
                    (None, None) if s.config_file => return None,
                    (None, None) => (s.port.value.clone(), None),
                };
                let number = expand(&value, env)?;
                number
                    .bytes()
                    .all(|b| b.is_ascii_digit())
                    .then_some((Port { number, span }, s))
            })
        });
        // 2. What the image exposes, what compose publishes.
        let exposed: Vec<Port> = service
            .image_facts
            .iter()
            .flat_map(|f| f.expose.iter())
            .map(|e| Port {
                number: bare(&e.value).to_string(),
                span: Some(e.span),
            })
            .chain(service.expose.iter().map(|e| Port {
                number: bare(&e.text).to_string(),
                span: Some(e.span),
            }))
            .filter(|p| p.number.bytes().all(|b| b.is_ascii_digit()))
            .collect();
        let targets: Vec<Port> = service
            .ports
            .iter()
            .filter_map(|p| {
                let t = bare(p.target.as_deref()?).to_string();
                if t.is_empty() || !t.bytes().all(|b| b.is_ascii_digit()) {
                    return None;
                }
                let span = find_in(ws, p.raw.span, &t).map(|s| {
                    // The container side is the last occurrence.
                    let text = ws.sources.get(p.raw.span.file).slice(p.raw.span.range);
                    match text.rfind(&t) {
                        Some(i) => Span::new(
                            s.file,
                            TextRange::new(
                                p.raw.span.range.start + i,
                                p.raw.span.range.start + i + t.len(),
                            ),
                        ),
                        None => s,
                    }
                });
                Some(Port {
                    number: t,
                    span: Some(span.unwrap_or(p.raw.span)),
                })
            })
            .collect();
        // 3. What the healthcheck probes.
        let probes: Vec<(Port, Span)> = healthcheck_command(ws, service)
            .map(|h| {
                h.invocations
                    .iter()
                    .flat_map(|i| i.args.iter())
                    .flat_map(probed_ports)
                    .collect()
            })
            .unwrap_or_default();

        let name = &service.name;
        match &listen {
            Some((lp, server)) => {
                let where_ = |d: Diagnostic| match lp.span {
                    Some(s) => d.with_label(
                        s,
                        format!("`{}` listens on {} here", server.kind, lp.number),
                    ),
                    None => d.with_label(
                        server.program,
                        format!("`{}` listens on {} by default", server.kind, lp.number),
                    ),
                };
                for (p, url) in &probes {
                    if p.number != lp.number {
                        let d = Diagnostic::new(
                            RULE.meta.name,
                            Severity::Error,
                            p.span.unwrap_or(*url),
                            format!("the healthcheck of service `{name}` probes port {}, but the app listens on {}: it never becomes healthy", p.number, lp.number),
                        )
                        .with_span_label(format!("port {}", p.number))
                        .with_help(format!("probe port {}", lp.number));
                        out.push(where_(d));
                    }
                }
                if !targets.is_empty() && !targets.iter().any(|t| t.number == lp.number) {
                    let t = &targets[0];
                    let d = Diagnostic::new(
                        RULE.meta.name,
                        Severity::Error,
                        t.span.unwrap_or(service.name_span),
                        format!("service `{name}` publishes container port {}, but the app listens on {}: nothing answers there", t.number, lp.number),
                    )
                    .with_span_label("the container side of `ports:`")
                    .with_help(format!("map to the port the app listens on: `\"HOST:{}\"`", lp.number));
                    out.push(where_(d));
                }
                if !exposed.is_empty() && !exposed.iter().any(|e| e.number == lp.number) {
                    let e = &exposed[0];
                    let d = Diagnostic::new(
                        RULE.meta.name,
                        Severity::Warning,
                        e.span.unwrap_or(service.name_span),
                        format!(
                            "service `{name}` exposes port {}, but the app listens on {}",
                            e.number, lp.number
                        ),
                    )
                    .with_span_label(format!("port {}", e.number))
                    .with_help(format!(
                        "EXPOSE / expose the port the app listens on: {}",
                        lp.number
                    ));
                    out.push(where_(d));
                }
            }
            None => {
                // No server we know: the healthcheck and `ports:` must at
                // least agree with what the image exposes.
                let known: Vec<&Port> = exposed.iter().chain(targets.iter()).collect();
                if known.is_empty() {
                    continue;
                }
                for (p, url) in &probes {
                    if !known.iter().any(|k| k.number == p.number) {
                        let mut d = Diagnostic::new(
                            RULE.meta.name,
                            Severity::Error,
                            p.span.unwrap_or(*url),
                            format!(
                                "the healthcheck of service `{name}` probes port {}, which the service neither exposes nor publishes ({})",
                                p.number,
                                known.iter().map(|k| k.number.as_str()).collect::<Vec<_>>().join(", ")
                            ),
                        )
                        .with_span_label(format!("port {}", p.number));
                        if let Some(s) = known[0].span {
                            d = d.with_label(s, format!("port {} here", known[0].number));
                        }
                        out.push(d);
                    }
                }
                if !exposed.is_empty() && service.image_facts.is_some() {
                    for t in &targets {
                        if !exposed.iter().any(|e| e.number == t.number) {
                            let mut d = Diagnostic::new(
                                RULE.meta.name,
                                Severity::Warning,
                                t.span.unwrap_or(service.name_span),
                                format!("service `{name}` publishes container port {}, but exposes only {}", t.number, exposed.iter().map(|e| e.number.as_str()).collect::<Vec<_>>().join(", ")),
                            )
                            .with_span_label("the container side of `ports:`");
                            if let Some(s) = exposed[0].span {
                                d = d.with_label(s, "exposed here");
                            }
                            out.push(d);
                        }
                    }
                }
            }
        }
    }
    out
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
}
