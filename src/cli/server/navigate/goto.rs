//! Go to definition and find references.
//!
//! Definitions: from `${VAR}` to the `.env` line that sets it (the shell
//! has no place); from an `environment:` key to the definition that wins
//! for its service (itself, or when its value is `${KEY}` from `.env`,
//! that line); from a `.env`-format key to what reads it (the `env_file:`
//! entries naming the file, the `${VAR}` its line feeds); from a build
//! arg to the Dockerfile's `ARG`, from an `ARG` to the build args that set
//! it, from an `ENV` to the service definitions that win over it, from
//! `$NAME` in a Dockerfile to the `ENV`/`ARG` before it; from `target:`,
//! `FROM name` or `--from=name` to the stage's `AS name`; from a
//! `depends_on:` item or `extends:` to the service's key (the first file
//! that defines it); from an `env_file:` path to the file.
//!
//! References: of a variable, every `${VAR}` and passthrough in the
//! project's compose files and `.env` values, every `environment:`, build
//! arg and env_file key of that name, and the Dockerfiles' `ENV`, `ARG` and
//! `$VAR` — the project `.env` lines being the declarations; of a service,
//! its `depends_on:` and `extends:` uses (its keys the declarations); of a
//! stage, `FROM name`, `--from=name` and the `target:`s that build it.

use std::collections::BTreeSet;
use std::path::Path;

use lsp_types::Location;

use super::place::{place_at, Place, Role, VarAt, VarKind};
use super::{
    built_from, dockerfiles_of, dotenv_key, env_files_read, is_project_env, name_in, overlaps,
    projects_of, Snapshot,
};
use crate::model::types::{Project, VariableSource};
use crate::model::workspace::Workspace;
use crate::source::{FileId, Span, TextRange};
use crate::syntax::dockerfile::{self, Dockerfile, InstructionKind};
use crate::syntax::dotenv::{DotenvValue, ValueText};

pub fn definition(snap: &Snapshot) -> Vec<Location> {
    let ws = &snap.linted.ws;
    let Some(place) = place_at(ws, snap.file, snap.offset) else {
        return Vec::new();
    };
    let projects = projects_of(ws, snap.file);
    let spans = match &place {
        Place::Var(v) => variable_definition(ws, &projects, v),
        Place::Service { name, span, role } => service_definition(ws, &projects, name, *span, role),
        Place::Target { service, name, .. } => projects
            .iter()
            .filter_map(|p| p.service(service)?.image_facts.as_ref())
            .filter_map(|f| stage_alias(&f.dockerfile, f.dockerfile_file, name))
            .take(1)
            .collect(),
        Place::Stage { alias: true, .. } => Vec::new(),
        Place::Stage { name, span, .. } => ws
            .dockerfiles
            .get(&span.file)
            .and_then(|df| stage_alias(df, span.file, name))
            .into_iter()
            .collect(),
        Place::EnvFile { service, span } => projects
            .iter()
            .filter_map(|p| p.service(service))
            .flat_map(|s| &s.env_files)
            .filter(|e| overlaps(e.path.span, *span))
            .filter_map(|e| e.file)
            .map(|f| Span::new(f, TextRange::empty(0)))
            .take(1)
            .collect(),
    };
    locations(snap, spans)
}

pub fn references(snap: &Snapshot, declaration: bool) -> Vec<Location> {
    let ws = &snap.linted.ws;
    let Some(place) = place_at(ws, snap.file, snap.offset) else {
        return Vec::new();
    };
    let projects = projects_of(ws, snap.file);
    let spans = match &place {
        Place::Var(v) => variable_references(ws, &projects, &v.name, declaration),
        Place::Service { name, .. } => service_references(ws, &projects, name, declaration),
        Place::Target { service, name, .. } => projects
            .iter()
            .filter_map(|p| p.service(service)?.image_facts.as_ref())
            .take(1)
            .flat_map(|f| stage_references(ws, &projects, f.dockerfile_file, name, declaration))
            .collect(),
        Place::Stage { name, span, .. } => {
            stage_references(ws, &projects, span.file, name, declaration)
        }
        Place::EnvFile { .. } => Vec::new(),
    };
    locations(snap, spans)
}

/// The spans as protocol locations, each once, in file order.
fn locations(snap: &Snapshot, mut spans: Vec<Span>) -> Vec<Location> {
    spans.sort();
    spans.dedup();
    spans.into_iter().filter_map(|s| snap.location(s)).collect()
}

fn variable_definition(ws: &Workspace, projects: &[&Project], v: &VarAt) -> Vec<Span> {
    let name = v.name.as_str();
    match &v.kind {
        VarKind::Reference(via) | VarKind::ValueReference(Some(via)) => {
            dotenv_key(via).into_iter().collect()
        }
        VarKind::ValueReference(None) => projects
            .iter()
            .filter_map(|p| match &p.variables.get(name)?.source {
                VariableSource::Dotenv { key, .. } => Some(*key),
                _ => None,
            })
            .take(1)
            .collect(),
        VarKind::EnvKey { service } => {
            let Some(w) = projects
                .iter()
                .find_map(|p| p.service(service)?.container_env.get(name))
                .map(|e| &e.winner)
            else {
                return vec![v.span];
            };
            if !overlaps(w.key_span, v.span) {
                return vec![w.key_span];
            }
            // Itself: where its value comes from, when `.env` gives it.
            let from = w
                .via
                .iter()
                .filter(|x| x.variable == name)
                .find_map(dotenv_key);
            vec![from.unwrap_or(v.span)]
        }
        VarKind::BuildArg { service } => projects
            .iter()
            .filter_map(|p| p.service(service)?.image_facts.as_ref())
            .take(1)
            .flat_map(|f| {
                let global = f.dockerfile.global_args().filter(|a| a.name.value == name);
                let staged = f
                    .chain
                    .iter()
                    .filter_map(|&i| f.stages.get(i))
                    .flat_map(|st| {
                        f.dockerfile
                            .instructions
                            .get(st.instructions.clone())
                            .unwrap_or(&[])
                    })
                    .filter_map(|ins| match &ins.kind {
                        InstructionKind::Arg(decls) => Some(decls),
                        _ => None,
                    })
                    .flatten()
                    .filter(|a| a.name.value == name);
                global
                    .chain(staged)
                    .map(|a| Span::new(f.dockerfile_file, a.name.range))
                    .collect::<Vec<_>>()
            })
            .collect(),
        VarKind::DotenvKey => {
            let file = v.span.file;
            let mut out = Vec::new();
            for p in projects {
                for s in &p.services {
                    out.extend(
                        s.env_files
                            .iter()
                            .filter(|e| e.file == Some(file))
                            .map(|e| e.path.span),
                    );
                }
                out.extend(
                    p.references
                        .iter()
                        .filter(|r| r.variable == name && dotenv_key(r) == Some(v.span))
                        .map(|r| name_in(&ws.sources, r.reference, name)),
                );
            }
            out
        }
        VarKind::ImageEnv => projects
            .iter()
            .flat_map(|p| &p.services)
            .filter(|s| built_from(s, v.span.file))
            .filter_map(|s| s.container_env.get(name))
            .map(|e| e.winner.key_span)
            .filter(|k| !overlaps(*k, v.span))
            .collect(),
        VarKind::ImageArg => projects
            .iter()
            .flat_map(|p| &p.services)
            .filter(|s| built_from(s, v.span.file))
            .filter_map(|s| s.build.as_ref())
            .flat_map(|b| &b.args)
            .filter(|(k, _, _)| k == name)
            .map(|(_, span, _)| *span)
            .collect(),
        VarKind::ImageUse => ws
            .dockerfiles
            .get(&v.span.file)
            .and_then(|df| declared_before(df, v.span, name))
            .into_iter()
            .collect(),
    }
}

/// The `ENV` or `ARG` that defines `name` for a `$name` at `at`: the last
/// one before its instruction in its stage, else a global `ARG`.
fn declared_before(df: &Dockerfile, at: Span, name: &str) -> Option<Span> {
    let span = |r: TextRange| Span::new(at.file, r);
    let stages = df.stages();
    let stage = stages
        .iter()
        .rev()
        .find(|s| {
            df.instructions
                .get(s.from_index)
                .is_some_and(|i| i.range.start <= at.range.start)
        })
        .map(|s| df.stage_instructions(s))
        .unwrap_or(&[]);
    // Instructions wholly before the reference: in `ENV PATH=/x:$PATH`,
    // `$PATH` is the value before the instruction (BuildKit substitutes
    // with the environment the instruction starts with), not its own key.
    let in_stage = stage
        .iter()
        .take_while(|i| i.range.end <= at.range.start)
        .flat_map(|i| i.declared())
        .filter(|n| n.value == name)
        .map(|n| n.range)
        .last();
    in_stage
        .or_else(|| {
            df.global_args()
                .filter(|a| a.name.value == name)
                .map(|a| a.name.range)
                .last()
        })
        .map(span)
}

/// The `AS name` of the stage `name` in `df`.
fn stage_alias(df: &Dockerfile, file: FileId, name: &str) -> Option<Span> {
    df.stages()
        .into_iter()
        .find(|s| s.is_named(name))
        .and_then(|s| s.alias)
        .map(|a| Span::new(file, a.range))
}

fn service_definition(
    ws: &Workspace,
    projects: &[&Project],
    name: &str,
    here: Span,
    role: &Role,
) -> Vec<Span> {
    // `extends:` names a service of its own document, or of `file:`.
    if let Role::Extends { file } = role {
        let target = match file {
            None => Some(here.file),
            Some(f) => {
                let dir = ws
                    .sources
                    .get(here.file)
                    .path
                    .parent()
                    .unwrap_or(Path::new("/"));
                ws.sources.find(&crate::fs::normalize(&dir.join(f)))
            }
        };
        let key = target.and_then(|t| {
            let tree = ws.compose.get(&t)?;
            tree.documents()
                .flat_map(|d| &d.services)
                .find(|s| s.name.value == name)
                .map(|s| Span::new(t, s.name.range))
        });
        return key.into_iter().collect();
    }
    let first = projects
        .iter()
        .find_map(|p| p.service(name))
        .map(|s| s.name_span);
    match first {
        Some(key) if !overlaps(key, here) => vec![key],
        Some(_) => Vec::new(),
        // Not in the model (another profile's, a file that did not
        // parse): a key of this file.
        None if matches!(role, Role::Key) => Vec::new(),
        None => ws
            .compose
            .get(&here.file)
            .into_iter()
            .flat_map(|t| t.documents())
            .flat_map(|d| &d.services)
            .find(|s| s.name.value == name)
            .map(|s| Span::new(here.file, s.name.range))
            .into_iter()
            .collect(),
    }
}

/// Every place of the projects that uses the variable `name`; with
/// `declaration`, the project `.env` lines that set it.
fn variable_references(
    ws: &Workspace,
    projects: &[&Project],
    name: &str,
    declaration: bool,
) -> Vec<Span> {
    let mut out = Vec::new();
    for p in projects {
        // `${VAR}` and passthroughs in compose files.
        out.extend(
            p.references
                .iter()
                .filter(|r| r.variable == name)
                .map(|r| name_in(&ws.sources, r.reference, name)),
        );
        // `${VAR}` in the values of the project `.env`.
        out.extend(
            p.dotenv_definitions
                .iter()
                .flat_map(|d| &d.via)
                .filter(|r| r.variable == name)
                .map(|r| name_in(&ws.sources, r.reference, name)),
        );
        if declaration {
            out.extend(
                p.dotenv_definitions
                    .iter()
                    .filter(|d| d.name == name)
                    .map(|d| d.key),
            );
        }
        // `environment:` and build arg keys as written, in every file.
        for &f in &p.compose_files {
            let Some(tree) = ws.compose.get(&f) else {
                continue;
            };
            for s in tree.documents().flat_map(|d| &d.services) {
                let args = s.build.iter().flat_map(|b| &b.args);
                out.extend(
                    s.environment
                        .iter()
                        .chain(args)
                        .filter(|e| e.key.value == name)
                        .map(|e| Span::new(f, e.key.range)),
                );
            }
        }
        // env_file keys, and `${VAR}` in their values.
        for f in env_files_read(p) {
            if is_project_env(p, f) {
                continue;
            }
            let Some(parsed) = ws.dotenv_file(f) else {
                continue;
            };
            for e in &parsed.entries {
                if e.key == name {
                    out.push(Span::new(f, e.key_range));
                }
                if let DotenvValue::Assigned(a) = &e.value {
                    if let ValueText::Template(t) = &a.text {
                        out.extend(
                            t.variables()
                                .into_iter()
                                .filter(|r| r.name == name)
                                .map(|r| Span::new(f, r.name_range)),
                        );
                    }
                }
            }
        }
        // The Dockerfiles: `ENV`, `ARG`, `$VAR`.
        for f in dockerfiles_of(p) {
            out.extend(dockerfile_uses(ws, f, name));
        }
    }
    out
}

fn dockerfile_uses(ws: &Workspace, file: FileId, name: &str) -> Vec<Span> {
    let Some(df) = ws.dockerfiles.get(&file) else {
        return Vec::new();
    };
    let text = &ws.sources.get(file).text;
    let span = |r: TextRange| Span::new(file, r);
    let mut out = Vec::new();
    for ins in &df.instructions {
        out.extend(
            ins.declared()
                .into_iter()
                .filter(|n| n.value == name)
                .map(|n| span(n.range)),
        );
        out.extend(
            dockerfile::references(text, ins.range, df.escape)
                .into_iter()
                .filter(|r| r.name == name)
                .map(|r| name_in(&ws.sources, span(r.range), name)),
        );
    }
    out
}

/// The `depends_on:` items and `extends:` that name the service `name` in
/// the projects' compose files; with `declaration`, its keys.
fn service_references(
    ws: &Workspace,
    projects: &[&Project],
    name: &str,
    declaration: bool,
) -> Vec<Span> {
    let files: BTreeSet<FileId> = projects
        .iter()
        .flat_map(|p| p.compose_files.iter().copied())
        .collect();
    let mut out = Vec::new();
    for f in files {
        let Some(tree) = ws.compose.get(&f) else {
            continue;
        };
        for s in tree.documents().flat_map(|d| &d.services) {
            if declaration && s.name.value == name {
                out.push(Span::new(f, s.name.range));
            }
            out.extend(
                s.depends_on
                    .iter()
                    .filter(|d| d.service.value == name)
                    .map(|d| Span::new(f, d.service.range)),
            );
            out.extend(
                s.extends
                    .iter()
                    .filter(|x| x.service.value == name && x.file.is_none())
                    .map(|x| Span::new(f, x.service.range)),
            );
        }
    }
    out
}

/// `FROM name`, `--from=name` in the Dockerfile `file` and the `target:`
/// of the services built from it; with `declaration`, `AS name`.
fn stage_references(
    ws: &Workspace,
    projects: &[&Project],
    file: FileId,
    name: &str,
    declaration: bool,
) -> Vec<Span> {
    let Some(df) = ws.dockerfiles.get(&file) else {
        return Vec::new();
    };
    let span = |r: TextRange| Span::new(file, r);
    let mut out = Vec::new();
    for ins in &df.instructions {
        if let InstructionKind::From { image, alias } = &ins.kind {
            if image.value.eq_ignore_ascii_case(name) {
                out.push(span(image.range));
            }
            if let Some(a) = alias.as_ref().filter(|_| declaration) {
                if a.value.eq_ignore_ascii_case(name) {
                    out.push(span(a.range));
                }
            }
        }
        if let Some(from) = ins.flag("from") {
            if from.value.eq_ignore_ascii_case(name) {
                out.push(span(from.range));
            }
        }
    }
    out.extend(
        projects
            .iter()
            .flat_map(|p| &p.services)
            .filter(|s| built_from(s, file))
            .filter_map(|s| s.build.as_ref()?.target.as_ref())
            .filter(|t| t.text.eq_ignore_ascii_case(name))
            .map(|t| t.span),
    );
    out
}
