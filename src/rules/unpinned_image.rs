//! `unpinned-image`: a `FROM` or a compose `image:` that pulls an image
//! without a tag or with `:latest`.

use std::collections::{BTreeMap, BTreeSet};

use crate::facts::image_ref::ImageRef;
use crate::facts::images::built_here;
use crate::facts::purpose::Purposes;

use crate::model::types::{Service, VariableSource};
use crate::model::workspace::Workspace;
use crate::rules::flow::{find_in, merge_same_span};
use crate::rules::{Context, Diagnostic, Edit, Fix, Rule, RuleId, RuleMeta, Severity};
use crate::source::{FileId, Span, TextRange};
use crate::syntax::dockerfile::{
    expand_within, expand_word_within, Budget, Dockerfile, InstructionKind,
};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: RuleId::UnpinnedImage,
        severity: Severity::Warning,
        summary: "A `FROM` or compose `image:` with no tag or `:latest`: each build or pull may get a different image.",
        doc: include_str!("../../rules/unpinned-image.md"),
        cases: &[],
    },
    check,
};

/// What is wrong with an image reference, if anything.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Problem {
    NoTag,
    Latest,
}

/// What is wrong with a reference, read as Docker reads it (a registry's
/// port is no tag: `registry.local:5000/app` has none).
fn problem(image: &ImageRef) -> Option<Problem> {
    if image.digest.is_some() {
        return None;
    }
    match image.tag {
        None => Some(Problem::NoTag),
        Some(t) if t.eq_ignore_ascii_case("latest") => Some(Problem::Latest),
        Some(_) => None,
    }
}

/// A reference we cannot judge: a template, a dangling `:` or `/`, or one
/// [`ImageRef`] cannot read (empty, `${VAR}` left).
fn judgeable(reference: &str) -> Option<ImageRef<'_>> {
    let odd = reference.contains("{{")
        || reference.contains("//")
        || reference.ends_with([':', '/'])
        || reference.starts_with([':', '/']);
    if odd {
        return None;
    }
    ImageRef::parse(reference)
}

/// The help, with the image's own name: `pin a version tag (redis:<version>)…`.
fn help(image: &ImageRef) -> String {
    let name = match image.registry {
        Some(r) => format!("{r}/{}", image.path),
        None => image.path.to_string(),
    };
    format!("pin a version tag (`{name}:<version>`), or add the digest for fully reproducible builds (`{name}:<version>@sha256:…`), and let Renovate or Dependabot propose upgrades")
}

/// BuildKit's automatic platform ARGs: known only at build time, even in
/// `FROM` (`FROM build_${TARGETARCH}`).
const PLATFORM_ARGS: &[&str] = &[
    "TARGETPLATFORM",
    "TARGETOS",
    "TARGETARCH",
    "TARGETVARIANT",
    "BUILDPLATFORM",
    "BUILDOS",
    "BUILDARCH",
    "BUILDVARIANT",
];

fn message(reference: &str, p: Problem, services: Option<&[String]>) -> String {
    let who = services.map(|names| {
        let quoted: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
        match quoted.as_slice() {
            [one] => format!("service {one} pulls"),
            _ => format!("services {} pull", quoted.join(", ")),
        }
    });
    match (p, who) {
        (Problem::NoTag, None) => format!(
            "base image `{reference}` has no tag: it means `{reference}:latest`, whatever that is on the day of the build"
        ),
        (Problem::Latest, None) => format!(
            "base image `{reference}` is not pinned: `latest` moves, so two builds of the same commit can differ"
        ),
        (Problem::NoTag, Some(who)) => format!(
            "{who} `{reference}` with no tag: that is `{reference}:latest`, whatever it is on the day of the pull"
        ),
        (Problem::Latest, Some(who)) => format!(
            "{who} `{reference}`, which is not pinned: `latest` moves, so two deployments of the same commit can run different images"
        ),
    }
}

/// Where a tag is in use: a compose project (its index among the whole
/// projects) with the Dockerfiles its services build, or the folder of a
/// Dockerfile no project builds. A tag pinned in another project of the
/// repository (a collection of samples, another product) says nothing of
/// this one.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Scope {
    Project(usize),
    Folder(std::path::PathBuf),
}

/// The tags each scope pins each repository to, wherever written
/// literally: the `image:` of the services that pull (not the name of an
/// image a service builds: `app:local`), the `FROM` lines without variables
/// of the Dockerfiles the scope builds.
type Tags = BTreeMap<(Scope, String), BTreeSet<String>>;

fn tags_in_use(ws: &Workspace) -> Tags {
    let mut tags = Tags::new();
    let mut add = |scope: &Scope, reference: &str| {
        if let Some(r) = ImageRef::parse(reference) {
            if let Some(t) = r.tag.filter(|t| !t.eq_ignore_ascii_case("latest")) {
                tags.entry((scope.clone(), r.repository()))
                    .or_default()
                    .insert(t.to_string());
            }
        }
    };
    let from_lines = |file: FileId| -> Vec<String> {
        ws.dockerfiles
            .get(&file)
            .map(|df| {
                df.instructions
                    .iter()
                    .filter_map(|ins| match &ins.kind {
                        InstructionKind::From { image, .. } => Some(image.value.clone()),
                        _ => None,
                    })
                    .collect()
            })
            .unwrap_or_default()
    };
    let mut built = BTreeSet::new();
    for (i, p) in ws.whole_projects().enumerate() {
        let scope = Scope::Project(i);
        for s in &p.services {
            match (&s.build, &s.image_facts, &s.image) {
                (Some(_), Some(f), _) => {
                    built.insert(f.dockerfile_file);
                    for r in from_lines(f.dockerfile_file) {
                        add(&scope, &r);
                    }
                }
                (None, _, Some(image)) => add(&scope, &image.text),
                _ => {}
            }
        }
    }
    for id in ws.dockerfiles.keys().filter(|id| !built.contains(*id)) {
        let scope = folder_scope(ws, *id);
        for r in from_lines(*id) {
            add(&scope, &r);
        }
    }
    tags
}

/// The scope of a Dockerfile no project builds: its folder.
fn folder_scope(ws: &Workspace, file: FileId) -> Scope {
    let path = &ws.sources.get(file).path;
    Scope::Folder(path.parent().map(Into::into).unwrap_or_default())
}

/// Pins `reference` to the one tag the rest of the project uses for its
/// repository, where the finding's span is the `latest` to replace or the
/// whole reference to complete. Unsafe: that tag may not be what `latest`
/// was.
fn pin_fix(
    ws: &Workspace,
    tags: &Tags,
    scope: Scope,
    primary: Span,
    reference: &str,
    p: Problem,
) -> Option<Fix> {
    let parsed = ImageRef::parse(reference)?;
    let used = tags.get(&(scope, parsed.repository()))?;
    let [tag] = used.iter().collect::<Vec<_>>()[..] else {
        return None;
    };
    let written = ws.sources.get(primary.file).slice(primary.range);
    let r = primary.range;
    let (range, replacement) = match p {
        Problem::Latest if written == "latest" => (r, tag.clone()),
        Problem::NoTag if written == reference.trim() => {
            (TextRange::new(r.end, r.end), format!(":{tag}"))
        }
        Problem::NoTag
            if written.len() == reference.trim().len() + 2
                && (written.starts_with('"') && written.ends_with('"')
                    || written.starts_with('\'') && written.ends_with('\''))
                && &written[1..written.len() - 1] == reference.trim() =>
        {
            (TextRange::new(r.end - 1, r.end - 1), format!(":{tag}"))
        }
        _ => return None,
    };
    Some(Fix::edits(
        format!("pin `{tag}`, the tag the project uses elsewhere"),
        vec![Edit {
            span: Span::new(primary.file, range),
            replacement,
        }],
        false,
    ))
}

fn check(ctx: &Context) -> Vec<Diagnostic> {
    let purposes = ctx.facts().purposes();
    let tags = tags_in_use(ctx.ws);
    let mut out = Vec::new();
    for (id, df) in &ctx.ws.dockerfiles {
        let builds = builds(ctx.ws, *id);
        // A Dockerfile for development, tests or CI, or built only by
        // services of such compose files: pinning is for production.
        let dev_file = purposes.file(*id).is_some();
        let dev_builders = builds.iter().all(|b| {
            b.service
                .is_some_and(|s| purposes.file(s.name_span.file).is_some())
        });
        if dev_file || dev_builders {
            continue;
        }
        for build in builds {
            check_dockerfile(ctx.ws, *id, df, &build, &tags, &mut out);
        }
    }
    let pulls: Vec<Pull> = ctx
        .ws
        .whole_projects()
        .enumerate()
        .flat_map(|(i, p)| p.services.iter().map(move |s| (i, s)))
        .filter_map(|(i, s)| {
            check_service(ctx.ws, purposes, s).map(|mut pull| {
                pull.project = i;
                pull
            })
        })
        .collect();
    out.extend(pull_diagnostics(ctx.ws, &tags, pulls));
    merge_same_span(out)
}

/// One way a Dockerfile is built: by a compose service, whose `build.args`
/// override the ARG defaults, or (no service builds it) with the defaults.
struct Build<'a> {
    service: Option<&'a Service>,
    /// Where the tags it may be pinned to are used.
    scope: Scope,
    /// Name → the value compose passes, where it is written in compose,
    /// and where each part of it may be written: the compose value, the
    /// `.env` values interpolated into it or passed through (`args: [NAME]`).
    args: BTreeMap<String, (String, Span, Vec<Span>)>,
}

fn builds(ws: &Workspace, file: FileId) -> Vec<Build<'_>> {
    let mut out = Vec::new();
    for (i, project) in ws.whole_projects().enumerate() {
        for service in &project.services {
            let (Some(build), Some(facts)) = (&service.build, &service.image_facts) else {
                continue;
            };
            if facts.dockerfile_file != file {
                continue;
            }
            let args = build
                .args
                .iter()
                .filter_map(|(name, key, value)| {
                    let given = match value {
                        Some(v) => {
                            let dotenv = v.via.iter().filter_map(|via| match &via.source {
                                Some(VariableSource::Dotenv { value, .. }) => Some(*value),
                                _ => None,
                            });
                            let parts = std::iter::once(v.span).chain(dotenv).collect();
                            (v.text.clone(), v.span, parts)
                        }
                        None => {
                            let var = project.variables.get(name)?;
                            let at = match var.source {
                                VariableSource::Dotenv { value, .. } => value,
                                VariableSource::Process | VariableSource::Compose => *key,
                            };
                            (var.value.clone(), *key, vec![at])
                        }
                    };
                    Some((name.clone(), given))
                })
                .collect();
            out.push(Build {
                service: Some(service),
                scope: Scope::Project(i),
                args,
            });
        }
    }
    if out.is_empty() {
        out.push(Build {
            service: None,
            scope: folder_scope(ws, file),
            args: BTreeMap::new(),
        });
    }
    out
}

fn check_dockerfile(
    ws: &Workspace,
    file: FileId,
    df: &Dockerfile,
    build: &Build,
    tags: &Tags,
    out: &mut Vec<Diagnostic>,
) {
    let source = ws.sources.get(file);
    // Global ARGs: name → (value, where its parts may be written, the build
    // arg in compose that gives it).
    type Given = (String, Vec<Span>, Option<Span>);
    let mut args: BTreeMap<String, Option<Given>> = BTreeMap::new();
    // Stage names so far, lowercased (a set: 100,000 stages stay linear).
    let mut aliases: std::collections::HashSet<String> = Default::default();
    let mut in_stage = false;
    // One bound for the whole walk, as the model keeps (past it, the value
    // is not read: the model reports where).
    let mut budget = Budget::file();
    for ins in &df.instructions {
        match &ins.kind {
            InstructionKind::Arg(decls) if !in_stage => {
                for d in decls {
                    let given = build
                        .args
                        .get(&d.name.value)
                        .map(|(v, arg, parts)| (v.clone(), parts.clone(), Some(*arg)));
                    let value = given.or_else(|| {
                        d.default.as_ref().map(|v| {
                            let mut lookup = |n: &str| args.get(n).cloned().flatten().map(|x| x.0);
                            let value =
                                expand_within(&v.value, &d.literal, &mut lookup, &mut budget)
                                    .unwrap_or_default();
                            (value, vec![Span::new(file, v.range)], None)
                        })
                    });
                    args.insert(d.name.value.clone(), value);
                }
            }
            InstructionKind::From { image, alias } => {
                in_stage = true;
                let written = source.slice(image.range);
                let mut used: Vec<String> = Vec::new();
                let mut unknown = false;
                let mut lookup = |n: &str| {
                    used.push(n.to_string());
                    match args.get(n) {
                        Some(Some((v, _, _))) => Some(v.clone()),
                        // Declared without a default: given at build time.
                        Some(None) => {
                            unknown = true;
                            None
                        }
                        None if PLATFORM_ARGS.contains(&n) => {
                            unknown = true;
                            None
                        }
                        None => None,
                    }
                };
                let Ok(reference) =
                    expand_word_within(&image.value, df.escape, &mut lookup, &mut budget)
                else {
                    continue;
                };
                let is_stage = aliases.contains(&reference.to_ascii_lowercase());
                if let Some(a) = alias {
                    aliases.insert(a.value.to_ascii_lowercase());
                }
                if is_stage || reference.eq_ignore_ascii_case("scratch") {
                    continue;
                }
                let Some(parsed) = judgeable(&reference) else {
                    continue;
                };
                let Some(p) = problem(&parsed) else {
                    continue;
                };
                if built_here(ws, &parsed) {
                    continue;
                }
                let from_span = Span::new(file, image.range);
                // Where the missing or `latest` tag is written: in FROM, in an
                // ARG default or in the build arg compose passes.
                let values: Vec<(Span, Option<Span>)> = used
                    .iter()
                    .filter_map(|n| args.get(n).cloned().flatten())
                    .flat_map(|(_, parts, arg)| parts.into_iter().map(move |s| (s, arg)))
                    .collect();
                let primary =
                    match p {
                        Problem::Latest => find_in(ws, from_span, "latest")
                            .map(|s| (s, None))
                            .or_else(|| {
                                values
                                    .iter()
                                    .find_map(|(s, c)| find_in(ws, *s, "latest").map(|s| (s, *c)))
                            }),
                        Problem::NoTag if unknown => continue,
                        Problem::NoTag if !written.contains('$') => Some((from_span, None)),
                        Problem::NoTag => {
                            // `FROM $BASE` with `ARG BASE=python`: the value.
                            let name = parsed.name();
                            values.iter().find_map(|(s, c)| {
                                find_in(ws, *s, &reference)
                                    .or_else(|| find_in(ws, *s, name))
                                    .map(|s| (s, *c))
                            })
                        }
                    };
                let (primary, build_arg) = primary.unwrap_or((from_span, None));
                let mut message = message(&reference, p, None);
                let builder = build.service.filter(|_| build_arg.is_some());
                if builder.is_some() {
                    message.push_str(" (a build arg compose passes)");
                }
                let mut d = Diagnostic::new(RULE.meta.id, primary, message)
                    .with_span_label(match p {
                        Problem::Latest => "`latest` moves",
                        Problem::NoTag => "no tag: `latest`",
                    })
                    .with_help(help(&parsed));
                if primary != from_span {
                    d = d.with_label(
                        from_span,
                        format!("`FROM {written}` expands to `{reference}`"),
                    );
                }
                if let Some(arg) = build_arg
                    .filter(|a| a.file != primary.file || !a.range.contains(primary.range.start))
                {
                    d = d.with_label(arg, "passed as a build arg here");
                }
                if let Some(s) = builder {
                    d = d.with_label(
                        s.name_span,
                        format!("service `{}` builds it with this build arg", s.name),
                    );
                }
                if let Some(fix) = pin_fix(ws, tags, build.scope.clone(), primary, &reference, p) {
                    d = d.with_fix(fix);
                }
                out.push(d);
            }
            _ => {}
        }
    }
}

/// One pull of an unpinned image by a service: where the tag is missing or
/// `latest`, and how to word it.
struct Pull {
    primary: Span,
    reference: String,
    problem: Problem,
    help: String,
    service: String,
    /// Its project's index among the whole projects.
    project: usize,
    /// The references that carried the tag into `image:`, the outermost
    /// first: `${IMG}` in the compose file, `${T}` in `IMG`'s `.env` line.
    carried_by: Vec<(Span, String)>,
}

fn check_service(ws: &Workspace, purposes: &Purposes, service: &Service) -> Option<Pull> {
    // With `build:`, `image:` names the image Compose builds, not a pull.
    if service.build.is_some() {
        return None;
    }
    // A compose file for development, tests or CI: pinning is for production.
    if purposes.file(service.name_span.file).is_some() {
        return None;
    }
    let image = service.image.as_ref()?;
    let reference = image.text.trim();
    let parsed = judgeable(reference)?;
    let p = problem(&parsed)?;
    // Another service builds it (`image:` + `build:`, `pull_policy: build`).
    if built_here(ws, &parsed) {
        return None;
    }
    let written = ws.sources.get(image.span.file).slice(image.span.range);
    // Where the tag (or, without one, the name) is written: from the
    // value's map, through a `${VAR}` into the `.env` line that set it.
    let piece = match p {
        Problem::Latest => parsed.tag,
        Problem::NoTag => Some(parsed.name()),
    };
    let exact = piece
        .and_then(|piece| ImageRef::range_in(&image.text, piece))
        .map(|range| image.origin_of(range))
        .and_then(|o| {
            let vias: Vec<(Span, String)> = o
                .vias
                .iter()
                .map(|v| (v.reference, v.variable.clone()))
                .collect();
            Some((o.span?, vias))
        });
    // Else (decoded text, a piece across a `${VAR}`) searched for: in the
    // scalar, then in the `.env` values interpolated into it.
    let from_dotenv = |needle: &str| {
        image.via.iter().find_map(|v| match &v.source {
            Some(VariableSource::Dotenv { value, .. }) => {
                find_in(ws, *value, needle).map(|s| (s, vec![(v.reference, v.variable.clone())]))
            }
            _ => None,
        })
    };
    let (primary, carried_by) = match (p, exact) {
        (Problem::NoTag, _) if !written.contains('$') => (image.span, Vec::new()),
        (_, Some(found)) => found,
        (Problem::Latest, None) => match find_in(ws, image.span, "latest") {
            Some(s) => (s, Vec::new()),
            None => from_dotenv("latest").unwrap_or((image.span, Vec::new())),
        },
        (Problem::NoTag, None) => from_dotenv(parsed.name()).unwrap_or((image.span, Vec::new())),
    };
    Some(Pull {
        primary,
        reference: reference.to_string(),
        problem: p,
        help: help(&parsed),
        service: service.name.clone(),
        project: 0,
        carried_by,
    })
}

/// One finding per place the tag is written, naming every service that
/// pulls the image from there (an anchor, `extends`, a `.env` value).
fn pull_diagnostics(ws: &Workspace, tags: &Tags, pulls: Vec<Pull>) -> Vec<Diagnostic> {
    // The first pull, the services, the labels.
    type Group = (Pull, Vec<String>, Vec<(Span, String)>);
    let mut groups: Vec<Group> = Vec::new();
    for pull in pulls {
        let label: Vec<(Span, String)> = pull
            .carried_by
            .iter()
            .enumerate()
            .map(|(i, (r, _))| {
                let text = match i {
                    0 => format!("interpolated into `image:` of service `{}`", pull.service),
                    _ => format!("interpolated here into {}", pull.carried_by[i - 1].1),
                };
                (*r, text)
            })
            .collect();
        match groups.iter_mut().find(|g| g.0.primary == pull.primary) {
            Some(g) => {
                if !g.1.contains(&pull.service) {
                    g.1.push(pull.service.clone());
                }
                for l in label {
                    if !g.2.contains(&l) {
                        g.2.push(l);
                    }
                }
            }
            None => {
                let services = vec![pull.service.clone()];
                groups.push((pull, services, label));
            }
        }
    }
    groups
        .into_iter()
        .map(|(pull, services, labels)| {
            let mut d = Diagnostic::new(
                RULE.meta.id,
                pull.primary,
                message(&pull.reference, pull.problem, Some(&services)),
            )
            .with_span_label(match pull.problem {
                Problem::Latest => "`latest` moves",
                Problem::NoTag => "no tag: `latest`",
            })
            .with_help(pull.help);
            for (at, text) in labels {
                d = d.with_label(at, text);
            }
            let scope = Scope::Project(pull.project);
            if let Some(fix) = pin_fix(ws, tags, scope, pull.primary, &pull.reference, pull.problem)
            {
                d = d.with_fix(fix);
            }
            d
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{assert_fires, assert_silent};

    fn from(df: &str) -> Vec<String> {
        crate::rules::testing::fired(&RULE, &[("Dockerfile", df)])
            .into_iter()
            .map(|f| f.text)
            .collect()
    }

    #[test]
    fn from_without_tag_or_latest() {
        assert_eq!(from("FROM python\n"), ["python"]);
        assert_eq!(from("FROM python:latest AS x\n"), ["latest"]);
        assert_eq!(
            from("FROM --platform=$BUILDPLATFORM ghcr.io/org/tool\n"),
            ["ghcr.io/org/tool"]
        );
        assert_eq!(from("FROM localhost:5000/app\n"), ["localhost:5000/app"]);
    }

    /// Compose builds with its `build.args`, over the ARG defaults.
    #[test]
    fn compose_build_args_decide_the_base() {
        let df = "ARG BASE=python:latest\nFROM ${BASE}\n";
        let pinned = "services:\n  app:\n    build:\n      context: .\n      args:\n        BASE: python:3.12-slim\n";
        assert_silent(&RULE, &[("Dockerfile", df), ("compose.yaml", pinned)]);
        // Not every service passes it: the default is built too.
        let both = format!("{pinned}  worker:\n    build: .\n");
        let d = assert_fires(&RULE, &[("Dockerfile", df), ("compose.yaml", &both)]);
        assert_eq!(
            (d.len(), d[0].file.as_str(), d[0].text.as_str()),
            (1, "Dockerfile", "latest")
        );
        // The arg compose passes is the unpinned one: point at it.
        let df = "ARG BASE=python:3.12-slim\nFROM $BASE\n";
        let latest =
            "services:\n  app:\n    build:\n      context: .\n      args: [\"BASE=python\"]\n";
        let d = assert_fires(&RULE, &[("Dockerfile", df), ("compose.yaml", latest)]);
        assert_eq!(
            (d[0].file.as_str(), d[0].text.as_str()),
            ("compose.yaml", "python")
        );
        assert!(d[0].message.contains("build arg"), "{}", d[0].message);
        assert!(d[0].labels.iter().any(|l| l.2.contains("service `app`")));
        assert_eq!(d[0].labels[0].1, "$BASE");
        // An ARG with no default, given by compose through the environment.
        let df = "ARG BASE\nFROM ${BASE}\n";
        let pass = "services:\n  app:\n    build:\n      context: .\n      args: [BASE]\n";
        let d = assert_fires(
            &RULE,
            &[
                ("Dockerfile", df),
                ("compose.yaml", pass),
                (".env", "BASE=python:latest\n"),
            ],
        );
        assert_eq!((d[0].file.as_str(), d[0].text.as_str()), (".env", "latest"));
        // Interpolated from `.env` into the build arg; two services pass it.
        let df = "ARG BASE\nFROM ${BASE}\n";
        let both = "services:\n  app:\n    build:\n      context: .\n      args:\n        BASE: ${BASE_IMAGE}\n  worker:\n    build:\n      context: .\n      args:\n        BASE: ${BASE_IMAGE}\n";
        let d = assert_fires(
            &RULE,
            &[
                ("Dockerfile", df),
                ("compose.yaml", both),
                (".env", "BASE_IMAGE=python:latest\n"),
            ],
        );
        assert_eq!(
            (d.len(), d[0].file.as_str(), d[0].text.as_str()),
            (1, ".env", "latest")
        );
        let labels: Vec<&str> = d[0].labels.iter().map(|l| l.2.as_str()).collect();
        assert!(
            labels.contains(&"service `app` builds it with this build arg"),
            "{labels:?}"
        );
        assert!(
            labels.contains(&"service `worker` builds it with this build arg"),
            "{labels:?}"
        );
        assert!(labels.contains(&"passed as a build arg here"), "{labels:?}");
        assert!(!d[0].message.contains("`app`"), "{}", d[0].message);
    }

    #[test]
    fn pinned_stages_and_scratch() {
        for df in [
            "FROM python:3.12-slim\n",
            "FROM python@sha256:abcd\n",
            "FROM python:latest@sha256:abcd\n",
            "FROM localhost:5000/app:1.2\n",
            "FROM scratch\n",
            "FROM golang:1.22 AS Build\nFROM build\nFROM BUILD AS again\n",
            "ARG BASE\nFROM $BASE\n",
            "ARG TAG\nFROM python:$TAG\n",
            "ARG PY=3.12\nFROM python:${PY}-slim\n",
        ] {
            assert!(from(df).is_empty(), "{df}");
        }
    }

    #[test]
    fn arg_default_is_where_the_tag_is_missing() {
        let d = crate::rules::testing::fired(
            &RULE,
            &[("Dockerfile", "ARG BASE=python\nFROM ${BASE} AS app\n")],
        );
        assert_eq!(d[0].text, "python");
        assert_eq!(d[0].line, 1);
        assert_eq!(d[0].labels[0].1, "${BASE}");
        let d = crate::rules::testing::fired(
            &RULE,
            &[("Dockerfile", "ARG TAG=\"latest\"\nFROM node:$TAG\n")],
        );
        assert_eq!((d[0].text.as_str(), d[0].line), ("latest", 1));
        // A stage-level ARG does not reach FROM.
        assert_eq!(
            from("FROM alpine:3.20\nARG BASE=python\nFROM $BASE\n").len(),
            0
        );
    }

    #[test]
    fn the_fix_pins_the_tag_used_elsewhere() {
        use crate::rules::testing::fixed;
        let files = [
            ("Dockerfile", "FROM python\nFROM python:latest AS x\n"),
            ("worker/Dockerfile", "FROM python:3.12-slim\n"),
            (
                "compose.yaml",
                "services:\n  web:\n    build: .\n  w:\n    build: worker\n  cache:\n    image: \"redis\"\n  c2:\n    image: docker.io/library/redis:7.2\n",
            ),
        ];
        let (mut changes, safe) = fixed(&RULE, &files);
        changes.sort();
        assert_eq!(
            changes,
            [
                (
                    "Dockerfile".to_string(),
                    "FROM python:3.12-slim\nFROM python:3.12-slim AS x\n".to_string()
                ),
                (
                    "compose.yaml".to_string(),
                    files[2].1.replace("\"redis\"", "\"redis:7.2\"")
                ),
            ]
        );
        assert!(!safe);
        // Two tags in use: which one is a guess; none at all: nothing to pin.
        let files = [
            ("Dockerfile", "FROM node\n"),
            ("a/Dockerfile", "FROM node:20\n"),
            ("b/Dockerfile", "FROM node:22\n"),
        ];
        assert!(fixed(&RULE, &files).0.is_empty());
        assert!(fixed(&RULE, &[("Dockerfile", "FROM node\n")]).0.is_empty());
        // The name of an image the project builds, another project's tag:
        // no tag this project pulls.
        let files = [
            (
                "compose.yaml",
                "services:\n  app:\n    image: acme/app:latest\n  dev:\n    image: acme/app:local\n    build: .\n",
            ),
            ("Dockerfile", "FROM python:3.12\n"),
            ("other/compose.yaml", "services:\n  db:\n    image: postgres:16\n"),
            ("third/compose.yaml", "services:\n  db:\n    image: postgres\n"),
        ];
        assert!(fixed(&RULE, &files).0.is_empty());
    }

    #[test]
    fn compose_image() {
        let d = assert_fires(&RULE, &[("compose.yaml", "services:\n  db:\n    image: postgres\n  cache:\n    image: redis:latest\n  ok:\n    image: nginx:1.27\n")]);
        assert_eq!(d.len(), 2);
        assert_eq!(d[0].text, "postgres");
        assert_eq!(d[1].text, "latest");
    }

    #[test]
    fn compose_image_of_a_build_is_not_a_pull() {
        let compose = "services:\n  app:\n    build: .\n    image: myorg/app\n";
        assert_silent(
            &RULE,
            &[
                ("compose.yaml", compose),
                ("Dockerfile", "FROM python:3.12\n"),
            ],
        );
    }

    #[test]
    fn compose_image_from_dotenv() {
        let files = [
            (
                "compose.yaml",
                "services:\n  db:\n    image: postgres:${PG_TAG}\n",
            ),
            (".env", "PG_TAG=latest\n"),
        ];
        let d = assert_fires(&RULE, &files);
        assert_eq!((d[0].file.as_str(), d[0].text.as_str()), (".env", "latest"));
        assert_eq!(d[0].labels[0].1, "${PG_TAG}");
        let files = [(
            "compose.yaml",
            "services:\n  db:\n    image: postgres:${PG_TAG:-16}\n",
        )];
        assert_silent(&RULE, &files);
        let files = [("compose.yaml", "services:\n  db:\n    image: ${IMAGE}\n")];
        assert_silent(&RULE, &files);
    }

    /// The tag or name is where its own piece of `image:` is written, not
    /// the first `.env` value that holds the word.
    #[test]
    fn compose_image_points_at_its_own_piece() {
        let files = [
            (
                "compose.yaml",
                "services:\n  app:\n    image: ${REPO}:${TAG}\n",
            ),
            (".env", "REPO=latest/app\nTAG=latest\n"),
        ];
        let d = assert_fires(&RULE, &files);
        assert_eq!(
            (
                d[0].file.as_str(),
                d[0].line,
                d[0].column,
                d[0].text.as_str()
            ),
            (".env", 2, 5, "latest")
        );
        assert_eq!(d[0].labels[0].1, "${TAG}");
        // No tag: the name, written in the compose file after a registry
        // that holds the same word.
        let files = [
            (
                "compose.yaml",
                "services:\n  db:\n    image: ${REGISTRY}/postgres\n",
            ),
            (".env", "REGISTRY=postgres.internal:5000\n"),
        ];
        let d = assert_fires(&RULE, &files);
        assert_eq!(
            (
                d[0].file.as_str(),
                d[0].line,
                d[0].column,
                d[0].text.as_str()
            ),
            ("compose.yaml", 3, 24, "postgres")
        );
        assert!(d[0].labels.is_empty(), "{:?}", d[0].labels);
    }

    /// An image a service of the project builds comes from no registry:
    /// another service's `image:`, a `pull_policy: build`, a `FROM`.
    #[test]
    fn images_the_project_builds() {
        let compose = "services:\n  app:\n    build: .\n    image: myorg/app\n  worker:\n    image: myorg/app\n    command: worker\n";
        let df = ("Dockerfile", "FROM python:3.12-slim\n");
        assert_silent(&RULE, &[("compose.yaml", compose), df]);
        let compose = "services:\n  app:\n    image: docker.io/myorg/app:latest\n    pull_policy: build\n    build: .\n  worker:\n    image: myorg/app\n";
        assert_silent(&RULE, &[("compose.yaml", compose), df]);
        let compose = "services:\n  base:\n    image: registry.local:5000/team/base\n    build: ./base\n  app:\n    build: ./app\n";
        let files = [
            ("compose.yaml", compose),
            ("base/Dockerfile", "FROM python:3.12-slim\n"),
            ("app/Dockerfile", "FROM registry.local:5000/team/base\n"),
        ];
        assert_silent(&RULE, &files);
        // Another tag of it comes from the registry.
        let compose = "services:\n  dev:\n    build: .\n    image: acme/app:develop\n  prod:\n    image: acme/app:latest\n";
        let d = assert_fires(&RULE, &[("compose.yaml", compose), df]);
        assert_eq!(d[0].text, "latest");
        // Another repository of the same name is still pulled.
        let compose = "services:\n  app:\n    build: .\n    image: myorg/app\n  other:\n    image: otherorg/app\n";
        let d = assert_fires(&RULE, &[("compose.yaml", compose), df]);
        assert_eq!(d[0].text, "otherorg/app");
    }

    /// A base image built from a folder of the repository named for it
    /// (`base-java/Dockerfile`), unless that Dockerfile wraps the image.
    #[test]
    fn base_images_built_in_the_repository() {
        let files = [
            ("base-java/Dockerfile", "FROM eclipse-temurin:21-jre\n"),
            (
                "app/Dockerfile",
                "ARG TAG=latest\nFROM ghcr.io/org/base-java:${TAG}\n",
            ),
        ];
        assert_silent(&RULE, &files);
        let files = [
            ("Dockerfile.base", "FROM node:22-slim\n"),
            ("Dockerfile", "FROM myorg/app-base\n"),
        ];
        assert_silent(&RULE, &files);
        let files = [
            ("docker/workers.Dockerfile", "FROM python:3.12-slim\n"),
            (
                "docker/complement/Dockerfile",
                "ARG FROM=matrixdotorg/synapse-workers:latest\nFROM $FROM\n",
            ),
        ];
        assert_silent(&RULE, &files);
        let files = [("grafana/Dockerfile", "FROM grafana/grafana:latest\n")];
        assert_fires(&RULE, &files);
    }

    /// BuildKit sets the platform ARGs at build time, even for FROM.
    #[test]
    fn platform_args_are_unknown() {
        let df = "FROM rust:1.80 AS build_amd64\nFROM rust:1.80 AS build_arm64\nFROM build_${TARGETARCH}${TARGETVARIANT} AS build\n";
        assert!(from(df).is_empty());
    }

    /// Pinning is for production: not in files for development, tests or CI.
    #[test]
    fn development_files_are_not_judged() {
        let pull = "services:\n  mail:\n    image: axllent/mailpit\n";
        let app = ("compose.yaml", "services:\n  app:\n    image: nginx:1.27\n");
        for name in [
            "docker-compose.dev.yml",
            "docker-compose-ci.yml",
            "tests/compose.yaml",
        ] {
            assert_silent(&RULE, &[app, (name, pull)]);
        }
        for name in [
            "Dockerfile.dev",
            "test/radius.dockerfile",
            ".devcontainer/Dockerfile",
        ] {
            assert_silent(&RULE, &[app, (name, "FROM python\n")]);
        }
        let compose =
            "services:\n  app:\n    build:\n      context: .\n      dockerfile: Dockerfile\n";
        assert_silent(
            &RULE,
            &[
                ("compose.dev.yaml", compose),
                ("Dockerfile", "FROM python\n"),
            ],
        );
    }

    /// One finding per place the image is written, naming every service.
    #[test]
    fn one_finding_for_services_sharing_an_image() {
        let compose = "x-app: &app\n  image: myorg/worker\nservices:\n  a:\n    <<: *app\n  b:\n    <<: *app\n";
        let d = assert_fires(&RULE, &[("compose.yaml", compose)]);
        assert_eq!(d.len(), 1, "{d:?}");
        assert!(
            d[0].message.starts_with("services `a`, `b` pull"),
            "{}",
            d[0].message
        );
    }

    #[test]
    fn registry_ports_are_not_tags() {
        assert_eq!(
            from("FROM registry.local:5000/app\n"),
            ["registry.local:5000/app"]
        );
        assert!(from("FROM registry.local:5000/app:1.2\n").is_empty());
        let d = assert_fires(
            &RULE,
            &[(
                "compose.yaml",
                "services:\n  a:\n    image: registry.local:5000/team/app\n",
            )],
        );
        assert!(d[0]
            .help
            .as_deref()
            .unwrap()
            .contains("`registry.local:5000/team/app:<version>`"));
    }

    /// A tag carried through two `.env` values: a label on each reference.
    #[test]
    fn every_reference_that_carried_the_tag_is_labelled() {
        let compose = "services:\n  app:\n    image: ${IMG}\n";
        let d = assert_fires(
            &RULE,
            &[
                ("compose.yaml", compose),
                (".env", "T=latest\nIMG=redis:${T}\n"),
            ],
        );
        assert_eq!(
            (d[0].file.as_str(), d[0].line, d[0].text.as_str()),
            (".env", 1, "latest")
        );
        let labels: Vec<(&str, &str)> = d[0]
            .labels
            .iter()
            .map(|(f, t, _)| (f.as_str(), t.as_str()))
            .collect();
        assert_eq!(labels, [("compose.yaml", "${IMG}"), (".env", "${T}")]);
        assert!(d[0].labels[1].2.contains("into IMG"), "{:?}", d[0].labels);
    }
}
