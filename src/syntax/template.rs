//! Compose interpolation templates (`$VAR`, `${VAR:-d}`, `$$`, nesting) parsed
//! into pieces with exact ranges. Evaluation lives in `model::interpolate`.

use crate::source::TextRange;

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
