//! go-yaml (libyaml's scanner) does not look at indentation inside a flow
//! collection or a quoted scalar; saphyr does, and rejects
//!
//! ```yaml
//! services:
//!   app:
//!     command: [
//!       "a",
//!       "b"
//!     ]
//! ```
//!
//! with "invalid indentation" at the `]`. When saphyr fails, [`Reindented`]
//! finds the lines that begin inside a flow collection or a quoted scalar and
//! indents them past the column where their collection or scalar opens, by
//! inserting spaces at their start only: leading blanks there are not
//! content, so the text means what it meant, and the inserted bytes are
//! mapped back so every range points into the original text.
//!
//! The scan is a light lexer, not a YAML parser. It may guess wrong on odd
//! input (a plain scalar continued on a line starting with `[`…), so the caller
//! checks, on the tree parsed from the re-indented text, that every line moved
//! is inside a flow collection or a quoted scalar there; otherwise it keeps
//! the first error.

/// Spaces inserted at line starts of a text, and the way back.
pub(super) struct Reindented {
    /// The text with the spaces inserted.
    pub text: String,
    /// Byte offset in the original text of every line start moved, ascending.
    pub lines: Vec<usize>,
    /// Byte offset in the original text of every tab after a `:` written as
    /// a space, ascending.
    pub tabs: Vec<usize>,
    /// (offset in the original text, spaces inserted there), ascending.
    inserts: Vec<(usize, usize)>,
    /// Start of each insertion in `text`.
    starts: Vec<usize>,
}

/// At most twice the size of the text, and this, inserted: the re-parsed
/// text stays within three times the original.
const SLACK: usize = 4096;

impl Reindented {
    /// `None` when no line needs moving (or moving them would more than
    /// double the text).
    pub fn new(text: &str) -> Option<Reindented> {
        let (moves, tabs) = Scan::new(text).run();
        if moves.is_empty() && tabs.is_empty() {
            return None;
        }
        let added: usize = moves.iter().map(|&(_, n)| n).sum();
        if added > 2 * text.len() + SLACK {
            return None;
        }
        let mut out: Vec<u8> = Vec::with_capacity(text.len() + added);
        let mut starts = Vec::with_capacity(moves.len());
        let mut last = 0;
        let mut tab = tabs.iter().peekable();
        let mut copy = |out: &mut Vec<u8>, from: usize, to: usize| {
            out.extend_from_slice(&text.as_bytes()[from..to]);
            // A tab after `:` becomes a space: one byte for one.
            while let Some(&&t) = tab.peek() {
                if t >= to {
                    break;
                }
                let at = out.len() - (to - t);
                out[at] = b' ';
                tab.next();
            }
        };
        for &(at, n) in &moves {
            copy(&mut out, last, at);
            starts.push(out.len());
            out.extend(std::iter::repeat_n(b' ', n));
            last = at;
        }
        copy(&mut out, last, text.len());
        Some(Reindented {
            text: String::from_utf8(out).ok()?,
            lines: moves.iter().map(|&(at, _)| at).collect(),
            tabs,
            inserts: moves,
            starts,
        })
    }

    /// A byte offset of the re-indented text → the original text. An offset
    /// inside inserted spaces goes to the start of their line.
    pub fn original(&self, at: usize) -> usize {
        let i = self.starts.partition_point(|&s| s <= at);
        if i == 0 {
            return at;
        }
        let (orig, n) = self.inserts[i - 1];
        let start = self.starts[i - 1];
        if at < start + n {
            return orig;
        }
        orig + (at - start - n)
    }
}

/// Whether every moved line start lies strictly inside one of `contexts`
/// (flow collections and quoted scalars of the tree, original offsets).
pub(super) fn all_inside(lines: &[usize], contexts: &mut [(usize, usize)]) -> bool {
    contexts.sort_unstable();
    let mut next = 0;
    let mut reach = 0;
    for &line in lines {
        while next < contexts.len() && contexts[next].0 < line {
            reach = reach.max(contexts[next].1);
            next += 1;
        }
        if reach <= line {
            return false;
        }
    }
    true
}

#[derive(Clone, Copy, PartialEq)]
enum Mode {
    Block,
    /// Inside a flow collection: its depth, and the column a moved line must
    /// pass: its opening bracket's, or one past the key or `-` that owns it
    /// if less (saphyr wants a line in it right of that key's mapping).
    Flow {
        depth: usize,
        col: usize,
    },
}

struct Scan<'a> {
    b: &'a [u8],
    i: usize,
    line_start: usize,
    mode: Mode,
    /// In a block: whether a node may start here (after `- `, `: `, `? `, at
    /// a line start…), so that `[`, `{`, `'`, `"`, `|`, `>` are indicators.
    node_start: bool,
    /// In a block: the column of the node owning what follows (the last key
    /// or `-` of the line), for where a block scalar's lines must be.
    owner: usize,
    /// Column where the current plain scalar or quoted key began.
    token_col: usize,
    /// (offset, its column) of the last column asked for.
    counted: (usize, usize),
    moves: Vec<(usize, usize)>,
    tabs: Vec<usize>,
}

fn is_blank_or_break(c: Option<&u8>) -> bool {
    matches!(c, None | Some(b' ' | b'\t' | b'\n' | b'\r'))
}

impl<'a> Scan<'a> {
    fn new(text: &'a str) -> Self {
        let i = if text.starts_with('\u{feff}') { 3 } else { 0 };
        Scan {
            b: text.as_bytes(),
            i,
            line_start: i,
            mode: Mode::Block,
            node_start: true,
            owner: 0,
            token_col: 0,
            counted: (0, 0),
            moves: Vec::new(),
            tabs: Vec::new(),
        }
    }

    /// The column (in characters, as saphyr counts) of `at` on the current
    /// line; counted on from the last call, so a long line costs its length.
    fn col(&mut self, at: usize) -> usize {
        if self.counted.0 < self.line_start || self.counted.0 > at {
            self.counted = (self.line_start, 0);
        }
        let (from, col) = self.counted;
        let chars = self.b[from..at]
            .iter()
            .filter(|&&c| c & 0xC0 != 0x80)
            .count();
        self.counted = (at, col + chars);
        col + chars
    }

    fn prev_is_blank(&self, at: usize) -> bool {
        at == self.line_start || matches!(self.b.get(at.wrapping_sub(1)), Some(b' ' | b'\t'))
    }

    /// `---` or `...` alone at the start of the line at `at`.
    fn document_marker(&self, at: usize) -> bool {
        let rest = &self.b[at..];
        (rest.starts_with(b"---") || rest.starts_with(b"...")) && is_blank_or_break(rest.get(3))
    }

    fn skip_line(&mut self) {
        while self.i < self.b.len() && self.b[self.i] != b'\n' {
            self.i += 1;
        }
    }

    /// A line that begins at `at` inside a flow collection or quoted scalar
    /// opened at column `col`: moved right of `col` if it has content.
    fn move_line(&mut self, at: usize, col: usize) {
        let spaces = self.b[at..].iter().take_while(|&&c| c == b' ').count();
        let first = self.b.get(at + spaces);
        let empty = match first {
            None | Some(b'\n') => true,
            Some(b'\r') => matches!(self.b.get(at + spaces + 1), None | Some(b'\n')),
            _ => false,
        };
        if empty || (spaces == 0 && self.document_marker(at)) {
            return;
        }
        let want = col + 1;
        if spaces < want {
            self.moves.push((at, want - spaces));
        }
    }

    fn newline(&mut self) {
        self.i += 1;
        self.line_start = self.i;
        match self.mode {
            Mode::Flow { col, .. } => self.move_line(self.i, col),
            Mode::Block => {
                self.node_start = true;
                let spaces = self.b[self.i..].iter().take_while(|&&c| c == b' ').count();
                self.owner = spaces;
            }
        }
    }

    fn run(mut self) -> (Vec<(usize, usize)>, Vec<usize>) {
        while self.i < self.b.len() {
            let c = self.b[self.i];
            if c == b'\n' {
                self.newline();
                continue;
            }
            match self.mode {
                Mode::Block => self.block(c),
                Mode::Flow { depth, col } => self.flow(c, depth, col),
            }
        }
        (self.moves, self.tabs)
    }

    /// saphyr wants a space, not only tabs, between a `:` at `at` and a
    /// value that starts with a letter, a digit, `_` or `-`; go-yaml takes
    /// tabs.
    fn tabs_after_colon(&mut self, at: usize) {
        let run = self.b[at + 1..].iter().take_while(|&&c| c == b'\t').count();
        let next = self.b.get(at + 1 + run);
        if run > 0 && next.is_some_and(|&c| c.is_ascii_alphanumeric() || c == b'_' || c == b'-') {
            self.tabs.extend(at + 1..at + 1 + run);
        }
    }

    fn block(&mut self, c: u8) {
        let at = self.i;
        let next = self.b.get(at + 1);
        match c {
            b' ' | b'\t' | b'\r' => self.i += 1,
            b'#' if self.prev_is_blank(at) => self.skip_line(),
            b'-' | b'?' | b':' if is_blank_or_break(next) => {
                if c == b':' {
                    self.owner = self.token_col;
                    self.tabs_after_colon(at);
                } else {
                    self.owner = self.col(at);
                }
                self.node_start = true;
                self.i += 1;
            }
            b'-' | b'.' if at == self.line_start && self.document_marker(at) => {
                self.node_start = true;
                self.owner = 0;
                self.i += 3;
            }
            b'&' | b'!' | b'*' if self.prev_is_blank(at) => {
                while self.i < self.b.len() && !is_blank_or_break(self.b.get(self.i)) {
                    self.i += 1;
                }
                if c == b'*' {
                    self.node_start = false;
                }
            }
            b'[' | b'{' if self.node_start => {
                let col = self.col(at).min(self.owner + 1);
                self.mode = Mode::Flow { depth: 1, col };
                self.i += 1;
            }
            b'\'' | b'"' if self.node_start => {
                let col = self.col(at);
                self.token_col = col;
                self.quoted(col.min(self.owner + 1));
                self.node_start = false;
            }
            b'|' | b'>' if self.node_start => self.block_scalar(),
            _ => self.plain(),
        }
    }

    /// A plain scalar in a block, up to `: `, ` #` or the end of the line.
    fn plain(&mut self) {
        self.token_col = self.col(self.i);
        self.node_start = false;
        while self.i < self.b.len() {
            match self.b[self.i] {
                b'\n' => return,
                b':' if is_blank_or_break(self.b.get(self.i + 1)) => return,
                b'#' if self.prev_is_blank(self.i) => return,
                _ => self.i += 1,
            }
        }
    }

    /// Skips a block scalar's header and lines: those after it more indented
    /// than its owner, as far as the first less indented than the first.
    fn block_scalar(&mut self) {
        self.skip_line();
        let owner = self.owner;
        let mut indent = None;
        while self.i < self.b.len() {
            let start = self.i + 1;
            let spaces = self.b[start..].iter().take_while(|&&c| c == b' ').count();
            let blank = self.b[start + spaces..]
                .iter()
                .take_while(|&&c| c != b'\n')
                .all(|c| c.is_ascii_whitespace());
            if !blank {
                let want = *indent.get_or_insert(spaces);
                if spaces < want || spaces <= owner {
                    return;
                }
            }
            self.i = start;
            self.line_start = start;
            self.skip_line();
        }
    }

    fn flow(&mut self, c: u8, depth: usize, col: usize) {
        let at = self.i;
        match c {
            b'#' if self.prev_is_blank(at) => self.skip_line(),
            b'[' | b'{' => {
                self.mode = Mode::Flow {
                    depth: depth + 1,
                    col,
                };
                self.i += 1;
            }
            b':' => {
                self.tabs_after_colon(at);
                self.i += 1;
            }
            b']' | b'}' => {
                self.i += 1;
                if depth <= 1 {
                    self.mode = Mode::Block;
                    self.node_start = false;
                } else {
                    self.mode = Mode::Flow {
                        depth: depth - 1,
                        col,
                    };
                }
            }
            b'\'' | b'"'
                if self.prev_is_blank(at)
                    || matches!(
                        self.b.get(at.wrapping_sub(1)),
                        Some(b'[' | b'{' | b',' | b':')
                    ) =>
            {
                self.quoted(col);
            }
            _ => self.i += 1,
        }
    }

    /// A quoted scalar from its opening quote at `self.i`; lines that begin
    /// inside it are moved right of `col`.
    fn quoted(&mut self, col: usize) {
        let quote = self.b[self.i];
        self.i += 1;
        while self.i < self.b.len() {
            match self.b[self.i] {
                b'\n' => {
                    self.i += 1;
                    self.line_start = self.i;
                    self.move_line(self.i, col);
                }
                b'\'' if quote == b'\'' => {
                    if self.b.get(self.i + 1) == Some(&b'\'') {
                        self.i += 2;
                    } else {
                        self.i += 1;
                        return;
                    }
                }
                b'\\' if quote == b'"' => {
                    // An escaped line break still starts a line.
                    self.i += if matches!(self.b.get(self.i + 1), Some(b'\n') | None) {
                        1
                    } else {
                        2
                    };
                }
                b'"' if quote == b'"' => {
                    self.i += 1;
                    return;
                }
                _ => self.i += 1,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_map_back() {
        let text = "a: [\nb,\n  c\n]\n";
        let r = Reindented::new(text).unwrap();
        // Right of the mapping at column 0: from column 2.
        assert_eq!(r.text, "a: [\n  b,\n  c\n  ]\n");
        assert_eq!(r.lines, vec![5, 12]);
        for (new, old) in [
            (0, 0),
            (4, 4),
            (5, 5),
            (6, 5),
            (7, 5),
            (8, 6),
            (10, 8),
            (12, 10),
            (13, 11),
            (14, 12),
            (15, 12),
            (16, 12),
            (17, 13),
        ] {
            assert_eq!(r.original(new), old, "{new}");
        }
        // The column of the bracket when it is left of that.
        let r = Reindented::new("x:\n    [\n a]\n").unwrap();
        assert_eq!(r.text, "x:\n    [\n     a]\n");
    }

    #[test]
    fn nothing_to_move() {
        assert!(Reindented::new("a: [b,\n    c]\n").is_none());
        assert!(Reindented::new("a: b[0\nc: d]\n").is_none());
        assert!(Reindented::new("a: it's\nb: 'x'\n").is_none());
        assert!(Reindented::new("a: |\n  [x\nb]\n").is_none());
        assert!(Reindented::new("a: [ # [\n    ]\n").is_none());
        assert!(Reindented::new("").is_none());
        assert!(Reindented::new("[\n").is_none());
    }

    #[test]
    fn block_scalars_quotes_and_markers() {
        // The block scalar's `[` is text, the flow after it is moved.
        let r = Reindented::new("a: |\n  [x\nb: [\nc]\n").unwrap();
        assert_eq!(r.text, "a: |\n  [x\nb: [\n  c]\n");
        // A document marker is never moved.
        assert!(Reindented::new("a: [\n---\n]\n").unwrap().lines == vec![9]);
        // An escaped line break, then a continued line.
        let r = Reindented::new("a: \"x\\\ny\"\n").unwrap();
        assert_eq!(r.text, "a: \"x\\\n  y\"\n");
        let r = Reindented::new("- a: 'it''s\nx'\n").unwrap();
        assert_eq!(r.text, "- a: 'it''s\n    x'\n");
    }

    #[test]
    fn tabs_after_a_colon() {
        let r = Reindented::new("a:\t\tb\n").unwrap();
        assert_eq!(
            (r.text.as_str(), r.tabs.as_slice()),
            ("a:  b\n", &[2, 3][..])
        );
        let r = Reindented::new("a: [\nb:\tc]\nd:\t1\n").unwrap();
        assert_eq!(r.text, "a: [\n  b: c]\nd: 1\n");
        assert_eq!(r.tabs, vec![7, 13]);
        assert!(Reindented::new("a:\t'b'\nc: \td\nd:\t\n").is_none());
    }

    #[test]
    fn inside() {
        assert!(all_inside(&[5, 9], &mut [(8, 10), (4, 6)]));
        assert!(!all_inside(&[5, 10], &mut [(8, 10), (4, 6)]));
        assert!(!all_inside(&[4], &mut [(4, 6)]));
        assert!(all_inside(&[], &mut []));
    }
}
