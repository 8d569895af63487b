//! What a build context holds and what a Dockerfile takes from it: the
//! ignore file BuildKit applies, and whether a `COPY`/`ADD` source takes a
//! given file. In the model because the app's code in an image
//! (`model::app`) is decided with it.

use std::path::Path;

use crate::model::workspace::Workspace;
use crate::source::FileId;
use crate::syntax::dockerignore::{self, DockerIgnore};

/// The ignore file BuildKit uses: `<Dockerfile>.dockerignore` beside the
/// Dockerfile, else `.dockerignore` at the context root.
pub(crate) fn ignore_file(
    ws: &Workspace,
    dockerfile: &Path,
    context: &Path,
) -> Option<(FileId, DockerIgnore)> {
    let specific = dockerfile.file_name().map(|n| {
        let mut n = n.to_os_string();
        n.push(".dockerignore");
        dockerfile.with_file_name(n)
    });
    let root = context.join(".dockerignore");
    let find = |p: &Path| {
        ws.dockerignores
            .iter()
            .find(|id| ws.sources.get(**id).path == p)
            .copied()
    };
    let id = specific.as_deref().and_then(find).or_else(|| find(&root))?;
    Some((id, dockerignore::parse(&ws.sources.get(id).text)))
}

/// Does a `COPY` source (relative to the context, cleaned) take `file`
/// (relative to the context)? A folder takes what is under it; `*`, `?`
/// and `[…]` match within one path segment, as in Go's `filepath.Match`.
pub(crate) fn source_takes(source: &str, file: &str) -> bool {
    if source == "." {
        return true;
    }
    let src: Vec<&str> = source.split('/').collect();
    let f: Vec<&str> = file.split('/').collect();
    if src.len() > f.len() {
        return false;
    }
    src.iter().zip(&f).all(|(p, s)| segment_match(p, s))
}

fn segment_match(pattern: &str, name: &str) -> bool {
    // One-segment glob: reuse the .dockerignore matcher (`*` does not cross `/`).
    let d = dockerignore::parse(pattern);
    match d.patterns.first() {
        Some(p) => !p.exception && p.matches(name),
        None => false,
    }
}

/// Whether a `COPY` source (cleaned, [`context_source`]) takes `file`
/// (relative to the context) past the instruction's `--exclude` patterns,
/// which are relative to the source.
pub(crate) fn copy_takes(source: &str, file: &str, excludes: &[DockerIgnore]) -> bool {
    let inner = if source == "." {
        file
    } else {
        file.strip_prefix(&format!("{source}/")).unwrap_or(file)
    };
    source_takes(source, file) && !excludes.iter().any(|e| e.excludes(inner))
}

/// The cleaned path of a `COPY` source relative to the context (`.` for
/// the context itself); `None` for what is not a path of the context (a
/// heredoc, a URL, a git address, a variable).
pub(crate) fn context_source(raw: &str) -> Option<String> {
    if raw.starts_with("<<") || raw.contains("://") || raw.contains('$') || raw.starts_with("git@")
    {
        return None;
    }
    let cleaned = dockerignore::clean(raw.trim_start_matches('/'));
    Some(if cleaned.is_empty() {
        ".".to_string()
    } else {
        cleaned
    })
}
