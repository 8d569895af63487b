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
}

impl AppField {
    pub fn span(&self) -> Span {
        Span::new(self.file, self.def.name_range)
    }

    /// Where the name the environment gives is written: the alias when
    /// there is one, else the field's name.
    pub fn name_span(&self) -> Span {
        match self.def.aliases.first() {
            Some(a) => Span::new(self.file, a.range),
            None => self.span(),
        }
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
}

/// The code a service's container holds.
#[derive(Debug, Default)]
pub struct ServiceApp<'a> {
    /// The settings classes its code instantiates, with the keyword
    /// arguments given there (a field set in code, `_env_file`).
    pub classes: Vec<(&'a SettingsClass, Vec<String>)>,
    /// The modules in the container, not tests.
    pub modules: Vec<FileId>,
}

/// A test module or one under a test folder: never the app at start.
pub fn is_test_module(path: &Path) -> bool {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    name.starts_with("test_")
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
        AppCode { modules, classes }
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
        for id in self.modules.keys() {
            let path = &ws.sources.get(*id).path;
            if is_test_module(path) {
                continue;
            }
            let inside =
                mounted(project, service, path) || builders.iter().any(|b| in_image(ws, b, path));
            if inside {
                out.modules.push(*id);
            }
        }
        // The classes instantiated by the code in the container.
        let mut seen: HashMap<usize, usize> = HashMap::new();
        for id in &out.modules {
            for call in &self.modules[id].calls {
                if call.opaque {
                    continue;
                }
                for (i, c) in self.classes.iter().enumerate() {
                    if c.name != call.name || !out.modules.contains(&c.file) {
                        continue;
                    }
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
        mounted(project, service, path)
            || builders(project, service)
                .iter()
                .any(|b| in_image(ws, b, path))
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

/// A bind mount of `service` that puts `path` in its container.
fn mounted(project: &Project, service: &Service, path: &Path) -> bool {
    service.volumes.iter().filter_map(|v| v.read()).any(|m| {
        m.kind == MountKind::Bind
            && m.source.is_some_and(|src| {
                let src = crate::fs::normalize(&project.directory.join(src));
                path.starts_with(&src) && src != Path::new("/")
            })
    })
}

/// Whether `service`'s image holds the context's file `path`.
fn in_image(ws: &Workspace, service: &Service, path: &Path) -> bool {
    let (Some(build), Some(facts)) = (&service.build, &service.image_facts) else {
        return false;
    };
    let Ok(rel) = path.strip_prefix(&build.context) else {
        return false;
    };
    let rel = rel.to_string_lossy().replace('\\', "/");
    let dockerfile = &ws.sources.get(facts.dockerfile_file).path;
    if ignore_file(ws, dockerfile, &build.context).is_some_and(|(_, i)| i.excludes(&rel)) {
        return false;
    }
    // The stages the image is made of: the chain it runs, and the stages
    // those copy `--from`, by name or number.
    let mut stages: Vec<usize> = facts.chain.clone();
    let mut i = 0;
    while i < stages.len() {
        let stage = &facts.stages[stages[i]];
        for ins in &facts.dockerfile.instructions[stage.instructions.clone()] {
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
    stages.iter().any(|&s| {
        let stage = &facts.stages[s];
        facts.dockerfile.instructions[stage.instructions.clone()]
            .iter()
            .any(|ins| {
                let InstructionKind::Copy { sources, .. } = &ins.kind else {
                    return false;
                };
                if ins.flag("from").is_some() {
                    return false;
                }
                let excludes: Vec<DockerIgnore> = ins
                    .flag_values("exclude")
                    .map(|e| dockerignore::parse(&e.value))
                    .collect();
                sources.iter().any(|src| {
                    context_source(&src.value).is_some_and(|c| copy_takes(&c, &rel, &excludes))
                })
            })
    })
}

fn is_base(base: &str, names: &[&str]) -> bool {
    let last = base.rsplit('.').next().unwrap_or(base);
    names.contains(&last)
}

/// Every settings class of the modules, inheritance resolved.
fn resolve(
    sources: &crate::source::SourceMap,
    modules: &BTreeMap<FileId, Arc<PyModule>>,
) -> Vec<SettingsClass> {
    // Classes by name; a name defined in several modules resolves to the
    // one in the same module first, else the first.
    let mut by_name: HashMap<&str, Vec<(FileId, &ClassDef)>> = HashMap::new();
    for (id, m) in modules {
        for c in &m.classes {
            by_name.entry(c.name.as_str()).or_default().push((*id, c));
        }
    }
    let find = |file: FileId, base: &str| -> Option<(FileId, &ClassDef)> {
        let last = base.rsplit('.').next().unwrap_or(base);
        let all = by_name.get(last)?;
        all.iter()
            .find(|(f, _)| *f == file)
            .or_else(|| all.first())
            .copied()
    };
    let mut out = Vec::new();
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
                    || order.len() > 64
                {
                    continue;
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
            if !settings {
                continue;
            }
            let mut config = SettingsConfig {
                env_prefix: String::new(),
                case_sensitive: false,
                env_file: EnvFileSetting::None,
                nested_delimiter: None,
                ignore_empty: false,
                secrets_dir: false,
            };
            // Bases first, so that the class's own settings win.
            let mut fields: Vec<(FileId, &FieldDef)> = Vec::new();
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
                for (name, envs) in &cfg.v1_field_env {
                    v1_envs.push((name.as_str(), envs.as_slice()));
                }
                for fd in &c.fields {
                    fields.retain(|(_, x)| x.name != fd.name);
                    fields.push((*f, fd));
                }
            }
            let by_name = validate_by_name.or(populate_by_name).unwrap_or(false);
            let fields = fields
                .into_iter()
                .map(|(f, def)| {
                    let v1_env = v1_envs.iter().rev().find(|(n, _)| *n == def.name);
                    let env_names: Vec<String> = if def.alias_unknown {
                        Vec::new()
                    } else if v1 && matches!(def.alias_kind, AliasKind::Env) {
                        def.aliases.iter().map(|a| a.text.clone()).collect()
                    } else if let Some((_, envs)) = v1_env.filter(|_| v1) {
                        envs.iter().map(|a| a.text.clone()).collect()
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
                        names
                    } else {
                        vec![format!("{}{}", config.env_prefix, def.name)]
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
            });
        }
    }
    out
}

#[cfg(test)]
mod tests;
