//! Building a [`Project`] the way Docker Compose v2 does, one module per
//! step of Compose's own order ([`load_project`] calls them in turn):
//! 1. `variables`: the interpolation variables — the process environment,
//!    then `.env` or `--env-file` —, the profiles and the project's name;
//! 2. `files`: each `-f` file parsed, validated over the files before it,
//!    every scalar interpolated (`interpolation`, which keeps where each
//!    byte came from), its services converted (`convert`); its `include:`
//!    items loaded as projects of their own (`include`), `extends`
//!    followed (`extends`), then merged over the earlier files (`merge`,
//!    with `!reset` and `!override`);
//! 3. `environment`: per service, the profiles that enable it, its env
//!    files, its image, and its container environment with provenance
//!    (image `ENV` < `env_file` < `environment:`);
//! 4. the checks Compose makes of the merged project (`validate`), and what
//!    the project spent of the run's allowance.

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

mod convert;
mod environment;
mod extends;
mod files;
mod include;
mod interpolation;
mod merge;
mod variables;

use convert::*;
use extends::*;
use files::*;
use include::*;
use interpolation::*;
pub use merge::merge_service;
use merge::*;
use variables::*;

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

/// Build the project the compose `files` describe, in Compose's order.
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
    let mut b = Builder::new(loader, directory.clone());

    // 1. The interpolation variables (`variables.rs`): the process
    //    environment, then `.env` or `--env-file`; the profiles; the
    //    project's name.
    let (env_files, mut dotenv_definitions) = b.project_variables(opts);
    let profiles = b.profiles(opts);
    b.project_name(&files);

    // 2. Each compose file (`files.rs`) with its `include:` (`include.rs`)
    //    and `extends` (`extends.rs`), merged over the files before it
    //    (`merge.rs`). The project's variables, final now, are scope 0.
    b.scopes[0] = b.variables.clone();
    let (compose_files, trees, mut merged) = b.compose_files(&files);
    dotenv_definitions.append(&mut b.include_definitions);

    // 3. Per service (`environment.rs`): whether it is enabled, its env
    //    files and image, then its container environment.
    b.service_inputs(&mut merged, &profiles);
    b.container_environments(&mut merged);

    // 4. Compose's checks of the merged project.
    b.check_project(&trees, &merged);

    // 5. What the project spent, taken from the run's allowance; past it,
    //    the project is not judged.
    if !b.settle(&compose_files) {
        merged = Vec::new();
        dotenv_definitions = Vec::new();
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
        dotenv_template: None,
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
    /// The compose files `extends` read, for the whole project.
    extends_files: ExtendsFiles,
    /// The `include:` items whose files were validated: their paths, env
    /// files and the scope that includes them.
    include_validated: HashSet<(Vec<PathBuf>, Vec<PathBuf>, usize)>,
    /// The services read by `extends` from another file that were judged
    /// ([`Builder::check_base`]): file, document, name.
    checked_bases: HashSet<(FileId, usize, String)>,
    /// Each document's services by name, for [`Builder::check_base`].
    base_index: HashMap<(FileId, usize), HashMap<String, usize>>,
}

impl<'a, 'fs> Builder<'a, 'fs> {
    fn new(loader: &'a mut Loader<'fs>, directory: PathBuf) -> Self {
        let start = PROJECT_BYTES.min(loader.allowance.left());
        Builder {
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
            allowance: Allowance::new(start),
            said_over: false,
            credited: HashSet::new(),
            granted: start,
            extends_files: HashMap::new(),
            include_validated: HashSet::new(),
            checked_bases: HashSet::new(),
            base_index: HashMap::new(),
        }
    }
}

/// The interpolation variables of a scope, shared.
type Variables = Arc<BTreeMap<String, ProjectVariable>>;

impl Builder<'_, '_> {
    pub(super) fn load_error(&mut self, path: &Path, e: crate::fs::LoadError, required: bool) {
        let message = format!("{}: {}", self.loader.display(path), e);
        let err = ModelError::new(message, None)
            .with_kind(ModelErrorKind::Unreadable(self.loader.absolute(path)));
        if required {
            self.errors.push(err);
        } else {
            self.warnings.push(err);
        }
    }

    /// A file of the project read: its size adds to the project's
    /// allowance once, and to the run's once whichever projects read it.
    pub(super) fn credit(&mut self, id: FileId) {
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
    pub(super) fn over(&mut self, at: Span) {
        self.allowance.exhaust();
        if !std::mem::replace(&mut self.said_over, true) {
            self.errors.push(ModelError {
                message: project_too_large("Compose"),
                span: Some(at),
                kind: ModelErrorKind::Limit,
            });
        }
    }
}

impl Builder<'_, '_> {
    /// Compose's checks of the merged project; after another error, what
    /// they would find may only follow from it.
    pub(super) fn check_project(
        &mut self,
        trees: &[(FileId, Arc<ComposeFile>)],
        merged: &[Service],
    ) {
        if self.errors.is_empty() {
            let roots: Vec<(FileId, &Node)> = trees
                .iter()
                .filter_map(|(id, f)| Some((*id, f.root.as_ref()?)))
                .collect();
            self.errors.extend(validate::check_project(&roots, merged));
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
                    self.errors.push(ModelError {
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
    }

    /// What the project holds is spent from the run's allowance too; past
    /// either, the model is incomplete: the project is not judged, and its
    /// error is said once (where it was first met). What it holds is
    /// dropped (`false`: the caller drops the services and definitions),
    /// so that it costs the run nothing: a healthy project beside it is
    /// still modelled.
    pub(super) fn settle(&mut self, compose_files: &[FileId]) -> bool {
        let spent = self.granted.saturating_sub(self.allowance.left());
        if !self.allowance.exhausted() && !self.loader.allowance.clone().spend(spent) {
            let at = compose_files
                .first()
                .map(|f| Span::new(*f, TextRange::empty(0)));
            self.allowance.exhaust();
            if let Some(at) = at {
                self.over(at);
            }
        }
        if self.allowance.exhausted() {
            self.unparsed = true;
            self.references = Vec::new();
            self.variables = Arc::new(BTreeMap::new());
            let over = project_too_large("Compose");
            if !self.errors.iter().any(|e| e.message == over) {
                self.errors.push(ModelError {
                    message: over.clone(),
                    span: None,
                    kind: ModelErrorKind::Limit,
                });
            }
            let mut said = false;
            self.errors
                .retain(|e| e.message != over || !std::mem::replace(&mut said, true));
        } else {
            self.loader.allowance.spend(spent);
        }
        !self.allowance.exhausted()
    }
}

#[cfg(test)]
mod mount_conformance;
#[cfg(test)]
mod tests;
