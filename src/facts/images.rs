//! The images the Dockerfile rules judge: for each stage a compose service
//! runs, that stage and the stages it is built `FROM` (with the services
//! that run it); for a Dockerfile no compose service builds, its last stage,
//! which is what `docker build` produces. Builder stages that no image is
//! built `FROM` are not part of any judged image.

use std::collections::BTreeMap;

use crate::model::image::facts_of;
use crate::model::types::{ImageFacts, Service, Stage};
use crate::model::workspace::Workspace;
use crate::source::{FileId, Span};
use crate::syntax::dockerfile::Instruction;

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
