//! `root-user`: the stage a service runs executes as root.

use crate::facts::images::runs_stage;
use crate::model::types::*;
use crate::rules::flow::active_services;
use crate::rules::{Context, Diagnostic, Rule, RuleMeta, Severity};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        name: "root-user",
        severity: Severity::Warning,
        summary: "A service built here runs as root: no USER in its stage or the stages it is built from, or USER root / 0, and no non-root compose `user:`.",
        doc: include_str!("../../rules/root-user.md"),
    },
    check,
};

/// `root`, `0`, `root:root`, `0:0`, `root:1000`...
fn is_root(user: &str) -> bool {
    let name = user.trim().split(':').next().unwrap_or("");
    name == "root" || name == "0"
}

fn check(ctx: &Context) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for (_, service) in active_services(ctx.ws) {
        // A compose `user:` decides, whatever the image says.
        if let Some(u) = &service.user {
            if is_root(&u.text) {
                out.push(
                    Diagnostic::new(
                        RULE.meta.name,
                        Severity::Warning,
                        u.span,
                        format!("service `{}` runs as root: compose sets `user: {}`", service.name, u.text),
                    )
                    .with_span_label("root")
                    .with_help("run as an unprivileged user (e.g. `user: \"1000:1000\"`) and give it the files it needs"),
                );
            }
            continue;
        }
        let Some(facts) = &service.image_facts else {
            continue;
        };
        let stage = facts.run_stage();
        let stage_name = stage.display_name();
        let build_label = |d: Diagnostic| {
            let (at, label) = runs_stage(service, stage);
            d.with_label(at, label)
        };
        match &facts.user {
            Some(u) if is_root(&u.value) => {
                let d = Diagnostic::new(
                    RULE.meta.name,
                    Severity::Warning,
                    u.span,
                    format!(
                        "service `{}` runs as root: stage {stage_name} sets `USER {}`",
                        service.name, u.value
                    ),
                )
                .with_span_label("the container's processes run as root")
                .with_help("create an unprivileged user and switch to it last: `RUN useradd -r -u 1000 app` then `USER app`");
                out.push(build_label(d));
            }
            Some(u) if u.value.trim().is_empty() => {}
            Some(_) => {}
            None => {
                let inherited = if facts.chain.len() > 1 {
                    format!(
                        " nor in the stages it is built from ({})",
                        chain_names(facts)
                    )
                } else {
                    String::new()
                };
                let d = Diagnostic::new(
                    RULE.meta.name,
                    Severity::Warning,
                    stage.from_span,
                    format!(
                        "service `{}` runs as root: no USER in stage {stage_name}{inherited}",
                        service.name
                    ),
                )
                .with_span_label(format!("stage {stage_name} never switches user"))
                .with_help("add `USER <non-root user>` at the end of this stage, or set `user:` on the compose service");
                out.push(build_label(d));
            }
        }
    }
    out
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
        let df = "FROM python:3.12-slim AS dev\nCMD [\"x\"]\n\nFROM python:3.12-slim AS prod\nUSER 1000\n";
        let compose = "services:\n  app:\n    build:\n      context: .\n      target: dev\n";
        let d = assert_fires(&RULE, &[("compose.yaml", compose), ("Dockerfile", df)]);
        assert_eq!(d[0].text, "FROM python:3.12-slim AS dev");
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
}
