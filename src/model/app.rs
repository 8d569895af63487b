//! The last hop of the flow: the app's code in a container, as far as its
//! settings go.
//!
//! [`AppCode`] resolves, once per workspace, the pydantic settings classes
//! of the Python modules read (`syntax::python`): a class is a settings
//! class when a base chain, through classes of any module, reaches
//! `BaseSettings`; its fields are its own and its bases' (the nearest
//! base's first, as Python's method resolution order gives for simple
//! hierarchies), its configuration its bases' updated by its own, as
//! pydantic merges `model_config`. Each field's environment names follow
//! pydantic-settings (v2) or pydantic v1's `BaseSettings`: its aliases
//! (no prefix), else `env_prefix` + its name, matched without case unless
//! `case_sensitive`.
//!
//! [`AppCode::in_service`] says which modules a service's container holds:
//! those its image copies from the build context (a `COPY`/`ADD` of a
//! stage the service runs, or of a stage it copies `--from`, past the
//! ignore file), those a bind mount puts there, and those of a service
//! built with the same `image:` name.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::Arc;

use crate::model::context::{context_source, copy_takes, ignore_file};
use crate::model::mount::MountKind;
use crate::model::types::{Project, Service};
use crate::model::workspace::Workspace;
use crate::source::{FileId, Span};
use crate::syntax::dockerfile::InstructionKind;
use crate::syntax::dockerignore::{self, DockerIgnore};
use crate::syntax::python::{
    AliasKind, ClassDef, ConfigValue, FieldDef, FieldDefault, Literal, PyModule, PyValue,
};

/// Bases that are pydantic's settings class.
const SETTINGS_BASES: &[&str] = &["BaseSettings"];
/// Bases that add no field and no configuration.
const NEUTRAL_BASES: &[&str] = &[
    "BaseModel",
    "ABC",
    "object",
    "Generic",
    "Protocol",
    "Enum",
    "StrEnum",
    "IntEnum",
];

/// Where a pydantic settings class reads an `env_file` from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EnvFileSetting {
    /// None: only the process environment.
    None,
    /// These files, relative to the app's working directory.
    Files(Vec<String>),
    /// An expression we do not evaluate, or a file given at instantiation
    /// (`Settings(_env_file=...)`).
    Unknown,
}

/// A class's settings configuration after inheritance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SettingsConfig {
    pub env_prefix: String,
    pub case_sensitive: bool,
    pub env_file: EnvFileSetting,
    /// `env_nested_delimiter`: nested models read `PREFIX_FIELD__SUB`.
    pub nested_delimiter: Option<String>,
    /// `env_ignore_empty`: an empty variable counts as unset.
    pub ignore_empty: bool,
    /// `secrets_dir`: values may come from files (Docker secrets).
    pub secrets_dir: bool,
    /// `env_parse_none_str`: the text read as `None` (`Some(None)` when it
    /// is set to what we do not evaluate).
    pub none_text: Option<Option<String>>,
}

/// A settings field with the environment names it reads.
#[derive(Debug, Clone, PartialEq)]
pub struct AppField {
    /// The module the field is written in.
    pub file: FileId,
    pub def: FieldDef,
    /// The names it reads, first match wins (`AliasChoices` in order).
    /// Empty when they cannot be known (an alias we do not read).
    pub env_names: Vec<String>,
    /// The app cannot start without it.
    pub required: bool,
    /// Its names are its aliases (not its own name): v2's `alias` /
    /// `validation_alias`, v1's `env=`.
    pub by_alias: bool,
}

impl AppField {
    pub fn span(&self) -> Span {
        Span::new(self.file, self.def.name_range)
    }

    /// Where the name the environment gives is written: the alias it reads
    /// when there is one, else the field's name.
    pub fn name_span(&self) -> Span {
        match self.def.aliases.first().filter(|_| self.by_alias) {
            Some(a) => Span::new(self.file, a.range),
            None => self.span(),
        }
    }

    /// pydantic v2 ignores the `Field(env=...)` written (a v1 habit).
    pub fn ignored_env(&self, v1: bool) -> bool {
        !v1 && self.def.alias_kind == AliasKind::Env && !self.def.aliases.is_empty()
    }

    /// The literal default, when the field has one written.
    pub fn default_value(&self) -> Option<&PyValue> {
        match &self.def.default {
            FieldDefault::Value(v) => Some(v),
            _ => None,
        }
    }
}

/// A pydantic settings class, its inheritance resolved.
#[derive(Debug, Clone, PartialEq)]
pub struct SettingsClass {
    pub file: FileId,
    pub name: String,
    pub name_span: Span,
    /// pydantic v1 (`from pydantic import BaseSettings`).
    pub v1: bool,
    pub config: SettingsConfig,
    pub fields: Vec<AppField>,
    /// Everything that decides its environment names was read: no base we
    /// cannot see (other than pydantic's), no configuration we cannot
    /// evaluate.
    pub complete: bool,
    /// Fields a validator of the class or its bases reads first, and
    /// whether one reads them all ([`ClassDef::validated`]).
    pub validated: Vec<String>,
    pub validates_all: bool,
}

impl SettingsClass {
    /// The field that reads `var` from the environment.
    pub fn field_for(&self, var: &str) -> Option<&AppField> {
        self.fields
            .iter()
            .find(|f| f.env_names.iter().any(|n| self.matches(n, var)))
    }

    /// An environment name as a message shows it: upper case when any case
    /// is read (`database_url` is read from `DATABASE_URL`).
    pub fn shown(&self, name: &str) -> String {
        if self.config.case_sensitive {
            name.to_string()
        } else {
            name.to_ascii_uppercase()
        }
    }

    /// Whether the environment name `name` is read as `key`.
    pub fn matches(&self, name: &str, key: &str) -> bool {
        if self.config.case_sensitive {
            name == key
        } else {
            name.eq_ignore_ascii_case(key)
        }
    }
}

/// The app's Python code in the workspace.
#[derive(Debug, Default)]
pub struct AppCode {
    pub modules: BTreeMap<FileId, Arc<PyModule>>,
    pub classes: Vec<SettingsClass>,
    /// `classes` by name.
    by_name: HashMap<String, Vec<usize>>,
    /// The modules that may run in a container: not tests, no syntax
    /// error; with their paths, sorted (found once, not per service).
    runnable: Vec<(std::path::PathBuf, FileId)>,
}

/// The code a service's container holds.
#[derive(Debug, Default)]
pub struct ServiceApp<'a> {
    /// The settings classes its code instantiates, with the keyword
    /// arguments given there (a field set in code, `_env_file`).
    pub classes: Vec<(&'a SettingsClass, Vec<String>)>,
    /// The modules in the container, not tests, that Python can import
    /// (no syntax error).
    pub modules: Vec<FileId>,
    /// Those of them the service imports at start, whose reads of the
    /// environment at import count: not a server's own configuration
    /// (`gunicorn.conf.py`), not one of several entry points (`api/main.py`
    /// and `worker/main.py` in one image: which one runs is the command's
    /// choice), not a Django settings module other than the one
    /// `DJANGO_SETTINGS_MODULE` names (and those it imports `*` from).
    pub imported: Vec<FileId>,
    /// The settings classes defined in the container's modules, whether
    /// or not its code is seen instantiating them (for `explain`, which
    /// describes; the rules judge only `classes`).
    pub defined: Vec<&'a SettingsClass>,
    /// The variables the code sets in its own environment
    /// (`os.environ.setdefault`), and whether it sets some we cannot name.
    pub writes: std::collections::HashSet<String>,
    pub writes_unknown: bool,
}

/// The modules an app starts from; with several in one image, which one
/// a service runs is its command's choice.
const ENTRY_POINTS: &[&str] = &[
    "main.py",
    "app.py",
    "wsgi.py",
    "asgi.py",
    "manage.py",
    "server.py",
];

/// A test module or one under a test folder: never the app at start.
pub fn is_test_module(path: &Path) -> bool {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    name == "test.py"
        || name == "tests.py"
        || name.starts_with("test_")
        || name.ends_with("_test.py")
        || name == "conftest.py"
        || name.starts_with("tests.")
        || path.components().any(|c| {
            let c = c.as_os_str().to_string_lossy().to_ascii_lowercase();
            c == "tests" || c == "test" || c == "testing"
        })
}

impl AppCode {
    pub fn new(
        ws_sources: &crate::source::SourceMap,
        modules: BTreeMap<FileId, Arc<PyModule>>,
    ) -> Self {
        let classes = resolve(ws_sources, &modules);
        let mut by_name: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, c) in classes.iter().enumerate() {
            by_name.entry(c.name.clone()).or_default().push(i);
        }
        let mut runnable: Vec<(std::path::PathBuf, FileId)> = modules
            .iter()
            .filter(|(id, m)| {
                m.syntax_error.is_none() && !is_test_module(&ws_sources.get(**id).path)
            })
            .map(|(id, _)| (ws_sources.get(*id).path.clone(), *id))
            .collect();
        runnable.sort();
        AppCode {
            modules,
            classes,
            by_name,
            runnable,
        }
    }

    /// The code `service` of `project` runs: the modules its container
    /// holds and the settings classes they instantiate.
    pub fn in_service<'a>(
        &'a self,
        ws: &Workspace,
        project: &Project,
        service: &Service,
    ) -> ServiceApp<'a> {
        let mut out = ServiceApp::default();
        if self.modules.is_empty() {
            return out;
        }
        let builders = builders(project, service);
        let images: Vec<ImageCopies> = builders
            .iter()
            .filter_map(|b| ImageCopies::of(ws, b))
            .collect();
        // A mount puts the app's code in a container that runs it: one of
        // an image built here (then only code of its build context: a
        // monorepo mounted whole is not all its code), or of a Python
        // image. The docs server that mounts `.:/docs` runs none of it.
        let contexts: Vec<&Path> = builders
            .iter()
            .filter_map(|b| b.build.as_ref().map(|b| b.context.as_path()))
            .collect();
        let python_image = service
            .image
            .as_ref()
            .is_some_and(|i| i.text.to_ascii_lowercase().contains("python"));
        let mounts: Vec<std::path::PathBuf> = if contexts.is_empty() && !python_image {
            Vec::new()
        } else {
            mount_sources(project, service)
        };
        // Only the modules under a folder the container holds are asked:
        // the range of the sorted paths that starts with it.
        let roots: Vec<&Path> = mounts
            .iter()
            .map(|m| m.as_path())
            .chain(images.iter().map(|i| i.context))
            .collect();
        let mut taken: std::collections::HashSet<FileId> = std::collections::HashSet::new();
        for root in roots {
            let from = self.runnable.partition_point(|(p, _)| p.as_path() < root);
            for (path, id) in self.runnable[from..]
                .iter()
                .take_while(|(p, _)| p.starts_with(root))
            {
                if taken.contains(id) {
                    continue;
                }
                let mounted = mounts.iter().any(|m| path.starts_with(m))
                    && (contexts.is_empty() || contexts.iter().any(|c| path.starts_with(c)));
                if mounted || images.iter().any(|i| i.takes(path)) {
                    taken.insert(*id);
                    out.modules.push(*id);
                }
            }
        }
        out.modules.sort();
        out.imported = self.imported(ws, service, &out.modules);
        for id in &out.modules {
            let m = &self.modules[id];
            out.writes.extend(m.writes.iter().cloned());
            out.writes_unknown |= m.writes_unknown;
        }
        // The classes instantiated by the code in the container: a call
        // names the class of its own module, else the one class of that
        // name in the container.
        let inside: std::collections::HashSet<FileId> = out.modules.iter().copied().collect();
        out.defined = self
            .classes
            .iter()
            .filter(|c| inside.contains(&c.file))
            .collect();
        let mut seen: HashMap<usize, usize> = HashMap::new();
        for id in &out.modules {
            for call in &self.modules[id].calls {
                if call.opaque || call.conditional {
                    continue;
                }
                let named: Vec<usize> = self
                    .by_name
                    .get(&call.name)
                    .map_or(&[][..], Vec::as_slice)
                    .iter()
                    .copied()
                    .filter(|&i| inside.contains(&self.classes[i].file))
                    .collect();
                let own: Vec<usize> = named
                    .iter()
                    .copied()
                    .filter(|&i| self.classes[i].file == *id)
                    .collect();
                let chosen = match (own.as_slice(), named.as_slice()) {
                    ([one], _) | ([], [one]) => Some(*one),
                    _ => None,
                };
                if let Some(i) = chosen {
                    let c = &self.classes[i];
                    match seen.get(&i) {
                        // Instantiated twice: what both calls leave unset.
                        Some(&at) => out.classes[at].1.retain(|k| call.keywords.contains(k)),
                        None => {
                            seen.insert(i, out.classes.len());
                            out.classes.push((c, call.keywords.clone()));
                        }
                    }
                }
            }
        }
        out
    }
}

impl AppCode {
    /// The modules of `modules` whose reads at import count
    /// ([`ServiceApp::imported`]).
    fn imported(&self, ws: &Workspace, service: &Service, modules: &[FileId]) -> Vec<FileId> {
        let path_of = |id: &FileId| &ws.sources.get(*id).path;
        let name_of = |id: &FileId| {
            path_of(id)
                .file_name()
                .map(|n| n.to_string_lossy().to_ascii_lowercase())
                .unwrap_or_default()
        };
        let entry_points = modules
            .iter()
            .filter(|m| ENTRY_POINTS.contains(&name_of(m).as_str()))
            .count();
        // A module of a settings package (`config/settings/local.py`): one
        // of the modules `DJANGO_SETTINGS_MODULE` chooses from (the
        // package's `__init__.py` runs for each of them).
        let in_package = |id: &FileId| {
            name_of(id) != "__init__.py"
                && path_of(id)
                    .parent()
                    .is_some_and(|p| p.file_name().is_some_and(|f| f == "settings"))
        };
        // The one `DJANGO_SETTINGS_MODULE` names, and what it takes `*`
        // from, as paths ending so.
        let mut chosen: Vec<FileId> = Vec::new();
        let named = service
            .container_env
            .get("DJANGO_SETTINGS_MODULE")
            .and_then(|v| v.winner.value.clone());
        if let Some(dotted) = named {
            let as_path = dotted.trim().replace('.', "/");
            let tails = [format!("{as_path}.py"), format!("{as_path}/__init__.py")];
            chosen.extend(
                modules
                    .iter()
                    .filter(|m| tails.iter().any(|t| path_of(m).ends_with(t))),
            );
            let mut i = 0;
            while i < chosen.len() && i < 16 {
                let from = chosen[i];
                let dir = path_of(&from).parent().map(Path::to_path_buf);
                for star in &self.modules[&from].star_imports {
                    let rel = star.trim_start_matches('.');
                    let tail = format!("{}.py", rel.replace('.', "/"));
                    let found = modules.iter().find(|m| {
                        let p = path_of(m);
                        if star.starts_with('.') {
                            dir.as_ref().is_some_and(|d| p == &d.join(&tail))
                        } else {
                            p.ends_with(&tail)
                        }
                    });
                    if let Some(f) = found {
                        if !chosen.contains(f) {
                            chosen.push(*f);
                        }
                    }
                }
                i += 1;
            }
        }
        modules
            .iter()
            .copied()
            .filter(|m| {
                let name = name_of(m);
                if name.contains("gunicorn") || name.contains("uwsgi") {
                    return false;
                }
                if ENTRY_POINTS.contains(&name.as_str()) && entry_points > 1 {
                    return false;
                }
                !in_package(m) || chosen.contains(m)
            })
            .collect()
    }

    /// Whether `path` (a file of the project) is in `service`'s container:
    /// bind-mounted, or copied into its image (or the image of a service
    /// built under the same `image:` name). A file that does not exist
    /// (yet) counts where a copy would take it.
    pub fn file_in_container(
        &self,
        ws: &Workspace,
        project: &Project,
        service: &Service,
        path: &Path,
    ) -> bool {
        mount_sources(project, service)
            .iter()
            .any(|m| path.starts_with(m))
            || builders(project, service)
                .into_iter()
                .filter_map(|b| ImageCopies::of(ws, b))
                .any(|i| i.takes(path))
    }
}

/// The services that build the image `service` runs: itself when it has
/// `build:`, else those built under its `image:` name.
fn builders<'p>(project: &'p Project, service: &'p Service) -> Vec<&'p Service> {
    match &service.build {
        Some(_) => vec![service],
        None => service
            .image
            .as_ref()
            .map(|img| {
                project
                    .active_services()
                    .filter(|s| {
                        s.build.is_some() && s.image.as_ref().is_some_and(|i| i.text == img.text)
                    })
                    .collect()
            })
            .unwrap_or_default(),
    }
}

/// The host folders and files `service`'s bind mounts put in its
/// container (not `/`, which is the host's, not the app's).
fn mount_sources(project: &Project, service: &Service) -> Vec<std::path::PathBuf> {
    service
        .volumes
        .iter()
        .filter_map(|v| v.read())
        .filter(|m| m.kind == MountKind::Bind)
        .filter_map(|m| m.source)
        .map(|src| crate::fs::normalize(&project.directory.join(src)))
        .filter(|src| src != Path::new("/"))
        .collect()
}

/// What an image copies from its build context: the `COPY`/`ADD` sources
/// (cleaned, with their `--exclude`s) of the stages it runs and of those
/// it copies `--from`, and the ignore file; read once per service, then
/// asked for each module.
struct ImageCopies<'w> {
    context: &'w Path,
    ignore: Option<DockerIgnore>,
    sources: Vec<(String, Vec<DockerIgnore>)>,
}

impl<'w> ImageCopies<'w> {
    fn of(ws: &Workspace, service: &'w Service) -> Option<Self> {
        let (Some(build), Some(facts)) = (&service.build, &service.image_facts) else {
            return None;
        };
        let dockerfile = &ws.sources.get(facts.dockerfile_file).path;
        let ignore = ignore_file(ws, dockerfile, &build.context).map(|(_, i)| i);
        // The stages the image is made of: the chain it runs, and the
        // stages those copy `--from`, by name or number.
        let mut stages: Vec<usize> = facts.chain.clone();
        let mut i = 0;
        while i < stages.len() {
            let stage = &facts.stages[stages[i]];
            for ins in facts
                .dockerfile
                .instructions
                .get(stage.instructions.clone())
                .unwrap_or(&[])
            {
                let Some(from) = ins.flag("from") else {
                    continue;
                };
                let from = from.value.as_str();
                let found = facts.stages.iter().find(|s| {
                    s.name
                        .as_deref()
                        .is_some_and(|n| n.eq_ignore_ascii_case(from))
                        || s.index.to_string() == from
                });
                if let Some(s) = found {
                    if !stages.contains(&s.index) {
                        stages.push(s.index);
                    }
                }
            }
            i += 1;
        }
        let mut sources = Vec::new();
        for s in stages {
            let stage = &facts.stages[s];
            for ins in facts
                .dockerfile
                .instructions
                .get(stage.instructions.clone())
                .unwrap_or(&[])
            {
                let InstructionKind::Copy { sources: srcs, .. } = &ins.kind else {
                    continue;
                };
                if ins.flag("from").is_some() {
                    continue;
                }
                let excludes: Vec<DockerIgnore> = ins
                    .flag_values("exclude")
                    .map(|e| dockerignore::parse(&e.value))
                    .collect();
                for src in srcs {
                    if let Some(c) = context_source(&src.value) {
                        sources.push((c, excludes.clone()));
                    }
                }
            }
        }
        Some(ImageCopies {
            context: &build.context,
            ignore,
            sources,
        })
    }

    /// Whether the image holds the context's file `path`.
    fn takes(&self, path: &Path) -> bool {
        let Ok(rel) = path.strip_prefix(self.context) else {
            return false;
        };
        let rel = rel.to_string_lossy().replace('\\', "/");
        if self.ignore.as_ref().is_some_and(|i| i.excludes(&rel)) {
            return false;
        }
        self.sources
            .iter()
            .any(|(src, excludes)| copy_takes(src, &rel, excludes))
    }
}

fn is_base(base: &str, names: &[&str]) -> bool {
    let last = base.rsplit('.').next().unwrap_or(base);
    names.contains(&last)
}

/// How many bases a class's chain is followed through.
const MAX_CHAIN: usize = 64;
/// How many fields, inherited ones counted in each class, the workspace's
/// classes hold in all: a chain of 20,000 classes each adding a field
/// would otherwise copy 64 fields per class. Past it, a class is left out
/// (nothing is reported on it).
const MAX_FIELDS: usize = 200_000;

/// Every settings class of the modules, inheritance resolved.
fn resolve(
    sources: &crate::source::SourceMap,
    modules: &BTreeMap<FileId, Arc<PyModule>>,
) -> Vec<SettingsClass> {
    // Classes by name; a name defined in several modules resolves to the
    // one in the same module first, else the first.
    let mut first: HashMap<&str, (FileId, &ClassDef)> = HashMap::new();
    let mut in_file: HashMap<(FileId, &str), (FileId, &ClassDef)> = HashMap::new();
    for (id, m) in modules {
        for c in &m.classes {
            first.entry(c.name.as_str()).or_insert((*id, c));
            in_file.entry((*id, c.name.as_str())).or_insert((*id, c));
        }
    }
    let find = |file: FileId, base: &str| -> Option<(FileId, &ClassDef)> {
        let last = base.rsplit('.').next().unwrap_or(base);
        in_file
            .get(&(file, last))
            .or_else(|| first.get(last))
            .copied()
    };
    let mut out = Vec::new();
    let mut fields_made = 0usize;
    for (id, m) in modules {
        if is_test_module(&sources.get(*id).path) {
            continue;
        }
        for class in &m.classes {
            // The chain of classes, the class first, depth-first over the
            // bases in order (a simple MRO), each once, bounded.
            let mut order: Vec<(FileId, &ClassDef)> = Vec::new();
            let mut settings = false;
            let mut complete = true;
            let mut v1 = m.v1_base_settings;
            let mut stack = vec![(*id, class)];
            while let Some((f, c)) = stack.pop() {
                if order
                    .iter()
                    .any(|(of, oc)| *of == f && std::ptr::eq(*oc, c))
                {
                    continue;
                }
                if order.len() >= MAX_CHAIN {
                    complete = false;
                    break;
                }
                order.push((f, c));
                for base in c.bases.iter().rev() {
                    if is_base(base, SETTINGS_BASES) {
                        settings = true;
                        v1 |= modules[&f].v1_base_settings || base.starts_with("pydantic.");
                        continue;
                    }
                    if is_base(base, NEUTRAL_BASES) {
                        continue;
                    }
                    match find(f, base) {
                        Some(found) => stack.push(found),
                        None => complete = false,
                    }
                }
            }
            if !settings || fields_made >= MAX_FIELDS {
                continue;
            }
            let mut config = SettingsConfig {
                env_prefix: String::new(),
                case_sensitive: false,
                env_file: EnvFileSetting::None,
                nested_delimiter: None,
                ignore_empty: false,
                secrets_dir: false,
                none_text: None,
            };
            let mut validated: Vec<String> = Vec::new();
            let mut validates_all = false;
            // Bases first, so that the class's own settings win.
            let mut fields: Vec<(FileId, &FieldDef)> = Vec::new();
            let mut positions: HashMap<&str, usize> = HashMap::new();
            let mut v1_envs: Vec<(&str, &[crate::syntax::python::Located])> = Vec::new();
            // `validate_by_name` decides when set anywhere in the chain,
            // else `populate_by_name` (pydantic's `_validate_by_name_enabled`).
            let mut validate_by_name: Option<bool> = None;
            let mut populate_by_name: Option<bool> = None;
            for (f, c) in order.iter().rev() {
                let cfg = &c.config;
                complete &= !(cfg.opaque || v1 && cfg.class_keywords);
                for (value, into) in [
                    (&cfg.validate_by_name, &mut validate_by_name),
                    (&cfg.populate_by_name, &mut populate_by_name),
                ] {
                    match value {
                        ConfigValue::Unset => {}
                        v => match v.as_bool() {
                            Some(b) => *into = Some(b),
                            None => complete = false,
                        },
                    }
                }
                match &cfg.env_prefix {
                    ConfigValue::Unset => {}
                    ConfigValue::Known(PyValue {
                        literal: Literal::Str(s),
                        ..
                    }) => config.env_prefix = s.clone(),
                    _ => complete = false,
                }
                match &cfg.case_sensitive {
                    ConfigValue::Unset => {}
                    v => match v.as_bool() {
                        Some(b) => config.case_sensitive = b,
                        None => complete = false,
                    },
                }
                match &cfg.env_file {
                    ConfigValue::Unset => {}
                    ConfigValue::Known(v) => {
                        config.env_file = match &v.literal {
                            Literal::Str(s) => EnvFileSetting::Files(vec![s.clone()]),
                            Literal::None => EnvFileSetting::None,
                            Literal::List(items) => {
                                let files: Option<Vec<String>> = items
                                    .iter()
                                    .map(|i| match &i.literal {
                                        Literal::Str(s) => Some(s.clone()),
                                        _ => None,
                                    })
                                    .collect();
                                files.map_or(EnvFileSetting::Unknown, EnvFileSetting::Files)
                            }
                            _ => EnvFileSetting::Unknown,
                        }
                    }
                    ConfigValue::Unknown(_) => config.env_file = EnvFileSetting::Unknown,
                }
                match &cfg.env_nested_delimiter {
                    ConfigValue::Unset => {}
                    v => {
                        config.nested_delimiter =
                            v.as_str().map(str::to_string).or(Some(String::new()))
                    }
                }
                if let Some(b) = cfg.env_ignore_empty.as_bool() {
                    config.ignore_empty = b;
                } else if cfg.env_ignore_empty.is_set() {
                    complete = false;
                }
                if cfg.secrets_dir.is_set() {
                    config.secrets_dir = !matches!(
                        &cfg.secrets_dir,
                        ConfigValue::Known(PyValue {
                            literal: Literal::None,
                            ..
                        })
                    );
                }
                match &cfg.env_parse_none_str {
                    ConfigValue::Unset => {}
                    v => config.none_text = Some(v.as_str().map(str::to_string)),
                }
                validated.extend(c.validated.iter().cloned());
                validates_all |= c.validates_all;
                for (name, envs) in &cfg.v1_field_env {
                    v1_envs.push((name.as_str(), envs.as_slice()));
                }
                // An overridden field keeps its base's place, as pydantic
                // orders them.
                for fd in &c.fields {
                    match positions.get(fd.name.as_str()) {
                        Some(&at) => fields[at] = (*f, fd),
                        None => {
                            positions.insert(fd.name.as_str(), fields.len());
                            fields.push((*f, fd));
                        }
                    }
                }
            }
            let by_name = validate_by_name.or(populate_by_name).unwrap_or(false);
            fields_made += fields.len();
            let fields = fields
                .into_iter()
                .map(|(f, def)| {
                    let v1_env = v1_envs.iter().rev().find(|(n, _)| *n == def.name);
                    // v1: `Config.fields` first, then `Field(env=...)`; v2:
                    // `validation_alias`/`alias` (and the name too with
                    // `populate_by_name`); else the prefix and the name.
                    let (env_names, by_alias): (Vec<String>, bool) = if def.alias_unknown {
                        (Vec::new(), false)
                    } else if let Some((_, envs)) = v1_env.filter(|_| v1) {
                        (envs.iter().map(|a| a.text.clone()).collect(), false)
                    } else if v1 && matches!(def.alias_kind, AliasKind::Env) {
                        (def.aliases.iter().map(|a| a.text.clone()).collect(), true)
                    } else if !v1
                        && matches!(
                            def.alias_kind,
                            AliasKind::Alias | AliasKind::ValidationAlias
                        )
                    {
                        let mut names: Vec<String> =
                            def.aliases.iter().map(|a| a.text.clone()).collect();
                        if by_name {
                            names.push(format!("{}{}", config.env_prefix, def.name));
                        }
                        (names, true)
                    } else {
                        (vec![format!("{}{}", config.env_prefix, def.name)], false)
                    };
                    let (_, nullable) = def.annotation.unwrap_optional();
                    let required = match def.default {
                        FieldDefault::Required => !(v1 && nullable),
                        _ => false,
                    };
                    AppField {
                        file: f,
                        def: def.clone(),
                        env_names,
                        required,
                        by_alias,
                    }
                })
                .collect();
            out.push(SettingsClass {
                file: *id,
                name: class.name.clone(),
                name_span: Span::new(*id, class.name_range),
                v1,
                config,
                fields,
                complete,
                validated,
                validates_all,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests;
