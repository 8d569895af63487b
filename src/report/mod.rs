//! Report: rendering the model and diagnostics for people and tools. No I/O.

pub mod env;
pub mod explain;
pub(crate) mod json;
pub(crate) mod render;

use crate::cli::Format;
use crate::model::secrets::Redactor;
use crate::rules::{Diagnostic, RuleMeta};
use crate::source::{FileId, SourceMap, Span};

/// Renders `diags` in `format`. `shown` masks secret values in what is
/// printed (disabled by `--show-secrets`); `masked` is always on, for what
/// is hashed (SARIF fingerprints).
#[allow(clippy::too_many_arguments)]
pub fn render(
    format: Format,
    diags: &[Diagnostic],
    sources: &SourceMap,
    rules: &[RuleMeta],
    files: usize,
    shown: &Redactor,
    masked: &Redactor,
    color: bool,
) -> String {
    let redact = |spans: &[Span], t: &str| shown.message(sources, spans, t);
    let redact_source = |f: FileId, t: &str, offset: usize| shown.redact_source(Some(f), t, offset);
    let mask_source = |f: FileId, t: &str, offset: usize| masked.redact_source(Some(f), t, offset);
    let input = render::Input {
        diags,
        sources,
        rules,
        files,
        redact: &redact,
        redact_source: &redact_source,
        mask_source: &mask_source,
    };
    match format {
        Format::Pretty => render::pretty(&input, color),
        Format::Compact => render::compact(&input),
        Format::Json => render::json(&input),
        Format::Sarif => render::sarif(&input),
        Format::Github => render::github(&input),
    }
}
