//! A YAML tree with exact ranges, built from `saphyr-parser` events. Anchors,
//! aliases and merge keys (`<<`) are resolved here with bounds on expansion
//! and depth, so an alias bomb gives an error, not an exhausted machine.

use crate::source::{SyntaxError, TextRange};

#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// Where the node is written (for an alias: where the anchored node is).
    pub range: TextRange,
    pub kind: NodeKind,
    /// Compose's merge tag on the node (`!reset`, `!override`).
    pub tag: Option<MergeTag>,
}

/// The tags Compose reads when it merges files: `!reset` removes what an
/// earlier file set (and the node itself), `!override` replaces it instead
/// of merging into it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MergeTag {
    Reset,
    Override,
}

fn merge_tag(tag: Option<&saphyr_parser::Tag>) -> Option<MergeTag> {
    let tag = tag?;
    match (tag.handle.as_str(), tag.suffix.as_str()) {
        ("!", "reset") => Some(MergeTag::Reset),
        ("!", "override") => Some(MergeTag::Override),
        _ => None,
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum NodeKind {
    Scalar(Scalar),
    Seq(Vec<Node>),
    Map(Vec<(Node, Node)>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Scalar {
    /// The decoded text.
    pub value: String,
    pub style: ScalarStyle,
    /// The YAML 1.2 core-schema reading of a plain scalar.
    pub resolved: Resolved,
    /// When the decoded text can be mapped 1:1 onto the source (plain,
    /// single-line quoted without escapes): the byte offset in the file of
    /// `value`'s first byte. Lets callers point inside a value.
    pub value_start: Option<usize>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScalarStyle {
    Plain,
    SingleQuoted,
    DoubleQuoted,
    Literal,
    Folded,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Resolved {
    Null,
    Bool(bool),
    Int(i64),
    /// An integer beyond `i64` that fits `u64` (go-yaml decodes a `uint64`).
    Uint(u64),
    Float(f64),
    /// A plain `2001-12-14` (go-yaml decodes a time, which Compose rejects
    /// where it wants a string).
    Timestamp,
    Str,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct YamlDocument {
    /// The first document's root, or None for an empty file.
    pub root: Option<Node>,
    /// The documents after the first (`---`), in order: where each begins
    /// (its `---`) and its root (a null scalar for an empty one). Anchors
    /// carry over from one document to the next, as go-yaml's decoder
    /// keeps them; the alias limits count the whole file.
    pub later: Vec<(TextRange, Option<Node>)>,
    pub errors: Vec<SyntaxError>,
}

use crate::syntax::limits::MAX_DOCUMENTS;
use reindent::Reindented;
use saphyr_parser::{Event, Parser, ScalarStyle as SStyle};
use std::collections::HashMap;

/// Nodes an alias may copy in one document, in total: far beyond any real
/// compose file, far below what exhausts memory ("billion laughs").
pub const MAX_ALIAS_NODES: usize = 100_000;
/// Bytes of scalars aliases may copy in one document, in total (a scalar
/// of 1 MB aliased 2,000 times is a bomb of few nodes): twice the largest
/// file read.
pub const MAX_ALIAS_BYTES: usize = 16 << 20;
/// Nesting depth, aliases included.
pub const MAX_DEPTH: usize = 200;

/// What copying a node costs (see [`MAX_ALIAS_NODES`], [`MAX_ALIAS_BYTES`]).
#[derive(Debug, Clone, Copy, Default)]
struct Size {
    nodes: usize,
    bytes: usize,
}

impl Node {
    pub fn as_scalar(&self) -> Option<&Scalar> {
        match &self.kind {
            NodeKind::Scalar(s) => Some(s),
            _ => None,
        }
    }
    /// The text of a scalar (any style), `None` for collections.
    pub fn as_str(&self) -> Option<&str> {
        self.as_scalar().map(|s| s.value.as_str())
    }
    pub fn as_map(&self) -> Option<&[(Node, Node)]> {
        match &self.kind {
            NodeKind::Map(m) => Some(m),
            _ => None,
        }
    }
    pub fn as_seq(&self) -> Option<&[Node]> {
        match &self.kind {
            NodeKind::Seq(s) => Some(s),
            _ => None,
        }
    }
    pub fn is_null(&self) -> bool {
        matches!(&self.kind, NodeKind::Scalar(s) if s.resolved == Resolved::Null)
    }
    /// The value of `key` in a mapping.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.as_map()?
            .iter()
            .find(|(k, _)| k.as_str() == Some(key))
            .map(|(_, v)| v)
    }
    /// What copying this node costs: its nodes and its scalars' bytes.
    fn size(&self) -> Size {
        let mut size = Size { nodes: 1, bytes: 0 };
        let mut add = |n: &Node| {
            let s = n.size();
            size.nodes += s.nodes;
            size.bytes += s.bytes;
        };
        match &self.kind {
            NodeKind::Scalar(s) => size.bytes = s.value.len(),
            NodeKind::Seq(items) => items.iter().for_each(add),
            NodeKind::Map(entries) => entries.iter().for_each(|(k, v)| {
                add(k);
                add(v);
            }),
        }
        size
    }
}

impl Scalar {
    /// The string Compose sees for this scalar once YAML typed it: `True` is
    /// `true`, `010` is `8`, `1.0` is `1`, `1e3` is `1000` (Go's `fmt.Sprint`
    /// of what go-yaml v3 decoded). `None` for null.
    pub fn compose_string(&self) -> Option<String> {
        match self.resolved {
            Resolved::Null => None,
            Resolved::Bool(b) => Some(b.to_string()),
            Resolved::Int(i) => Some(i.to_string()),
            Resolved::Uint(u) => Some(u.to_string()),
            Resolved::Float(f) => Some(go_float(f)),
            // A string is the text as decoded: a quoted "0123" stays 0123.
            Resolved::Timestamp | Resolved::Str => Some(self.value.clone()),
        }
    }
}

/// Go's `%v` of a float64 (`strconv.FormatFloat(f, 'g', -1, 64)`): the
/// shortest representation, in exponent form when the exponent is < -4 or
/// >= 6 (`1234567.0` → `1.234567e+06`, `1e3` → `1000`), as Compose prints it.
fn go_float(f: f64) -> String {
    if f.is_nan() {
        return "NaN".into();
    }
    if f.is_infinite() {
        return if f > 0.0 {
            "+Inf".into()
        } else {
            "-Inf".into()
        };
    }
    if f == 0.0 {
        return if f.is_sign_negative() {
            "-0".into()
        } else {
            "0".into()
        };
    }
    let exp = f.abs().log10().floor() as i32;
    if (-4..6).contains(&exp) {
        let s = format!("{f}");
        s
    } else {
        // Rust: 1e21 → "1e21"; Go: "1e+21".
        let s = format!("{f:e}");
        let (mant, e) = s.split_once('e').unwrap_or((&s, "0"));
        let e: i32 = e.parse().unwrap_or(0);
        format!("{mant}e{}{:02}", if e < 0 { '-' } else { '+' }, e.abs())
    }
}

/// Go's `strconv.ParseInt(s, 0, 64)`: sign, `0x`/`0o`/`0b` prefixes, a leading
/// `0` for octal.
fn go_parse_int(s: &str) -> Option<i64> {
    let (neg, body) = match s.as_bytes().first()? {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    let mag = go_parse_uint(body)?;
    if neg {
        if mag <= i64::MAX as u64 + 1 {
            Some((mag as i128).wrapping_neg() as i64)
        } else {
            None
        }
    } else {
        i64::try_from(mag).ok()
    }
}

fn go_parse_uint(s: &str) -> Option<u64> {
    let lower = s.to_ascii_lowercase();
    let (radix, digits) = if let Some(d) = lower.strip_prefix("0x") {
        (16, d)
    } else if let Some(d) = lower.strip_prefix("0o") {
        (8, d)
    } else if let Some(d) = lower.strip_prefix("0b") {
        (2, d)
    } else if lower.len() > 1 && lower.starts_with('0') {
        (8, &lower[1..])
    } else {
        (10, lower.as_str())
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return None;
    }
    u64::from_str_radix(digits, radix).ok()
}

fn is_yaml_float(s: &str) -> bool {
    // ^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$
    let b = s.as_bytes();
    let mut i = 0;
    if matches!(b.first(), Some(b'-' | b'+')) {
        i += 1;
    }
    let digits = |i: &mut usize| {
        let s = *i;
        while *i < b.len() && b[*i].is_ascii_digit() {
            *i += 1;
        }
        *i - s
    };
    if b.get(i) == Some(&b'.') {
        i += 1;
        if digits(&mut i) == 0 {
            return false;
        }
    } else {
        if digits(&mut i) == 0 {
            return false;
        }
        if b.get(i) == Some(&b'.') {
            i += 1;
            digits(&mut i);
        }
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'-' | b'+')) {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return false;
        }
    }
    i == b.len()
}

/// Go's `base64.StdEncoding.DecodeString`: padded standard alphabet, `\r`
/// and `\n` ignored; `None` for anything else.
fn decode_base64(text: &str) -> Option<Vec<u8>> {
    let digits: Vec<u8> = text
        .bytes()
        .filter(|b| !matches!(b, b'\r' | b'\n'))
        .collect();
    if !digits.len().is_multiple_of(4) {
        return None;
    }
    let value = |c: u8| -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        } as u32)
    };
    let mut out = Vec::with_capacity(digits.len() / 4 * 3);
    let quads = digits.chunks(4).count();
    for (i, quad) in digits.chunks(4).enumerate() {
        let pad = quad.iter().rev().take_while(|&&c| c == b'=').count();
        if pad > 2 || (pad > 0 && i + 1 != quads) {
            return None;
        }
        let mut n = 0u32;
        for &c in &quad[..4 - pad] {
            n = n << 6 | value(c)?;
        }
        n <<= 6 * pad as u32;
        let bytes = [(n >> 16) as u8, (n >> 8) as u8, n as u8];
        out.extend_from_slice(&bytes[..3 - pad]);
    }
    Some(out)
}

/// go-yaml v3's reading of a plain scalar (what Compose decodes).
pub fn resolve_plain(s: &str) -> Resolved {
    match s {
        "" | "~" | "null" | "Null" | "NULL" => return Resolved::Null,
        "true" | "True" | "TRUE" => return Resolved::Bool(true),
        "false" | "False" | "FALSE" => return Resolved::Bool(false),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => {
            return Resolved::Float(f64::INFINITY)
        }
        "-.inf" | "-.Inf" | "-.INF" => return Resolved::Float(f64::NEG_INFINITY),
        ".nan" | ".NaN" | ".NAN" => return Resolved::Float(f64::NAN),
        _ => {}
    }
    let first = s.as_bytes()[0];
    if !(first.is_ascii_digit() || matches!(first, b'-' | b'+' | b'.')) {
        return Resolved::Str;
    }
    if first.is_ascii_digit() && is_timestamp(s) {
        return Resolved::Timestamp;
    }
    let plain = s.replace('_', "");
    if let Some(i) = go_parse_int(&plain) {
        return Resolved::Int(i);
    }
    if let Some(u) = go_parse_uint(&plain) {
        return Resolved::Uint(u);
    }
    if is_yaml_float(&plain) {
        // Out of float64's range (`1e400`), go-yaml keeps the string.
        if let Ok(f) =
            plain.parse::<f64>().map_err(drop).and_then(
                |f| {
                    if f.is_finite() {
                        Ok(f)
                    } else {
                        Err(())
                    }
                },
            )
        {
            return Resolved::Float(f);
        }
    }
    Resolved::Str
}

/// go-yaml's timestamp forms: `2006-1-2`, optionally followed by `T`, `t`
/// or a space and a time.
fn is_timestamp(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    let field = |i: &mut usize, min: usize, max: usize| {
        let start = *i;
        while *i < b.len() && b[*i].is_ascii_digit() && *i - start < max {
            *i += 1;
        }
        *i - start >= min
    };
    if !field(&mut i, 4, 4) || b.get(i) != Some(&b'-') {
        return false;
    }
    i += 1;
    if !field(&mut i, 1, 2) || b.get(i) != Some(&b'-') {
        return false;
    }
    i += 1;
    if !field(&mut i, 1, 2) {
        return false;
    }
    match b.get(i) {
        None => true,
        Some(b'T' | b't' | b' ') => {
            i += 1;
            field(&mut i, 1, 2) && b.get(i) == Some(&b':')
        }
        _ => false,
    }
}

/// Character index → byte offset, for saphyr's character-based markers.
struct CharIndex<'a> {
    text: &'a str,
    ascii: bool,
    /// Byte offset of every 64th character.
    checkpoints: Vec<usize>,
}

impl<'a> CharIndex<'a> {
    fn new(text: &'a str) -> Self {
        let ascii = text.is_ascii();
        let mut checkpoints = Vec::new();
        if !ascii {
            for (n, (b, _)) in text.char_indices().enumerate() {
                if n % 64 == 0 {
                    checkpoints.push(b);
                }
            }
        }
        CharIndex {
            text,
            ascii,
            checkpoints,
        }
    }
    fn byte(&self, ci: usize) -> usize {
        if self.ascii {
            return ci.min(self.text.len());
        }
        let Some(&start) = self.checkpoints.get(ci / 64) else {
            return self.text.len();
        };
        let mut b = start;
        for c in self.text[start..].chars().take(ci % 64) {
            b += c.len_utf8();
        }
        b
    }
}

enum Frame {
    Seq {
        start: usize,
        flow: bool,
        anchor: usize,
        tag: Option<MergeTag>,
        items: Vec<Node>,
    },
    Map {
        start: usize,
        flow: bool,
        anchor: usize,
        tag: Option<MergeTag>,
        entries: Vec<(Node, Node)>,
        key: Option<Node>,
        /// Where the pending key is written (an alias's own place).
        key_at: TextRange,
    },
}

struct Builder<'a> {
    /// The text as written: every range is an offset in it.
    text: &'a str,
    /// The text saphyr reads (the written one, or it re-indented).
    index: CharIndex<'a>,
    reindented: Option<&'a Reindented>,
    stack: Vec<Frame>,
    anchors: HashMap<usize, (Node, Size, usize)>,
    /// What aliases copied so far.
    aliased: Size,
    /// Each document's start and root, the first document's included.
    roots: Vec<(TextRange, Option<Node>)>,
    errors: Vec<SyntaxError>,
    /// Where saphyr stopped on an error of its own (not one of ours).
    scan_error: bool,
    /// Where building stopped before the end of the text: an error,
    /// saphyr's or ours.
    stopped_at: Option<usize>,
    /// The ranges of the flow collections and quoted scalars built.
    contexts: Vec<(usize, usize)>,
    /// How many flow collections are open.
    flow_depth: usize,
    /// Between each key and its value, from the key's last byte.
    gaps: Vec<(usize, usize)>,
}

/// Parses the YAML documents of `text`. Never panics; errors carry the
/// range where the parser stopped. On an error every tree is dropped
/// (Compose rejects the file, whichever document the error is in).
///
/// Where saphyr fails, the text is parsed once more with the lines that
/// begin inside a flow collection or a quoted scalar indented past their
/// opening, and tabs alone after a `:` written as spaces (see `reindent`):
/// go-yaml accepts both. That second tree is kept only if every line moved
/// is inside a flow collection or quoted scalar of it, and every tab between
/// a key and its value; otherwise the first error stands. When the second
/// parse fails too, further on, its error is the one reported: the first was
/// one go-yaml does not make.
pub fn parse(text: &str) -> YamlDocument {
    let first = build(text, None);
    if !first.scan_error {
        return first.document();
    }
    let Some(re) = Reindented::new(text) else {
        return first.document();
    };
    let mut second = build(text, Some(&re));
    let until = second.stopped_at.unwrap_or(usize::MAX);
    let lines = &re.lines[..re.lines.partition_point(|&l| l < until)];
    let tabs = &re.tabs[..re.tabs.partition_point(|&t| t < until)];
    if !reindent::all_inside(lines, &mut second.contexts)
        || !reindent::all_inside(tabs, &mut second.gaps)
    {
        return first.document();
    }
    // Still wrong: the error further on is the one go-yaml meets too.
    let further = |b: &Builder| b.errors.first().map_or(0, |e| e.range.start);
    if second.scan_error && further(&second) <= further(&first) {
        return first.document();
    }
    second.document()
}

fn build<'a>(text: &'a str, reindented: Option<&'a Reindented>) -> Builder<'a> {
    let read = reindented.map_or(text, |r| r.text.as_str());
    let mut b = Builder {
        text,
        index: CharIndex::new(read),
        reindented,
        stack: Vec::new(),
        anchors: HashMap::new(),
        aliased: Size::default(),
        roots: Vec::new(),
        errors: Vec::new(),
        scan_error: false,
        stopped_at: None,
        contexts: Vec::new(),
        flow_depth: 0,
        gaps: Vec::new(),
    };
    for event in Parser::new_from_str(read) {
        let (event, span) = match event {
            Ok(e) => e,
            Err(e) => {
                let at = b.offset(e.marker().index());
                let end = (at + 1).min(text.len()).max(at);
                let end = if text.is_char_boundary(end) { end } else { at };
                b.errors.push(SyntaxError::new(
                    format!("invalid YAML: {}", e.info()),
                    TextRange::new(at, end),
                ));
                b.roots.clear();
                b.scan_error = true;
                b.stop(at);
                break;
            }
        };
        let start = b.offset(span.start.index());
        let end = b.offset(span.end.index()).max(start);
        let result = match event {
            // Past the bound, the file is refused where it is reached,
            // before the documents after it are built.
            Event::DocumentStart(_) if b.roots.len() >= MAX_DOCUMENTS => Err(SyntaxError::limit(
                format!(
                    "more than {MAX_DOCUMENTS} YAML documents in one file: not read \
                     (a limit of mppeep-lint, not of Compose)"
                ),
                TextRange::new(start, end),
            )),
            Event::DocumentStart(_) => {
                b.roots.push((TextRange::new(start, end), None));
                Ok(())
            }
            Event::Scalar(value, style, anchor, tag) => {
                if matches!(style, SStyle::SingleQuoted | SStyle::DoubleQuoted) {
                    b.contexts.push((start, end));
                }
                let mut node = b.scalar(&value, style, tag.as_deref(), start, end);
                if tag.as_deref().is_some_and(|t| t.suffix == "binary") {
                    // go-yaml decodes `!!binary` (base64, line breaks ignored).
                    match decode_base64(&value) {
                        Some(bytes) => {
                            if let NodeKind::Scalar(sc) = &mut node.kind {
                                sc.value = String::from_utf8_lossy(&bytes).into_owned();
                                sc.resolved = Resolved::Str;
                                sc.value_start = None;
                            }
                        }
                        None => b.errors.push(SyntaxError::new(
                            "!!binary value contains invalid base64 data",
                            node.range,
                        )),
                    }
                }
                let at = node.range;
                let size = node.size();
                b.push(node, anchor, size, 0, at)
            }
            Event::SequenceStart(anchor, tag) => b.open(Frame::Seq {
                start,
                flow: text[start..].starts_with('['),
                anchor,
                tag: merge_tag(tag.as_deref()),
                items: Vec::new(),
            }),
            Event::MappingStart(anchor, tag) => b.open(Frame::Map {
                start,
                flow: text[start..].starts_with('{'),
                anchor,
                tag: merge_tag(tag.as_deref()),
                entries: Vec::new(),
                key: None,
                key_at: TextRange::empty(start),
            }),
            Event::SequenceEnd | Event::MappingEnd => b.close(end),
            Event::Alias(id) => b.alias(id, start, end),
            _ => Ok(()),
        };
        if let Err(e) = result {
            b.stop(e.range.start.max(start));
            b.errors.push(e);
            b.roots.clear();
            b.stack.clear();
            break;
        }
    }
    b
}

impl Builder<'_> {
    fn document(self) -> YamlDocument {
        let mut roots = self.roots.into_iter();
        YamlDocument {
            root: roots.next().and_then(|(_, root)| root),
            later: roots.collect(),
            errors: self.errors,
        }
    }

    /// Building stops at `at`: the flow collections still open reach it.
    fn stop(&mut self, at: usize) {
        self.stopped_at = Some(at);
        for frame in &self.stack {
            if let Frame::Seq {
                start, flow: true, ..
            }
            | Frame::Map {
                start, flow: true, ..
            } = frame
            {
                self.contexts.push((*start, at));
            }
        }
    }

    /// saphyr's character index → a byte offset in the text as written.
    fn offset(&self, ci: usize) -> usize {
        let at = self.index.byte(ci);
        match self.reindented {
            Some(r) => r.original(at).min(self.text.len()),
            None => at,
        }
    }

    fn scalar(
        &self,
        value: &str,
        style: SStyle,
        tag: Option<&saphyr_parser::Tag>,
        start: usize,
        end: usize,
    ) -> Node {
        let style = match style {
            SStyle::Plain => ScalarStyle::Plain,
            SStyle::SingleQuoted => ScalarStyle::SingleQuoted,
            SStyle::DoubleQuoted => ScalarStyle::DoubleQuoted,
            SStyle::Literal => ScalarStyle::Literal,
            SStyle::Folded => ScalarStyle::Folded,
        };
        let explicit_str = tag.is_some_and(|t| t.suffix == "str");
        let resolved = if style == ScalarStyle::Plain && !explicit_str {
            resolve_plain(value)
        } else {
            Resolved::Str
        };
        let mut end = end;
        let mut value = std::borrow::Cow::Borrowed(value);
        if matches!(style, ScalarStyle::Literal | ScalarStyle::Folded) {
            end = start + self.text[start..end].trim_end().len();
            if self.block_scalar_ends_file(start, end) && value.ends_with('\n') {
                value.to_mut().pop();
            }
        }
        let value_start = match style {
            ScalarStyle::Plain if self.text[start..].starts_with(&*value) => Some(start),
            ScalarStyle::SingleQuoted | ScalarStyle::DoubleQuoted
                if self
                    .text
                    .get(start + 1..)
                    .is_some_and(|t| t.starts_with(&*value))
                    && self.text.as_bytes().get(start + 1 + value.len())
                        == self.text.as_bytes().get(start) =>
            {
                Some(start + 1)
            }
            _ => None,
        };
        Node {
            range: TextRange::new(start, end),
            kind: NodeKind::Scalar(Scalar {
                value: value.into_owned(),
                style,
                resolved,
                value_start,
            }),
            tag: merge_tag(tag),
        }
    }

    /// Whether saphyr ended with a line break the block scalar whose content
    /// is written at `start..end` where go-yaml has none: the file ends
    /// without a line break, on the scalar's last line or on a line of
    /// blanks indented as its content (which saphyr takes for an empty line,
    /// go-yaml for nothing). Not for `|-` (nothing to take off) nor an
    /// explicit indentation (`|2`: left as saphyr reads it).
    fn block_scalar_ends_file(&self, start: usize, end: usize) -> bool {
        let text = self.text;
        if start >= end || text.ends_with(['\n', '\r']) {
            return false;
        }
        let rest = &text[end..];
        if !rest
            .bytes()
            .all(|c| matches!(c, b' ' | b'\t' | b'\r' | b'\n'))
        {
            return false;
        }
        let first_line = text[..start].rfind('\n').map_or(0, |i| i + 1);
        let indent = text[first_line..start].len();
        if !text[first_line..start].bytes().all(|c| c == b' ') {
            return false;
        }
        if let Some(last) = rest.rfind('\n') {
            let blanks = &rest[last + 1..];
            if blanks.len() < indent || !blanks.bytes().all(|c| c == b' ') {
                return false;
            }
        }
        // The header: the last word of the last line before the content
        // that is not blank, comment taken off.
        let before = text[..first_line].trim_end();
        let header_line = &before[before.rfind('\n').map_or(0, |i| i + 1)..];
        let header = header_line
            .split_whitespace()
            .take_while(|w| !w.starts_with('#'))
            .last()
            .unwrap_or("");
        let Some(indicators) = header.strip_prefix(['|', '>']) else {
            return false;
        };
        indicators.bytes().all(|c| c == b'+')
    }

    fn open(&mut self, frame: Frame) -> Result<(), SyntaxError> {
        if self.stack.len() >= MAX_DEPTH {
            let at = match &frame {
                Frame::Seq { start, .. } | Frame::Map { start, .. } => *start,
            };
            return Err(SyntaxError::new(
                format!("YAML nested deeper than {MAX_DEPTH} levels"),
                TextRange::new(at, at),
            ));
        }
        if let Frame::Seq { flow: true, .. } | Frame::Map { flow: true, .. } = frame {
            self.flow_depth += 1;
        }
        self.stack.push(frame);
        Ok(())
    }

    fn close(&mut self, end: usize) -> Result<(), SyntaxError> {
        let Some(frame) = self.stack.pop() else {
            return Ok(());
        };
        let mut end = end;
        match frame {
            Frame::Seq { flow: true, .. } => {
                self.flow_depth -= 1;
                end = self.closing_bracket(end, b']');
            }
            Frame::Map { flow: true, .. } => {
                self.flow_depth -= 1;
                end = self.closing_bracket(end, b'}');
            }
            _ => {}
        }
        let (node, anchor) = match frame {
            Frame::Seq {
                start,
                flow,
                anchor,
                tag,
                items,
            } => {
                let (s, e) = self.bounds(
                    start,
                    flow,
                    end,
                    items.first().map(|n| n.range),
                    items.last().map(|n| n.range),
                );
                if flow {
                    self.contexts.push((s, e));
                }
                (
                    Node {
                        range: TextRange::new(s, e),
                        kind: NodeKind::Seq(items),
                        tag,
                    },
                    anchor,
                )
            }
            Frame::Map {
                start,
                flow,
                anchor,
                tag,
                entries,
                key,
                ..
            } => {
                let mut entries = entries;
                if let Some(k) = key {
                    let at = k.range.end;
                    entries.push((k, null_at(at)));
                }
                let first = entries.first().map(|(k, _)| k.range);
                let last = entries.last().map(|(_, v)| v.range);
                let (s, e) = self.bounds(start, flow, end, first, last);
                if flow {
                    self.contexts.push((s, e));
                }
                let entries = self.merge(entries)?;
                (
                    Node {
                        range: TextRange::new(s, e),
                        kind: NodeKind::Map(entries),
                        tag,
                    },
                    anchor,
                )
            }
        };
        let count = if anchor > 0 {
            node.size()
        } else {
            Size::default()
        };
        let depth = if anchor > 0 { depth(&node) } else { 0 };
        let at = node.range;
        self.push(node, anchor, count, depth, at)
    }

    /// The end of a flow collection: saphyr ends one with a trailing comma
    /// at the comma; its closing bracket follows, past blanks and comments.
    fn closing_bracket(&self, end: usize, bracket: u8) -> usize {
        let text = self.text.as_bytes();
        if end == 0 || text.get(end - 1) == Some(&bracket) {
            return end;
        }
        let mut i = end;
        while let Some(&c) = text.get(i) {
            match c {
                b' ' | b'\t' | b'\r' | b'\n' | b',' => i += 1,
                b'#' => {
                    while text.get(i).is_some_and(|&c| c != b'\n') {
                        i += 1;
                    }
                }
                c if c == bracket => return i + 1,
                _ => break,
            }
        }
        end
    }

    fn bounds(
        &self,
        start: usize,
        flow: bool,
        end: usize,
        first: Option<TextRange>,
        last: Option<TextRange>,
    ) -> (usize, usize) {
        if flow {
            return (start, end.max(start));
        }
        match (first, last) {
            (Some(f), Some(l)) => (f.start, l.end.max(f.start)),
            _ => (start, start),
        }
    }

    fn alias(&mut self, id: usize, start: usize, end: usize) -> Result<(), SyntaxError> {
        let Some((node, count, depth)) = self.anchors.get(&id) else {
            return Err(SyntaxError::new(
                "unknown YAML alias",
                TextRange::new(start, end),
            ));
        };
        self.aliased.nodes += count.nodes;
        self.aliased.bytes += count.bytes;
        if self.aliased.nodes > MAX_ALIAS_NODES {
            return Err(SyntaxError::limit(
                format!(
                    "YAML aliases expand to more than {MAX_ALIAS_NODES} nodes (an alias bomb?): \
                     not read further (a limit of mppeep-lint)"
                ),
                TextRange::new(start, end),
            ));
        }
        if self.aliased.bytes > MAX_ALIAS_BYTES {
            return Err(SyntaxError::limit(
                format!(
                    "YAML aliases copy more than {MAX_ALIAS_BYTES} bytes (16 MiB) of text \
                     (an alias bomb?): not read further (a limit of mppeep-lint)"
                ),
                TextRange::new(start, end),
            ));
        }
        if self.stack.len() + depth > MAX_DEPTH {
            return Err(SyntaxError::new(
                format!("YAML nested deeper than {MAX_DEPTH} levels through aliases"),
                TextRange::new(start, end),
            ));
        }
        // The anchored node's contents keep their ranges.
        let node = node.clone();
        self.push(node, 0, Size::default(), 0, TextRange::new(start, end))
    }

    fn push(
        &mut self,
        node: Node,
        anchor: usize,
        count: Size,
        depth: usize,
        written: TextRange,
    ) -> Result<(), SyntaxError> {
        if anchor > 0 {
            self.anchors.insert(anchor, (node.clone(), count, depth));
        }
        if let Some(Frame::Map {
            key: Some(_),
            key_at,
            ..
        }) = self.stack.last()
        {
            if self.flow_depth > 0 {
                self.check_flow_key(*key_at)?;
            }
        }
        match self.stack.last_mut() {
            None => {
                if let Some((_, root @ None)) = self.roots.last_mut() {
                    *root = Some(node);
                }
            }
            Some(Frame::Seq { items, .. }) => items.push(node),
            Some(Frame::Map {
                entries,
                key,
                key_at,
                ..
            }) => match key.take() {
                None => {
                    *key = Some(node);
                    *key_at = written;
                }
                Some(k) => {
                    if self.reindented.is_some() {
                        self.gaps
                            .push((key_at.end.saturating_sub(1), written.start));
                    }
                    entries.push((k, node));
                }
            },
        }
        Ok(())
    }

    /// go-yaml reads a key in a flow collection as a key only if its `:`
    /// is on the line where it starts, within 1024 characters (libyaml's
    /// "simple key"); saphyr reads any. `at` is where the key is written.
    fn check_flow_key(&self, at: TextRange) -> Result<(), SyntaxError> {
        let text = self.text.as_bytes();
        if at.start >= at.end || at.end > text.len() {
            return Ok(());
        }
        // `? key : value` is an explicit key.
        let before = self.text[..at.start].trim_end_matches([' ', '\t', '\r', '\n']);
        if let Some(before) = before.strip_suffix('?') {
            if before.is_empty() || before.ends_with([' ', '\t', '\r', '\n', '{', '[', ',']) {
                return Ok(());
            }
        }
        let mut i = at.end;
        let mut lines = self.text[at.start..at.end].contains('\n');
        while let Some(&c) = text.get(i) {
            match c {
                b' ' | b'\t' | b'\r' => i += 1,
                b'\n' => {
                    lines = true;
                    i += 1;
                }
                b'#' => {
                    while text.get(i).is_some_and(|&c| c != b'\n') {
                        i += 1;
                    }
                }
                _ => break,
            }
        }
        if text.get(i) != Some(&b':') {
            return Ok(());
        }
        let colon = TextRange::new(i, i + 1);
        if lines {
            return Err(SyntaxError::new(
                "invalid YAML: a key in a flow collection must have its `:` on the line where it starts",
                colon,
            ));
        }
        if self.text[at.start..i].chars().count() > 1024 {
            return Err(SyntaxError::new(
                "invalid YAML: a key in a flow collection must have its `:` within 1024 characters",
                colon,
            ));
        }
        Ok(())
    }

    /// Resolves merge keys and rejects duplicate keys, as go-yaml v3 does.
    fn merge(&self, entries: Vec<(Node, Node)>) -> Result<Vec<(Node, Node)>, SyntaxError> {
        let is_merge = |k: &Node| matches!(&k.kind, NodeKind::Scalar(s) if s.style == ScalarStyle::Plain && s.value == "<<");
        if !entries.iter().any(|(k, _)| is_merge(k)) {
            self.check_duplicates(&entries)?;
            return Ok(entries);
        }
        let explicit: Vec<&str> = entries
            .iter()
            .filter(|(k, _)| !is_merge(k))
            .filter_map(|(k, _)| k.as_str())
            .collect();
        let explicit: std::collections::HashSet<String> =
            explicit.into_iter().map(String::from).collect();
        let mut out: Vec<(Node, Node)> = Vec::new();
        let mut merged: std::collections::HashSet<String> = Default::default();
        for (k, v) in entries {
            if !is_merge(&k) {
                out.push((k, v));
                continue;
            }
            let sources: Vec<&Node> = match &v.kind {
                NodeKind::Map(_) => vec![&v],
                NodeKind::Seq(items) => items.iter().collect(),
                NodeKind::Scalar(_) => Vec::new(),
            };
            if sources.is_empty() || sources.iter().any(|n| n.as_map().is_none()) {
                return Err(SyntaxError::new(
                    "a merge key `<<` needs a mapping or a list of mappings",
                    v.range,
                ));
            }
            for src in sources {
                for (mk, mv) in src.as_map().unwrap_or_default() {
                    let name = mk.as_str().unwrap_or_default().to_string();
                    if explicit.contains(&name) || !merged.insert(name) {
                        continue;
                    }
                    out.push((mk.clone(), mv.clone()));
                }
            }
        }
        self.check_duplicates(&out)?;
        Ok(out)
    }

    fn check_duplicates(&self, entries: &[(Node, Node)]) -> Result<(), SyntaxError> {
        if entries.len() < 2 {
            return Ok(());
        }
        let mut seen: HashMap<&str, TextRange> = HashMap::new();
        for (k, _) in entries {
            if let Some(name) = k.as_str() {
                if let Some(first) = seen.insert(name, k.range) {
                    if first != k.range {
                        let line = self.text[..first.start.min(self.text.len())]
                            .matches('\n')
                            .count()
                            + 1;
                        return Err(SyntaxError::new(
                            format!("mapping key {name:?} already defined at line {line}"),
                            k.range,
                        ));
                    }
                }
            }
        }
        Ok(())
    }
}

fn null_at(at: usize) -> Node {
    Node {
        range: TextRange::empty(at),
        kind: NodeKind::Scalar(Scalar {
            value: String::new(),
            style: ScalarStyle::Plain,
            resolved: Resolved::Null,
            value_start: Some(at),
        }),
        tag: None,
    }
}

fn depth(node: &Node) -> usize {
    1 + match &node.kind {
        NodeKind::Scalar(_) => 0,
        NodeKind::Seq(items) => items.iter().map(depth).max().unwrap_or(0),
        NodeKind::Map(entries) => entries.iter().map(|(_, v)| depth(v)).max().unwrap_or(0),
    }
}

mod reindent;
#[cfg(test)]
mod tests;
