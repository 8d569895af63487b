//! What a build context means for the project's `.env`: whether a
//! Dockerfile copies it by its name, whether it is in a container for the
//! app to read. The ignore file and what a `COPY` source takes are the
//! model's (`model::context`).

use std::path::Path;

use crate::model::workspace::Workspace;
use crate::syntax::dockerfile::{Dockerfile, InstructionKind};
use crate::syntax::dockerignore::{self, DockerIgnore};

pub(crate) use crate::model::context::{context_source, copy_takes, ignore_file, source_takes};

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
/// not a way the project means the app to read it — unless the app's code
/// loads a `.env` into its environment (python-dotenv's `load_dotenv()`):
/// then every value reaches it (the leak stays `env-file-in-image`'s
/// business). A pydantic settings class reading it (`env_file=".env"`)
/// takes only its fields' keys: [`dotenv_settings`].
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
        let loads = || {
            let app = ws.app.in_service(ws, project, s);
            app.modules
                .iter()
                .any(|m| ws.app.modules.get(m).is_some_and(|p| p.loads_dotenv))
                && ws.app.file_in_container(ws, project, s, &dotenv)
        };
        mounted || copied || loads()
    })
}

/// The settings classes the project's services instantiate that read the
/// project's `.env` themselves (`env_file=".env"`) from a container that
/// may hold it (a `COPY . .` that `.dockerignore` lets it through): the
/// keys their fields read reach the app. (Others fail its start in
/// pydantic v2, `extra_forbidden`; they reach nothing.)
pub(crate) fn dotenv_settings<'w>(
    ws: &'w Workspace,
    project: &crate::model::types::Project,
) -> Vec<&'w crate::model::app::SettingsClass> {
    use crate::model::app::EnvFileSetting;
    let dotenv = project.directory.join(".env");
    let mut out: Vec<&crate::model::app::SettingsClass> = Vec::new();
    for s in &project.services {
        let app = ws.app.in_service(ws, project, s);
        for (c, _) in &app.classes {
            let names_dotenv = match &c.config.env_file {
                EnvFileSetting::Files(files) => files
                    .iter()
                    .any(|f| Path::new(f).file_name().is_some_and(|n| n == ".env")),
                _ => false,
            };
            if names_dotenv
                && !out.iter().any(|o| std::ptr::eq(*o, *c))
                && ws.app.file_in_container(ws, project, s, &dotenv)
            {
                out.push(c);
            }
        }
    }
    out
}
