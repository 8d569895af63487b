//! The only module that touches the disk: bounded reads and discovery.
//!
//! Reads are bounded (size, binary content, UTF-8) so that any file in a
//! repository gives either text or a clear [`LoadError`]; discovery never
//! follows symlinked directories into loops.

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
            LoadError::Io(e) => write!(f, "{e}"),
        }
    }
}

/// Where the model reads files from: the disk, or memory in tests.
pub trait Fs: Sync {
    fn read_text(&self, path: &Path) -> Result<String, LoadError>;
    fn is_file(&self, path: &Path) -> bool;
    fn is_dir(&self, path: &Path) -> bool;
}

/// The real file system.
#[derive(Debug, Default, Clone, Copy)]
pub struct DiskFs;

impl Fs for DiskFs {
    fn read_text(&self, path: &Path) -> Result<String, LoadError> {
        read_text(path)
    }
    fn is_file(&self, path: &Path) -> bool {
        path.is_file()
    }
    fn is_dir(&self, path: &Path) -> bool {
        path.is_dir()
    }
}

/// Read a file as text, within the bounds above.
pub fn read_text(path: &Path) -> Result<String, LoadError> {
    use std::io::Read;
    let meta = std::fs::metadata(path).map_err(io_error)?;
    if meta.is_dir() {
        return Err(LoadError::IsDirectory);
    }
    if meta.len() > MAX_FILE_SIZE {
        return Err(LoadError::TooLarge { size: meta.len() });
    }
    let file = std::fs::File::open(path).map_err(io_error)?;
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    // `take` bounds files that grow (or lie about their size, like /dev/zero).
    file.take(MAX_FILE_SIZE + 1)
        .read_to_end(&mut bytes)
        .map_err(io_error)?;
    if bytes.len() as u64 > MAX_FILE_SIZE {
        return Err(LoadError::TooLarge {
            size: bytes.len() as u64,
        });
    }
    decode(bytes)
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

fn io_error(e: std::io::Error) -> LoadError {
    match e.kind() {
        std::io::ErrorKind::NotFound => LoadError::NotFound,
        _ => LoadError::Io(e.to_string()),
    }
}

/// The kind of a file, from its name alone.
pub fn classify(path: &Path) -> FileKind {
    let name = match path.file_name().and_then(|n| n.to_str()) {
        Some(n) => n,
        None => return FileKind::Other,
    };
    let lower = name.to_ascii_lowercase();
    if lower == ".dockerignore" || lower.ends_with(".dockerignore") {
        return FileKind::Dockerignore;
    }
    if lower == "dockerfile"
        || lower.starts_with("dockerfile.")
        || lower.ends_with(".dockerfile")
        || lower.starts_with("containerfile")
    {
        return FileKind::Dockerfile;
    }
    if is_compose_name(&lower) {
        return FileKind::Compose;
    }
    if lower == ".env"
        || (lower.starts_with(".env.") && !lower.ends_with(".py") && !lower.ends_with(".sh"))
        || lower.ends_with(".env")
    {
        return FileKind::Dotenv;
    }
    if lower.ends_with(".py") {
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

/// `compose.yaml`, `docker-compose.prod.yml`, `compose.override.yaml`, ... :
/// every `*compose*.y*ml`.
pub fn is_compose_name(lower: &str) -> bool {
    (lower.ends_with(".yml") || lower.ends_with(".yaml")) && lower.contains("compose")
}

/// Compose's default file names, in its order of preference.
pub const DEFAULT_COMPOSE_FILES: [&str; 4] = [
    "compose.yaml",
    "compose.yml",
    "docker-compose.yaml",
    "docker-compose.yml",
];

/// Compose's default override file names, in its order of preference.
pub const DEFAULT_OVERRIDE_FILES: [&str; 4] = [
    "compose.override.yaml",
    "compose.override.yml",
    "docker-compose.override.yaml",
    "docker-compose.override.yml",
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
/// `exclude` holds path prefixes (relative to `root`) to skip.
pub fn discover(root: &Path, exclude: &[PathBuf]) -> (Vec<Found>, Vec<WalkError>) {
    let mut found = Vec::new();
    let mut errors = Vec::new();
    if root.is_file() {
        found.push(Found {
            path: root.to_path_buf(),
            kind: classify(root),
        });
        return (found, errors);
    }
    let walker = walkdir::WalkDir::new(root)
        .follow_links(true)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| {
            if e.depth() == 0 {
                return true;
            }
            let skip_dir = e.file_type().is_dir()
                && e.file_name()
                    .to_str()
                    .is_some_and(|n| SKIPPED_DIRS.contains(&n) || is_virtualenv(e.path()));
            let excluded = e
                .path()
                .strip_prefix(root)
                .is_ok_and(|rel| exclude.iter().any(|x| rel.starts_with(x)));
            !skip_dir && !excluded
        });
    for entry in walker {
        match entry {
            Ok(e) => {
                if !e.file_type().is_file() {
                    continue;
                }
                let kind = classify(e.path());
                let settings_py = kind == FileKind::Python
                    && e.file_name().to_str().is_some_and(|n| {
                        let n = n.to_ascii_lowercase();
                        n.contains("settings") || n.contains("config")
                    });
                if settings_py
                    || matches!(
                        kind,
                        FileKind::Compose
                            | FileKind::Dockerfile
                            | FileKind::Dotenv
                            | FileKind::Dockerignore
                            | FileKind::Key
                    )
                {
                    found.push(Found {
                        path: e.path().to_path_buf(),
                        kind,
                    });
                }
            }
            Err(e) => {
                let path = e.path().map(Path::to_path_buf).unwrap_or_default();
                let message = if e.loop_ancestor().is_some() {
                    "symlink loop: this folder links to one of its parents; not entered".to_string()
                } else {
                    e.to_string()
                };
                errors.push(WalkError { path, message });
            }
        }
    }
    (found, errors)
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

    #[test]
    fn display_paths_are_relative_under_cwd() {
        let cwd = Path::new("/work/p");
        assert_eq!(display_path(Path::new("/work/p/a/.env"), cwd), "a/.env");
        assert_eq!(display_path(Path::new("/etc/x"), cwd), "/etc/x");
        assert_eq!(normalize(Path::new("a/./b/../c")), PathBuf::from("a/c"));
    }
}
