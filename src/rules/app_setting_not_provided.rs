//! `app-setting-not-provided`: a setting the app cannot start without
//! (a pydantic settings field without default, an `os.environ["X"]` read
//! when the module is imported) that a service's container never receives.

use std::collections::BTreeMap;

use crate::facts::app_settings::{
    app_file_may_be_there, environment_unknown, loads_dotenv, outcome, set_by_code, Outcome,
};
use crate::rules::flow::{active_services, ServiceList};
use crate::rules::{Context, Diagnostic, Rule, RuleId, RuleMeta};
use crate::source::Span;
use crate::syntax::python::ReadKind;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: RuleId::AppSettingNotProvided,
        severity: crate::rules::Severity::Error,
        summary: "A setting the app requires (a pydantic settings field without default, an `os.environ[\"X\"]` read at import) never reaches the container of a service that runs the code: the app fails at start.",
        doc: include_str!("../../rules/app-setting-not-provided.md"),
        cases: &[],
    },
    check,
};

/// One missing setting, with every service that runs the code without it.
struct Missing {
    /// The environment name the app reads.
    name: String,
    /// What reads it: `Settings.database_url`, `os.environ["X"]`.
    what: String,
    /// What happens without it.
    failure: &'static str,
    services: ServiceList,
}

fn check(ctx: &Context) -> Vec<Diagnostic> {
    let ws = ctx.ws;
    let mut found: BTreeMap<Span, Missing> = BTreeMap::new();
    for (project, service) in active_services(ws) {
        let app = ws.app.in_service(ws, project, service);
        if app.modules.is_empty() {
            continue;
        }
        let mut add = |at: Span, name: &str, what: String, failure: &'static str| {
            let m = found.entry(at).or_insert_with(|| Missing {
                name: name.to_string(),
                what,
                failure,
                services: ServiceList::default(),
            });
            m.services.add(service);
        };
        let dotenv = loads_dotenv(ws, project, service, &app);
        for (class, keywords) in &app.classes {
            for field in &class.fields {
                let o = outcome(ws, project, service, &app, class, keywords, field, dotenv);
                if o != Outcome::Missing {
                    continue;
                }
                let ignored = if field.ignored_env(class.v1) {
                    " (pydantic v2 ignores its `Field(env=...)`)"
                } else {
                    ""
                };
                add(
                    field.name_span(),
                    &class.shown(&field.env_names[0]),
                    format!("`{}.{}`{ignored}", class.name, field.def.name),
                    "the settings fail to load (pydantic `ValidationError`) and the app does not start",
                );
            }
        }
        // Reads when a module is imported, in the container's own
        // environment (case counts: it is the process environment).
        if dotenv || environment_unknown(service) {
            continue;
        }
        for id in &app.imported {
            let Some(module) = ws.app.modules.get(id) else {
                continue;
            };
            for read in &module.reads {
                if read.guarded || !read.required() {
                    continue;
                }
                // python-decouple also reads a `.env` or `settings.ini`
                // next to the code.
                if read.kind == ReadKind::Decouple
                    && ["settings.ini", ".env"]
                        .iter()
                        .any(|f| app_file_may_be_there(ws, project, service, &app, f, true))
                {
                    continue;
                }
                // Given (a passthrough nothing in the project sets may be
                // given by the deploying shell), or set by the code itself.
                if service.container_env.get(&read.name).is_some() || set_by_code(&app, &read.name)
                {
                    continue;
                }
                let (what, failure) = match read.kind {
                    ReadKind::Subscript => (
                        format!("`os.environ[\"{}\"]`", read.name),
                        "importing the module raises `KeyError` and the app does not start",
                    ),
                    ReadKind::DjangoEnviron => (
                        format!("django-environ's `env(\"{}\")`", read.name),
                        "importing the settings raises `ImproperlyConfigured` and the app does not start",
                    ),
                    ReadKind::Decouple => (
                        format!("python-decouple's `config(\"{}\")`", read.name),
                        "importing the module raises `UndefinedValueError` and the app does not start",
                    ),
                    ReadKind::Get => continue,
                };
                add(Span::new(*id, read.name_range), &read.name, what, failure);
            }
        }
    }
    found
        .into_iter()
        .map(|(at, m)| {
            let mut d = Diagnostic::new(
                RuleId::AppSettingNotProvided,
                at,
                format!(
                    "{} needs `{}`, which {}: {}",
                    m.what,
                    m.name,
                    m.services.words("receive"),
                    m.failure
                ),
            )
            .with_span_label("required, no default")
            .with_help(format!(
                "pass it to the service: `environment:` `{n}: ${{{n}:?set {n}}}` (or an `env_file:` that sets it); or give the setting a default in the code",
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
    use crate::rules::testing::{assert_fires, assert_silent, fired};

    const DOCKERFILE: &str =
        "FROM python:3.12-slim\nWORKDIR /app\nCOPY . .\nCMD [\"python\", \"-m\", \"app.main\"]\n";
    const IGNORE: &str = ".env\n";
    const SETTINGS: &str = "from pydantic_settings import BaseSettings\n\nclass Settings(BaseSettings):\n    database_url: str\n    debug: bool = False\n\nsettings = Settings()\n";

    #[test]
    fn a_required_field_the_container_lacks() {
        let f = assert_fires(
            &RULE,
            &[
                ("compose.yaml", "services:\n  app:\n    build: .\n    environment:\n      DEBUG: \"1\"\n  worker:\n    build: .\n"),
                ("Dockerfile", DOCKERFILE),
                (".dockerignore", IGNORE),
                ("app/config.py", SETTINGS),
            ],
        );
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].text, "database_url");
        assert!(f[0].message.contains("`app`, `worker`"), "{}", f[0].message);
        assert!(f[0].message.contains("`DATABASE_URL`"), "{}", f[0].message);
    }

    #[test]
    fn received_in_another_case_or_through_env_file() {
        assert_silent(
            &RULE,
            &[
                ("compose.yaml", "services:\n  app:\n    build: .\n    environment:\n      DATABASE_URL: postgres://db/x\n"),
                ("Dockerfile", DOCKERFILE),
                (".dockerignore", IGNORE),
                ("app/config.py", SETTINGS),
            ],
        );
        assert_silent(
            &RULE,
            &[
                (
                    "compose.yaml",
                    "services:\n  app:\n    build: .\n    env_file: app.env\n",
                ),
                ("app.env", "DATABASE_URL=postgres://db/x\n"),
                ("Dockerfile", DOCKERFILE),
                (".dockerignore", IGNORE),
                ("app/config.py", SETTINGS),
            ],
        );
    }

    #[test]
    fn a_dotenv_the_app_reads_itself_in_the_image() {
        let settings = SETTINGS.replace(
            "class Settings(BaseSettings):\n",
            "class Settings(BaseSettings):\n    model_config = SettingsConfigDict(env_file=\".env\")\n",
        );
        // No ignore file: `COPY . .` may take a `.env` along.
        assert_silent(
            &RULE,
            &[
                ("compose.yaml", "services:\n  app:\n    build: .\n"),
                ("Dockerfile", DOCKERFILE),
                ("app/config.py", &settings),
            ],
        );
        // Excluded from the image: the app reads nothing.
        assert_fires(
            &RULE,
            &[
                ("compose.yaml", "services:\n  app:\n    build: .\n"),
                ("Dockerfile", DOCKERFILE),
                (".dockerignore", IGNORE),
                ("app/config.py", &settings),
            ],
        );
    }

    #[test]
    fn code_not_in_the_image_or_never_instantiated() {
        // The image copies another folder.
        assert_silent(
            &RULE,
            &[
                ("compose.yaml", "services:\n  app:\n    build: .\n"),
                ("Dockerfile", "FROM python:3.12-slim\nCOPY web/ /app/\n"),
                ("app/config.py", SETTINGS),
            ],
        );
        // A class nothing instantiates.
        assert_silent(
            &RULE,
            &[
                ("compose.yaml", "services:\n  app:\n    build: .\n"),
                ("Dockerfile", DOCKERFILE),
                (".dockerignore", IGNORE),
                (
                    "app/config.py",
                    &SETTINGS.replace("settings = Settings()\n", ""),
                ),
            ],
        );
        // Only a test instantiates it.
        assert_silent(
            &RULE,
            &[
                ("compose.yaml", "services:\n  app:\n    build: .\n"),
                ("Dockerfile", DOCKERFILE),
                (".dockerignore", IGNORE),
                (
                    "app/config.py",
                    &SETTINGS.replace("settings = Settings()\n", ""),
                ),
                (
                    "tests/test_config.py",
                    "from app.config import Settings\nSettings()\n",
                ),
            ],
        );
    }

    #[test]
    fn a_mounted_folder_and_an_image_built_once() {
        assert_fires(
            &RULE,
            &[
                (
                    "compose.yaml",
                    "services:\n  app:\n    image: python:3.12\n    volumes:\n      - ./app:/app\n",
                ),
                ("app/config.py", SETTINGS),
            ],
        );
        let f = assert_fires(
            &RULE,
            &[
                ("compose.yaml", "services:\n  web:\n    build: .\n    image: acme/web\n  worker:\n    image: acme/web\n"),
                ("Dockerfile", DOCKERFILE),
                (".dockerignore", IGNORE),
                ("app/config.py", SETTINGS),
            ],
        );
        assert!(f[0].message.contains("`web`, `worker`"), "{}", f[0].message);
    }

    #[test]
    fn direct_reads_at_import() {
        let f = assert_fires(
            &RULE,
            &[
                ("compose.yaml", "services:\n  app:\n    build: .\n    environment:\n      - secret_key=x\n"),
                ("Dockerfile", DOCKERFILE),
                (".dockerignore", IGNORE),
                ("app/settings.py", "import os\nSECRET_KEY = os.environ[\"SECRET_KEY\"]\nHOST = os.environ.get(\"HOST\", \"x\")\n\ndef later():\n    return os.environ[\"LATER\"]\n"),
            ],
        );
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].text, "SECRET_KEY");
        assert!(f[0].message.contains("KeyError"));
        // python-dotenv loads a `.env` that may be in the image.
        assert_silent(
            &RULE,
            &[
                ("compose.yaml", "services:\n  app:\n    build: .\n"),
                ("Dockerfile", DOCKERFILE),
                ("app/settings.py", "import os\nfrom dotenv import load_dotenv\nload_dotenv()\nSECRET_KEY = os.environ[\"SECRET_KEY\"]\n"),
            ],
        );
    }

    #[test]
    fn prefix_alias_and_inheritance_across_modules() {
        let base = "from pydantic_settings import BaseSettings, SettingsConfigDict\n\nclass Common(BaseSettings):\n    model_config = SettingsConfigDict(env_prefix=\"APP_\")\n    token: str\n";
        let settings = "from pydantic import Field\nfrom .base import Common\n\nclass Settings(Common):\n    port: int = Field(alias=\"PORT\")\n\nsettings = Settings()\n";
        let f = assert_fires(
            &RULE,
            &[
                ("compose.yaml", "services:\n  app:\n    build: .\n    environment:\n      TOKEN: x\n      APP_PORT: \"1\"\n"),
                ("Dockerfile", DOCKERFILE),
                (".dockerignore", IGNORE),
                ("app/base_settings.py", base),
                ("app/config.py", settings),
            ],
        );
        let texts: Vec<_> = f.iter().map(|x| x.text.as_str()).collect();
        assert_eq!(texts, ["token", "PORT"], "{f:?}");
        assert!(f[0].message.contains("`APP_TOKEN`"), "{}", f[0].message);
    }

    /// From the review of real shapes: each of these was reported.
    #[test]
    fn what_the_review_found() {
        let base = |compose: &str, py: (&'static str, &'static str)| {
            vec![
                ("compose.yaml", compose.to_string()),
                ("Dockerfile", DOCKERFILE.to_string()),
                (".dockerignore", IGNORE.to_string()),
                (py.0, py.1.to_string()),
            ]
        };
        let silent = |files: Vec<(&'static str, String)>| {
            let f: Vec<(&str, &str)> = files.iter().map(|(n, t)| (*n, t.as_str())).collect();
            assert_silent(&RULE, &f);
        };
        // A default written in `Annotated[..., Field(default=...)]`.
        silent(base(
            "services:\n  app:\n    build: .\n",
            ("app/config.py", "from pydantic_settings import BaseSettings\n\nclass Settings(BaseSettings):\n    database_url: Annotated[str, Field(default=\"sqlite://\")]\n\nsettings = Settings()\n"),
        ));
        // Positional defaults of django-environ and decouple.
        silent(base(
            "services:\n  app:\n    build: .\n",
            ("app/settings.py", "import environ\nfrom decouple import config\nenv = environ.Env()\nDEBUG = env.bool(\"DJANGO_DEBUG\", False)\nHOSTS = env.list(\"HOSTS\", str, [])\nEMAIL = config(\"EMAIL_HOST\", \"localhost\")\n"),
        ));
        // An env_file that is not in the repository: its content is unknown.
        silent(base(
            "services:\n  app:\n    build: .\n    env_file: .env.production\n",
            ("app/config.py", SETTINGS),
        ));
        // A passthrough the deploying shell may set.
        silent(base(
            "services:\n  app:\n    build: .\n    environment:\n      - DATABASE_URL\n",
            ("app/config.py", SETTINGS),
        ));
        // A docs server that mounts the repository runs none of the code.
        let mut p = base("services:\n  docs:\n    image: squidfunk/mkdocs-material\n    volumes:\n      - .:/docs\n", ("app/config.py", SETTINGS));
        p.retain(|(n, _)| *n != "Dockerfile");
        silent(p);
        // gunicorn's own configuration; one of two entry points.
        silent(base(
            "services:\n  app:\n    build: .\n",
            (
                "gunicorn.conf.py",
                "import os\nworkers = int(os.environ[\"WEB_CONCURRENCY\"])\n",
            ),
        ));
        let mut p = base(
            "services:\n  api:\n    build: .\n",
            ("api/main.py", "import os\nKEY = os.environ[\"API_KEY\"]\n"),
        );
        p.push((
            "worker/main.py",
            "import os\nQ = os.environ[\"QUEUE\"]\n".to_string(),
        ));
        silent(p);
        // One of two classes, chosen by a condition.
        silent(base(
            "services:\n  app:\n    build: .\n",
            ("app/config.py", "import os\nfrom pydantic_settings import BaseSettings\n\nclass Prod(BaseSettings):\n    database_url: str\n\nclass Dev(BaseSettings):\n    debug: bool = True\n\nif os.getenv(\"APP_ENV\") == \"production\":\n    settings = Prod()\nelse:\n    settings = Dev()\n"),
        ));
        // Set by the module itself.
        silent(base(
            "services:\n  app:\n    build: .\n",
            ("app/settings.py", "import os\nos.environ.setdefault(\"LOG_LEVEL\", \"info\")\nLEVEL = os.environ[\"LOG_LEVEL\"]\n"),
        ));
        // python-dotenv in the entry point, with a `.env` the image may hold.
        let mut p = base(
            "services:\n  app:\n    build: .\n",
            ("app/config.py", SETTINGS),
        );
        p.retain(|(n, _)| *n != ".dockerignore");
        p.push((
            "app/main.py",
            "from dotenv import load_dotenv\nload_dotenv()\nfrom app.config import settings\n"
                .to_string(),
        ));
        silent(p);
        // A `.env` mounted where the app reads it, from another name.
        let settings = SETTINGS.replace(
            "class Settings(BaseSettings):\n",
            "class Settings(BaseSettings):\n    model_config = SettingsConfigDict(env_file=\".env\")\n",
        );
        silent(base(
            "services:\n  app:\n    build: .\n    volumes:\n      - ./deploy/prod.env:/app/.env:ro\n",
            ("app/config.py", Box::leak(settings.into_boxed_str())),
        ));
        // pydantic v1 through `pydantic.v1`: `Optional` defaults to None.
        silent(base(
            "services:\n  app:\n    build: .\n",
            ("app/config.py", "from typing import Optional\nfrom pydantic.v1 import BaseSettings\n\nclass Settings(BaseSettings):\n    sentry_dsn: Optional[str]\n\nsettings = Settings()\n"),
        ));
        // A module with a syntax error: Python cannot import it at all.
        silent(base(
            "services:\n  app:\n    build: .\n",
            ("app/config.py", "from pydantic_settings import BaseSettings\n\nclass Settings(BaseSettings):\n    database_url: str\n    def (:\n\nsettings = Settings()\n"),
        ));
    }

    /// Django: only the settings module `DJANGO_SETTINGS_MODULE` names, and
    /// what it imports `*` from, are read at start.
    #[test]
    fn the_django_settings_module_chosen() {
        let files = |module: &str| {
            vec![
                ("compose.yaml", format!("services:\n  django:\n    build: .\n    environment:\n      DJANGO_SETTINGS_MODULE: {module}\n")),
                ("Dockerfile", DOCKERFILE.to_string()),
                (".dockerignore", IGNORE.to_string()),
                ("config/settings/base.py", "import environ\nenv = environ.Env()\nDATABASE_URL = env(\"DATABASE_URL\")\n".to_string()),
                ("config/settings/local.py", "from .base import *\nSECRET_KEY = env(\"DJANGO_SECRET_KEY\", default=\"x\")\n".to_string()),
                ("config/settings/production.py", "from .base import *\nSECRET_KEY = env(\"DJANGO_SECRET_KEY\")\n".to_string()),
            ]
        };
        let run = |module: &str| {
            let f = files(module);
            let f: Vec<(&str, &str)> = f.iter().map(|(n, t)| (*n, t.as_str())).collect();
            let mut names: Vec<String> = fired(&RULE, &f).into_iter().map(|x| x.text).collect();
            names.sort();
            names
        };
        assert_eq!(run("config.settings.local"), ["DATABASE_URL"]);
        assert_eq!(
            run("config.settings.production"),
            ["DATABASE_URL", "DJANGO_SECRET_KEY"]
        );
    }
}
