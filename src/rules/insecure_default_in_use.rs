//! `insecure-default-in-use`: a secret setting whose default, written in
//! the code, is what the app runs with, because the container never
//! receives the variable.

use std::collections::BTreeMap;

use crate::facts::app_settings::{
    environment_unknown, loads_dotenv, outcome, set_by_code, Outcome,
};
use crate::facts::credentials::{needed_secret, Needed};
use crate::facts::purpose::{is_dev_name, Purpose};
use crate::model::types::Service;
use crate::rules::flow::{active_services, ServiceList};
use crate::rules::{Context, Diagnostic, Rule, RuleId, RuleMeta};
use crate::source::Span;
use crate::syntax::python::{Literal, PyValue};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: RuleId::InsecureDefaultInUse,
        severity: crate::rules::Severity::Error,
        summary: "A secret setting (`SECRET_KEY: str = \"changeme\"`, `os.getenv(\"JWT_SECRET\", \"dev\")`) keeps the default written in the code: the container never receives the variable.",
        doc: include_str!("../../rules/insecure-default-in-use.md"),
        cases: &[],
    },
    check,
};

/// The app's own secrets, whose default everyone who reads the code
/// knows: an application key (sessions, tokens, data are signed or
/// encrypted with it) or an administrator's password, as `missing-secret`
/// judges them ([`needed_secret`]). Not third-party credentials (an
/// `OPENAI_API_KEY` the app sends elsewhere: a default there is no secret
/// of the app's, the feature is off).
fn own_secret(service: &Service, name: &str) -> bool {
    matches!(
        needed_secret(service, name, &|_| false),
        Some(Needed::AppKey | Needed::AdminPassword)
    )
}

/// A default that is a secret's value: a non-empty string, not a
/// placeholder for "none".
fn secret_default(v: &PyValue) -> bool {
    matches!(&v.literal, Literal::Str(s) if !s.trim().is_empty())
}

/// Whether the project is `docker compose` run with an override file
/// (`docker-compose.override.yml`): the developer's setup.
fn merges_override(
    ws: &crate::model::workspace::Workspace,
    project: &crate::model::types::Project,
) -> bool {
    project.compose_files.iter().any(|f| {
        ws.sources.get(*f).path.file_name().is_some_and(|n| {
            n.to_string_lossy()
                .to_ascii_lowercase()
                .contains(".override.")
        })
    })
}

/// Whether the service loads Django's development settings
/// (`DJANGO_SETTINGS_MODULE: config.settings.local`, `….dev`).
fn development_settings(service: &Service) -> bool {
    service
        .container_env
        .get("DJANGO_SETTINGS_MODULE")
        .and_then(|v| v.winner.value.as_deref())
        .and_then(|m| m.rsplit('.').next())
        .is_some_and(is_dev_name)
}

struct InUse {
    name: String,
    what: String,
    services: ServiceList,
}

fn check(ctx: &Context) -> Vec<Diagnostic> {
    let ws = ctx.ws;
    let purposes = ctx.facts().purposes();
    let mut found: BTreeMap<Span, InUse> = BTreeMap::new();
    for (project, service) in active_services(ws) {
        // A development or test service runs with development secrets;
        // so does a project that merges an override file (Compose's
        // convention for the developer's machine).
        if purposes.service(service) == Some(Purpose::Development)
            || merges_override(ws, project)
            || development_settings(service)
        {
            continue;
        }
        let app = ws.app.in_service(ws, project, service);
        if app.modules.is_empty() {
            continue;
        }
        let mut add = |at: Span, name: &str, what: String| {
            let m = found.entry(at).or_insert_with(|| InUse {
                name: name.to_string(),
                what,
                services: ServiceList::default(),
            });
            m.services.add(service);
        };
        let dotenv = loads_dotenv(ws, project, service, &app);
        for (class, keywords) in &app.classes {
            for field in &class.fields {
                let Some(default) = field.default_value() else {
                    continue;
                };
                let name = &class.shown(field.env_names.first().map_or("", String::as_str));
                if !secret_default(default)
                    || !ctx.secrets.is_secret(name)
                    || !own_secret(service, name)
                {
                    continue;
                }
                if outcome(ws, project, service, &app, class, keywords, field, dotenv)
                    != Outcome::Default
                {
                    continue;
                }
                add(
                    Span::new(field.file, default.content_range()),
                    name,
                    format!("`{}.{}`", class.name, field.def.name),
                );
            }
        }
        if dotenv || environment_unknown(service) {
            continue;
        }
        for id in &app.imported {
            let Some(module) = ws.app.modules.get(id) else {
                continue;
            };
            for read in &module.reads {
                // A branch that may not run (`if APP_ENV == "production":
                // ... else: os.getenv("SECRET_KEY", "dev")`).
                let Some(default) = read.default.as_ref().filter(|_| !read.conditional) else {
                    continue;
                };
                if !secret_default(default)
                    || !ctx.secrets.is_secret(&read.name)
                    || !own_secret(service, &read.name)
                {
                    continue;
                }
                if service.container_env.get(&read.name).is_some() || set_by_code(&app, &read.name)
                {
                    continue;
                }
                add(
                    Span::new(*id, default.content_range()),
                    &read.name,
                    format!("the read of `{}`", read.name),
                );
            }
        }
    }
    // The words of the messages are chosen: a finding's text is masked
    // wherever it has the secret's own text as a word, and the defaults
    // this rule finds are often `secret`, `default`, `admin`.
    found
        .into_iter()
        .map(|(at, m)| {
            let mut d = Diagnostic::new(
                RuleId::InsecureDefaultInUse,
                at,
                format!(
                    "{} falls back to the value written in the code: {} `{}`, so the app runs with a key anyone who reads the code knows",
                    m.what,
                    m.services.words("receive"),
                    m.name
                ),
            )
            .with_span_label("what the app runs with")
            .with_help(format!(
                "pass a real value to the service (`environment:` `{n}: ${{{n}:?set {n}}}`, or an `env_file:`), and drop the fallback in the code so that a missing value stops the app",
                n = m.name
            ));
            for (s, span) in m.services.shown() {
                d = d.with_label(*span, format!("`{s}` runs this code without `{}`", m.name));
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
    const SETTINGS: &str = "from pydantic_settings import BaseSettings\n\nclass Settings(BaseSettings):\n    secret_key: str = \"changeme\"\n    openai_api_key: str = \"sk-none\"\n\nsettings = Settings()\n";

    #[test]
    fn the_code_default_is_used() {
        let f = assert_fires(
            &RULE,
            &[
                ("compose.yaml", "services:\n  app:\n    build: .\n"),
                ("Dockerfile", DOCKERFILE),
                (".dockerignore", ".env\n"),
                ("app/config.py", SETTINGS),
            ],
        );
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].text, "changeme");
    }

    #[test]
    fn received_or_development() {
        assert_silent(
            &RULE,
            &[
                ("compose.yaml", "services:\n  app:\n    build: .\n    environment:\n      SECRET_KEY: ${SECRET_KEY:?}\n"),
                ("Dockerfile", DOCKERFILE),
                (".dockerignore", ".env\n"),
                ("app/config.py", SETTINGS),
            ],
        );
        assert_silent(
            &RULE,
            &[
                (
                    "docker-compose.dev.yml",
                    "services:\n  app:\n    build: .\n",
                ),
                ("Dockerfile", DOCKERFILE),
                (".dockerignore", ".env\n"),
                ("app/config.py", SETTINGS),
            ],
        );
    }

    #[test]
    fn a_direct_read_with_a_default() {
        let f = assert_fires(
            &RULE,
            &[
                ("compose.yaml", "services:\n  app:\n    build: .\n"),
                ("Dockerfile", DOCKERFILE),
                (".dockerignore", ".env\n"),
                ("app/settings.py", "import os\nSECRET_KEY = os.getenv('DJANGO_SECRET_KEY', 'insecure-dev-key')\nAPI_KEY = os.getenv('STRIPE_API_KEY', 'x')\n"),
            ],
        );
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].text, "insecure-dev-key");
    }

    #[test]
    fn an_override_file_a_branch_and_a_fallback() {
        // `docker compose` with an override file: the developer's setup.
        assert_silent(
            &RULE,
            &[
                ("compose.yaml", "services:\n  app:\n    build: .\n"),
                (
                    "compose.override.yaml",
                    "services:\n  app:\n    volumes:\n      - .:/app\n",
                ),
                ("Dockerfile", DOCKERFILE),
                (".dockerignore", ".env\n"),
                ("app/config.py", SETTINGS),
            ],
        );
        // The default of a branch that may not run.
        assert_silent(
            &RULE,
            &[
                ("compose.yaml", "services:\n  app:\n    build: .\n    environment:\n      APP_ENV: production\n"),
                ("Dockerfile", DOCKERFILE),
                (".dockerignore", ".env\n"),
                ("app/settings.py", "import os\nif os.environ[\"APP_ENV\"] == \"production\":\n    SECRET_KEY = os.environ[\"APP_ENV\"]\nelse:\n    SECRET_KEY = os.getenv(\"SECRET_KEY\", \"dev-key\")\n"),
            ],
        );
        // Flask's `os.environ.get("SECRET_KEY") or "..."`.
        let f = assert_fires(
            &RULE,
            &[
                ("compose.yaml", "services:\n  app:\n    build: .\n"),
                ("Dockerfile", DOCKERFILE),
                (".dockerignore", ".env\n"),
                ("app/config.py", "import os\n\nclass Config:\n    SECRET_KEY = os.environ.get(\"SECRET_KEY\") or \"you-will-never-guess\"\n"),
            ],
        );
        assert_eq!(f[0].text, "you-will-never-guess");
    }
}
