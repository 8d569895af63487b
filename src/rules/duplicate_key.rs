//! `duplicate-key`: a key defined twice in one `.env`-format file or in one
//! compose `environment:` list — the earlier value is dead.

use crate::rules::{Context, Diagnostic, Rule, RuleId, RuleMeta, Severity};
use crate::source::{FileId, Span, TextRange};
use crate::syntax::compose::EnvironmentForm;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: RuleId::DuplicateKey,
        severity: Severity::Warning,
        summary: "A key defined twice in one .env file or one compose `environment:` list: the earlier value is dead.",
        doc: include_str!("../../rules/duplicate-key.md"),
        cases: &[],
    },
    check,
};

/// One diagnostic per dead definition: `keys` in order, the last one wins.
fn report(file: FileId, keys: &[(&str, TextRange)], what: &str, out: &mut Vec<Diagnostic>) {
    // Each key's last definition, found once (100,000 keys stay linear).
    let mut last: std::collections::HashMap<&str, usize> = Default::default();
    for (i, (key, _)) in keys.iter().enumerate() {
        last.insert(key, i);
    }
    for (i, (key, range)) in keys.iter().enumerate() {
        if key.is_empty() {
            continue;
        }
        let Some(&j) = last.get(key).filter(|&&j| j > i) else {
            continue;
        };
        let later = keys[j].1;
        out.push(
            Diagnostic::new(
                RULE.meta.id,
                Span::new(file, *range),
                format!("{key} is defined again later in {what}: this value is never used"),
            )
            .with_span_label("dead: overridden below")
            .with_label(Span::new(file, later), "this definition wins")
            .with_help(format!("keep one definition of {key}")),
        );
    }
}

fn check(ctx: &Context) -> Vec<Diagnostic> {
    let ws = ctx.ws;
    let mut out = Vec::new();
    for (id, file) in &ws.dotenv {
        let keys: Vec<(&str, TextRange)> = file
            .entries
            .iter()
            .map(|e| (e.key.as_str(), e.key_range))
            .collect();
        report(*id, &keys, "this file", &mut out);
    }
    for (id, compose) in &ws.compose {
        for s in compose.documents().flat_map(|d| &d.services) {
            // A mapping cannot repeat a key (YAML rejects it: syntax-error);
            // a list can, and the last entry wins.
            let keys: Vec<(&str, TextRange)> = s
                .environment
                .iter()
                .filter(|e| e.form == EnvironmentForm::List)
                .map(|e| (e.key.value.as_str(), e.key.range))
                .collect();
            report(
                *id,
                &keys,
                &format!("the `environment:` of service `{}`", s.name.value),
                &mut out,
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{assert_fires, assert_silent};

    #[test]
    fn twice_in_a_dotenv_file() {
        let d = assert_fires(&RULE, &[(".env", "A=1\nB=2\nA=3\nA=4\n")]);
        assert_eq!(d.len(), 2);
        assert_eq!((d[0].line, d[0].text.as_str()), (1, "A"));
        assert_eq!(d[0].labels[0].1, "A");
        assert!(d.iter().all(|x| x.labels[0].0 == ".env"));
    }

    #[test]
    fn twice_in_an_environment_list() {
        let compose = "services:\n  app:\n    image: busybox\n    environment:\n      - DEBUG=True\n      - LOG=info\n      - DEBUG=False\n";
        let d = assert_fires(&RULE, &[("compose.yaml", compose)]);
        assert_eq!((d[0].line, d[0].text.as_str()), (5, "DEBUG"));
    }

    #[test]
    fn different_keys_files_and_services_are_fine() {
        assert_silent(&RULE, &[(".env", "A=1\na=2\nB=\n")]);
        let compose = "services:\n  app:\n    image: busybox\n    environment:\n      - A=1\n  worker:\n    image: busybox\n    environment:\n      - A=2\n";
        assert_silent(&RULE, &[("compose.yaml", compose), ("app.env", "A=1\n")]);
    }
}
