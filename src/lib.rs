//! mppeep-lint: follows configuration from the shell and `.env` through
//! compose interpolation into each container, over the image's `ENV`.
//!
//! Layers, each depending only on those before it in this list:
//! [`source`] and [`fs`] → [`syntax`] → [`model`] → [`facts`] → [`rules`] →
//! `fix` → [`report`] → [`cli`].

// Fuzzing runs without AddressSanitizer because of this (scripts/fuzz.sh).
#![forbid(unsafe_code)]

pub mod cli;
pub(crate) mod facts;
pub(crate) mod fix;
pub(crate) mod fs;
pub(crate) mod model;
pub(crate) mod report;
pub(crate) mod rules;
pub mod source;
pub mod syntax;
#[doc(hidden)]
pub mod testing;

// The public surface, for the binary, the tests, the benchmarks and the
// fuzz targets: a project is loaded, linted and rendered through these;
// everything else is the crate's own, so that the compiler sees what is
// unused. The parsers (`syntax`) and sources (`source`) are public whole.
pub use facts::app_settings::{predict as predict_pydantic, Predicted};
pub use fs::{DiskFs, Fs, MemFs};
pub use model::explain::explain;
pub use model::interpolate::resolve_dotenv;
pub use model::secrets::{
    is_secret_name, redactor_for, url_password_ranges, Redactor, SecretPolicy, MASK,
};
pub use model::workspace::{load_workspace, Workspace, WorkspaceOptions};
pub use report::env::{env_json, env_text, Masking};
pub use report::explain::{explain_json, explain_mermaid, explain_text};
pub use report::render;
pub use rules::engine::{run, Settings};
pub use rules::{all_meta, Context, Diagnostic, RuleId, Severity};
