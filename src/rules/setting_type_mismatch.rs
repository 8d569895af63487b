//! `setting-type-mismatch`: the value a container receives for a pydantic
//! settings field is one the field's type rejects (`int` given `8000abc`,
//! `bool` given `enabled`, a URL type given a bare host): the settings fail
//! to load at start.

use std::collections::BTreeMap;

use crate::facts::app_settings::{accepts, known_value, outcome, Outcome, Rejection};
use crate::rules::flow::{active_services, ServiceList};
use crate::rules::{Context, Diagnostic, Rule, RuleId, RuleMeta};
use crate::source::Span;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: RuleId::SettingTypeMismatch,
        severity: crate::rules::Severity::Warning,
        summary: "A container receives a value its app's pydantic settings field cannot parse (`int` given `8000abc`, `bool` given `enabled`, a URL given a bare host): the settings fail to load.",
        doc: include_str!("../../rules/setting-type-mismatch.md"),
        cases: &[],
    },
    check,
};

struct Mismatch {
    message: String,
    expects: String,
    annotation: Span,
    services: ServiceList,
}

fn check(ctx: &Context) -> Vec<Diagnostic> {
    let ws = ctx.ws;
    let mut found: BTreeMap<Span, Mismatch> = BTreeMap::new();
    for (project, service) in active_services(ws) {
        let app = ws.app.in_service(ws, project, service);
        for (class, keywords) in &app.classes {
            for field in &class.fields {
                let Outcome::Received { key, var } =
                    outcome(ws, project, service, &app, class, keywords, field, false)
                else {
                    continue;
                };
                let Some(value) = known_value(var) else {
                    continue;
                };
                // A validator that reads the text first, or a `None` text.
                if class.validates_all
                    || class.validated.contains(&field.def.name)
                    || field.def.annotated_extras
                    || class
                        .config
                        .none_text
                        .as_ref()
                        .is_some_and(|n| n.as_deref().is_none_or(|n| n == value))
                {
                    continue;
                }
                let Some(Err(Rejection::Invalid { error, expects })) =
                    accepts(&field.def.annotation, value, class.v1)
                else {
                    continue;
                };
                let w = &var.winner;
                let at = w
                    .span_of(0..value.len())
                    .or(w.value_span)
                    .unwrap_or(w.key_span);
                let m = found.entry(at).or_insert_with(|| Mismatch {
                    message: format!(
                        "`{key}` is {} here, which `{}.{}` (`{}`) cannot parse: the settings fail to load (pydantic `{error}`) and the app does not start",
                        if value.is_empty() {
                            "empty".to_string()
                        } else {
                            format!("`{}`", value.escape_debug())
                        },
                        class.name,
                        field.def.name,
                        ws.sources
                            .get(field.file)
                            .text
                            .get(field.def.annotation_range.start..field.def.annotation_range.end)
                            .unwrap_or("")
                    ),
                    expects,
                    annotation: Span::new(field.file, field.def.annotation_range),
                    services: ServiceList::default(),
                });
                m.services.add(service);
            }
        }
    }
    found
        .into_iter()
        .map(|(at, m)| {
            let mut d = Diagnostic::new(RuleId::SettingTypeMismatch, at, m.message)
                .with_span_label("not a value of the field's type")
                .with_label(m.annotation, "the type the app reads it as")
                .with_help(format!("give {}", m.expects));
            for (s, span) in m.services.shown() {
                d = d.with_label(*span, format!("`{s}` runs the code with this value"));
            }
            d
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{assert_fires, assert_silent};

    const DOCKERFILE: &str = "FROM python:3.12-slim\nWORKDIR /app\nCOPY . .\n";
    const SETTINGS: &str = "from typing import Literal\nfrom pydantic import PostgresDsn\nfrom pydantic_settings import BaseSettings\n\nclass Settings(BaseSettings):\n    port: int = 8000\n    debug: bool = False\n    database_url: PostgresDsn | None = None\n    log_level: Literal[\"debug\", \"info\"] = \"info\"\n\nsettings = Settings()\n";

    fn project(env: &str) -> Vec<(&'static str, String)> {
        vec![
            (
                "compose.yaml",
                format!("services:\n  app:\n    build: .\n    environment:\n{env}"),
            ),
            ("Dockerfile", DOCKERFILE.to_string()),
            (".dockerignore", ".env\n".to_string()),
            ("app/config.py", SETTINGS.to_string()),
        ]
    }

    fn files<'a>(p: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
        p.iter().map(|(n, t)| (*n, t.as_str())).collect()
    }

    #[test]
    fn values_the_types_reject() {
        let p = project("      PORT: 8000abc\n      DEBUG: enabled\n      DATABASE_URL: db\n      LOG_LEVEL: INFO\n");
        let f = assert_fires(&RULE, &files(&p));
        let texts: Vec<_> = f.iter().map(|x| x.text.as_str()).collect();
        assert_eq!(texts, ["8000abc", "enabled", "db", "INFO"], "{f:?}");
        assert!(f[0].message.contains("int_parsing"), "{}", f[0].message);
        assert!(
            f[0].labels.iter().any(|l| l.1 == "int"),
            "{:?}",
            f[0].labels
        );
    }

    #[test]
    fn values_the_types_accept() {
        let p = project("      PORT: \" 8000 \"\n      DEBUG: \"yes\"\n      DATABASE_URL: postgresql+asyncpg://u:p@db/x\n      LOG_LEVEL: debug\n");
        assert_silent(&RULE, &files(&p));
    }

    #[test]
    fn a_value_from_the_dotenv_is_judged_one_from_the_shell_is_not() {
        let mut p = project("      PORT: ${PORT}\n      DEBUG: ${DEBUG}\n");
        p.push((".env", "PORT=80a\n".to_string()));
        let f = assert_fires(&RULE, &files(&p));
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!((f[0].file.as_str(), f[0].text.as_str()), (".env", "80a"));
    }

    /// A validator that reads the text first, an `Annotated` validator, a
    /// text read as `None`: pydantic may accept what the type alone does
    /// not.
    #[test]
    fn validators_and_none_text() {
        let settings = "from typing import Annotated\nfrom pydantic import BeforeValidator, field_validator\nfrom pydantic_settings import BaseSettings, SettingsConfigDict\n\nclass Settings(BaseSettings):\n    model_config = SettingsConfigDict(env_parse_none_str=\"null\")\n    log_level: Literal[\"DEBUG\", \"INFO\"] = \"INFO\"\n    debug: Annotated[bool, BeforeValidator(truthy)] = False\n    max_conn: int | None = None\n\n    @field_validator(\"log_level\", mode=\"before\")\n    @classmethod\n    def upper(cls, v):\n        return v.upper()\n\nsettings = Settings()\n";
        assert_silent(
            &RULE,
            &[
                ("compose.yaml", "services:\n  app:\n    build: .\n    environment:\n      LOG_LEVEL: info\n      DEBUG: enabled\n      MAX_CONN: \"null\"\n"),
                ("Dockerfile", DOCKERFILE),
                (".dockerignore", ".env\n"),
                ("app/config.py", settings),
            ],
        );
    }
}
