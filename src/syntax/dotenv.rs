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
