//! Hover, definitions, references and completion, from a folder's last
//! lint: the model (`snap.linted.ws`) and the parse trees it keeps, never a
//! file read or parsed again.
//!
//! What the cursor is on is found once per request ([`place::place_at`]):
//! a walk over the file's own tree (its services, its `.env` entries or its
//! instructions). A variable is answered from [`crate::model::explain`] for
//! at most [`hover::MAX_SERVICES`] services, worded by `report::explain`'s
//! own functions and masked as `explain` masks; names are looked up in the
//! project's indexes ([`crate::model::types::Project::service`]).

mod complete;
mod goto;
mod hover;
mod place;
#[cfg(test)]
mod tests;

use std::collections::BTreeSet;

use super::Snapshot;
use crate::model::types::{Project, Service, Via};
use crate::model::workspace::Workspace;
use crate::source::{FileId, SourceMap, Span, TextRange};

pub use complete::completion;
pub use goto::{definition, references};
pub use hover::hover;

/// Whether the cursor at `at` is on `range`: inside it, or just after it
/// (where a cursor stands after typing a name).
fn touches(range: TextRange, at: usize) -> bool {
    range.start <= at && at <= range.end
}

/// Whether two spans of the same file overlap (ends included): a key span
/// of the model (a list entry's starts where the entry does) and a name as
/// written.
fn overlaps(a: Span, b: Span) -> bool {
    a.file == b.file && a.range.start <= b.range.end && b.range.start <= a.range.end
}

/// The projects that read `file`: as a compose file, a project `.env`, a
/// service's `env_file:` or the Dockerfile a service is built from.
fn projects_of(ws: &Workspace, file: FileId) -> Vec<&Project> {
    ws.projects
        .iter()
        .filter(|p| {
            p.compose_files.contains(&file)
                || p.env_files.contains(&file)
                || p.include_env_files.contains(&file)
                || p.services
                    .iter()
                    .any(|s| s.reads_env_file(file) || built_from(s, file))
        })
        .collect()
}

/// Whether `s` is built from the Dockerfile `file`.
fn built_from(s: &Service, file: FileId) -> bool {
    s.image_facts
        .as_ref()
        .is_some_and(|f| f.dockerfile_file == file)
}

/// Whether `file` is one of `p`'s project `.env` / `--env-file`s.
fn is_project_env(p: &Project, file: FileId) -> bool {
    p.env_files.contains(&file) || p.include_env_files.contains(&file)
}

/// The env files `p`'s services read (`env_file:`), each once, in order.
fn env_files_read(p: &Project) -> BTreeSet<FileId> {
    p.services
        .iter()
        .flat_map(|s| s.env_files.iter().filter_map(|e| e.file))
        .collect()
}

/// The Dockerfiles `p`'s services are built from, each once.
fn dockerfiles_of(p: &Project) -> BTreeSet<FileId> {
    p.services
        .iter()
        .filter_map(|s| s.image_facts.as_ref().map(|f| f.dockerfile_file))
        .collect()
}

/// The name in a `$NAME` / `${NAME…}` written at `reference`: the span of
/// NAME, else the whole reference (a passthrough key, a scalar whose
/// reference the model could not place exactly).
fn name_in(sources: &SourceMap, reference: Span, name: &str) -> Span {
    let text = sources.get(reference.file).slice(reference.range);
    let skip = if text.starts_with("${") {
        2
    } else if text.starts_with('$') {
        1
    } else {
        return reference;
    };
    match text.get(skip..skip + name.len()) {
        Some(n) if n == name => {
            let start = reference.range.start + skip;
            Span::new(reference.file, TextRange::new(start, start + name.len()))
        }
        _ => reference,
    }
}

/// The `.env` line a reference's value comes from.
fn dotenv_key(via: &Via) -> Option<Span> {
    match &via.source {
        Some(crate::model::types::VariableSource::Dotenv { key, .. }) => Some(*key),
        _ => None,
    }
}
