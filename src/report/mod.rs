//! Report: rendering the model and diagnostics for people and tools. No I/O.

pub mod env;
pub mod explain;
pub(crate) mod json;
pub(crate) mod render;

use crate::cli::Format;
use crate::rules::{Diagnostic, RuleMeta};
use crate::source::{FileId, SourceMap};

/// Renders `diags` in `format`. `redact` masks secret values in messages;
/// `redact_source(file, text, offset)` masks them in `text`, which starts at
/// byte `offset` of `file`, and must keep byte offsets.
#[allow(clippy::too_many_arguments)]
pub fn render(
    format: Format,
    diags: &[Diagnostic],
    sources: &SourceMap,
    rules: &[RuleMeta],
    files: usize,
    redact: &dyn Fn(&str) -> String,
    redact_source: &dyn Fn(FileId, &str, usize) -> String,
    color: bool,
) -> String {
    let input = render::Input {
        diags,
        sources,
        rules,
        files,
        redact,
        redact_source,
    };
    match format {
        Format::Pretty => render::pretty(&input, color),
        Format::Compact => render::compact(&input),
        Format::Json => render::json(&input),
        Format::Sarif => render::sarif(&input),
        Format::Github => render::github(&input),
    }
}
