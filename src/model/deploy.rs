//! What a project expects to be created when it is installed: the `.env`
//! that most repositories ignore and document with a committed template
//! (`.env.example`), and the `env_file:`s made the same way.
//!
//! Variables such a file will define count as set at deploy time: no rule
//! calls them unset, and `missing-dotenv` says once what is missing instead
//! of one finding per variable.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use crate::fs::{self, is_template_name};
use crate::model::loader::Loader;
use crate::model::types::{MissingEnvFile, ModelErrorKind, OpKind, Project, ReferenceForm};
use crate::source::{FileId, FileKind, Span};

/// Names of a `.env` template, in the order they are looked for beside
/// the file they document.
const TEMPLATE_SUFFIXES: &[&str] = &[
    "example", "sample", "template", "dist", "tmpl", "tpl", "default", "defaults",
];

/// The names a committed template of `path` has, in its folder, in the
/// order they are looked for: `.env` → `.env.example`, `example.env`,
/// `env.example`, `.env-example`, `.env_example`; `.db.env` →
/// `.db.env.example`, `example.db.env`… (any of [`TEMPLATE_SUFFIXES`]).
fn template_names(path: &Path) -> Vec<PathBuf> {
    let (Some(dir), Some(name)) = (path.parent(), path.file_name().and_then(|n| n.to_str())) else {
        return Vec::new();
    };
    let stem = name.trim_start_matches('.');
    TEMPLATE_SUFFIXES
        .iter()
        .flat_map(|s| {
            [
                format!("{name}.{s}"),
                format!("{s}.{stem}"),
                format!("{stem}.{s}"),
                format!("{name}-{s}"),
                format!("{name}_{s}"),
            ]
        })
        .map(|n| dir.join(n))
        .collect()
}

/// The committed template of `path` ([`template_names`]).
fn template_beside(loader: &mut Loader, path: &Path) -> Option<FileId> {
    template_names(path)
        .into_iter()
        .find_map(|c| loader.load(&c, FileKind::Dotenv).ok())
}

/// The template of the project `.env` by its name, in the project's
/// folder: one of [`template_names`] of its `.env`, else a dotenv file of the
/// folder named as a template of `.env` for the compose file's purpose
/// (`.env.prod.example` beside `docker-compose.prod.yml`). Not a file a
/// service reads as its `env_file:` (then it is configuration), nor the
/// template of one (`example.db.env` of `db.env`, `.env.local.example` of
/// `.env.local`).
fn template_by_name(
    loader: &mut Loader,
    project: &Project,
    dotenv_files: &[PathBuf],
) -> Option<FileId> {
    let dir = &project.directory;
    let purposes = compose_purposes(loader, project);
    let mut candidates = template_names(&dir.join(".env"));
    candidates.extend(
        dotenv_files
            .iter()
            .filter(|f| {
                f.parent() == Some(dir.as_path())
                    && f.file_name()
                        .and_then(|n| n.to_str())
                        .is_some_and(|n| documents_dotenv(n, &purposes))
            })
            .cloned(),
    );
    candidates.into_iter().find_map(|c| {
        if templates_an_env_file(project, &c) {
            return None;
        }
        let id = loader.load(&c, FileKind::Dotenv).ok()?;
        (!project.services.iter().any(|s| s.reads_env_file(id))).then_some(id)
    })
}

/// The purpose words of the project's first compose file
/// ([`purpose_words`]).
fn compose_purposes(loader: &Loader, project: &Project) -> BTreeSet<String> {
    project
        .compose_files
        .first()
        .map(|f| purpose_words(&loader.file(*f).path))
        .unwrap_or_default()
}

/// Whether a file's name is that of a template of `.env`: the words `env`
/// and a template word (`example`, `sample`…), and else only words of the
/// compose file's `purposes` (`.env.prod.example` for
/// `docker-compose.prod.yml`).
fn documents_dotenv(name: &str, purposes: &BTreeSet<String>) -> bool {
    let lower = name.to_ascii_lowercase();
    let words: Vec<&str> = lower
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    words.contains(&"env")
        && words.iter().any(|w| TEMPLATE_SUFFIXES.contains(w))
        && words
            .iter()
            .all(|w| *w == "env" || TEMPLATE_SUFFIXES.contains(w) || purposes.contains(*w))
}

/// Whether `template` is the template of an `env_file:` a service of the
/// project reads (`.env.prod.example` of `env_file: .env.prod`).
fn templates_an_env_file(project: &Project, template: &Path) -> bool {
    let (Some(dir), Some(name)) = (
        template.parent(),
        template.file_name().and_then(|n| n.to_str()),
    ) else {
        return false;
    };
    let lower = name.to_ascii_lowercase();
    let documented: Vec<String> = TEMPLATE_SUFFIXES
        .iter()
        .flat_map(|s| {
            [
                lower.strip_suffix(&format!(".{s}")).map(str::to_string),
                lower.strip_suffix(&format!("-{s}")).map(str::to_string),
                lower.strip_suffix(&format!("_{s}")).map(str::to_string),
                lower.strip_prefix(&format!("{s}.")).map(str::to_string),
            ]
        })
        .flatten()
        .collect();
    // The project `.env` read as an `env_file:` is the `.env` itself.
    let dotenv = project.directory.join(".env");
    project.services.iter().any(|s| {
        s.env_files.iter().any(|e| {
            e.resolved != dotenv
                && e.resolved.parent() == Some(dir)
                && e.resolved
                    .file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| documented.contains(&n.to_ascii_lowercase()))
        })
    })
}

/// For the project `.env`: a template by name beside it, else the dotenv
/// file of the project folder (not read by any service, not for tests)
/// that defines most of the variables the compose files use and nothing
/// sets — at least half of them (AppFlowy's `deploy.env`, "copy this file
/// to .env").
fn dotenv_template(
    loader: &mut Loader,
    project: &Project,
    dotenv_files: &[PathBuf],
    roots: &[PathBuf],
    unset: &BTreeSet<String>,
) -> Option<FileId> {
    if let Some(t) = template_by_name(loader, project, dotenv_files) {
        return Some(t);
    }
    let in_folder: Vec<&PathBuf> = dotenv_files
        .iter()
        .filter(|f| f.parent() == Some(project.directory.as_path()))
        .collect();
    // A file named for the compose file's purpose (`dev.env` beside
    // `docker-compose-dev.yml`) documents it, before one covering more.
    let purposes = compose_purposes(loader, project);
    let mut best: Option<(usize, FileId)> = None;
    let mut named: Option<FileId> = None;
    for f in in_folder {
        let name = f
            .file_name()
            .map(|n| n.to_string_lossy().to_ascii_lowercase())
            .unwrap_or_default();
        // Not a test's, not the template of another env file
        // (`.env.local.example`, of `.env.local`).
        if name.contains("test")
            || (is_template_name(&name) && !documents_dotenv(&name, &purposes))
            || templates_an_env_file(project, f)
        {
            continue;
        }
        let Ok(id) = loader.load(f, FileKind::Dotenv) else {
            continue;
        };
        if project.services.iter().any(|s| s.reads_env_file(id)) {
            continue;
        }
        let defined = defined_names(loader, id);
        let covered = unset.iter().filter(|v| defined.contains(*v)).count();
        if covered > 0 && covered * 2 >= unset.len() {
            if named.is_none() && purpose_words(f).iter().any(|w| purposes.contains(w)) {
                named = Some(id);
            }
            if best.is_none_or(|(n, _)| covered > n) {
                best = Some((covered, id));
            }
        }
    }
    if let Some(id) = named.or(best.map(|(_, id)| id)) {
        return Some(id);
    }
    // A compose file of the documentation (`docs/install/compose.yaml`)
    // that uses the repository's `.env.template`: the nearest above,
    // inside the folders searched.
    for dir in project.directory.ancestors().skip(1) {
        if !roots.iter().any(|r| dir.starts_with(r)) {
            break;
        }
        if let Some(t) = template_beside(loader, &dir.join(".env")) {
            return Some(t);
        }
    }
    None
}

/// The words of a file's name that say what it is for (`dev` of
/// `docker-compose-dev.yml` and of `dev.env`): not the words every compose
/// or env file's name has.
fn purpose_words(path: &Path) -> BTreeSet<String> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    name.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| {
            !w.is_empty() && !matches!(*w, "docker" | "compose" | "yml" | "yaml" | "env" | "dotenv")
        })
        .map(str::to_string)
        .collect()
}

/// The names a dotenv file defines.
pub fn defined_names(loader: &mut Loader, id: FileId) -> BTreeSet<String> {
    loader
        .dotenv(id)
        .entries
        .iter()
        .map(|e| e.key.clone())
        .collect()
}

/// The variables a project's compose files and `.env` use without a
/// default that no source sets (the shell, the `.env`).
pub fn unset_variables(project: &Project) -> BTreeSet<String> {
    // `${X}` and `${X:?}` need a value; `${X:-d}`, `${X:+r}` and a
    // passthrough do not.
    let plain_unset = |form: ReferenceForm, set: bool| {
        !set && matches!(
            form,
            ReferenceForm::Plain | ReferenceForm::Op(OpKind::Required | OpKind::RequiredNonEmpty)
        )
    };
    let mut out: BTreeSet<String> = project
        .references
        .iter()
        .filter(|v| plain_unset(v.form, v.source.is_some()))
        .map(|v| v.variable.clone())
        .filter(|v| !crate::model::SHELL_VARIABLES.contains(&v.as_str()))
        .collect();
    out.extend(
        project
            .dotenv_definitions
            .iter()
            .flat_map(|d| &d.via)
            .filter(|v| plain_unset(v.form, v.source.is_some()))
            .map(|v| v.variable.clone())
            .filter(|v| !crate::model::SHELL_VARIABLES.contains(&v.as_str())),
    );
    out
}

/// Fills `project.missing_env_files` and `project.deploy_variables`.
///
/// The project `.env` is expected when it is not there (or is a link to a
/// file an install script creates) and something says it will be: a
/// template documents it, a service reads it as an `env_file:`, or it is a
/// link. A required `env_file:` that is not there is expected too (its
/// template, if any, named). The variables a template defines, and — when
/// the `.env` is expected — those nothing sets, are set at deploy time.
/// `dotenv_files`: the dotenv files found; `roots`: the folders searched
/// (a template is looked for up to them); `explicit_env_files`:
/// `--env-file` was given, so no `.env` is read.
pub fn expected_files(
    loader: &mut Loader,
    project: &mut Project,
    dotenv_files: &[PathBuf],
    roots: &[PathBuf],
    explicit_env_files: bool,
) {
    let dotenv_path = project.directory.join(".env");
    let mut missing: Vec<MissingEnvFile> = Vec::new();
    for e in &project.errors {
        let ModelErrorKind::EnvFileNotFound(path) = &e.kind else {
            continue;
        };
        // An env file by its name (`.env`, `db.env`, `.env.prod`), or one
        // with a template: made at install. Anything else missing is a
        // mistake, left to `compose-error`.
        let env_like =
            fs::classify(path) == FileKind::Dotenv || template_beside(loader, path).is_some();
        if !env_like || e.span.is_none() {
            continue;
        }
        let uses: Vec<Span> = e.span.into_iter().collect();
        match missing.iter_mut().find(|m| &m.path == path) {
            Some(m) => m.uses.extend(uses),
            None => missing.push(MissingEnvFile {
                display: loader.display(path),
                path: path.clone(),
                project_dotenv: false,
                template: None,
                uses,
            }),
        }
    }
    // `--env-file` given, or a `.env` read: the project `.env` is not missing.
    let dotenv_missing = !explicit_env_files && project.env_files.is_empty();
    let unset = unset_variables(project);
    let mut deploy: BTreeSet<String> = BTreeSet::new();
    project.dotenv_template = if explicit_env_files {
        None
    } else {
        template_by_name(loader, project, dotenv_files)
    };
    if dotenv_missing {
        let template = dotenv_template(loader, project, dotenv_files, roots, &unset);
        project.dotenv_template = template;
        let read_as_env_file = missing.iter().any(|m| m.path == dotenv_path);
        let link = fs::is_link(loader.fs(), &dotenv_path);
        // Expected (a template, an env_file, a link says so) and needed
        // (something is unset without it, or a service reads it): a `.env`
        // whose every variable has a default is optional.
        let expected = template.is_some() || read_as_env_file || link;
        let needed = !unset.is_empty() || read_as_env_file;
        if expected && needed {
            if let Some(t) = template {
                deploy.extend(defined_names(loader, t));
            }
            deploy.extend(unset.iter().cloned());
            match missing.iter_mut().find(|m| m.path == dotenv_path) {
                Some(m) => {
                    m.project_dotenv = true;
                    m.template = template;
                }
                None => missing.insert(
                    0,
                    MissingEnvFile {
                        display: loader.display(&dotenv_path),
                        path: dotenv_path.clone(),
                        project_dotenv: true,
                        template,
                        uses: Vec::new(),
                    },
                ),
            }
        }
    }
    // An `env_file:` feeds the container, not interpolation: its
    // template's names are not variables set at deploy time.
    for m in missing.iter_mut().filter(|m| !m.project_dotenv) {
        m.template = template_beside(loader, &m.path);
    }
    project.missing_env_files = missing;
    project.deploy_variables = deploy;
}
