//! Report: rendering the model and diagnostics for people and tools. No I/O.

pub mod env;
pub mod escape;
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
    // Text formats see user text escaped (a piece on one line, a snippet
    // with its offsets kept), and their whole output once more; JSON
    // formats escape by construction, and what serde leaves last.
    let escaped_redact = |spans: &[Span], s: &str| escape::text(&redact(spans, s)).into_owned();
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
        mask_source: &mask_source,
    };
    let json_input = render::Input {
        diags,
        sources,
        rules,
        files,
        redact: &redact,
        redact_source: &redact_source,
        mask_source: &mask_source,
    };
    match format {
        Format::Pretty if color => {
            last_pass(render::pretty(&text_input, color), escape::colored_output)
        }
        Format::Pretty => last_pass(render::pretty(&text_input, color), escape::output),
        Format::Compact => last_pass(render::compact(&text_input), escape::output),
        Format::Github => last_pass(render::github(&text_input), escape::output),
        Format::Json => last_pass(render::json(&json_input), escape::json),
        Format::Sarif => last_pass(render::sarif(&json_input), escape::json),
    }
}

/// The escaping pass over a whole output, which copies it only where it
/// changes something (an output of 100,000 findings is tens of megabytes).
fn last_pass(out: String, pass: fn(&str) -> std::borrow::Cow<'_, str>) -> String {
    match pass(&out) {
        std::borrow::Cow::Borrowed(_) => out,
        std::borrow::Cow::Owned(escaped) => escaped,
    }
}
