//! `unset-variable`: a `$VAR` / `${VAR}` without a default that no source
//! sets: Compose substitutes an empty string and only prints a warning.

use crate::model::explain::Near;
use crate::model::types::*;
use crate::model::SHELL_VARIABLES;
use crate::rules::{Context, Diagnostic, Rule, RuleId, RuleMeta, Severity};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: RuleId::UnsetVariable,
        severity: Severity::Warning,
        summary: "A `${VAR}` without a default that neither the shell nor .env sets: Compose substitutes an empty string.",
        doc: include_str!("../../rules/unset-variable.md"),
        cases: &[],
    },
    check,
};

fn check(ctx: &Context) -> Vec<Diagnostic> {
    let ws = ctx.ws;
    let mut out: Vec<Diagnostic> = Vec::new();
    // The finding of each variable in each file, by index in `out`.
    let mut first: std::collections::HashMap<(String, crate::source::FileId), usize> =
        std::collections::HashMap::new();
    // Every reference already reported or labelled (one lookup each: a
    // scan of the findings and their labels was quadratic).
    let mut seen: std::collections::HashSet<crate::source::Span> = Default::default();
    let mut near = Near::default();
    for project in ws.whole_projects() {
        // Names something references (a `.env` name that is used is no
        // misspelling).
        let used: std::collections::HashSet<&str> = project
            .references
            .iter()
            .map(|r| r.variable.as_str())
            .chain(
                project
                    .dotenv_definitions
                    .iter()
                    .flat_map(|d| d.via.iter().map(|v| v.variable.as_str())),
            )
            .collect();
        // Compose interpolates every service, running or not (and warns for
        // each), so every reference counts.
        let mut refs: Vec<&Via> = project
            .references
            .iter()
            .filter(|v| v.form == ReferenceForm::Plain && v.source.is_none())
            .collect();
        // `.env` values interpolate too (`URL=http://${HOST}/`).
        let dotenv_refs: Vec<&Via> = project
            .dotenv_definitions
            .iter()
            .filter(|d| d.effective)
            .flat_map(|d| d.via.iter())
            .filter(|v| v.form == ReferenceForm::Plain && v.source.is_none())
            .collect();
        refs.extend(dotenv_refs);
        for v in refs {
            if seen.contains(&v.reference)
                || project.set_at_deploy(&v.variable)
                || SHELL_VARIABLES.contains(&v.variable.as_str())
            {
                continue;
            }
            // One finding per variable and file: its other references are
            // labels.
            let name = &v.variable;
            let key = (name.clone(), v.reference.file);
            seen.insert(v.reference);
            if let Some(d) = first.get(&key).map(|i| &mut out[*i]) {
                d.labels.push(crate::rules::Label {
                    span: v.reference,
                    message: "also empty here".into(),
                });
                continue;
            }
            first.insert(key, out.len());
            let mut d = Diagnostic::new(
                RULE.meta.id,
                v.reference,
                format!("{name} is not set: Compose substitutes an empty string here"),
            )
            .with_span_label(format!("{name} is set neither in the shell nor in .env"));
            // A name that is defined, close, and that nothing uses: probably
            // the same variable, misspelt on one side.
            let candidates = project
                .dotenv_definitions
                .iter()
                .filter(|d| d.name != *name && !used.contains(d.name.as_str()));
            match near.find(name, candidates, |d| d.name.as_str()) {
                Some(n) => {
                    d = d
                        .with_label(n.key, format!("did you mean `{}`?", n.name))
                        .with_help(format!(
                            "rename one of `{name}` and `{}` so that they match",
                            n.name
                        ));
                }
                None => {
                    let env = project
                        .env_files
                        .first()
                        .map(|f| ws.sources.get(*f).display.clone())
                        .unwrap_or_else(|| ".env".to_string());
                    d = d.with_help(format!(
                        "set {name} in {env} or in the shell; or give it a default, `${{{name}:-value}}`; or make it required, `${{{name}:?{name} is required}}`"
                    ));
                }
            }
            out.push(d);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{assert_fires, assert_silent};

    #[test]
    fn plain_reference_without_value() {
        let compose = "services:\n  app:\n    image: python:3.12-slim\n    environment:\n      - API_URL=http://${API_HOST}/v1\n";
        let d = assert_fires(&RULE, &[("compose.yaml", compose)]);
        assert_eq!((d[0].line, d[0].text.as_str()), (5, "${API_HOST}"));
        let compose = "services:\n  app:\n    image: nginx:$TAG\n";
        let d = assert_fires(&RULE, &[("compose.yaml", compose)]);
        assert_eq!(d[0].text, "$TAG");
    }

    #[test]
    fn defaults_requirements_and_empty_values_are_fine() {
        for compose in [
            "services:\n  app:\n    image: nginx:${TAG:-1.27}\n",
            "services:\n  app:\n    image: nginx:${TAG-1.27}\n",
            "services:\n  app:\n    image: nginx${TAG:+:$TAG}\n",
            "services:\n  app:\n    image: nginx\n    environment:\n      - TAG\n",
            "services:\n  app:\n    image: nginx:1.27\n    command: echo $$HOME\n",
        ] {
            assert_silent(&RULE, &[("compose.yaml", compose)]);
        }
        // Set to the empty string is set: the user chose it.
        let compose = "services:\n  app:\n    image: python:3.12-slim\n    environment:\n      - EXTRA=${EXTRA}\n";
        assert_silent(&RULE, &[("compose.yaml", compose), (".env", "EXTRA=\n")]);
    }

    #[test]
    fn near_miss_in_dotenv_is_labelled() {
        let compose = "services:\n  app:\n    image: python:3.12-slim\n    environment:\n      - DATABASE_URL=${DATABASE_URL}\n";
        let d = assert_fires(
            &RULE,
            &[
                ("compose.yaml", compose),
                (".env", "DATABASE_URI=postgresql://db/app\n"),
            ],
        );
        assert_eq!(d[0].labels[0].0, ".env");
        assert_eq!(d[0].labels[0].1, "DATABASE_URI");
    }

    #[test]
    fn inside_dotenv_values() {
        let compose = "services:\n  app:\n    image: python:3.12-slim\n    environment:\n      - URL=${URL}\n";
        let d = assert_fires(
            &RULE,
            &[("compose.yaml", compose), (".env", "URL=http://${HOST}/\n")],
        );
        assert_eq!(
            (d[0].file.as_str(), d[0].text.as_str()),
            (".env", "${HOST}")
        );
    }

    #[test]
    fn empty_secret_is_left_to_missing_secret() {
        use crate::model::secrets::SecretPolicy;
        use crate::rules::engine::{run, Settings};
        use crate::rules::testing::{workspace, write_project};
        let compose = "services:\n  app:\n    image: python:3.12-slim\n    environment:\n      - SECRET_KEY=${SECRET_KEY}\n";
        let dir = write_project(&[("compose.yaml", compose)]);
        let ws = workspace(dir.path());
        let policy = SecretPolicy::default();
        let ctx = crate::rules::Context::new(&ws, &policy);
        let rules = |settings: &Settings| -> Vec<&str> {
            run(&ctx, settings)
                .into_iter()
                .map(|d| d.rule.name())
                .collect()
        };
        // Both say it; `missing-secret` says more.
        assert_eq!(rules(&Settings::default()), vec!["missing-secret"]);
        // Without it, the unset variable is still reported.
        let ignored = Settings {
            ignore: vec![crate::rules::RuleId::MissingSecret],
            ..Settings::default()
        };
        assert_eq!(rules(&ignored), vec!["unset-variable"]);
    }

    /// One finding per variable and file, its other references labelled.
    #[test]
    fn one_finding_per_variable_and_file() {
        let compose = "services:\n  app:\n    image: python:3.12-slim\n    volumes:\n      - ${VOLUME_PATH}/a:/a\n      - ${VOLUME_PATH}/b:/b\n  worker:\n    image: python:3.12-slim\n    volumes:\n      - ${VOLUME_PATH}/c:/c\n";
        let d = assert_fires(&RULE, &[("compose.yaml", compose)]);
        assert_eq!(d.len(), 1, "{d:#?}");
        assert_eq!(d[0].labels.len(), 2);
    }

    /// A close name defined in `.env` that something uses is another
    /// variable, not the misspelt one.
    #[test]
    fn a_close_name_in_use_is_no_typo() {
        let compose = "services:\n  app:\n    image: python:3.12-slim\n    environment:\n      SMTP_HOST: ${SMTP_HOST}\n      SMTP_PORT: ${SMTP_PORT}\n";
        let d = assert_fires(
            &RULE,
            &[("compose.yaml", compose), (".env", "SMTP_HOST=mail\n")],
        );
        assert!(d[0].labels.is_empty(), "{:?}", d[0].labels);
    }
}
