//! Text from files must not drive the reader's terminal: a control
//! character (ESC, BEL, CR, NUL, any other C0 or C1 control, DEL), a line
//! break inside a value, or a Unicode bidirectional override (U+202A–U+202E,
//! U+2066–U+2069, which reorder what a reader sees) is shown escaped in
//! every output. One mapping ([`escaped`]) serves every renderer:
//!
//! - [`text`]: a piece of user text in a text output (a message, a value, a
//!   name, a path): every such character as `\n`, `\r`, `\t` is kept, `\x1b`,
//!   `\u{202e}`;
//! - [`output`]: a whole text output, as the last step of each text
//!   renderer: the same, keeping its own line breaks and tabs (a safety net
//!   under [`text`]: nothing raw reaches the terminal even where a piece was
//!   not escaped);
//! - [`source`]: file text shown in a snippet, where byte offsets must not
//!   move: each character replaced by one of the same length in bytes (`?`,
//!   `¿`, `�`), a CR before a line break by a blank;
//! - [`json`]: a JSON document (JSON and SARIF escape C0 controls by
//!   construction; DEL, C1 controls and bidi overrides are written `\u….`).

use std::borrow::Cow;

/// Whether `c` must not reach a terminal raw. Tab and line feed are kept by
/// the callers that keep them.
pub fn is_unsafe(c: char) -> bool {
    c.is_control() // C0, DEL, C1
        || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}' | '\u{061c}')
}

/// How `c` is written escaped.
fn escaped(c: char, out: &mut String) {
    match c {
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        c if (c as u32) < 0x100 => out.push_str(&format!("\\x{:02x}", c as u32)),
        c => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
    }
}

/// The first unsafe character of `s` not kept, by bytes: printable ASCII,
/// nearly all of any output, is passed over without decoding.
fn find_unsafe(s: &str, keep: &dyn Fn(char) -> bool) -> Option<usize> {
    let bytes = s.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if (0x20..0x7f).contains(&b) {
            i += 1;
            continue;
        }
        let c = s[i..].chars().next()?;
        if is_unsafe(c) && !keep(c) {
            return Some(i);
        }
        i += c.len_utf8();
    }
    None
}

fn map<'a>(s: &'a str, keep: &dyn Fn(char) -> bool) -> Cow<'a, str> {
    let Some(first) = find_unsafe(s, keep) else {
        return Cow::Borrowed(s);
    };
    let mut out = String::with_capacity(s.len() + 8);
    out.push_str(&s[..first]);
    // Safe runs copied whole, not a character at a time.
    let mut run = first;
    for (i, c) in s[first..].char_indices() {
        if is_unsafe(c) && !keep(c) {
            out.push_str(&s[run..first + i]);
            escaped(c, &mut out);
            run = first + i + c.len_utf8();
        }
    }
    out.push_str(&s[run..]);
    Cow::Owned(out)
}

/// A piece of user text, on one line: line breaks too are escaped; tabs are
/// kept.
pub fn text(s: &str) -> Cow<'_, str> {
    map(s, &|c| c == '\t')
}

/// A whole text output: its line breaks and tabs kept, everything else
/// escaped.
pub fn output(s: &str) -> Cow<'_, str> {
    map(s, &|c| c == '\t' || c == '\n')
}

/// A whole colored text output: as [`output`], but an ESC that begins a
/// color sequence (SGR: `ESC [` digits and `;`, then `m`, what the pretty
/// renderer writes, hyperlinks off) is kept. What a file could slip past
/// the escaping of its pieces can then at most change how text is drawn
/// (colour, weight, concealment), never move the cursor, clear the screen
/// or set the title.
pub fn colored_output(s: &str) -> Cow<'_, str> {
    let sgr_at = |i: usize| {
        let rest = &s.as_bytes()[i + 1..];
        rest.first() == Some(&b'[')
            && rest[1..]
                .iter()
                .position(|b| !(b.is_ascii_digit() || *b == b';'))
                .is_some_and(|e| rest[1 + e] == b'm')
    };
    let keep = |i: usize, c: char| c == '\t' || c == '\n' || (c == '\u{1b}' && sgr_at(i));
    if !s.char_indices().any(|(i, c)| is_unsafe(c) && !keep(i, c)) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    let mut run = 0;
    for (i, c) in s.char_indices() {
        if is_unsafe(c) && !keep(i, c) {
            out.push_str(&s[run..i]);
            escaped(c, &mut out);
            run = i + c.len_utf8();
        }
    }
    out.push_str(&s[run..]);
    Cow::Owned(out)
}

/// File text for a snippet, each unsafe character replaced by a visible
/// one of the same length in bytes, so that spans still point right; line
/// breaks and tabs kept, a CR of a CRLF line end made a blank.
pub fn source(s: &str) -> Cow<'_, str> {
    if !s.chars().any(|c| is_unsafe(c) && c != '\t' && c != '\n') {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if !is_unsafe(c) || c == '\t' || c == '\n' {
            out.push(c);
            continue;
        }
        match c.len_utf8() {
            1 if c == '\r' && chars.peek() == Some(&'\n') => out.push(' '),
            1 => out.push('?'),
            2 => out.push('¿'),
            _ => out.push('\u{fffd}'),
        }
    }
    debug_assert_eq!(out.len(), s.len());
    Cow::Owned(out)
}

/// A JSON document: DEL, C1 controls and bidi overrides (which can only be
/// inside its strings) written as `\u` escapes; C0 controls are escaped by
/// the serializer already.
pub fn json(s: &str) -> Cow<'_, str> {
    // Outside strings a JSON document holds only line breaks and blanks,
    // which are kept; everything else unsafe is `\u`-escaped.
    let kept = |c: char| matches!(c, '\n' | '\t' | '\r');
    let Some(first) = find_unsafe(s, &kept) else {
        return Cow::Borrowed(s);
    };
    let mut out = String::with_capacity(s.len() + 8);
    out.push_str(&s[..first]);
    let mut run = first;
    for (i, c) in s[first..].char_indices() {
        if is_unsafe(c) && !kept(c) {
            out.push_str(&s[run..first + i]);
            out.push_str(&format!("\\u{:04x}", c as u32));
            run = first + i + c.len_utf8();
        }
    }
    out.push_str(&s[run..]);
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every control character and bidi override, from every place.
    fn hostile() -> Vec<char> {
        let mut v: Vec<char> = (0u32..0x20)
            .chain(0x7f..0xa0)
            .filter_map(char::from_u32)
            .collect();
        v.extend(['\u{202a}', '\u{202b}', '\u{202c}', '\u{202d}', '\u{202e}']);
        v.extend(['\u{2066}', '\u{2067}', '\u{2068}', '\u{2069}']);
        v
    }

    #[test]
    fn colored_output_keeps_only_color_sequences() {
        let ours = "\x1b[1;31merror\x1b[0m: x\n\tb";
        assert_eq!(colored_output(ours), ours);
        // Cursor moves, screen clears, titles (OSC), a lone ESC, BEL, CR,
        // a bidi override: escaped.
        for bad in [
            "\x1b[2J",
            "\x1b[10A",
            "\x1b]0;title\x07",
            "\x1b",
            "\x1b[31",
            "\r",
            "\u{202e}",
        ] {
            let out = colored_output(bad);
            assert!(
                !out.contains("\x1b[2J") && !out.contains('\r'),
                "{bad:?}: {out:?}"
            );
            assert_ne!(out, bad, "{bad:?}");
        }
        for c in hostile()
            .into_iter()
            .filter(|c| !matches!(c, '\t' | '\n' | '\x1b'))
        {
            assert!(
                !colored_output(&format!("a{c}b")).chars().any(is_unsafe),
                "{c:?}"
            );
        }
    }

    #[test]
    fn pieces_are_escaped_whole() {
        for c in hostile() {
            let s = format!("a{c}b");
            let t = text(&s);
            if c == '\t' {
                assert_eq!(t, s);
                continue;
            }
            assert!(!t.chars().any(is_unsafe), "{c:?}: {t:?}");
            assert!(t.starts_with('a') && t.ends_with('b'), "{t}");
        }
        assert_eq!(text("x\x1b[31my"), "x\\x1b[31my");
        assert_eq!(text("x\ny"), "x\\ny");
        assert_eq!(text("\u{202e}abc"), "\\u{202e}abc");
        assert_eq!(text("plain é ü"), "plain é ü");
    }

    #[test]
    fn outputs_keep_their_lines() {
        assert_eq!(output("a\n\tb\x07\n"), "a\n\tb\\x07\n");
        for c in hostile() {
            let s = format!("a{c}b");
            let o = output(&s);
            assert!(
                !o.chars().any(|x| is_unsafe(x) && x != '\n' && x != '\t'),
                "{c:?}"
            );
        }
    }

    #[test]
    fn snippets_keep_byte_offsets() {
        for c in hostile() {
            let s = format!("A={c}x\r\nB=1\n");
            let o = source(&s);
            assert_eq!(o.len(), s.len(), "{c:?}");
            assert!(
                !o.chars().any(|x| is_unsafe(x) && x != '\n' && x != '\t'),
                "{c:?}: {o:?}"
            );
        }
        assert_eq!(source("a\r\nb\rc"), "a \nb?c");
    }

    #[test]
    fn json_strings_escape_what_serde_leaves() {
        let v = serde_json::json!({"k": "a\u{1b}b\u{7f}\u{9b}\u{202e}c\n"});
        let s = serde_json::to_string_pretty(&v).unwrap();
        let j = json(&s);
        assert!(!j.chars().any(|c| is_unsafe(c) && c != '\n'), "{j}");
        let back: serde_json::Value = serde_json::from_str(&j).unwrap();
        assert_eq!(back, v);
    }
}
