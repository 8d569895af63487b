//! Path patterns as `.gitignore` writes them, for the configuration's
//! `exclude` and `per-file-ignores`, relative to the configuration's folder:
//!
//! - `legacy`, `*.env`: no `/` but a trailing one: a name at any depth;
//! - `docker/dev/*`, `/build`, `src/**/fixtures`: with a `/`, from the
//!   folder the patterns are relative to; `**` is any number of folders;
//! - a trailing `/` (`legacy/`): folders only;
//! - in a name: `*` any characters, `?` one, `[a-z]` / `[!a-z]` a class.
//!
//! A path matches when it, or a folder above it, matches.

use std::path::{Component, Path, PathBuf};

/// One pattern, parsed.
#[derive(Debug, Clone)]
struct Pattern {
    /// Its names, `**` among them.
    parts: Vec<String>,
    /// Matched against a name at any depth (no `/` in it).
    anywhere: bool,
    /// Folders only (a trailing `/`).
    dir_only: bool,
}

/// Patterns relative to a folder.
#[derive(Debug, Clone, Default)]
pub struct PathPatterns {
    base: PathBuf,
    patterns: Vec<Pattern>,
}

impl PathPatterns {
    /// `patterns` relative to `base` (absolute, normalized).
    pub fn new(base: &Path, patterns: &[String]) -> Self {
        let patterns = patterns
            .iter()
            .filter_map(|p| {
                let p = p.trim().replace('\\', "/");
                let p = p.strip_prefix("./").unwrap_or(&p);
                let dir_only = p.ends_with('/');
                let p = p.trim_end_matches('/');
                let anchored = p.starts_with('/');
                let p = p.trim_start_matches('/');
                if p.is_empty() {
                    return None;
                }
                let parts: Vec<String> = p
                    .split('/')
                    .filter(|s| !s.is_empty() && *s != ".")
                    .map(str::to_string)
                    .collect();
                Some(Pattern {
                    anywhere: !anchored && parts.len() == 1,
                    parts,
                    dir_only,
                })
            })
            .collect();
        PathPatterns {
            base: base.to_path_buf(),
            patterns,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.patterns.is_empty()
    }

    /// Whether `path` (absolute, normalized; a folder when `is_dir`) or a
    /// folder above it (below the base) matches a pattern.
    pub fn matches(&self, path: &Path, is_dir: bool) -> bool {
        if self.patterns.is_empty() {
            return false;
        }
        let Ok(rel) = path.strip_prefix(&self.base) else {
            return false;
        };
        let names: Vec<String> = rel
            .components()
            .filter_map(|c| match c {
                Component::Normal(n) => Some(n.to_string_lossy().into_owned()),
                _ => None,
            })
            .collect();
        (1..=names.len()).any(|k| {
            let folder = k < names.len() || is_dir;
            self.patterns
                .iter()
                .any(|p| (folder || !p.dir_only) && p.matches(&names[..k]))
        })
    }
}

impl Pattern {
    /// Whether the path of `names` (from the base) is this pattern's.
    fn matches(&self, names: &[String]) -> bool {
        if self.anywhere {
            return names
                .last()
                .is_some_and(|n| name_matches(&self.parts[0], n));
        }
        parts_match(&self.parts, names)
    }
}

/// `**` as any number of names; each other part one name. Iterative over
/// the pattern's `**` (the last one tried first backtracks), no recursion.
fn parts_match(parts: &[String], names: &[String]) -> bool {
    let (mut pi, mut ni) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ni < names.len() {
        if pi < parts.len() && parts[pi] == "**" {
            star = Some((pi, ni));
            pi += 1;
        } else if pi < parts.len() && name_matches(&parts[pi], &names[ni]) {
            pi += 1;
            ni += 1;
        } else if let Some((sp, sn)) = star {
            // The `**` takes one more name.
            pi = sp + 1;
            ni = sn + 1;
            star = Some((sp, sn + 1));
        } else {
            return false;
        }
    }
    parts[pi..].iter().all(|p| p == "**")
}

/// One name against one part of a pattern: `*`, `?`, `[…]`.
fn name_matches(pattern: &str, name: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let n: Vec<char> = name.chars().collect();
    let (mut pi, mut ni) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ni < n.len() {
        let step = match p.get(pi) {
            Some('*') => {
                star = Some((pi, ni));
                pi += 1;
                continue;
            }
            Some('?') => Some(pi + 1),
            Some('[') => class(&p, pi, n[ni]),
            Some(c) if *c == n[ni] => Some(pi + 1),
            _ => None,
        };
        match (step, star) {
            (Some(next), _) => {
                pi = next;
                ni += 1;
            }
            (None, Some((sp, sn))) => {
                pi = sp + 1;
                ni = sn + 1;
                star = Some((sp, sn + 1));
            }
            (None, None) => return false,
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

/// The class at `p[at]` (`[` … `]`) against `c`: where the pattern goes on
/// when it matches. An unclosed `[` is a plain character.
fn class(p: &[char], at: usize, c: char) -> Option<usize> {
    let mut i = at + 1;
    let negated = matches!(p.get(i), Some('!' | '^'));
    if negated {
        i += 1;
    }
    let start = i;
    let mut hit = false;
    while i < p.len() && (p[i] != ']' || i == start) {
        if p.get(i + 1) == Some(&'-') && p.get(i + 2).is_some_and(|e| *e != ']') {
            hit |= p[i] <= c && c <= p[i + 2];
            i += 3;
        } else {
            hit |= p[i] == c;
            i += 1;
        }
    }
    if i >= p.len() {
        // Not a class: a literal `[`.
        return (c == '[').then_some(at + 1);
    }
    (hit != negated).then_some(i + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(patterns: &[&str], path: &str, is_dir: bool) -> bool {
        let p: Vec<String> = patterns.iter().map(|s| s.to_string()).collect();
        PathPatterns::new(Path::new("/r"), &p).matches(&Path::new("/r").join(path), is_dir)
    }

    #[test]
    fn patterns_as_gitignore_writes_them() {
        // A name at any depth; a folder matches what is under it.
        assert!(m(&["legacy"], "legacy", true));
        assert!(m(&["legacy"], "a/legacy/compose.yaml", false));
        assert!(m(&["legacy/"], "a/legacy/compose.yaml", false));
        assert!(!m(&["legacy/"], "a/legacy", false));
        assert!(!m(&["legacy"], "legacy-2/x", false));
        assert!(m(&["*.env"], "deploy/prod.env", false));
        // With a slash: from the base.
        assert!(m(&["docker/dev/*"], "docker/dev/Dockerfile", false));
        assert!(!m(&["docker/dev/*"], "x/docker/dev/Dockerfile", false));
        assert!(m(&["/build"], "build/x", false));
        assert!(!m(&["/build"], "a/build/x", false));
        // `**`: any number of folders, none too.
        assert!(m(&["**/legacy/"], "legacy/a", false));
        assert!(m(&["**/legacy/"], "a/b/legacy/c", false));
        assert!(m(&["src/**/fixtures"], "src/fixtures/x", false));
        assert!(m(&["src/**/fixtures"], "src/a/b/fixtures", true));
        assert!(!m(&["src/**/fixtures"], "lib/a/fixtures", true));
        assert!(m(&["docs/**"], "docs/a/b.yaml", false));
        // Names: `?`, classes, `./`.
        assert!(m(&["compose.?ml"], "compose.yml", false));
        assert!(m(&["Dockerfile.[a-c]*"], "Dockerfile.base", false));
        assert!(!m(&["Dockerfile.[!a-c]*"], "Dockerfile.base", false));
        assert!(m(&["./legacy"], "legacy/x", false));
        assert!(m(&["a[b"], "a[b", false));
        // Outside the base: never.
        let p = PathPatterns::new(Path::new("/r"), &["*".to_string()]);
        assert!(!p.matches(Path::new("/elsewhere/x"), false));
    }

    #[test]
    fn many_stars_stay_fast() {
        let pattern = format!("{}b", "*a".repeat(50));
        let name = "a".repeat(5_000);
        assert!(!name_matches(&pattern, &name));
        let parts: Vec<String> = std::iter::repeat_n("**".to_string(), 50)
            .chain(["x".to_string()])
            .collect();
        let names: Vec<String> = std::iter::repeat_n("a".to_string(), 2_000).collect();
        assert!(!parts_match(&parts, &names));
    }
}
