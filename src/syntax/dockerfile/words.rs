//! Word splitting and quote removal, following BuildKit's line parsers
//! (`parseWords`, `reWhitespace` splitting, `extractBuilderFlags`) and the
//! quoting rules of its shell lexer.
//!
//! Every splitter works on a `&str` and returns byte spans into it, so the
//! caller can map them back to the file.

use crate::source::TextRange;

/// `[\t\v\f\r ]`: BuildKit's `reWhitespace` / `tokenWhitespace`.
pub(super) fn is_token_ws(c: char) -> bool {
    matches!(c, '\t' | '\u{0B}' | '\u{0C}' | '\r' | ' ')
}

/// `s[a..b]`, or `""` when the bounds are not valid (never panics).
pub(super) fn slice(s: &str, a: usize, b: usize) -> &str {
    s.get(a..b).unwrap_or("")
}

/// Moves `i` forward over Unicode whitespace, not past `end`.
pub(super) fn skip_ws(s: &str, mut i: usize, end: usize) -> usize {
    while i < end {
        match s.get(i..).and_then(|t| t.chars().next()) {
            Some(c) if c.is_whitespace() => i += c.len_utf8(),
            _ => break,
        }
    }
    i
}

/// `a..b` with surrounding Unicode whitespace removed.
pub(super) fn trim_span(s: &str, a: usize, b: usize) -> (usize, usize) {
    let t = slice(s, a, b);
    let start = a + (t.len() - t.trim_start().len());
    let end = a + t.trim_end().len();
    (start, end.max(start))
}

/// Splits `s[a..b]` on runs of `[\t\v\f\r ]` (no quote handling), like
/// BuildKit's `parseStringsWhitespaceDelimited`.
pub(super) fn split_token_ws(s: &str, a: usize, b: usize) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start: Option<usize> = None;
    for (off, c) in slice(s, a, b).char_indices() {
        let i = a + off;
        if is_token_ws(c) {
            if let Some(st) = start.take() {
                out.push((st, i));
            }
        } else if start.is_none() {
            start = Some(i);
        }
    }
    if let Some(st) = start {
        out.push((st, b));
    }
    out
}

/// Splits `s[a..b]` into words the way BuildKit's `parseWords` does for
/// ENV, ARG and LABEL: whitespace outside quotes separates words, the escape
/// character protects the next character, single quotes cannot escape.
/// The words keep their quotes (spans of the raw text).
pub(super) fn split_words(s: &str, a: usize, b: usize, escape: char) -> Vec<(usize, usize)> {
    let text = slice(s, a, b);
    let mut out = Vec::new();
    let mut chars = text.char_indices();
    let mut start: Option<usize> = None;
    let mut quote: Option<char> = None;
    while let Some((i, c)) = chars.next() {
        match quote {
            None => {
                if c.is_whitespace() {
                    if let Some(st) = start.take() {
                        out.push((a + st, a + i));
                    }
                    continue;
                }
                if start.is_none() {
                    start = Some(i);
                }
                if c == '\'' || c == '"' {
                    quote = Some(c);
                } else if c == escape {
                    chars.next();
                }
            }
            Some(q) => {
                if c == q {
                    quote = None;
                } else if c == escape && q != '\'' {
                    chars.next();
                }
            }
        }
    }
    if let Some(st) = start {
        out.push((a + st, b));
    }
    out
}

/// Splits a whole line into shell words for heredoc detection (BuildKit runs
/// its shell lexer with raw quotes and raw escapes, escape always `\`): the
/// same rules as [`split_words`] with `\` as the escape character.
pub(super) fn split_shell_words(s: &str, a: usize, b: usize) -> Vec<(usize, usize)> {
    split_words(s, a, b, '\\')
}

/// A word after quote removal.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Unquoted {
    /// The text with quotes and escapes removed; `$` references kept.
    pub value: String,
    /// Byte ranges inside `value` that must not be expanded: single-quoted
    /// text and characters protected by the escape character.
    pub literal: Vec<TextRange>,
    /// A quote left open (BuildKit fails the build on it).
    pub error: Option<String>,
}

impl Unquoted {
    fn push(&mut self, c: char, literal: bool) {
        let at = self.value.len();
        self.value.push(c);
        if literal {
            let end = self.value.len();
            match self.literal.last_mut() {
                Some(last) if last.end == at => last.end = end,
                _ => self.literal.push(TextRange::new(at, end)),
            }
        }
    }
}

/// Removes quotes and escapes from one shell word the way BuildKit's lexer
/// does (`'...'` literal, `"..."` where the escape character only protects
/// `"`, `$` and itself, the escape character protecting anything outside
/// quotes), but leaves `$` references in place so that [`super::expand`] can
/// resolve them later. What cannot be expanded is listed in `literal`.
pub fn unquote(raw: &str, escape: char) -> Unquoted {
    let mut out = Unquoted::default();
    let mut chars = raw.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\'' {
            let mut closed = false;
            for d in chars.by_ref() {
                if d == '\'' {
                    closed = true;
                    break;
                }
                out.push(d, true);
            }
            if !closed {
                out.error = Some(
                    "unexpected end of statement while looking for matching single-quote".into(),
                );
            }
        } else if c == '"' {
            let mut closed = false;
            while let Some(d) = chars.next() {
                if d == '"' {
                    closed = true;
                    break;
                }
                if d == escape {
                    match chars.peek() {
                        None => {}
                        Some(&n) if n == '"' || n == '$' || n == escape => {
                            chars.next();
                            out.push(n, true);
                        }
                        Some(_) => out.push(d, false),
                    }
                    continue;
                }
                out.push(d, false);
            }
            if !closed {
                out.error = Some(
                    "unexpected end of statement while looking for matching double-quote".into(),
                );
            }
        } else if c == escape {
            if let Some(n) = chars.next() {
                out.push(n, true);
            }
        } else {
            out.push(c, false);
        }
    }
    out
}

/// One `--name[=value]` word before the arguments of an instruction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct RawFlag {
    /// Span of the whole word.
    pub span: (usize, usize),
    /// Span of the name (after `--`, before `=`).
    pub name_span: (usize, usize),
    pub name: String,
    /// Span and decoded text of the value, when there is an `=`.
    pub value: Option<((usize, usize), String)>,
}

/// BuildKit's `extractBuilderFlags`: reads `--flag` words from `s[a..b]` until
/// the first word that does not start with `--` (or a lone `--`). Quotes are
/// removed and `\` escapes the next character inside flag words. Returns the
/// flags and where the arguments start.
pub(super) fn extract_flags(s: &str, a: usize, b: usize) -> (Vec<RawFlag>, usize) {
    let mut flags = Vec::new();
    let mut p = a;
    loop {
        p = skip_ws(s, p, b);
        if p >= b || !slice(s, p, b).starts_with("--") {
            return (flags, p.min(b));
        }
        let ws = p;
        let mut decoded = String::new();
        let mut quote: Option<char> = None;
        let mut chars = slice(s, ws, b).char_indices();
        let mut we = b;
        while let Some((i, c)) = chars.next() {
            match quote {
                None => {
                    if c.is_whitespace() {
                        we = ws + i;
                        break;
                    }
                    if c == '\'' || c == '"' {
                        quote = Some(c);
                    } else if c == '\\' {
                        if let Some((_, n)) = chars.next() {
                            decoded.push(n);
                        }
                    } else {
                        decoded.push(c);
                    }
                }
                Some(q) => {
                    if c == q {
                        quote = None;
                    } else if c == '\\' {
                        match chars.next() {
                            Some((_, n)) => decoded.push(n),
                            None => quote = None,
                        }
                    } else {
                        decoded.push(c);
                    }
                }
            }
        }
        if decoded == "--" {
            return (flags, we);
        }
        let raw = slice(s, ws, we);
        let body = decoded.strip_prefix("--").unwrap_or(&decoded);
        let raw_eq = raw.find('=').map(|i| ws + i);
        let (name, value) = match body.split_once('=') {
            Some((n, v)) => (n.to_string(), Some(v.to_string())),
            None => (body.to_string(), None),
        };
        let name_end = raw_eq.unwrap_or(we);
        let value = value.map(|v| ((raw_eq.map_or(we, |e| e + 1), we), v));
        flags.push(RawFlag {
            span: (ws, we),
            name_span: ((ws + 2).min(name_end), name_end),
            name,
            value,
        });
        p = we;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts<'a>(s: &'a str, spans: &[(usize, usize)]) -> Vec<&'a str> {
        spans.iter().map(|&(a, b)| &s[a..b]).collect()
    }

    #[test]
    fn words_keep_quotes() {
        let s = r#"A=1 B="x y" C='p q' D=a\ b"#;
        assert_eq!(
            texts(s, &split_words(s, 0, s.len(), '\\')),
            vec!["A=1", r#"B="x y""#, "C='p q'", r"D=a\ b"]
        );
    }

    #[test]
    fn token_ws_split() {
        let s = "a \t b\u{0C}c";
        assert_eq!(
            texts(s, &split_token_ws(s, 0, s.len())),
            vec!["a", "b", "c"]
        );
    }

    #[test]
    fn unquote_marks_literals() {
        let u = unquote(r#"a"$B c"'$D'\$E"#, '\\');
        assert_eq!(u.value, "a$B c$D$E");
        assert_eq!(u.literal, vec![TextRange::new(5, 8)]);
        assert!(u.error.is_none());
        let u = unquote(r#""a\"b\n""#, '\\');
        assert_eq!(u.value, r#"a"b\n"#);
        assert!(unquote("'open", '\\').error.is_some());
        let u = unquote("a`$b", '`');
        assert_eq!(u.value, "a$b");
        assert_eq!(u.literal, vec![TextRange::new(1, 2)]);
    }

    #[test]
    fn flags_are_extracted() {
        let s = r#"--from=builder --chown="u:g" --link src dst"#;
        let (flags, rest) = extract_flags(s, 0, s.len());
        assert_eq!(&s[rest..], "src dst");
        assert_eq!(flags.len(), 3);
        assert_eq!(flags[0].name, "from");
        assert_eq!(&s[flags[0].name_span.0..flags[0].name_span.1], "from");
        let (vs, v) = flags[1].value.clone().unwrap_or_default();
        assert_eq!(v, "u:g");
        assert_eq!(&s[vs.0..vs.1], r#""u:g""#);
        assert!(flags[2].value.is_none());
        let s = "-- --x";
        let (flags, rest) = extract_flags(s, 0, s.len());
        assert!(flags.is_empty());
        assert_eq!(s[rest..].trim(), "--x");
    }
}

/// A `$NAME` / `${NAME…}` reference in a Dockerfile word, as BuildKit's
/// lexer finds it: not inside single quotes, not escaped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WordRef {
    pub name: String,
    /// The whole reference, `$NAME` or `${…}` with its braces (file offsets).
    pub range: TextRange,
    /// `${NAME:-w}`, `${NAME-w}`, `${NAME:+w}`, `${NAME+w}`, or a reference
    /// inside such a `w`: the author said what happens when it is unset.
    pub defaulted: bool,
    /// `${NAME:?msg}`, `${NAME?msg}`: BuildKit stops the build when unset.
    pub required: bool,
}

/// The references of `text[range]` (a word or several, as written: quotes
/// and escapes included), with file offsets, in order. Positional and
/// special parameters (`$1`, `$$`, `$@`) are not names and are left out;
/// so are comment lines inside a continuation, which BuildKit drops. One
/// pass, nesting at most [`MAX_NESTING`] deep: past it, the rest is not
/// read.
pub fn references(text: &str, range: TextRange, escape: char) -> Vec<WordRef> {
    use crate::syntax::limits::MAX_NESTING;
    let end = range.end.min(text.len());
    let start = range.start.min(end);
    let s = slice(text, start, end);
    // An open `${NAME` + operator: where it starts, its name, its kind.
    struct Open {
        at: usize,
        name: String,
        defaulted: bool,
        required: bool,
        /// Inside double quotes where it opened: a `}` in quotes opened
        /// within its word is text, not its end.
        double: bool,
    }
    let mut open: Vec<Open> = Vec::new();
    let mut out = Vec::new();
    let mut it = s.char_indices().peekable();
    let mut double = false;
    let mut line_start = false;
    let inside_default = |open: &[Open]| open.iter().any(|o| o.defaulted);
    while let Some((i, c)) = it.next() {
        if c == '\n' {
            line_start = true;
            continue;
        }
        if line_start {
            if c == ' ' || c == '\t' || c == '\r' {
                continue;
            }
            line_start = false;
            // BuildKit drops comment lines of a continuation before it
            // reads quotes.
            if c == '#' {
                // A comment line inside a continuation.
                while let Some(&(_, d)) = it.peek() {
                    if d == '\n' {
                        break;
                    }
                    it.next();
                }
                continue;
            }
        }
        if c == '\'' && !double {
            for (_, d) in it.by_ref() {
                if d == '\'' {
                    break;
                }
            }
            continue;
        }
        if c == '"' {
            double = !double;
            continue;
        }
        if c == escape {
            match it.peek() {
                // A line continuation: the next line may be a comment.
                Some(&(_, '\n')) => {
                    it.next();
                    line_start = true;
                }
                Some(&(_, n)) if !double || n == '"' || n == '$' || n == escape => {
                    it.next();
                }
                _ => {}
            }
            continue;
        }
        if c == '}' && open.last().is_some_and(|o| o.double == double) {
            if let Some(o) = open.pop() {
                let defaulted = o.defaulted;
                out.push(WordRef {
                    name: o.name,
                    range: TextRange::new(start + o.at, start + i + 1),
                    defaulted: defaulted || inside_default(&open),
                    required: o.required,
                });
            }
            continue;
        }
        if c != '$' {
            continue;
        }
        let at = i;
        match it.peek().copied() {
            Some((_, '{')) => {
                it.next();
                let mut name = String::new();
                while let Some(&(_, d)) = it.peek() {
                    if is_name_char(d) {
                        name.push(d);
                        it.next();
                    } else {
                        break;
                    }
                }
                // `}` closes at once; else an operator and its word follow.
                let mut op = String::new();
                while let Some(&(_, d)) = it.peek() {
                    if matches!(d, ':' | '-' | '+' | '?' | '#' | '%' | '/') && op.len() < 2 {
                        op.push(d);
                        it.next();
                    } else {
                        break;
                    }
                }
                if open.len() >= MAX_NESTING {
                    break;
                }
                let supplies = op.starts_with(":-")
                    || op.starts_with(":+")
                    || op.starts_with('-')
                    || op.starts_with('+');
                let named = name.starts_with(is_name_start);
                open.push(Open {
                    at,
                    // A special parameter (`${1}`, `${#X}`) is no name: kept
                    // open for its `}`, never reported.
                    name: if named { name } else { String::new() },
                    defaulted: supplies || !named,
                    required: op.contains('?'),
                    double,
                });
            }
            Some((j, d)) if is_name_start(d) => {
                let mut end = j;
                while let Some(&(k, e)) = it.peek() {
                    if is_name_char(e) {
                        end = k + e.len_utf8();
                        it.next();
                    } else {
                        break;
                    }
                }
                out.push(WordRef {
                    name: slice(s, j, end).to_string(),
                    range: TextRange::new(start + at, start + end),
                    defaulted: inside_default(&open),
                    required: false,
                });
            }
            _ => {}
        }
    }
    // `${` never closed: BuildKit fails on it; what is open is not reported.
    out.retain(|r| !r.name.is_empty());
    out.sort_by_key(|r| r.range.start);
    out
}

/// BuildKit's names: letters (any script), digits and `_`, not starting
/// with a digit.
fn is_name_start(c: char) -> bool {
    c.is_alphabetic() || c == '_'
}

fn is_name_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}
