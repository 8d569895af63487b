//! `no-healthcheck`: a service built here has no healthcheck, or a
//! `depends_on` waits for a service to be healthy that has none.

use crate::facts::base_image::{official_name, ships};
use crate::facts::commands::{run_command, servers};
use crate::facts::image_ref::ImageRef;
use crate::facts::packages::{program_in_image, Presence};
use crate::model::types::*;
use crate::model::workspace::Workspace;
use crate::rules::flow::active_services;
use crate::rules::{Context, Diagnostic, Rule, RuleId, RuleMeta, Severity, SeverityCase};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: RuleId::NoHealthcheck,
        severity: Severity::Warning,
        summary: "A service built here has no healthcheck (image HEALTHCHECK or compose `healthcheck:`), or `condition: service_healthy` waits on a service that has none.",
        doc: include_str!("../../rules/no-healthcheck.md"),
            cases: &[SeverityCase {
            key: "waited-on",
            severity: Severity::Error,
            when: "`condition: service_healthy` waits on a service that has no healthcheck: `docker compose up` fails",
        }],
    },
    check,
};

/// Where a service's healthcheck comes from, if it has one.
enum Health {
    /// Compose's `healthcheck:` or the image's HEALTHCHECK.
    Defined,
    /// Disabled by compose (`disable: true`, `test: ["NONE"]`) or the image (`HEALTHCHECK NONE`).
    Disabled(crate::source::Span),
    None,
    /// Not built here and no compose healthcheck: the image may have one.
    Unknown,
}

fn health(s: &Service) -> Health {
    if let Some(h) = &s.healthcheck {
        if h.is_disabled() {
            return Health::Disabled(h.span);
        }
        if h.test.is_some() {
            return Health::Defined;
        }
    }
    match &s.image_facts {
        Some(f) => match &f.healthcheck {
            Some(h) if h.value.none => Health::Disabled(h.span),
            Some(_) => Health::Defined,
            None => Health::None,
        },
        None => Health::Unknown,
    }
}

/// `postgres:16` as written, without a digest.
fn image_display(image: &ImageRef) -> String {
    let mut s = match image.registry {
        Some(r) => format!("{r}/{}", image.path),
        None => image.path.to_string(),
    };
    if let Some(t) = image.tag {
        s.push(':');
        s.push_str(t);
    }
    s
}

/// The port the service most likely listens on, for the suggested healthcheck.
/// A healthcheck the service's image can run: with its runtime (Python,
/// Node.js) or an HTTP client it has (curl, busybox's wget); else the
/// server's own health command, for an image without either (distroless,
/// scratch, an image we do not know).
fn example_check(ctx: &Context, service: &Service) -> String {
    let port = listen_port(service);
    let url = format!("http://localhost:{port}/health");
    let Some(f) = &service.image_facts else {
        return "with a command the image has".into();
    };
    let base = f
        .base_image
        .as_ref()
        .map(|b| b.value.as_str())
        .unwrap_or("");
    let image = ImageRef::parse(base);
    let official = image.as_ref().and_then(official_name);
    let installed = ctx.facts().installed(f);
    let has = |program: &str| {
        matches!(
            program_in_image(ctx.ws, f, &installed, program),
            Presence::Installed(_)
        ) || image.as_ref().and_then(|i| ships(i, program)) == Some(true)
    };
    match official.as_deref() {
        Some("python" | "pypy") => format!(
            "e.g. `test: [\"CMD\", \"python\", \"-c\", \"import urllib.request; urllib.request.urlopen('{url}')\"]`"
        ),
        Some("node") => format!(
            "e.g. `test: [\"CMD\", \"node\", \"-e\", \"fetch('{url}').then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))\"]`"
        ),
        _ if has("curl") => format!("e.g. `test: [\"CMD\", \"curl\", \"-fsS\", \"{url}\"]`"),
        _ if has("wget") => format!("e.g. `test: [\"CMD\", \"wget\", \"-qO-\", \"{url}\"]`"),
        _ => "with a program the image has: the server's own health command (`test: [\"CMD\", \"/app\", \"healthcheck\"]`) where it has no shell or HTTP client".into(),
    }
}

fn listen_port(s: &Service) -> String {
    let from_image = s
        .image_facts
        .as_ref()
        .and_then(|f| f.expose.first())
        .map(|e| e.value.split('/').next().unwrap_or_default().to_string());
    from_image
        .or_else(|| s.expose.first().map(|e| e.text.clone()))
        .or_else(|| s.ports.iter().find_map(|p| p.target.clone()))
        .filter(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
        .unwrap_or_else(|| "8000".into())
}

/// Whether a service accepts connections, so that a healthcheck has
/// something to ask: it publishes or exposes a port in compose, runs its
/// image's own command and the image EXPOSEs one, runs a web server we
/// know, or another service depends on it. A worker started with another
/// command of the same image has nothing to answer.
fn serves(ws: &Workspace, project: &Project, s: &Service) -> bool {
    let own_command = s.command.is_none() && s.entrypoint.is_none();
    let exposes = !s.ports.is_empty()
        || !s.expose.is_empty()
        || (own_command && s.image_facts.as_ref().is_some_and(|f| !f.expose.is_empty()));
    let awaited = project
        .services
        .iter()
        .any(|o| o.depends_on.iter().any(|d| d.service == s.name));
    exposes || awaited || run_command(ws, s).is_some_and(|c| !servers(&c).is_empty())
}

/// Whether another service waits for this one to finish
/// (`condition: service_completed_successfully`): a job, not a server.
fn is_job(project: &Project, s: &Service) -> bool {
    project.services.iter().any(|o| {
        o.depends_on.iter().any(|d| {
            d.service == s.name
                && d.condition
                    .as_ref()
                    .is_some_and(|c| c.text == "service_completed_successfully")
        })
    })
}

fn check(ctx: &Context) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let purposes = ctx.facts().purposes();
    for (project, service) in active_services(ctx.ws) {
        // 1. Built here, serves, and no healthcheck anywhere. Not in files
        // for development, tests or CI, and not for jobs and workers.
        let judged = service.image_facts.is_some()
            && purposes.service(service).is_none()
            && serves(ctx.ws, project, service)
            && !is_job(project, service);
        if judged {
            let facts = service.image_facts.as_ref();
            let stage_label = |d: Diagnostic| match facts {
                Some(f) => {
                    let st = f.run_stage();
                    let name = st.name.clone().unwrap_or_else(|| format!("#{}", st.index));
                    d.with_label(
                        st.from_span,
                        format!("stage {name}, which the service runs, has no HEALTHCHECK"),
                    )
                }
                None => d,
            };
            match health(service) {
                Health::None => {
                    let d = Diagnostic::new(RULE.meta.id, service.name_span,
                        format!(
                            "service `{}` has no healthcheck: neither its image nor compose defines one",
                            service.name
                        ),
                    )
                    .with_span_label("Compose cannot tell when this service is ready")
                    .with_help(format!("add a `healthcheck:` to the service (or a HEALTHCHECK to the stage it runs), {}", example_check(ctx, service)));
                    out.push(stage_label(d));
                }
                Health::Disabled(span) => {
                    let d = Diagnostic::new(RULE.meta.id, span,
                        format!("service `{}` has its healthcheck disabled", service.name),
                    )
                    .with_span_label("disabled here")
                    .with_help("define a healthcheck so that Compose and orchestrators know when the service is ready");
                    out.push(d);
                }
                _ => {}
            }
        }
        // 2. Waiting for a dependency to be healthy that has no healthcheck.
        for dep in &service.depends_on {
            let healthy = dep
                .condition
                .as_ref()
                .is_some_and(|c| c.text == "service_healthy");
            if !healthy {
                continue;
            }
            let Some(target) = project.service(&dep.service) else {
                continue;
            };
            let (why, label) = match health(target) {
                Health::Defined => continue,
                Health::Disabled(span) => ("its healthcheck is disabled".to_string(), Some(span)),
                Health::None => (
                    "neither its image nor compose defines a healthcheck".to_string(),
                    None,
                ),
                // An image pulled from elsewhere may define one; the official
                // images never do.
                Health::Unknown => {
                    let official = target
                        .image
                        .as_ref()
                        .and_then(|i| ImageRef::parse(&i.text))
                        .filter(|i| official_name(i).is_some());
                    let Some(image) = official else { continue };
                    (
                        format!("it has no compose `healthcheck:`, and its image `{}` defines none (official images never do)", image_display(&image)),
                        None,
                    )
                }
            };
            let mut d = Diagnostic::new(RULE.meta.id, dep.condition.as_ref().map(|c| c.span).unwrap_or(dep.span),
                format!(
                    "service `{}` waits for `{}` to be healthy, but {why}: `docker compose up` fails",
                    service.name, dep.service
                ),
            )
.with_case("waited-on")
            .with_span_label("never satisfied")
            .with_label(target.name_span, format!("service `{}` has no healthcheck", target.name))
            .with_help(format!("add a `healthcheck:` to service `{}`", target.name));
            if let Some(span) = label {
                d = d.with_label(span, "disabled here");
            }
            out.push(d);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{assert_fires, assert_silent};

    const COMPOSE: &str = "services:\n  app:\n    build: .\n";

    #[test]
    fn built_without_healthcheck() {
        let d = assert_fires(
            &RULE,
            &[
                ("compose.yaml", COMPOSE),
                (
                    "Dockerfile",
                    "FROM python:3.12-slim\nUSER app\nEXPOSE 8000\n",
                ),
            ],
        );
        assert_eq!(d[0].text, "app");
        // The suggested healthcheck uses the port the image exposes.
        let d = assert_fires(
            &RULE,
            &[
                ("compose.yaml", COMPOSE),
                (
                    "Dockerfile",
                    "FROM python:3.12-slim
USER app
EXPOSE 9000/tcp
",
                ),
            ],
        );
        assert!(d[0]
            .help
            .as_deref()
            .unwrap_or_default()
            .contains("localhost:9000/health"));
    }

    /// The example runs what the image has: its runtime, an HTTP client
    /// it ships or installs, else the server's own command (a distroless
    /// image has no Python to run urllib with).
    #[test]
    fn the_example_runs_what_the_image_has() {
        let help = |df: &str| {
            let d = assert_fires(&RULE, &[("compose.yaml", COMPOSE), ("Dockerfile", df)]);
            d[0].help.clone().unwrap_or_default()
        };
        assert!(help("FROM python:3.12-slim\nUSER app\nEXPOSE 8000\n").contains("urllib"));
        assert!(help("FROM node:22-alpine\nUSER node\nEXPOSE 3000\n")
            .contains("fetch('http://localhost:3000/health')"));
        assert!(help("FROM alpine:3.20\nUSER app\nEXPOSE 80\n").contains("\"wget\""));
        assert!(help(
            "FROM debian:12\nRUN apt-get update && apt-get install -y curl\nUSER app\nEXPOSE 80\n"
        )
        .contains("\"curl\""));
        let h = help("FROM gcr.io/distroless/static-debian12:nonroot\nUSER nonroot\nEXPOSE 8080\n");
        assert!(
            h.contains("own health command") && !h.contains("python"),
            "{h}"
        );
    }

    #[test]
    fn healthcheck_inherited_or_in_compose() {
        let df = "FROM python:3.12-slim AS base\nHEALTHCHECK CMD python -c 'print(1)'\nFROM base\nUSER app\n";
        assert_silent(&RULE, &[("compose.yaml", COMPOSE), ("Dockerfile", df)]);
        let compose =
            "services:\n  app:\n    build: .\n    healthcheck:\n      test: [\"CMD\", \"true\"]\n";
        assert_silent(
            &RULE,
            &[
                ("compose.yaml", compose),
                ("Dockerfile", "FROM alpine:3.20\n"),
            ],
        );
    }

    #[test]
    fn healthcheck_none_and_disable() {
        let df =
            "FROM python:3.12-slim AS base\nHEALTHCHECK CMD true\nEXPOSE 80\nFROM base\nHEALTHCHECK NONE\n";
        let d = assert_fires(&RULE, &[("compose.yaml", COMPOSE), ("Dockerfile", df)]);
        assert_eq!(d[0].text, "HEALTHCHECK NONE");
        let compose = "services:\n  app:\n    build: .\n    healthcheck:\n      disable: true\n";
        assert_fires(
            &RULE,
            &[
                ("compose.yaml", compose),
                (
                    "Dockerfile",
                    "FROM alpine:3.20\nHEALTHCHECK CMD true\nEXPOSE 80\n",
                ),
            ],
        );
    }

    #[test]
    fn service_healthy_on_dependency_without_healthcheck() {
        let compose = "services:\n  app:\n    image: x\n    depends_on:\n      db:\n        condition: service_healthy\n  db:\n    image: postgres:16\n";
        let d = assert_fires(&RULE, &[("compose.yaml", compose)]);
        assert_eq!(d[0].text, "service_healthy");
        let compose = "services:\n  app:\n    image: x\n    depends_on:\n      db:\n        condition: service_healthy\n  db:\n    image: postgres:16\n    healthcheck:\n      test: [\"CMD\", \"pg_isready\"]\n";
        assert_silent(&RULE, &[("compose.yaml", compose)]);
    }

    #[test]
    fn images_not_built_here_are_not_guessed() {
        assert_silent(
            &RULE,
            &[("compose.yaml", "services:\n  db:\n    image: postgres:16\n")],
        );
    }

    /// Only a service that accepts connections has something to answer; a
    /// worker, a job that others wait to complete, a test runner do not.
    #[test]
    fn workers_jobs_and_development_files() {
        let df = (
            "Dockerfile",
            "FROM python:3.12-slim\nUSER app\nCMD [\"celery\", \"-A\", \"app\", \"worker\"]\n",
        );
        assert_silent(&RULE, &[("compose.yaml", COMPOSE), df]);
        let compose = "services:\n  migrate:\n    build: .\n    ports: [\"8000:8000\"]\n  app:\n    image: nginx:1.27\n    healthcheck:\n      test: [\"CMD\", \"true\"]\n    depends_on:\n      migrate:\n        condition: service_completed_successfully\n";
        assert_silent(&RULE, &[("compose.yaml", compose), df]);
        let web = "services:\n  app:\n    build: .\n    ports: [\"8000:8000\"]\n";
        assert_fires(&RULE, &[("compose.yaml", web), df]);
        assert_silent(
            &RULE,
            &[
                ("compose.yaml", "services: {}\n"),
                ("docker-compose.dev.yml", web),
                df,
            ],
        );
        let served = (
            "Dockerfile",
            "FROM python:3.12-slim\nUSER app\nCMD [\"uvicorn\", \"app:app\"]\n",
        );
        assert_fires(&RULE, &[("compose.yaml", COMPOSE), served]);
    }

    /// A pulled image may define a HEALTHCHECK; only official images are
    /// known to define none.
    #[test]
    fn pulled_images_may_have_one() {
        let compose = "services:\n  app:\n    image: x\n    depends_on:\n      dns:\n        condition: service_healthy\n  dns:\n    image: ghcr.io/acme/unbound:1.24\n";
        assert_silent(&RULE, &[("compose.yaml", compose)]);
        let compose = "services:\n  app:\n    image: x\n    depends_on:\n      db:\n        condition: service_healthy\n  db:\n    image: docker.io/library/postgres:16\n";
        let d = assert_fires(&RULE, &[("compose.yaml", compose)]);
        assert!(
            d[0].message
                .contains("`docker.io/library/postgres:16` defines none"),
            "{}",
            d[0].message
        );
    }
}
