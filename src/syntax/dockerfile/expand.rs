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

/// Pattern operations are skipped (value left unchanged) above this many
/// characters, to keep the quadratic search bounded.
const PATTERN_LIMIT: usize = 4096;

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
    let mut ex = Expander::new(value, literal, lookup);
    ex.run()
}

/// Like [`expand`], but returns the first error BuildKit would fail the build with.
pub fn try_expand(
    value: &str,
    literal: &[TextRange],
    lookup: &mut dyn FnMut(&str) -> Option<String>,
) -> Result<String, String> {
    let mut ex = Expander::new(value, literal, lookup);
    let out = ex.run();
    match ex.errors.into_iter().next() {
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

struct Expander<'a, 'l> {
    s: &'a str,
    pos: usize,
    literal: Vec<TextRange>,
    lookup: &'l mut dyn FnMut(&str) -> Option<String>,
    errors: Vec<String>,
}

impl<'a, 'l> Expander<'a, 'l> {
    fn new(
        s: &'a str,
        literal: &[TextRange],
        lookup: &'l mut dyn FnMut(&str) -> Option<String>,
    ) -> Self {
        let mut literal = literal.to_vec();
        literal.sort();
        Expander {
            s,
            pos: 0,
            literal,
            lookup,
            errors: Vec::new(),
        }
    }

    fn run(&mut self) -> String {
        let (out, _) = self.until(&[]);
        out
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
            } else {
                out.push(c);
                self.pos += c.len_utf8();
            }
        }
        (out, None)
    }

    fn get(&mut self, name: &str) -> Option<String> {
        (self.lookup)(name)
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
                return "$".into();
            }
            return self.get(&name).unwrap_or_default();
        }
        self.bump(); // '{'
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
                trim_pattern(&value, &pattern, op == '#', longest)
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
                replace_pattern(&value, &pattern, &replacement, all)
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

/// Whole-string glob match; linear backtracking on the last `*`.
fn glob_match(pat: &[Tok], s: &[char]) -> bool {
    let (mut p, mut i) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while i < s.len() {
        match (pat.get(p), s.get(i)) {
            (Some(Tok::Star), _) => {
                star = Some((p, i));
                p += 1;
            }
            (Some(t), Some(&c)) if tok_matches(t, c) => {
                p += 1;
                i += 1;
            }
            _ => match star {
                Some((sp, si)) => {
                    p = sp + 1;
                    i = si + 1;
                    star = Some((sp, si + 1));
                }
                None => return false,
            },
        }
    }
    pat.iter().skip(p).all(|t| matches!(t, Tok::Star))
}

fn trim_pattern(value: &str, pattern: &str, prefix: bool, longest: bool) -> String {
    let s: Vec<char> = value.chars().collect();
    if s.len() > PATTERN_LIMIT {
        return value.to_string();
    }
    let pat = compile_glob(pattern);
    let n = s.len();
    let cuts: Box<dyn Iterator<Item = usize>> = if longest == prefix {
        Box::new((0..=n).rev())
    } else {
        Box::new(0..=n)
    };
    for cut in cuts {
        let (matched, rest) = if prefix {
            (s.get(..cut), s.get(cut..))
        } else {
            (s.get(cut..), s.get(..cut))
        };
        if let (Some(m), Some(r)) = (matched, rest) {
            if glob_match(&pat, m) {
                return r.iter().collect();
            }
        }
    }
    value.to_string()
}

fn replace_pattern(value: &str, pattern: &str, replacement: &str, all: bool) -> String {
    let s: Vec<char> = value.chars().collect();
    if s.len() > PATTERN_LIMIT || pattern.is_empty() {
        return value.to_string();
    }
    let pat = compile_glob(pattern);
    let mut out = String::new();
    let mut i = 0;
    let mut replaced = false;
    while i < s.len() {
        let found = if replaced && !all {
            None
        } else {
            (i + 1..=s.len())
                .rev()
                .find(|&end| s.get(i..end).is_some_and(|m| glob_match(&pat, m)))
        };
        match found {
            Some(end) => {
                out.push_str(replacement);
                i = end;
                replaced = true;
            }
            None => {
                if let Some(&c) = s.get(i) {
                    out.push(c);
                }
                i += 1;
            }
        }
    }
    out
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
    fn literal_ranges_are_not_expanded() {
        let mut l = env(&[("A", "1")]);
        // value of ENV X='$A'"$A" after unquote: "$A$A" with 0..2 literal
        assert_eq!(expand("$A$A", &[TextRange::new(0, 2)], &mut l), "$A1");
        // an escaped `}` does not close the substitution
        assert_eq!(expand("${U:-a}b}", &[TextRange::new(6, 7)], &mut l), "a}b");
        assert_eq!(expand_word(r#"'$A'"$A"\$A"#, '\\', &mut l), "$A1$A");
    }
}
