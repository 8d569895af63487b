//! The images the Dockerfile rules judge: for each stage a compose service
//! runs, that stage and the stages it is built `FROM` (with the services
//! that run it); for a Dockerfile no compose service builds, its last stage,
//! which is what `docker build` produces. Builder stages that no image is
//! built `FROM` are not part of any judged image.

use std::collections::BTreeMap;

use crate::facts::image_ref::ImageRef;
use crate::model::image::facts_of;
use crate::model::types::{ImageFacts, Service, Stage};
use crate::model::workspace::Workspace;
use crate::source::{FileId, Span};
use crate::syntax::dockerfile::{Instruction, InstructionKind};

/// One final image: its stage chain and the services that run it.
pub(crate) struct JudgedImage<'a> {
    pub facts: ImageFacts,
    /// Empty for a Dockerfile no compose service builds.
    pub services: Vec<&'a Service>,
}

/// Where `service` picks the stage it runs (its `target`, else its
/// `build:`), and a label saying it runs `stage`.
pub(crate) fn runs_stage(service: &Service, stage: &Stage) -> (Span, String) {
    let at = service
        .build
        .as_ref()
        .map(|b| b.target.as_ref().map_or(b.span, |t| t.span))
        .unwrap_or(service.name_span);
    let label = format!(
        "service `{}` runs stage {}",
        service.name,
        stage.display_name()
    );
    (at, label)
}

impl JudgedImage<'_> {
    /// The instructions of the image's stages in build order (the root
    /// stage first): (stage index, index in `Dockerfile::instructions`,
    /// instruction).
    pub fn instructions(&self) -> impl Iterator<Item = (usize, usize, &Instruction)> + '_ {
        let df = &self.facts.dockerfile;
        self.facts.chain.iter().rev().flat_map(move |&s| {
            let range = self
                .facts
                .stages
                .get(s)
                .map(|st| st.instructions.clone())
                .unwrap_or(0..0);
            range.filter_map(move |n| df.instructions.get(n).map(|i| (s, n, i)))
        })
    }
}

/// Every judged image, in a stable order (by Dockerfile, then stage).
pub(crate) fn judged_images(ws: &Workspace) -> Vec<JudgedImage<'_>> {
    let mut by_stage: BTreeMap<(FileId, usize), JudgedImage> = BTreeMap::new();
    for (_, service) in ws.active_services() {
        let Some(facts) = &service.image_facts else {
            continue;
        };
        by_stage
            .entry((facts.dockerfile_file, facts.stage))
            .or_insert_with(|| JudgedImage {
                facts: facts.clone(),
                services: Vec::new(),
            })
            .services
            .push(service);
    }
    // Dockerfiles that a service builds (even one whose profile is off).
    let built: Vec<FileId> = ws
        .projects
        .iter()
        .flat_map(|p| &p.services)
        .filter_map(|s| s.image_facts.as_ref().map(|f| f.dockerfile_file))
        .collect();
    for (id, df) in &ws.dockerfiles {
        if built.contains(id) {
            continue;
        }
        if let Some(facts) = facts_of(*id, df.clone(), None, &BTreeMap::new()) {
            by_stage.insert(
                (*id, facts.stage),
                JudgedImage {
                    facts,
                    services: Vec::new(),
                },
            );
        }
    }
    by_stage.into_values().collect()
}

/// Whether the project builds the image `image` names, so that it comes
/// from no registry: a compose service of the workspace names it (the same
/// repository and tag) in its `image:` and builds it (`build:`,
/// `pull_policy: build` or `never`); or,
/// for a namespaced name (`ghcr.io/org/base-java`), a Dockerfile of the
/// workspace is named for it (`base-java/Dockerfile`, `Dockerfile.base`
/// for `org/app-base`, `Dockerfile-workers` for `org/app-workers`) and is
/// not itself built `FROM` it.
pub(crate) fn built_here(ws: &Workspace, image: &ImageRef) -> bool {
    let by_compose = ws.projects.iter().flat_map(|p| &p.services).any(|s| {
        let builds = s.build.is_some()
            || s.pull_policy
                .as_ref()
                .is_some_and(|p| matches!(p.text.trim(), "build" | "never"));
        // The same repository and tag: `acme/app:dev` built here says
        // nothing of the `acme/app:latest` a registry serves.
        let tag = |i: &ImageRef| i.tag.unwrap_or("latest").to_ascii_lowercase();
        builds
            && s.image
                .as_ref()
                .and_then(|i| ImageRef::parse(&i.text))
                .is_some_and(|i| i.same_repository(image) && tag(&i) == tag(image))
    });
    if by_compose || !image.path.contains('/') {
        return by_compose;
    }
    let name = image.name().to_ascii_lowercase();
    ws.dockerfiles.iter().any(|(id, df)| {
        let path = &ws.sources.get(*id).path;
        let folder = path
            .parent()
            .and_then(|p| p.file_name())
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_ascii_lowercase();
        let file = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_ascii_lowercase();
        // `Dockerfile.base`, `Dockerfile-workers`, `base.Dockerfile`: `base`.
        let suffix = file
            .strip_prefix("dockerfile")
            .and_then(|r| r.strip_prefix(['.', '-', '_']))
            .or_else(|| file.strip_suffix(".dockerfile"))
            .unwrap_or_default();
        let named = folder == name
            || (!suffix.is_empty() && (name == suffix || name.ends_with(&format!("-{suffix}"))));
        let wraps_it = df.instructions.iter().any(|ins| match &ins.kind {
            InstructionKind::From { image: from, .. } => {
                ImageRef::parse(&from.value).is_some_and(|f| f.same_repository(image))
            }
            _ => false,
        });
        named && !wraps_it
    })
}

/// Programs an entrypoint uses to start as root and hand the process to an
/// unprivileged user (`exec gosu app "$@"`).
const PRIVILEGE_DROPPERS: &[&str] = &["gosu", "su-exec", "setpriv", "s6-setuidgid", "chpst"];

/// Whether the Dockerfile of an image brings a tool that drops privileges
/// (installs, downloads or copies `gosu`, `su-exec`…, in any stage, or runs
/// it): its entrypoint then likely starts as root only to switch user, as
/// the official database images do.
pub(crate) fn drops_privileges(ws: &Workspace, facts: &ImageFacts) -> bool {
    let source = ws.sources.get(facts.dockerfile_file);
    facts.dockerfile.instructions.iter().any(|ins| {
        let relevant = matches!(
            ins.kind,
            InstructionKind::Run { .. }
                | InstructionKind::Copy { .. }
                | InstructionKind::Entrypoint(_)
                | InstructionKind::Cmd(_)
        );
        relevant
            && source
                .slice(ins.range)
                .split(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
                .any(|w| PRIVILEGE_DROPPERS.contains(&w))
    })
}
