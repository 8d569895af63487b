//! The values of secret-named keys in a YAML file that does not parse (no
//! tree to read them from), found line by line, leniently: whatever looks
//! like such a value is masked, and a little more rather than less.
//!
//! Read: `KEY: value`, `- KEY=value` (also after `-` and a tab, or in a
//! nested item), quoted keys and values, an explicit key (`? KEY`, then
//! `: value` at its indentation, blank and comment lines between; or
//! `? KEY: value` on one line), a tag or an anchor before the value, and
//! the same in flow collections (`{KEY: value, …}`, `[KEY=value, …]`) on
//! one line or over several. A value runs on:
//! - quoted, to its closing quote (the rest of that line is read too);
//! - a flow collection (`[…]`, `{…}`), to its closing bracket;
//! - a block scalar (`|`, `>`), a plain scalar's continuation, or a value
//!   that starts on the next line: over the lines indented past its key (a
//!   line indented with a tab counts as deeper);
//! - an alias (`*name`): the value written at its anchor (`&name`) is
//!   masked, wherever it is.
//!
//! Lines end at `\n`, `\r\n` or a lone `\r`. Every scan moves forward: the
//! time is linear in the text.

use std::collections::HashSet;
use std::ops::Range;

use super::SecretPolicy;

/// The ranges of `text` to mask.
pub(super) fn secret_values(text: &str, policy: &SecretPolicy) -> Vec<Range<usize>> {
    let mut s = Scanner {
        text,
        policy,
        out: Vec::new(),
        aliases: HashSet::new(),
    };
    s.scan();
    if !s.aliases.is_empty() {
        s.anchors();
    }
    s.out
}

struct Scanner<'a> {
    text: &'a str,
    policy: &'a SecretPolicy,
    out: Vec<Range<usize>>,
    /// The aliases secret keys take their values from.
    aliases: HashSet<&'a str>,
}

/// One line of the text: where its content starts and ends (before its
/// line break), and where the next line starts.
#[derive(Clone, Copy)]
struct Line {
    start: usize,
    end: usize,
    next: usize,
}

/// The line that starts at `pos`.
fn line_at(text: &str, pos: usize) -> Line {
    let bytes = text.as_bytes();
    let end = bytes[pos..]
        .iter()
        .position(|b| matches!(b, b'\n' | b'\r'))
        .map_or(text.len(), |n| pos + n);
    let next = match bytes.get(end) {
        Some(b'\r') if bytes.get(end + 1) == Some(&b'\n') => end + 2,
        Some(_) => end + 1,
        None => end,
    };
    Line {
        start: pos,
        end,
        next,
    }
}

/// The indentation of a line's content: its leading blanks, a tab among
/// them counting as deeper than any indentation.
fn indent_of(line: &str) -> usize {
    let blanks = line.len() - line.trim_start_matches([' ', '\t']).len();
    if line[..blanks].contains('\t') {
        usize::MAX / 2
    } else {
        blanks
    }
}

/// `s` without a trailing comment (` #…`).
fn uncommented(s: &str) -> &str {
    let cut = s
        .match_indices('#')
        .find(|(i, _)| *i == 0 || s[..*i].ends_with([' ', '\t']))
        .map_or(s.len(), |(i, _)| i);
    &s[..cut]
}

fn is_blank_or_comment(s: &str) -> bool {
    let t = s.trim_start_matches([' ', '\t']);
    t.is_empty() || t.starts_with('#')
}

impl<'a> Scanner<'a> {
    fn secret(&self, key: &str) -> bool {
        let key = key.trim().trim_matches(['"', '\'']).trim();
        !key.is_empty() && self.policy.is_secret(key)
    }

    fn push(&mut self, r: Range<usize>) {
        if r.start < r.end {
            self.out.push(r);
        }
    }

    /// Every line, from the top: entries, flow pieces, explicit keys.
    fn scan(&mut self) {
        let text = self.text;
        let mut pos = 0;
        // A secret explicit key (`? KEY`) at this indentation, waiting
        // for its `: value`.
        let mut explicit: Option<usize> = None;
        while pos < text.len() {
            let line = line_at(text, pos);
            let content = &text[line.start..line.end];
            let indent = indent_of(content);
            if is_blank_or_comment(content) {
                pos = line.next;
                continue;
            }
            let body_at =
                line.start + (content.len() - content.trim_start_matches([' ', '\t']).len());
            // A value read on from this line: where to go on from.
            if let Some(next) = self.pieces(line, indent) {
                pos = next;
                continue;
            }
            let mut body = &text[body_at..line.end];
            let mut at = body_at;
            // `- `, `-\t`, `- - `: list items.
            while let Some(rest) = body
                .strip_prefix('-')
                .filter(|r| r.starts_with([' ', '\t']))
            {
                let trimmed = rest.trim_start_matches([' ', '\t']);
                at += body.len() - trimmed.len();
                body = trimmed;
            }
            if let Some(key) = body
                .strip_prefix('?')
                .filter(|k| k.is_empty() || k.starts_with([' ', '\t']))
            {
                // `? KEY`, or `? KEY: value` on one line; its `: value`
                // is at the column of its `?`.
                match self.entry(key, at + 1) {
                    Some(value) => pos = self.value(value, line, indent),
                    None => {
                        let column = at - line.start;
                        let (key, next) = self.key_over_lines(uncommented(key), line, column);
                        // Folded or not, it names a secret.
                        let secret = self.secret(&key) || self.secret(&key.replace(' ', ""));
                        explicit = secret.then_some(column);
                        pos = next;
                    }
                }
                continue;
            }
            if let (Some(i), Some(v)) = (explicit, body.strip_prefix(':')) {
                if i == at - line.start {
                    explicit = None;
                    let v_at = at + 1;
                    let lead = v.len() - v.trim_start_matches([' ', '\t']).len();
                    let value = v_at + lead..v_at + uncommented(v).trim_end().len().max(lead);
                    pos = self.value(value, line, indent);
                    continue;
                }
            }
            explicit = None;
            match self.entry(body, at) {
                Some(value) => pos = self.value(value, line, indent),
                None => pos = line.next,
            }
        }
    }

    /// An explicit key that runs on over the lines indented past its `?`
    /// (at `column` of `line`): its words joined as YAML folds them, and
    /// where its `: value` line may start.
    fn key_over_lines(&self, first: &str, line: Line, column: usize) -> (String, usize) {
        let text = self.text;
        let mut key = first.trim().to_string();
        let mut pos = line.next;
        while pos < text.len() {
            let l = line_at(text, pos);
            let content = &text[l.start..l.end];
            if is_blank_or_comment(content) || indent_of(content) <= column {
                break;
            }
            key.push(' ');
            key.push_str(uncommented(content).trim());
            pos = l.next;
        }
        (key, pos)
    }

    /// The value of `piece` (which starts at byte `at`), when it is a
    /// secret's: `KEY: value` or `KEY=value` (a list item's, a flow
    /// piece's, or a plain scalar's that is one). Quotes around the key or
    /// around the whole item (`"KEY=value"`) are part of what is read.
    fn entry(&self, piece: &str, at: usize) -> Option<Range<usize>> {
        let lead = piece.len() - piece.trim_start_matches([' ', '\t']).len();
        let body = &piece[lead..];
        let unquoted = body.trim_start_matches(['"', '\'']);
        let skip = lead + body.len() - unquoted.len();
        // The separator: `: ` (or `:` at the end), or `=` in an item.
        let colon = unquoted
            .match_indices(':')
            .find(|(i, _)| {
                unquoted[i + 1..].is_empty()
                    || unquoted[i + 1..].starts_with([' ', '\t'])
                    || unquoted[..*i].ends_with(['"', '\''])
            })
            .map(|(i, _)| i);
        let eq = unquoted.find('=');
        let (k, sep) = match (eq, colon) {
            (Some(e), c) if c.is_none_or(|c| e < c) => (e, 1),
            (_, Some(c)) => (c, 1),
            _ => return None,
        };
        if !self.secret(&unquoted[..k]) {
            return None;
        }
        let start = at + skip + k + sep;
        let rest = &unquoted[k + sep..];
        let lead = rest.len() - rest.trim_start_matches([' ', '\t']).len();
        let value = uncommented(&rest[lead..]).trim_end();
        // A quote opened before the key and not closed after it wraps
        // the whole item: keep it, so that the value is read to it.
        let opened = skip > lead && !unquoted[..k].trim_end().ends_with(['"', '\'']);
        let value_start = start + lead;
        let end = if opened {
            // To the item's closing quote, over lines.
            let q = body.as_bytes()[0] as char;
            closing_quote(self.text, value_start, q).max(value_start + value.len())
        } else {
            value_start + value.len()
        };
        Some(value_start..end)
    }

    /// Masks the value at `value` (on `line`, of a key at `indent`) and
    /// whatever it runs on to; where the scan goes on from.
    fn value(&mut self, value: Range<usize>, line: Line, indent: usize) -> usize {
        let text = self.text;
        let mut v = value.clone();
        // A tag and an anchor before the value are not the value.
        loop {
            let s = &text[v.clone()];
            if !(s.starts_with('!') || s.starts_with('&')) {
                break;
            }
            let token = s.find([' ', '\t']).unwrap_or(s.len());
            let rest = &s[token..];
            let lead = rest.len() - rest.trim_start_matches([' ', '\t']).len();
            v.start += token + lead;
        }
        let s = &text[v.clone()];
        if s.is_empty() || s.starts_with(['|', '>']) {
            return self.under(line.next, indent, true);
        }
        if let Some(name) = s.strip_prefix('*') {
            let name = name.split([' ', '\t', ',', ']', '}']).next().unwrap_or("");
            if !name.is_empty() {
                self.aliases.insert(name);
            }
            return line.next;
        }
        if v.end > line.end {
            // A value read to a closing quote already (an item quoted whole).
            self.push(v.clone());
            return self.resume(v.end, line);
        }
        match s.as_bytes()[0] {
            q @ (b'"' | b'\'') => {
                let close = closing_quote(text, v.start + 1, q as char);
                self.push(v.start..close);
                self.resume(close, line)
            }
            b'[' | b'{' => {
                let close = closing_bracket(text, v.start);
                self.push(v.start..close);
                self.resume(close, line)
            }
            _ => {
                self.push(v);
                self.under(line.next, indent, false)
            }
        }
    }

    /// Where the scan goes on after a value that ends at `end`: on the same
    /// line, the rest of it (another piece of a flow collection); else the
    /// line after.
    fn resume(&self, end: usize, line: Line) -> usize {
        if end >= self.text.len() {
            return self.text.len();
        }
        if end < line.end {
            // Still on the value's own line: the next line.
            return line.next;
        }
        // The value ended on a later line: the rest of that line is read
        // as a line of its own.
        let after = line_at(self.text, self.line_start(end));
        if end >= after.end {
            after.next
        } else {
            end
        }
    }

    /// The start of the line that holds `pos`.
    fn line_start(&self, pos: usize) -> usize {
        self.text[..pos].rfind(['\n', '\r']).map_or(0, |n| n + 1)
    }

    /// Masks the lines from `pos` on that are blank, comments or indented
    /// past `indent` (the value of a key at `indent`); where the first
    /// other line starts. `first`: the value starts on the first of them
    /// (an alias there is followed, a quote read to its end).
    fn under(&mut self, mut pos: usize, indent: usize, mut first: bool) -> usize {
        let text = self.text;
        while pos < text.len() {
            let line = line_at(text, pos);
            let content = &text[line.start..line.end];
            // A comment, even less indented, does not end what follows.
            if is_blank_or_comment(content) {
                pos = line.next;
                continue;
            }
            if indent_of(content) <= indent {
                return pos;
            }
            let body_at =
                line.start + (content.len() - content.trim_start_matches([' ', '\t']).len());
            if std::mem::take(&mut first) {
                let body = &text[body_at..line.end];
                if let Some(name) = body.strip_prefix('*') {
                    let name = name.split([' ', '\t', ',', ']', '}']).next().unwrap_or("");
                    if !name.is_empty() {
                        self.aliases.insert(name);
                    }
                }
                if let Some(q) = body.chars().next().filter(|c| matches!(c, '"' | '\'')) {
                    let close = closing_quote(text, body_at + 1, q);
                    self.push(body_at..close);
                    pos = self.resume(close, line);
                    continue;
                }
            }
            self.push(body_at..line.end);
            pos = line.next;
        }
        text.len()
    }

    /// The pieces of flow collections on `line` (and the line's start, a
    /// piece of a collection opened on an earlier line): each secret's
    /// value masked. `Some(next)`: a value ran on past this line; the
    /// scan goes on from `next`.
    fn pieces(&mut self, line: Line, indent: usize) -> Option<usize> {
        let text = self.text;
        let content = &text[line.start..line.end];
        let delimiters: Vec<usize> = content
            .match_indices(['{', '[', ',', '}', ']'])
            .map(|(i, _)| i)
            .collect();
        if delimiters.is_empty() {
            return None;
        }
        // Each piece ends at the next delimiter: pieces never overlap.
        let starts = std::iter::once((0, 0)).chain(
            delimiters
                .iter()
                .enumerate()
                .filter(|(_, &i)| matches!(content.as_bytes()[i], b'{' | b'[' | b','))
                .map(|(n, i)| (i + 1, n + 1)),
        );
        for (from, n) in starts {
            // `n`: the index of the delimiter that ends the piece.
            let to = delimiters.get(n).copied().unwrap_or(content.len());
            let piece = &content[from..to];
            let Some(value) = self.entry(piece, line.start + from) else {
                continue;
            };
            let at_end = to == content.len();
            let next = match text[value.clone()].as_bytes().first() {
                // Nothing after the key in this piece: a collection (or a
                // value on the next line) follows.
                None if to < content.len() && matches!(content.as_bytes()[to], b'[' | b'{') => {
                    let close = closing_bracket(text, line.start + to);
                    self.push(line.start + to..close);
                    self.resume(close, line)
                }
                None if at_end => self.under(line.next, indent, true),
                None => continue,
                Some(b'"' | b'\'' | b'[' | b'{') | Some(b'&' | b'!' | b'*') => {
                    self.value(value, line, indent)
                }
                Some(_) if at_end => {
                    // A plain value to the end of the line: its
                    // continuation lines too.
                    self.push(value);
                    self.under(line.next, indent, false)
                }
                Some(_) => {
                    self.push(value);
                    continue;
                }
            };
            if next != line.next {
                return Some(next);
            }
        }
        None
    }

    /// The values at the anchors (`&name`) of the aliases secret keys take
    /// their values from, in one pass over the text.
    fn anchors(&mut self) {
        let text = self.text;
        let mut pos = 0;
        while pos < text.len() {
            let line = line_at(text, pos);
            let content = &text[line.start..line.end];
            let indent = indent_of(content);
            // The line's end without trailing blanks, found once.
            let end = line.start + content.trim_end().len();
            let mut next = line.next;
            let mut under = false;
            for (i, _) in content.match_indices('&') {
                let name_at = line.start + i + 1;
                let name = text[name_at..end]
                    .split([' ', '\t', ',', ']', '}'])
                    .next()
                    .unwrap_or("");
                if name.is_empty() || !self.aliases.contains(name) {
                    continue;
                }
                let after = name_at + name.len();
                let lead =
                    text[after..end].len() - text[after..end].trim_start_matches([' ', '\t']).len();
                let start = after + lead;
                if start >= end {
                    under = true;
                    continue;
                }
                if text[start..end].starts_with(['&', '!']) {
                    // Another anchor or a tag first: the rest of the line
                    // (looked at once per anchor, not read through).
                    self.push(start..end);
                    under = true;
                    continue;
                }
                let to = self.value(start..end, line, indent);
                if to != line.next {
                    // Read on past this line (a quote, a collection, the
                    // lines under it).
                    next = to;
                    under = false;
                    break;
                }
            }
            if under {
                next = self.under(line.next, indent, true);
            }
            pos = next.max(line.next.min(text.len()));
            if pos <= line.start {
                pos = line.next;
            }
        }
    }
}

/// Where the quote `q` opened before `from` closes in `text` (just past
/// it; `\"` and `''` escape one), or the end of the text.
fn closing_quote(text: &str, from: usize, q: char) -> usize {
    let bytes = text.as_bytes();
    let mut i = from;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' if q == '"' => i += 2,
            b'\'' if q == '\'' && bytes.get(i + 1) == Some(&b'\'') => i += 2,
            b if b == q as u8 => return i + 1,
            _ => i += 1,
        }
    }
    text.len()
}

/// Just past the bracket that closes the one at `open` (`[` or `{`),
/// brackets inside quotes not counted; or the end of the text.
fn closing_bracket(text: &str, open: usize) -> usize {
    let bytes = text.as_bytes();
    let mut depth = 0usize;
    let mut i = open;
    while i < bytes.len() {
        match bytes[i] {
            b'[' | b'{' => depth += 1,
            b']' | b'}' => {
                depth -= 1;
                if depth == 0 {
                    return i + 1;
                }
            }
            q @ (b'"' | b'\'') => {
                i = closing_quote(text, i + 1, q as char);
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    text.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(text: &str) -> Vec<&str> {
        let policy = SecretPolicy::default();
        let mut ranges = secret_values(text, &policy);
        ranges.sort_by_key(|r| (r.start, r.end));
        for r in &ranges {
            assert!(text.get(r.clone()).is_some(), "{text:?} {r:?}");
        }
        ranges.into_iter().map(|r| &text[r]).collect()
    }

    /// Whether every `S…` word of `text` (a secret) is inside a range.
    fn all_masked(text: &str) -> Result<(), String> {
        let policy = SecretPolicy::default();
        let ranges = secret_values(text, &policy);
        for (i, _) in text.match_indices("SEK") {
            if !ranges.iter().any(|r| r.start <= i && i + 3 <= r.end) {
                let line = text[..i].matches(['\n', '\r']).count() + 1;
                return Err(format!("line {line} of {text:?} shown"));
            }
        }
        Ok(())
    }

    #[test]
    fn entries_items_and_flow_pieces() {
        let text = "services:\n  app:\n    environment:\n      API_TOKEN: s1\n      - DB_PASSWORD=s2\n      - \"SECRET_KEY=s3\"\n      'JWT_SECRET': 's4'\n      PASSWORD: |\n        s5\n        s6\n      NAME: app\n    environment: {A: 1, DB_PASSWORD: s7, NAME: x}\n    args: [\"API_KEY=s8\", B=2]\n      X: [\n";
        assert_eq!(
            found(text),
            ["s1", "s2", "s3\"", "'s4'", "s5", "s6", "s7", "s8\""]
        );
    }

    #[test]
    fn values_over_lines_explicit_keys_and_aliases() {
        let text = concat!(
            "x-common: &pw s1\n",
            "x-block: &blk |\n  s2\n  s3\n",
            "services:\n  app:\n    environment:\n",
            "      PASSWORD: \"s4\n        s5\"\n",
            "      API_KEY: s6\n        s7\n",
            "      ? DB_PASSWORD\n      : s8\n",
            "      ? NAME\n      : app\n",
            "      SECRET_KEY: *pw\n",
            "      JWT_SECRET: *blk\n",
            "      - \"API_TOKEN=s9\n        s10\"\n",
            "      TOKEN: 's11''\n        s12'\n",
            "      AUTH_TOKEN:\n        s13\n",
            "      OTHER: x\n",
            "    environment: {PASSWORD: \"s14\n      s15\", B: 1}\n",
            "    image: [\n",
        );
        assert_eq!(
            found(text),
            [
                "s1",
                "s2",
                "s3",
                "\"s4\n        s5\"",
                "s6",
                "s7",
                "s8",
                "s9\n        s10\"",
                "'s11''\n        s12'",
                "s13",
                "\"s14\n      s15\"",
            ]
        );
    }

    /// The forms a review found shown (each file fails to parse).
    #[test]
    fn every_form_a_review_found() {
        for text in [
            // The rest of the line where a quote closes.
            "environment: {PASSWORD: \"s1\n      x\", API_TOKEN: SEKRIT3}\n- ]\n",
            "environment: [\"PASSWORD=s1\n  x\", \"API_TOKEN=SEKRIT3\"]\n- ]\n",
            "x-a: [&pw \"s1\n  x\", &q SEKRIT2]\nTOKEN: *q\n- ]\n",
            // Explicit keys: on one line, with a comment, lines between.
            "? API_TOKEN : SEKRIT1\n- ]\n",
            "? API_TOKEN: SEKRIT1\n- ]\n",
            "? API_KEY # note\n: SEKRIT1\n- ]\n",
            "? DB_PASSWORD\n# c\n: SEKRIT1\n- ]\n",
            "? DB_PASSWORD\n\n: SEKRIT1\n- ]\n",
            "- ? API_TOKEN\n  : SEKRIT1\n- ]\n",
            // An alias on the line under its key.
            "x-a: &pw SEKRIT1\nPASSWORD:\n  *pw\n- ]\n",
            // A quoted value on the next line, or after a tag or an anchor.
            "PASSWORD:\n  \"SEKRIT1\nSEKRIT2\"\n- ]\n",
            "  PASSWORD: !!str \"SEKRIT1\nSEKRIT2\"\n- ]\n",
            "  PASSWORD: &p \"SEKRIT1\nSEKRIT2\"\n- ]\n",
            // Flow collections over lines.
            "environment: [\n  \"B=1\",\n  \"API_TOKEN=SEKRIT1\",\n  \"C=1\" \"D=2\",\n- ]\n",
            "environment: [\n  B=1,\n  API_TOKEN=SEKRIT1]\n- ]\n",
            "{A: 1, API_TOKEN:\n  SEKRIT1}\n- ]\n",
            "{PASSWORD: SEKRIT1\n  SEKRIT2, B: 1}\n- ]\n",
            "{API_KEY: [SEKRIT1, SEKRIT2]}\n- ]\n",
            "{API_KEY: {v: SEKRIT1}}\n- ]\n",
            "API_KEY: [SEKRIT1,\nSEKRIT2]\n- ]\n",
            // Tabs.
            "  PASSWORD: |\n\tSEKRIT1\n- ]\n",
            "-\tAPI_TOKEN=SEKRIT1\n- ]\n",
            // List items whose value is on the next line.
            "- |\n  API_TOKEN=SEKRIT1\n- ]\n",
            "-\n  API_TOKEN=SEKRIT1\n- ]\n",
            // A comment less indented inside a block scalar; a key over
            // lines.
            "      API_TOKEN: |\n        SEKRIT1\n      # x\n        SEKRIT2\n- ]\n",
            "      ? PASS\n        WORD\n      : SEKRIT1\n- ]\n",
            // Lone CR line ends.
            "a: 1\rAPI_TOKEN: SEKRIT1\r- ]\r",
            "\"DB:PASSWORD\": SEKRIT1\n- ]\n",
        ] {
            all_masked(text).unwrap();
        }
    }

    #[test]
    fn odd_input_neither_panics_nor_slices_a_character() {
        for odd in [
            "- ",
            "'",
            "\"A:",
            "é: {ü",
            "{,,}",
            "PASSWORD:\r\n",
            "[PASSWORD=",
            "{:}",
            "? ",
            "?",
            ": ",
            "PASSWORD: *",
            "PASSWORD: &",
            "&",
            "PASSWORD: *a\n&a",
            "PASSWORD: *a\n&a \"",
            "PASSWORD: \"\\",
            "PASSWORD: 'é",
            "- \"PASSWORD=",
            "{PASSWORD: \"a, PASSWORD: \"b}",
            "é&é\n",
            "PASSWORD: *é\nx: &é 'é\n",
            "PASSWORD: [",
            "PASSWORD: {]}",
            "- -\t- ",
            "? é: é",
            "\r\r\n\r",
            "PASSWORD: !",
            "PASSWORD: !! &",
            "{PASSWORD: [é",
            "\tPASSWORD:\n\t\tx",
        ] {
            let _ = found(odd);
        }
    }
}
