//! Rules: pure functions of the model that return diagnostics. No I/O.
//!
//! A rule is one file under `src/rules/` holding its [`Rule`] (metadata and
//! check function) and its pass/fail cases; its user documentation is
//! `rules/NAME.md`, embedded here and shown by `mppeep-lint rule NAME`.
//! Adding a rule touches the rule, its doc, and one line of [`RULES`].

pub mod diagnostic;
pub mod engine;
pub mod flow;

mod apt_lists_not_removed;
mod bind_localhost;
mod build_tools_in_final_stage;
mod debug_in_production;
mod depends_on_not_healthy;
mod duplicate_key;
mod env_file_in_image;
mod env_only_in_dotenv;
mod env_syntax;
mod healthcheck_tool_missing;
mod localhost_in_container;
mod missing_dotenv;
mod missing_secret;
mod no_healthcheck;
mod pip_cache;
mod port_mismatch;
mod quoted_value;
mod root_user;
mod secret_in_image;
mod shadowed_env;
mod unpinned_image;
mod unreachable_host;
mod unset_variable;

#[cfg(test)]
mod doc_examples;
#[cfg(test)]
pub(crate) mod testing;

pub use diagnostic::*;

use crate::model::secrets::SecretPolicy;
use crate::model::workspace::Workspace;

/// What a rule sees: the whole workspace model and the user's settings.
pub struct Context<'a> {
    pub ws: &'a Workspace,
    pub secrets: &'a SecretPolicy,
}

/// A rule: its metadata and its check.
pub struct Rule {
    pub meta: RuleMeta,
    pub check: fn(&Context) -> Vec<Diagnostic>,
}

/// The registry: one line per rule.
pub static RULES: &[&Rule] = &[
    &quoted_value::RULE,
    &localhost_in_container::RULE,
    &missing_secret::RULE,
    &missing_dotenv::RULE,
    &root_user::RULE,
    &no_healthcheck::RULE,
    &shadowed_env::RULE,
    &unset_variable::RULE,
    &env_only_in_dotenv::RULE,
    &bind_localhost::RULE,
    &depends_on_not_healthy::RULE,
    &debug_in_production::RULE,
    &port_mismatch::RULE,
    &unreachable_host::RULE,
    &env_syntax::RULE,
    &duplicate_key::RULE,
    &build_tools_in_final_stage::RULE,
    &apt_lists_not_removed::RULE,
    &pip_cache::RULE,
    &unpinned_image::RULE,
    &env_file_in_image::RULE,
    &secret_in_image::RULE,
    &healthcheck_tool_missing::RULE,
];

/// Rules that can report the same text for the same reason, the first
/// saying more: where both fire on one span, only the first is kept — after
/// the enabled-rule filter, so that `--ignore missing-secret` leaves the
/// `unset-variable` finding of an unset `${SECRET_KEY}`.
pub static OVERLAPS: &[(&str, &str)] = &[
    ("missing-secret", "unset-variable"),
    ("missing-secret", "compose-error"),
];

/// A rule that panicked (a bug of ours), reported instead of a crash.
pub const INTERNAL_ERROR: &str = "internal-error";

/// Diagnostics produced before the rules run, by the parsers and the model.
/// They have names too, so they can be configured and suppressed.
pub static BUILTIN: &[RuleMeta] = &[
    RuleMeta {
        name: "syntax-error",
        severity: Severity::Error,
        summary: "A file that its tool would reject: invalid YAML, an unknown Dockerfile instruction (`.env` files: `env-syntax`).",
        doc: include_str!("../../rules/syntax-error.md"),
    },
    RuleMeta {
        name: "compose-error",
        severity: Severity::Error,
        summary: "A configuration `docker compose config` would refuse: a required variable without a value, an invalid interpolation, a missing env_file.",
        doc: include_str!("../../rules/compose-error.md"),
    },
    RuleMeta {
        name: "unreadable-file",
        severity: Severity::Warning,
        summary: "A file that could not be read as text: binary, not UTF-8, too large, a symlink loop.",
        doc: include_str!("../../rules/unreadable-file.md"),
    },
    RuleMeta {
        name: INTERNAL_ERROR,
        severity: Severity::Error,
        summary: "A rule failed on the project: a bug in mppeep-lint, reported instead of a crash; the other rules still ran.",
        doc: include_str!("../../rules/internal-error.md"),
    },
    RuleMeta {
        name: "unknown-rule",
        severity: Severity::Warning,
        summary: "A rule name in the configuration or in a suppression comment that no rule has.",
        doc: include_str!("../../rules/unknown-rule.md"),
    },
];

/// The metadata of every rule and built-in diagnostic, by name.
pub fn all_meta() -> Vec<RuleMeta> {
    let mut v: Vec<RuleMeta> = RULES.iter().map(|r| r.meta).collect();
    v.extend(BUILTIN.iter().copied());
    v
}

pub fn find_meta(name: &str) -> Option<RuleMeta> {
    all_meta().into_iter().find(|m| m.name == name)
}
