//! `pip-cache`: `pip install` without `--no-cache-dir` in an image: pip's
//! download and wheel cache stays in the layer.

use std::collections::BTreeMap;

use crate::facts::packages::opaque_installer;
use crate::facts::run::{mounts, run_commands};
use crate::rules::flow::merge_same_span;
use crate::rules::{Context, Diagnostic, Edit, Fix, Rule, RuleId, RuleMeta, Severity};
use crate::source::{Span, TextRange};
use crate::syntax::dockerfile::InstructionKind;
use crate::syntax::shell::{SimpleCommand, Word};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: RuleId::PipCache,
        severity: Severity::Warning,
        summary: "`pip install` without `--no-cache-dir` (and no `PIP_NO_CACHE_DIR`, no cache mount): pip's cache of downloads and built wheels stays in the image.",
        doc: include_str!("../../rules/pip-cache.md"),
        cases: &[],
    },
    check,
};

/// `pip install`, `pip3.12 install`, `python -m pip install`,
/// `/opt/venv/bin/pip install`: the range from the program to `install`
/// and the arguments after it. Not `uv pip install` (uv has its own cache).
pub(crate) fn pip_install(c: &SimpleCommand) -> Option<(TextRange, &[Word])> {
    let (program, args) = c.program()?;
    let name = program.base_name();
    let is_pip = |n: &str| {
        n.strip_prefix("pip")
            .is_some_and(|v| v.chars().all(|c| c.is_ascii_digit() || c == '.'))
    };
    let is_python = |n: &str| {
        n.strip_prefix("python")
            .is_some_and(|v| v.chars().all(|c| c.is_ascii_digit() || c == '.'))
    };
    let rest: &[Word] = if is_pip(name) {
        args
    } else if is_python(name) {
        // python [-u -I …] -m pip …
        let m = args.iter().position(|w| w.text == "-m")?;
        if args.get(m + 1).is_none_or(|w| !is_pip(&w.text)) {
            return None;
        }
        &args[m + 2..]
    } else {
        return None;
    };
    // Global options may come before the subcommand (`pip -q install`).
    let sub = rest.iter().position(|w| !w.text.starts_with('-'))?;
    if rest[sub].text != "install" {
        return None;
    }
    Some((
        TextRange::new(program.range.start, rest[sub].range.end),
        &rest[sub + 1..],
    ))
}

/// pip options whose value is the next word (`-r FILE`, `-i URL`).
const PIP_VALUE_OPTIONS: &[&str] = &[
    "-r",
    "--requirement",
    "-c",
    "--constraint",
    "-e",
    "--editable",
    "-i",
    "--index-url",
    "--extra-index-url",
    "-f",
    "--find-links",
    "-t",
    "--target",
    "--prefix",
    "--root",
    "--cache-dir",
    "--src",
    "--upgrade-strategy",
    "--platform",
    "--python-version",
    "--implementation",
    "--abi",
    "--progress-bar",
    "--log",
    "--proxy",
    "--retries",
    "--timeout",
    "--trusted-host",
    "--cert",
    "--client-cert",
    "--config-settings",
    "-C",
    "--no-binary",
    "--only-binary",
    "--report",
    "--use-feature",
    "--exists-action",
];

/// Whether an install downloads and builds nothing pip would cache: from
/// no index (`--no-index`: wheels from a folder, the multi-stage pattern),
/// or only local projects and wheels without their dependencies
/// (`--no-deps .`, `--no-deps /wheels/*.whl`).
fn caches_nothing(args: &[Word]) -> bool {
    let has = |o: &str| args.iter().any(|a| a.text == o);
    if has("--no-index") {
        return true;
    }
    if !has("--no-deps") {
        return false;
    }
    let mut targets = Vec::new();
    let mut i = 0;
    while i < args.len() {
        let t = args[i].text.as_str();
        if matches!(t, "-r" | "--requirement") || t.starts_with("--requirement=") {
            return false;
        }
        if matches!(t, "-e" | "--editable") {
            targets.extend(args.get(i + 1).map(|a| a.text.as_str()));
            i += 2;
        } else if PIP_VALUE_OPTIONS.contains(&t) {
            i += 2;
        } else {
            if !t.starts_with('-') {
                targets.push(t);
            }
            i += 1;
        }
    }
    let local = |t: &str| {
        t.starts_with(['.', '/', '~', '$', '"'])
            || t.ends_with(".whl")
            || (t.contains('/') && !t.contains("://"))
    };
    !targets.is_empty() && targets.iter().all(|t| local(t))
}

/// Whether a `--mount=type=cache` target holds pip's cache.
fn pip_cache_target(target: &str, cache_dirs: &[String]) -> bool {
    let t = target.trim_end_matches('/');
    t.ends_with("/.cache/pip")
        || t.ends_with("/.cache")
        || t.ends_with("/pip")
        || cache_dirs.iter().any(|d| d.trim_end_matches('/') == t)
}

/// Whether a path removed by `rm` is pip's cache.
fn is_pip_cache_path(path: &str, cache_dirs: &[String]) -> bool {
    let p = path.trim_end_matches(['*', '/']);
    p.ends_with("/.cache/pip")
        || p.ends_with("/.cache")
        || cache_dirs.iter().any(|d| d.trim_end_matches('/') == p)
}

fn check(ctx: &Context) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let purposes = ctx.facts().purposes();
    for image in ctx.facts().images() {
        // Development, test and build images: their size is not the point.
        if purposes.image(image).is_some() {
            continue;
        }
        let file = image.facts.dockerfile_file;
        let source = ctx.ws.sources.get(file);
        // ENV and ARG (with a value) seen so far along the chain: both are
        // in the environment of a RUN.
        let mut env: BTreeMap<String, (String, Span)> = BTreeMap::new();
        for (_, _, ins) in image.instructions() {
            match &ins.kind {
                InstructionKind::Env(pairs) => {
                    for p in pairs {
                        env.insert(
                            p.key.value.clone(),
                            (p.value.value.clone(), Span::new(file, p.key.range)),
                        );
                    }
                    continue;
                }
                InstructionKind::Arg(decls) => {
                    for d in decls {
                        if let Some(v) = &d.default {
                            env.insert(
                                d.name.value.clone(),
                                (v.value.clone(), Span::new(file, d.name.range)),
                            );
                        }
                    }
                    continue;
                }
                InstructionKind::Run { .. } => {}
                _ => continue,
            }
            if env.contains_key("PIP_NO_CACHE_DIR") {
                continue;
            }
            let mut cache_dirs: Vec<String> = env
                .get("PIP_CACHE_DIR")
                .map(|(v, _)| vec![v.clone()])
                .unwrap_or_default();
            let commands = run_commands(source, ins);
            // `export PIP_NO_CACHE_DIR=1` earlier in the RUN.
            let mut exported = false;
            let mut installs: Vec<(usize, TextRange)> = Vec::new();
            for (i, c) in commands.iter().enumerate() {
                let sets = |w: &Word| w.text.starts_with("PIP_NO_CACHE_DIR=");
                if c.words.first().is_some_and(|w| w.text == "export") {
                    exported |= c.words.iter().any(sets);
                    continue;
                }
                let Some((range, args)) = pip_install(c) else {
                    continue;
                };
                // `PIP_NO_CACHE_DIR=1 pip install`, `env PIP_NO_CACHE_DIR=1 pip install`.
                let prefixed = c
                    .words
                    .iter()
                    .take_while(|w| w.range.start < range.start)
                    .any(sets);
                let mut no_cache = exported || prefixed || caches_nothing(args);
                for (k, a) in args.iter().enumerate() {
                    // pip (optparse) accepts any unambiguous prefix: `--no-cache`.
                    if a.text.len() >= "--no-cache".len()
                        && "--no-cache-dir".starts_with(a.text.as_str())
                    {
                        no_cache = true;
                    } else if a.text == "--cache-dir" {
                        if let Some(v) = args.get(k + 1) {
                            cache_dirs.push(v.text.clone());
                        }
                    } else if let Some(v) = a.text.strip_prefix("--cache-dir=") {
                        cache_dirs.push(v.to_string());
                    }
                }
                if !no_cache {
                    installs.push((i, range));
                }
            }
            let mounted = mounts(ins).iter().any(|m| {
                m.kind.keeps_out_of_the_layer()
                    && m.target
                        .as_deref()
                        .is_some_and(|t| pip_cache_target(t, &cache_dirs))
            });
            if mounted {
                continue;
            }
            // The cache removed later in the same RUN (`rm -rf /root/.cache/pip`,
            // `pip cache purge`, or maybe a script we cannot read) does not
            // hold what an install after that adds.
            let cleaned_at = commands.iter().rposition(|c| {
                if opaque_installer(c) {
                    return true;
                }
                let Some((program, args)) = c.program() else {
                    return false;
                };
                let name = program.base_name();
                (name == "rm" && args.iter().any(|a| is_pip_cache_path(&a.text, &cache_dirs)))
                    || (name.starts_with("pip")
                        && args.first().is_some_and(|a| a.text == "cache")
                        && args.get(1).is_some_and(|a| a.text == "purge"))
            });
            installs.retain(|&(i, _)| cleaned_at.is_none_or(|c| i > c));
            let exec = matches!(
                &ins.kind,
                InstructionKind::Run {
                    command: crate::syntax::dockerfile::Command::Exec(_),
                    ..
                }
            );
            for &(_, range) in &installs {
                // In exec form, `install` is its own JSON string
                // (`"pip", "install"`), or a word inside one (`"sh", "-c",
                // "pip install x"`), where the option goes in as text.
                let own_element = exec
                    && source.slice(range).ends_with('"')
                    && source.text[range.end..]
                        .trim_start()
                        .starts_with([',', ']']);
                let d = Diagnostic::new(RULE.meta.id, Span::new(file, range),
                    "pip keeps its cache of downloads and built wheels in the image: no `--no-cache-dir`",
                )
                .with_span_label("caches into ~/.cache/pip in this layer")
                .with_help("add `--no-cache-dir`, or set `ENV PIP_NO_CACHE_DIR=1` before it, or use a cache mount: `RUN --mount=type=cache,target=/root/.cache/pip pip install …`")
                .with_fix(Fix::edits(
                    "add `--no-cache-dir`",
                    vec![Edit {
                        span: Span::new(file, TextRange::new(range.end, range.end)),
                        replacement: if own_element {
                            ", \"--no-cache-dir\"".into()
                        } else {
                            " --no-cache-dir".into()
                        },
                    }],
                    true,
                ));
                out.push(image.with_labels(d));
            }
        }
    }
    merge_same_span(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{assert_fires, assert_silent};

    fn df(run: &str) -> String {
        format!("FROM python:3.12-slim\n{run}\n")
    }

    #[test]
    fn every_spelling_of_pip_install() {
        for (run, text) in [
            ("RUN pip install flask", "pip install"),
            ("RUN pip3 install -r requirements.txt", "pip3 install"),
            ("RUN python -m pip install .", "python -m pip install"),
            (
                "RUN python3.12 -m pip install --upgrade pip",
                "python3.12 -m pip install",
            ),
            (
                "RUN /opt/venv/bin/pip -q install x",
                "/opt/venv/bin/pip -q install",
            ),
            ("RUN [\"pip\", \"install\", \"x\"]", "\"pip\", \"install\""),
            ("RUN <<EOF\nset -e\npip install x\nEOF", "pip install"),
        ] {
            let d = assert_fires(&RULE, &[("Dockerfile", &df(run))]);
            assert_eq!(d[0].text, text, "{run}");
        }
    }

    #[test]
    fn the_fix_adds_the_option_after_install() {
        use crate::rules::testing::{fixed, fixed_text};
        for (run, after) in [
            (
                "RUN pip install -r r.txt && python -m pip install .",
                "RUN pip install --no-cache-dir -r r.txt && python -m pip install --no-cache-dir .",
            ),
            (
                "RUN [\"pip\", \"install\", \"x\"]",
                "RUN [\"pip\", \"install\", \"--no-cache-dir\", \"x\"]",
            ),
            (
                "RUN [\"sh\", \"-c\", \"pip install x && echo\"]",
                "RUN [\"sh\", \"-c\", \"pip install --no-cache-dir x && echo\"]",
            ),
            (
                "RUN pip -q install \\\n    x",
                "RUN pip -q install --no-cache-dir \\\n    x",
            ),
        ] {
            let text = fixed_text(&RULE, &[("Dockerfile", &df(run))]);
            assert_eq!(text, df(after), "{run}");
        }
        assert!(fixed(&RULE, &[("Dockerfile", &df("RUN pip install x"))]).1);
    }

    #[test]
    fn no_cache_in_every_form() {
        for run in [
            "RUN pip install --no-cache-dir flask",
            "RUN pip install --no-cache /wheels/*",
            "RUN pip install --no-cache-dir -r requirements.txt && pip install --no-cache-dir -e .",
            "ENV PIP_NO_CACHE_DIR=1\nRUN pip install flask",
            "ARG PIP_NO_CACHE_DIR=off\nRUN pip install flask",
            "RUN PIP_NO_CACHE_DIR=1 pip install flask",
            "RUN export PIP_NO_CACHE_DIR=1 && pip install flask",
            "RUN --mount=type=cache,target=/root/.cache/pip pip install flask",
            "RUN --mount=type=tmpfs,target=/root/.cache/pip pip install flask",
            "RUN pip install flask && rm -rf /root/.cache/pip",
            "RUN pip install flask && pip cache purge",
            "RUN uv pip install --system flask",
            "RUN pip download flask",
            "RUN pip install --no-index --find-links=/wheels -r requirements.txt",
            "RUN pip install --no-deps .",
            "RUN pip install --no-deps \"$CODE_DIR\"",
            "RUN pip install --no-deps /wheels/*.whl",
            "RUN pip install --no-deps -e /src/app",
            "RUN pip install flask && /scripts/cleanup.sh",
        ] {
            assert_silent(&RULE, &[("Dockerfile", &df(run))]);
        }
    }

    /// The cache is removed after the last install, not only the first.
    #[test]
    fn cleanup_before_a_later_install() {
        let run = "RUN pip install flask && rm -rf /root/.cache/pip && pip install gunicorn";
        let d = assert_fires(&RULE, &[("Dockerfile", &df(run))]);
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(d[0].column, run.rfind("pip install").unwrap() + 1);
    }

    #[test]
    fn inherited_env_counts_builder_stages_do_not() {
        let d = "FROM python:3.12-slim AS base\nENV PIP_NO_CACHE_DIR=1\nFROM base\nRUN pip install flask\n";
        assert_silent(&RULE, &[("Dockerfile", d)]);
        let d = "FROM python:3.12-slim AS build\nRUN pip wheel -w /w flask && pip install flask\nFROM python:3.12-slim\nCOPY --from=build /w /w\n";
        assert_silent(&RULE, &[("Dockerfile", d)]);
        // ENV after the RUN does not count.
        let d = "FROM python:3.12-slim\nRUN pip install flask\nENV PIP_NO_CACHE_DIR=1\n";
        assert_fires(&RULE, &[("Dockerfile", d)]);
    }

    /// Dependencies are downloaded and cached unless `--no-deps`.
    #[test]
    fn local_projects_with_their_dependencies_still_cache() {
        for run in [
            "RUN pip install .",
            "RUN pip install --no-deps -r requirements.txt",
            "RUN pip install --no-deps flask",
            "RUN pip install -e /src/app",
        ] {
            assert_fires(&RULE, &[("Dockerfile", &df(run))]);
        }
    }

    /// Development, test and build images: their size is not the point.
    #[test]
    fn development_images() {
        let app = ("Dockerfile", "FROM python:3.12-slim\n");
        for name in [
            ".devcontainer/Dockerfile",
            "Dockerfile.dev",
            "tests/Dockerfile",
        ] {
            assert_silent(&RULE, &[app, (name, &df("RUN pip install flask"))]);
        }
    }
}
