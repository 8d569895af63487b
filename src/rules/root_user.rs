//! `root-user`: the stage a service runs executes as root.

use crate::facts::base_image::{base_user, BaseUser};
use crate::facts::image_ref::ImageRef;
use crate::facts::images::{drops_privileges, runs_stage};
use crate::facts::user::UserSpec;
use crate::model::types::*;
use crate::rules::flow::{active_services, merge_same_span};
use crate::rules::{Context, Diagnostic, Rule, RuleId, RuleMeta, Severity};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: RuleId::RootUser,
        severity: Severity::Warning,
        summary: "A service built here runs as root: no USER in its stage or the stages it is built from, or USER root / 0, and no non-root compose `user:`.",
        doc: include_str!("../../rules/root-user.md"),
        cases: &[],
    },
    check,
};

/// `root`, `0`, `root:root`, `0:0`, `root:1000`...
fn is_root(user: &str) -> bool {
    UserSpec::parse(user).is_root()
}

fn check(ctx: &Context) -> Vec<Diagnostic> {
    let ws = ctx.ws;
    let purposes = ctx.facts().purposes();
    let mut out = Vec::new();
    // A compose `user:` decides, whatever the image says.
    for (_, service) in active_services(ws) {
        let Some(u) = &service.user else { continue };
        if !is_root(&u.text) || purposes.file(service.name_span.file).is_some() {
            continue;
        }
        out.push(
            Diagnostic::new(RULE.meta.id, u.span,
                format!("service `{}` runs as root: compose sets `user: {}`", service.name, u.text),
            )
            .with_span_label("root")
            .with_help("run as an unprivileged user (e.g. `user: \"1000:1000\"`) and give it the files it needs"),
        );
    }
    // The image each service builds: one finding per stage run, naming
    // every service that runs it as root.
    for image in ctx.facts().images() {
        let services: Vec<&Service> = image
            .services
            .iter()
            .copied()
            .filter(|s| s.user.is_none() && purposes.file(s.name_span.file).is_none())
            .collect();
        // Development and build images run as root on purpose (bind-mounted
        // sources, installing as you go).
        if services.is_empty() || purposes.image(image).is_some() {
            continue;
        }
        let facts = &image.facts;
        let stage = facts.run_stage();
        let stage_name = stage.display_name();
        let mut names: Vec<String> = Vec::new();
        for s in &services {
            let n = format!("`{}`", s.name);
            if !names.contains(&n) {
                names.push(n);
            }
        }
        let who = match names.as_slice() {
            [one] => format!("service {one} runs"),
            _ => format!("services {} run", names.join(", ")),
        };
        let d = match &facts.user {
            Some(u) if is_root(&u.value) => Diagnostic::new(RULE.meta.id, u.span,
                format!("{who} as root: stage {stage_name} sets `USER {}`", u.value),
            )
            .with_span_label("the container's processes run as root")
            .with_help("create an unprivileged user and switch to it last: `RUN useradd -r -u 1000 app` then `USER app`"),
            Some(_) => continue,
            None => {
                // Only a base image known to run as root says so; another
                // may set a USER of its own, or hand the server to one.
                let base = facts.base_image.as_ref();
                let known_root = base
                    .and_then(|b| ImageRef::parse(&b.value))
                    .is_some_and(|b| base_user(&b) == BaseUser::Root);
                // An entrypoint that switches user with gosu or su-exec.
                if !known_root || drops_privileges(ws, facts) {
                    continue;
                }
                let inherited = if facts.chain.len() > 1 {
                    format!(
                        " nor in the stages it is built from ({})",
                        chain_names(facts)
                    )
                } else {
                    String::new()
                };
                Diagnostic::new(RULE.meta.id, stage.from_span,
                    format!("{who} as root: no USER in stage {stage_name}{inherited}"),
                )
                .with_span_label(format!("stage {stage_name} never switches user"))
                .with_help("add `USER <non-root user>` at the end of this stage, or set `user:` on the compose service")
            }
        };
        let mut d = d;
        for s in &services {
            let (at, label) = runs_stage(s, stage);
            d = d.with_label(at, label);
        }
        out.push(d);
    }
    merge_same_span(out)
}

fn chain_names(f: &ImageFacts) -> String {
    f.chain
        .iter()
        .skip(1)
        .map(|i| f.stages[*i].name.clone().unwrap_or_else(|| format!("#{i}")))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{assert_fires, assert_silent};

    const COMPOSE: &str = "services:\n  app:\n    build: .\n";

    #[test]
    fn no_user_is_root() {
        let d = assert_fires(
            &RULE,
            &[
                ("compose.yaml", COMPOSE),
                ("Dockerfile", "FROM python:3.12-slim\nCMD [\"python\"]\n"),
            ],
        );
        assert_eq!(d[0].file, "Dockerfile");
        assert_eq!(d[0].line, 1);
    }

    #[test]
    fn user_inherited_from_earlier_stage() {
        let df = "FROM python:3.12-slim AS base\nUSER app\n\nFROM base AS runtime\nCMD [\"x\"]\n";
        assert_silent(&RULE, &[("compose.yaml", COMPOSE), ("Dockerfile", df)]);
    }

    #[test]
    fn target_stage_decides() {
        let df = "FROM python:3.12-slim AS web\nCMD [\"x\"]\n\nFROM python:3.12-slim AS prod\nUSER 1000\n";
        let compose = "services:\n  app:\n    build:\n      context: .\n      target: web\n";
        let d = assert_fires(&RULE, &[("compose.yaml", compose), ("Dockerfile", df)]);
        assert_eq!(d[0].text, "FROM python:3.12-slim AS web");
        let compose = "services:\n  app:\n    build:\n      context: .\n      target: prod\n";
        assert_silent(&RULE, &[("compose.yaml", compose), ("Dockerfile", df)]);
    }

    #[test]
    fn explicit_root_and_compose_override() {
        let df = "FROM alpine:3.20\nUSER root\n";
        let d = assert_fires(&RULE, &[("compose.yaml", COMPOSE), ("Dockerfile", df)]);
        assert_eq!(d[0].text, "root");
        let compose = "services:\n  app:\n    build: .\n    user: \"1000:1000\"\n";
        assert_silent(&RULE, &[("compose.yaml", compose), ("Dockerfile", df)]);
        let compose = "services:\n  app:\n    build: .\n    user: \"0\"\n";
        assert_fires(
            &RULE,
            &[
                ("compose.yaml", compose),
                ("Dockerfile", "FROM alpine:3.20\nUSER app\n"),
            ],
        );
    }

    #[test]
    fn images_not_built_here_are_not_guessed() {
        assert_silent(
            &RULE,
            &[("compose.yaml", "services:\n  db:\n    image: postgres:16\n")],
        );
    }

    /// Base images that are not known to run as root may set a USER of
    /// their own, or hand the server to one.
    #[test]
    fn base_images_not_known_to_run_as_root() {
        for base in [
            "grafana/grafana:11.0.0",
            "prom/prometheus:v2.53.0",
            "postgres:16",
            "nginx:1.27-alpine",
            "ghcr.io/org/base:1.0",
        ] {
            let df = format!("FROM {base}\nCOPY conf /etc/conf\n");
            assert_silent(&RULE, &[("compose.yaml", COMPOSE), ("Dockerfile", &df)]);
        }
        let df = "FROM scratch\nCOPY app /app\nENTRYPOINT [\"/app\"]\n";
        assert_fires(&RULE, &[("compose.yaml", COMPOSE), ("Dockerfile", df)]);
        // An entrypoint that hands the process to a user with gosu.
        let df = "FROM python:3.12-slim\nRUN apt-get update && apt-get install -y --no-install-recommends gosu && rm -rf /var/lib/apt/lists/*\nCOPY entrypoint.sh /\nENTRYPOINT [\"/entrypoint.sh\"]\n";
        assert_silent(&RULE, &[("compose.yaml", COMPOSE), ("Dockerfile", df)]);
        let df = "FROM alpine:3.20 AS tools\nRUN apk add --no-cache su-exec\nFROM python:3.12-alpine\nCOPY --from=tools /sbin/su-exec /sbin/su-exec\nENTRYPOINT [\"/entrypoint.sh\"]\n";
        assert_silent(&RULE, &[("compose.yaml", COMPOSE), ("Dockerfile", df)]);
    }

    /// One finding per stage, naming every service that runs it.
    #[test]
    fn services_of_one_image_are_one_finding() {
        let compose = "services:\n  api:\n    build: .\n  worker:\n    build: .\n    command: worker\n  beat:\n    build: .\n    user: \"1000\"\n";
        let df = "FROM python:3.12-slim\nCMD [\"api\"]\n";
        let d = assert_fires(&RULE, &[("compose.yaml", compose), ("Dockerfile", df)]);
        assert_eq!(d.len(), 1);
        assert!(
            d[0].message
                .starts_with("services `api`, `worker` run as root"),
            "{}",
            d[0].message
        );
        assert_eq!(d[0].labels.len(), 2);
    }

    /// Development images and compose files run as root on purpose.
    #[test]
    fn development_files() {
        let df = "FROM python:3.12-slim\nCMD [\"x\"]\n";
        let compose =
            "services:\n  app:\n    build:\n      context: .\n      dockerfile: Dockerfile.dev\n";
        assert_silent(&RULE, &[("compose.yaml", compose), ("Dockerfile.dev", df)]);
        assert_silent(
            &RULE,
            &[("docker-compose.dev.yml", COMPOSE), ("Dockerfile", df)],
        );
        let compose =
            "services:\n  app:\n    build:\n      context: .\n      target: development\n";
        let df = "FROM node:22 AS development\nCMD [\"npm\", \"run\", \"dev\"]\nFROM node:22-slim\nUSER node\n";
        assert_silent(&RULE, &[("compose.yaml", compose), ("Dockerfile", df)]);
        let compose = "services:\n  app:\n    image: python:3.12\n    user: root\n";
        assert_silent(
            &RULE,
            &[
                ("compose.yaml", "services: {}\n"),
                ("docker/dev/compose.yaml", compose),
            ],
        );
    }
}
