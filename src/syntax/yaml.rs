//! A YAML tree with exact ranges, built from `saphyr-parser` events. Anchors,
//! aliases and merge keys (`<<`) are resolved here with bounds on expansion
//! and depth, so an alias bomb gives an error, not an exhausted machine.

use crate::source::{SyntaxError, TextRange};

#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// Where the node is written (for an alias: where the anchored node is).
    pub range: TextRange,
    pub kind: NodeKind,
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
    Float(f64),
    Str,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct YamlDocument {
    /// The first document's root, or None for an empty file.
    pub root: Option<Node>,
    pub errors: Vec<SyntaxError>,
}
