//! `.dockerignore` files, read and matched the way BuildKit does
//! (moby's `patternmatcher`): which files of a build context are sent to the
//! builder, and so which files a `COPY . .` can put into an image.
//!
//! - one pattern a line; a line starting with `#` is a comment; blank
//!   lines are skipped; surrounding whitespace is trimmed;
//! - `!pattern` re-includes what an earlier pattern excluded;
//! - patterns are relative to the context root (a leading `/` is dropped)
//!   and cleaned like Go's `filepath.Clean` (`./a/` is `a`);
//! - `*` matches any run of characters except `/`, `?` one character except
//!   `/`, `[a-z]` / `[^a-z]` a class, `\x` the character `x`; `**` matches
//!   any number of folders (`**/x`, `a/**/x`, `a/**`);
//! - a pattern matching a folder matches everything under it;
//! - the last pattern that matches a path decides.
//!
//! Note that, unlike `.gitignore`, a pattern without a slash is not matched
//! in every folder: `.env` excludes the context's `.env`, not `app/.env`.

use crate::source::TextRange;

/// A parsed `.dockerignore`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DockerIgnore {
    pub patterns: Vec<IgnorePattern>,
}

/// One line of a `.dockerignore`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IgnorePattern {
    /// The pattern after cleaning (no `!`, no leading `/`).
    pub pattern: String,
    /// `!pattern`: re-include.
    pub exception: bool,
    /// The line as written, surrounding blanks excluded.
    pub range: TextRange,
    tokens: Vec<Token>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Char(char),
    /// `*`: any run of characters but `/`.
    Star,
    /// `?`: one character but `/`.
    Any,
    /// `**/` (or `**` before more pattern): nothing, or anything ending in `/`.
    Folders,
    /// `**` at the end: anything.
    Rest,
    /// `[...]`: (negated, ranges).
    Class(bool, Vec<(char, char)>),
}

/// Reads a `.dockerignore`. Never fails: a line that cannot be a pattern
/// (a lone `!`) is skipped, as BuildKit would reject the file.
pub fn parse(text: &str) -> DockerIgnore {
    let mut patterns = Vec::new();
    let mut offset = 0;
    for (n, raw_line) in text.split_inclusive('\n').enumerate() {
        let start = offset;
        offset += raw_line.len();
        let mut line = raw_line.trim_end_matches(['\n', '\r']);
        let mut line_start = start;
        if n == 0 {
            if let Some(rest) = line.strip_prefix('\u{feff}') {
                line = rest;
                line_start += '\u{feff}'.len_utf8();
            }
        }
        if line.starts_with('#') {
            continue;
        }
        let trimmed = line.trim();
        if trimmed.is_empty() {
            continue;
        }
        let lead = line.len() - line.trim_start().len();
        let range = TextRange::new(line_start + lead, line_start + lead + trimmed.len());
        let (exception, body) = match trimmed.strip_prefix('!') {
            Some(rest) => (true, rest.trim()),
            None => (false, trimmed),
        };
        if body.is_empty() {
            continue;
        }
        let mut pattern = clean(body);
        if pattern.len() > 1 && pattern.starts_with('/') {
            pattern.remove(0);
        }
        let tokens = compile(&pattern);
        patterns.push(IgnorePattern {
            pattern,
            exception,
            range,
            tokens,
        });
    }
    DockerIgnore { patterns }
}

impl DockerIgnore {
    /// The pattern that decides whether `path` (relative to the context,
    /// `/`-separated) is excluded, if any: the last one that matches it or
    /// one of its folders. The path is excluded when that pattern is not an
    /// exception.
    pub fn deciding_pattern(&self, path: &str) -> Option<&IgnorePattern> {
        let path = clean(path);
        let parents: Vec<&str> = path.match_indices('/').map(|(i, _)| &path[..i]).collect();
        self.patterns
            .iter()
            .rev()
            .find(|p| p.matches(&path) || parents.iter().any(|d| p.matches(d)))
    }

    /// Whether `path` (relative to the context) is left out of the context.
    pub fn excludes(&self, path: &str) -> bool {
        self.deciding_pattern(path).is_some_and(|p| !p.exception)
    }
}

impl IgnorePattern {
    /// Whether this pattern matches `path` itself (not its folders).
    pub fn matches(&self, path: &str) -> bool {
        let s: Vec<char> = path.chars().collect();
        let mut memo = vec![None; (self.tokens.len() + 1) * (s.len() + 1)];
        match_at(&self.tokens, 0, &s, 0, &mut memo)
    }
}

/// Go's `filepath.Clean` on a `/`-separated path.
pub fn clean(path: &str) -> String {
    let rooted = path.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                if parts.last().is_some_and(|p| *p != "..") {
                    parts.pop();
                } else if !rooted {
                    parts.push("..");
                }
            }
            p => parts.push(p),
        }
    }
    let joined = parts.join("/");
    match (rooted, joined.is_empty()) {
        (true, _) => format!("/{joined}"),
        (false, true) => ".".to_string(),
        (false, false) => joined,
    }
}

fn compile(pattern: &str) -> Vec<Token> {
    let chars: Vec<char> = pattern.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        i += 1;
        match c {
            '*' if chars.get(i) == Some(&'*') => {
                i += 1;
                if chars.get(i) == Some(&'/') {
                    i += 1;
                }
                out.push(if i >= chars.len() {
                    Token::Rest
                } else {
                    Token::Folders
                });
            }
            '*' => out.push(Token::Star),
            '?' => out.push(Token::Any),
            '\\' => match chars.get(i) {
                Some(&n) => {
                    out.push(Token::Char(n));
                    i += 1;
                }
                None => out.push(Token::Char('\\')),
            },
            '[' => {
                let mut j = i;
                let negated = chars.get(j) == Some(&'^');
                if negated {
                    j += 1;
                }
                let mut ranges = Vec::new();
                let mut closed = false;
                while j < chars.len() {
                    let mut lo = chars[j];
                    if lo == ']' && !ranges.is_empty() {
                        closed = true;
                        j += 1;
                        break;
                    }
                    if lo == '\\' && j + 1 < chars.len() {
                        j += 1;
                        lo = chars[j];
                    }
                    j += 1;
                    let mut hi = lo;
                    if chars.get(j) == Some(&'-') && chars.get(j + 1).is_some_and(|c| *c != ']') {
                        hi = chars[j + 1];
                        if hi == '\\' && j + 2 < chars.len() {
                            hi = chars[j + 2];
                            j += 1;
                        }
                        j += 2;
                    }
                    ranges.push((lo, hi));
                }
                if closed {
                    out.push(Token::Class(negated, ranges));
                    i = j;
                } else {
                    // An unterminated class: BuildKit rejects the pattern;
                    // keep the `[` literal so matching stays total.
                    out.push(Token::Char('['));
                }
            }
            c => out.push(Token::Char(c)),
        }
    }
    out
}

fn match_at(t: &[Token], ti: usize, s: &[char], si: usize, memo: &mut [Option<bool>]) -> bool {
    let key = ti * (s.len() + 1) + si;
    if let Some(r) = memo[key] {
        return r;
    }
    let r = match t.get(ti) {
        None => si == s.len(),
        Some(Token::Char(c)) => s.get(si) == Some(c) && match_at(t, ti + 1, s, si + 1, memo),
        Some(Token::Any) => {
            s.get(si).is_some_and(|c| *c != '/') && match_at(t, ti + 1, s, si + 1, memo)
        }
        Some(Token::Class(neg, ranges)) => {
            s.get(si)
                .is_some_and(|c| ranges.iter().any(|(lo, hi)| lo <= c && c <= hi) != *neg)
                && match_at(t, ti + 1, s, si + 1, memo)
        }
        Some(Token::Star) => {
            let mut k = si;
            loop {
                if match_at(t, ti + 1, s, k, memo) {
                    break true;
                }
                if k >= s.len() || s[k] == '/' {
                    break false;
                }
                k += 1;
            }
        }
        Some(Token::Rest) => true,
        Some(Token::Folders) => {
            // Nothing, or any text that ends with `/`.
            match_at(t, ti + 1, s, si, memo)
                || (si..s.len())
                    .filter(|&k| s[k] == '/')
                    .any(|k| match_at(t, ti + 1, s, k + 1, memo))
        }
    };
    memo[key] = Some(r);
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    fn excluded(ignore: &str, path: &str) -> bool {
        parse(ignore).excludes(path)
    }

    #[test]
    fn root_relative_not_everywhere() {
        assert!(excluded(".env\n", ".env"));
        assert!(!excluded(".env\n", "app/.env"));
        assert!(excluded("/.env\n", ".env"));
        assert!(excluded("./app/\n", "app/.env"));
        assert!(excluded("**/.env\n", "app/deep/.env"));
        assert!(excluded("**/.env\n", ".env"));
        assert!(excluded("*.env\n", "prod.env"));
        assert!(!excluded("*.env\n", "conf/prod.env"));
        assert!(excluded(".env*\n", ".env.production"));
        assert!(excluded("app/**\n", "app/x/.env"));
        assert!(excluded("a/**/b\n", "a/b"));
        assert!(excluded("a/**/b\n", "a/x/y/b"));
        assert!(!excluded("a/**/b\n", "a/xb"));
    }

    #[test]
    fn folders_and_exceptions_last_match_wins() {
        assert!(excluded("app\n", "app/sub/.env"));
        assert!(!excluded("*\n!app\n", "app/.env"));
        assert!(excluded("*\n!app\napp/.env\n", "app/.env"));
        assert!(!excluded(".env*\n!.env.example\n", ".env.example"));
        assert!(excluded("!.env\n.env\n", ".env"));
        assert!(!excluded("# .env\n\n", ".env"));
        assert!(excluded("  .env  \r\n", ".env"));
    }

    #[test]
    fn classes_and_escapes() {
        assert!(excluded("[.]env\n", ".env"));
        assert!(excluded("id_[a-z]sa\n", "id_rsa"));
        assert!(!excluded("id_[^r]sa\n", "id_rsa"));
        assert!(excluded("\\*\n", "*"));
        assert!(!excluded("\\*\n", "x"));
        assert!(excluded("?env\n", ".env"));
        assert!(!excluded("?env\n", "/env"));
    }

    #[test]
    fn ranges_point_at_the_line() {
        let text = "# c\n  !.env.example \n";
        let d = parse(text);
        let p = &d.patterns[0];
        assert!(p.exception);
        assert_eq!(&text[p.range.start..p.range.end], "!.env.example");
    }

    #[test]
    fn clean_like_go() {
        assert_eq!(clean("./a/../b/"), "b");
        assert_eq!(clean("/x/"), "/x");
        assert_eq!(clean(""), ".");
        assert_eq!(clean("../a"), "../a");
    }
}
