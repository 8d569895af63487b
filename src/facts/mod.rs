//! Facts: what the model means, computed once for every rule — what a
//! command runs, what an image installs and which stages end up in an image
//! that runs, what a value's hosts and ports are, which servers well-known
//! images are. Pure functions of the model; no rule, no output.

pub(crate) mod app_settings;
pub(crate) mod base_image;
pub(crate) mod build_context;
pub(crate) mod build_vars;
pub(crate) mod commands;
pub(crate) mod credentials;
pub(crate) mod host_access;
pub(crate) mod image_ref;
pub(crate) mod images;
pub(crate) mod known;
pub(crate) mod network;
pub(crate) mod packages;
pub(crate) mod ports;
pub(crate) mod purpose;
pub(crate) mod run;
pub(crate) mod secret_value;
pub(crate) mod server;
pub(crate) mod user;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use crate::model::types::ImageFacts;
use crate::model::workspace::Workspace;
use crate::source::FileId;

/// The facts of a workspace that several rules need, each computed once
/// and borrowed: the judged images, and what each image's stage chain
/// installs.
pub struct Facts<'a> {
    ws: &'a Workspace,
    images: OnceLock<Vec<images::JudgedImage<'a>>>,
    installed: Mutex<InstalledByChain>,
    purposes: OnceLock<purpose::Purposes<'a>>,
    /// By the project's address in the workspace.
    listeners: OnceLock<HashMap<usize, ports::Listeners<'a>>>,
}

/// What each stage chain installs, by Dockerfile and chain (the root stage
/// last).
type InstalledByChain = HashMap<(FileId, Vec<usize>), Arc<Vec<packages::InstalledPackage>>>;

impl<'a> Facts<'a> {
    pub fn new(ws: &'a Workspace) -> Self {
        Facts {
            ws,
            images: OnceLock::new(),
            installed: Mutex::new(HashMap::new()),
            purposes: OnceLock::new(),
            listeners: OnceLock::new(),
        }
    }

    /// Who listens on which port in `project`, one of the workspace's
    /// ([`ports::Listeners`]).
    pub(crate) fn listeners(
        &self,
        project: &crate::model::types::Project,
    ) -> Option<&ports::Listeners<'a>> {
        self.listeners
            .get_or_init(|| {
                self.ws
                    .projects
                    .iter()
                    .map(|p| (std::ptr::from_ref(p) as usize, ports::Listeners::of(p)))
                    .collect()
            })
            .get(&(std::ptr::from_ref(project) as usize))
    }

    /// What each file, image and service is for ([`purpose::Purposes`]).
    pub(crate) fn purposes(&self) -> &purpose::Purposes<'a> {
        self.purposes
            .get_or_init(|| purpose::Purposes::new(self.ws))
    }

    /// The images the Dockerfile rules judge ([`images::judged_images`]).
    pub(crate) fn images(&self) -> &[images::JudgedImage<'a>] {
        self.images.get_or_init(|| images::judged_images(self.ws))
    }

    /// What the `RUN`s of an image's stage chain install, computed once per
    /// chain whichever rule asks ([`packages::installed_in_image`]).
    pub(crate) fn installed(&self, image: &ImageFacts) -> Arc<Vec<packages::InstalledPackage>> {
        let key = (image.dockerfile_file, image.chain.clone());
        if let Some(found) = self
            .installed
            .lock()
            .ok()
            .and_then(|m| m.get(&key).cloned())
        {
            return found;
        }
        let computed = Arc::new(packages::installed_in_image(self.ws, image));
        if let Ok(mut m) = self.installed.lock() {
            m.insert(key, computed.clone());
        }
        computed
    }
}
