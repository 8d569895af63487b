//! Building a [`Project`] the way Docker Compose v2 does: interpolation
//! variables (process environment, then `.env` or `--env-file`), every scalar
//! of every compose file interpolated, services merged across `-f` files,
//! `extends` resolved, then each service's container environment.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};

use crate::model::image;
use std::sync::Arc;

use crate::model::interpolate::{
    self, InterpolationError, Produced, ProducedBy, UsedVarSource, VarOrigin,
};
use crate::model::loader::Loader;
use crate::model::types::*;
use crate::model::validate;
use crate::source::{FileId, FileKind, Span, Spanned, TextRange};
use crate::syntax::compose::{self as cs, ComposeFile, EnvironmentForm};
use crate::syntax::limits::{
    project_too_large, Allowance, BYTES_PER_INPUT_BYTE, MAX_NESTING, PROJECT_BYTES,
};
use crate::syntax::template;
use crate::syntax::yaml::{MergeTag, Node, NodeKind};

/// What `docker compose` is told: `-f`, `--project-directory`, `--env-file`,
/// `--profile`, and the process environment it runs in.
#[derive(Debug, Clone, Default)]
pub struct ProjectOptions {
    pub files: Vec<PathBuf>,
    pub project_directory: Option<PathBuf>,
    pub env_files: Vec<PathBuf>,
    pub profiles: Vec<String>,
    /// Empty with `--no-shell-env`.
    pub process_env: BTreeMap<String, String>,
}

/// Build the project the compose `files` describe.
pub fn load_project(loader: &mut Loader, opts: &ProjectOptions) -> Project {
    let files: Vec<PathBuf> = opts.files.iter().map(|f| loader.absolute(f)).collect();
    let directory = match &opts.project_directory {
        Some(d) => loader.absolute(d),
        None => files
            .first()
            .and_then(|f| f.parent())
            .map(Path::to_path_buf)
            .unwrap_or_else(|| loader.cwd().to_path_buf()),
    };
    let start = PROJECT_BYTES.min(loader.allowance.left());
    let allowance = Allowance::new(start);
    let mut b = Builder {
        loader,
        errors: Vec::new(),
        warnings: Vec::new(),
        variables: Arc::new(BTreeMap::new()),
        directory: directory.clone(),
        references: Vec::new(),
        unparsed: false,
        cycles: HashSet::new(),
        scopes: vec![Arc::new(BTreeMap::new())],
        scope_cache: HashMap::new(),
        scope: 0,
        include_loads: 0,
        scope_dirs: vec![directory.clone()],
        included_files: Vec::new(),
        include_env_files: Vec::new(),
        include_definitions: Vec::new(),
        allowance,
        said_over: false,
        credited: HashSet::new(),
        granted: start,
    };

    // 1. Interpolation variables: the process environment wins over env files.
    for (k, v) in &opts.process_env {
        Arc::make_mut(&mut b.variables).insert(
            k.clone(),
            ProjectVariable {
                name: k.clone(),
                value: v.clone(),
                source: VariableSource::Process,
                via: Vec::new(),
                written: None,
            },
        );
    }
    let env_paths: Vec<PathBuf> = if opts.env_files.is_empty() {
        let default = directory.join(".env");
        // A `.env` that is a link to a file not created yet is no `.env`.
        if b.loader.is_file(&default) && b.loader.load(&default, FileKind::Dotenv).is_ok() {
            vec![default]
        } else {
            Vec::new()
        }
    } else {
        opts.env_files
            .iter()
            .map(|f| b.loader.absolute(f))
            .collect()
    };
    let process = b.variables.clone();
    let (env_files, mut dotenv_definitions) = b.read_env_files(&env_paths, &process);

    // 2. Profiles: --profile, else COMPOSE_PROFILES.
    let mut profiles: BTreeSet<String> = opts.profiles.iter().cloned().collect();
    if profiles.is_empty() {
        if let Some(v) = b.variables.get("COMPOSE_PROFILES") {
            profiles.extend(
                v.value
                    .split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(str::to_string),
            );
        }
    }

    // 3. The project's name, which Compose also offers for interpolation as
    // COMPOSE_PROJECT_NAME: the shell's or `.env`'s COMPOSE_PROJECT_NAME,
    // else the last `name:` of the files, else the folder's name.
    if !b.variables.contains_key(COMPOSE_PROJECT_NAME) {
        let value = b.declared_name(&files).unwrap_or_else(|| {
            normalize_project_name(
                &directory
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default(),
            )
        });
        Arc::make_mut(&mut b.variables).insert(
            COMPOSE_PROJECT_NAME.to_string(),
            ProjectVariable {
                name: COMPOSE_PROJECT_NAME.to_string(),
                value,
                source: VariableSource::Compose,
                via: Vec::new(),
                written: None,
            },
        );
    }

    // 4. Each compose file, interpolated, its services converted; then merged.
    // The project's variables, final now, are scope 0.
    b.scopes[0] = b.variables.clone();
    let mut compose_files = Vec::new();
    let mut merged: Vec<Service> = Vec::new();
    // Each file's tree, validated merged over the ones before it.
    let mut trees: Vec<(FileId, Arc<ComposeFile>)> = Vec::new();
    for path in &files {
        if let Some(tree) = b.validate_file(path, &trees) {
            trees.push(tree);
        }
        let Some((id, services, _)) = b.load_compose_file(path, &mut vec![path.clone()]) else {
            continue;
        };
        compose_files.push(id);
        merge_services(&mut merged, services);
    }
    for id in &b.included_files {
        if !compose_files.contains(id) {
            compose_files.push(*id);
        }
    }
    dotenv_definitions.append(&mut b.include_definitions);

    // 4. Per service: activity, image facts, container environment. The
    // profile `*` (in --profile or COMPOSE_PROFILES) enables every service.
    let every_profile = profiles.contains("*");
    for s in &mut merged {
        s.active = s.profiles.is_empty()
            || every_profile
            || s.profiles.iter().any(|p| profiles.contains(&p.text));
        for ef in &mut s.env_files {
            if let Some(e) = &ef.invalid {
                b.errors.push(e.clone());
            }
            match b.loader.load(&ef.resolved, FileKind::Dotenv) {
                Ok(id) => ef.file = Some(id),
                Err(crate::fs::LoadError::NotFound) if !ef.required => {}
                Err(crate::fs::LoadError::NotFound) => b.errors.push(ModelError {
                    message: format!(
                        "env file {} not found: stat {}: no such file or directory",
                        ef.resolved.display(),
                        ef.resolved.display()
                    ),
                    span: Some(ef.path.span),
                    kind: ModelErrorKind::EnvFileNotFound(ef.resolved.clone()),
                }),
                Err(e) => b.errors.push(ModelError::new(
                    format!("{}: {}", b.loader.display(&ef.resolved), e),
                    Some(ef.path.span),
                )),
            }
        }
        if let Some(build) = &s.build {
            for (k, span, v) in &build.args {
                if v.is_none() {
                    let via = b.reference(k, *span, ReferenceForm::Passthrough);
                    b.references.push(via);
                }
            }
            // `args: [KEY]` passes the project variable through.
            let args: BTreeMap<String, String> = build
                .args
                .iter()
                .filter_map(|(k, _, v)| {
                    let value = match v {
                        Some(v) => Some(v.text.clone()),
                        None => b.variables.get(k).map(|x| x.value.clone()),
                    };
                    value.map(|v| (k.clone(), v))
                })
                .collect();
            let copied = args.iter().map(|(k, v)| k.len() + v.len()).sum();
            if !b.allowance.spend(copied) {
                b.over(build.span);
                continue;
            }
            let (facts, problems) = image::image_facts(b.loader, build, &args, &mut b.allowance);
            s.image_facts = facts;
            b.warnings.extend(problems);
            if b.allowance.exhausted() {
                b.over(build.span);
            }
        }
    }
    for s in merged.iter_mut() {
        // An included service's passthroughs and env_file lines read the
        // variables of its `include:`.
        let project_variables = match b.scopes.get(s.scope).filter(|_| s.scope > 0) {
            Some(scope) => Some(std::mem::replace(&mut b.variables, scope.clone())),
            None => None,
        };
        // (An `Arc` each: swapping scopes copies no map.)
        s.container_env = b.container_environment(s);
        for e in &s.environment {
            if e.value.is_none() {
                let via = b.reference(&e.key, e.key_span, ReferenceForm::Passthrough);
                b.references.push(via);
            }
        }
        if let Some(v) = project_variables {
            b.variables = v;
        }
    }
    // Compose's checks of the merged project; after another error, what
    // they would find may only follow from it.
    if b.errors.is_empty() {
        let roots: Vec<(FileId, &Node)> = trees
            .iter()
            .filter_map(|(id, f)| Some((*id, f.root.as_ref()?)))
            .collect();
        b.errors.extend(validate::check_project(&roots, &merged));
    }
    // Compose removes the disabled services first: an enabled service that
    // depends on one depends on an undefined service; a disabled one is
    // not checked at all.
    let active: HashSet<&str> = merged
        .iter()
        .filter(|s| s.active)
        .map(|s| s.name.as_str())
        .collect();
    for s in merged.iter().filter(|s| s.active) {
        for d in &s.depends_on {
            if d.required && !active.contains(d.service.as_str()) {
                b.errors.push(ModelError {
                    message: format!(
                        "service {:?} depends on undefined service {:?}: invalid compose project",
                        s.name, d.service
                    ),
                    span: Some(d.span),
                    kind: ModelErrorKind::UndefinedService(d.service.clone()),
                });
            }
        }
    }

    // What the project holds is spent from the run's allowance too; past
    // either, the model is incomplete: the project is not judged, and its
    // error is said once (where it was first met). What it holds is
    // dropped, so that it costs the run nothing: a healthy project beside
    // it is still modelled.
    let spent = b.granted.saturating_sub(b.allowance.left());
    if !b.allowance.exhausted() && !b.loader.allowance.clone().spend(spent) {
        let at = compose_files
            .first()
            .map(|f| Span::new(*f, TextRange::empty(0)));
        b.allowance.exhaust();
        if let Some(at) = at {
            b.over(at);
        }
    }
    if b.allowance.exhausted() {
        b.unparsed = true;
        merged = Vec::new();
        b.references = Vec::new();
        b.variables = Arc::new(BTreeMap::new());
        dotenv_definitions = Vec::new();
        let over = project_too_large("Compose");
        if !b.errors.iter().any(|e| e.message == over) {
            b.errors.push(ModelError {
                message: over.clone(),
                span: None,
                kind: ModelErrorKind::Limit,
            });
        }
        let mut said = false;
        b.errors
            .retain(|e| e.message != over || !std::mem::replace(&mut said, true));
    } else {
        b.loader.allowance.spend(spent);
    }
    let name = b
        .variables
        .get(COMPOSE_PROJECT_NAME)
        .map(|v| v.value.clone())
        .unwrap_or_default();
    let mut references = b.references;
    references.sort_by_key(|v| {
        (
            v.reference.file,
            v.reference.range.start,
            v.reference.range.end,
        )
    });
    references.dedup_by(|a, b| a.reference == b.reference && a.variable == b.variable);
    let (by_name, by_host) = Project::index_services(&merged);
    Project {
        name,
        directory,
        compose_files,
        env_files,
        references,
        variables: Arc::try_unwrap(b.variables).unwrap_or_else(|v| (*v).clone()),
        dotenv_definitions,
        services: merged,
        errors: b.errors,
        warnings: b.warnings,
        whole: !b.unparsed,
        missing_env_files: Vec::new(),
        included_files: b.included_files,
        include_env_files: b.include_env_files,
        deploy_variables: BTreeSet::new(),
        by_name,
        by_host,
    }
}

const COMPOSE_PROJECT_NAME: &str = "COMPOSE_PROJECT_NAME";

/// Files an `include:` chain may nest (each level is a recursion of the
/// loader): far beyond any real project, far below what a 2 MiB stack holds.
pub const MAX_INCLUDE_DEPTH: usize = 32;

/// Files `include:` may load in one project, counting each time a file is
/// included again (files that include the next one twice, level after
/// level, would load 2^32 times).
pub const MAX_INCLUDE_LOADS: usize = 10_000;

/// A folder's name as a project name, as Compose makes it: lowercase, only
/// letters, digits, `_` and `-` (`My.App` → `myapp`).
fn normalize_project_name(name: &str) -> String {
    name.to_lowercase()
        .chars()
        .filter(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '_' || *c == '-')
        .collect()
}

struct Builder<'a, 'fs> {
    loader: &'a mut Loader<'fs>,
    errors: Vec<ModelError>,
    warnings: Vec<ModelError>,
    /// The variables `${VAR}` reads now: the project's, or while an
    /// `include:` is loaded, its scope's (shared, never copied per item).
    variables: Variables,
    directory: PathBuf,
    references: Vec<Via>,
    /// A compose file of the project could not be read or parsed.
    unparsed: bool,
    /// The `extends` cycles reported (their services, sorted): each once.
    cycles: HashSet<Vec<(FileId, String)>>,
    /// The variables of each scope ([`Service::scope`]): 0 the project's
    /// (filled in once the files are loaded), then each `include:`'s.
    scopes: Vec<Variables>,
    /// The variables of an `include:` by the scope it is read in and its
    /// env files: a thousand items alike read them once.
    scope_cache: HashMap<(usize, Vec<PathBuf>), Variables>,
    /// The scope being loaded.
    scope: usize,
    /// The files `include:` loaded so far ([`MAX_INCLUDE_LOADS`]).
    include_loads: usize,
    /// The project directory of each scope.
    scope_dirs: Vec<PathBuf>,
    /// The compose files `include:` read, in order.
    included_files: Vec<FileId>,
    /// The env files of the `include:`s, and their definitions.
    include_env_files: Vec<FileId>,
    include_definitions: Vec<DotenvDefinition>,
    /// What the project's model may still take ([`PROJECT_BYTES`], less
    /// when the run's allowance has less left): spent by every value made
    /// or copied; past it, the project is not judged.
    allowance: Allowance,
    /// The error of the exhausted allowance was said ([`Builder::over`]).
    said_over: bool,
    /// The files whose size added to the allowance
    /// ([`BYTES_PER_INPUT_BYTE`]).
    credited: HashSet<FileId>,
    /// What the allowance started with, credits added.
    granted: usize,
}

/// One `include:` item, interpolated.
#[derive(Debug, Clone)]
struct IncludeUse {
    paths: Vec<Value>,
    env_files: Vec<Value>,
    project_directory: Option<Value>,
}

/// Merge the services of one more file into `merged`, as Compose merges
/// `-f` files (and the files of one `include:` item).
fn merge_services(merged: &mut Vec<Service>, services: Vec<Service>) {
    let mut at = index_by_name(merged);
    // The services `!reset` removes, taken out once at the end (one
    // removal each was quadratic).
    let mut removed: HashSet<usize> = HashSet::new();
    for s in services {
        // `name: !reset` removes the service; `name: !override` replaces it.
        if s.tag == Some(MergeTag::Reset) {
            if let Some(i) = at.remove(&s.name) {
                removed.insert(i);
            }
            continue;
        }
        match at.get(&s.name).and_then(|&i| merged.get_mut(i)) {
            Some(base) if s.tag == Some(MergeTag::Override) => *base = s,
            Some(base) => merge_service(base, s),
            None => {
                at.insert(s.name.clone(), merged.len());
                merged.push(s);
            }
        }
    }
    if !removed.is_empty() {
        let mut i = 0;
        merged.retain(|_| {
            i += 1;
            !removed.contains(&(i - 1))
        });
    }
}

/// The interpolation variables of a scope, shared.
type Variables = Arc<BTreeMap<String, ProjectVariable>>;

/// The services whose `extends` are being followed, outermost first: the
/// file, the service, and where its `extends.service` is written.
type ExtendsChain = Vec<(FileId, String, Span)>;

/// The compose files `extends` reads, by path: loaded once (`None`: could
/// not be read, reported once).
type ExtendsFiles = HashMap<PathBuf, Option<Arc<Unresolved>>>;

/// A compose file loaded without following `extends`.
struct Unresolved {
    id: FileId,
    parsed: Arc<ComposeFile>,
    /// Its services as written, relative paths resolved from the folder
    /// it was loaded for.
    services: Vec<Service>,
    /// Its `name:`, interpolated.
    name: Option<String>,
    /// Each service's `extends.file`, interpolated (Compose interpolates
    /// it as any other value).
    extends_files: Vec<Option<String>>,
    /// Its `include:` items, interpolated.
    includes: Vec<IncludeUse>,
    /// Each service's index by name (the first of a name).
    by_name: HashMap<String, usize>,
}

/// Interpolated values of one compose file, by the range of their scalar.
type Interpolated = HashMap<TextRange, Value>;

/// What the env files read before one set: value, source, value with its
/// map.
type Earlier = (String, VariableSource, Arc<Value>);

/// The map of a value evaluated from a template of `file` (whose text is
/// `src`): a literal is exact where its source text is its output. `whole`:
/// the scalar, when the template was parsed from a decoded text whose
/// ranges are not the file's (a YAML scalar with escapes, a folded or block
/// scalar); its literals then map to all of it.
fn segments(
    src: &str,
    file: FileId,
    value: &str,
    produced: &[Produced],
    whole: Option<Span>,
) -> Vec<Segment> {
    produced
        .iter()
        .map(|p| Segment {
            range: p.range,
            origin: match p.from {
                ProducedBy::Literal { source, copied } => match whole {
                    Some(span) => SegmentOrigin::Written { span, exact: false },
                    None => {
                        let out = value.get(p.range.start..p.range.end);
                        let exact =
                            copied && out.is_some() && src.get(source.start..source.end) == out;
                        SegmentOrigin::Written {
                            span: Span::new(file, source),
                            exact,
                        }
                    }
                },
                ProducedBy::Variable { index, offset } => SegmentOrigin::Variable { index, offset },
            },
        })
        .collect()
}

/// The map of a value written at `span` without interpolation (a compose
/// scalar without `$`, a Dockerfile `ENV`): exact when the source text, or
/// what is between its quotes, is the value; else all of it maps to `span`.
fn plain_segments(src: &str, text: &str, span: Span) -> Vec<Segment> {
    if text.is_empty() {
        return Vec::new();
    }
    let written = src.get(span.range.start..span.range.end).unwrap_or("");
    let quoted = |q: char| {
        written
            .strip_prefix(q)
            .and_then(|s| s.strip_suffix(q))
            .is_some_and(|inner| inner == text)
    };
    let origin = if written == text {
        SegmentOrigin::Written { span, exact: true }
    } else if written.len() >= 2 && (quoted('"') || quoted('\'')) {
        let start = span.range.start + 1;
        SegmentOrigin::Written {
            span: Span::new(span.file, TextRange::new(start, start + text.len())),
            exact: true,
        }
    } else {
        SegmentOrigin::Written { span, exact: false }
    };
    vec![Segment {
        range: TextRange::new(0, text.len()),
        origin,
    }]
}

/// The part `from..to` of a value's map, as the map of that part.
fn slice_segments(segments: &[Segment], from: usize, to: usize) -> Vec<Segment> {
    segments
        .iter()
        .filter(|s| s.range.start < to && s.range.end > from)
        .map(|s| {
            let start = s.range.start.max(from);
            let end = s.range.end.min(to);
            let cut = start - s.range.start;
            let origin = match s.origin {
                SegmentOrigin::Written { span, exact: true } => {
                    let at = span.range.start + cut;
                    SegmentOrigin::Written {
                        span: Span::new(span.file, TextRange::new(at, at + (end - start))),
                        exact: true,
                    }
                }
                SegmentOrigin::Variable { index, offset } => SegmentOrigin::Variable {
                    index,
                    offset: offset + cut,
                },
                written => written,
            };
            Segment {
                range: TextRange::new(start - from, end - from),
                origin,
            }
        })
        .collect()
}

impl Builder<'_, '_> {
    fn load_error(&mut self, path: &Path, e: crate::fs::LoadError, required: bool) {
        let message = format!("{}: {}", self.loader.display(path), e);
        let err = ModelError::new(message, None)
            .with_kind(ModelErrorKind::Unreadable(self.loader.absolute(path)));
        if required {
            self.errors.push(err);
        } else {
            self.warnings.push(err);
        }
    }

    /// Read the project's env files in order; later files override earlier
    /// ones, the variables already set (`outer`: the process environment;
    /// for an `include:`, the including project's variables) override them
    /// all. The winners are added to the variables.
    fn read_env_files(
        &mut self,
        paths: &[PathBuf],
        outer: &BTreeMap<String, ProjectVariable>,
    ) -> (Vec<FileId>, Vec<DotenvDefinition>) {
        let mut ids = Vec::new();
        let mut defs: Vec<DotenvDefinition> = Vec::new();
        // Each definition's value with its map, as a `${VAR}` carries it.
        let mut written: Vec<Arc<Value>> = Vec::new();
        for path in paths {
            // Past the allowance, nothing more is read.
            if self.allowance.exhausted() {
                break;
            }
            let id = match self.loader.load(path, FileKind::Dotenv) {
                Ok(id) => id,
                Err(crate::fs::LoadError::NotFound) => {
                    self.errors.push(ModelError {
                        message: format!("couldn't find env file: {}", path.display()),
                        span: None,
                        kind: ModelErrorKind::EnvFileNotFound(path.clone()),
                    });
                    continue;
                }
                Err(e) => {
                    self.load_error(path, e, true);
                    continue;
                }
            };
            ids.push(id);
            self.credit(id);
            let parsed = self.loader.dotenv(id);
            for e in &parsed.errors {
                self.errors.push(ModelError {
                    message: e.message.clone(),
                    span: Some(Span::new(id, e.range)),
                    kind: ModelErrorKind::Syntax,
                });
            }
            if !parsed.errors.is_empty() {
                continue;
            }
            let earlier: BTreeMap<String, Earlier> = defs
                .iter()
                .zip(&written)
                .map(|(d, w)| {
                    (
                        d.name.clone(),
                        (
                            d.value.clone(),
                            VariableSource::Dotenv {
                                file: d.file,
                                key: d.key,
                                value: d.value_span,
                            },
                            w.clone(),
                        ),
                    )
                })
                .collect();
            // The shell, the file's own earlier lines, then what earlier
            // files set.
            let mut lookup = |name: &str| outer.get(name).map(|v| v.value.clone());
            let mut from_earlier = |name: &str| earlier.get(name).map(|(v, _, _)| v.clone());
            let Some(resolved) = resolve_or_report(
                id,
                &parsed,
                &mut lookup,
                &mut from_earlier,
                &mut self.allowance,
                &mut self.errors,
            ) else {
                continue;
            };
            // This file's lines, by entry, as later lines see them.
            let mut by_entry: HashMap<usize, Arc<Value>> = HashMap::new();
            for r in resolved {
                let Some(entry) = parsed.entries.get(r.entry) else {
                    continue;
                };
                let value_span = match &entry.value {
                    crate::syntax::dotenv::DotenvValue::Assigned(a) => Span::new(id, a.raw_range),
                    crate::syntax::dotenv::DotenvValue::Inherit => Span::new(id, entry.key_range),
                };
                let via: Vec<Via> = r
                    .used
                    .iter()
                    .map(|u| self.dotenv_via(id, &parsed, u, outer, &earlier, &by_entry))
                    .collect();
                let segments =
                    segments(&self.loader.file(id).text, id, &r.value, &r.segments, None);
                let value = Arc::new(Value {
                    text: r.value.clone(),
                    span: value_span,
                    via: via.clone(),
                    segments: segments.clone(),
                });
                by_entry.insert(r.entry, value.clone());
                written.push(value);
                defs.push(DotenvDefinition {
                    name: r.key.clone(),
                    value: r.value.clone(),
                    file: id,
                    key: Span::new(id, entry.key_range),
                    value_span,
                    via,
                    segments,
                    effective: false,
                });
            }
        }
        // The last definition of a name wins, unless the shell sets it.
        let mut last: HashMap<&str, usize> = HashMap::new();
        for (i, d) in defs.iter().enumerate() {
            last.insert(&d.name, i);
        }
        let winners: Vec<usize> = last
            .iter()
            .filter(|(n, _)| !outer.contains_key(**n))
            .map(|(_, i)| *i)
            .collect();
        for i in winners {
            defs[i].effective = true;
            let d = &defs[i];
            Arc::make_mut(&mut self.variables).insert(
                d.name.clone(),
                ProjectVariable {
                    name: d.name.clone(),
                    value: d.value.clone(),
                    source: VariableSource::Dotenv {
                        file: d.file,
                        key: d.key,
                        value: d.value_span,
                    },
                    via: d.via.clone(),
                    written: Some(written[i].clone()),
                },
            );
        }
        (ids, defs)
    }

    fn dotenv_via(
        &self,
        file: FileId,
        parsed: &crate::syntax::dotenv::DotenvFile,
        u: &UsedVarSource,
        outer: &BTreeMap<String, ProjectVariable>,
        earlier: &BTreeMap<String, Earlier>,
        by_entry: &HashMap<usize, Arc<Value>>,
    ) -> Via {
        let name = u.var.name.clone();
        let mut written = None;
        let (source, value) = match &u.from {
            VarOrigin::Lookup => match outer.get(&name) {
                Some(v) => {
                    written = v.written.clone();
                    (Some(v.source.clone()), Some(v.value.clone()))
                }
                None => (None, None),
            },
            VarOrigin::EarlierFile => match earlier.get(&name) {
                Some((v, s, w)) => {
                    written = Some(w.clone());
                    (Some(s.clone()), Some(v.clone()))
                }
                None => (None, None),
            },
            VarOrigin::EarlierEntry(i) => match parsed.entries.get(*i) {
                Some(e) => {
                    written = by_entry.get(i).cloned();
                    let value_span = match &e.value {
                        crate::syntax::dotenv::DotenvValue::Assigned(a) => a.raw_range,
                        crate::syntax::dotenv::DotenvValue::Inherit => e.key_range,
                    };
                    (
                        Some(VariableSource::Dotenv {
                            file,
                            key: Span::new(file, e.key_range),
                            value: Span::new(file, value_span),
                        }),
                        None,
                    )
                }
                None => (None, None),
            },
            VarOrigin::Missing => (None, None),
        };
        Via {
            variable: name,
            reference: Span::new(file, u.var.range),
            form: u.var.form,
            source,
            value,
            written,
        }
    }

    /// The last `name:` of the compose files, interpolated.
    fn declared_name(&mut self, files: &[PathBuf]) -> Option<String> {
        let mut name = None;
        for path in files {
            let Ok(id) = self.loader.load(path, FileKind::Compose) else {
                continue;
            };
            let parsed = self.loader.compose(id);
            let Some(n) = &parsed.name else { continue };
            let text = self.loader.file(id).slice(n.range).to_string();
            let whole = n.range;
            if let Ok(v) = self.interpolate_spending(id, &text, whole.start, whole, false) {
                name = Some(v.text);
            } else {
                name = Some(n.value.clone());
            }
        }
        name
    }

    /// Load, parse and interpolate one compose file; its services converted,
    /// each merged over the service it `extends`, through every level; then
    /// the services its `include:` imports. `chain`: the files being
    /// included, the top-level one first, this one last.
    fn load_compose_file(
        &mut self,
        path: &Path,
        chain: &mut Vec<PathBuf>,
    ) -> Option<(FileId, Vec<Service>, Option<String>)> {
        let directory = self.directory.clone();
        let unresolved = Arc::new(self.load_unresolved(path, &directory)?);
        let (id, name) = (unresolved.id, unresolved.name.clone());
        let includes = unresolved.includes.clone();
        let weight: usize = unresolved.services.iter().map(Service::weight).sum();
        if !self.allowance.spend(weight) {
            let at = unresolved.services.first().map(|s| s.name_span);
            self.over(at.unwrap_or(Span::new(id, TextRange::empty(0))));
            return None;
        }
        let mut services: Vec<Service> = unresolved.services.clone();
        // The files `extends` names, each loaded once for all the services.
        let mut files: ExtendsFiles = HashMap::new();
        files.insert(path.to_path_buf(), Some(unresolved));
        for (i, service) in services.iter_mut().enumerate() {
            if let Some(s) = self.resolve_extends(path, i, &mut files) {
                *service = s;
            }
        }
        if !includes.is_empty() {
            let imported = self.apply_includes(&includes, chain);
            let own = index_by_name(&services);
            for s in imported {
                match own.get(&s.name).and_then(|&i| services.get(i)) {
                    Some(own) => {
                        if !self.same_definition(own, &s, false) {
                            self.conflict(&s);
                        }
                    }
                    None => services.push(s),
                }
            }
        }
        Some((id, services, name))
    }

    /// The services the `include:` items import, as Compose's
    /// `ApplyInclude` does: each item's files (relative to the current
    /// project directory) loaded as a project of their own — their project
    /// directory the item's `project_directory:` or the first file's
    /// folder, their variables the current ones then the item's
    /// `env_file:`s (else that directory's `.env`) for names still unset —
    /// merged in order; a service two items define differently is an error.
    fn apply_includes(
        &mut self,
        includes: &[IncludeUse],
        chain: &mut Vec<PathBuf>,
    ) -> Vec<Service> {
        let mut imported: Vec<Service> = Vec::new();
        let mut imported_at: HashMap<String, usize> = HashMap::new();
        for inc in includes {
            // An item without a path includes nothing (Compose says nothing).
            let Some(first) = inc.paths.first() else {
                continue;
            };
            let working = self.directory.clone();
            let paths: Vec<PathBuf> = inc
                .paths
                .iter()
                .map(|p| crate::fs::normalize(&working.join(&p.text)))
                .collect();
            let mut missing = false;
            for (p, v) in paths.iter().zip(&inc.paths) {
                if !self.loader.is_file(p) {
                    missing = true;
                    self.errors.push(ModelError::new(
                        format!("open {}: no such file or directory", p.display()),
                        Some(v.span),
                    ));
                }
            }
            if missing {
                continue;
            }
            if chain.contains(&paths[0]) {
                let mut message = String::from("include cycle detected:");
                for (k, f) in chain.iter().chain([&paths[0]]).enumerate() {
                    let verb = if k == 0 { "\n" } else { "\n include " };
                    message.push_str(&format!("{verb}{}", f.display()));
                }
                self.errors.push(ModelError::new(message, Some(first.span)));
                continue;
            }
            if self.include_loads >= MAX_INCLUDE_LOADS {
                self.errors.push(ModelError {
                    message: format!(
                        "include: more than {MAX_INCLUDE_LOADS} files loaded: not followed further \
                         (a limit of mppeep-lint, not of Compose)"
                    ),
                    span: Some(first.span),
                    kind: ModelErrorKind::Limit,
                });
                break;
            }
            self.include_loads += paths.len();
            if chain.len() > MAX_INCLUDE_DEPTH {
                self.errors.push(ModelError {
                    message: format!(
                        "include: more than {MAX_INCLUDE_DEPTH} levels: not followed further \
                         (a limit of mppeep-lint, not of Compose)"
                    ),
                    span: Some(first.span),
                    kind: ModelErrorKind::Limit,
                });
                continue;
            }
            let directory = match &inc.project_directory {
                Some(d) => crate::fs::normalize(&working.join(&d.text)),
                None => paths[0]
                    .parent()
                    .map(Path::to_path_buf)
                    .unwrap_or_else(|| working.clone()),
            };
            // A missing env file fails the configuration; the files are
            // still loaded (with the env files that are there).
            let mut env_paths = Vec::new();
            if inc.env_files.is_empty() {
                let default = directory.join(".env");
                if self.loader.is_file(&default) {
                    env_paths.push(default);
                }
            } else {
                for f in &inc.env_files {
                    if f.text == "/dev/null" {
                        continue;
                    }
                    let p = crate::fs::normalize(&working.join(&f.text));
                    if !self.loader.is_file(&p) {
                        self.errors.push(ModelError {
                            message: format!("stat {}: no such file or directory", p.display()),
                            span: Some(f.span),
                            kind: ModelErrorKind::EnvFileNotFound(p),
                        });
                        continue;
                    }
                    env_paths.push(p);
                }
            }
            // The included project: its directory, its variables.
            let outer = self.variables.clone();
            let key = (self.scope, env_paths.clone());
            let variables = match self.scope_cache.get(&key) {
                Some(v) => v.clone(),
                None if env_paths.is_empty() => outer.clone(),
                None => {
                    let (ids, defs) = self.read_env_files(&env_paths, &outer);
                    self.include_env_files.extend(ids);
                    self.include_definitions.extend(defs);
                    std::mem::replace(&mut self.variables, outer.clone())
                }
            };
            self.scope_cache.insert(key, variables.clone());
            self.variables = variables.clone();
            let saved_directory = std::mem::replace(&mut self.directory, directory.clone());
            let scope = self.scopes.len();
            let outer_scope = std::mem::replace(&mut self.scope, scope);
            self.scopes.push(variables);
            self.scope_dirs.push(directory);
            let mut merged: Vec<Service> = Vec::new();
            for p in &paths {
                chain.push(p.clone());
                let loaded = self.load_compose_file(p, chain);
                chain.pop();
                let Some((id, services, _)) = loaded else {
                    continue;
                };
                if !self.included_files.contains(&id) {
                    self.included_files.push(id);
                }
                merge_services(&mut merged, services);
            }
            self.directory = saved_directory;
            self.variables = outer;
            self.scope = outer_scope;
            for s in merged {
                let mut s = s;
                if s.scope == 0 {
                    s.scope = scope;
                }
                match imported_at.get(&s.name).and_then(|&i| imported.get(i)) {
                    Some(earlier) => {
                        if !self.same_definition(earlier, &s, true) {
                            self.conflict(&s);
                        }
                    }
                    None => {
                        imported_at.insert(s.name.clone(), imported.len());
                        imported.push(s);
                    }
                }
            }
        }
        imported
    }

    /// Compose's error for a service an `include:` imports that the
    /// including file, or an earlier item, defines otherwise.
    fn conflict(&mut self, s: &Service) {
        self.errors.push(ModelError::new(
            format!("services.{} conflicts with imported resource", s.name),
            Some(s.name_span),
        ));
    }

    /// Whether two definitions of a service are the same to Compose, which
    /// compares them as YAML after interpolation, the included one's
    /// relative paths made absolute: written alike (raw text compared: a
    /// `${VAR}` alike in both is taken as the same value), and no relative
    /// path in them, unless both are imported from the same project
    /// directory (`both_imported`).
    fn same_definition(&mut self, a: &Service, b: &Service, both_imported: bool) -> bool {
        let mut node = |s: &Service| -> Option<Node> {
            let parsed = self.loader.compose(s.name_span.file);
            let services = parsed.root.as_ref()?.get("services")?.as_map()?;
            services
                .iter()
                .find(|(k, _)| k.range == s.name_span.range)
                .map(|(_, v)| v.clone())
        };
        let (Some(x), Some(y)) = (node(a), node(b)) else {
            return false;
        };
        if !same_node(&x, &y) {
            return false;
        }
        let same_directory =
            both_imported && self.scope_dirs.get(a.scope) == self.scope_dirs.get(b.scope);
        same_directory || !has_relative_path(&x)
    }

    /// Compose's validation of the `-f` file at `path` (`validate`), merged
    /// over the `earlier` ones: its refusals become errors. `None`: the
    /// file could not be read (reported by its loading).
    fn validate_file(
        &mut self,
        path: &Path,
        earlier: &[(FileId, Arc<ComposeFile>)],
    ) -> Option<(FileId, Arc<ComposeFile>)> {
        let id = self.loader.load(path, FileKind::Compose).ok()?;
        let parsed = self.loader.compose(id);
        // A file that does not parse is reported as such, once.
        if let (Some(root), true) = (&parsed.root, parsed.errors.is_empty()) {
            let earlier: Vec<&Node> = earlier
                .iter()
                .filter_map(|(_, f)| f.root.as_ref())
                .collect();
            let found = validate::check_file(
                root,
                &earlier,
                &Interpolating {
                    b: self,
                    file: id,
                    allowance: std::cell::RefCell::new(self.allowance.clone()),
                },
            );
            self.errors.extend(found.into_iter().map(|e| {
                let error = ModelError::new(e.message, Some(Span::new(id, e.range)));
                if e.mergeable {
                    error.with_kind(ModelErrorKind::Incomplete)
                } else {
                    error
                }
            }));
        }
        Some((id, parsed))
    }

    /// [`Self::load_compose_file`] without following `extends`: the parsed
    /// file and its services as written, their relative paths resolved from
    /// `directory` (the project's; a file `extends` reads, its own folder).
    fn load_unresolved(&mut self, path: &Path, directory: &Path) -> Option<Unresolved> {
        // Past the allowance, nothing more is modelled (nor worked on).
        if self.allowance.exhausted() {
            return None;
        }
        let id = match self.loader.load(path, FileKind::Compose) {
            Ok(id) => id,
            Err(e) => {
                self.load_error(path, e, true);
                self.unparsed = true;
                return None;
            }
        };
        self.credit(id);
        let parsed = self.loader.compose(id);
        for e in &parsed.errors {
            self.errors.push(ModelError {
                message: e.message.clone(),
                span: Some(Span::new(id, e.range)),
                kind: ModelErrorKind::Syntax,
            });
        }
        if !parsed.errors.is_empty() {
            self.unparsed = true;
        }
        let values = self.interpolate_tree(id, &parsed);
        let source = self.loader.file(id).text.clone();
        let conv = Converter {
            file: id,
            source: &source,
            values: &values,
            directory,
        };
        let name = parsed.name.as_ref().map(|n| conv.value(n).text);
        let services: Vec<Service> = parsed.services.iter().map(|s| conv.service(s)).collect();
        let extends_files = parsed
            .services
            .iter()
            .map(|s| {
                let f = s.extends.as_ref()?.file.as_ref()?;
                Some(conv.value(f).text)
            })
            .collect();
        let includes = parsed
            .include
            .iter()
            .map(|i| IncludeUse {
                paths: i.paths.iter().map(|p| conv.value(p)).collect(),
                env_files: i.env_files.iter().map(|p| conv.value(p)).collect(),
                project_directory: conv.opt(&i.project_directory),
            })
            .collect();
        Some(Unresolved {
            id,
            by_name: index_by_name(&services),
            parsed,
            services,
            name,
            extends_files,
            includes,
        })
    }

    /// Service `i` of the file at `path` merged over the service it
    /// `extends`, itself merged over its own base and so on (in this file
    /// or another, written before or after it), as Compose does: the chain
    /// is followed first, then merged from its base up, without recursion.
    /// A cycle is Compose's "Circular reference" error; a chain of more
    /// than [`MAX_NESTING`] links, our own bound. `None`: the base could not
    /// be found or resolved (reported).
    fn resolve_extends(
        &mut self,
        path: &Path,
        i: usize,
        files: &mut ExtendsFiles,
    ) -> Option<Service> {
        let mut chain: ExtendsChain = Vec::new();
        // The services of the chain, the one resolved first.
        let mut links: Vec<Service> = Vec::new();
        let (mut path, mut k) = (path.to_path_buf(), i);
        loop {
            let here_file = files.get(&path)?.clone()?;
            let (file, parsed) = (here_file.id, &here_file.parsed);
            let own = here_file.services.get(k)?;
            // The service itself is spent with its file's; each base it
            // copies, here.
            if !links.is_empty() && !self.allowance.spend(own.weight()) {
                self.over(own.name_span);
                return None;
            }
            let own = own.clone();
            let Some(ext) = parsed.services.get(k).and_then(|s| s.extends.clone()) else {
                links.push(own);
                break;
            };
            if let Some(at) = chain
                .iter()
                .position(|(f, name, _)| *f == file && *name == own.name)
            {
                self.circular(&chain[at..], file, &own.name);
                return None;
            }
            let here = Span::new(file, ext.service.range);
            if chain.len() >= MAX_NESTING {
                self.errors.push(ModelError {
                    message: format!(
                        "extends: more than {MAX_NESTING} levels: not followed further \
                         (a limit of mppeep-lint, not of Compose)"
                    ),
                    span: Some(here),
                    kind: ModelErrorKind::Limit,
                });
                return None;
            }
            chain.push((file, own.name.clone(), here));
            links.push(own);
            if let Some(file_ref) = here_file.extends_files.get(k).cloned().flatten() {
                let base_dir = self
                    .loader
                    .file(file)
                    .path
                    .parent()
                    .map(Path::to_path_buf)
                    .unwrap_or_default();
                path = crate::fs::normalize(&base_dir.join(&file_ref));
                if !files.contains_key(&path) {
                    // Relative paths in it are resolved from its own folder.
                    let own_dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
                    let loaded = self.load_unresolved(&path, &own_dir).map(Arc::new);
                    files.insert(path.clone(), loaded);
                }
            }
            let base_file = files.get(&path)?.clone()?;
            let Some(&j) = base_file.by_name.get(&ext.service.value) else {
                let message = match here_file.extends_files.get(k).cloned().flatten() {
                    Some(f) => format!(
                        "cannot extend service {:?} in {}: service not found",
                        ext.service.value, f
                    ),
                    None => format!(
                        "cannot extend service {:?}: service not found",
                        ext.service.value
                    ),
                };
                self.errors.push(ModelError {
                    message,
                    span: Some(here),
                    kind: ModelErrorKind::Other,
                });
                return None;
            };
            k = j;
        }
        let mut base = links.pop()?;
        while let Some(own) = links.pop() {
            base.name = own.name.clone();
            base.name_span = own.name_span;
            merge_service(&mut base, own);
        }
        Some(base)
    }

    /// Compose's error for `cycle` (the services from the first one on,
    /// each extending the next) closing on `service` of `file`, reported
    /// once per cycle, where its last `extends` is written.
    fn circular(&mut self, cycle: &[(FileId, String, Span)], file: FileId, service: &str) {
        let mut members: Vec<(FileId, String)> =
            cycle.iter().map(|(f, n, _)| (*f, n.clone())).collect();
        members.sort();
        if !self.cycles.insert(members) {
            return;
        }
        let display = |b: &Self, f: FileId| b.loader.file(f).display.clone();
        let mut message = String::from("Circular reference:");
        for (k, (f, name, _)) in cycle.iter().enumerate() {
            let verb = if k == 0 { "" } else { "extends " };
            message.push_str(&format!(" {verb}{name} in {},", display(self, *f)));
        }
        message.push_str(&format!(" extends {service} in {}", display(self, file)));
        let span = cycle.last().map(|(_, _, s)| *s);
        self.errors.push(ModelError {
            message,
            span,
            kind: ModelErrorKind::Other,
        });
    }

    /// Interpolate every scalar value (not keys) of the file, as Compose does
    /// before anything else: an error anywhere fails the project.
    fn interpolate_tree(&mut self, file: FileId, parsed: &ComposeFile) -> Interpolated {
        let mut out = Interpolated::new();
        if let Some(root) = &parsed.root {
            let mut stack: Vec<&Node> = vec![root];
            while let Some(node) = stack.pop() {
                match &node.kind {
                    NodeKind::Map(entries) => stack.extend(entries.iter().rev().map(|(_, v)| v)),
                    NodeKind::Seq(items) => stack.extend(items.iter().rev()),
                    NodeKind::Scalar(s) => {
                        if !s.value.contains('$') || out.contains_key(&node.range) {
                            continue;
                        }
                        // Past the allowance, nothing more is evaluated.
                        if self.allowance.exhausted() {
                            self.over(Span::new(file, node.range));
                            break;
                        }
                        let base = s.value_start.unwrap_or(node.range.start);
                        let exact = s.value_start.is_some();
                        match self.interpolate_spending(file, &s.value, base, node.range, exact) {
                            Ok(v) => {
                                if self.allowance.spend(via_bytes(&v.via)) {
                                    self.references.extend(v.via.iter().cloned());
                                } else {
                                    self.over(v.span);
                                }
                                out.insert(node.range, v);
                            }
                            Err(e) => {
                                // Still a reference of every variable it names.
                                if let Ok(t) = template::parse(&s.value, base) {
                                    for v in t.variables() {
                                        let at = Span::new(
                                            file,
                                            if exact { v.range } else { node.range },
                                        );
                                        let form = match &v.op {
                                            Some(o) => ReferenceForm::Op(o.kind),
                                            None => ReferenceForm::Plain,
                                        };
                                        let via = self.reference(&v.name, at, form);
                                        self.references.push(via);
                                    }
                                }
                                self.errors.push(e)
                            }
                        }
                    }
                }
            }
        }
        out
    }

    /// A file of the project read: its size adds to the project's
    /// allowance once, and to the run's once whichever projects read it.
    fn credit(&mut self, id: FileId) {
        if self.credited.insert(id) {
            let bytes = BYTES_PER_INPUT_BYTE.saturating_mul(self.loader.file(id).text.len());
            self.allowance.grant(bytes);
            self.granted = self.granted.saturating_add(bytes);
            if self.loader.credited.insert(id) {
                self.loader.allowance.grant(bytes);
            }
        }
    }

    /// The model went past the project's allowance at `at`: said once,
    /// there (the project is then not judged).
    fn over(&mut self, at: Span) {
        self.allowance.exhaust();
        if !std::mem::replace(&mut self.said_over, true) {
            self.errors.push(ModelError {
                message: project_too_large("Compose"),
                span: Some(at),
                kind: ModelErrorKind::Limit,
            });
        }
    }

    /// The reference to `name` at `at`, with the variable's value: its
    /// copy spent from the allowance (past it, without the value; the
    /// project is then not judged).
    fn reference(&mut self, name: &str, at: Span, form: ReferenceForm) -> Via {
        let len = self.variables.get(name).map_or(0, |v| v.value.len());
        let afford = self.allowance.spend(len);
        if !afford {
            self.over(at);
        }
        let var = self.variables.get(name);
        Via {
            variable: name.to_string(),
            reference: at,
            form,
            source: var.map(|x| x.source.clone()),
            value: var.filter(|_| afford).map(|v| v.value.clone()),
            written: var.and_then(|x| x.written.clone()),
        }
    }

    /// [`Builder::interpolate`], spending the project's allowance.
    fn interpolate_spending(
        &mut self,
        file: FileId,
        text: &str,
        base: usize,
        whole: TextRange,
        exact: bool,
    ) -> Result<Value, ModelError> {
        let mut allowance = std::mem::replace(&mut self.allowance, Allowance::new(0));
        let v = self.interpolate(file, text, base, whole, exact, &mut allowance);
        self.allowance = allowance;
        v
    }

    fn interpolate(
        &self,
        file: FileId,
        text: &str,
        base: usize,
        whole: TextRange,
        exact: bool,
        allowance: &mut Allowance,
    ) -> Result<Value, ModelError> {
        let clamp = |r: TextRange| if exact { r } else { whole };
        let t = template::parse(text, base).map_err(|e| ModelError {
            message: e.message,
            span: Some(Span::new(file, clamp(e.range))),
            kind: if e.limit {
                ModelErrorKind::Limit
            } else {
                ModelErrorKind::Other
            },
        })?;
        let vars = &self.variables;
        let mut lookup = |name: &str| vars.get(name).map(|v| v.value.clone());
        let ev =
            interpolate::evaluate_within(&t, &mut lookup, allowance).map_err(|e| ModelError {
                message: e.message,
                span: Some(Span::new(file, clamp(e.range))),
                kind: if e.limit {
                    ModelErrorKind::Limit
                } else {
                    required_kind(e.variable)
                },
            })?;
        let via = ev
            .used
            .iter()
            .map(|u| {
                let var = vars.get(&u.name);
                Via {
                    variable: u.name.clone(),
                    reference: Span::new(file, clamp(u.range)),
                    form: u.form,
                    source: var.map(|v| v.source.clone()),
                    value: var.map(|v| v.value.clone()),
                    written: var.and_then(|v| v.written.clone()),
                }
            })
            .collect();
        let span = Span::new(file, whole);
        let segments = segments(
            &self.loader.file(file).text,
            file,
            &ev.value,
            &ev.segments,
            (!exact).then_some(span),
        );
        Ok(Value {
            text: ev.value,
            span,
            via,
            segments,
        })
    }

    /// image ENV < env_file entries in order < environment.
    fn container_environment(&mut self, service: &Service) -> ContainerEnvironment {
        let mut defs: BTreeMap<String, Vec<EnvDefinition>> = BTreeMap::new();
        if let Some(facts) = &service.image_facts {
            let copied = facts
                .env
                .iter()
                .map(|(k, v, _)| k.len() + v.value.len())
                .sum();
            if !self.allowance.spend(copied) {
                self.over(service.name_span);
                return ContainerEnvironment::default();
            }
            for (key, value, key_span) in &facts.env {
                let src = &self.loader.file(value.span.file).text;
                defs.entry(key.clone()).or_default().push(EnvDefinition {
                    key: key.clone(),
                    value: Some(value.value.clone()),
                    source: EnvSource::ImageEnv,
                    key_span: *key_span,
                    value_span: Some(value.span),
                    via: Vec::new(),
                    segments: plain_segments(src, &value.value, value.span),
                    form: None,
                    stage: Some(value.stage),
                });
            }
        }
        // Inside an env_file, `${A}` is looked up in the project variables,
        // then in the service's own `environment:` values, then in the
        // file's earlier lines, then in what earlier env_files set.
        // Shared by every env_file line that reads them (one copy each).
        let own: HashMap<&str, Arc<Value>> = service
            .environment
            .iter()
            .filter_map(|e| {
                e.value
                    .as_ref()
                    .map(|v| (e.key.as_str(), Arc::new(v.clone())))
            })
            .collect();
        let mut set_by_files: HashMap<String, Earlier> = HashMap::new();
        'files: for ef in &service.env_files {
            let Some(id) = ef.file else { continue };
            if self.allowance.exhausted() {
                break;
            }
            self.credit(id);
            let parsed = if ef.raw {
                self.loader.dotenv_raw(id)
            } else {
                self.loader.dotenv(id)
            };
            if !parsed.errors.is_empty() {
                for e in &parsed.errors {
                    self.errors.push(ModelError {
                        message: e.message.clone(),
                        span: Some(Span::new(id, e.range)),
                        kind: ModelErrorKind::Syntax,
                    });
                }
                continue;
            }
            let vars = &self.variables;
            let mut lookup = |name: &str| {
                vars.get(name)
                    .map(|v| v.value.clone())
                    .or_else(|| own.get(name).map(|v| v.text.clone()))
            };
            let mut from_earlier = |name: &str| set_by_files.get(name).map(|(v, _, _)| v.clone());
            let Some(resolved) = resolve_or_report(
                id,
                &parsed,
                &mut lookup,
                &mut from_earlier,
                &mut self.allowance,
                &mut self.errors,
            ) else {
                continue;
            };
            // This file's lines, by entry, as later lines see them.
            let mut by_entry: HashMap<usize, Arc<Value>> = HashMap::new();
            let resolved_at: HashMap<usize, usize> = resolved
                .iter()
                .enumerate()
                .map(|(i, r)| (r.entry, i))
                .collect();
            let line_of = |entry: usize, by_entry: &HashMap<usize, Arc<Value>>| {
                let r = resolved.get(*resolved_at.get(&entry)?)?;
                let e = parsed.entries.get(entry)?;
                Some((
                    r.value.clone(),
                    VariableSource::Dotenv {
                        file: id,
                        key: Span::new(id, e.key_range),
                        value: Span::new(id, dotenv_value_range(e)),
                    },
                    by_entry.get(&entry)?.clone(),
                ))
            };
            let mut set_here = Vec::new();
            for r in &resolved {
                let Some(entry) = parsed.entries.get(r.entry) else {
                    continue;
                };
                let value_span = match &entry.value {
                    crate::syntax::dotenv::DotenvValue::Assigned(a) => {
                        Some(Span::new(id, a.raw_range))
                    }
                    crate::syntax::dotenv::DotenvValue::Inherit => None,
                };
                let via: Vec<Via> = r
                    .used
                    .iter()
                    .map(|u| {
                        let var = self.variables.get(&u.var.name);
                        let mine = own.get(u.var.name.as_str());
                        let (source, value, written) = match u.from {
                            VarOrigin::Lookup => (
                                var.map(|v| v.source.clone()),
                                var.map(|v| v.value.clone())
                                    .or_else(|| mine.map(|v| v.text.clone())),
                                match var {
                                    Some(v) => v.written.clone(),
                                    None => mine.cloned(),
                                },
                            ),
                            VarOrigin::EarlierEntry(i) => match line_of(i, &by_entry) {
                                Some((value, source, w)) => (Some(source), Some(value), Some(w)),
                                None => (None, None, None),
                            },
                            VarOrigin::EarlierFile => match set_by_files.get(&u.var.name) {
                                Some((value, source, w)) => {
                                    (Some(source.clone()), Some(value.clone()), Some(w.clone()))
                                }
                                None => (None, None, None),
                            },
                            VarOrigin::Missing => (None, None, None),
                        };
                        Via {
                            variable: u.var.name.clone(),
                            reference: Span::new(id, u.var.range),
                            form: u.var.form,
                            source,
                            value,
                            written,
                        }
                    })
                    .collect();
                // Copied into this line's value, its definition and what
                // later files see.
                let copied = 3 * r.value.len() + 2 * via_bytes(&via);
                if !self.allowance.spend(copied) {
                    self.over(Span::new(id, entry.key_range));
                    break 'files;
                }
                let segments =
                    segments(&self.loader.file(id).text, id, &r.value, &r.segments, None);
                by_entry.insert(
                    r.entry,
                    Arc::new(Value {
                        text: r.value.clone(),
                        span: Span::new(id, dotenv_value_range(entry)),
                        via: via.clone(),
                        segments: segments.clone(),
                    }),
                );
                if let Some(line) = line_of(r.entry, &by_entry) {
                    set_here.push((r.key.clone(), line));
                }
                defs.entry(r.key.clone()).or_default().push(EnvDefinition {
                    key: r.key.clone(),
                    value: Some(r.value.clone()),
                    source: EnvSource::ComposeEnvFile,
                    key_span: Span::new(id, entry.key_range),
                    value_span,
                    via,
                    segments,
                    form: None,
                    stage: None,
                });
            }
            set_by_files.extend(set_here);
        }
        for e in &service.environment {
            if !self
                .allowance
                .spend(e.value.as_ref().map_or(0, Value::weight))
            {
                self.over(e.entry_span);
                break;
            }
            let (value, value_span, via, segments) = match &e.value {
                Some(v) => (
                    Some(v.text.clone()),
                    Some(v.span),
                    v.via.clone(),
                    v.segments.clone(),
                ),
                None => {
                    // Passthrough: the project variables (shell, then .env).
                    let via = self.reference(&e.key, e.key_span, ReferenceForm::Passthrough);
                    let value = via.value.clone();
                    let via = vec![via];
                    let len = value.as_ref().map_or(0, String::len);
                    let segments = (len > 0)
                        .then(|| Segment {
                            range: TextRange::new(0, len),
                            origin: SegmentOrigin::Variable {
                                index: 0,
                                offset: 0,
                            },
                        })
                        .into_iter()
                        .collect();
                    (value, None, via, segments)
                }
            };
            let list = defs.entry(e.key.clone()).or_default();
            // A later entry of the same key replaces an earlier one of the same list.
            list.retain(|d| d.source != EnvSource::ComposeEnvironment);
            // A passthrough no source sets leaves the image's ENV in place.
            if value.is_none() && list.iter().any(|d| d.source == EnvSource::ImageEnv) {
                list.retain(|d| d.source == EnvSource::ImageEnv);
                continue;
            }
            list.push(EnvDefinition {
                key: e.key.clone(),
                value,
                source: EnvSource::ComposeEnvironment,
                key_span: e.key_span,
                value_span,
                via,
                segments,
                form: Some(e.form),
                stage: None,
            });
        }
        let vars = defs
            .into_iter()
            .filter_map(|(k, mut list)| {
                let winner = list.pop()?;
                list.reverse();
                Some((
                    k,
                    EnvVar {
                        winner,
                        shadowed: list,
                    },
                ))
            })
            .collect();
        ContainerEnvironment { vars }
    }
}

/// The bytes of the values `via` copied.
fn via_bytes(via: &[Via]) -> usize {
    via.iter()
        .map(|v| v.value.as_ref().map_or(0, String::len))
        .sum()
}

/// Two YAML nodes written alike (ranges aside): the same scalars, typed
/// the same, in the same collections.
fn same_node(a: &Node, b: &Node) -> bool {
    if a.tag != b.tag {
        return false;
    }
    match (&a.kind, &b.kind) {
        (NodeKind::Scalar(x), NodeKind::Scalar(y)) => {
            x.value == y.value
                && x.compose_string() == y.compose_string()
                && (x.resolved == crate::syntax::yaml::Resolved::Str)
                    == (y.resolved == crate::syntax::yaml::Resolved::Str)
        }
        (NodeKind::Seq(x), NodeKind::Seq(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| same_node(a, b))
        }
        // Key order does not matter (Compose compares decoded maps); keys
        // found by their text, so that a large map stays linear.
        (NodeKind::Map(x), NodeKind::Map(y)) => {
            let text = |k: &Node| match &k.kind {
                NodeKind::Scalar(s) => Some(s.value.clone()),
                _ => None,
            };
            let by_key: Option<HashMap<String, (&Node, &Node)>> =
                y.iter().map(|(k, v)| Some((text(k)?, (k, v)))).collect();
            match by_key {
                Some(by_key) if by_key.len() == y.len() => {
                    x.len() == y.len()
                        && x.iter().all(|(ka, va)| {
                            text(ka)
                                .and_then(|t| by_key.get(&t))
                                .is_some_and(|(kb, vb)| same_node(ka, kb) && same_node(va, vb))
                        })
                }
                _ => {
                    x.len() == y.len()
                        && x.iter()
                            .zip(y)
                            .all(|((ka, va), (kb, vb))| same_node(ka, kb) && same_node(va, vb))
                }
            }
        }
        _ => false,
    }
}

/// Whether a service's definition holds a path Compose resolves against
/// the project directory (`build`, `env_file`, `extends.file`,
/// `label_file`, a relative bind mount).
fn has_relative_path(service: &Node) -> bool {
    let Some(entries) = service.as_map() else {
        return false;
    };
    entries.iter().any(|(k, v)| match k.as_str() {
        Some("build" | "env_file" | "label_file") => true,
        Some("extends") => v.get("file").is_some(),
        Some("volumes") => v.as_seq().is_some_and(|items| {
            items.iter().any(|i| {
                let source = i
                    .as_str()
                    .or_else(|| i.get("source").and_then(Node::as_str));
                source.is_some_and(|s| s.starts_with('.') || s.starts_with('~'))
            })
        }),
        _ => false,
    })
}

/// A `.env` entry's value as written, or its key for a bare `KEY`.
fn dotenv_value_range(e: &crate::syntax::dotenv::DotenvEntry) -> TextRange {
    match &e.value {
        crate::syntax::dotenv::DotenvValue::Assigned(a) => a.raw_range,
        crate::syntax::dotenv::DotenvValue::Inherit => e.key_range,
    }
}

/// The interpolated text [`validate`] judges: only where every variable
/// it reads is set here (one set where the project is deployed could make
/// it valid).
struct Interpolating<'b, 'a, 'fs> {
    b: &'b Builder<'a, 'fs>,
    file: FileId,
    /// A copy of the project's: what validation interpolates is dropped
    /// at once, but its time is bounded too.
    allowance: std::cell::RefCell<Allowance>,
}

impl validate::Context for Interpolating<'_, '_, '_> {
    fn interpolated(&self, node: &Node) -> Option<String> {
        let s = node.as_scalar()?;
        if !s.value.contains('$') {
            return Some(s.value.clone());
        }
        let base = s.value_start.unwrap_or(node.range.start);
        let v = self
            .b
            .interpolate(
                self.file,
                &s.value,
                base,
                node.range,
                s.value_start.is_some(),
                &mut self.allowance.borrow_mut(),
            )
            .ok()?;
        v.via.iter().all(|x| x.source.is_some()).then_some(v.text)
    }
}

fn required_kind(variable: Option<String>) -> ModelErrorKind {
    variable.map_or(ModelErrorKind::Other, ModelErrorKind::RequiredVariable)
}

/// The lines of `.env`-format file `id` as Compose computes them
/// ([`interpolate::resolve_dotenv_after`]); `None`, and the error reported,
/// when Compose refuses it.
fn resolve_or_report(
    id: FileId,
    parsed: &crate::syntax::dotenv::DotenvFile,
    lookup: &mut dyn FnMut(&str) -> Option<String>,
    earlier: &mut dyn FnMut(&str) -> Option<String>,
    allowance: &mut Allowance,
    errors: &mut Vec<ModelError>,
) -> Option<Vec<interpolate::ResolvedEntry>> {
    interpolate::resolve_dotenv_after(parsed, lookup, earlier, allowance)
        .map_err(|e| errors.push(interp_error(id, e)))
        .ok()
}

fn interp_error(file: FileId, e: InterpolationError) -> ModelError {
    ModelError {
        message: e.message,
        span: Some(Span::new(file, e.range)),
        kind: if e.limit {
            ModelErrorKind::Limit
        } else {
            required_kind(e.variable)
        },
    }
}

/// Turns a parsed compose service into a model [`Service`], reading
/// interpolated values from the file's table.
struct Converter<'a> {
    file: FileId,
    /// The file's text.
    source: &'a str,
    values: &'a Interpolated,
    directory: &'a Path,
}

impl Converter<'_> {
    fn span(&self, r: TextRange) -> Span {
        Span::new(self.file, r)
    }

    fn value(&self, s: &Spanned<String>) -> Value {
        match self.values.get(&s.range) {
            Some(v) => v.clone(),
            None => Value {
                text: s.value.clone(),
                span: self.span(s.range),
                via: Vec::new(),
                segments: plain_segments(self.source, &s.value, self.span(s.range)),
            },
        }
    }

    fn opt(&self, s: &Option<Spanned<String>>) -> Option<Value> {
        s.as_ref().map(|s| self.value(s))
    }

    fn command(&self, c: &Option<cs::Command>) -> Option<CommandConfig> {
        c.as_ref().map(|c| match c {
            cs::Command::Exec(v) => CommandConfig::Exec(v.iter().map(|x| self.value(x)).collect()),
            cs::Command::Shell(s) => CommandConfig::Shell(self.value(s)),
        })
    }

    fn service(&self, s: &cs::Service) -> Service {
        let environment = s
            .environment
            .iter()
            .map(|e| self.environment_entry(e))
            .collect();
        let mut env_files: Vec<EnvFileUse> = Vec::new();
        for f in &s.env_file {
            let path = self.value(&f.path);
            // A repeated path is dropped: the first position is kept.
            if env_files.iter().any(|e| e.path.text == path.text) {
                continue;
            }
            let resolved = crate::fs::normalize(&self.directory.join(&path.text));
            let mut invalid = None;
            // `required:` after interpolation: true/false in any case, and
            // YAML 1.1's y/yes/on and n/no/off (Compose warns of these).
            let required = match f.required.as_ref().map(|r| (self.value(r), r.range)) {
                None => true,
                Some((v, range)) => match v.text.to_ascii_lowercase().as_str() {
                    "true" | "y" | "yes" | "on" => true,
                    "false" | "n" | "no" | "off" => false,
                    _ => {
                        invalid = Some(ModelError::new(
                            format!(
                                "'services[{}].env_file[{}].required' invalid boolean: {}",
                                s.name.value,
                                env_files.len(),
                                v.text
                            ),
                            Some(self.span(range)),
                        ));
                        true
                    }
                },
            };
            let raw = match f.format.as_ref().map(|x| (self.value(x), x.range)) {
                None => false,
                Some((v, range)) => match v.text.as_str() {
                    "" => false,
                    "raw" => true,
                    other => {
                        invalid.get_or_insert(ModelError::new(
                            format!("unsupported env_file format {other:?}"),
                            Some(self.span(range)),
                        ));
                        false
                    }
                },
            };
            env_files.push(EnvFileUse {
                path,
                resolved,
                required,
                raw,
                invalid,
                file: None,
            });
        }
        let build = s.build.as_ref().map(|b| {
            let context_value = self.opt(&b.context);
            let context_text = context_value
                .as_ref()
                .map(|v| v.text.clone())
                .unwrap_or_else(|| ".".into());
            let context = crate::fs::normalize(&self.directory.join(&context_text));
            let dockerfile = self.opt(&b.dockerfile);
            let dockerfile_path = crate::fs::normalize(
                &context.join(
                    dockerfile
                        .as_ref()
                        .map(|d| d.text.as_str())
                        .unwrap_or("Dockerfile"),
                ),
            );
            BuildConfig {
                span: self.span(b.range),
                context,
                context_value,
                dockerfile,
                dockerfile_path,
                target: self.opt(&b.target),
                // A repeated key: the last one counts, as in a merge.
                args: b.args.iter().fold(Vec::new(), |mut args, e| {
                    let e = self.environment_entry(e);
                    args.retain(|a: &(String, Span, Option<Value>)| a.0 != e.key);
                    args.push((e.key, e.key_span, e.value));
                    args
                }),
            }
        });
        Service {
            name: s.name.value.clone(),
            name_span: self.span(s.name.range),
            active: true,
            image: self.opt(&s.image),
            build,
            environment,
            env_files,
            user: self.opt(&s.user),
            healthcheck: s.healthcheck.as_ref().map(|h| HealthcheckConfig {
                span: self.span(h.range),
                test: self.command(&h.test),
                disable: h.disable,
            }),
            depends_on: s
                .depends_on
                .iter()
                .map(|d| Dependency {
                    service: d.service.value.clone(),
                    span: self.span(d.service.range),
                    condition: self.opt(&d.condition),
                    required: d.required,
                })
                .collect(),
            network_mode: self.opt(&s.network_mode),
            networks: s
                .networks
                .iter()
                .map(|n| NetworkAttachment {
                    name: n.name.value.clone(),
                    span: self.span(n.name.range),
                    aliases: n.aliases.iter().map(|a| self.value(a)).collect(),
                })
                .collect(),
            ports: s
                .ports
                .iter()
                .map(|p| PortConfig {
                    raw: self.value(&p.raw),
                    published: p.published.clone(),
                    target: p.target.clone(),
                })
                .collect(),
            expose: s.expose.iter().map(|e| self.value(e)).collect(),
            profiles: s.profiles.iter().map(|p| self.value(p)).collect(),
            command: self.command(&s.command),
            entrypoint: self.command(&s.entrypoint),
            container_name: self.opt(&s.container_name),
            hostname: self.opt(&s.hostname),
            pull_policy: self.opt(&s.pull_policy),
            container_env: ContainerEnvironment::default(),
            image_facts: None,
            resets: s.resets.clone(),
            overrides: s.overrides.clone(),
            tag: s.tag,
            scope: 0,
        }
    }

    fn environment_entry(&self, e: &cs::EnvironmentEntry) -> EnvironmentEntry {
        let key_span = self.span(e.key.range);
        let entry_span = self.span(e.raw.range);
        let (key, value) = match e.form {
            // As Compose: the whole item is interpolated, then split at the
            // first `=` (`- ${K}=v`, `- ${KV}` with KV=`A=1`, `- $$K=1` is
            // `$K`); without one it passes a variable through. The value's
            // map is the part of the item's after the `=`.
            EnvironmentForm::List => {
                let whole = self.value(&e.raw);
                match whole.text.find('=') {
                    Some(at) => {
                        // Where the value is written, when the `=` the
                        // item is split at is the one written in it.
                        let split_here = |v: &crate::source::Spanned<String>| {
                            whole
                                .span_of(at..at + 1)
                                .is_some_and(|s| s.range.end == v.range.start && s.range.len() == 1)
                        };
                        let span = match &e.value {
                            Some(v) if split_here(v) => self.span(v.range),
                            _ => entry_span,
                        };
                        let value = Value {
                            text: whole.text[at + 1..].to_string(),
                            span,
                            segments: slice_segments(&whole.segments, at + 1, whole.text.len()),
                            via: whole.via,
                        };
                        (whole.text[..at].to_string(), Some(value))
                    }
                    None => (whole.text, None),
                }
            }
            EnvironmentForm::Map => (e.key.value.clone(), e.value.as_ref().map(|v| self.value(v))),
        };
        EnvironmentEntry {
            key,
            key_span,
            entry_span,
            value,
            form: e.form,
            quoted_in_yaml: e.quoted_in_yaml,
        }
    }
}

/// Removes what `base` sets for `field` (a service key, or
/// `environment.KEY`), as a `!reset` in a later file does.
fn clear_field(base: &mut Service, field: &str) {
    if let Some(key) = field.strip_prefix("environment.") {
        base.environment.retain(|e| e.key != key);
        return;
    }
    match field {
        "image" => base.image = None,
        "build" => base.build = None,
        "environment" => base.environment.clear(),
        "env_file" => base.env_files.clear(),
        "user" => base.user = None,
        "healthcheck" => base.healthcheck = None,
        "depends_on" => base.depends_on.clear(),
        "network_mode" => base.network_mode = None,
        "networks" => base.networks.clear(),
        "ports" => base.ports.clear(),
        "expose" => base.expose.clear(),
        "profiles" => base.profiles.clear(),
        "command" => base.command = None,
        "entrypoint" => base.entrypoint = None,
        "container_name" => base.container_name = None,
        "hostname" => base.hostname = None,
        "pull_policy" => base.pull_policy = None,
        _ => {}
    }
}

/// Merge `over` (a later `-f` file, or the service that extends) into `base`
/// with Compose's rules: scalars are replaced, `environment` merges by key,
/// `env_file` (without repeating a path), `ports` and `expose` are appended,
/// `depends_on` and networks merge by name.
pub fn merge_service(base: &mut Service, over: Service) {
    fn replace<T>(a: &mut Option<T>, b: Option<T>) {
        if b.is_some() {
            *a = b;
        }
    }
    // `!reset` removes what the base set; `!override` too, before `over`'s
    // value takes its place.
    for field in over.resets.iter().chain(&over.overrides) {
        clear_field(base, field);
    }
    replace(&mut base.image, over.image);
    match (&mut base.build, over.build) {
        (Some(a), Some(b)) => {
            a.span = b.span;
            if b.context_value.is_some() {
                a.context = b.context;
                a.context_value = b.context_value;
                if a.dockerfile.is_none() && b.dockerfile.is_none() {
                    a.dockerfile_path = b.dockerfile_path.clone();
                }
            }
            if b.dockerfile.is_some() {
                a.dockerfile = b.dockerfile;
            }
            a.dockerfile_path = a.context.join(
                a.dockerfile
                    .as_ref()
                    .map(|d| d.text.as_str())
                    .unwrap_or("Dockerfile"),
            );
            a.dockerfile_path = crate::fs::normalize(&a.dockerfile_path);
            replace(&mut a.target, b.target);
            for arg in b.args {
                a.args.retain(|x| x.0 != arg.0);
                a.args.push(arg);
            }
        }
        (a, b) => replace(a, b),
    }
    for e in over.environment {
        base.environment.retain(|x| x.key != e.key);
        base.environment.push(e);
    }
    // Appended; a path already there (as written) keeps its first position.
    for f in over.env_files {
        if !base.env_files.iter().any(|x| x.path.text == f.path.text) {
            base.env_files.push(f);
        }
    }
    replace(&mut base.user, over.user);
    match (&mut base.healthcheck, over.healthcheck) {
        (Some(a), Some(b)) => {
            a.span = b.span;
            replace(&mut a.test, b.test);
            a.disable = a.disable || b.disable;
        }
        (a, b) => replace(a, b),
    }
    for d in over.depends_on {
        base.depends_on.retain(|x| x.service != d.service);
        base.depends_on.push(d);
    }
    replace(&mut base.network_mode, over.network_mode);
    for n in over.networks {
        base.networks.retain(|x| x.name != n.name);
        base.networks.push(n);
    }
    for p in over.ports {
        if !base.ports.iter().any(|x| x.raw.text == p.raw.text) {
            base.ports.push(p);
        }
    }
    for e in over.expose {
        if !base.expose.iter().any(|x| x.text == e.text) {
            base.expose.push(e);
        }
    }
    // Profiles add up, each once, in the order first seen.
    for p in over.profiles {
        if !base.profiles.iter().any(|x| x.text == p.text) {
            base.profiles.push(p);
        }
    }
    replace(&mut base.command, over.command);
    replace(&mut base.entrypoint, over.entrypoint);
    replace(&mut base.container_name, over.container_name);
    replace(&mut base.hostname, over.hostname);
    replace(&mut base.pull_policy, over.pull_policy);
}

#[cfg(test)]
mod tests;
