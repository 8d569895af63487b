//! Rules: pure functions of the model that return diagnostics. No I/O.
//!
//! A rule is one file under `src/rules/` holding its [`Rule`] (metadata and
//! check function) and its pass/fail cases; its user documentation is
//! `rules/NAME.md`, embedded here and shown by `mppeep-lint rule NAME`.
//! Adding a rule touches the rule, its doc, and one line of [`RULES`].

pub mod diagnostic;
pub mod engine;
pub(crate) mod flow;
pub mod id;

mod app_setting_not_provided;
mod apt_lists_not_removed;
mod bind_localhost;
mod build_tools_in_final_stage;
mod copy_from_unknown_stage;
mod debug_in_production;
mod depends_on_not_healthy;
mod docker_socket_mounted;
mod duplicate_key;
mod env_example_drift;
mod env_file_in_image;
mod env_only_in_dotenv;
mod env_syntax;
mod healthcheck_tool_missing;
mod ignored_compose_file;
mod insecure_default_in_use;
mod localhost_in_container;
mod missing_dotenv;
mod missing_secret;
mod no_healthcheck;
mod obsolete_version_key;
mod pip_cache;
mod port_mismatch;
mod privileged_service;
mod published_datastore;
mod quoted_value;
mod root_user;
mod secret_in_image;
mod setting_type_mismatch;
mod shadowed_env;
mod shell_form_entrypoint;
mod tls_verification_off;
mod undefined_variable;
mod unpinned_image;
mod unreachable_host;
mod unset_variable;

#[cfg(test)]
mod doc_examples;
#[cfg(test)]
pub(crate) mod testing;

pub use diagnostic::*;
pub use id::RuleId;

use crate::model::secrets::SecretPolicy;
use crate::model::workspace::Workspace;

/// What a rule sees: the whole workspace model, the facts computed once
/// for every rule, and the user's settings.
pub struct Context<'a> {
    pub ws: &'a Workspace,
    pub secrets: &'a SecretPolicy,
    facts: crate::facts::Facts<'a>,
}

impl<'a> Context<'a> {
    pub fn new(ws: &'a Workspace, secrets: &'a SecretPolicy) -> Self {
        Context {
            ws,
            secrets,
            facts: crate::facts::Facts::new(ws),
        }
    }

    /// The facts several rules share, each computed once.
    pub fn facts(&self) -> &crate::facts::Facts<'a> {
        &self.facts
    }
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
    &ignored_compose_file::RULE,
    &obsolete_version_key::RULE,
    &tls_verification_off::RULE,
    &copy_from_unknown_stage::RULE,
    &docker_socket_mounted::RULE,
    &privileged_service::RULE,
    &published_datastore::RULE,
    &shell_form_entrypoint::RULE,
    &env_example_drift::RULE,
    &undefined_variable::RULE,
    &app_setting_not_provided::RULE,
    &insecure_default_in_use::RULE,
    &setting_type_mismatch::RULE,
];

/// Rules that can report the same text for the same reason, the first
/// saying more: where both fire on one span, only the first is kept — after
/// the enabled-rule filter, so that `--ignore missing-secret` leaves the
/// `unset-variable` finding of an unset `${SECRET_KEY}`.
pub static OVERLAPS: &[(RuleId, RuleId)] = &[
    (RuleId::MissingSecret, RuleId::UnsetVariable),
    (RuleId::MissingSecret, RuleId::ComposeError),
];

/// Diagnostics produced before the rules run, by the parsers and the model.
/// They have names too, so they can be configured and suppressed.
pub static BUILTIN: &[RuleMeta] = &[
    RuleMeta {
        id: RuleId::SyntaxError,
        severity: Severity::Error,
        summary: "A file that its tool would reject: invalid YAML, an unknown Dockerfile instruction (`.env` files: `env-syntax`).",
        doc: include_str!("../../rules/syntax-error.md"),
        cases: &[],
    },
    RuleMeta {
        id: RuleId::ComposeError,
        severity: Severity::Error,
        summary: "A configuration `docker compose config` would refuse: a required variable without a value, an invalid interpolation, a missing env_file or include, an unknown key (with the key meant), a value of the wrong type.",
        doc: include_str!("../../rules/compose-error.md"),
        cases: &[],
    },
    RuleMeta {
        id: RuleId::UnreadableFile,
        severity: Severity::Warning,
        summary: "A file that could not be read as text: binary, not UTF-8, too large, a symlink loop.",
        doc: include_str!("../../rules/unreadable-file.md"),
        cases: &[],
    },
    RuleMeta {
        id: RuleId::InternalError,
        severity: Severity::Error,
        summary: "A rule failed on the project: a bug in mppeep-lint, reported instead of a crash; the other rules still ran.",
        doc: include_str!("../../rules/internal-error.md"),
        cases: &[],
    },
    RuleMeta {
        id: RuleId::UnknownRule,
        severity: Severity::Warning,
        summary: "A rule name in the configuration or in a suppression comment that no rule has.",
        doc: include_str!("../../rules/unknown-rule.md"),
        cases: &[],
    },
];

/// The metadata of every rule and built-in diagnostic, in catalogue order.
pub fn all_meta() -> Vec<RuleMeta> {
    RuleId::ALL.iter().map(|id| id.meta()).collect()
}

/// The metadata of the rule a name names.
pub fn find_meta(name: &str) -> Option<RuleMeta> {
    RuleId::from_name(name).map(RuleId::meta)
}

impl RuleId {
    /// Its metadata: a rule's, or a built-in diagnostic's.
    pub fn meta(self) -> RuleMeta {
        RULES
            .iter()
            .map(|r| r.meta)
            .chain(BUILTIN.iter().copied())
            .find(|m| m.id == self)
            .expect("every RuleId has its metadata (tested)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every id has its metadata, once; its document states its default
    /// severity and the severity of each of its cases, as `mppeep-lint
    /// rules` and SARIF show them.
    #[test]
    fn metadata_and_documents_agree() {
        for id in RuleId::ALL {
            let m = id.meta();
            let defined = RULES
                .iter()
                .map(|r| r.meta.id)
                .chain(BUILTIN.iter().map(|b| b.id))
                .filter(|x| x == id)
                .count();
            assert_eq!(defined, 1, "{id}");
            let header = m
                .doc
                .lines()
                .find(|l| l.starts_with("**Default severity:**"))
                .unwrap_or_else(|| panic!("{id}: no default severity in its document"));
            assert!(header.contains(m.severity.as_str()), "{id}: {header}");
            for c in m.cases {
                assert!(header.contains(c.severity.as_str()), "{id}: {header}");
                assert_ne!(c.severity, m.severity, "{id}: case `{}`", c.key);
            }
        }
    }

    /// What the rules report on the fixtures is at the severity their
    /// metadata gives: the default or a documented case.
    #[test]
    fn reported_severities_are_the_documented_ones() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
        for fixture in ["mppeep-broken", "pitfalls"] {
            let ws = crate::rules::testing::workspace(&root.join(fixture));
            let policy = crate::model::secrets::SecretPolicy::default();
            let ctx = Context::new(&ws, &policy);
            let diags = engine::run(&ctx, &engine::Settings::default());
            assert!(!diags.is_empty());
            for d in diags {
                let m = d.rule.meta();
                let documented =
                    d.severity == m.severity || m.cases.iter().any(|c| c.severity == d.severity);
                assert!(documented, "{}: {:?} {}", d.rule, d.severity, d.message);
            }
        }
    }

    /// Rules only judge: no rule parses an image reference, a command line,
    /// a network mode, a mount type or a user itself — the facts layer
    /// does, once (`ImageRef`, `syntax::shell`, `NetworkMode`, `MountType`,
    /// `UserSpec`). Checked on the rules' code, tests aside.
    #[test]
    fn rules_use_the_facts_not_their_own_parsing() {
        const FORBIDDEN: &[(&str, &str)] = &[
            (
                "split(':')",
                "an image reference or a user: ImageRef / UserSpec",
            ),
            (
                "split_once(':')",
                "an image reference or a user: ImageRef / UserSpec",
            ),
            ("rsplit_once(':')", "an image reference: ImageRef"),
            ("split('@')", "an image reference: ImageRef"),
            ("split_whitespace()", "a command line: syntax::shell"),
            ("\"host\"", "a network mode: NetworkMode"),
            ("kind.as_str()", "a mount type: MountType"),
            ("kind == \"", "a mount type: MountType"),
            ("network_mode.as_ref()", "a network mode: NetworkMode"),
        ];
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/rules");
        let mut found = Vec::new();
        for entry in std::fs::read_dir(&dir).expect("src/rules") {
            let path = entry.expect("entry").path();
            let name = path
                .file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned();
            if [
                "mod.rs",
                "engine.rs",
                "doc_examples.rs",
                "testing.rs",
                "id.rs",
                "diagnostic.rs",
            ]
            .contains(&name.as_str())
            {
                continue;
            }
            let text = std::fs::read_to_string(&path).expect("read");
            let code = text.split("#[cfg(test)]").next().unwrap_or_default();
            for (n, line) in code.lines().enumerate() {
                let line = line.split("//").next().unwrap_or_default();
                for (pattern, what) in FORBIDDEN {
                    if line.contains(pattern) {
                        found.push(format!(
                            "src/rules/{name}:{}: `{pattern}` parses {what}",
                            n + 1
                        ));
                    }
                }
            }
        }
        assert!(found.is_empty(), "{}", found.join("\n"));
    }
}
