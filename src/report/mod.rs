//! Report: rendering the model and diagnostics for people and tools. No I/O.

pub mod baseline;
pub mod diff;
pub mod env;
pub mod escape;
pub mod explain;
pub(crate) mod json;
pub(crate) mod render;

use crate::cli::Format;
use std::cell::RefCell;

use crate::model::secrets::{MessageMasks, Redactor};
use crate::rules::{Diagnostic, RuleMeta};
use crate::source::{FileId, SourceMap};

/// Renders `diags` in `format`. `shown` masks secret values in what is
/// printed (disabled by `--show-secrets`); `masked` is always on, for what
/// is hashed (SARIF fingerprints). `failure`: the error that ends the run
/// with exit 2 after this report, masked.
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
    failure: Option<&str>,
) -> String {
    // What to mask is found once per finding (a finding with 100,000
    // labels has 100,000 pieces of text, each quoting any of its spans).
    let masks: RefCell<Option<(*const Diagnostic, MessageMasks)>> = RefCell::new(None);
    let redact = |d: &Diagnostic, t: &str| {
        let mut cached = masks.borrow_mut();
        let fresh = !matches!(&*cached, Some((p, _)) if std::ptr::eq(*p, d));
        if fresh {
            let spans = render::spans_of(d);
            *cached = Some((std::ptr::from_ref(d), shown.message_masks(sources, &spans)));
        }
        match &*cached {
            Some((_, m)) => shown.mask_message(m, t),
            None => shown.message(sources, &render::spans_of(d), t),
        }
    };
    let redact_source = |f: FileId, t: &str, offset: usize| shown.redact_source(Some(f), t, offset);
    let mask_source = |f: FileId, t: &str, offset: usize| masked.redact_source(Some(f), t, offset);
    // Text formats see user text escaped (a piece on one line, a snippet
    // with its offsets kept), and their whole output once more; JSON
    // formats escape by construction, and what serde leaves last.
    let escaped_redact = |d: &Diagnostic, s: &str| escape::text(&redact(d, s)).into_owned();
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
        failure,
    };
    let json_input = render::Input {
        diags,
        sources,
        rules,
        files,
        redact: &redact,
        redact_source: &redact_source,
        mask_source: &mask_source,
        failure,
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
        Format::Junit => last_pass(render::junit(&text_input), escape::output),
        Format::Checkstyle => last_pass(render::checkstyle(&text_input), escape::output),
        Format::Gitlab => last_pass(render::gitlab(&json_input), escape::json),
        Format::Rdjson => last_pass(render::rdjson(&json_input), escape::json),
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
