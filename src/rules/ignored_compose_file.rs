//! `ignored-compose-file`: a file with one of Compose's default names that
//! Compose never reads, because another default name of the same folder
//! comes first (`compose.yaml` before `docker-compose.yml`;
//! `compose.override.yml` before `compose.override.yaml`). Compose only
//! warns ("Found multiple config files with supported names"); edits to the
//! ignored file change nothing.

use crate::rules::{Context, Diagnostic, Rule, RuleId, RuleMeta, Severity};
use crate::source::{Span, TextRange};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: RuleId::IgnoredComposeFile,
        severity: Severity::Warning,
        summary: "A compose file with a default name that Compose never reads: another default name of its folder comes first.",
        doc: include_str!("../../rules/ignored-compose-file.md"),
        cases: &[],
    },
    check,
};

fn check(ctx: &Context) -> Vec<Diagnostic> {
    let ws = ctx.ws;
    ws.ignored_compose_files
        .iter()
        .map(|(ignored, used)| {
            let name = |f| {
                let path = &ws.sources.get(f).path;
                path.file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default()
            };
            let (ignored_name, used_name) = (name(*ignored), name(*used));
            Diagnostic::new(
                RuleId::IgnoredComposeFile,
                Span::new(*ignored, TextRange::empty(0)),
                format!(
                    "Compose never reads {ignored_name}: it finds several of its default file \
                     names in this folder and uses {used_name}"
                ),
            )
            .with_label(
                Span::new(*used, TextRange::empty(0)),
                format!("Compose reads {used_name}"),
            )
            .with_help(format!(
                "merge what {ignored_name} holds into {used_name} and delete it, or name it \
                 with `-f` (or COMPOSE_FILE) where it is meant to be used"
            ))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::*;

    const APP: &str = "services:\n  app:\n    image: nginx:1.27\n";

    #[test]
    fn a_second_default_name_is_ignored() {
        let d = fired(&RULE, &[("compose.yaml", APP), ("docker-compose.yml", APP)]);
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(d[0].file, "docker-compose.yml");
        assert_eq!((d[0].line, d[0].column), (1, 1));
        assert_eq!(d[0].labels[0].0, "compose.yaml");
        assert!(d[0].message.contains("never reads docker-compose.yml"));
        assert!(d[0].message.contains("uses compose.yaml"));
    }

    /// The order is the real binary's: `docker-compose.yml` before
    /// `docker-compose.yaml`, `.yml` before `.yaml` for overrides.
    #[test]
    fn compose_order_of_preference() {
        let over = "services:\n  app:\n    environment:\n      A: b\n";
        let d = fired(
            &RULE,
            &[
                ("docker-compose.yaml", APP),
                ("docker-compose.yml", APP),
                ("compose.override.yaml", over),
                ("compose.override.yml", over),
            ],
        );
        let messages: Vec<&str> = d.iter().map(|d| d.message.as_str()).collect();
        assert_eq!(d.len(), 2, "{messages:?}");
        assert!(messages
            .iter()
            .any(|m| m.contains("never reads docker-compose.yaml")
                && m.contains("uses docker-compose.yml")));
        assert!(messages
            .iter()
            .any(|m| m.contains("never reads compose.override.yaml")
                && m.contains("uses compose.override.yml")));
    }

    /// A default name that Compose reads all the same, through `include:`
    /// or `extends`, is not ignored.
    #[test]
    fn a_default_name_read_through_include_or_extends_is_read() {
        assert_silent(
            &RULE,
            &[
                (
                    "compose.yaml",
                    "include:\n  - docker-compose.yml\nservices:\n  web:\n    image: nginx:1.27\n",
                ),
                ("docker-compose.yml", APP),
            ],
        );
        assert_silent(
            &RULE,
            &[
                (
                    "compose.yaml",
                    "services:\n  web:\n    extends:\n      file: docker-compose.yml\n      service: app\n",
                ),
                ("docker-compose.yml", APP),
            ],
        );
    }

    #[test]
    fn one_default_and_its_override_are_both_read() {
        let over = "services:\n  app:\n    environment:\n      A: b\n";
        assert_silent(
            &RULE,
            &[
                ("compose.yaml", APP),
                ("compose.override.yaml", over),
                ("docker-compose.prod.yml", APP),
            ],
        );
    }
}
