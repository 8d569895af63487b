//! BuildKit's variable expansion (`frontend/dockerfile/shell/lex.go`) for
//! values whose quotes were already removed by [`super::unquote`].
//!
//! Supported, as in BuildKit: `$NAME`, `${NAME}`, `${NAME:-word}`,
//! `${NAME-word}`, `${NAME:+word}`, `${NAME+word}`, `${NAME:?msg}`,
//! `${NAME?msg}`, `${NAME#pat}`, `${NAME##pat}`, `${NAME%pat}`,
//! `${NAME%%pat}`, `${NAME/pat/repl}`, `${NAME//pat/repl}` (glob patterns with
//! `*`, `?` and `[...]`). `word` may itself contain references. Unknown
//! variables expand to the empty string; `$` not followed by a name stays `$`;
//! positional (`$1`) and special (`$@`, `$#`...) parameters are looked up
//! like any other name.

use crate::source::TextRange;
use crate::syntax::limits::{too_deep, too_large, MAX_EXPANDED, MAX_NESTING};

/// What the expansions of one Dockerfile may still cost, shared by all of
/// them (a file of many references to one large value, or of many costly
/// patterns, stays bounded, not only each value): bytes read and written,
/// and steps of shell-pattern matching. Our bound, not BuildKit's.
#[derive(Debug, Clone)]
pub struct Budget {
    bytes: usize,
    steps: usize,
    /// The project's allowance, not the file's bound, set `bytes`.
    project: bool,
}

impl Budget {
    /// The bytes the expansions of one file may read and write in all.
    pub const FILE_BYTES: usize = 16 * MAX_EXPANDED;
    /// The steps (characters times pattern positions) the shell patterns
    /// of one file may take in all.
    #[cfg(not(fuzzing))]
    pub const FILE_STEPS: usize = 1 << 22;
    /// 16 times fewer under the fuzzer (see [`MAX_EXPANDED`]).
    #[cfg(fuzzing)]
    pub const FILE_STEPS: usize = 1 << 18;

    /// The budget of one file.
    pub fn file() -> Self {
        Budget {
            bytes: Self::FILE_BYTES,
            steps: Self::FILE_STEPS,
            project: false,
        }
    }

    /// The budget of one file of a project that may still take
    /// `allowance` bytes ([`crate::syntax::limits::Allowance`]).
    pub fn within(allowance: usize) -> Self {
        Budget {
            bytes: Self::FILE_BYTES.min(allowance),
            steps: Self::FILE_STEPS,
            project: allowance < Self::FILE_BYTES,
        }
    }

    /// The bytes still allowed.
    pub fn bytes_left(&self) -> usize {
        self.bytes
    }
}

/// The message of a file whose expansions together go past [`Budget::FILE_BYTES`].
fn file_too_large() -> String {
    format!(
        "the values of this Dockerfile expand to more than {} bytes (16 MiB) in all: \
         not expanded further (a limit of mppeep-lint, not of BuildKit)",
        Budget::FILE_BYTES
    )
}

/// The message of shell patterns that take more than [`Budget::FILE_STEPS`].
fn patterns_too_costly() -> String {
    format!(
        "the shell patterns (`${{A#pat}}`, `${{A//pat/r}}`...) of this Dockerfile take more \
         than {} steps to match: not expanded further (a limit of mppeep-lint, not of BuildKit)",
        Budget::FILE_STEPS
    )
}

/// Expands `$` references in `value`, except inside the `literal` ranges
/// (byte offsets into `value`, e.g. [`crate::syntax::dockerfile::EnvPair::literal`]).
///
/// `lookup` returns `None` for an unset variable and `Some("")` for one set
/// to the empty string (the difference matters for `${X-w}` and `${X+w}`).
/// Errors (bad substitution, `${X:?msg}` with `X` unset) expand to the empty
/// string; use [`try_expand`] to see them.
pub fn expand(
    value: &str,
    literal: &[TextRange],
    lookup: &mut dyn FnMut(&str) -> Option<String>,
) -> String {
    let mut budget = Budget::file();
    let mut ex = Expander::new(value, literal, lookup, &mut budget);
    ex.run()
}

/// Like [`expand`], but returns the first error BuildKit would fail the build with.
pub fn try_expand(
    value: &str,
    literal: &[TextRange],
    lookup: &mut dyn FnMut(&str) -> Option<String>,
) -> Result<String, String> {
    let mut budget = Budget::file();
    let mut ex = Expander::new(value, literal, lookup, &mut budget);
    let out = ex.run();
    match ex.limit.into_iter().chain(ex.errors).next() {
        Some(e) => Err(e),
        None => Ok(out),
    }
}

/// [`expand`] within the bounds ([`crate::syntax::limits`]): nesting at
/// most [`MAX_NESTING`] deep, at most [`MAX_EXPANDED`] bytes read and
/// written for this value, and what is left of the file's `budget`. Past a
/// bound: the message (which says the limit is ours), and nothing expanded.
pub fn expand_within(
    value: &str,
    literal: &[TextRange],
    lookup: &mut dyn FnMut(&str) -> Option<String>,
    budget: &mut Budget,
) -> Result<String, String> {
    let mut ex = Expander::new(value, literal, lookup, budget);
    let out = ex.run();
    match ex.limit {
        Some(e) => Err(e),
        None => Ok(out),
    }
}

/// Quote removal and expansion of a word as written in the file (USER,
/// WORKDIR, FROM image, `--from`, EXPOSE...): [`super::unquote`] then [`expand`].
pub fn expand_word(
    raw: &str,
    escape: char,
    lookup: &mut dyn FnMut(&str) -> Option<String>,
) -> String {
    let u = super::words::unquote(raw, escape);
    expand(&u.value, &u.literal, lookup)
}

/// [`expand_word`] within what is left of the file's `budget`, as
/// [`expand_within`]: a walk over a whole file shares one budget.
pub fn expand_word_within(
    raw: &str,
    escape: char,
    lookup: &mut dyn FnMut(&str) -> Option<String>,
    budget: &mut Budget,
) -> Result<String, String> {
    let u = super::words::unquote(raw, escape);
    expand_within(&u.value, &u.literal, lookup, budget)
}

struct Expander<'a, 'l> {
    s: &'a str,
    pos: usize,
    literal: Vec<TextRange>,
    lookup: &'l mut dyn FnMut(&str) -> Option<String>,
    errors: Vec<String>,
    /// `${` entered and not yet closed.
    depth: usize,
    /// Bytes this value may still read and write.
    left: usize,
    file: &'l mut Budget,
    /// The bound the expansion stopped at.
    limit: Option<String>,
}

impl<'a, 'l> Expander<'a, 'l> {
    fn new(
        s: &'a str,
        literal: &[TextRange],
        lookup: &'l mut dyn FnMut(&str) -> Option<String>,
        file: &'l mut Budget,
    ) -> Self {
        let mut literal = literal.to_vec();
        literal.sort();
        Expander {
            s,
            pos: 0,
            literal,
            lookup,
            errors: Vec::new(),
            depth: 0,
            left: MAX_EXPANDED,
            file,
            limit: None,
        }
    }

    fn run(&mut self) -> String {
        let (out, _) = self.until(&[]);
        if self.limit.is_some() {
            return String::new();
        }
        out
    }

    /// Stops at a bound: the rest of the value is not read.
    fn stop(&mut self, message: String) -> String {
        if self.limit.is_none() {
            self.limit = Some(message);
        }
        self.pos = self.s.len();
        String::new()
    }

    /// Counts `bytes` read or written against the value's and the file's
    /// bounds; false (and stopped) past one.
    fn charge(&mut self, bytes: usize) -> bool {
        if self.limit.is_some() {
            return false;
        }
        match self.left.checked_sub(bytes) {
            Some(left) => self.left = left,
            None => {
                self.stop(too_large("BuildKit"));
                return false;
            }
        }
        match self.file.bytes.checked_sub(bytes) {
            Some(left) => self.file.bytes = left,
            None => {
                let message = if self.file.project {
                    crate::syntax::limits::project_too_large("BuildKit")
                } else {
                    file_too_large()
                };
                self.stop(message);
                return false;
            }
        }
        true
    }

    /// The result of a shell-pattern operation, `None` when it went past the
    /// file's steps (stopped).
    fn pattern(&mut self, result: Option<String>) -> String {
        match result {
            Some(r) if self.charge(r.len()) => r,
            Some(_) => String::new(),
            None => self.stop(patterns_too_costly()),
        }
    }

    fn peek(&self) -> Option<char> {
        self.s.get(self.pos..).and_then(|t| t.chars().next())
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += c.len_utf8();
        Some(c)
    }

    fn is_literal(&self, at: usize) -> bool {
        let i = self.literal.partition_point(|r| r.end <= at);
        self.literal.get(i).is_some_and(|r| r.start <= at)
    }

    /// A special character (not protected by quotes or escapes) at the cursor.
    fn peek_special(&self) -> Option<char> {
        if self.is_literal(self.pos) {
            None
        } else {
            self.peek()
        }
    }

    /// Processes text up to one of `stops` (consumed; returned) or the end.
    fn until(&mut self, stops: &[char]) -> (String, Option<char>) {
        let mut out = String::new();
        while let Some(c) = self.peek() {
            let special = !self.is_literal(self.pos);
            if special && stops.contains(&c) {
                self.pos += c.len_utf8();
                return (out, Some(c));
            }
            if special && c == '$' {
                let v = self.dollar();
                out.push_str(&v);
            } else if self.charge(c.len_utf8()) {
                out.push(c);
                self.pos += c.len_utf8();
            }
        }
        (out, None)
    }

    fn get(&mut self, name: &str) -> Option<String> {
        let value = (self.lookup)(name)?;
        self.charge(value.len()).then_some(value)
    }

    fn error(&mut self, msg: impl Into<String>) -> String {
        self.errors.push(msg.into());
        String::new()
    }

    /// Skips to the `}` closing a bad substitution.
    fn recover(&mut self) {
        let _ = self.until(&['}']);
    }

    fn dollar(&mut self) -> String {
        self.bump(); // '$'
        if self.peek_special() != Some('{') {
            let name = self.name();
            if name.is_empty() {
                // A lone `$` is written as it is: it counts as any byte.
                return if self.charge(1) {
                    "$".into()
                } else {
                    String::new()
                };
            }
            return self.get(&name).unwrap_or_default();
        }
        self.bump(); // '{'
        self.depth += 1;
        let out = if self.depth > MAX_NESTING {
            self.stop(too_deep("BuildKit"))
        } else {
            self.braced()
        };
        self.depth -= 1;
        out
    }

    /// `${...}` after its `${`.
    fn braced(&mut self) -> String {
        match self.peek_special() {
            None if self.peek().is_none() => return self.error("syntax error: missing '}'"),
            Some('{') | Some('}') | Some(':') => {
                self.recover();
                return self.error("syntax error: bad substitution");
            }
            _ => {}
        }
        let name = self.name();
        let Some(op) = self.peek_special() else {
            if self.peek().is_none() {
                return self.error("syntax error: missing '}'");
            }
            self.recover();
            return self.error(format!("missing ':' in substitution of {name}"));
        };
        self.bump();
        match op {
            '}' => self.get(&name).unwrap_or_default(),
            ':' => {
                let modifier = self.peek_special();
                if modifier.is_some() {
                    self.bump();
                }
                let (word, closed) = self.until(&['}']);
                if closed.is_none() {
                    return self.error("syntax error: missing '}'");
                }
                let value = self.get(&name);
                match modifier {
                    Some('-') => match value {
                        Some(v) if !v.is_empty() => v,
                        _ => word,
                    },
                    Some('+') => match value {
                        Some(v) if !v.is_empty() => word,
                        _ => String::new(),
                    },
                    Some('?') => match value {
                        Some(v) if !v.is_empty() => v,
                        _ => self.required(&name, &word),
                    },
                    Some(m) => self.error(format!("unsupported modifier ({m}) in substitution")),
                    None => self.error("unsupported modifier in substitution"),
                }
            }
            '-' | '+' | '?' => {
                let (word, closed) = self.until(&['}']);
                if closed.is_none() {
                    return self.error("syntax error: missing '}'");
                }
                let value = self.get(&name);
                match (op, value) {
                    ('-', Some(v)) => v,
                    ('-', None) => word,
                    ('+', Some(_)) => word,
                    ('+', None) => String::new(),
                    (_, Some(v)) => v,
                    (_, None) => self.required(&name, &word),
                }
            }
            '#' | '%' => {
                let longest = self.peek_special() == Some(op);
                if longest {
                    self.bump();
                }
                let (pattern, closed) = self.until(&['}']);
                if closed.is_none() {
                    return self.error("syntax error: missing '}'");
                }
                let value = self.get(&name).unwrap_or_default();
                let r = trim_pattern(&value, &pattern, op == '#', longest, &mut self.file.steps);
                self.pattern(r)
            }
            '/' => {
                let all = self.peek_special() == Some('/');
                if all {
                    self.bump();
                }
                let (pattern, stop) = self.until(&['/', '}']);
                let replacement = match stop {
                    Some('/') => {
                        let (r, closed) = self.until(&['}']);
                        if closed.is_none() {
                            return self.error("syntax error: missing '}'");
                        }
                        r
                    }
                    Some(_) => String::new(),
                    None => return self.error("syntax error: missing '}'"),
                };
                let value = self.get(&name).unwrap_or_default();
                let r = replace_pattern(
                    &value,
                    &pattern,
                    &replacement,
                    all,
                    self.left,
                    &mut self.file.steps,
                );
                self.pattern(r)
            }
            _ => {
                self.recover();
                self.error(format!("missing ':' in substitution of {name}"))
            }
        }
    }

    fn required(&mut self, name: &str, word: &str) -> String {
        if word.is_empty() {
            self.error(format!("{name}: is not allowed to be unset"))
        } else {
            self.error(format!("{name}: {word}"))
        }
    }

    /// BuildKit's `processName`: digits, one special parameter, or a name of
    /// letters, digits and `_`.
    fn name(&mut self) -> String {
        let mut name = String::new();
        while let Some(c) = self.peek_special() {
            if name.is_empty() && c.is_ascii_digit() {
                while let Some(d) = self.peek_special().filter(char::is_ascii_digit) {
                    name.push(d);
                    self.bump();
                }
                return name;
            }
            if name.is_empty() && matches!(c, '@' | '*' | '#' | '?' | '-' | '$' | '!') {
                self.bump();
                name.push(c);
                return name;
            }
            if !(c.is_alphanumeric() || c == '_') {
                break;
            }
            name.push(c);
            self.bump();
        }
        name
    }
}

#[derive(Debug, Clone)]
enum Tok {
    Star,
    Any,
    Lit(char),
    Class {
        negated: bool,
        items: Vec<(char, char)>,
    },
}

fn compile_glob(pattern: &str) -> Vec<Tok> {
    let chars: Vec<char> = pattern.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(&c) = chars.get(i) {
        i += 1;
        match c {
            '*' => out.push(Tok::Star),
            '?' => out.push(Tok::Any),
            '\\' => match chars.get(i) {
                Some(&n) => {
                    out.push(Tok::Lit(n));
                    i += 1;
                }
                None => out.push(Tok::Lit('\\')),
            },
            '[' => {
                let mut j = i;
                let negated = matches!(chars.get(j), Some('!') | Some('^'));
                if negated {
                    j += 1;
                }
                let mut items = Vec::new();
                let mut first = true;
                let mut closed = false;
                while let Some(&d) = chars.get(j) {
                    if d == ']' && !first {
                        closed = true;
                        j += 1;
                        break;
                    }
                    first = false;
                    if chars.get(j + 1) == Some(&'-') && chars.get(j + 2).is_some_and(|&e| e != ']')
                    {
                        let hi = chars.get(j + 2).copied().unwrap_or(d);
                        items.push((d, hi));
                        j += 3;
                    } else {
                        items.push((d, d));
                        j += 1;
                    }
                }
                if closed {
                    out.push(Tok::Class { negated, items });
                    i = j;
                } else {
                    out.push(Tok::Lit('['));
                }
            }
            _ => out.push(Tok::Lit(c)),
        }
    }
    out
}

fn tok_matches(t: &Tok, c: char) -> bool {
    match t {
        Tok::Star | Tok::Any => true,
        Tok::Lit(l) => *l == c,
        Tok::Class { negated, items } => {
            items.iter().any(|&(lo, hi)| lo <= c && c <= hi) != *negated
        }
    }
}

/// For each `k`, whether `pat` matches all of `s[..k]` (`k` past the end
/// of the answer: no): one pass of the pattern's automaton over `s`, at
/// most `s.len() × pat.len()` steps, fewer when no longer prefix can match;
/// charged to `steps`, `None` when they run out.
fn match_ends(pat: &[Tok], s: &[char], steps: &mut usize) -> Option<Vec<bool>> {
    let m = pat.len();
    // `live[p]`: the first `p` tokens match what was read.
    let mut live = vec![false; m + 1];
    let mut next = vec![false; m + 1];
    let close = |set: &mut Vec<bool>| {
        for p in 0..m {
            if set[p] && matches!(pat[p], Tok::Star) {
                set[p + 1] = true;
            }
        }
    };
    live[0] = true;
    close(&mut live);
    let mut ends = vec![live[m]];
    for &c in s {
        *steps = steps.checked_sub(m + 1)?;
        next.iter_mut().for_each(|b| *b = false);
        let mut any = false;
        for p in 0..m {
            if !live[p] {
                continue;
            }
            match &pat[p] {
                Tok::Star => {
                    next[p] = true;
                    any = true;
                }
                t if tok_matches(t, c) => {
                    next[p + 1] = true;
                    any = true;
                }
                _ => {}
            }
        }
        if !any {
            // Nothing longer can match.
            break;
        }
        close(&mut next);
        std::mem::swap(&mut live, &mut next);
        ends.push(live[m]);
    }
    Some(ends)
}

/// `${A#pat}`, `${A##pat}` (prefix) and `${A%pat}`, `${A%%pat}`: one pass
/// of the pattern over the value (reversed for a suffix), linear in the
/// value's length times the pattern's; `None` past `steps`.
fn trim_pattern(
    value: &str,
    pattern: &str,
    prefix: bool,
    longest: bool,
    steps: &mut usize,
) -> Option<String> {
    let mut s: Vec<char> = value.chars().collect();
    let mut pat = compile_glob(pattern);
    if !prefix {
        // A suffix of the value is a prefix of it reversed; every token
        // matches one character or any run, so the pattern reverses too.
        s.reverse();
        pat.reverse();
    }
    let ends = match_ends(&pat, &s, steps)?;
    let mut cuts = (0..ends.len()).filter(|&k| ends[k]);
    let cut = if longest {
        cuts.next_back()
    } else {
        cuts.next()
    };
    let Some(cut) = cut else {
        return Some(value.to_string());
    };
    Some(if prefix {
        s[cut..].iter().collect()
    } else {
        s[cut..].iter().rev().collect()
    })
}

/// `${A/pat/r}` and `${A//pat/r}`: at each position, the longest match
/// (one pass of the pattern from there); `None` past `steps`. Stops
/// writing once the result is longer than `max` bytes (the caller's bound).
fn replace_pattern(
    value: &str,
    pattern: &str,
    replacement: &str,
    all: bool,
    max: usize,
    steps: &mut usize,
) -> Option<String> {
    if pattern.is_empty() {
        return Some(value.to_string());
    }
    let s: Vec<char> = value.chars().collect();
    let pat = compile_glob(pattern);
    let mut out = String::new();
    let mut i = 0;
    let mut replaced = false;
    while i < s.len() {
        let found = if replaced && !all {
            None
        } else {
            let ends = match_ends(&pat, &s[i..], steps)?;
            (1..ends.len()).rev().find(|&k| ends[k]).map(|k| i + k)
        };
        match found {
            Some(end) => {
                out.push_str(replacement);
                i = end;
                replaced = true;
            }
            None => {
                out.push(s[i]);
                i += 1;
            }
        }
        if out.len() > max {
            break;
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(vars: &'a [(&'a str, &'a str)]) -> impl FnMut(&str) -> Option<String> + 'a {
        move |n| {
            vars.iter()
                .find(|(k, _)| *k == n)
                .map(|(_, v)| v.to_string())
        }
    }

    fn ex(s: &str, vars: &[(&str, &str)]) -> String {
        expand(s, &[], &mut env(vars))
    }

    #[test]
    fn plain_and_braced() {
        let v = [("A", "1"), ("E", "")];
        assert_eq!(ex("$A-${A}_$A_x", &v), "1-1_");
        assert_eq!(ex("x$", &v), "x$");
        assert_eq!(ex("$ $/", &v), "$ $/");
        assert_eq!(ex("$UNSET|${UNSET}", &v), "|");
        assert_eq!(ex("a$1b", &v), "ab");
    }

    #[test]
    fn modifiers() {
        let v = [("A", "1"), ("E", "")];
        assert_eq!(ex("${A:-d}${E:-d}${U:-d}", &v), "1dd");
        assert_eq!(ex("${A-d}${E-d}${U-d}", &v), "1d");
        assert_eq!(ex("${A:+p}${E:+p}${U:+p}", &v), "p");
        assert_eq!(ex("${A+p}${E+p}${U+p}", &v), "pp");
        assert_eq!(ex("${U:-${A}x}", &v), "1x");
        assert_eq!(ex("${U:-$A}", &v), "1");
        assert!(try_expand("${U:?need U}", &[], &mut env(&v)).is_err());
        assert!(try_expand("${E?x}", &[], &mut env(&v)).is_ok());
        assert!(try_expand("${E:?x}", &[], &mut env(&v)).is_err());
        assert!(try_expand("${A", &[], &mut env(&v)).is_err());
        assert!(try_expand("${}", &[], &mut env(&v)).is_err());
        assert!(try_expand("${A:x}", &[], &mut env(&v)).is_err());
        assert_eq!(ex("${}tail", &v), "tail");
    }

    #[test]
    fn patterns() {
        let v = [("P", "/usr/local/bin/python3.12")];
        assert_eq!(ex("${P#*/}", &v), "usr/local/bin/python3.12");
        assert_eq!(ex("${P##*/}", &v), "python3.12");
        assert_eq!(ex("${P%.*}", &v), "/usr/local/bin/python3");
        assert_eq!(ex("${P%%.*}", &v), "/usr/local/bin/python3");
        assert_eq!(ex("${P%/*}", &v), "/usr/local/bin");
        assert_eq!(ex("${P/local/opt}", &v), "/usr/opt/bin/python3.12");
        assert_eq!(ex("${P//[0-9]/N}", &v), "/usr/local/bin/pythonN.NN");
        assert_eq!(ex("${P/o}", &v), "/usr/lcal/bin/python3.12");
    }

    #[test]
    fn patterns_match_like_globs() {
        let v = [("A", "aXbXc"), ("E", "")];
        for (s, want) in [
            ("${A#*X}", "bXc"),
            ("${A##*X}", "c"),
            ("${A%X*}", "aXb"),
            ("${A%%X*}", "a"),
            ("${A#?}", "XbXc"),
            ("${A%[a-c]}", "aXbX"),
            ("${A#nomatch}", "aXbXc"),
            ("${A/X/-}", "a-bXc"),
            ("${A//X/-}", "a-b-c"),
            ("${A//[!X]/.}", ".X.X."),
            ("${A/*/all}", "all"),
            ("${A//X*/}", "a"),
            ("${E##*}", ""),
            ("${A#}", "aXbXc"),
            ("${A##**}", ""),
        ] {
            assert_eq!(ex(s, &v), want, "{s}");
        }
    }

    /// Each operator on a value of 200,000 characters with a pattern that
    /// never matches: linear in the value (the old search was cubic: it
    /// would run for days), or bounded by the file's steps.
    #[test]
    fn patterns_are_bounded() {
        let big = "a".repeat(200_000);
        let v = [("A", big.as_str())];
        for op in ["#", "##", "%", "%%"] {
            assert_eq!(ex(&format!("${{A{op}*b*}}"), &v), big, "{op}");
        }
        // `//` tries every start: bounded by the steps, then refused.
        let e = try_expand("${A//*b/x}", &[], &mut env(&v)).unwrap_err();
        assert!(e.contains("a limit of mppeep-lint"), "{e}");
        assert_eq!(ex("${A//a/b}", &v), "b".repeat(200_000));
    }

    #[test]
    fn nesting_is_bounded() {
        let v = [("A", "1")];
        let ok = format!(
            "{}x{}",
            "${U:-".repeat(MAX_NESTING),
            "}".repeat(MAX_NESTING)
        );
        assert_eq!(ex(&ok, &v), "x");
        // 20,000 deep, unclosed, on a 2 MiB stack like rayon's workers.
        let deep = "${A:-".repeat(20_000);
        let e = std::thread::Builder::new()
            .stack_size(2 << 20)
            .spawn(move || try_expand(&deep, &[], &mut |_| None).unwrap_err())
            .unwrap()
            .join()
            .unwrap();
        assert!(e.contains("nested more than 100 levels"), "{e}");
    }

    #[test]
    fn expansion_size_is_bounded() {
        let mut budget = Budget::file();
        let mut vars: Vec<(String, String)> = vec![("A0".into(), "x".repeat(16))];
        let mut stopped = None;
        for i in 0..40 {
            let text = format!("${{A{i}}}${{A{i}}}");
            let mut lookup = |n: &str| vars.iter().find(|(k, _)| k == n).map(|(_, v)| v.clone());
            match expand_within(&text, &[], &mut lookup, &mut budget) {
                Ok(v) => vars.push((format!("A{}", i + 1), v)),
                Err(e) => {
                    stopped = Some((i + 1, e));
                    break;
                }
            }
        }
        // A16 is 1 MiB: A17 is refused.
        let (at, e) = stopped.unwrap();
        assert_eq!(at, 17);
        assert!(
            e.contains("1 MiB") && e.contains("a limit of mppeep-lint"),
            "{e}"
        );
        // Many values of 1 MiB: the file's budget.
        let big = "x".repeat(MAX_EXPANDED / 2);
        let mut lookup = |_: &str| Some(big.clone());
        let mut budget = Budget::file();
        let refused = (0..100)
            .map(|_| expand_within("$B", &[], &mut lookup, &mut budget))
            .position(|r| r.is_err());
        assert_eq!(refused, Some(32));
        // A replacement that multiplies the value.
        let v = [("A", "a".repeat(10_000))];
        let mut lookup = |n: &str| v.iter().find(|(k, _)| *k == n).map(|(_, v)| v.clone());
        let r = format!("${{A//a/{}}}", "r".repeat(200));
        assert!(try_expand(&r, &[], &mut lookup)
            .unwrap_err()
            .contains("1 MiB"));
        // A lone `$` is written too, and counts (found by the expansion
        // fuzz target: one byte past the bound).
        let big = "y".repeat(MAX_EXPANDED);
        let mut lookup = |_: &str| Some(big.clone());
        for text in ["$V$", "$V$$", "$ $V"] {
            let r = try_expand(text, &[], &mut lookup);
            assert!(
                r.as_ref().is_err_and(|e| e.contains("1 MiB")),
                "{text}: {:?}",
                r.map(|v| v.len())
            );
        }
    }

    #[test]
    fn literal_ranges_are_not_expanded() {
        let mut l = env(&[("A", "1")]);
        // value of ENV X='$A'"$A" after unquote: "$A$A" with 0..2 literal
        assert_eq!(expand("$A$A", &[TextRange::new(0, 2)], &mut l), "$A1");
        // an escaped `}` does not close the substitution
        assert_eq!(expand("${U:-a}b}", &[TextRange::new(6, 7)], &mut l), "a}b");
        assert_eq!(expand_word(r#"'$A'"$A"\$A"#, '\\', &mut l), "$A1$A");
    }
}
