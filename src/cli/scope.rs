//! `check FILE...`: pre-commit (and editors) pass only the files that
//! changed. A changed `.env` means nothing without the compose file that reads
//! it, so each named file is linted in its project — the nearest folder at or
//! above it holding a compose file — and only what concerns the named files
//! is reported: diagnostics whose span is in one of them, or whose labels
//! point into one of them.

use std::path::{Path, PathBuf};

use crate::fs::{is_compose_name, normalize};
use crate::rules::Diagnostic;
use crate::source::SourceMap;

/// What to report when some paths are files: diagnostics in (or explained by)
/// `files`, and everything under `folders`, which were named as folders.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope {
    files: Vec<PathBuf>,
    folders: Vec<PathBuf>,
}

impl Scope {
    /// Whether `path` (absolute, normalised) was asked about.
    pub fn shows(&self, path: &Path) -> bool {
        self.files.iter().any(|f| f == path) || self.folders.iter().any(|d| path.starts_with(d))
    }

    /// Whether `d` is reported: its span or one of its labels is in a file
    /// that was asked about, or it says a rule failed on the project (which
    /// may have hidden a finding in those files).
    pub fn keeps(&self, d: &Diagnostic, sources: &SourceMap) -> bool {
        d.rule == crate::rules::RuleId::InternalError
            || std::iter::once(d.span.file)
                .chain(d.labels.iter().map(|l| l.span.file))
                .any(|id| self.shows(&sources.get(id).path))
    }
}

/// The paths to load for the `paths` the user gave, and the scope to report
/// (`None`: every path is a folder, report everything). Each file's project
/// folder is added; the file itself stays, so that it is read even where the
/// folder walk would not enter (an excluded or skipped folder).
pub fn widen(cwd: &Path, paths: &[PathBuf]) -> (Vec<PathBuf>, Option<Scope>) {
    let mut load = Vec::new();
    let mut files = Vec::new();
    let mut folders = Vec::new();
    for p in paths {
        let abs = normalize(&cwd.join(p));
        if abs.is_file() {
            if let Some(root) = project_root(&abs, cwd) {
                if !load.contains(&root) {
                    load.push(root);
                }
            }
            files.push(abs);
        } else {
            folders.push(abs);
        }
        load.push(p.clone());
    }
    if files.is_empty() {
        return (paths.to_vec(), None);
    }
    (load, Some(Scope { files, folders }))
}

/// The nearest folder at or above `file`'s that holds a compose file
/// (`*compose*.y*ml`), not looking above a repository's root (a folder with
/// `.git`), nor above the current folder `cwd` for a file under it (a
/// stray compose file in `/tmp` or a home folder would make the whole of
/// it one project to read).
pub fn project_root(file: &Path, cwd: &Path) -> Option<PathBuf> {
    let cwd = normalize(cwd);
    // In a repository, its root is the bound (a build context's folder
    // is a fine place to run from); outside one, the current folder.
    let in_repository = file.ancestors().skip(1).any(|d| d.join(".git").exists());
    let under_cwd = !in_repository && file.starts_with(&cwd);
    let mut dir = file.parent();
    while let Some(d) = dir {
        if under_cwd && !d.starts_with(&cwd) {
            return None;
        }
        let has_compose = std::fs::read_dir(d).ok()?.flatten().any(|e| {
            let name = e.file_name().to_string_lossy().to_ascii_lowercase();
            is_compose_name(&name) && e.path().is_file()
        });
        if has_compose {
            return Some(d.to_path_buf());
        }
        if d.join(".git").exists() {
            return None;
        }
        dir = d.parent();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::{Label, RuleId};
    use crate::source::{FileKind, SourceFile, Span, TextRange};

    fn write(path: &Path) {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, "").unwrap();
    }

    #[test]
    fn project_root_is_the_nearest_folder_with_a_compose_file() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("repo");
        std::fs::create_dir_all(root.join(".git")).unwrap();
        write(&root.join("proj/docker-compose.prod.yml"));
        write(&root.join("proj/app/Dockerfile"));
        write(&root.join("proj/.env"));
        write(&root.join("lone/Dockerfile"));
        write(&root.join("nested/compose.yaml"));
        write(&root.join("nested/svc/compose.yaml"));
        write(&root.join("nested/svc/.env"));
        let proj = root.join("proj");
        assert_eq!(
            project_root(&proj.join("app/Dockerfile"), Path::new("/")),
            Some(proj.clone())
        );
        assert_eq!(
            project_root(&proj.join(".env"), Path::new("/")),
            Some(proj.clone())
        );
        assert_eq!(
            project_root(&proj.join("docker-compose.prod.yml"), Path::new("/")),
            Some(proj)
        );
        assert_eq!(
            project_root(&root.join("nested/svc/.env"), Path::new("/")),
            Some(root.join("nested/svc"))
        );
        // No compose file up to the repository's root.
        assert_eq!(
            project_root(&root.join("lone/Dockerfile"), Path::new("/")),
            None
        );
        // Nor above the current folder, for a file under it: a compose file
        // above, outside any repository, is no project of it.
        let tmp = tempfile::tempdir().unwrap();
        write(&tmp.path().join("stray-compose.yaml"));
        write(&tmp.path().join("work/app/Dockerfile"));
        let work = tmp.path().join("work");
        assert_eq!(project_root(&work.join("app/Dockerfile"), &work), None);
        // In a repository, from a build context's folder: the repository's
        // compose file.
        std::fs::create_dir_all(tmp.path().join(".git")).unwrap();
        assert_eq!(
            project_root(&work.join("app/Dockerfile"), &work.join("app")),
            Some(tmp.path().to_path_buf())
        );
        assert_eq!(
            project_root(&work.join("app/Dockerfile"), Path::new("/")),
            Some(tmp.path().to_path_buf())
        );
    }

    #[test]
    fn widen_adds_project_folders_only_for_files() {
        let tmp = tempfile::tempdir().unwrap();
        let cwd = tmp.path().to_path_buf();
        std::fs::create_dir_all(cwd.join(".git")).unwrap();
        write(&cwd.join("p/compose.yaml"));
        write(&cwd.join("p/.env"));
        write(&cwd.join("p/Dockerfile"));
        std::fs::create_dir_all(cwd.join("q")).unwrap();

        let folders = vec![PathBuf::from("p"), PathBuf::from("q")];
        assert_eq!(widen(&cwd, &folders), (folders.clone(), None));

        let (load, scope) = widen(
            &cwd,
            &[PathBuf::from("p/.env"), PathBuf::from("p/Dockerfile")],
        );
        assert_eq!(
            load,
            vec![
                cwd.join("p"),
                PathBuf::from("p/.env"),
                PathBuf::from("p/Dockerfile")
            ]
        );
        let scope = scope.unwrap();
        assert!(scope.shows(&cwd.join("p/.env")));
        assert!(!scope.shows(&cwd.join("p/compose.yaml")));

        let (_, scope) = widen(&cwd, &[PathBuf::from("p/.env"), PathBuf::from("q")]);
        let scope = scope.unwrap();
        assert!(scope.shows(&cwd.join("q/compose.yaml")));
        assert!(!scope.shows(&cwd.join("p/compose.yaml")));
    }

    #[test]
    fn keeps_diagnostics_in_or_explained_by_the_files() {
        let mut sources = SourceMap::new();
        let mut add = |p: &str| {
            sources.add(SourceFile::new(
                PathBuf::from(p),
                p.into(),
                FileKind::Other,
                String::new(),
            ))
        };
        let env = add("/p/.env");
        let compose = add("/p/compose.yaml");
        let dockerfile = add("/p/Dockerfile");
        let scope = Scope {
            files: vec![PathBuf::from("/p/.env")],
            folders: Vec::new(),
        };
        let at = |f| Span::new(f, TextRange::new(0, 0));
        let in_env = Diagnostic::new(RuleId::QuotedValue, at(env), "m");
        let mut labelled = Diagnostic::new(RuleId::QuotedValue, at(compose), "m");
        labelled.labels.push(Label {
            span: at(env),
            message: "here".into(),
        });
        let mut elsewhere = Diagnostic::new(RuleId::QuotedValue, at(compose), "m");
        elsewhere.labels.push(Label {
            span: at(dockerfile),
            message: "there".into(),
        });
        assert!(scope.keeps(&in_env, &sources));
        assert!(scope.keeps(&labelled, &sources));
        assert!(!scope.keeps(&elsewhere, &sources));
        // A rule that failed may have missed something in the files asked
        // about: always reported.
        let failed = Diagnostic::new(RuleId::InternalError, at(compose), "m");
        assert!(scope.keeps(&failed, &sources));
    }
}
