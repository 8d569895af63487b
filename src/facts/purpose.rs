//! What a file or an image is for, as its names and its own words say:
//! development, tests or CI, or building (an image whose job is to compile
//! or to develop in). Findings that are right only for production (root,
//! no healthcheck, build tools, caches left in layers, unpinned images) are
//! noise there. Not a rule; no guess from anything but names and comments.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use crate::facts::images::JudgedImage;
use crate::model::types::Service;
use crate::model::workspace::Workspace;
use crate::source::{FileId, FileKind};

/// What a file or image is for, when it says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Purpose {
    /// Development, tests or CI: `Dockerfile.dev`, `docker-compose.ci.yml`,
    /// a `tests/` or `.devcontainer/` folder, a stage `dev`, a comment "not
    /// for production".
    Development,
    /// An image whose job is to build: `builder.Dockerfile`,
    /// `Dockerfile.build`, a service that runs a stage `build`.
    Build,
}

/// Name parts (split at `.`, `-`, `_`) that mark development, tests or CI.
const DEV_WORDS: &[&str] = &[
    "dev",
    "devel",
    "develop",
    "development",
    "devcontainer",
    "local",
    "debug",
    "test",
    "tests",
    "testing",
    "e2e",
    "ci",
    "playwright",
    "cypress",
    "dummy",
    "mock",
    "mocks",
    "fixtures",
];

/// Name parts of a Dockerfile or stage that mark an image that builds.
const BUILD_WORDS: &[&str] = &["build", "builder", "buildenv", "toolchain"];

/// What their owners write of files meant for development or tests only.
const DEV_PHRASES: &[&str] = &[
    "not suitable for production",
    "not for production",
    "not intended for production",
    "not meant for production",
    "not recommended for production",
    "do not use in production",
    "don't use in production",
    "never use in production",
    "for development only",
    "development only",
    "for development purpose",
    "intended for development",
    "for local development",
    "for testing purposes",
    "for testing only",
    "development image",
    "development container",
    "development docker",
    "developer docker",
    "tester docker",
];

fn parts(name: &str) -> impl Iterator<Item = String> + '_ {
    name.split(['.', '-', '_'])
        .filter(|p| !p.is_empty())
        .map(|p| p.to_ascii_lowercase())
}

/// Whether a name (a stage, a file, a folder) has a development word.
pub(crate) fn is_dev_name(name: &str) -> bool {
    parts(name).any(|p| DEV_WORDS.contains(&p.as_str()))
}

/// Name parts that mark a test suite's files (`.env.test`, `.env.ci`).
const TEST_WORDS: &[&str] = &[
    "test",
    "tests",
    "testing",
    "e2e",
    "ci",
    "playwright",
    "cypress",
];

/// Whether a name is a test suite's (`test`, `ci`, `e2e`…), a subset of
/// [`is_dev_name`]: `.env.test` holds fixtures, `.env.local` a developer's
/// own secrets.
pub(crate) fn is_test_name(name: &str) -> bool {
    parts(name).any(|p| TEST_WORDS.contains(&p.as_str()))
}

fn is_build_name(name: &str) -> bool {
    parts(name).any(|p| BUILD_WORDS.contains(&p.as_str()))
}

/// The deepest folder holding every file read: the linted tree's root.
/// Folders above it (`~/dev/project/`) say nothing of the files.
/// The app's Python modules do not count: which of them are read depends
/// on their names and content, and a `src/main.py` must not move the root
/// that the compose files' purposes are judged from.
pub(crate) fn tree_root(ws: &Workspace) -> PathBuf {
    let mut root: Option<PathBuf> = None;
    for (_, f) in ws
        .sources
        .iter()
        .filter(|(_, f)| f.kind != crate::source::FileKind::Python)
    {
        let Some(dir) = f.path.parent() else { continue };
        root = Some(match root {
            None => dir.to_path_buf(),
            Some(r) => r
                .ancestors()
                .find(|a| dir.starts_with(a))
                .map(Path::to_path_buf)
                .unwrap_or_default(),
        });
    }
    root.unwrap_or_default()
}

/// Whether the comments of a file say it is for development or tests
/// (`# Not suitable for production use.`).
fn comments_say_dev(text: &str) -> bool {
    text.lines()
        .map(str::trim_start)
        .filter(|l| l.starts_with('#'))
        .flat_map(|l| {
            l.to_ascii_lowercase()
                .split(". ")
                .flat_map(|s| s.split(';'))
                .map(str::to_string)
                .collect::<Vec<_>>()
        })
        .any(|sentence| {
            DEV_PHRASES.iter().any(|p| {
                sentence.find(p).is_some_and(|at| {
                    // "For local development, see README" / "use
                    // compose.dev.yaml": the reader is sent elsewhere;
                    // this file is not said to be for development.
                    // ("Not suitable for production use" is no pointer.)
                    let after = sentence[at + p.len()..].trim_start();
                    let pointer = after.starts_with([',', ':', '-'])
                        && after
                            .split(|c: char| !c.is_ascii_alphanumeric())
                            .any(|w| matches!(w, "see" | "refer" | "use" | "check" | "read"));
                    !pointer
                })
            })
        })
}

/// What a file is for: its folders inside the linted tree (`dev/`,
/// `tests/`, `.devcontainer/`), its name (`Dockerfile.dev`,
/// `docker-compose-ci.yml`, `builder.Dockerfile`), a production sibling
/// (`siblings`: the files of its kind in its folder) or its comments.
fn purpose_among(
    ws: &Workspace,
    root: &Path,
    file: FileId,
    siblings: &[FileId],
) -> Option<Purpose> {
    let f = ws.sources.get(file);
    let inside = f
        .path
        .parent()
        .and_then(|p| p.strip_prefix(root).ok())
        .map(Path::to_path_buf)
        .unwrap_or_default();
    let folder_dev = inside
        .components()
        .any(|c| c.as_os_str().to_str().is_some_and(is_dev_name));
    let name = f
        .path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    if folder_dev
        || is_dev_name(name)
        || has_prod_sibling(ws, file, siblings)
        || comments_say_dev(&f.text)
    {
        return Some(Purpose::Development);
    }
    let kind = crate::source::FileKind::Dockerfile;
    if f.kind == kind && is_build_name(name) {
        return Some(Purpose::Build);
    }
    None
}

/// Name parts that mark the production variant of a file.
const PROD_WORDS: &[&str] = &["prod", "production"];

/// Whether the folder holds the production variant of this file, named
/// like it with a `prod` part (`Dockerfile` beside `Dockerfile.prod`,
/// `docker-compose.yml` beside `docker-compose.prod.yml`): this one is
/// then for development.
fn has_prod_sibling(ws: &Workspace, file: FileId, siblings: &[FileId]) -> bool {
    let f = ws.sources.get(file);
    let name_parts = |p: &Path| -> Vec<String> {
        let mut v: Vec<String> = p
            .file_name()
            .and_then(|n| n.to_str())
            .map(|n| parts(n).collect())
            .unwrap_or_default();
        v.sort();
        v
    };
    let mine = name_parts(&f.path);
    if mine.iter().any(|p| PROD_WORDS.contains(&p.as_str())) {
        return false;
    }
    siblings.iter().any(|&id| {
        let other = ws.sources.get(id);
        if id == file || other.kind != f.kind || other.path.parent() != f.path.parent() {
            return false;
        }
        let theirs = name_parts(&other.path);
        let without: Vec<String> = theirs
            .iter()
            .filter(|p| !PROD_WORDS.contains(&p.as_str()))
            .cloned()
            .collect();
        without.len() + 1 == theirs.len() && without == mine
    })
}

/// What each file, image and service is for, each file's computed once
/// (a rule asks for every service, and a file of 20,000 services was read
/// through 20,000 times).
pub(crate) struct Purposes<'a> {
    ws: &'a Workspace,
    root: PathBuf,
    /// The files of each folder, by kind.
    folders: HashMap<(Option<PathBuf>, FileKind), Vec<FileId>>,
    known: Mutex<HashMap<FileId, Option<Purpose>>>,
}

impl<'a> Purposes<'a> {
    pub(crate) fn new(ws: &'a Workspace) -> Self {
        let mut folders: HashMap<(Option<PathBuf>, FileKind), Vec<FileId>> = HashMap::new();
        for (id, f) in ws.sources.iter() {
            folders
                .entry((f.path.parent().map(Path::to_path_buf), f.kind))
                .or_default()
                .push(id);
        }
        Purposes {
            ws,
            root: tree_root(ws),
            folders,
            known: Mutex::new(HashMap::new()),
        }
    }

    /// What a file is for ([`purpose_among`]).
    pub(crate) fn file(&self, file: FileId) -> Option<Purpose> {
        if let Some(found) = self.known.lock().ok().and_then(|m| m.get(&file).copied()) {
            return found;
        }
        let f = self.ws.sources.get(file);
        let siblings = self
            .folders
            .get(&(f.path.parent().map(Path::to_path_buf), f.kind))
            .map_or(&[][..], Vec::as_slice);
        let purpose = purpose_among(self.ws, &self.root, file, siblings);
        if let Ok(mut m) = self.known.lock() {
            m.insert(file, purpose);
        }
        purpose
    }

    /// What an image is for: the stage it runs, its Dockerfile, or, when
    /// every service that runs it is defined in development files,
    /// development.
    pub(crate) fn image(&self, image: &JudgedImage) -> Option<Purpose> {
        let facts = &image.facts;
        stage_purpose(facts.run_stage().name.as_deref())
            .or_else(|| self.file(facts.dockerfile_file))
            .or_else(|| {
                let all_dev = !image.services.is_empty()
                    && image
                        .services
                        .iter()
                        .all(|s| self.file(s.name_span.file).is_some());
                all_dev.then_some(Purpose::Development)
            })
    }

    /// What a service is for: the compose file that defines it, or the
    /// image it builds.
    pub(crate) fn service(&self, service: &Service) -> Option<Purpose> {
        self.file(service.name_span.file).or_else(|| {
            let facts = service.image_facts.as_ref()?;
            stage_purpose(facts.run_stage().name.as_deref())
                .or_else(|| self.file(facts.dockerfile_file))
        })
    }
}

impl Purposes<'_> {
    /// What a setting of `service` written in `at` is for, for the checks
    /// of what a container reaches of its host (a socket, privileges, a
    /// published port): development when the service runs an image built
    /// for it (a `dev` stage, a `Dockerfile.dev`); else the purpose of the
    /// file that writes the setting when it is one of the project's own
    /// files (a development override applies only where it is used); else
    /// (a file `extends` reads) of the file that defines the service.
    pub(crate) fn setting(
        &self,
        project: &crate::model::types::Project,
        service: &Service,
        at: FileId,
    ) -> Option<Purpose> {
        let image = service.image_facts.as_ref().and_then(|f| {
            stage_purpose(f.run_stage().name.as_deref()).or_else(|| self.file(f.dockerfile_file))
        });
        if image == Some(Purpose::Development) {
            return image;
        }
        // A project that merges a production file (`-f docker-compose.yml
        // -f docker-compose.prod.yml`) runs its base file in production:
        // only a file named for development is.
        let production = project.compose_files.iter().any(|&f| {
            let name = self.ws.sources.get(f).path.file_name();
            name.and_then(|n| n.to_str())
                .is_some_and(|n| parts(n).any(|p| PROD_WORDS.contains(&p.as_str())))
        });
        let file = if project.compose_files.contains(&at) {
            at
        } else {
            service.name_span.file
        };
        if production {
            let name = self.ws.sources.get(file).path.file_name();
            return name
                .and_then(|n| n.to_str())
                .is_some_and(is_dev_name)
                .then_some(Purpose::Development);
        }
        self.file(file)
    }
}

/// What a stage is for, by its name (`dev`, `test`, `builder`).
fn stage_purpose(name: Option<&str>) -> Option<Purpose> {
    let name = name?;
    if is_dev_name(name) {
        Some(Purpose::Development)
    } else if is_build_name(name) {
        Some(Purpose::Build)
    } else {
        None
    }
}

/// Whether an image runs nothing of its own: no service runs it and its
/// stages set no CMD or ENTRYPOINT. A base image for others, or an
/// environment to build in (`docker run -it … make`), not an app.
pub(crate) fn runs_nothing(image: &JudgedImage) -> bool {
    image.services.is_empty() && image.facts.cmd.is_none() && image.facts.entrypoint.is_none()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::images::judged_images;
    use crate::rules::testing::{workspace, write_project};

    fn purposes(files: &[(&str, &str)]) -> Vec<(String, Option<Purpose>)> {
        let dir = write_project(files);
        let ws = workspace(dir.path());
        let root = tree_root(&ws);
        let purposes = Purposes::new(&ws);
        ws.sources
            .iter()
            .map(|(id, f)| {
                let rel = f.path.strip_prefix(&root).unwrap_or(&f.path);
                (rel.display().to_string(), purposes.file(id))
            })
            .collect()
    }

    #[test]
    fn names_folders_and_comments() {
        let df = "FROM python:3.12-slim\n";
        let got = purposes(&[
            ("Dockerfile", df),
            ("Dockerfile.dev", df),
            ("dev.Dockerfile", df),
            ("docker/develop/noble/Dockerfile", df),
            ("tests/Dockerfile.seeder", df),
            (".devcontainer/Dockerfile", df),
            ("e2e-tests/docker/Dockerfile", df),
            ("docker/builder-go.dockerfile", df),
            ("Dockerfile.build", df),
            ("editable.Dockerfile", "# Used by the test suite. Not suitable for production use.\nFROM python:3.12-slim\n"),
            ("flex/Dockerfile", "FROM alpine:3.20\n# Tools for developers: this is predominantly a developer/tester docker\nRUN apk add vim\n"),
            ("docker-compose-ci.yml", "services: {}\n"),
            ("compose.local.yaml", "services: {}\n"),
            ("latest/Dockerfile", df),
            ("contest/Dockerfile", df),
            ("docker/buildpack/Dockerfile", df),
            ("project/Dockerfile", df),
            ("project/Dockerfile.prod", df),
            ("docker-compose.yml", "services: {}\n"),
            ("docker-compose.prod.yml", "services: {}\n"),
            ("stack/compose.yaml", "# Production stack. For local development, see README.\nservices: {}\n"),
            ("devnote/compose.yaml", "# For local development only.\n# Not for production.\nservices: {}\n"),
            ("pointer/compose.yaml", "services:\n  a:\n    # Note that this setup is intended for development purpose.\n    # To run it in production, see: https://example.com/docs\n    image: x\n"),
            ("hardened/compose.yaml", "# Hardened deployment. For local development, use compose.dev.yaml.\nservices: {}\n"),
            ("devonly/compose.yaml", "# For local development only, open http://localhost:3000. Do not use this in production!\n#  - NODE_ENV=production\nservices: {}\n"),
        ]);
        let dev = Some(Purpose::Development);
        let build = Some(Purpose::Build);
        let expected = [
            ("Dockerfile", None),
            ("Dockerfile.dev", dev),
            ("dev.Dockerfile", dev),
            ("docker/develop/noble/Dockerfile", dev),
            ("tests/Dockerfile.seeder", dev),
            (".devcontainer/Dockerfile", dev),
            ("e2e-tests/docker/Dockerfile", dev),
            ("docker/builder-go.dockerfile", build),
            ("Dockerfile.build", build),
            ("editable.Dockerfile", dev),
            ("flex/Dockerfile", dev),
            ("docker-compose-ci.yml", dev),
            ("compose.local.yaml", dev),
            ("latest/Dockerfile", None),
            ("contest/Dockerfile", None),
            ("docker/buildpack/Dockerfile", None),
            ("project/Dockerfile", dev),
            ("project/Dockerfile.prod", None),
            ("docker-compose.yml", dev),
            ("docker-compose.prod.yml", None),
            ("stack/compose.yaml", None),
            ("devnote/compose.yaml", dev),
            ("pointer/compose.yaml", dev),
            ("hardened/compose.yaml", None),
            ("devonly/compose.yaml", dev),
        ];
        for (path, want) in expected {
            let got = got.iter().find(|(p, _)| p == path).map(|(_, w)| *w);
            assert_eq!(got, Some(want), "{path}");
        }
    }

    #[test]
    fn images_by_stage_and_services() {
        let df = "FROM python:3.12-slim AS builder\nFROM python:3.12-slim AS dev\nFROM python:3.12-slim AS prod\n";
        for (target, want) in [
            ("builder", Some(Purpose::Build)),
            ("dev", Some(Purpose::Development)),
            ("prod", None),
        ] {
            let compose = format!(
                "services:\n  app:\n    build:\n      context: .\n      target: {target}\n"
            );
            let dir = write_project(&[("compose.yaml", &compose), ("Dockerfile", df)]);
            let ws = workspace(dir.path());
            let images = judged_images(&ws);
            assert_eq!(Purposes::new(&ws).image(&images[0]), want, "{target}");
        }
        // Run only by services of a development compose file.
        let dir = write_project(&[
            (
                "docker-compose.dev.yml",
                "services:\n  app:\n    build: .\n",
            ),
            ("Dockerfile", "FROM python:3.12-slim\n"),
        ]);
        let ws = workspace(dir.path());
        let images = judged_images(&ws);
        assert_eq!(
            Purposes::new(&ws).image(&images[0]),
            Some(Purpose::Development)
        );
    }
}
