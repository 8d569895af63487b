//! Compose interpolation templates (`$VAR`, `${VAR:-d}`, `$$`, nesting) parsed
//! into pieces with exact ranges. Evaluation lives in `model::interpolate`.

use crate::source::{SyntaxError, TextRange};
use crate::syntax::limits::{too_deep, MAX_NESTING};

/// A parsed template: the text of a compose scalar or `.env` value.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Template {
    pub pieces: Vec<Piece>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece {
    /// Literal text, copied as is.
    Literal { text: String, range: TextRange },
    /// `$$`: one literal `$`.
    Escaped { range: TextRange },
    /// `$VAR` or `${VAR...}`.
    Var(VarRef),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VarRef {
    pub name: String,
    pub name_range: TextRange,
    /// The whole reference, `$VAR` or `${...}` with its braces.
    pub range: TextRange,
    pub braced: bool,
    pub op: Option<Op>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Op {
    pub kind: OpKind,
    /// The text after the operator (a default, an error message, a replacement),
    /// itself a template.
    pub arg: Template,
    pub arg_range: TextRange,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpKind {
    /// `${VAR:-d}`: `d` when VAR is unset or empty.
    DefaultIfEmpty,
    /// `${VAR-d}`: `d` when VAR is unset.
    DefaultIfUnset,
    /// `${VAR:?msg}`: error when VAR is unset or empty.
    RequiredNonEmpty,
    /// `${VAR?msg}`: error when VAR is unset.
    Required,
    /// `${VAR:+r}`: `r` when VAR is set and not empty, else empty.
    AltIfNonEmpty,
    /// `${VAR+r}`: `r` when VAR is set, else empty.
    AltIfSet,
}

impl Template {
    /// The variables referenced anywhere in the template, defaults included.
    pub fn variables(&self) -> Vec<&VarRef> {
        let mut out = Vec::new();
        for p in &self.pieces {
            if let Piece::Var(v) = p {
                out.push(v);
                if let Some(op) = &v.op {
                    out.extend(op.arg.variables());
                }
            }
        }
        out
    }

    /// Whether the template is plain text (no variable, no `$$`).
    pub fn is_literal(&self) -> bool {
        self.pieces
            .iter()
            .all(|p| matches!(p, Piece::Literal { .. }))
    }

    /// The text of a template without references (`$$` read as `$`);
    /// `None` when it has one.
    pub fn literal_text(&self) -> Option<String> {
        let mut out = String::new();
        for p in &self.pieces {
            match p {
                Piece::Literal { text, .. } => out.push_str(text),
                Piece::Escaped { .. } => out.push('$'),
                Piece::Var(_) => return None,
            }
        }
        Some(out)
    }

    /// Moves every range through `map` (used when the parsed text is not the
    /// source text, e.g. a double-quoted `.env` value after escapes).
    pub fn remap(&mut self, map: &dyn Fn(usize) -> usize) {
        for p in &mut self.pieces {
            match p {
                Piece::Literal { range, .. } | Piece::Escaped { range } => {
                    *range = TextRange::new(map(range.start), map(range.end));
                }
                Piece::Var(v) => {
                    v.range = TextRange::new(map(v.range.start), map(v.range.end));
                    v.name_range = TextRange::new(map(v.name_range.start), map(v.name_range.end));
                    if let Some(op) = &mut v.op {
                        op.arg_range =
                            TextRange::new(map(op.arg_range.start), map(op.arg_range.end));
                        op.arg.remap(map);
                    }
                }
            }
        }
    }
}

impl OpKind {
    pub fn as_str(self) -> &'static str {
        match self {
            OpKind::DefaultIfEmpty => ":-",
            OpKind::DefaultIfUnset => "-",
            OpKind::RequiredNonEmpty => ":?",
            OpKind::Required => "?",
            OpKind::AltIfNonEmpty => ":+",
            OpKind::AltIfSet => "+",
        }
    }
}

fn is_name_start(b: u8) -> bool {
    b == b'_' || b.is_ascii_alphabetic()
}

fn is_name_char(b: u8) -> bool {
    b == b'_' || b.is_ascii_alphanumeric()
}

/// Parses `text` (whose first byte sits at offset `base` of its file) the way
/// compose-go's template package reads it:
/// - `$$` is one literal `$`; `$` not followed by a name or `{` is literal;
/// - `$NAME` with NAME `[_A-Za-z][_A-Za-z0-9]*`;
/// - `${NAME}` or `${NAME<op>arg}` with op one of `:-` `-` `:?` `?` `:+` `+`;
///   the argument runs to the `}` that balances the opening `${` (every
///   `{` opens, as Compose counts them: `${A:-a{b}c}` has default `a{b}c`),
///   else to the last `}` of the line (`${A:-{x}y` has default `{x`), and
///   must close on the same line; otherwise, as in Compose, the template is
///   invalid;
/// - references nest at most [`MAX_NESTING`] deep (our bound, not Compose's).
pub fn parse(text: &str, base: usize) -> Result<Template, SyntaxError> {
    parse_in(text, base, 0)
}

/// [`parse`] inside `depth` enclosing references.
fn parse_in(text: &str, base: usize, depth: usize) -> Result<Template, SyntaxError> {
    let bytes = text.as_bytes();
    let mut pieces = Vec::new();
    let mut lit_start = 0;
    let mut i = 0;
    let flush = |pieces: &mut Vec<Piece>, from: usize, to: usize| {
        if to > from {
            pieces.push(Piece::Literal {
                text: text[from..to].to_string(),
                range: TextRange::new(base + from, base + to),
            });
        }
    };
    while i < bytes.len() {
        if bytes[i] != b'$' {
            i += 1;
            continue;
        }
        match bytes.get(i + 1) {
            Some(b'$') => {
                flush(&mut pieces, lit_start, i);
                pieces.push(Piece::Escaped {
                    range: TextRange::new(base + i, base + i + 2),
                });
                i += 2;
                lit_start = i;
            }
            Some(&b) if is_name_start(b) => {
                flush(&mut pieces, lit_start, i);
                let mut j = i + 1;
                while j < bytes.len() && is_name_char(bytes[j]) {
                    j += 1;
                }
                pieces.push(Piece::Var(VarRef {
                    name: text[i + 1..j].to_string(),
                    name_range: TextRange::new(base + i + 1, base + j),
                    range: TextRange::new(base + i, base + j),
                    braced: false,
                    op: None,
                }));
                i = j;
                lit_start = i;
            }
            Some(b'{') => {
                flush(&mut pieces, lit_start, i);
                let (var, end) = parse_braced(text, i, base, depth)?;
                pieces.push(Piece::Var(var));
                i = end;
                lit_start = i;
            }
            _ => i += 1,
        }
    }
    flush(&mut pieces, lit_start, bytes.len());
    Ok(Template { pieces })
}

fn invalid(text: &str, at: usize, base: usize) -> SyntaxError {
    let line_end = text[at..].find('\n').map_or(text.len(), |n| at + n);
    SyntaxError::new(
        format!(
            "invalid interpolation format: {:?} (escape a literal `$` as `$$`)",
            &text[at..line_end]
        ),
        TextRange::new(base + at, base + line_end),
    )
}

/// `text[at..]` starts with `${`. Returns the reference and the offset after it.
fn parse_braced(
    text: &str,
    at: usize,
    base: usize,
    depth: usize,
) -> Result<(VarRef, usize), SyntaxError> {
    let bytes = text.as_bytes();
    if depth >= MAX_NESTING {
        return Err(SyntaxError::limit(
            too_deep("Compose"),
            TextRange::new(base + at, base + at + 2),
        ));
    }
    let name_start = at + 2;
    if !bytes.get(name_start).is_some_and(|&b| is_name_start(b)) {
        return Err(invalid(text, at, base));
    }
    let mut j = name_start + 1;
    while j < bytes.len() && is_name_char(bytes[j]) {
        j += 1;
    }
    let name = text[name_start..j].to_string();
    let name_range = TextRange::new(base + name_start, base + j);
    if bytes.get(j) == Some(&b'}') {
        return Ok((
            VarRef {
                name,
                name_range,
                range: TextRange::new(base + at, base + j + 1),
                braced: true,
                op: None,
            },
            j + 1,
        ));
    }
    let colon = bytes.get(j) == Some(&b':');
    let op_at = if colon { j + 1 } else { j };
    let kind = match (colon, bytes.get(op_at)) {
        (true, Some(b'-')) => OpKind::DefaultIfEmpty,
        (false, Some(b'-')) => OpKind::DefaultIfUnset,
        (true, Some(b'?')) => OpKind::RequiredNonEmpty,
        (false, Some(b'?')) => OpKind::Required,
        (true, Some(b'+')) => OpKind::AltIfNonEmpty,
        (false, Some(b'+')) => OpKind::AltIfSet,
        _ => return Err(invalid(text, at, base)),
    };
    let arg_start = op_at + 1;
    // Compose's regex match runs to the last `}` of the line, then is cut at
    // the `}` that balances the opening `${`: one scan to the balancing `}`
    // or, when there is none, the end of the line (never the rest of the
    // line for each reference: a line of many references stays linear).
    let mut open = 0usize;
    let mut close = None;
    let mut last = None;
    let mut k = at;
    while k < bytes.len() && bytes[k] != b'\n' {
        if bytes[k] == b'}' {
            if k >= arg_start {
                last = Some(k);
            }
            open = open.saturating_sub(1);
            if open == 0 {
                close = Some(k);
                break;
            }
        }
        if bytes[k] == b'{' {
            open += 1;
        }
        k += 1;
    }
    let Some(close) = close.or(last) else {
        return Err(invalid(text, at, base));
    };
    let arg = parse_in(&text[arg_start..close], base + arg_start, depth + 1)?;
    Ok((
        VarRef {
            name,
            name_range,
            range: TextRange::new(base + at, base + close + 1),
            braced: true,
            op: Some(Op {
                kind,
                arg,
                arg_range: TextRange::new(base + arg_start, base + close),
            }),
        },
        close + 1,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(t: &Template) -> Vec<String> {
        t.variables().iter().map(|v| v.name.clone()).collect()
    }

    #[test]
    fn plain_and_escaped() {
        let t = parse("a$$b $1 x$", 10).unwrap();
        assert_eq!(t.pieces.len(), 3);
        assert_eq!(
            t.pieces[1],
            Piece::Escaped {
                range: TextRange::new(11, 13)
            }
        );
        assert!(vars(&t).is_empty());
    }

    #[test]
    fn named_and_braced() {
        let t = parse("$A.b ${B_1}", 0).unwrap();
        assert_eq!(vars(&t), vec!["A", "B_1"]);
        let Piece::Var(v) = &t.pieces[2] else {
            panic!()
        };
        assert_eq!(v.range, TextRange::new(5, 11));
        assert_eq!(v.name_range, TextRange::new(7, 10));
    }

    #[test]
    fn operators_and_nesting() {
        let t = parse("${A:-${B}x}", 0).unwrap();
        let Piece::Var(v) = &t.pieces[0] else {
            panic!()
        };
        let op = v.op.as_ref().unwrap();
        assert_eq!(op.kind, OpKind::DefaultIfEmpty);
        assert_eq!(op.arg_range, TextRange::new(5, 10));
        assert_eq!(vars(&t), vec!["A", "B"]);
        for (s, k) in [
            ("${A-x}", OpKind::DefaultIfUnset),
            ("${A:?x}", OpKind::RequiredNonEmpty),
            ("${A?x-y}", OpKind::Required),
            ("${A:+x}", OpKind::AltIfNonEmpty),
            ("${A+x:-y}", OpKind::AltIfSet),
        ] {
            let t = parse(s, 0).unwrap();
            let Piece::Var(v) = &t.pieces[0] else {
                panic!()
            };
            assert_eq!(v.op.as_ref().unwrap().kind, k, "{s}");
        }
    }

    #[test]
    fn first_balanced_brace_closes() {
        // Compose: `${A:-x}}` is `${A:-x}` then a literal `}`.
        let t = parse("${A:-x}}", 0).unwrap();
        assert_eq!(t.pieces.len(), 2);
        // Every `{` opens (Compose v2.40): `${U:-{x}}` has default `{x}`,
        // `${U:-{a}b}c}` default `{a}b` then `c}`.
        for (s, arg, pieces) in [
            ("${U:-{x}}", TextRange::new(5, 8), 1),
            ("${U:-a{b}c}", TextRange::new(5, 10), 1),
            ("${U:-{a}b}c}", TextRange::new(5, 9), 2),
            ("${U:-${V:-{y}}}z}", TextRange::new(5, 14), 2),
            ("${U:-$${x}}", TextRange::new(5, 10), 1),
            // Never balanced: the last `}` of the line closes.
            ("${U:-{x}y", TextRange::new(5, 7), 2),
            ("${U:-{}", TextRange::new(5, 6), 1),
        ] {
            let t = parse(s, 0).unwrap();
            let Piece::Var(v) = &t.pieces[0] else {
                panic!("{s}")
            };
            assert_eq!(v.op.as_ref().unwrap().arg_range, arg, "{s}");
            assert_eq!(t.pieces.len(), pieces, "{s}");
        }
    }

    fn nested(depth: usize) -> String {
        format!("{}x{}", "${V:-".repeat(depth), "}".repeat(depth))
    }

    #[test]
    fn nesting_is_bounded() {
        assert!(parse(&nested(MAX_NESTING), 0).is_ok());
        let e = parse(&nested(MAX_NESTING + 1), 3).unwrap_err();
        assert!(e.limit);
        assert_eq!(
            e.range,
            TextRange::new(3 + 5 * MAX_NESTING, 5 + 5 * MAX_NESTING)
        );
        // 25,000 deep, on a 2 MiB stack like rayon's workers.
        let deep = nested(25_000);
        let e = std::thread::Builder::new()
            .stack_size(2 << 20)
            .spawn(move || parse(&deep, 0).unwrap_err())
            .unwrap()
            .join()
            .unwrap();
        assert!(
            e.message.contains("a limit of mppeep-lint"),
            "{}",
            e.message
        );
        // Unclosed, too.
        assert!(parse(&"${A:-".repeat(20_000), 0).is_err());
    }

    #[test]
    fn a_line_of_many_references_is_linear() {
        // Each reference is read to its own `}`, not to the end of the line.
        let line = "${A:-x}".repeat(200_000);
        assert_eq!(parse(&line, 0).unwrap().pieces.len(), 200_000);
    }

    #[test]
    fn invalid_templates() {
        for s in [
            "${A",
            "${}",
            "${1A}",
            "${A:x}",
            "${A x}",
            "${U:-${A}",
            "${U:-a\nb}",
            "x ${",
        ] {
            assert!(parse(s, 0).is_err(), "{s:?}");
        }
        let e = parse("ab ${A x}", 5).unwrap_err();
        assert_eq!(e.range, TextRange::new(8, 14));
    }
}
