//! Reads each file once through [`Fs`] and parses it once, whatever the
//! number of projects and services that refer to it.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::fs::{self, Fs, LoadError};
use crate::source::{FileId, FileKind, SourceFile, SourceMap, SyntaxError, TextRange};
use crate::syntax::compose::ComposeFile;
use crate::syntax::dockerfile::Dockerfile;
use crate::syntax::dotenv::DotenvFile;
use crate::syntax::python::{self, PyModule};
use crate::syntax::{compose, dockerfile, dotenv, limits};

fn is_default_compose_path(path: &Path) -> bool {
    path.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| fs::is_default_compose_name(&n.to_ascii_lowercase()))
}

/// Why a Dockerfile read from outside the linted folders is no Dockerfile
/// (no `FROM`, and lines that are no instruction: `dockerfile: /etc/passwd`),
/// if it is not one. Each of its lines would otherwise be an "unknown
/// instruction" quoting the line into CI logs.
fn not_a_dockerfile(parsed: &Dockerfile) -> Option<String> {
    let from = parsed.instructions.iter().any(|i| i.keyword == "FROM");
    (!from && !parsed.errors.is_empty()).then(|| {
        "this file does not look like a Dockerfile (no FROM, and lines that are no instruction); it is outside the linted folder, so it is not read further and its lines are not shown".to_string()
    })
}

/// The same for a `.env`-format file read from outside the linted folders
/// (`env_file: ../../etc/shadow`): no `KEY=value` line, and a line Compose
/// refuses (the first is pointed at, not quoted).
fn not_a_dotenv(parsed: &DotenvFile) -> Option<(usize, String)> {
    let looks_like = parsed
        .entries
        .iter()
        .any(|e| e.value != crate::syntax::dotenv::DotenvValue::Inherit);
    let first = parsed.errors.first().filter(|_| !looks_like)?;
    Some((
        first.range.start,
        "this file does not look like a .env file (no `KEY=value` line, and a line Compose refuses here); it is outside the linted folder, so it is not read further and its lines are not shown".to_string(),
    ))
}

/// Parses kept from one run to the next (the language server lints a
/// project again at each change): a file read with the same text as last
/// time is not parsed again. Only clean text is kept (a file decoded with
/// losses carries where in its parse). [`ParseCache::sweep`] after a run
/// drops what that run did not read, so the cache holds one run's files.
#[derive(Default)]
pub struct ParseCache(std::sync::Mutex<CacheState>);

#[derive(Default)]
struct CacheState {
    entries: HashMap<(PathBuf, FileKind), (Arc<str>, Parsed)>,
    used: std::collections::HashSet<(PathBuf, FileKind)>,
    /// Parses done (not found) since the cache was made: what the tests and
    /// the benchmark look at.
    parsed: usize,
}

impl std::fmt::Debug for ParseCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ParseCache")
    }
}

impl ParseCache {
    /// The parse of `text`, read from `path` as `kind`: the one kept when
    /// the text is the same, else `parse`'s, kept.
    fn get_or_parse(
        &self,
        path: &Path,
        kind: FileKind,
        text: &str,
        parse: impl FnOnce() -> Parsed,
    ) -> Parsed {
        let key = (path.to_path_buf(), kind);
        // A poisoned lock (a panic while parsing elsewhere) is a cache miss.
        if let Ok(mut state) = self.0.lock() {
            state.used.insert(key.clone());
            if let Some((kept, parsed)) = state.entries.get(&key) {
                if **kept == *text {
                    return parsed.clone();
                }
            }
        }
        let parsed = parse();
        if let Ok(mut state) = self.0.lock() {
            state.parsed += 1;
            state.entries.insert(key, (Arc::from(text), parsed.clone()));
        }
        parsed
    }

    /// Drops the parses the runs since the last sweep did not use.
    pub fn sweep(&self) {
        if let Ok(mut state) = self.0.lock() {
            let used = std::mem::take(&mut state.used);
            state.entries.retain(|k, _| used.contains(k));
        }
    }

    /// How many parses were done (not found kept) since the cache was made.
    pub fn parses(&self) -> usize {
        self.0.lock().map(|s| s.parsed).unwrap_or(0)
    }
}

/// A file's parse, as [`Loader::preload`] makes it and [`ParseCache`]
/// keeps it.
#[derive(Clone)]
enum Parsed {
    Dotenv(Arc<DotenvFile>),
    Compose(Arc<ComposeFile>),
    Dockerfile(Arc<Dockerfile>),
    Python(Arc<PyModule>),
    Nothing,
}

/// The parse of a file read as `kind` (a Python module only when it may
/// matter, [`python::worth_parsing`]).
fn parse_as(kind: FileKind, text: &str) -> Parsed {
    match kind {
        FileKind::Dotenv => Parsed::Dotenv(Arc::new(dotenv::parse(text))),
        FileKind::Compose => Parsed::Compose(Arc::new(compose::parse(text))),
        FileKind::Dockerfile => Parsed::Dockerfile(Arc::new(dockerfile::parse(text))),
        FileKind::Python if python::worth_parsing(text) => {
            Parsed::Python(Arc::new(python::parse(text)))
        }
        _ => Parsed::Nothing,
    }
}

/// Below this many files, reading and parsing stay on one thread.
const PARALLEL_FROM: usize = 64;

/// What a [`Loader`] read and parsed, ordered by file.
pub struct LoadedParts {
    pub sources: SourceMap,
    pub dotenv: BTreeMap<FileId, Arc<DotenvFile>>,
    pub compose: BTreeMap<FileId, Arc<ComposeFile>>,
    pub dockerfile: BTreeMap<FileId, Arc<Dockerfile>>,
}

/// Files read so far, their parses, and the problems met reading them.
pub struct Loader<'fs> {
    fs: &'fs dyn Fs,
    cwd: PathBuf,
    pub sources: SourceMap,
    read: HashMap<PathBuf, Result<FileId, LoadError>>,
    dotenv: HashMap<FileId, Arc<DotenvFile>>,
    dotenv_raw: HashMap<FileId, Arc<DotenvFile>>,
    compose: HashMap<FileId, Arc<ComposeFile>>,
    dockerfile: HashMap<FileId, Arc<Dockerfile>>,
    /// Env files that are not clean UTF-8 text: where ([`fs::decode_env`]).
    lossy: HashMap<FileId, fs::Lossy>,
    /// The folders being linted: a file outside them was named by a
    /// compose file ([`Loader::foreign`]).
    roots: Vec<PathBuf>,
    /// What the models of all the projects may still take
    /// ([`limits::WORKSPACE_BYTES`]); each project spends from it.
    pub allowance: limits::Allowance,
    /// The files whose size added to the run's allowance (once each,
    /// whichever projects read them).
    pub credited: std::collections::HashSet<FileId>,
    /// Parses kept from an earlier run, if any.
    cache: Option<Arc<ParseCache>>,
}

impl<'fs> Loader<'fs> {
    pub fn new(fs: &'fs dyn Fs, cwd: PathBuf) -> Self {
        Loader {
            fs,
            cwd,
            sources: SourceMap::new(),
            read: HashMap::new(),
            dotenv: HashMap::new(),
            dotenv_raw: HashMap::new(),
            lossy: HashMap::new(),
            compose: HashMap::new(),
            dockerfile: HashMap::new(),
            roots: Vec::new(),
            allowance: limits::Allowance::new(limits::WORKSPACE_BYTES),
            credited: std::collections::HashSet::new(),
            cache: None,
        }
    }

    /// Parses are taken from `cache` when a file's text is the same, and
    /// kept there.
    pub fn with_cache(mut self, cache: Option<Arc<ParseCache>>) -> Self {
        self.cache = cache;
        self
    }

    /// `kind`'s parse of file `id`, from the cache when there is one.
    fn parse_file(&self, id: FileId, kind: FileKind) -> Parsed {
        let file = self.sources.get(id);
        match &self.cache {
            Some(cache) if !self.lossy.contains_key(&id) => {
                cache.get_or_parse(&file.path, kind, &file.text, || parse_as(kind, &file.text))
            }
            _ => parse_as(kind, &file.text),
        }
    }

    /// The folders (or files) being linted, absolute.
    pub fn set_roots(&mut self, roots: Vec<PathBuf>) {
        self.roots = roots;
    }

    /// Whether `id` lies outside every linted folder: a file a compose file
    /// named through a path outside the project (`dockerfile: /etc/passwd`,
    /// `env_file: ../../secrets/app.env`). Judged by the path it was read
    /// by, so a link inside the project to a file elsewhere is inside.
    fn foreign(&self, id: FileId) -> bool {
        let path = &self.sources.get(id).path;
        !self.roots.is_empty() && !self.roots.iter().any(|r| path.starts_with(r))
    }

    pub fn cwd(&self) -> &Path {
        &self.cwd
    }

    pub fn fs(&self) -> &dyn Fs {
        self.fs
    }

    /// An absolute, normalized form of `path` (relative paths are taken from the cwd).
    pub fn absolute(&self, path: &Path) -> PathBuf {
        if path.is_absolute() {
            fs::normalize(path)
        } else {
            fs::normalize(&self.cwd.join(path))
        }
    }

    pub fn display(&self, path: &Path) -> String {
        fs::display_path(path, &self.cwd)
    }

    pub fn is_file(&self, path: &Path) -> bool {
        self.fs.is_file(&self.absolute(path))
    }

    /// Read `path` once; later calls return the same id (or the same error).
    pub fn load(&mut self, path: &Path, kind: FileKind) -> Result<FileId, LoadError> {
        let abs = self.absolute(path);
        if let Some(r) = self.read.get(&abs) {
            return r.clone();
        }
        let result = fs::read_text_following(self.fs, &abs, kind).map(|(text, lossy)| {
            let display = self.display(&abs);
            let id = self
                .sources
                .add(SourceFile::new(abs.clone(), display, kind, text));
            if let Some(l) = lossy {
                self.lossy.insert(id, l);
            }
            id
        });
        self.read.insert(abs, result.clone());
        result
    }

    /// Keeps of `id`'s text only its line breaks up to byte `at` (where a
    /// diagnostic points), so that no output can show the rest: returns
    /// where `at` is in that placeholder.
    fn hide(&mut self, id: FileId, at: usize) -> usize {
        let text = &self.sources.get(id).text;
        let breaks = text[..at.min(text.len())].matches('\n').count();
        self.sources.replace_text(id, "\n".repeat(breaks));
        breaks
    }

    /// The kind a file was read as (a `*compose*.yml` that holds no
    /// `services:` is read as [`FileKind::Other`]), if it was read.
    pub fn kind_of(&self, path: &Path) -> Option<FileKind> {
        let id = self.read.get(&self.absolute(path))?.as_ref().ok()?;
        Some(self.sources.get(*id).kind)
    }

    pub fn file(&self, id: FileId) -> &SourceFile {
        self.sources.get(id)
    }

    pub fn dotenv(&mut self, id: FileId) -> Arc<DotenvFile> {
        if let Some(p) = self.dotenv.get(&id) {
            return p.clone();
        }
        let parsed = match (self.foreign(id), self.parse_file(id, FileKind::Dotenv)) {
            (false, Parsed::Dotenv(p)) if !self.lossy.contains_key(&id) => p,
            _ => Arc::new(self.parse_env_file(id, dotenv::parse)),
        };
        self.dotenv.insert(id, parsed.clone());
        parsed
    }

    /// An env_file read with `format: raw` ([`dotenv::parse_raw`]).
    pub fn dotenv_raw(&mut self, id: FileId) -> Arc<DotenvFile> {
        if let Some(p) = self.dotenv_raw.get(&id) {
            return p.clone();
        }
        let parsed = Arc::new(self.parse_env_file(id, dotenv::parse_raw));
        self.dotenv_raw.insert(id, parsed.clone());
        parsed
    }

    /// `parse` of the file; one from outside the project that is no env
    /// file is refused once, without its lines (they are hidden).
    fn parse_env_file(&mut self, id: FileId, parse: fn(&str) -> DotenvFile) -> DotenvFile {
        let mut parsed = parse(&self.sources.get(id).text);
        if let Some(l) = self.lossy.get(&id) {
            parsed.encoding = Some(*l);
        }
        match self.foreign(id).then(|| not_a_dotenv(&parsed)).flatten() {
            Some((at, message)) => {
                let at = self.hide(id, at);
                DotenvFile {
                    entries: Vec::new(),
                    errors: vec![SyntaxError::new(message, TextRange::empty(at))],
                    warnings: Vec::new(),
                    encoding: None,
                }
            }
            None => parsed,
        }
    }

    pub fn compose(&mut self, id: FileId) -> Arc<ComposeFile> {
        if let Some(p) = self.compose.get(&id) {
            return p.clone();
        }
        let parsed = match self.parse_file(id, FileKind::Compose) {
            Parsed::Compose(p) => p,
            _ => Arc::new(compose::parse(&self.sources.get(id).text)),
        };
        let text = &self.sources.get(id).text;
        // `include: [/etc/passwd]`, `extends: {file: ../../etc/shadow}`.
        let parsed = if self.foreign(id)
            && !parsed.errors.is_empty()
            && !fs::looks_like_compose(text)
        {
            self.hide(id, 0);
            Arc::new(ComposeFile {
                errors: vec![SyntaxError::new(
                    "this file does not look like a compose file (no top-level `services:` or `include:`, and not YAML Compose reads); it is outside the linted folder, so it is not read further and its lines are not shown",
                    TextRange::empty(0),
                )],
                ..ComposeFile::default()
            })
        } else {
            parsed
        };
        self.compose.insert(id, parsed.clone());
        parsed
    }

    /// Every compose file parsed so far.
    pub fn composed(&self) -> impl Iterator<Item = &Arc<ComposeFile>> {
        self.compose.values()
    }

    pub fn dockerfile(&mut self, id: FileId) -> Arc<Dockerfile> {
        if let Some(p) = self.dockerfile.get(&id) {
            return p.clone();
        }
        let mut parsed = match self.parse_file(id, FileKind::Dockerfile) {
            Parsed::Dockerfile(p) => p,
            _ => Arc::new(dockerfile::parse(&self.sources.get(id).text)),
        };
        if let Some(message) = self
            .foreign(id)
            .then(|| not_a_dockerfile(&parsed))
            .flatten()
        {
            self.hide(id, 0);
            parsed = Arc::new(Dockerfile {
                escape: parsed.escape,
                instructions: Vec::new(),
                errors: vec![SyntaxError::new(message, TextRange::empty(0))],
            });
        }
        self.dockerfile.insert(id, parsed.clone());
        parsed
    }

    /// Read and parse `files` on every core, then record them in the given
    /// order (so file ids, and everything built on them, are the same on
    /// every run). Later `load`/`dotenv`/`compose`/`dockerfile` calls find
    /// them done. Python files come back parsed when they may define or
    /// read settings ([`python::worth_parsing`]).
    pub fn preload(&mut self, files: &[(PathBuf, FileKind)]) -> Vec<(FileId, PyModule)> {
        use rayon::prelude::*;
        let todo: Vec<(PathBuf, FileKind)> = files
            .iter()
            .map(|(p, k)| (self.absolute(p), *k))
            .filter(|(p, _)| !self.read.contains_key(p))
            .collect();
        let fs_ = self.fs;
        let cache = self.cache.as_deref();
        let work = |(path, kind): (PathBuf, FileKind)| {
            let read = fs::read_text_following(fs_, &path, kind);
            let lossy = read.as_ref().ok().and_then(|(_, l)| *l);
            let text = read.map(|(t, _)| t);
            // A `*compose*.yml` that Compose would not read by default is a
            // compose file only if its content says so.
            let kind = match (&text, kind) {
                (Ok(t), FileKind::Compose)
                    if !is_default_compose_path(&path) && !fs::looks_like_compose(t) =>
                {
                    FileKind::Other
                }
                _ => kind,
            };
            let parsed = match (&text, kind, cache) {
                (Ok(t), FileKind::Dotenv, _) if lossy.is_some() => {
                    let mut p = dotenv::parse(t);
                    p.encoding = lossy;
                    Parsed::Dotenv(Arc::new(p))
                }
                (Ok(t), _, Some(cache)) => cache.get_or_parse(&path, kind, t, || parse_as(kind, t)),
                (Ok(t), _, None) => parse_as(kind, t),
                (Err(_), _, _) => Parsed::Nothing,
            };
            ((path, kind, text, lossy), parsed)
        };
        // A pool's start costs more than a small project's files.
        // A file read: where, as what, its text (and where it is not clean
        // text), parsed.
        type Read = (
            PathBuf,
            FileKind,
            Result<String, LoadError>,
            Option<fs::Lossy>,
        );
        let done: Vec<(Read, Parsed)> = if todo.len() < PARALLEL_FROM {
            todo.into_iter().map(work).collect()
        } else {
            todo.into_par_iter().map(work).collect()
        };
        let mut settings = Vec::new();
        for ((abs, kind, text, lossy), parsed) in done {
            if self.read.contains_key(&abs) {
                continue;
            }
            // A Python module that says nothing of settings is not kept:
            // every source costs the facts that look at all of them.
            if kind == FileKind::Python && matches!(parsed, Parsed::Nothing) && text.is_ok() {
                continue;
            }
            let result = text.map(|text| {
                let display = self.display(&abs);
                self.sources
                    .add(SourceFile::new(abs.clone(), display, kind, text))
            });
            self.read.insert(abs, result.clone());
            let Ok(id) = result else { continue };
            if let Some(l) = lossy {
                self.lossy.insert(id, l);
            }
            match parsed {
                Parsed::Dotenv(p) => {
                    self.dotenv.insert(id, p);
                }
                Parsed::Compose(p) => {
                    self.compose.insert(id, p);
                }
                Parsed::Dockerfile(p) => {
                    self.dockerfile.insert(id, p);
                }
                Parsed::Python(p) => settings.push((id, Arc::unwrap_or_clone(p))),
                Parsed::Nothing => {}
            }
        }
        settings
    }

    /// The sources and parses, for the layers above.
    pub fn into_parts(self) -> LoadedParts {
        LoadedParts {
            sources: self.sources,
            dotenv: self.dotenv.into_iter().collect(),
            compose: self.compose.into_iter().collect(),
            dockerfile: self.dockerfile.into_iter().collect(),
        }
    }

    /// Every read failure so far, with the path as the user would type it.
    pub fn load_errors(&self) -> Vec<(PathBuf, String, LoadError)> {
        let mut v: Vec<(PathBuf, String, LoadError)> = self
            .read
            .iter()
            .filter_map(|(p, r)| {
                r.as_ref()
                    .err()
                    .map(|e| (p.clone(), self.display(p), e.clone()))
            })
            .collect();
        v.sort_by(|a, b| a.1.cmp(&b.1));
        v
    }
}
