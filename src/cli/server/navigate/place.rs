//! What the cursor is on, read from the trees the last lint parsed: the
//! compose file's services, the `.env` file's entries, the Dockerfile's
//! instructions — one walk over the file's own tree — and the project's
//! `${VAR}` references.

use super::{name_in, projects_of, touches};
use crate::model::types::Via;
use crate::model::workspace::Workspace;
use crate::source::{FileId, Span, TextRange};
use crate::syntax::dockerfile::{self, InstructionKind};
use crate::syntax::dotenv::{DotenvValue, ValueText};

/// A variable's name under the cursor.
pub(super) struct VarAt<'a> {
    pub name: String,
    /// The name as written: the hover's range.
    pub span: Span,
    pub kind: VarKind<'a>,
}

pub(super) enum VarKind<'a> {
    /// `${VAR}` / `$VAR` in a compose file: the model's reference.
    Reference(&'a Via),
    /// `${VAR}` in a `.env`-format value, with the reference the model
    /// followed when it has it.
    ValueReference(Option<&'a Via>),
    /// An `environment:` key of `service` (`KEY: v`, `- KEY=v`, `- KEY`).
    EnvKey { service: String },
    /// A `build: args:` key of `service`.
    BuildArg { service: String },
    /// The key of a `.env`-format line (a project `.env`, an env_file).
    DotenvKey,
    /// A Dockerfile `ENV` key.
    ImageEnv,
    /// A Dockerfile `ARG` name.
    ImageArg,
    /// `$NAME` in a Dockerfile instruction.
    ImageUse,
}

impl VarKind<'_> {
    /// Whether the place sets the variable (its hover says what became of
    /// this very definition).
    pub fn defines(&self) -> bool {
        matches!(
            self,
            VarKind::EnvKey { .. }
                | VarKind::BuildArg { .. }
                | VarKind::DotenvKey
                | VarKind::ImageEnv
                | VarKind::ImageArg
        )
    }
}

/// How a service's name is written where the cursor is.
pub(super) enum Role {
    /// The service's key under `services:`.
    Key,
    /// A `depends_on:` item (list or map form) of `service`.
    DependsOn,
    /// `extends:` (`service:`, or the short form), with its `file:`.
    Extends { file: Option<String> },
}

pub(super) enum Place<'a> {
    Var(VarAt<'a>),
    Service {
        name: String,
        span: Span,
        role: Role,
    },
    /// `build: target:` of `service`.
    Target {
        service: String,
        name: String,
        span: Span,
    },
    /// A Dockerfile stage's name: its `AS name` (`alias`), or `FROM name`,
    /// `COPY --from=name`.
    Stage {
        name: String,
        span: Span,
        alias: bool,
    },
    /// An `env_file:` path of `service`.
    EnvFile {
        service: String,
        span: Span,
    },
}

impl Place<'_> {
    fn span(&self) -> Span {
        match self {
            Place::Var(v) => v.span,
            Place::Service { span, .. }
            | Place::Target { span, .. }
            | Place::Stage { span, .. }
            | Place::EnvFile { span, .. } => *span,
        }
    }
}

/// What is at byte `at` of `file`, if anything the requests answer on.
pub(super) fn place_at(ws: &Workspace, file: FileId, at: usize) -> Option<Place<'_>> {
    if ws.compose.contains_key(&file) {
        compose_place(ws, file, at)
    } else if ws.dotenv.contains_key(&file) {
        dotenv_place(ws, file, at)
    } else if ws.dockerfiles.contains_key(&file) {
        dockerfile_place(ws, file, at)
    } else {
        None
    }
}

/// The narrower of two places (a reference inside a key written as one
/// list item, `- "K=${V}"`, is the reference).
fn narrower<'a>(a: Option<Place<'a>>, b: Option<Place<'a>>) -> Option<Place<'a>> {
    match (a, b) {
        (Some(a), Some(b)) => Some(if b.span().range.len() < a.span().range.len() {
            b
        } else {
            a
        }),
        (a, b) => a.or(b),
    }
}

fn compose_place(ws: &Workspace, file: FileId, at: usize) -> Option<Place<'_>> {
    let tree = ws.compose.get(&file)?;
    let span = |r: TextRange| Span::new(file, r);
    let mut found = None;
    'services: for doc in tree.documents() {
        for s in &doc.services {
            let service = s.name.value.clone();
            if touches(s.name.range, at) {
                found = Some(Place::Service {
                    name: service,
                    span: span(s.name.range),
                    role: Role::Key,
                });
                break 'services;
            }
            if !touches(s.range, at) {
                continue;
            }
            let var = |name: &str, r: TextRange, kind: VarKind<'static>| {
                Place::Var(VarAt {
                    name: name.to_string(),
                    span: span(r),
                    kind,
                })
            };
            if let Some(e) = s.environment.iter().find(|e| touches(e.key.range, at)) {
                let kind = VarKind::EnvKey {
                    service: service.clone(),
                };
                found = Some(var(&e.key.value, e.key.range, kind));
            } else if let Some(e) = s
                .build
                .iter()
                .flat_map(|b| &b.args)
                .find(|e| touches(e.key.range, at))
            {
                let kind = VarKind::BuildArg {
                    service: service.clone(),
                };
                found = Some(var(&e.key.value, e.key.range, kind));
            } else if let Some(t) = s
                .build
                .as_ref()
                .and_then(|b| b.target.as_ref())
                .filter(|t| touches(t.range, at))
            {
                found = Some(Place::Target {
                    service,
                    name: t.value.clone(),
                    span: span(t.range),
                });
            } else if let Some(d) = s.depends_on.iter().find(|d| touches(d.service.range, at)) {
                found = Some(Place::Service {
                    name: d.service.value.clone(),
                    span: span(d.service.range),
                    role: Role::DependsOn,
                });
            } else if let Some(x) = s.extends.as_ref().filter(|x| touches(x.service.range, at)) {
                found = Some(Place::Service {
                    name: x.service.value.clone(),
                    span: span(x.service.range),
                    role: Role::Extends {
                        file: x.file.as_ref().map(|f| f.value.clone()),
                    },
                });
            } else if let Some(e) = s.env_file.iter().find(|e| touches(e.path.range, at)) {
                found = Some(Place::EnvFile {
                    service,
                    span: span(e.path.range),
                });
            }
            break 'services;
        }
    }
    narrower(found, reference_place(ws, file, at))
}

/// The innermost `${VAR}` of the project's references under the cursor.
fn reference_place(ws: &Workspace, file: FileId, at: usize) -> Option<Place<'_>> {
    let via = projects_of(ws, file)
        .into_iter()
        .flat_map(|p| &p.references)
        .filter(|v| v.reference.file == file && touches(v.reference.range, at))
        .min_by_key(|v| {
            (
                // Inside before just after.
                !v.reference.range.contains(at),
                v.reference.range.len(),
            )
        })?;
    Some(Place::Var(VarAt {
        name: via.variable.clone(),
        span: name_in(&ws.sources, via.reference, &via.variable),
        kind: VarKind::Reference(via),
    }))
}

fn dotenv_place(ws: &Workspace, file: FileId, at: usize) -> Option<Place<'_>> {
    let parsed = ws.dotenv_file(file)?;
    let entry = parsed
        .entries
        .iter()
        .find(|e| touches(e.range, at) || touches(e.key_range, at))?;
    if touches(entry.key_range, at) {
        return Some(Place::Var(VarAt {
            name: entry.key.clone(),
            span: Span::new(file, entry.key_range),
            kind: VarKind::DotenvKey,
        }));
    }
    let DotenvValue::Assigned(value) = &entry.value else {
        return None;
    };
    let ValueText::Template(t) = &value.text else {
        return None;
    };
    let r = t
        .variables()
        .into_iter()
        .filter(|r| touches(r.range, at))
        .min_by_key(|r| r.range.len())?;
    let key = Span::new(file, entry.key_range);
    Some(Place::Var(VarAt {
        name: r.name.clone(),
        span: Span::new(file, r.name_range),
        kind: VarKind::ValueReference(value_via(ws, file, key, &entry.key, r.range)),
    }))
}

/// The reference the model followed at `range` of the value of the line
/// whose key is `key`: in the project's `.env` definitions, else in the
/// container environment of a service that reads the file.
fn value_via<'a>(
    ws: &'a Workspace,
    file: FileId,
    key: Span,
    name: &str,
    range: TextRange,
) -> Option<&'a Via> {
    let here = |v: &&Via| v.reference == Span::new(file, range);
    for p in projects_of(ws, file) {
        if let Some(v) = p
            .dotenv_definitions
            .iter()
            .filter(|d| d.key == key)
            .find_map(|d| d.via.iter().find(here))
        {
            return Some(v);
        }
        let defined = p
            .services
            .iter()
            .filter(|s| s.reads_env_file(file))
            .filter_map(|s| s.container_env.get(name))
            .flat_map(|v| v.definitions())
            .filter(|d| d.key_span == key)
            .find_map(|d| d.via.iter().find(here));
        if defined.is_some() {
            return defined;
        }
    }
    None
}

fn dockerfile_place(ws: &Workspace, file: FileId, at: usize) -> Option<Place<'_>> {
    let df = ws.dockerfiles.get(&file)?;
    let text = &ws.sources.get(file).text;
    let span = |r: TextRange| Span::new(file, r);
    let ins = df.instructions.iter().find(|i| touches(i.range, at))?;
    let var = |name: &str, r: TextRange, kind| {
        Some(Place::Var(VarAt {
            name: name.to_string(),
            span: span(r),
            kind,
        }))
    };
    match &ins.kind {
        InstructionKind::From { alias: Some(a), .. } if touches(a.range, at) => {
            return Some(Place::Stage {
                name: a.value.clone(),
                span: span(a.range),
                alias: true,
            });
        }
        InstructionKind::From { image, .. }
            if touches(image.range, at) && df.stages().iter().any(|s| s.is_named(&image.value)) =>
        {
            return Some(Place::Stage {
                name: image.value.clone(),
                span: span(image.range),
                alias: false,
            });
        }
        InstructionKind::Env(pairs) => {
            if let Some(p) = pairs.iter().find(|p| touches(p.key.range, at)) {
                return var(&p.key.value, p.key.range, VarKind::ImageEnv);
            }
        }
        InstructionKind::Arg(decls) => {
            if let Some(d) = decls.iter().find(|d| touches(d.name.range, at)) {
                return var(&d.name.value, d.name.range, VarKind::ImageArg);
            }
        }
        _ => {}
    }
    if let Some(from) = ins.flag("from").filter(|f| touches(f.range, at)) {
        return Some(Place::Stage {
            name: from.value.clone(),
            span: span(from.range),
            alias: false,
        });
    }
    let r = dockerfile::references(text, ins.range, df.escape)
        .into_iter()
        .filter(|r| touches(r.range, at))
        .min_by_key(|r| r.range.len())?;
    let name = name_in(&ws.sources, span(r.range), &r.name);
    var(&r.name, name.range, VarKind::ImageUse)
}
