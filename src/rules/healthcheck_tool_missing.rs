//! `healthcheck-tool-missing`: a healthcheck calls curl or wget, which the
//! image the service runs does not have.

use crate::facts::base_image::ships;
use crate::facts::commands::healthcheck_command;
use crate::facts::image_ref::ImageRef;
use crate::facts::packages::{program_in_image, Presence};
use crate::rules::flow::active_services;
use crate::rules::{Context, Diagnostic, Rule, RuleId, RuleMeta, Severity};
use crate::source::Span;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: RuleId::HealthcheckToolMissing,
        severity: Severity::Error,
        summary: "A healthcheck calls curl or wget, which the image does not have (Debian slim images have neither, alpine only busybox wget, distroless nothing) and no RUN installs.",
        doc: include_str!("../../rules/healthcheck-tool-missing.md"),
        cases: &[],
    },
    check,
};

fn check(ctx: &Context) -> Vec<Diagnostic> {
    let ws = ctx.ws;
    let mut out = Vec::new();
    for (_, service) in active_services(ws) {
        let Some(cmd) = healthcheck_command(ws, service) else {
            continue;
        };
        for inv in &cmd.invocations {
            let Some((i, program)) = inv.program() else {
                continue;
            };
            if program != "curl" && program != "wget" {
                continue;
            }
            let word = inv.args[i].span;
            // The image: built here (base image + what its RUNs install), or pulled.
            let (base, base_span): (String, Option<Span>) = match &service.image_facts {
                Some(f) => {
                    if program_in_image(ws, f, &ctx.facts().installed(f), program)
                        != Presence::NotInstalled
                    {
                        continue;
                    }
                    match &f.base_image {
                        Some(b) => (b.value.clone(), Some(b.span)),
                        None => continue,
                    }
                }
                None => match &service.image {
                    Some(img) => (img.text.clone(), Some(img.span)),
                    None => continue,
                },
            };
            let Some(image) = ImageRef::parse(&base) else {
                continue;
            };
            if ships(&image, program) != Some(false) {
                continue;
            }
            let built = service.image_facts.is_some();
            let mut d = Diagnostic::new(RULE.meta.id, word,
                format!(
                    "the healthcheck of service `{}` runs `{program}`, which `{base}` does not have{}: the check always fails and the container stays unhealthy",
                    service.name,
                    if built { " and no RUN installs" } else { "" }
                ),
            )
            .with_span_label(format!("`{program}`: not found in the container"));
            if let Some(s) = base_span {
                d = d.with_label(s, format!("`{base}` has no `{program}`"));
            }
            let alt = if ships(&image, "wget") == Some(true) && program == "curl" {
                "use busybox's wget (`wget -qO- http://localhost:PORT/health || exit 1`)"
                    .to_string()
            } else {
                "use the app's own runtime, e.g. `python -c \"import urllib.request; urllib.request.urlopen('http://localhost:PORT/health')\"`".to_string()
            };
            d = d.with_help(if built {
                format!("install it in the stage the service runs (`apt-get install -y --no-install-recommends {program}`), or {alt}")
            } else {
                alt
            });
            out.push(d);
        }
    }
    crate::rules::flow::merge_same_span(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{assert_fires, assert_silent};

    const COMPOSE: &str = "services:\n  app:\n    build: .\n";

    #[test]
    fn curl_in_a_slim_image() {
        let df = "FROM python:3.12-slim\nUSER 1000\nHEALTHCHECK CMD curl -f http://localhost:8000/health || exit 1\n";
        let d = assert_fires(&RULE, &[("compose.yaml", COMPOSE), ("Dockerfile", df)]);
        assert_eq!((d[0].line, d[0].text.as_str()), (3, "curl"));
        assert_eq!(d[0].labels[0].1, "python:3.12-slim");
    }

    #[test]
    fn installed_by_a_run_of_the_chain() {
        let df = "FROM python:3.12-slim AS base\nRUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*\n\nFROM base AS runtime\nUSER 1000\nHEALTHCHECK CMD curl -f http://localhost:8000/ || exit 1\n";
        assert_silent(&RULE, &[("compose.yaml", COMPOSE), ("Dockerfile", df)]);
        // Removed in the same RUN: gone.
        let df = "FROM python:3.12-slim\nRUN apt-get update && apt-get install -y curl && apt-get purge -y curl\nHEALTHCHECK CMD curl -f http://localhost/ || exit 1\n";
        assert_fires(&RULE, &[("compose.yaml", COMPOSE), ("Dockerfile", df)]);
    }

    #[test]
    fn compose_healthcheck_on_pulled_images() {
        let compose = "services:\n  cache:\n    image: redis:7-alpine\n    healthcheck:\n      test: [\"CMD\", \"curl\", \"-f\", \"http://localhost:6379\"]\n";
        let d = assert_fires(&RULE, &[("compose.yaml", compose)]);
        assert_eq!(d[0].text, "curl");
        assert!(d[0].help.as_deref().unwrap().contains("wget"));
        // busybox wget is there; unknown images are not guessed.
        for (image, test) in [
            (
                "redis:7-alpine",
                "[\"CMD\", \"wget\", \"-qO-\", \"http://localhost/\"]",
            ),
            (
                "nginx:1.27-alpine",
                "[\"CMD\", \"curl\", \"-f\", \"http://localhost/\"]",
            ),
            (
                "python:3.12",
                "[\"CMD-SHELL\", \"curl -f http://localhost/ || exit 1\"]",
            ),
            (
                "ghcr.io/acme/api:1.0",
                "[\"CMD\", \"curl\", \"http://localhost/\"]",
            ),
        ] {
            let compose = format!(
                "services:\n  s:\n    image: {image}\n    healthcheck:\n      test: {test}\n"
            );
            assert_silent(&RULE, &[("compose.yaml", &compose)]);
        }
    }

    #[test]
    fn distroless_has_neither() {
        let df = "FROM golang:1.23 AS build\nRUN apt-get update && apt-get install -y curl\n\nFROM gcr.io/distroless/static-debian12\nCOPY --from=build /app /app\nHEALTHCHECK CMD [\"wget\", \"-q\", \"http://localhost:8080/\"]\n";
        let d = assert_fires(&RULE, &[("compose.yaml", COMPOSE), ("Dockerfile", df)]);
        assert_eq!(d[0].text, "wget");
    }

    /// `time curl …` runs curl (one definition of a command's program).
    #[test]
    fn wrappers_do_not_hide_the_program() {
        for test in [
            "[\"CMD-SHELL\", \"time curl -f http://localhost/\"]",
            "[\"CMD\", \"/usr/bin/tini\", \"--\", \"curl\", \"http://localhost/\"]",
            "[\"CMD-SHELL\", \"nice -n 10 curl -f http://localhost/ || exit 1\"]",
        ] {
            let compose = format!(
                "services:\n  s:\n    image: python:3.12-slim\n    healthcheck:\n      test: {test}\n"
            );
            let d = assert_fires(&RULE, &[("compose.yaml", &compose)]);
            assert_eq!(d[0].text, "curl", "{test}");
        }
    }

    /// After an installer or script we cannot read, or a copy into a folder
    /// of programs, nothing is asserted.
    #[test]
    fn opaque_installers_say_nothing() {
        for run in [
            "RUN curl -fsSL https://example.com/install.sh | sh",
            "RUN ./scripts/install-tools.sh",
            "RUN dpkg -i /tmp/curl.deb",
            "COPY --from=deps /install/usr /usr",
        ] {
            let df = format!("FROM debian:12-slim AS deps\nFROM python:3.12-slim\n{run}\nHEALTHCHECK CMD curl -f http://localhost/ || exit 1\n");
            assert_silent(&RULE, &[("compose.yaml", COMPOSE), ("Dockerfile", &df)]);
        }
    }

    /// A registry with a port is a registry, not a tag (`ImageRef`).
    #[test]
    fn registry_ports_are_not_tags() {
        let compose = "services:\n  s:\n    image: registry.local:5000/library/python\n    healthcheck:\n      test: [\"CMD\", \"curl\", \"http://localhost/\"]\n";
        assert_silent(&RULE, &[("compose.yaml", compose)]);
        let compose = "services:\n  s:\n    image: docker.io/library/python:3.12-slim@sha256:abc\n    healthcheck:\n      test: [\"CMD\", \"curl\", \"http://localhost/\"]\n";
        assert_fires(&RULE, &[("compose.yaml", compose)]);
    }

    #[test]
    fn the_seed_installs_curl() {
        let df = "FROM python:3.11-slim AS runtime\nRUN apt-get update \\\n    && apt-get install -y --no-install-recommends libpq5 postgresql-client curl \\\n    && rm -rf /var/lib/apt/lists/*\nUSER mppeep\nHEALTHCHECK --interval=30s CMD curl -f http://localhost:9000/api/v1/health || exit 1\n";
        assert_silent(&RULE, &[("compose.yaml", COMPOSE), ("Dockerfile", df)]);
    }
}
