//! `build-tools-in-final-stage`: compilers, build systems and headers
//! installed in the image a service runs (its stage or a stage it is built
//! `FROM`) and not removed in the same `RUN`.

use crate::facts::base_image::is_toolchain;
use crate::facts::image_ref::ImageRef;
use crate::facts::packages::{InstalledPackage, Manager};
use crate::facts::purpose::runs_nothing;
use crate::rules::{Context, Diagnostic, Rule, RuleId, RuleMeta, Severity};
use crate::source::Span;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: RuleId::BuildToolsInFinalStage,
        severity: Severity::Warning,
        summary: "Compilers and headers (gcc, make, build-essential, *-dev packages, an apk `.build-deps` group never deleted) installed in the image a service runs instead of a builder stage.",
        doc: include_str!("../../rules/build-tools-in-final-stage.md"),
        cases: &[],
    },
    check,
};

/// What kind of build tool a package is, if it is one.
pub(crate) fn build_tool_kind(package: &str) -> Option<&'static str> {
    let lower = package.to_ascii_lowercase();
    // gcc-12, g++-13, clang-17: the versioned names of the same tools.
    let base = match lower.rsplit_once('-') {
        Some((b, v)) if !v.is_empty() && v.chars().all(|c| c.is_ascii_digit() || c == '.') => b,
        _ => lower.as_str(),
    };
    let kind = match base {
        "gcc" | "g++" | "cpp" | "gcc-c++" | "clang" | "clang++" | "gfortran" | "rustc"
        | "cargo" | "golang" | "golang-go" => "a compiler",
        "make" | "cmake" | "ninja-build" | "autoconf" | "automake" | "libtool" | "meson" => {
            "a build system"
        }
        "build-essential" | "build-base" | "alpine-sdk" | "development tools"
        | "@development-tools" => "the compiler toolchain",
        _ if base.ends_with("-dev") || base.ends_with("-devel") || base.ends_with("-headers") => {
            "a development package: headers and tools to build against it"
        }
        _ => return None,
    };
    Some(kind)
}

/// An apk virtual group named for build dependencies (`.build-deps`).
fn is_build_group(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower.contains("build") || lower.contains("dev")
}

/// A build tool that is also a task runner images run (`make test`,
/// `make migrate`): reported only beside a compiler or headers.
fn task_runner_only(package: &str) -> bool {
    package.eq_ignore_ascii_case("make")
}

fn check(ctx: &Context) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let purposes = ctx.facts().purposes();
    for image in ctx.facts().images() {
        let facts = &image.facts;
        let toolchain_base = facts
            .base_image
            .as_ref()
            .and_then(|b| ImageRef::parse(&b.value))
            .is_some_and(|b| is_toolchain(&b));
        // Development, test and build images, and base images that run
        // nothing of their own: the tools are the point.
        if toolchain_base || purposes.image(image).is_some() || runs_nothing(image) {
            continue;
        }
        let installed = ctx.facts().installed(facts);
        let run_stage = facts.run_stage().display_name();
        let where_ = |stage: usize| {
            if stage == facts.stage {
                format!("stage {run_stage}")
            } else {
                format!(
                    "stage {} (stage {run_stage} is built from it)",
                    facts.stages[stage].display_name()
                )
            }
        };
        let mut groups_done: Vec<Span> = Vec::new();
        let mut commands_done: Vec<Span> = Vec::new();
        for p in installed.iter().filter(|p| !p.removed_in_same_run) {
            // An apk virtual group that is never deleted: one finding at its name.
            if let Some((group, group_span)) = &p.group {
                let members: Vec<&InstalledPackage> = installed
                    .iter()
                    .filter(|q| q.group.as_ref().is_some_and(|(_, s)| s == group_span))
                    .collect();
                let tools: Vec<&str> = members
                    .iter()
                    .filter(|q| build_tool_kind(&q.name).is_some())
                    .map(|q| q.name.as_str())
                    .collect();
                if !is_build_group(group) && tools.is_empty() {
                    continue;
                }
                if groups_done.contains(group_span) {
                    continue;
                }
                groups_done.push(*group_span);
                let listed = if tools.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", tools.join(", "))
                };
                let mut d = Diagnostic::new(RULE.meta.id, *group_span,
                    format!(
                        "build dependencies `{group}`{listed} stay in the final image: {} adds them and never runs `apk del {group}`",
                        where_(p.stage)
                    ),
                )
                .with_span_label("never deleted")
                .with_help(format!(
                    "delete the group at the end of the same RUN (`&& apk del {group}`), or build in a builder stage and COPY --from it only what the app needs"
                ));
                if let Some(removal) = p.removed_later {
                    d = d.with_label(
                        removal,
                        "removed only by a later RUN: the layer that adds it still ships it",
                    );
                }
                out.push(image.with_labels(d));
                continue;
            }
            // One finding per install command, naming every build tool it
            // leaves (a `$buildDeps` word may hold several).
            if commands_done.contains(&p.command) {
                continue;
            }
            commands_done.push(p.command);
            let tools: Vec<&InstalledPackage> = installed
                .iter()
                .filter(|q| {
                    q.command == p.command
                        && q.group.is_none()
                        && !q.removed_in_same_run
                        && build_tool_kind(&q.name).is_some()
                })
                .collect();
            if tools.iter().all(|q| task_runner_only(&q.name)) {
                continue;
            }
            out.push(image.with_labels(install_diagnostic(&tools, &where_(p.stage))));
        }
    }
    crate::rules::flow::merge_same_span(out)
}

/// `` `gcc` (a compiler) `` or `` build tools `gcc`, `libpq-dev` ``.
fn named(tools: &[&InstalledPackage]) -> String {
    let mut names: Vec<String> = Vec::new();
    for q in tools {
        let n = format!("`{}`", q.name);
        if !names.contains(&n) {
            names.push(n);
        }
    }
    match tools {
        [one, ..] if names.len() == 1 => format!(
            "{} ({})",
            names[0],
            build_tool_kind(&one.name).unwrap_or("a build tool")
        ),
        _ => format!("build tools {}", names.join(", ")),
    }
}

/// The finding for the build tools one install command leaves.
fn install_diagnostic(tools: &[&InstalledPackage], where_: &str) -> Diagnostic {
    let stay: Vec<&InstalledPackage> = tools
        .iter()
        .copied()
        .filter(|q| q.removed_later.is_none())
        .collect();
    let later: Vec<&InstalledPackage> = tools
        .iter()
        .copied()
        .filter(|q| q.removed_later.is_some())
        .collect();
    let verb = |list: &[&InstalledPackage], one: &str, many: &str| {
        if list.len() == 1 { one } else { many }.to_string()
    };
    let first = tools[0];
    let message = match (stay.is_empty(), later.is_empty()) {
        (false, true) => format!(
            "{} {} in the final image: installed in {where_} and never removed",
            named(&stay),
            verb(&stay, "stays", "stay")
        ),
        (false, false) => format!(
            "{} {} in the final image: installed in {where_} and never removed; {} {} removed only by a later RUN, one layer too late",
            named(&stay),
            verb(&stay, "stays", "stay"),
            named(&later),
            verb(&later, "is", "are")
        ),
        _ => format!(
            "{} {} removed only by a later RUN: the layer of {where_} that installs {} still ships {}",
            named(&later),
            verb(&later, "is", "are"),
            verb(&later, "it", "them"),
            verb(&later, "it", "them")
        ),
    };
    let mut d =
        Diagnostic::new(RULE.meta.id, first.span, message).with_span_label(if stay.is_empty() {
            "installed here"
        } else {
            "installed in the final image"
        });
    let mut removals: Vec<Span> = Vec::new();
    for q in &later {
        if let Some(r) = q.removed_later.filter(|r| !removals.contains(r)) {
            removals.push(r);
            d = d.with_label(r, "removed here, one layer too late");
        }
    }
    let mut names: Vec<&str> = Vec::new();
    for q in tools {
        if !names.contains(&q.name.as_str()) {
            names.push(q.name.as_str());
        }
    }
    let names = names.join(" ");
    let removal = match first.manager {
        Manager::Apk => format!("apk del {names}"),
        Manager::Apt => format!("apt-get purge -y --auto-remove {names}"),
        Manager::Rpm => format!("dnf remove -y {names}"),
    };
    d.with_help(format!(
        "build in a builder stage and COPY --from it only what the app needs (a virtualenv, wheels, a binary); or remove the tools in the same RUN (`{removal}`)"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{assert_fires, assert_silent};

    const COMPOSE: &str = "services:\n  app:\n    build: .\n";

    #[test]
    fn compiler_in_the_stage_the_service_runs() {
        let df = "FROM python:3.12-slim\nRUN apt-get update && apt-get install -y --no-install-recommends gcc libpq-dev && rm -rf /var/lib/apt/lists/*\nCMD [\"app\"]\n";
        let d = assert_fires(&RULE, &[("compose.yaml", COMPOSE), ("Dockerfile", df)]);
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].text, "gcc");
        assert!(
            d[0].message
                .starts_with("build tools `gcc`, `libpq-dev` stay"),
            "{}",
            d[0].message
        );
        assert!(d[0]
            .help
            .as_deref()
            .unwrap()
            .contains("purge -y --auto-remove gcc libpq-dev"));
        assert_eq!(d[0].labels[0].2, "service `app` runs stage #0");
    }

    #[test]
    fn builder_stage_is_the_point() {
        let df = "FROM python:3.12-slim AS builder\nRUN apt-get install -y gcc\nFROM python:3.12-slim AS runtime\nCOPY --from=builder /opt/venv /opt/venv\nRUN apt-get install -y libpq5 curl\nCMD [\"app\"]\n";
        assert_silent(&RULE, &[("compose.yaml", COMPOSE), ("Dockerfile", df)]);
    }

    #[test]
    fn inherited_through_from() {
        let df = "FROM python:3.12-slim AS base\nRUN apt-get install -y build-essential\nFROM base AS runtime\nCMD [\"x\"]\n";
        let d = assert_fires(&RULE, &[("compose.yaml", COMPOSE), ("Dockerfile", df)]);
        assert_eq!(d[0].text, "build-essential");
        assert!(d[0].message.contains("stage base"), "{}", d[0].message);
    }

    #[test]
    fn target_decides_and_no_compose_means_last_stage() {
        let df = "FROM python:3.12-slim AS app\nRUN apt-get install -y gcc\nFROM python:3.12-slim AS prod\nRUN apt-get install -y curl\nCMD [\"app\"]\n";
        let compose = "services:\n  app:\n    build:\n      context: .\n      target: prod\n";
        assert_silent(&RULE, &[("compose.yaml", compose), ("Dockerfile", df)]);
        assert_silent(&RULE, &[("Dockerfile", df)]);
        let compose = "services:\n  app:\n    build:\n      context: .\n      target: app\n";
        assert_fires(&RULE, &[("compose.yaml", compose), ("Dockerfile", df)]);
        let d = assert_fires(
            &RULE,
            &[(
                "Dockerfile",
                "FROM alpine:3.20\nRUN apk add --no-cache gcc\nCMD [\"app\"]\n",
            )],
        );
        assert_eq!(d[0].labels[0].1, "FROM alpine:3.20");
    }

    #[test]
    fn removed_in_the_same_run_is_fine() {
        let df = "FROM python:3.12-slim\nRUN apt-get update && apt-get install -y gcc && pip install --no-cache-dir psycopg2 && apt-get purge -y --auto-remove gcc && rm -rf /var/lib/apt/lists/*\nCMD [\"app\"]\n";
        assert_silent(&RULE, &[("Dockerfile", df)]);
        let df = "FROM python:3.12-alpine\nRUN apk add --no-cache --virtual .build-deps gcc musl-dev \\\n && pip install --no-cache-dir x \\\n && apk del .build-deps\nCMD [\"app\"]\n";
        assert_silent(&RULE, &[("Dockerfile", df)]);
    }

    #[test]
    fn removed_in_a_later_run_still_ships() {
        let df = "FROM python:3.12-slim\nRUN apt-get install -y gcc\nRUN apt-get purge -y gcc\nCMD [\"app\"]\n";
        let d = assert_fires(&RULE, &[("Dockerfile", df)]);
        assert!(d[0].message.contains("later RUN"));
    }

    #[test]
    fn virtual_group_never_deleted_is_one_finding() {
        let df = "FROM python:3.12-alpine\nRUN apk add --no-cache --virtual .build-deps gcc musl-dev && pip install --no-cache-dir x\nCMD [\"app\"]\n";
        let d = assert_fires(&RULE, &[("Dockerfile", df)]);
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].text, ".build-deps");
        assert!(d[0].message.contains("gcc, musl-dev"));
        // A group of fetch tools is not this rule's business.
        let df = "FROM alpine:3.20\nRUN apk add --no-cache --virtual .fetch-deps gnupg bzip2\nCMD [\"app\"]\n";
        assert_silent(&RULE, &[("Dockerfile", df)]);
    }

    #[test]
    fn variables_heredocs_and_exec_form() {
        let df = "FROM debian:12\nRUN buildDeps='gcc make'; apt-get install -y $buildDeps\nCMD [\"app\"]\n";
        let d = assert_fires(&RULE, &[("Dockerfile", df)]);
        assert_eq!(d[0].text, "$buildDeps");
        assert!(d[0].message.contains("`gcc`, `make`"));
        let df = "FROM debian:12\nRUN <<EOF\napt-get install -y g++-12\nEOF\nCMD [\"app\"]\n";
        assert_eq!(assert_fires(&RULE, &[("Dockerfile", df)])[0].text, "g++-12");
        let df =
            "FROM debian:12\nRUN [\"apt-get\", \"install\", \"-y\", \"clang\"]\nCMD [\"app\"]\n";
        assert_eq!(
            assert_fires(&RULE, &[("Dockerfile", df)])[0].text,
            "\"clang\""
        );
    }

    #[test]
    fn development_images_are_for_building() {
        let df = "FROM python:3.12-slim AS dev\nRUN apt-get install -y gcc\nFROM python:3.12-slim AS prod\nRUN apt-get install -y curl\nCMD [\"app\"]\n";
        let compose = "services:\n  app:\n    build:\n      context: .\n      target: dev\n";
        assert_silent(&RULE, &[("compose.yaml", compose), ("Dockerfile", df)]);
        let df = "FROM python:3.12-slim\nRUN apt-get install -y gcc\nCMD [\"app\"]\n";
        assert_silent(&RULE, &[("Dockerfile.dev", df)]);
        let local = ("compose/local/django/Dockerfile", df);
        let prod = ("compose/production/django/Dockerfile", df);
        let d = assert_fires(&RULE, &[local, prod]);
        assert_eq!(d.len(), 1);
        assert!(d[0].file.ends_with("production/django/Dockerfile"));
        // A folder above the linted tree (`~/dev/project`) says nothing.
        assert_fires(&RULE, &[("dev/Dockerfile", df)]);
    }

    #[test]
    fn toolchain_base_images_already_have_them() {
        for base in [
            "python:3.12",
            "node:22-bookworm",
            "buildpack-deps:bookworm",
            "docker.io/library/golang:1.22",
            "rust",
        ] {
            let df = format!("FROM {base}\nRUN apt-get install -y libpq-dev\nCMD [\"app\"]\n");
            assert_silent(&RULE, &[("Dockerfile", &df)]);
        }
        let df =
            "FROM python:3.12-slim-bookworm\nRUN apt-get install -y libpq-dev\nCMD [\"app\"]\n";
        assert_fires(&RULE, &[("Dockerfile", df)]);
    }

    #[test]
    fn runtime_libraries_are_fine() {
        let df =
            "FROM debian:12\nRUN apt-get install -y libpq5 libc6 udev ca-certificates python3\nCMD [\"app\"]\n";
        assert_silent(&RULE, &[("Dockerfile", df)]);
    }

    /// One finding per install command, not one per package.
    #[test]
    fn one_finding_per_install_command() {
        let df = "FROM debian:12-slim\nRUN apt-get install -y gcc g++ make libpq-dev libssl-dev \\\n    && apt-get install -y cmake\nRUN apt-get install -y libffi-dev curl\nCMD [\"app\"]\n";
        let d = assert_fires(&RULE, &[("Dockerfile", df)]);
        let texts: Vec<&str> = d.iter().map(|f| f.text.as_str()).collect();
        assert_eq!(texts, ["gcc", "cmake", "libffi-dev"]);
        // Some removed by a later RUN, some never.
        let df = "FROM alpine:3.20\nRUN apk add --no-cache gcc musl-dev openssl-dev\nRUN apk del gcc musl-dev\nCMD [\"app\"]\n";
        let d = assert_fires(&RULE, &[("Dockerfile", df)]);
        assert_eq!(d.len(), 1);
        assert!(
            d[0].message
                .contains("`openssl-dev` (a development package"),
            "{}",
            d[0].message
        );
        assert!(
            d[0].message
                .contains("build tools `gcc`, `musl-dev` are removed only by a later RUN"),
            "{}",
            d[0].message
        );
    }

    /// `make` alone is a task runner images run; reported beside a compiler.
    #[test]
    fn make_alone_is_a_task_runner() {
        let df =
            "FROM debian:12-slim\nRUN apt-get install -y make curl\nCMD [\"make\", \"serve\"]\n";
        assert_silent(&RULE, &[("Dockerfile", df)]);
        let df = "FROM debian:12-slim\nRUN apt-get install -y make gcc\nCMD [\"app\"]\n";
        assert_fires(&RULE, &[("Dockerfile", df)]);
    }

    /// Images whose job is to build, and images for tests.
    #[test]
    fn build_and_test_images() {
        let df = "FROM debian:12-slim\nRUN apt-get install -y gcc\nCMD [\"app\"]\n";
        let app = ("Dockerfile", "FROM debian:12-slim\nCMD [\"app\"]\n");
        for name in [
            "docker/builder-go.dockerfile",
            "Dockerfile.build",
            "docker/develop/noble/Dockerfile",
            "tests/Dockerfile.seeder",
            ".devcontainer/Dockerfile",
        ] {
            assert_silent(&RULE, &[app, (name, df)]);
        }
        let commented = "# Builds an editable install for the test suite.\n# Not suitable for production use.\nFROM debian:12-slim\nRUN apt-get install -y gcc\n";
        assert_silent(&RULE, &[("editable.Dockerfile", commented)]);
        let df =
            "FROM debian:12-slim AS builder\nRUN apt-get install -y gcc\nFROM debian:12-slim\nCMD [\"app\"]\n";
        let compose = "services:\n  app:\n    build:\n      context: .\n      target: builder\n";
        assert_silent(&RULE, &[("compose.yaml", compose), ("Dockerfile", df)]);
    }

    /// A Dockerfile that no service runs and that sets no CMD or
    /// ENTRYPOINT is a base image or an environment to build in.
    #[test]
    fn images_that_run_nothing() {
        let df =
            "FROM ubuntu:24.04\nRUN apt-get install -y build-essential autoconf\nWORKDIR /src\n";
        assert_silent(&RULE, &[("Dockerfile", df)]);
        let compose = "services:\n  app:\n    build: .\n";
        assert_fires(&RULE, &[("compose.yaml", compose), ("Dockerfile", df)]);
    }

    /// `Dockerfile` beside `Dockerfile.prod` is the development one.
    #[test]
    fn beside_a_production_variant() {
        let df = "FROM python:3.12-slim\nRUN apt-get install -y gcc\nCMD [\"app\"]\n";
        let d = assert_fires(&RULE, &[("Dockerfile", df), ("Dockerfile.prod", df)]);
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].file, "Dockerfile.prod");
    }
}
