//! `missing-dotenv`: an env file the project reads that an install creates
//! and that is not there — the `.env` documented by a committed
//! `.env.example`, a required `env_file:`. One finding says what to create;
//! the variables it will set count as set at deploy time for every other
//! rule.

use std::collections::BTreeSet;

use crate::model::types::*;
use crate::model::workspace::Workspace;
use crate::rules::{Context, Diagnostic, Rule, RuleId, RuleMeta, Severity};
use crate::source::{FileId, Span, TextRange};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: RuleId::MissingDotenv,
        severity: Severity::Warning,
        summary: "An env file the project reads that is not there: the `.env` its `.env.example` documents, a required `env_file:` — created at install time.",
        doc: include_str!("../../rules/missing-dotenv.md"),
        cases: &[],
    },
    check,
};

/// At most this many variable names in a message.
const NAMES_SHOWN: usize = 5;

/// One missing file, over every project that reads it (the compose files
/// of one folder are projects of their own, and share its `.env`).
struct Missing<'a> {
    file: &'a MissingEnvFile,
    readers: Vec<&'a str>,
    /// Every `env_file:` entry naming it, in every project.
    uses: Vec<Span>,
    unset: BTreeSet<&'a str>,
    first_reference: Option<Span>,
}

fn check(ctx: &Context) -> Vec<Diagnostic> {
    let ws = ctx.ws;
    let mut missing: Vec<Missing> = Vec::new();
    for project in ws.whole_projects() {
        for m in &project.missing_env_files {
            let unset: BTreeSet<&str> = if m.project_dotenv {
                project
                    .deploy_variables
                    .iter()
                    .filter(|v| crate::model::deploy::unset_variables(project).contains(*v))
                    .map(String::as_str)
                    .collect()
            } else {
                BTreeSet::new()
            };
            let first_reference = project
                .references
                .iter()
                .find(|r| r.source.is_none() && unset.contains(r.variable.as_str()))
                .map(|r| r.reference);
            let entry = match missing.iter_mut().position(|x| x.file.path == m.path) {
                Some(i) => &mut missing[i],
                None => {
                    missing.push(Missing {
                        file: m,
                        readers: Vec::new(),
                        uses: Vec::new(),
                        unset: BTreeSet::new(),
                        first_reference,
                    });
                    missing.last_mut().expect("just pushed")
                }
            };
            for r in readers(project, m) {
                if !entry.readers.contains(&r) {
                    entry.readers.push(r);
                }
            }
            entry.unset.extend(unset);
            for u in &m.uses {
                if !entry.uses.contains(u) {
                    entry.uses.push(*u);
                }
            }
        }
    }
    missing.iter().filter_map(|m| diagnostic(ws, m)).collect()
}

fn diagnostic(ws: &Workspace, m: &Missing) -> Option<Diagnostic> {
    let shown = &m.file.display;
    let template = m
        .file
        .template
        .map(|t| (t, ws.sources.get(t).display.clone()));
    let documented = template
        .as_ref()
        .map(|(_, name)| format!("; `{name}` documents it"))
        .unwrap_or_default();
    let unset: Vec<&str> = m.unset.iter().copied().collect();
    let message = if m.readers.is_empty() {
        format!(
            "there is no `{shown}`: {} variable{} that the compose files use without a default {} set nowhere else ({}){documented}",
            unset.len(),
            plural(unset.len()),
            if unset.len() == 1 { "is" } else { "are" },
            names(&unset)
        )
    } else {
        format!(
            "{} read{} `{shown}`, which is not there: Compose refuses to start until it is made{documented}",
            services_named(&m.readers),
            if m.readers.len() == 1 { "s" } else { "" },
        )
    };
    let template_key = |t: FileId| first_key(ws, t).unwrap_or(Span::new(t, TextRange::empty(0)));
    let primary = m
        .uses
        .first()
        .copied()
        .or_else(|| m.file.template.map(template_key))
        .or(m.first_reference)?;
    let mut d = Diagnostic::new(RULE.meta.id, primary, message)
        .with_span_label(format!("`{shown}` is not there"));
    for u in m.uses.iter().skip(1) {
        d = d.with_label(*u, "also read here");
    }
    if let (Some(t), false) = (m.file.template, m.uses.is_empty()) {
        d = d.with_label(template_key(t), "the template");
    }
    Some(d.with_help(match &template {
        Some((_, name)) => format!(
            "copy `{name}` to `{shown}` and fill in the values; to lint with the template's values, run `mppeep-lint --env-file {name}`"
        ),
        None => format!(
            "create `{shown}` before `docker compose up`; commit a template of it (`{shown}.example`) so that others know what it holds"
        ),
    }))
}

/// The services that read `m` as an `env_file:`.
fn readers<'p>(project: &'p Project, m: &MissingEnvFile) -> Vec<&'p str> {
    project
        .services
        .iter()
        .filter(|s| s.env_files.iter().any(|e| e.resolved == m.path))
        .map(|s| s.name.as_str())
        .collect()
}

fn services_named(names: &[&str]) -> String {
    let quoted: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
    match quoted.len() {
        1 => format!("service {}", quoted[0]),
        _ => format!("services {}", quoted.join(", ")),
    }
}

fn names(list: &[&str]) -> String {
    let mut s = list
        .iter()
        .take(NAMES_SHOWN)
        .copied()
        .collect::<Vec<_>>()
        .join(", ");
    if list.len() > NAMES_SHOWN {
        s.push_str(&format!(" and {} more", list.len() - NAMES_SHOWN));
    }
    s
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// The key of a template's first definition.
fn first_key(ws: &Workspace, t: FileId) -> Option<Span> {
    ws.dotenv_file(t)?
        .entries
        .first()
        .map(|e| Span::new(t, e.key_range))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::fired;

    const COMPOSE: &str = "services:\n  app:\n    image: nginx:1.27\n    environment:\n      SECRET_KEY: ${SECRET_KEY}\n      DEBUG: ${DEBUG:-0}\n";

    #[test]
    fn a_template_without_its_dotenv() {
        let f = fired(
            &RULE,
            &[
                ("compose.yaml", COMPOSE),
                (".env.example", "SECRET_KEY=\nDEBUG=0\n"),
            ],
        );
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].file, ".env.example");
        assert_eq!(f[0].text, "SECRET_KEY");
        assert_eq!(
            f[0].message,
            "there is no `.env`: 1 variable that the compose files use without a default is set nowhere else (SECRET_KEY); `.env.example` documents it"
        );
    }

    #[test]
    fn an_env_file_that_is_not_there() {
        let compose = "services:\n  app:\n    image: nginx:1.27\n    env_file: .env\n  worker:\n    image: nginx:1.27\n    env_file: [.env]\n";
        let f = fired(&RULE, &[("compose.yaml", compose)]);
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].text, ".env");
        assert_eq!(f[0].line, 4);
        assert!(
            f[0].message
                .starts_with("services `app`, `worker` read `.env`"),
            "{}",
            f[0].message
        );
        assert_eq!(f[0].labels.len(), 1, "{:?}", f[0].labels);
    }

    #[test]
    fn nothing_when_the_dotenv_is_there_or_not_expected() {
        let with_dotenv = fired(
            &RULE,
            &[
                ("compose.yaml", COMPOSE),
                (".env.example", "SECRET_KEY=\n"),
                (".env", "SECRET_KEY=s3cr3t-value\n"),
            ],
        );
        assert!(with_dotenv.is_empty(), "{with_dotenv:?}");
        // No template, no env_file: `unset-variable` reports each variable.
        let unexpected = fired(&RULE, &[("compose.yaml", COMPOSE)]);
        assert!(unexpected.is_empty(), "{unexpected:?}");
        // An optional env_file.
        let optional = fired(
            &RULE,
            &[(
                "compose.yaml",
                "services:\n  app:\n    image: nginx:1.27\n    env_file:\n      - path: .env\n        required: false\n",
            )],
        );
        assert!(optional.is_empty(), "{optional:?}");
    }
}
