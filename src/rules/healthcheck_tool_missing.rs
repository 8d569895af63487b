//! `healthcheck-tool-missing`: a healthcheck calls curl or wget, which the
//! image the service runs does not have.

use crate::facts::commands::healthcheck_command;
use crate::facts::packages::program_in_image;
use crate::rules::flow::active_services;
use crate::rules::{Context, Diagnostic, Rule, RuleMeta, Severity};
use crate::source::Span;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        name: "healthcheck-tool-missing",
        severity: Severity::Error,
        summary: "A healthcheck calls curl or wget, which the image does not have (Debian slim images have neither, alpine only busybox wget, distroless nothing) and no RUN installs.",
        doc: include_str!("../../rules/healthcheck-tool-missing.md"),
    },
    check,
};

/// What a base image is known to ship: `Some(true)` has it, `Some(false)`
/// lacks it, `None` unknown (no guess).
fn base_has(image: &str, program: &str) -> Option<bool> {
    let image = image.to_ascii_lowercase();
    let (repo, tag) = match image.split_once('@') {
        Some((r, _)) => (r.to_string(), String::new()),
        None => match image.rsplit_once(':') {
            Some((r, t)) if !t.contains('/') => (r.to_string(), t.to_string()),
            _ => (image.clone(), String::new()),
        },
    };
    let name = repo.rsplit('/').next().unwrap_or(&repo);
    let library = !repo.contains('/')
        || repo.starts_with("docker.io/library/")
        || repo.starts_with("library/");
    if repo.contains("distroless") || name == "scratch" {
        return Some(false);
    }
    if name == "busybox" {
        return Some(program == "wget");
    }
    // Official images whose variants we know.
    const LANGUAGE: &[&str] = &[
        "python",
        "node",
        "ruby",
        "golang",
        "openjdk",
        "eclipse-temurin",
        "php",
        "rust",
        "perl",
        "debian",
        "ubuntu",
        "alpine",
        "postgres",
        "redis",
        "mysql",
        "mariadb",
        "mongo",
    ];
    if !library || !LANGUAGE.contains(&name) {
        return None;
    }
    if name == "alpine" || tag.contains("alpine") {
        // busybox wget, no curl.
        return Some(program == "wget");
    }
    if tag.contains("slim") || matches!(name, "debian" | "ubuntu") {
        return Some(false);
    }
    match name {
        // The full variants are built on buildpack-deps: curl and wget.
        "python" | "node" | "ruby" | "golang" | "php" | "rust" | "perl" => Some(true),
        _ => None,
    }
}

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
                    if program_in_image(ws, f, program).is_some() {
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
            if base_has(&base, program) != Some(false) {
                continue;
            }
            let built = service.image_facts.is_some();
            let mut d = Diagnostic::new(
                RULE.meta.name,
                Severity::Error,
                word,
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
            let alt = if base_has(&base, "wget") == Some(true) && program == "curl" {
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
    out
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

    #[test]
    fn the_seed_installs_curl() {
        let df = "FROM python:3.11-slim AS runtime\nRUN apt-get update \\\n    && apt-get install -y --no-install-recommends libpq5 postgresql-client curl \\\n    && rm -rf /var/lib/apt/lists/*\nUSER mppeep\nHEALTHCHECK --interval=30s CMD curl -f http://localhost:9000/api/v1/health || exit 1\n";
        assert_silent(&RULE, &[("compose.yaml", COMPOSE), ("Dockerfile", df)]);
    }
}
