//! `.env` files parsed the way Docker Compose v2 reads them, losslessly, with
//! exact ranges for every key and value.

use crate::source::{SyntaxError, TextRange};
use crate::syntax::template::Template;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DotenvFile {
    pub entries: Vec<DotenvEntry>,
    /// Errors Compose fails on (unterminated quote, invalid key, ...).
    pub errors: Vec<SyntaxError>,
    /// Lines Compose silently skips or that are suspicious but accepted.
    pub warnings: Vec<SyntaxError>,
    /// Bytes that are not clean text, which Compose reads all the same: the
    /// first invalid UTF-8 byte (read as U+FFFD) or NUL (kept). Set by the
    /// reader ([`crate::fs::decode_env`]), not by the parser.
    pub encoding: Option<crate::fs::Lossy>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DotenvEntry {
    pub key: String,
    pub key_range: TextRange,
    /// The `export` keyword, when present.
    pub export_range: Option<TextRange>,
    /// The whole statement, from the key (or `export`) to the end of the value.
    pub range: TextRange,
    pub value: DotenvValue,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DotenvValue {
    /// `KEY` alone on its line: Compose takes KEY from the lookup (process
    /// environment), or leaves it out.
    Inherit,
    Assigned(AssignedValue),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Quote {
    None,
    Single,
    Double,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssignedValue {
    pub quote: Quote,
    /// The value as written, quotes included (empty range after `=` for `KEY=`).
    pub raw_range: TextRange,
    /// The value as written, without quotes, comment and trailing blanks.
    pub content_range: TextRange,
    pub text: ValueText,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ValueText {
    /// Single-quoted: taken literally.
    Literal(String),
    /// Unquoted or double-quoted (after escape processing): interpolated.
    /// Piece ranges are absolute byte offsets in the file.
    Template(Template),
}

/// Go's `isSpace` in compose-go's dotenv parser: blanks, not line breaks.
fn is_blank(c: char) -> bool {
    matches!(
        c,
        '\t' | '\u{b}' | '\u{c}' | '\r' | ' ' | '\u{85}' | '\u{a0}'
    )
}

/// Go's `unicode.IsSpace`.
fn is_space(c: char) -> bool {
    c.is_whitespace()
}

fn skip_while(text: &str, mut pos: usize, f: impl Fn(char) -> bool) -> usize {
    for c in text[pos..].chars() {
        if !f(c) {
            break;
        }
        pos += c.len_utf8();
    }
    pos
}

fn line_end(text: &str, pos: usize) -> usize {
    text[pos..].find('\n').map_or(text.len(), |n| pos + n)
}

/// Parses an env_file read with `format: raw`, as Compose reads it: line by
/// line (a final `\r` dropped), blanks before the key skipped, blank lines
/// and lines starting with `#` skipped; the key runs to the first `=` and
/// may hold no whitespace, the value is the rest of the line as it is
/// (quotes, `#`, `$` and trailing blanks kept, nothing interpolated); a line
/// without `=` passes the variable through. Compose stops at the first
/// error; so does this.
pub fn parse_raw(text: &str) -> DotenvFile {
    let mut file = DotenvFile::default();
    let mut start = if text.starts_with('\u{feff}') { 3 } else { 0 };
    while start < text.len() {
        let end = line_end(text, start);
        let next = end + 1;
        let mut line_to = end;
        if text[start..line_to].ends_with('\r') {
            line_to -= 1;
        }
        let from = skip_while(text, start, |c| is_space(c) && c != '\n').min(line_to);
        let line = &text[from..line_to];
        if line.is_empty() || line.starts_with('#') {
            start = next;
            continue;
        }
        let (key_to, value) = match line.find('=') {
            Some(eq) => (from + eq, Some(from + eq + 1..line_to)),
            None => (line_to, None),
        };
        let key = &text[from..key_to];
        if key.is_empty() {
            file.errors.push(SyntaxError::new(
                format!("no variable name on line '{line}'"),
                TextRange::new(from, line_to),
            ));
            break;
        }
        if key.chars().any(is_space) {
            file.errors.push(SyntaxError::new(
                format!("variable '{key}' contains whitespaces"),
                TextRange::new(from, key_to),
            ));
            break;
        }
        let value = match value {
            Some(r) => DotenvValue::Assigned(AssignedValue {
                quote: Quote::None,
                raw_range: TextRange::new(r.start, r.end),
                content_range: TextRange::new(r.start, r.end),
                text: ValueText::Literal(text[r.clone()].to_string()),
            }),
            None => DotenvValue::Inherit,
        };
        file.entries.push(DotenvEntry {
            key: key.to_string(),
            key_range: TextRange::new(from, key_to),
            export_range: None,
            range: TextRange::new(from, line_to),
            value,
        });
        start = next;
    }
    file
}

/// Parses a `.env` file the way compose-go's dotenv reader does (the reader
/// `docker compose` uses for the project `.env`, `--env-file` and `env_file:`).
/// Compose stops at the first error; so does this parser: `errors` holds at
/// most one error and `entries` what precedes it.
pub fn parse(text: &str) -> DotenvFile {
    let mut file = DotenvFile::default();
    let mut pos = if text.starts_with('\u{feff}') { 3 } else { 0 };
    let mut last_value_end: Option<usize> = None;
    loop {
        pos = skip_while(text, pos, is_space);
        if pos >= text.len() {
            break;
        }
        if text[pos..].starts_with('#') {
            pos = line_end(text, pos);
            continue;
        }
        if let Some(end) = last_value_end.take() {
            if !text[end..pos].contains('\n') {
                file.warnings.push(SyntaxError::new(
                    "text after a closing quote starts another entry on the same line",
                    TextRange::new(pos, line_end(text, pos)),
                ));
            }
        }
        match statement(text, pos, &mut file) {
            Ok((next, quoted_end)) => {
                pos = next;
                last_value_end = quoted_end;
            }
            Err(e) => {
                file.errors.push(e);
                break;
            }
        }
    }
    file
}

/// Parses one statement at `start`; returns the offset after it and, for a
/// quoted value, the offset after its closing quote.
fn statement(
    text: &str,
    start: usize,
    file: &mut DotenvFile,
) -> Result<(usize, Option<usize>), SyntaxError> {
    let mut key_start = start;
    let mut export_range = None;
    let rest = &text[start..];
    if rest.starts_with("export")
        && rest[6..]
            .chars()
            .next()
            .is_some_and(|c| matches!(c, '\t' | '\n' | '\u{c}' | '\r' | ' '))
    {
        export_range = Some(TextRange::new(start, start + 6));
        key_start = skip_while(text, start + 6, is_blank);
    }
    // The key runs to `=`, `:` (YAML style) or a line break.
    let mut sep = None;
    for (i, c) in text[key_start..].char_indices() {
        let at = key_start + i;
        if is_blank(c) {
            continue;
        }
        match c {
            '=' | ':' | '\n' => {
                sep = Some((at, c));
                break;
            }
            '_' | '.' | '[' | ']' | '-' => {}
            c if c.is_alphabetic() || c.is_numeric() => {}
            c => {
                let first_line = &text[key_start..line_end(text, key_start)];
                return Err(SyntaxError::new(
                    format!("unexpected character {c:?} in variable name {first_line:?}"),
                    TextRange::new(at, at + c.len_utf8()),
                ));
            }
        }
    }
    let (key_end, value_from, inherited) = match sep {
        Some((at, c)) => (at, at + 1, c == '\n'),
        None => {
            // A last line without `=`: compose-go reads an empty key whose
            // value is the whole line.
            file.warnings.push(SyntaxError::new(
                "a last line without `=`: Compose reads it as a value with an empty name",
                TextRange::new(key_start, line_end(text, key_start)),
            ));
            (key_start, key_start, false)
        }
    };
    let key_text = text[key_start..key_end].trim_end_matches(is_space);
    let key_range = TextRange::new(key_start, key_start + key_text.len());
    if key_text.contains(' ') {
        return Err(SyntaxError::new("key cannot contain a space", key_range));
    }
    let key = key_text.to_string();
    if inherited {
        file.entries.push(DotenvEntry {
            key,
            key_range,
            export_range,
            range: TextRange::new(start, key_range.end),
            value: DotenvValue::Inherit,
        });
        return Ok((value_from, None));
    }
    let vstart = skip_while(text, value_from, is_blank);
    let (value, next, quoted_end) = match text.as_bytes().get(vstart) {
        Some(&q @ (b'"' | b'\'')) => {
            let (value, end) = quoted(text, vstart, q)?;
            (value, end, Some(end))
        }
        _ => {
            let eol = line_end(text, vstart);
            let mut v = &text[vstart..eol];
            if let Some(n) = v.find(" #") {
                v = &v[..n];
            }
            let v = v.trim_end_matches(is_space);
            let range = TextRange::new(vstart, vstart + v.len());
            let template = crate::syntax::template::parse(v, vstart)?;
            (
                AssignedValue {
                    quote: Quote::None,
                    raw_range: range,
                    content_range: range,
                    text: ValueText::Template(template),
                },
                (eol + 1).min(text.len()),
                None,
            )
        }
    };
    file.entries.push(DotenvEntry {
        key,
        key_range,
        export_range,
        range: TextRange::new(start, value.raw_range.end),
        value: DotenvValue::Assigned(value),
    });
    Ok((next, quoted_end))
}

/// A quoted value starting at `start` (the quote). Returns it and the offset
/// after the closing quote.
fn quoted(text: &str, start: usize, quote: u8) -> Result<(AssignedValue, usize), SyntaxError> {
    let bytes = text.as_bytes();
    // Phase 1 (compose-go): a backslash before the quote drops out; any other
    // backslash is kept for phase 2.
    let mut chars: Vec<u8> = Vec::new();
    let mut offsets: Vec<usize> = Vec::new();
    let mut escape: Option<usize> = None;
    let mut i = start + 1;
    let close = loop {
        if i >= bytes.len() {
            let eol = line_end(text, start);
            return Err(SyntaxError::new(
                format!("unterminated quoted value {}", &text[start..eol]),
                TextRange::new(start, eol),
            ));
        }
        let b = bytes[i];
        if b != quote {
            if escape.is_none() && b == b'\\' {
                escape = Some(i);
                i += 1;
                continue;
            }
            if let Some(at) = escape.take() {
                chars.push(b'\\');
                offsets.push(at);
            }
            chars.push(b);
            offsets.push(i);
            i += 1;
            continue;
        }
        if escape.take().is_some() {
            chars.push(b);
            offsets.push(i);
            i += 1;
            continue;
        }
        break i;
    };
    offsets.push(close);
    // Quote and backslash are ASCII, so `chars` is valid UTF-8.
    let collected = String::from_utf8(chars).unwrap_or_default();
    let raw_range = TextRange::new(start, close + 1);
    let content_range = TextRange::new(start + 1, close);
    let value_text = if quote == b'\'' {
        ValueText::Literal(collected)
    } else {
        let (expanded, map) = expand_escapes(&collected, &offsets);
        let mut t = crate::syntax::template::parse(&expanded, 0).map_err(|e| {
            SyntaxError::new(
                e.message,
                TextRange::new(map[e.range.start], map[e.range.end]),
            )
        })?;
        t.remap(&|o| map[o.min(map.len() - 1)]);
        ValueText::Template(t)
    };
    Ok((
        AssignedValue {
            quote: if quote == b'\'' {
                Quote::Single
            } else {
                Quote::Double
            },
            raw_range,
            content_range,
            text: value_text,
        },
        close + 1,
    ))
}

/// Phase 2: `\n`, `\t`, `\"`, `\\`, `\$` (a literal `$`), octal `\0ddd`...
/// `offsets[i]` is the source offset of byte `i` of `s` (plus one past the end);
/// returns the expanded text and the same map for it.
fn expand_escapes(s: &str, offsets: &[usize]) -> (String, Vec<usize>) {
    let bytes = s.as_bytes();
    let mut out = String::with_capacity(s.len());
    let mut map = Vec::with_capacity(s.len() + 1);
    let mut i = 0;
    let push = |out: &mut String, map: &mut Vec<usize>, text: &str, at: usize| {
        out.push_str(text);
        map.extend(std::iter::repeat_n(at, text.len()));
    };
    while i < bytes.len() {
        if bytes[i] == b'\\' && i + 1 < bytes.len() {
            let at = offsets[i];
            let next = bytes[i + 1];
            let simple = match next {
                b'a' => Some("\u{7}"),
                b'b' => Some("\u{8}"),
                b'f' => Some("\u{c}"),
                b'n' => Some("\n"),
                b'r' => Some("\r"),
                b't' => Some("\t"),
                b'v' => Some("\u{b}"),
                b'"' => Some("\""),
                b'\\' => Some("\\"),
                b'$' => Some("$$"),
                _ => None,
            };
            if let Some(r) = simple {
                push(&mut out, &mut map, r, at);
                i += 2;
                continue;
            }
            if next == b'0' {
                let mut j = i + 2;
                while j < bytes.len() && j < i + 5 && bytes[j].is_ascii_digit() {
                    j += 1;
                }
                let digits = &s[i + 2..j];
                let value = (digits.len() == 3 && digits.bytes().all(|d| d < b'8'))
                    .then(|| u32::from_str_radix(digits, 8).ok())
                    .flatten()
                    .filter(|v| *v <= 255)
                    .and_then(char::from_u32);
                match value {
                    Some(c) => push(&mut out, &mut map, c.encode_utf8(&mut [0; 4]), at),
                    // compose-go returns the match with `\0` already
                    // rewritten to `\`: `\012` reads `\12`.
                    None => {
                        out.push('\\');
                        map.push(offsets[i]);
                        for k in i + 2..j {
                            out.push(bytes[k] as char);
                            map.push(offsets[k]);
                        }
                    }
                }
                i = j;
                continue;
            }
            // `\c` and unknown escapes stay as written.
        }
        let c = s[i..].chars().next().unwrap_or('\0');
        let len = c.len_utf8();
        out.push(c);
        map.extend_from_slice(&offsets[i..i + len]);
        i += len;
    }
    map.push(offsets[bytes.len()]);
    (out, map)
}

impl DotenvEntry {
    /// The value when it holds no reference: `KEY=value`, `KEY='$x'`.
    pub fn literal_value(&self) -> Option<String> {
        match &self.value {
            DotenvValue::Inherit => None,
            DotenvValue::Assigned(a) => match &a.text {
                ValueText::Literal(s) => Some(s.clone()),
                ValueText::Template(t) => t.literal_text(),
            },
        }
    }
}

impl DotenvFile {
    /// The variables the file's values interpolate (`URL=http://${HOST}/`).
    pub fn interpolated(&self) -> impl Iterator<Item = &str> {
        self.entries.iter().flat_map(|e| match &e.value {
            DotenvValue::Assigned(AssignedValue {
                text: ValueText::Template(t),
                ..
            }) => t.variables().into_iter().map(|v| v.name.as_str()).collect(),
            _ => Vec::new(),
        })
    }
}

/// The names written in the comment lines of a dotenv file: the keys it
/// lists commented out (`# SMTP_HOST=`) and those its notes mention ("TAG
/// is set by CI"). Every word that can be a variable's name.
pub fn comment_names(text: &str) -> std::collections::BTreeSet<&str> {
    let mut out = std::collections::BTreeSet::new();
    for line in text.lines() {
        let Some(comment) = line.trim_start().strip_prefix('#') else {
            continue;
        };
        let word = |c: char| c.is_ascii_alphanumeric() || c == '_';
        out.extend(
            comment
                .split(|c: char| !word(c))
                .filter(|w| w.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')),
        );
    }
    out
}

#[cfg(test)]
mod tests;
