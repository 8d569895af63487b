//! Report: rendering the model and diagnostics for people and tools. No I/O.

pub mod env;
pub mod escape;
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
    // Text formats see user text escaped (a piece on one line, a snippet
    // with its offsets kept), and their whole output once more; JSON
    // formats escape by construction, and what serde leaves last.
    let escaped_redact = |s: &str| escape::text(&redact(s)).into_owned();
    let escaped_source = |f: FileId, s: &str, offset: usize| {
        escape::source(&redact_source(f, s, offset)).into_owned()
    };
    let text_input = render::Input {
        diags,
        sources,
        rules,
        files,
        redact: &escaped_redact,
        redact_source: &escaped_source,
    };
    let json_input = render::Input {
        diags,
        sources,
        rules,
        files,
        redact,
        redact_source,
    };
    match format {
        Format::Pretty if color => render::pretty(&text_input, color),
        Format::Pretty => escape::output(&render::pretty(&text_input, color)).into_owned(),
        Format::Compact => escape::output(&render::compact(&text_input)).into_owned(),
        Format::Github => escape::output(&render::github(&text_input)).into_owned(),
        Format::Json => escape::json(&render::json(&json_input)).into_owned(),
        Format::Sarif => escape::json(&render::sarif(&json_input)).into_owned(),
    }
}
