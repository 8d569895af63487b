//! What a build context holds and what a Dockerfile takes from it: the
//! ignore file BuildKit applies, and whether a `COPY`/`ADD` source takes a
//! given file.

use std::path::Path;

use crate::model::workspace::Workspace;
use crate::source::FileId;
use crate::syntax::dockerfile::{Dockerfile, InstructionKind};
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

/// Whether building `df` (at `dockerfile`) with the context `context`
/// puts the context's file `file` (relative to it) into the image by its
/// name (`COPY .env ./`, `COPY .env* ./`; not as part of a folder, `COPY .
/// .`): the ignore file lets it through and a `COPY`/`ADD` from the
/// context names it.
pub(crate) fn copied_by_name(
    ws: &Workspace,
    dockerfile: &Path,
    df: &Dockerfile,
    context: &Path,
    file: &str,
) -> bool {
    if ignore_file(ws, dockerfile, context).is_some_and(|(_, i)| i.excludes(file)) {
        return false;
    }
    df.instructions.iter().any(|ins| {
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
            let Some(cleaned) = context_source(&src.value) else {
                return false;
            };
            // The file's own name, maybe with a glob (`.env*`): not `.`, a
            // folder, or `*`.
            let by_name = cleaned != "."
                && cleaned.split('/').count() == file.split('/').count()
                && cleaned
                    .rsplit('/')
                    .next()
                    .is_some_and(|n| n.contains("env"));
            by_name && copy_takes(&cleaned, file, &excludes)
        })
    })
}

/// Whether the project's `.env` (there or to be made) may be inside one of
/// its containers other than through `env_file:`, for the app to read it
/// itself: a bind mount of it or of the project folder (`.:/app`), or an
/// image whose Dockerfile copies it in by its name (`COPY .env ./`). Not a
/// `COPY . .` that takes it along: that is a leak (`env-file-in-image`),
/// not a way the project means the app to read it.
pub(crate) fn dotenv_in_container(ws: &Workspace, project: &crate::model::types::Project) -> bool {
    let dotenv = project.directory.join(".env");
    project.services.iter().any(|s| {
        let mounted = s.volumes.iter().filter_map(|v| v.read()).any(|m| {
            m.kind == crate::model::mount::MountKind::Bind
                && m.source.is_some_and(|src| {
                    // The project folder or the `.env` itself: not a folder
                    // above it (cAdvisor's `/:/rootfs:ro` is no app reading
                    // the `.env`).
                    let path = crate::fs::normalize(&project.directory.join(src));
                    path.starts_with(&project.directory) && dotenv.starts_with(&path)
                })
        });
        let copied = match (&s.build, &s.image_facts) {
            (Some(b), Some(f)) => dotenv.strip_prefix(&b.context).ok().is_some_and(|rel| {
                let rel = rel.to_string_lossy().replace('\\', "/");
                let path = &ws.sources.get(f.dockerfile_file).path;
                copied_by_name(ws, path, &f.dockerfile, &b.context, &rel)
            }),
            _ => false,
        };
        mounted || copied
    })
}
