//! `build-tools-in-final-stage`: compilers, build systems and headers
//! installed in the image a service runs (its stage or a stage it is built
//! `FROM`) and not removed in the same `RUN`.

use std::path::{Path, PathBuf};

use crate::facts::images::{judged_images, JudgedImage};
use crate::facts::packages::{installed_in_image, InstalledPackage};
use crate::model::workspace::Workspace;
use crate::rules::{Context, Diagnostic, Rule, RuleMeta, Severity};
use crate::source::Span;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        name: "build-tools-in-final-stage",
        severity: Severity::Warning,
        summary: "Compilers and headers (gcc, make, build-essential, *-dev packages, an apk `.build-deps` group never deleted) installed in the image a service runs instead of a builder stage.",
        doc: include_str!("../../rules/build-tools-in-final-stage.md"),
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

/// Official images whose default variant is built on `buildpack-deps`
/// and so already ships gcc, make and the common headers.
const TOOLCHAIN_IMAGES: &[&str] = &[
    "buildpack-deps",
    "gcc",
    "golang",
    "rust",
    "python",
    "node",
    "ruby",
    "perl",
];

/// Whether an image reference is a full toolchain image (`python:3.12`,
/// `node:22-bookworm`, `buildpack-deps:bookworm`), not a `-slim` or
/// `-alpine` variant.
pub(crate) fn is_toolchain_image(reference: &str) -> bool {
    let reference = reference.split('@').next().unwrap_or(reference);
    let (path, tag) = match reference.rsplit_once(':') {
        Some((p, t)) if !t.contains('/') => (p, t),
        _ => (reference, "latest"),
    };
    let name = path
        .strip_prefix("docker.io/")
        .unwrap_or(path)
        .strip_prefix("library/")
        .unwrap_or(path.strip_prefix("docker.io/").unwrap_or(path));
    TOOLCHAIN_IMAGES.contains(&name)
        && ![
            "slim",
            "alpine",
            "windowsservercore",
            "nanoserver",
            "distroless",
        ]
        .iter()
        .any(|v| tag.contains(v))
}

/// Words that mark a stage, a build target or a Dockerfile as a development
/// environment, where build tools are the point.
const DEV_WORDS: &[&str] = &[
    "dev",
    "devel",
    "develop",
    "development",
    "local",
    "debug",
    "test",
    "tests",
    "testing",
    "ci",
];

fn is_dev_name(name: &str) -> bool {
    name.to_ascii_lowercase()
        .split(['-', '_', '.'])
        .next()
        .is_some_and(|w| DEV_WORDS.contains(&w))
}

/// A development image: the stage it runs is named `dev…`/`test…`, or the
/// Dockerfile is (`Dockerfile.dev`, `dev.Dockerfile`), or it lives in a
/// `dev/` or `local/` folder of the linted tree (`compose/local/django/`).
fn is_dev_image(ws: &Workspace, root: &Path, image: &JudgedImage) -> bool {
    let facts = &image.facts;
    if facts.run_stage().name.as_deref().is_some_and(is_dev_name) {
        return true;
    }
    let path = &ws.sources.get(facts.dockerfile_file).path;
    let file = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default()
        .to_ascii_lowercase();
    let file_dev = file
        .split('.')
        .any(|part| part != "dockerfile" && DEV_WORDS.contains(&part));
    // Only folders inside the linted tree: `~/dev/project/` says nothing.
    let inside = path
        .parent()
        .and_then(|p| p.strip_prefix(root).ok())
        .map(Path::to_path_buf)
        .unwrap_or_default();
    let folder_dev = inside.components().any(|c| {
        c.as_os_str().to_str().is_some_and(|n| {
            matches!(
                n.to_ascii_lowercase().as_str(),
                "dev" | "local" | "development" | ".devcontainer"
            )
        })
    });
    file_dev || folder_dev
}

/// The deepest folder holding every file read: the linted tree's root.
fn tree_root(ws: &Workspace) -> PathBuf {
    let mut root: Option<PathBuf> = None;
    for (_, f) in ws.sources.iter() {
        let Some(dir) = f.path.parent() else { continue };
        root = Some(match root {
            None => dir.to_path_buf(),
            Some(r) => r
                .ancestors()
                .find(|a| dir.starts_with(a))
                .map(Path::to_path_buf)
                .unwrap_or_default(),
        });
    }
    root.unwrap_or_default()
}

fn check(ctx: &Context) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let root = tree_root(ctx.ws);
    for image in judged_images(ctx.ws) {
        let facts = &image.facts;
        let toolchain_base = facts
            .base_image
            .as_ref()
            .is_some_and(|b| is_toolchain_image(&b.value));
        if toolchain_base || is_dev_image(ctx.ws, &root, &image) {
            continue;
        }
        let installed = installed_in_image(ctx.ws, facts);
        let run_stage = facts.run_stage().display_name();
        let mut groups_done: Vec<Span> = Vec::new();
        let mut words_done: Vec<Span> = Vec::new();
        for p in installed.iter().filter(|p| !p.removed_in_same_run) {
            let where_ = if p.stage == facts.stage {
                format!("stage {run_stage}")
            } else {
                format!(
                    "stage {} (stage {run_stage} is built from it)",
                    facts.stages[p.stage].display_name()
                )
            };
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
                let mut d = Diagnostic::new(
                    RULE.meta.name,
                    Severity::Warning,
                    *group_span,
                    format!(
                        "build dependencies `{group}`{listed} stay in the final image: {where_} adds them and never runs `apk del {group}`"
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
            if words_done.contains(&p.span) {
                continue;
            }
            // Every build tool written by this word (a `$buildDeps` may hold several).
            let same_word: Vec<&InstalledPackage> = installed
                .iter()
                .filter(|q| {
                    q.span == p.span && !q.removed_in_same_run && build_tool_kind(&q.name).is_some()
                })
                .collect();
            let Some(first) = same_word.first() else {
                continue;
            };
            words_done.push(p.span);
            let names: Vec<String> = same_word.iter().map(|q| format!("`{}`", q.name)).collect();
            let what = if same_word.len() == 1 {
                format!(
                    "{} ({})",
                    names[0],
                    build_tool_kind(&first.name).unwrap_or("a build tool")
                )
            } else {
                format!("build tools {}", names.join(", "))
            };
            let mut d = match first.removed_later {
                None => Diagnostic::new(
                    RULE.meta.name,
                    Severity::Warning,
                    p.span,
                    format!("{what} stays in the final image: installed in {where_} and never removed"),
                )
                .with_span_label("installed in the final image"),
                Some(removal) => Diagnostic::new(
                    RULE.meta.name,
                    Severity::Warning,
                    p.span,
                    format!("{what} is removed only by a later RUN: the layer of {where_} that installs it still ships it"),
                )
                .with_span_label("installed here")
                .with_label(removal, "removed here, one layer too late"),
            };
            let removal = match first.manager {
                crate::facts::packages::Manager::Apk => format!("apk del {}", first.name),
                crate::facts::packages::Manager::Apt => {
                    format!("apt-get purge -y --auto-remove {}", first.name)
                }
                crate::facts::packages::Manager::Rpm => format!("dnf remove -y {}", first.name),
            };
            d = d.with_help(format!(
                "build in a builder stage and COPY --from it only what the app needs (a virtualenv, wheels, a binary); or remove the tools in the same RUN (`{removal}`)"
            ));
            out.push(image.with_labels(d));
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
    fn compiler_in_the_stage_the_service_runs() {
        let df = "FROM python:3.12-slim\nRUN apt-get update && apt-get install -y --no-install-recommends gcc libpq-dev && rm -rf /var/lib/apt/lists/*\n";
        let d = assert_fires(&RULE, &[("compose.yaml", COMPOSE), ("Dockerfile", df)]);
        assert_eq!(d.len(), 2);
        assert_eq!(d[0].text, "gcc");
        assert_eq!(d[1].text, "libpq-dev");
        assert_eq!(d[0].labels[0].2, "service `app` runs stage #0");
    }

    #[test]
    fn builder_stage_is_the_point() {
        let df = "FROM python:3.12-slim AS builder\nRUN apt-get install -y gcc\nFROM python:3.12-slim AS runtime\nCOPY --from=builder /opt/venv /opt/venv\nRUN apt-get install -y libpq5 curl\n";
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
        let df = "FROM python:3.12-slim AS app\nRUN apt-get install -y gcc\nFROM python:3.12-slim AS prod\nRUN apt-get install -y curl\n";
        let compose = "services:\n  app:\n    build:\n      context: .\n      target: prod\n";
        assert_silent(&RULE, &[("compose.yaml", compose), ("Dockerfile", df)]);
        assert_silent(&RULE, &[("Dockerfile", df)]);
        let compose = "services:\n  app:\n    build:\n      context: .\n      target: app\n";
        assert_fires(&RULE, &[("compose.yaml", compose), ("Dockerfile", df)]);
        let d = assert_fires(
            &RULE,
            &[(
                "Dockerfile",
                "FROM alpine:3.20\nRUN apk add --no-cache make\n",
            )],
        );
        assert_eq!(d[0].labels[0].1, "FROM alpine:3.20");
    }

    #[test]
    fn removed_in_the_same_run_is_fine() {
        let df = "FROM python:3.12-slim\nRUN apt-get update && apt-get install -y gcc && pip install --no-cache-dir psycopg2 && apt-get purge -y --auto-remove gcc && rm -rf /var/lib/apt/lists/*\n";
        assert_silent(&RULE, &[("Dockerfile", df)]);
        let df = "FROM python:3.12-alpine\nRUN apk add --no-cache --virtual .build-deps gcc musl-dev \\\n && pip install --no-cache-dir x \\\n && apk del .build-deps\n";
        assert_silent(&RULE, &[("Dockerfile", df)]);
    }

    #[test]
    fn removed_in_a_later_run_still_ships() {
        let df = "FROM python:3.12-slim\nRUN apt-get install -y gcc\nRUN apt-get purge -y gcc\n";
        let d = assert_fires(&RULE, &[("Dockerfile", df)]);
        assert!(d[0].message.contains("later RUN"));
    }

    #[test]
    fn virtual_group_never_deleted_is_one_finding() {
        let df = "FROM python:3.12-alpine\nRUN apk add --no-cache --virtual .build-deps gcc musl-dev && pip install --no-cache-dir x\n";
        let d = assert_fires(&RULE, &[("Dockerfile", df)]);
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].text, ".build-deps");
        assert!(d[0].message.contains("gcc, musl-dev"));
        // A group of fetch tools is not this rule's business.
        let df = "FROM alpine:3.20\nRUN apk add --no-cache --virtual .fetch-deps gnupg bzip2\n";
        assert_silent(&RULE, &[("Dockerfile", df)]);
    }

    #[test]
    fn variables_heredocs_and_exec_form() {
        let df = "FROM debian:12\nRUN buildDeps='gcc make'; apt-get install -y $buildDeps\n";
        let d = assert_fires(&RULE, &[("Dockerfile", df)]);
        assert_eq!(d[0].text, "$buildDeps");
        assert!(d[0].message.contains("`gcc`, `make`"));
        let df = "FROM debian:12\nRUN <<EOF\napt-get install -y g++-12\nEOF\n";
        assert_eq!(assert_fires(&RULE, &[("Dockerfile", df)])[0].text, "g++-12");
        let df = "FROM debian:12\nRUN [\"apt-get\", \"install\", \"-y\", \"clang\"]\n";
        assert_eq!(
            assert_fires(&RULE, &[("Dockerfile", df)])[0].text,
            "\"clang\""
        );
    }

    #[test]
    fn development_images_are_for_building() {
        let df = "FROM python:3.12-slim AS dev\nRUN apt-get install -y gcc\nFROM python:3.12-slim AS prod\nRUN apt-get install -y curl\n";
        let compose = "services:\n  app:\n    build:\n      context: .\n      target: dev\n";
        assert_silent(&RULE, &[("compose.yaml", compose), ("Dockerfile", df)]);
        let df = "FROM python:3.12-slim\nRUN apt-get install -y gcc\n";
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
            let df = format!("FROM {base}\nRUN apt-get install -y libpq-dev\n");
            assert_silent(&RULE, &[("Dockerfile", &df)]);
        }
        let df = "FROM python:3.12-slim-bookworm\nRUN apt-get install -y libpq-dev\n";
        assert_fires(&RULE, &[("Dockerfile", df)]);
    }

    #[test]
    fn runtime_libraries_are_fine() {
        let df =
            "FROM debian:12\nRUN apt-get install -y libpq5 libc6 udev ca-certificates python3\n";
        assert_silent(&RULE, &[("Dockerfile", df)]);
    }
}
