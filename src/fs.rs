//! The only module that touches the disk: bounded reads and discovery.
//!
//! Reads are bounded (size, binary content, UTF-8) so that any file in a
//! repository gives either text or a clear [`LoadError`]; discovery never
//! follows symlinked directories into loops.

mod glob;
pub use glob::PathPatterns;

use std::fmt;
use std::path::{Path, PathBuf};

use crate::source::FileKind;

/// Larger files are not read: no real configuration file comes close.
pub const MAX_FILE_SIZE: u64 = 8 * 1024 * 1024;

/// Why a file could not be read as text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoadError {
    NotFound,
    IsDirectory,
    TooLarge {
        size: u64,
    },
    /// A NUL byte at this offset: a binary file.
    Binary {
        offset: usize,
        line: usize,
    },
    /// Invalid UTF-8 at this offset.
    NotUtf8 {
        offset: usize,
        line: usize,
    },
    /// A fifo, a socket, a device (`/dev/stdin`, `/proc/self/fd/1` on a
    /// pipe): never opened, since a read could block forever or never end.
    NotRegular {
        what: &'static str,
    },
    Io(String),
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LoadError::NotFound => write!(f, "file not found"),
            LoadError::IsDirectory => write!(f, "is a directory, not a file"),
            LoadError::TooLarge { size } => write!(
                f,
                "file is too large to be a configuration file ({} bytes; the limit is {} bytes); skipped",
                size, MAX_FILE_SIZE
            ),
            LoadError::Binary { offset, line } => write!(
                f,
                "binary file (NUL byte at line {line}, byte {offset}); skipped"
            ),
            LoadError::NotUtf8 { offset, line } => write!(
                f,
                "file is not valid UTF-8 (line {line}, byte {offset}); skipped"
            ),
            LoadError::NotRegular { what } => {
                write!(f, "not a regular file ({what}); not read")
            }
            LoadError::Io(e) => write!(f, "{e}"),
        }
    }
}

/// Where the model reads files from: the disk, or memory in tests.
pub trait Fs: Sync {
    /// The bytes of a regular file, within [`MAX_FILE_SIZE`].
    fn read_bytes(&self, path: &Path) -> Result<Vec<u8>, LoadError>;
    /// Its text: [`decode`] of its bytes (binary and non-UTF-8 refused).
    fn read_text(&self, path: &Path) -> Result<String, LoadError> {
        decode(self.read_bytes(path)?)
    }
    fn is_file(&self, path: &Path) -> bool;
    fn is_dir(&self, path: &Path) -> bool;
    /// Whether `path` is a symbolic link (whether its target exists or not).
    fn is_symlink(&self, _path: &Path) -> bool {
        false
    }
}

/// The real file system.
#[derive(Debug, Default, Clone, Copy)]
pub struct DiskFs;

impl Fs for DiskFs {
    fn read_bytes(&self, path: &Path) -> Result<Vec<u8>, LoadError> {
        read_bytes(path)
    }
    fn is_file(&self, path: &Path) -> bool {
        path.is_file()
    }
    fn is_dir(&self, path: &Path) -> bool {
        path.is_dir()
    }
    fn is_symlink(&self, path: &Path) -> bool {
        path.symlink_metadata()
            .is_ok_and(|m| m.file_type().is_symlink())
    }
}

/// Files held in memory, by absolute path: tests that build a project from
/// strings, fuzzing, and (in time) an editor's unsaved buffers. Reads have
/// the same bounds as the disk's (size, NUL bytes); a folder is any prefix
/// of a file's path.
#[derive(Debug, Default, Clone)]
pub struct MemFs {
    files: std::collections::BTreeMap<PathBuf, String>,
}

impl MemFs {
    pub fn new() -> Self {
        MemFs::default()
    }

    /// `files` as (path, text); relative paths are taken from `root`.
    pub fn with_files<P: AsRef<Path>, T: Into<String>>(
        root: &Path,
        files: impl IntoIterator<Item = (P, T)>,
    ) -> Self {
        let mut fs = MemFs::new();
        for (path, text) in files {
            fs.insert(root.join(path), text);
        }
        fs
    }

    /// Adds or replaces the file at `path` (normalized, as the loader asks).
    pub fn insert(&mut self, path: impl AsRef<Path>, text: impl Into<String>) {
        self.files.insert(normalize(path.as_ref()), text.into());
    }
}

impl Fs for MemFs {
    fn read_bytes(&self, path: &Path) -> Result<Vec<u8>, LoadError> {
        match self.files.get(&normalize(path)) {
            Some(text) if text.len() as u64 > MAX_FILE_SIZE => Err(LoadError::TooLarge {
                size: text.len() as u64,
            }),
            Some(text) => Ok(text.clone().into_bytes()),
            None if self.is_dir(path) => Err(LoadError::IsDirectory),
            None => Err(LoadError::NotFound),
        }
    }
    fn is_file(&self, path: &Path) -> bool {
        self.files.contains_key(&normalize(path))
    }
    fn is_dir(&self, path: &Path) -> bool {
        let dir = normalize(path);
        self.files.keys().any(|k| k != &dir && k.starts_with(&dir))
    }
}

/// Another file system with some files' text replaced or added: what the
/// passes of `check --fix` see before anything is written (and all
/// `--diff` ever sees).
#[derive(Clone)]
pub struct Overlay<'a> {
    base: &'a dyn Fs,
    files: std::collections::BTreeMap<PathBuf, String>,
}

impl<'a> Overlay<'a> {
    pub fn new(base: &'a dyn Fs) -> Self {
        Overlay {
            base,
            files: Default::default(),
        }
    }

    /// Replaces (or adds) the text of the file at `path`.
    pub fn insert(&mut self, path: &Path, text: String) {
        self.files.insert(normalize(path), text);
    }

    /// Drops the text given for `path`: the disk's is read again.
    pub fn remove(&mut self, path: &Path) {
        self.files.remove(&normalize(path));
    }

    /// The files only this overlay holds, which a walk of the disk does
    /// not find.
    pub fn created(&self) -> Vec<PathBuf> {
        self.files
            .keys()
            .filter(|p| !self.base.is_file(p))
            .cloned()
            .collect()
    }
}

impl Fs for Overlay<'_> {
    /// The text given for `path` within the bounds of a file read from the
    /// disk (an editor's buffer is no exception), else the base's.
    fn read_bytes(&self, path: &Path) -> Result<Vec<u8>, LoadError> {
        match self.files.get(&normalize(path)) {
            Some(text) if text.len() as u64 > MAX_FILE_SIZE => Err(LoadError::TooLarge {
                size: text.len() as u64,
            }),
            Some(text) => Ok(text.clone().into_bytes()),
            None => self.base.read_bytes(path),
        }
    }
    fn is_file(&self, path: &Path) -> bool {
        self.files.contains_key(&normalize(path)) || self.base.is_file(path)
    }
    fn is_dir(&self, path: &Path) -> bool {
        self.base.is_dir(path)
    }
    fn is_symlink(&self, path: &Path) -> bool {
        self.base.is_symlink(path)
    }
}

/// Read a file as text, within the bounds of [`read_bytes`].
pub fn read_text(path: &Path) -> Result<String, LoadError> {
    decode(read_bytes(path)?)
}

/// Read a file's bytes, within the bounds above. Only a regular file is
/// read: its type is checked (following symbolic links) before it is
/// opened, and it is opened non-blocking and checked again once open, so a
/// fifo, a socket or a device ([`LoadError::NotRegular`]) is never waited
/// on, even when swapped in between.
pub fn read_bytes(path: &Path) -> Result<Vec<u8>, LoadError> {
    read_bytes_within(path, MAX_FILE_SIZE)
}

/// [`read_bytes`] with another bound (a baseline of many findings).
pub fn read_bytes_within(path: &Path, limit: u64) -> Result<Vec<u8>, LoadError> {
    use std::io::Read;
    let meta = std::fs::metadata(path).map_err(io_error)?;
    regular(&meta, limit)?;
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY);
    }
    let file = options.open(path).map_err(io_error)?;
    let meta = file.metadata().map_err(io_error)?;
    regular(&meta, limit)?;
    let mut bytes = Vec::with_capacity(meta.len().min(limit) as usize);
    // `take` bounds files that grow.
    file.take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(io_error)?;
    if bytes.len() as u64 > limit {
        return Err(LoadError::TooLarge {
            size: bytes.len() as u64,
        });
    }
    Ok(bytes)
}

/// Whether a file's metadata is that of a regular file within the size
/// bound: else why it is not read.
fn regular(meta: &std::fs::Metadata, limit: u64) -> Result<(), LoadError> {
    let t = meta.file_type();
    if t.is_dir() {
        return Err(LoadError::IsDirectory);
    }
    if !t.is_file() {
        return Err(LoadError::NotRegular {
            what: file_type_name(t),
        });
    }
    if meta.len() > limit {
        return Err(LoadError::TooLarge { size: meta.len() });
    }
    Ok(())
}

/// What a file that is neither a regular file nor a folder is, in words.
fn file_type_name(t: std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() {
            return "a fifo";
        }
        if t.is_socket() {
            return "a socket";
        }
        if t.is_char_device() {
            return "a character device";
        }
        if t.is_block_device() {
            return "a block device";
        }
    }
    let _ = t;
    "a special file"
}

/// Bytes to text, refusing binary and non-UTF-8 content with a location.
pub fn decode(bytes: Vec<u8>) -> Result<String, LoadError> {
    let line_of = |bytes: &[u8], offset: usize| {
        bytes[..offset.min(bytes.len())]
            .iter()
            .filter(|b| **b == b'\n')
            .count()
            + 1
    };
    if let Some(offset) = bytes.iter().position(|b| *b == 0) {
        let line = line_of(&bytes, offset);
        return Err(LoadError::Binary { offset, line });
    }
    String::from_utf8(bytes).map_err(|e| {
        let offset = e.utf8_error().valid_up_to();
        let line = line_of(e.as_bytes(), offset);
        LoadError::NotUtf8 { offset, line }
    })
}

/// Where an env file read as Compose reads it was not clean text: the
/// first byte that is no part of valid UTF-8 or is NUL, as an offset into
/// the text read (where its U+FFFD, or the NUL, is).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lossy {
    pub offset: usize,
    /// `true`: a NUL byte (kept); else invalid UTF-8 (each byte one U+FFFD).
    pub nul: bool,
}

/// Bytes to text as Compose reads a `.env` or an env_file (Go strings hold
/// any bytes; its output writes each byte that is no part of valid UTF-8 as
/// U+FFFD, one per byte, and keeps NUL): never refused, with where the
/// first such byte is.
pub fn decode_env(bytes: Vec<u8>) -> (String, Option<Lossy>) {
    let first_nul = bytes.iter().position(|b| *b == 0);
    match String::from_utf8(bytes) {
        Ok(text) => {
            let lossy = first_nul.map(|offset| Lossy { offset, nul: true });
            (text, lossy)
        }
        Err(e) => {
            let bytes = e.into_bytes();
            let mut text = String::with_capacity(bytes.len() + 8);
            let mut first: Option<Lossy> = None;
            for chunk in bytes.utf8_chunks() {
                let valid = chunk.valid();
                if first.is_none() {
                    if let Some(i) = valid.find('\0') {
                        first = Some(Lossy {
                            offset: text.len() + i,
                            nul: true,
                        });
                    }
                }
                text.push_str(valid);
                if !chunk.invalid().is_empty() && first.is_none() {
                    first = Some(Lossy {
                        offset: text.len(),
                        nul: false,
                    });
                }
                for _ in chunk.invalid() {
                    text.push('\u{fffd}');
                }
            }
            (text, first)
        }
    }
}

fn io_error(e: std::io::Error) -> LoadError {
    match e.kind() {
        std::io::ErrorKind::NotFound => LoadError::NotFound,
        _ => LoadError::Io(e.to_string()),
    }
}

/// The kind of a file, from its path alone, as each file's own tool names
/// it:
/// - Dockerfile: `Dockerfile`, `Dockerfile.*`, `*.Dockerfile`,
///   `*.dockerfile`, `Containerfile*`; never a template (`Dockerfile.j2`,
///   `Dockerfile.template`) nor a file of another kind (`dockerfile.yaml`,
///   a workflow; `Dockerfile.md`, `Dockerfile.sh`);
/// - compose: `*compose*.y(a)ml` outside `.github/` (workflows);
///   [`is_default_compose_name`] says which are Compose's own names — the
///   others are compose files only when their content says so
///   ([`looks_like_compose`]);
/// - dotenv: `.env`, `.env.*`, `*.env`, and the templates `env.example`,
///   `env.sample`; never a patch, a backup or a file of another kind
///   (`.env.patch`, `.env.orig`, `.env.sh`, `.env.json`).
///
/// Nothing inside a template folder (cookiecutter's and copier's
/// `{{cookiecutter.project_slug}}/`) is configuration: every file there is
/// [`FileKind::Other`].
pub fn classify(path: &Path) -> FileKind {
    let name = match path.file_name().and_then(|n| n.to_str()) {
        Some(n) => n,
        None => return FileKind::Other,
    };
    if in_template_folder(path) {
        return FileKind::Other;
    }
    let lower = name.to_ascii_lowercase();
    if lower == ".dockerignore" || lower.ends_with(".dockerignore") {
        return FileKind::Dockerignore;
    }
    let extension = lower.rsplit_once('.').map(|(_, e)| e).unwrap_or_default();
    let dockerfile_name = lower == "dockerfile"
        || lower.starts_with("dockerfile.")
        || lower.ends_with(".dockerfile")
        || lower.starts_with("containerfile");
    if dockerfile_name {
        let other_kind = OTHER_KIND_EXTENSIONS.contains(&extension)
            || lower.ends_with(".yml")
            || lower.ends_with(".yaml");
        if other_kind || is_template_name(&lower) || NOT_CURRENT_EXTENSIONS.contains(&extension) {
            return FileKind::Other;
        }
        return FileKind::Dockerfile;
    }
    if is_compose_name(&lower) {
        let in_github = path
            .components()
            .any(|c| c.as_os_str().eq_ignore_ascii_case(".github"));
        // An example (`docker-compose.override.example.yml`) is a real
        // compose file to copy; a template to render is not.
        let rendered = lower
            .split(['.', '-', '_'])
            .any(|part| RENDERED_TEMPLATE_PARTS.contains(&part));
        // `rancher-compose.yml` is Rancher's own format (`scale:`,
        // `start_on_create:`), read by `rancher-compose`, never by Compose.
        let rancher = lower.starts_with("rancher-compose.");
        if in_github || rendered || rancher {
            return FileKind::Other;
        }
        return FileKind::Compose;
    }
    let dotenv_name = lower == ".env"
        || lower.starts_with(".env.")
        || lower.ends_with(".env")
        || matches!(
            lower.as_str(),
            "env.example" | "env.sample" | "env.template"
        );
    if dotenv_name {
        let other_kind = lower != ".env"
            && (OTHER_KIND_EXTENSIONS.contains(&extension)
                || NOT_CURRENT_EXTENSIONS.contains(&extension)
                || matches!(extension, "yml" | "yaml" | "toml" | "ini" | "conf" | "lock"));
        if other_kind {
            return FileKind::Other;
        }
        return FileKind::Dotenv;
    }
    if extension == "py" {
        return FileKind::Python;
    }
    if lower.ends_with(".pem")
        || lower.ends_with(".key")
        || matches!(
            lower.as_str(),
            "id_rsa" | "id_dsa" | "id_ecdsa" | "id_ed25519"
        )
    {
        return FileKind::Key;
    }
    FileKind::Other
}

/// Extensions of files of another kind that a name pattern above could
/// take for configuration: documentation, scripts, data, code.
const OTHER_KIND_EXTENSIONS: &[&str] = &[
    "md", "rst", "txt", "sh", "bash", "zsh", "ps1", "bat", "json", "py", "js", "mjs", "cjs", "ts",
    "go", "rb", "php", "java", "rs", "html", "xml", "csv", "png", "svg",
];

/// Extensions of files that are not the current configuration: patches,
/// merge leftovers, backups, editor swap files.
const NOT_CURRENT_EXTENSIONS: &[&str] = &[
    "patch", "diff", "orig", "rej", "bak", "backup", "old", "swp", "swo", "tmp",
    // The input of a generator (CMake's `configure_file`, autoconf,
    // envsubst): `Dockerfile.in` is rendered before Docker reads it.
    "in",
];

/// Name parts that mark a template: a file meant to be copied and filled
/// in (`.env.example`, `example.env`, `Dockerfile.template`,
/// `docker-compose.yml.j2`), not read as it is.
const TEMPLATE_PARTS: &[&str] = &[
    "example",
    "examples",
    "sample",
    "samples",
    "template",
    "templates",
    "tmpl",
    "tpl",
    "dist",
    "j2",
    "jinja",
    "jinja2",
    "erb",
    "mustache",
    "hbs",
];

/// Name parts of a template that a program renders (Jinja, ERB, Go
/// templates) rather than one a person copies.
const RENDERED_TEMPLATE_PARTS: &[&str] = &[
    "template",
    "templates",
    "tmpl",
    "tpl",
    "j2",
    "jinja",
    "jinja2",
    "erb",
    "mustache",
    "hbs",
];

/// Whether a file name (lowercase) names a template: one of its dot- or
/// dash-separated parts is a [`TEMPLATE_PARTS`] word (`.env.example`,
/// `.env.local.sample`, `example.env`, `Dockerfile.template`,
/// `Dockerfile-alpine.template`, `docker-compose.override.example.yml`).
pub fn is_template_name(lower: &str) -> bool {
    lower
        .split(['.', '-', '_'])
        .any(|part| TEMPLATE_PARTS.contains(&part))
}

/// Whether `path` lies inside a template folder: a folder whose name holds
/// a Jinja expression, as cookiecutter's `{{cookiecutter.project_slug}}`
/// and copier's `{{ project_name }}` do.
pub fn in_template_folder(path: &Path) -> bool {
    let Some(parent) = path.parent() else {
        return false;
    };
    parent.components().any(|c| {
        let s = c.as_os_str().to_string_lossy();
        s.contains("{{") || s.contains("{%")
    })
}

/// `compose.yaml`, `docker-compose.prod.yml`, `compose.override.yaml`, ... :
/// every `*compose*.y*ml`.
pub fn is_compose_name(lower: &str) -> bool {
    (lower.ends_with(".yml") || lower.ends_with(".yaml")) && lower.contains("compose")
}

/// Compose's own file names ([`DEFAULT_COMPOSE_FILES`],
/// [`DEFAULT_OVERRIDE_FILES`]): compose files whatever they hold.
pub fn is_default_compose_name(lower: &str) -> bool {
    DEFAULT_COMPOSE_FILES.contains(&lower) || DEFAULT_OVERRIDE_FILES.contains(&lower)
}

/// Whether a YAML text is a compose file: a top-level `services:` or
/// `include:` key (read from the text, so that a file with a YAML error is
/// still recognised). A `*compose*.yml` without one is something else: a
/// workflow that deploys with compose, a Rancher or Kubernetes file.
pub fn looks_like_compose(text: &str) -> bool {
    text.lines().any(|l| {
        let key = l.trim_end();
        ["services", "include"].iter().any(|k| {
            key.strip_prefix(k)
                .is_some_and(|rest| rest.trim_start().starts_with(':'))
        })
    })
}

/// Compose's default file names, in its order of preference (as the real
/// binary picks them: `docker-compose.yml` before `docker-compose.yaml`).
pub const DEFAULT_COMPOSE_FILES: [&str; 4] = [
    "compose.yaml",
    "compose.yml",
    "docker-compose.yml",
    "docker-compose.yaml",
];

/// Compose's default override file names, in its order of preference (as
/// the real binary picks them: `.yml` before `.yaml`).
pub const DEFAULT_OVERRIDE_FILES: [&str; 4] = [
    "compose.override.yml",
    "compose.override.yaml",
    "docker-compose.override.yml",
    "docker-compose.override.yaml",
];

/// Folders never entered: version control, dependencies, build output, virtualenvs.
const SKIPPED_DIRS: [&str; 12] = [
    ".git",
    ".hg",
    ".svn",
    "node_modules",
    "target",
    ".venv",
    "venv",
    "__pycache__",
    ".tox",
    ".mypy_cache",
    ".pytest_cache",
    "site-packages",
];

/// A Python module that may define the app's settings or read its
/// environment: `*settings*.py`, `*config*.py`/`*conf*.py`, a module of a
/// `settings`/`config` package, and the modules an app starts from
/// (`main.py`, `app.py`, `wsgi.py`, `asgi.py`, `manage.py`, `server.py`).
/// Not every module: a monorepo's thousands of modules are not read.
pub fn may_hold_settings(path: &Path) -> bool {
    let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
        return false;
    };
    let n = name.to_ascii_lowercase();
    let folder = path
        .parent()
        .and_then(|p| p.file_name())
        .map(|f| f.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    n.contains("settings")
        || n.contains("conf")
        || folder == "settings"
        || folder == "config"
        || matches!(
            n.as_str(),
            "main.py" | "app.py" | "wsgi.py" | "asgi.py" | "manage.py" | "server.py"
        )
}

/// A file found by [`discover`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    pub path: PathBuf,
    pub kind: FileKind,
}

/// A problem met while walking (a symlink loop, an unreadable folder).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WalkError {
    pub path: PathBuf,
    pub message: String,
}

/// Every compose file, Dockerfile, `.env` file, `.dockerignore`, file named
/// like a private key and Python file that may hold settings
/// (`*settings*.py`, `*config*.py`) under
/// `root` (or `root` itself when it is a file), sorted by path.
/// `exclude`: what not to enter (or read), as absolute paths match it.
/// Whether discovery keeps a file of `kind` at `path`.
fn kept(kind: FileKind, path: &Path) -> bool {
    match kind {
        FileKind::Python => may_hold_settings(path),
        FileKind::Compose
        | FileKind::Dockerfile
        | FileKind::Dotenv
        | FileKind::Dockerignore
        | FileKind::Key => true,
        _ => false,
    }
}

/// What [`discover`] run on the folder `root` would find at `path`, a file
/// that is not on the disk (an editor's unsaved new file): its kind, if a
/// walk would keep it — under `root`, not in a skipped, template or
/// excluded folder, of a kind discovery keeps.
pub fn discovered_at(root: &Path, path: &Path, exclude: &PathPatterns) -> Option<FileKind> {
    let root = normalize(root);
    let path = normalize(path);
    let inside = path.strip_prefix(&root).ok()?;
    let mut folder = root.clone();
    let parts: Vec<_> = inside.components().collect();
    for part in parts.iter().take(parts.len().saturating_sub(1)) {
        folder.push(part);
        let skipped = part
            .as_os_str()
            .to_str()
            .is_some_and(|n| SKIPPED_DIRS.contains(&n) || n.contains("{{") || n.contains("{%"));
        if skipped || is_virtualenv(&folder) || exclude.matches(&folder, true) {
            return None;
        }
    }
    if !exclude.is_empty() && exclude.matches(&path, false) {
        return None;
    }
    let kind = classify(&path);
    kept(kind, &path).then_some(kind)
}

pub fn discover(root: &Path, exclude: &PathPatterns) -> (Vec<Found>, Vec<WalkError>) {
    let mut found = Vec::new();
    let mut errors = Vec::new();
    if root.is_file() {
        found.push(Found {
            path: root.to_path_buf(),
            kind: classify(root),
        });
        return (found, errors);
    }
    // A link to a folder is entered only when the folder is inside the
    // root: a committed `r -> /` must not walk the machine.
    let real_root = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
    let outside = std::cell::RefCell::new(Vec::new());
    let walker = walkdir::WalkDir::new(root)
        .follow_links(true)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| {
            if e.depth() == 0 {
                return true;
            }
            if e.path_is_symlink() && e.file_type().is_dir() {
                let target = e.path().canonicalize();
                if !target.as_ref().is_ok_and(|t| t.starts_with(&real_root)) {
                    let shown = target
                        .map(|t| t.display().to_string())
                        .unwrap_or_else(|e| e.to_string());
                    outside.borrow_mut().push(WalkError {
                        path: e.path().to_path_buf(),
                        message: format!(
                            "a link to a folder outside the linted folder ({shown}); not entered"
                        ),
                    });
                    return false;
                }
            }
            let skip_dir = e.file_type().is_dir()
                && e.file_name().to_str().is_some_and(|n| {
                    SKIPPED_DIRS.contains(&n)
                        || n.contains("{{")
                        || n.contains("{%")
                        || is_virtualenv(e.path())
                });
            let excluded = !exclude.is_empty()
                && exclude.matches(&normalize(e.path()), e.file_type().is_dir());
            !skip_dir && !excluded
        });
    for entry in walker {
        match entry {
            Ok(e) => {
                // A fifo, a socket or a device under a configuration name
                // is kept, so that reading it says what it is (it is never
                // opened); other special files are nobody's business.
                let special = !e.file_type().is_file() && !e.file_type().is_dir();
                if !e.file_type().is_file() && !special {
                    continue;
                }
                let kind = classify(e.path());
                if special && matches!(kind, FileKind::Python | FileKind::Other) {
                    continue;
                }
                if kept(kind, e.path()) {
                    found.push(Found {
                        path: e.path().to_path_buf(),
                        kind,
                    });
                }
            }
            Err(e) => {
                let path = e.path().map(Path::to_path_buf).unwrap_or_default();
                // A symlink to nothing (a `.env -> app.conf` that an install
                // script creates): as if the file were not there yet.
                let dangling = e.io_error().map(std::io::Error::kind)
                    == Some(std::io::ErrorKind::NotFound)
                    && path
                        .symlink_metadata()
                        .is_ok_and(|m| m.file_type().is_symlink());
                if dangling {
                    continue;
                }
                let message = if e.loop_ancestor().is_some() {
                    "symlink loop: this folder links to one of its parents; not entered".to_string()
                } else {
                    e.to_string()
                };
                errors.push(WalkError { path, message });
            }
        }
    }
    errors.extend(outside.into_inner());
    errors.sort_by(|a, b| a.path.cmp(&b.path));
    (found, errors)
}

/// The target of a symbolic link checked out as a plain file (git with
/// `core.symlinks=false`, some archives): a text of one line, without a
/// line break, that is a relative path (`docker/Dockerfile.debian`,
/// `mailcow.conf`). No configuration file looks like that.
pub fn symlink_stand_in(text: &str) -> Option<&str> {
    let plausible = !text.is_empty()
        && text.len() <= 255
        && !text.starts_with('/')
        && (text.contains('/') || text.contains('.'))
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-' | b'/'));
    plausible.then_some(text)
}

/// Whether `path` is a symbolic link, a real one or one checked out as a
/// plain file ([`symlink_stand_in`]), whether its target exists or not.
pub fn is_link(fs: &dyn Fs, path: &Path) -> bool {
    fs.is_symlink(path)
        || fs
            .read_text(path)
            .is_ok_and(|t| symlink_stand_in(&t).is_some())
}

/// Reads `path` as [`Fs::read_text`] does (an env file, `kind`
/// [`FileKind::Dotenv`], as [`decode_env`] does), following a symbolic link
/// checked out as a plain file ([`symlink_stand_in`]) as the real link would
/// be followed: to its target's text, or "not found" when the target does
/// not exist (a link that an install script completes).
pub fn read_text_following(
    fs: &dyn Fs,
    path: &Path,
    kind: FileKind,
) -> Result<(String, Option<Lossy>), LoadError> {
    let mut current = path.to_path_buf();
    // As many hops as a kernel follows before ELOOP.
    for _ in 0..40 {
        let bytes = fs.read_bytes(&current)?;
        // An env file is read whatever its bytes, as Compose reads it.
        let (text, lossy) = match kind {
            FileKind::Dotenv => decode_env(bytes),
            _ => (decode(bytes)?, None),
        };
        let Some(target) = symlink_stand_in(&text) else {
            return Ok((text, lossy));
        };
        let next = normalize(&current.parent().unwrap_or(Path::new("")).join(target));
        if !fs.is_file(&next) {
            return Err(LoadError::NotFound);
        }
        current = next;
    }
    Err(LoadError::Io("too many levels of symbolic links".into()))
}

fn is_virtualenv(dir: &Path) -> bool {
    dir.join("pyvenv.cfg").is_file()
}

/// A path as the user would type it from `cwd`: relative when under it.
pub fn display_path(path: &Path, cwd: &Path) -> String {
    let shown = match path.strip_prefix(cwd) {
        Ok(rel) if !rel.as_os_str().is_empty() => rel.to_path_buf(),
        Ok(_) => PathBuf::from("."),
        Err(_) => path.to_path_buf(),
    };
    let s = shown.to_string_lossy().into_owned();
    s.strip_prefix("./").map(str::to_string).unwrap_or(s)
}

/// `path` from the folder `base` (both absolute and normalized), with
/// `/` between components: `a/b` from `/x` for `/x/a/b`, `../y/f` from
/// `/x/z` for `/x/y/f`.
pub fn relative_to(base: &Path, path: &Path) -> String {
    let b: Vec<_> = base.components().collect();
    let p: Vec<_> = path.components().collect();
    let common = b.iter().zip(&p).take_while(|(x, y)| x == y).count();
    let mut parts: Vec<String> = vec!["..".to_string(); b.len() - common];
    parts.extend(
        p[common..]
            .iter()
            .map(|c| c.as_os_str().to_string_lossy().into_owned()),
    );
    parts.join("/")
}

/// `a/./b/../c` → `a/c`, without touching the disk.
pub fn normalize(path: &Path) -> PathBuf {
    use std::path::Component;
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_not_on_disk_is_found_where_a_walk_would_find_it() {
        let root = Path::new("/nowhere/p");
        let none = PathPatterns::default();
        let at = |p: &str| discovered_at(root, &root.join(p), &none);
        assert_eq!(at("extra/compose.yaml"), Some(FileKind::Compose));
        assert_eq!(at("svc/Dockerfile.prod"), Some(FileKind::Dockerfile));
        assert_eq!(at("app/settings.py"), Some(FileKind::Python));
        assert_eq!(at("README.md"), None);
        assert_eq!(at("node_modules/x/compose.yaml"), None);
        assert_eq!(at("{{cookiecutter.slug}}/compose.yaml"), None);
        assert_eq!(
            discovered_at(root, Path::new("/elsewhere/compose.yaml"), &none),
            None
        );
        let exclude = PathPatterns::new(root, &["vendor/".to_string()]);
        assert_eq!(
            discovered_at(root, &root.join("vendor/compose.yaml"), &exclude),
            None
        );
        assert_eq!(
            discovered_at(root, &root.join("compose.yaml"), &exclude),
            Some(FileKind::Compose)
        );
    }

    #[test]
    fn an_overlay_text_is_bounded_as_a_file_is() {
        let base = MemFs::new();
        let mut o = Overlay::new(&base);
        let big = "A=1\n".repeat(MAX_FILE_SIZE as usize / 4 + 1);
        o.insert(Path::new("/p/.env"), big);
        o.insert(Path::new("/p/small.env"), "A=1\n".into());
        assert!(matches!(
            o.read_bytes(Path::new("/p/.env")),
            Err(LoadError::TooLarge { .. })
        ));
        assert_eq!(o.read_bytes(Path::new("/p/small.env")).unwrap(), b"A=1\n");
    }

    #[test]
    fn paths_relative_to_a_folder() {
        let r = |b: &str, p: &str| relative_to(Path::new(b), Path::new(p));
        assert_eq!(r("/x", "/x/a/b"), "a/b");
        assert_eq!(r("/x/z", "/x/y/f"), "../y/f");
        assert_eq!(r("/x", "/x"), "");
        assert_eq!(r("/", "/a"), "a");
    }

    #[test]
    fn classifies_by_name() {
        let k = |s: &str| classify(Path::new(s));
        assert_eq!(k("docker-compose.prod.yml"), FileKind::Compose);
        assert_eq!(k("compose.yaml"), FileKind::Compose);
        assert_eq!(k("Dockerfile"), FileKind::Dockerfile);
        assert_eq!(k("Dockerfile.prod"), FileKind::Dockerfile);
        assert_eq!(k("api.Dockerfile"), FileKind::Dockerfile);
        assert_eq!(k(".env"), FileKind::Dotenv);
        assert_eq!(k(".env.production"), FileKind::Dotenv);
        assert_eq!(k("prod.env"), FileKind::Dotenv);
        assert_eq!(k(".dockerignore"), FileKind::Dockerignore);
        assert_eq!(k("main.py"), FileKind::Python);
        assert_eq!(k("README.md"), FileKind::Other);
        assert_eq!(k("id_rsa"), FileKind::Key);
        assert_eq!(k("id_rsa.pub"), FileKind::Other);
        assert_eq!(k("server.pem"), FileKind::Key);
        // Each kind as its tool names it, and nothing else.
        assert_eq!(k("Containerfile"), FileKind::Dockerfile);
        assert_eq!(k("Containerfile.dev"), FileKind::Dockerfile);
        assert_eq!(k("app.dockerfile"), FileKind::Dockerfile);
        for other in [
            ".github/workflows/dockerfile.yaml",
            "Dockerfile.yml",
            "Dockerfile.md",
            "dockerfile.sh",
            "Dockerfile.json",
            "Dockerfile.template",
            "Dockerfile.j2",
            "Dockerfile.orig",
            "Dockerfile.in",
            "docker-compose.yml.in",
            ".github/workflows/deploy-docker-compose.yml",
            "docker-compose.yml.j2",
            "docker-compose.template.yml",
            ".env.patch",
            ".env.diff",
            ".env.orig",
            ".env.rej",
            ".env.bak",
            ".env.md",
            ".env.sh",
            ".env.json",
            ".env.yml",
            ".env.py",
            "{{cookiecutter.project_slug}}/Dockerfile",
            "{{cookiecutter.project_slug}}/compose/.env",
            "{{ project_name }}/docker-compose.yml",
        ] {
            assert_eq!(k(other), FileKind::Other, "{other}");
        }
        // Templates of `.env` are dotenv files (syntax only), and an
        // example compose override is a compose file.
        for dotenv in [
            ".env.example",
            "example.env",
            "env.example",
            ".env.dist",
            ".env.local",
        ] {
            assert_eq!(k(dotenv), FileKind::Dotenv, "{dotenv}");
        }
        assert_eq!(k("docker-compose.override.example.yml"), FileKind::Compose);
        assert_eq!(k("rancher-compose.yml"), FileKind::Other);
    }

    #[test]
    fn template_names() {
        for t in [
            ".env.example",
            ".env.local.sample",
            "example.env",
            "env.example",
            ".env.dist",
            ".env.template",
            "dockerfile-alpine.template",
        ] {
            assert!(is_template_name(t), "{t}");
        }
        for t in [
            ".env",
            ".env.production",
            "prod.env",
            ".env.test",
            "dockerfile",
        ] {
            assert!(!is_template_name(t), "{t}");
        }
    }

    #[test]
    fn compose_content() {
        assert!(looks_like_compose("services:\n  a: {}\n"));
        assert!(looks_like_compose("# x\nversion: '3'\nservices :\n"));
        assert!(looks_like_compose("include:\n  - a.yml\n"));
        assert!(!looks_like_compose("jobs:\n  services:\n    x: 1\n"));
        assert!(!looks_like_compose("on: push\n# services:\n"));
    }

    #[test]
    fn symlink_stand_ins() {
        assert_eq!(
            symlink_stand_in("docker/Dockerfile.debian"),
            Some("docker/Dockerfile.debian")
        );
        assert_eq!(symlink_stand_in("mailcow.conf"), Some("mailcow.conf"));
        for text in [
            "FROM x",
            "A=1",
            "mailcow.conf\n",
            "/etc/passwd",
            "",
            "README",
        ] {
            assert_eq!(symlink_stand_in(text), None, "{text}");
        }
    }

    /// An env file is read as Compose reads it: each byte that is no part
    /// of valid UTF-8 one U+FFFD (a truncated sequence too, as Go decodes
    /// it), NUL kept; where the first such byte is.
    #[test]
    fn decode_env_reads_what_compose_reads() {
        assert_eq!(decode_env(b"A=1\n".to_vec()), ("A=1\n".to_string(), None));
        let (text, lossy) = decode_env(b"A=caf\xe9\nE=\xff\xfeok\nF=\xe2\x82x\n".to_vec());
        assert_eq!(
            text,
            "A=caf\u{fffd}\nE=\u{fffd}\u{fffd}ok\nF=\u{fffd}\u{fffd}x\n"
        );
        assert_eq!(
            lossy,
            Some(Lossy {
                offset: 5,
                nul: false
            })
        );
        let (text, lossy) = decode_env(b"B=x\0y\n".to_vec());
        assert_eq!(text, "B=x\0y\n");
        assert_eq!(
            lossy,
            Some(Lossy {
                offset: 3,
                nul: true
            })
        );
        // The first of the two, whichever it is.
        let (_, lossy) = decode_env(b"B=\0\nA=\xe9\n".to_vec());
        assert_eq!(
            lossy,
            Some(Lossy {
                offset: 2,
                nul: true
            })
        );
        let (_, lossy) = decode_env(b"A=\xe9\nB=\0\n".to_vec());
        assert_eq!(
            lossy,
            Some(Lossy {
                offset: 2,
                nul: false
            })
        );
    }

    #[test]
    fn decode_locates_binary_and_bad_utf8() {
        assert_eq!(
            decode(b"a\nb\0".to_vec()),
            Err(LoadError::Binary { offset: 3, line: 2 })
        );
        assert_eq!(
            decode(b"a\n\nb\xff".to_vec()),
            Err(LoadError::NotUtf8 { offset: 4, line: 3 })
        );
        assert_eq!(decode("é".as_bytes().to_vec()), Ok("é".to_string()));
    }

    /// Only regular files are read: a fifo (which would block until a
    /// writer comes) and a device are refused without being opened.
    #[cfg(unix)]
    #[test]
    fn special_files_are_refused_before_they_are_opened() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("fifo");
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .is_ok_and(|s| s.success());
        if made {
            assert_eq!(
                read_text(&fifo),
                Err(LoadError::NotRegular { what: "a fifo" })
            );
            // Through a link, too.
            let link = dir.path().join(".env");
            std::os::unix::fs::symlink(&fifo, &link).unwrap();
            assert_eq!(
                read_text(&link),
                Err(LoadError::NotRegular { what: "a fifo" })
            );
        }
        assert_eq!(
            read_text(Path::new("/dev/null")),
            Err(LoadError::NotRegular {
                what: "a character device"
            })
        );
        assert_eq!(read_text(dir.path()), Err(LoadError::IsDirectory));
        assert_eq!(
            LoadError::NotRegular { what: "a fifo" }.to_string(),
            "not a regular file (a fifo); not read"
        );
    }

    #[test]
    fn display_paths_are_relative_under_cwd() {
        let cwd = Path::new("/work/p");
        assert_eq!(display_path(Path::new("/work/p/a/.env"), cwd), "a/.env");
        assert_eq!(display_path(Path::new("/etc/x"), cwd), "/etc/x");
        assert_eq!(normalize(Path::new("a/./b/../c")), PathBuf::from("a/c"));
    }

    #[test]
    fn memory_files_read_like_disk_files() {
        let fs = MemFs::with_files(
            Path::new("/p"),
            [("compose.yaml", "services: {}\n"), ("sub/.env", "A=1\0")],
        );
        assert_eq!(
            fs.read_text(Path::new("/p/./compose.yaml")).as_deref(),
            Ok("services: {}\n")
        );
        assert!(fs.is_file(Path::new("/p/sub/../compose.yaml")));
        assert!(fs.is_dir(Path::new("/p/sub")) && !fs.is_dir(Path::new("/p/compose.yaml")));
        assert_eq!(
            fs.read_text(Path::new("/p/sub")),
            Err(LoadError::IsDirectory)
        );
        assert_eq!(fs.read_text(Path::new("/p/x")), Err(LoadError::NotFound));
        // The disk's bounds: a NUL byte is a binary file.
        assert_eq!(
            fs.read_text(Path::new("/p/sub/.env")),
            Err(LoadError::Binary { offset: 3, line: 1 })
        );
    }
}
