//! A workspace: every file found under the paths the user gave, grouped into
//! compose projects the way Compose would find them, each file parsed once.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::fs::{self, Fs, DEFAULT_COMPOSE_FILES, DEFAULT_OVERRIDE_FILES};
use crate::model::app::AppCode;
use crate::model::deploy;
use crate::model::interpolate;
use crate::model::loader::Loader;
use crate::model::project::{load_project, ProjectOptions};
use crate::model::types::{ModelErrorKind, Project};
use crate::source::{FileId, FileKind, SourceFile, SourceMap};
use crate::syntax::compose::ComposeFile;
use crate::syntax::dockerfile::Dockerfile;
use crate::syntax::dotenv::DotenvFile;

#[derive(Debug, Clone, Default)]
pub struct WorkspaceOptions {
    /// Files or folders to lint; folders are searched.
    pub paths: Vec<PathBuf>,
    /// `-f`: explicit compose files forming one project.
    pub files: Vec<PathBuf>,
    pub project_directory: Option<PathBuf>,
    pub env_files: Vec<PathBuf>,
    pub profiles: Vec<String>,
    pub process_env: BTreeMap<String, String>,
    /// What not to enter when searching a folder (the configuration's
    /// `exclude`, relative to its folder).
    pub exclude: fs::PathPatterns,
    /// Files that exist only in the [`Fs`] given (the new files of a fix
    /// pass, [`fs::Overlay`]): found as a walk of the disk would find them.
    pub created: Vec<PathBuf>,
    /// Parses kept from an earlier run (the language server's): a file
    /// whose text did not change is not parsed again.
    pub parses: Option<std::sync::Arc<crate::model::loader::ParseCache>>,
}

/// What kind of problem a [`Problem`] is, for the decisions taken on it
/// (never its message).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProblemKind {
    /// A path the user gave (to lint, or `-f`) does not exist or cannot be
    /// read: a usage error (exit 2), the rest still linted.
    MissingPath,
    /// A folder could not be walked (a symlink loop, no permission).
    Walk,
    /// A file could not be read as text.
    Load(fs::LoadError),
}

/// A file that could not be read or a folder that could not be walked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The path as the user would type it.
    pub path: String,
    pub kind: ProblemKind,
    pub message: String,
    /// 1-based line, when the problem has one (binary / non-UTF-8 content).
    pub line: Option<usize>,
    /// A placeholder source for the file (its text is not shown), so that
    /// the problem can be reported at a location like any diagnostic.
    pub file: Option<FileId>,
    abs: Option<PathBuf>,
}

#[derive(Debug, Default)]
pub struct Workspace {
    pub sources: SourceMap,
    pub projects: Vec<Project>,
    pub dotenv: BTreeMap<FileId, Arc<DotenvFile>>,
    pub dockerfiles: BTreeMap<FileId, Arc<Dockerfile>>,
    pub compose: BTreeMap<FileId, Arc<ComposeFile>>,
    pub dockerignores: Vec<FileId>,
    /// Files holding a private key (`*.pem`, `*.key`, `id_rsa`… with a
    /// `PRIVATE KEY` block), as placeholder sources holding only the
    /// `-----BEGIN … PRIVATE KEY-----` line: the key is never read into the model.
    pub private_keys: Vec<FileId>,
    /// The app's Python modules that define or read settings, and its
    /// settings classes resolved.
    pub app: AppCode,
    pub problems: Vec<Problem>,
    /// Compose's default files it does not read: several default names in
    /// one folder (`compose.yaml` and `docker-compose.yml`), Compose uses
    /// the first and warns. Each ignored file with the one used instead.
    pub ignored_compose_files: Vec<(FileId, FileId)>,
}

/// How the projects read a `.env`-format file.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct DotenvUse {
    /// As a project `.env` / `--env-file`: for interpolation, the shell as
    /// its lookup.
    pub interpolation: bool,
    /// As a service's `env_file:`: into the container, the project's
    /// variables as its lookup.
    pub env_file: bool,
}

impl DotenvUse {
    /// Whether something reads the file at all (a template, a test's or a
    /// framework's `.env.local` is read by no compose project).
    pub fn read(self) -> bool {
        self.interpolation || self.env_file
    }
}

impl Workspace {
    /// How the (whole) projects read `file`.
    pub fn dotenv_use(&self, file: FileId) -> DotenvUse {
        let mut u = DotenvUse::default();
        for p in self.whole_projects() {
            u.interpolation |= p.env_files.contains(&file) || p.include_env_files.contains(&file);
            u.env_file |= p.services.iter().any(|s| s.reads_env_file(file));
        }
        u
    }

    /// The projects whose compose files all parsed: the ones rules judge.
    /// A project with a file that failed to parse has an incomplete model
    /// (no services, unknown references); only its errors are reported.
    pub fn whole_projects(&self) -> impl Iterator<Item = &Project> {
        self.projects.iter().filter(|p| p.whole)
    }

    /// Every running service (its profile active) of the whole projects,
    /// with its project.
    pub fn active_services(
        &self,
    ) -> impl Iterator<Item = (&Project, &crate::model::types::Service)> {
        self.whole_projects()
            .flat_map(|p| p.active_services().map(move |s| (p, s)))
    }

    /// The parsed `.env`-format file, if it was read.
    pub fn dotenv_file(&self, id: FileId) -> Option<&DotenvFile> {
        self.dotenv.get(&id).map(|a| a.as_ref())
    }
}

/// Find, read and model everything under `opts.paths`.
pub fn load_workspace(fs_: &dyn Fs, cwd: &Path, opts: &WorkspaceOptions) -> Workspace {
    let mut loader = Loader::new(fs_, cwd.to_path_buf()).with_cache(opts.parses.clone());
    let mut problems = Vec::new();
    let mut found: Vec<(PathBuf, FileKind)> = Vec::new();
    let paths = if opts.paths.is_empty() && opts.files.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        opts.paths.clone()
    };
    for p in &paths {
        let abs = loader.absolute(p);
        if !fs_.is_file(&abs) && !fs_.is_dir(&abs) {
            // What is there instead (a fifo, a device), said without
            // opening it.
            let message = match fs_.read_text(&abs) {
                Err(e @ fs::LoadError::NotRegular { .. }) => e.to_string(),
                _ => "no such file or directory".into(),
            };
            problems.push(Problem {
                path: loader.display(&abs),
                kind: ProblemKind::MissingPath,
                message,
                line: None,
                file: None,
                abs: None,
            });
            continue;
        }
        let (files, errors) = fs::discover(&abs, &opts.exclude);
        found.extend(files.into_iter().map(|f| (f.path, f.kind)));
        for e in errors {
            problems.push(Problem {
                path: loader.display(&e.path),
                kind: ProblemKind::Walk,
                message: e.message,
                line: None,
                file: None,
                abs: Some(e.path),
            });
        }
    }
    // Files only the file system given holds (a fix pass's new files, an
    // editor's unsaved ones): found where a walk of the folders searched
    // would find them; a `.dockerignore` or a `.env` wherever it is — with
    // `-f`, no folder is searched, yet the project reads the
    // `.dockerignore` of its build contexts.
    let searched: Vec<PathBuf> = paths
        .iter()
        .map(|p| loader.absolute(p))
        .filter(|p| fs_.is_dir(p))
        .collect();
    for path in &opts.created {
        let kind = fs::classify(path);
        let anywhere = matches!(kind, FileKind::Dockerignore | FileKind::Dotenv)
            && !opts.exclude.matches(&fs::normalize(path), false);
        let walked = searched
            .iter()
            .find_map(|root| fs::discovered_at(root, path, &opts.exclude));
        if anywhere {
            found.push((path.clone(), kind));
        } else if let Some(kind) = walked {
            found.push((path.clone(), kind));
        }
    }
    found.sort();
    found.dedup();

    // Every discovered file is read and parsed once, on every core, before
    // the projects that use them are built.
    let mut settings = BTreeMap::new();
    // Private keys are not read here: their text is never kept (below).
    let readable: Vec<(PathBuf, FileKind)> = found
        .iter()
        .filter(|(_, k)| *k != FileKind::Key)
        .cloned()
        .collect();
    for (id, parsed) in loader.preload(&readable) {
        let says_something = !parsed.classes.is_empty()
            || !parsed.reads.is_empty()
            || !parsed.calls.is_empty()
            || !parsed.writes.is_empty()
            || !parsed.star_imports.is_empty()
            || parsed.loads_dotenv
            || parsed.writes_unknown;
        if says_something {
            settings.insert(id, Arc::new(parsed));
        }
    }
    // What reading showed: a `*compose*.yml` without `services:` is not a
    // compose file.
    for (path, kind) in &mut found {
        if *kind == FileKind::Compose {
            *kind = loader.kind_of(path).unwrap_or(*kind);
        }
    }

    // Projects: the explicit -f files, else per folder Compose's default file
    // (plus its override), and every other compose file on its own.
    let mut project_files: Vec<Vec<PathBuf>> = Vec::new();
    let mut ignored_compose_files = Vec::new();
    let mut configured_groups: Vec<Vec<PathBuf>> = Vec::new();
    if !opts.files.is_empty() {
        project_files.push(opts.files.iter().map(|f| loader.absolute(f)).collect());
    } else {
        let mut by_dir: BTreeMap<PathBuf, Vec<PathBuf>> = BTreeMap::new();
        for (path, kind) in &found {
            if *kind == FileKind::Compose {
                let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
                by_dir.entry(dir).or_default().push(path.clone());
            }
        }
        // COMPOSE_FILE, in a folder's `.env` (or, for a folder searched,
        // the shell): the files `docker compose` runs on there.
        let searched: Vec<PathBuf> = paths.iter().map(|p| loader.absolute(p)).collect();
        let mut configured: BTreeMap<PathBuf, Vec<PathBuf>> = BTreeMap::new();
        let mut dirs: Vec<PathBuf> = found
            .iter()
            .filter(|(p, k)| *k == FileKind::Dotenv && p.file_name().is_some_and(|n| n == ".env"))
            .filter_map(|(p, _)| loader.absolute(p).parent().map(Path::to_path_buf))
            .collect();
        dirs.extend(searched.iter().filter(|d| fs_.is_dir(d)).cloned());
        dirs.sort();
        dirs.dedup();
        for dir in dirs {
            let shell = searched.contains(&dir).then_some(&opts.process_env);
            if let Some(files) = compose_file_setting(&mut loader, &dir, shell) {
                configured.insert(dir, files);
            }
        }
        let mut standalone = BTreeMap::new();
        for files in by_dir.values() {
            for f in files {
                let complete = match loader.load(f, FileKind::Compose) {
                    Ok(id) => is_self_contained(&loader.compose(id)),
                    Err(_) => true,
                };
                standalone.insert(f.clone(), complete);
            }
        }
        configured_groups.extend(configured.values().cloned());
        let grouping = group_compose_files(&by_dir, &configured, &|f| {
            standalone.get(f).copied().unwrap_or(true)
        });
        project_files.extend(grouping.projects);
        for (ignored, used) in grouping.ignored {
            if let (Ok(i), Ok(u)) = (
                loader.load(&ignored, FileKind::Compose),
                loader.load(&used, FileKind::Compose),
            ) {
                ignored_compose_files.push((i, u));
            }
        }
    }

    let dotenv_files: Vec<PathBuf> = found
        .iter()
        .filter(|(_, k)| *k == FileKind::Dotenv)
        .map(|(p, _)| loader.absolute(p))
        .collect();
    let roots: Vec<PathBuf> = paths.iter().map(|p| loader.absolute(p)).collect();
    // A file outside them that a compose file names is read as its kind
    // only when it looks like one (`dockerfile: /etc/passwd`).
    let mut linted: Vec<PathBuf> = roots
        .iter()
        .map(|r| match r.parent() {
            Some(parent) if fs_.is_file(r) => parent.to_path_buf(),
            _ => r.clone(),
        })
        .collect();
    linted.extend(opts.files.iter().map(|f| {
        let abs = loader.absolute(f);
        abs.parent().map(Path::to_path_buf).unwrap_or(abs)
    }));
    if let Some(d) = &opts.project_directory {
        linted.push(loader.absolute(d));
    }
    loader.set_roots(linted);
    // The services each folder's compose files define: a default file that
    // depends on a service only another file of its folder defines
    // (`docker-compose.postgres.yml` or `docker-compose.mysql.yml` beside
    // it) is a fragment meant to be combined, not a mistake.
    let mut defined_in: BTreeMap<PathBuf, Vec<String>> = BTreeMap::new();
    for (path, kind) in &found {
        if *kind != FileKind::Compose {
            continue;
        }
        let Ok(id) = loader.load(path, FileKind::Compose) else {
            continue;
        };
        let dir = loader
            .absolute(path)
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default();
        defined_in.entry(dir).or_default().extend(
            loader
                .compose(id)
                .documents()
                .flat_map(|d| &d.services)
                .map(|s| s.name.value.clone()),
        );
    }
    let env_files = env_files_of(opts);
    let mut projects = Vec::new();
    for files in project_files {
        let popts = ProjectOptions {
            files,
            project_directory: opts.project_directory.clone(),
            env_files: env_files.clone(),
            profiles: opts.profiles.clone(),
            process_env: opts.process_env.clone(),
        };
        // The files `docker compose` itself would take (named, configured,
        // its default names): otherwise the group is our guess, and what it
        // lacks may be in another file it is meant to be combined with.
        let chosen = !opts.files.is_empty() || configured_groups.contains(&popts.files) || {
            let name = |f: &PathBuf| {
                f.file_name()
                    .map(|n| n.to_string_lossy().to_lowercase())
                    .unwrap_or_default()
            };
            // An override file alone is not a project Compose loads.
            popts
                .files
                .first()
                .is_some_and(|f| DEFAULT_COMPOSE_FILES.contains(&name(f).as_str()))
                && popts
                    .files
                    .iter()
                    .all(|f| fs::is_default_compose_name(&name(f)))
        };
        let mut project = load_project(&mut loader, &popts);
        if !chosen {
            project
                .errors
                .retain(|e| e.kind != ModelErrorKind::Incomplete);
        }
        let siblings = defined_in.get(&project.directory);
        // A service only a sibling file defines: the project is a fragment
        // of one those files complete. One of its own files defining it
        // under a disabled profile is Compose's error, kept.
        let own: HashSet<String> = project.services.iter().map(|s| s.name.clone()).collect();
        project.errors.retain(|e| {
            !matches!(&e.kind, ModelErrorKind::UndefinedService(s)
                if !own.contains(s) && siblings.is_some_and(|names| names.contains(s)))
        });
        deploy::expected_files(
            &mut loader,
            &mut project,
            &dotenv_files,
            &roots,
            !env_files.is_empty(),
        );
        projects.push(project);
    }
    let default: Vec<bool> = projects
        .iter()
        .map(|p| {
            p.compose_files.first().is_some_and(|f| {
                let path = &loader.file(*f).path;
                path.file_name()
                    .is_some_and(|n| DEFAULT_COMPOSE_FILES.iter().any(|d| n == *d))
            })
        })
        .collect();
    drop_included_projects(&mut projects, &default);
    // A default name read all the same, through `include:` or `extends`,
    // is not ignored.
    ignored_compose_files.retain(|(ignored, _)| {
        let read = projects
            .iter()
            .any(|p| p.compose_files.contains(ignored) || p.included_files.contains(ignored));
        !read && !named_by_extends(&loader, *ignored)
    });

    // `-f` files that cannot be read: Compose refuses to start
    // (`open x.yml: no such file or directory`), and so do we.
    for f in &opts.files {
        let abs = loader.absolute(f);
        if let Err(e) = loader.load(&abs, FileKind::Compose) {
            let message = match e {
                fs::LoadError::NotFound => "no such file or directory".to_string(),
                e => e.to_string(),
            };
            problems.push(Problem {
                path: loader.display(&abs),
                kind: ProblemKind::MissingPath,
                message: format!("cannot read this compose file (-f): {message}"),
                line: None,
                file: None,
                abs: None,
            });
        }
    }

    // Every discovered file is read and parsed, referenced or not.
    let mut dockerignores = Vec::new();
    let mut keys: Vec<(PathBuf, String, String)> = Vec::new();
    for (path, kind) in &found {
        // Python modules were read (or left) by `preload`.
        if *kind == FileKind::Python {
            continue;
        }
        if *kind == FileKind::Key {
            // Only whether it holds a private key, and its BEGIN line for a
            // label to point at; the key itself is not kept.
            let abs = loader.absolute(path);
            if let Ok(t) = fs_.read_text(&abs) {
                if t.contains("PRIVATE KEY-----") {
                    let display = loader.display(&abs);
                    keys.push((abs, display, begin_line(&t)));
                }
            }
            continue;
        }
        let id = match loader.load(path, *kind) {
            Ok(id) => id,
            Err(_) => continue,
        };
        match kind {
            FileKind::Dotenv => {
                loader.dotenv(id);
            }
            FileKind::Dockerfile => {
                loader.dockerfile(id);
            }
            FileKind::Compose => {
                loader.compose(id);
            }
            FileKind::Dockerignore => dockerignores.push(id),
            _ => {}
        }
    }
    // The ignore files of the build contexts the projects use, found or
    // not by a walk (`-f` searches no folder): BuildKit reads
    // `<Dockerfile>.dockerignore`, else `.dockerignore` at the context root.
    let mut contexts: Vec<PathBuf> = projects
        .iter()
        .flat_map(|p: &Project| &p.services)
        .filter_map(|s| s.build.as_ref())
        .flat_map(|b| {
            let mut specific = b.dockerfile_path.clone().into_os_string();
            specific.push(".dockerignore");
            [PathBuf::from(specific), b.context.join(".dockerignore")]
        })
        .map(|p| loader.absolute(&p))
        .collect();
    contexts.sort();
    contexts.dedup();
    // Looked up once per context (a walk over every found file per
    // context was most of a 10,000-file monorepo's time).
    let found_abs: std::collections::HashSet<PathBuf> =
        found.iter().map(|(f, _)| loader.absolute(f)).collect();
    for path in contexts {
        if found_abs.contains(&path) || !fs_.is_file(&path) {
            continue;
        }
        if let Ok(id) = loader.load(&path, FileKind::Dockerignore) {
            if !dockerignores.contains(&id) {
                dockerignores.push(id);
            }
        }
    }
    for (abs, path, e) in loader.load_errors() {
        let line = match &e {
            fs::LoadError::Binary { line, .. } | fs::LoadError::NotUtf8 { line, .. } => Some(*line),
            _ => None,
        };
        // A missing optional file is the project's business, not a read problem.
        if e == fs::LoadError::NotFound {
            continue;
        }
        problems.push(Problem {
            path,
            message: e.to_string(),
            kind: ProblemKind::Load(e),
            line,
            file: None,
            abs: Some(abs),
        });
    }
    let mut parts = loader.into_parts();
    let private_keys = keys
        .into_iter()
        .map(|(abs, display, begin)| {
            parts
                .sources
                .add(SourceFile::new(abs, display, FileKind::Other, begin))
        })
        .collect();
    for pr in &mut problems {
        if let Some(abs) = pr.abs.take() {
            // Empty lines up to the problem's line, so its location is exact.
            let text = "\n".repeat(pr.line.unwrap_or(1).saturating_sub(1));
            pr.file = Some(parts.sources.add(SourceFile::new(
                abs,
                pr.path.clone(),
                FileKind::Other,
                text,
            )));
        }
    }
    let app = AppCode::new(&parts.sources, settings);
    Workspace {
        sources: parts.sources,
        projects,
        dotenv: parts.dotenv,
        dockerfiles: parts.dockerfile,
        compose: parts.compose,
        dockerignores,
        private_keys,
        app,
        problems,
        ignored_compose_files,
    }
}

/// The `-----BEGIN … PRIVATE KEY-----` marker of a key file, where it is
/// written: after as many line breaks as precede its line and the blanks
/// before it on the line, so its position is right. Nothing else of the file:
/// not what follows the marker on its line (a key pasted on one line), and
/// no marker whose label is more than a few capital words (`RSA`,
/// `OPENSSH`, `ENCRYPTED`). Empty when there is none.
fn begin_line(text: &str) -> String {
    const BEGIN: &str = "-----BEGIN ";
    const END: &str = "PRIVATE KEY-----";
    text.split('\n')
        .enumerate()
        .find_map(|(i, line)| {
            let indent = line.len() - line.trim_start_matches([' ', '\t']).len();
            let rest = line[indent..].strip_prefix(BEGIN)?;
            let label = &rest[..rest.find(END)?];
            let plausible = label.len() <= 40
                && label
                    .bytes()
                    .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b' ');
            let end = indent + BEGIN.len() + label.len() + END.len();
            plausible.then(|| format!("{}{}", "\n".repeat(i), &line[..end]))
        })
        .unwrap_or_default()
}

/// Split the compose files found into projects, as `docker compose` would
/// be run on them: in each folder, the default file with its override; every
/// other file alone when it is complete (`docker compose -f other.yml`), else
/// merged over the nearest default file at or above its folder, as
/// `docker compose -f compose.yaml -f other.yml` (an auxiliary file that
/// adds services or settings to services it does not define). `complete`
/// says whether a file stands alone ([`is_self_contained`]).
fn group_compose_files(
    by_dir: &BTreeMap<PathBuf, Vec<PathBuf>>,
    configured: &BTreeMap<PathBuf, Vec<PathBuf>>,
    complete: &dyn Fn(&PathBuf) -> bool,
) -> Grouping {
    let name = |p: &PathBuf| {
        p.file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    };
    let default_in = |files: &[PathBuf]| -> Option<PathBuf> {
        DEFAULT_COMPOSE_FILES
            .iter()
            .find_map(|n| files.iter().find(|f| name(f) == *n))
            .cloned()
    };
    let base_for = |dir: &Path| -> Option<PathBuf> {
        dir.ancestors()
            .find_map(|d| by_dir.get(d).and_then(|files| default_in(files)))
    };
    let mut out: Vec<Vec<PathBuf>> = configured.values().cloned().collect();
    let mut ignored: Vec<(PathBuf, PathBuf)> = Vec::new();
    let listed: Vec<&PathBuf> = configured.values().flatten().collect();
    for (dir, files) in by_dir {
        let default = default_in(files).filter(|_| !configured.contains_key(dir));
        let mut used: Vec<&PathBuf> = listed.clone();
        if let Some(d) = &default {
            let mut project = vec![d.clone()];
            let override_file = DEFAULT_OVERRIDE_FILES
                .iter()
                .find_map(|n| files.iter().find(|f| name(f) == *n));
            if let Some(o) = override_file {
                project.push(o.clone());
                used.push(o);
            }
            // The other default names of the folder: Compose reads none.
            for f in files {
                let n = name(f);
                let instead = if DEFAULT_COMPOSE_FILES.contains(&n.as_str()) {
                    Some(d)
                } else if DEFAULT_OVERRIDE_FILES.contains(&n.as_str()) {
                    override_file
                } else {
                    None
                };
                if let Some(instead) = instead.filter(|i| *i != f) {
                    ignored.push((f.clone(), instead.clone()));
                }
            }
            out.push(project);
        }
        for f in files {
            let n = name(f);
            if Some(f) == default.as_ref()
                || used.contains(&f)
                || DEFAULT_COMPOSE_FILES.contains(&n.as_str())
                || (default.is_some() && DEFAULT_OVERRIDE_FILES.contains(&n.as_str()))
            {
                continue;
            }
            let base = (!complete(f)).then(|| base_for(dir)).flatten();
            match base {
                Some(b) => out.push(vec![b, f.clone()]),
                None => out.push(vec![f.clone()]),
            }
        }
    }
    Grouping {
        projects: out,
        ignored,
    }
}

/// The compose files of a workspace in projects, and the default files
/// Compose does not read (each with the one it reads instead).
#[derive(Debug, PartialEq)]
struct Grouping {
    projects: Vec<Vec<PathBuf>>,
    ignored: Vec<(PathBuf, PathBuf)>,
}

/// The compose files `docker compose` runs on where `env` and `explain`
/// are given no `-f`, when they are not what discovery finds at `path`:
/// - no path, and no Compose file in the working folder: Compose looks in
///   each folder above for its default file (with its override), and so
///   do we (unless `COMPOSE_FILE` or `--project-directory` says where);
/// - `path` an override file (`compose.override.yml`…): merged over the
///   default file of its folder, as Compose reads it.
///
/// `None`: discovery at `path` (or here) as usual.
pub fn compose_files_for(
    fs_: &dyn Fs,
    cwd: &Path,
    path: Option<&Path>,
    opts: &WorkspaceOptions,
) -> Option<Vec<PathBuf>> {
    if !opts.files.is_empty() || opts.project_directory.is_some() {
        return None;
    }
    let first =
        |dir: &Path, names: &[&str]| names.iter().map(|n| dir.join(n)).find(|f| fs_.is_file(f));
    match path {
        None => {
            if opts.process_env.contains_key("COMPOSE_FILE")
                || first(cwd, &DEFAULT_COMPOSE_FILES).is_some()
            {
                return None;
            }
            cwd.ancestors().skip(1).find_map(|dir| {
                let base = first(dir, &DEFAULT_COMPOSE_FILES)?;
                Some(
                    std::iter::once(base)
                        .chain(first(dir, &DEFAULT_OVERRIDE_FILES))
                        .collect(),
                )
            })
        }
        Some(p) => {
            let abs = cwd.join(p);
            let name = abs.file_name()?.to_str()?;
            if !DEFAULT_OVERRIDE_FILES.contains(&name) || !fs_.is_file(&abs) {
                return None;
            }
            let base = first(abs.parent()?, &DEFAULT_COMPOSE_FILES)?;
            Some(vec![base, abs])
        }
    }
}

/// The env files of every project: `--env-file`, else the shell's
/// `COMPOSE_ENV_FILES` (comma-separated, each path as written, relative to
/// the working folder as `--env-file`'s; Compose reads it from the shell
/// only, not from `.env`), else none (each project's `.env`).
fn env_files_of(opts: &WorkspaceOptions) -> Vec<PathBuf> {
    if !opts.env_files.is_empty() {
        return opts.env_files.clone();
    }
    match opts.process_env.get("COMPOSE_ENV_FILES") {
        Some(v) if !v.is_empty() => v.split(',').map(PathBuf::from).collect(),
        _ => Vec::new(),
    }
}

/// `COMPOSE_FILE` as `docker compose` reads it when run in `dir`: from the
/// shell (`shell`, for a folder the user named), else from `dir`'s `.env`;
/// split at `COMPOSE_PATH_SEPARATOR` (`:` by default), each path relative to
/// `dir`. `None` when unset or empty.
fn compose_file_setting(
    loader: &mut Loader,
    dir: &Path,
    shell: Option<&BTreeMap<String, String>>,
) -> Option<Vec<PathBuf>> {
    // `.env` as Compose reads it for the project: interpolated from the shell.
    let empty = BTreeMap::new();
    let env = shell.unwrap_or(&empty);
    let dotenv: Vec<(String, String)> = loader
        .load(&dir.join(".env"), FileKind::Dotenv)
        .ok()
        .and_then(|id| {
            interpolate::resolve_dotenv(&loader.dotenv(id), &mut |n| env.get(n).cloned()).ok()
        })
        .map(|r| r.into_iter().map(|e| (e.key, e.value)).collect())
        .unwrap_or_default();
    let setting = |name: &str| {
        env.get(name).cloned().or_else(|| {
            dotenv
                .iter()
                .rev()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
        })
    };
    let value = setting("COMPOSE_FILE").filter(|v| !v.is_empty())?;
    let separator = setting("COMPOSE_PATH_SEPARATOR")
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| ":".into());
    let files: Vec<PathBuf> = value
        .split(separator.as_str())
        .filter(|f| !f.is_empty())
        .map(|f| fs::normalize(&dir.join(f)))
        .collect();
    (!files.is_empty()).then_some(files)
}

/// Leaves out a project whose files another project reads too, at least
/// one of them through `include:`: a compose file another one includes is
/// part of that project (its variables, its services' neighbours), not a
/// project of its own. Two projects that read the same files (an include
/// cycle) are both kept, and so is a folder's default project (`default`)
/// when the file that includes it is in the same folder: `docker compose`
/// run there without `-f` reads it alone.
fn drop_included_projects(projects: &mut Vec<Project>, default: &[bool]) {
    let subset = |a: &[FileId], b: &[FileId]| a.iter().all(|f| b.contains(f));
    // A project that reads one of its files both as a `-f` file and
    // through its own `include:` is a group we guessed (Compose would load
    // the file twice, from two folders).
    let self_included = |p: &Project| p.compose_files.iter().any(|f| p.included_files.contains(f));
    let dropped: Vec<bool> = projects
        .iter()
        .enumerate()
        .map(|(i, p)| {
            projects.iter().enumerate().any(|(j, q)| {
                let reads_p = p
                    .compose_files
                    .iter()
                    .all(|f| q.compose_files.contains(f) || q.included_files.contains(f));
                i != j
                    && !(default[i] && p.directory == q.directory)
                    && p.compose_files.iter().any(|f| q.included_files.contains(f))
                    && ((subset(&p.compose_files, &q.compose_files)
                        && !subset(&q.compose_files, &p.compose_files))
                        || (reads_p && self_included(p) && !self_included(q)))
            })
        })
        .collect();
    let mut k = 0;
    projects.retain(|_| {
        k += 1;
        !dropped[k - 1]
    });
}

/// Whether a compose file of the workspace names `file` in an
/// `extends.file` (by its file name, which is what a default name is).
fn named_by_extends(loader: &Loader, file: FileId) -> bool {
    let name = loader.file(file).path.file_name().map(|n| n.to_os_string());
    let Some(name) = name else { return false };
    loader.composed().any(|c| {
        c.documents().flat_map(|d| &d.services).any(|s| {
            s.extends
                .as_ref()
                .and_then(|e| e.file.as_ref())
                .is_some_and(|f| Path::new(&f.value).file_name() == Some(name.as_os_str()))
        })
    })
}

/// Whether a compose file stands alone: every service it defines has an
/// image, a build or an `extends`, and depends only on services it defines
/// (or, in a file with `include:`, on any: the included files define them).
/// One that fails to parse stands alone (its errors are reported with it).
fn is_self_contained(file: &ComposeFile) -> bool {
    if !file.errors.is_empty() {
        return true;
    }
    // Its documents are merged as `-f` files are: a service is whole when
    // one of them gives it an image.
    let services: Vec<&crate::syntax::compose::Service> =
        file.documents().flat_map(|d| &d.services).collect();
    let whole: HashSet<&str> = services
        .iter()
        .filter(|s| s.image.is_some() || s.build.is_some() || s.extends.is_some())
        .map(|s| s.name.value.as_str())
        .collect();
    if file.documents().any(|d| !d.include.is_empty()) {
        return services
            .iter()
            .all(|s| whole.contains(s.name.value.as_str()));
    }
    let names: HashSet<&str> = services.iter().map(|s| s.name.value.as_str()).collect();
    let defined = |name: &str| names.contains(name);
    !services.is_empty()
        && services.iter().all(|s| {
            whole.contains(s.name.value.as_str())
                && s.depends_on.iter().all(|d| defined(&d.service.value))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_default_override_and_others() {
        let mut by_dir = BTreeMap::new();
        by_dir.insert(
            PathBuf::from("/p"),
            [
                "/p/compose.override.yaml",
                "/p/compose.yaml",
                "/p/docker-compose.prod.yml",
                "/p/docker-compose.inits.yml",
                "/p/docker-compose.yml",
            ]
            .iter()
            .map(PathBuf::from)
            .collect::<Vec<_>>(),
        );
        by_dir.insert(
            PathBuf::from("/p/overrides"),
            vec![PathBuf::from("/p/overrides/compose.gpu.yaml")],
        );
        by_dir.insert(
            PathBuf::from("/q"),
            vec![PathBuf::from("/q/compose.extra.yaml")],
        );
        let complete = |f: &PathBuf| f.ends_with("docker-compose.prod.yml");
        let groups = group_compose_files(&by_dir, &BTreeMap::new(), &complete).projects;
        let p = |s: &str| PathBuf::from(s);
        assert_eq!(
            groups,
            vec![
                vec![p("/p/compose.yaml"), p("/p/compose.override.yaml")],
                // Complete: alone.
                vec![p("/p/docker-compose.prod.yml")],
                // Auxiliary: merged over the folder's default file.
                vec![p("/p/compose.yaml"), p("/p/docker-compose.inits.yml")],
                // Auxiliary in a subfolder: over the default file above.
                vec![p("/p/compose.yaml"), p("/p/overrides/compose.gpu.yaml")],
                // No default file anywhere above: alone.
                vec![p("/q/compose.extra.yaml")],
            ]
        );
        // COMPOSE_FILE in /p: its files are the folder's project, in its
        // order, and linted in no other.
        let mut configured = BTreeMap::new();
        configured.insert(
            p("/p"),
            vec![p("/p/docker-compose.yml"), p("/p/docker-compose.inits.yml")],
        );
        let groups = group_compose_files(&by_dir, &configured, &complete).projects;
        assert_eq!(
            groups[0],
            vec![p("/p/docker-compose.yml"), p("/p/docker-compose.inits.yml")]
        );
        assert!(!groups[1..]
            .iter()
            .flatten()
            .any(|f| f.ends_with("docker-compose.inits.yml")));
    }

    #[test]
    fn self_contained_compose_files() {
        let parse = crate::syntax::compose::parse;
        assert!(is_self_contained(&parse(
            "services:\n  a:\n    image: x\n    depends_on: [b]\n  b:\n    build: .\n"
        )));
        // Adds to a service defined elsewhere.
        assert!(!is_self_contained(&parse(
            "services:\n  a:\n    environment:\n      X: 1\n"
        )));
        // Depends on a service defined elsewhere.
        assert!(!is_self_contained(&parse(
            "services:\n  init:\n    image: x\n    depends_on: [db]\n"
        )));
        // Only volumes or networks.
        assert!(!is_self_contained(&parse("volumes:\n  data: {}\n")));
        // Only includes, or services depending on included ones.
        assert!(is_self_contained(&parse("include:\n  - db.yml\n")));
        assert!(is_self_contained(&parse(
            "include: [db.yml]\nservices:\n  a:\n    image: x\n    depends_on: [db]\n"
        )));
    }

    #[test]
    fn private_keys_are_found_but_never_read_into_sources() {
        let dir = tempfile::tempdir().unwrap();
        let key =
            "-----BEGIN OPENSSH PRIVATE KEY-----\nsecret\n-----END OPENSSH PRIVATE KEY-----\n";
        std::fs::write(dir.path().join("id_ed25519"), key).unwrap();
        std::fs::write(dir.path().join("ca.pem"), "-----BEGIN CERTIFICATE-----\n").unwrap();
        std::fs::write(dir.path().join("slides.key"), b"PK\x03\x04\x00binary").unwrap();
        let opts = WorkspaceOptions {
            paths: vec![dir.path().to_path_buf()],
            ..Default::default()
        };
        let ws = load_workspace(&crate::fs::DiskFs, dir.path(), &opts);
        assert_eq!(ws.private_keys.len(), 1);
        let f = ws.sources.get(ws.private_keys[0]);
        assert!(f.path.ends_with("id_ed25519"));
        // Only the BEGIN line, for a label to point at; never the key.
        assert_eq!(f.text, "-----BEGIN OPENSSH PRIVATE KEY-----");
        // A binary file named like a key is not a read problem.
        assert!(ws.problems.is_empty(), "{:?}", ws.problems);
    }

    /// Only the marker is kept, whatever follows it on its line.
    #[test]
    fn a_private_key_on_one_line_is_not_kept() {
        let one_line = "-----BEGIN PRIVATE KEY-----\\nMIIEvQIBADANBg\\n-----END PRIVATE KEY-----";
        assert_eq!(begin_line(one_line), "-----BEGIN PRIVATE KEY-----");
        let spaced = "-----BEGIN RSA PRIVATE KEY----- MIIEvQIBADANBg -----END RSA PRIVATE KEY-----";
        assert_eq!(begin_line(spaced), "-----BEGIN RSA PRIVATE KEY-----");
        assert_eq!(
            begin_line("x\r\n  -----BEGIN EC PRIVATE KEY-----\r\nMHcC"),
            "\n  -----BEGIN EC PRIVATE KEY-----"
        );
        // Not a marker: a key body inside it, or no BEGIN.
        assert_eq!(
            begin_line("-----BEGIN MIIEvQIBADANBgkqhkiG9w0BAQEFAASC PRIVATE KEY-----"),
            ""
        );
        assert_eq!(begin_line("-----BEGIN -----END PRIVATE KEY-----"), "");
        assert_eq!(begin_line("-----END PRIVATE KEY-----"), "");
    }
}
