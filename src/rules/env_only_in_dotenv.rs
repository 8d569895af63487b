//! `env-only-in-dotenv`: a project `.env` variable that no compose file
//! references and no env_file passes: it reaches no container.

use std::collections::{HashMap, HashSet};

use crate::facts::build_context::{dotenv_in_container, dotenv_settings};
use crate::model::explain::Near;
use crate::model::types::*;
use crate::model::workspace::Workspace;
use crate::rules::{Context, Diagnostic, Rule, RuleId, RuleMeta, Severity};
use crate::source::Span;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: RuleId::EnvOnlyInDotenv,
        severity: Severity::Warning,
        summary: "A variable of the project .env that no compose file references and no env_file passes: it reaches no container.",
        doc: include_str!("../../rules/env-only-in-dotenv.md"),
        cases: &[],
    },
    check,
};

/// How one project treats a `.env` line.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Use {
    /// Referenced, passed through, or read as an env_file.
    Reaches,
    /// A service hard-codes the key with another value (`shadowed-env`).
    HardCoded,
    Unused,
}

/// The variables a project references: in its compose files, and in its
/// `.env` values.
fn referenced_names<'a>(ws: &'a Workspace, project: &'a Project) -> HashSet<&'a str> {
    let in_compose = project.references.iter().map(|r| r.variable.as_str());
    let in_dotenv = project
        .dotenv_definitions
        .iter()
        .flat_map(|o| o.via.iter().map(|v| v.variable.as_str()));
    // `secrets:`/`configs:` with `environment: NAME` read it too.
    let in_secrets = project
        .compose_files
        .iter()
        .filter_map(|f| ws.compose.get(f))
        .flat_map(|c| c.environment_sources());
    in_compose.chain(in_dotenv).chain(in_secrets).collect()
}

fn use_in(project: &Project, referenced: &HashSet<&str>, d: &DotenvDefinition) -> Use {
    let name = &d.name;
    let referenced = referenced.contains(name.as_str());
    // The same file read as an env_file by a service: it arrives.
    let passed = project.services.iter().any(|s| {
        s.reads_env_file(d.file)
            || s.container_env
                .get(name)
                .is_some_and(|v| v.definitions().any(|x| x.key_span == d.key))
    });
    if referenced || passed {
        return Use::Reaches;
    }
    // A service that hard-codes the key: with the same value, the value
    // reaches the container (nothing to say); with another, `shadowed-env`
    // says what is lost.
    let hard_coded: Vec<bool> = project
        .active_services()
        .filter_map(|s| {
            let v = s.container_env.get(name)?;
            (v.winner.source == EnvSource::ComposeEnvironment)
                .then(|| v.winner.value.as_deref() == Some(d.value.as_str()))
        })
        .collect();
    match (hard_coded.is_empty(), hard_coded.iter().all(|same| *same)) {
        (true, _) => Use::Unused,
        (false, true) => Use::Reaches,
        (false, false) => Use::HardCoded,
    }
}

fn check(ctx: &Context) -> Vec<Diagnostic> {
    let ws = ctx.ws;
    // One `.env` can serve several projects (compose.yml and
    // compose.deploy.yml side by side): a line is reported only when no
    // project that reads it uses it.
    let mut lines: Vec<(&Project, &DotenvDefinition, Use)> = Vec::new();
    // Where each `.env` line is in `lines`.
    let mut line_at: HashMap<Span, usize> = HashMap::new();
    for project in ws.whole_projects() {
        let referenced = referenced_names(ws, project);
        // The `.env` mounted or copied into a container: the app may read
        // it itself.
        let in_container = dotenv_in_container(ws, project);
        // Settings classes that read it themselves: their fields' keys.
        let settings = dotenv_settings(ws, project);
        for d in project.dotenv_definitions.iter().filter(|d| d.effective) {
            if d.name.is_empty() || crate::model::read_by_compose(&d.name) {
                continue;
            }
            let u = if in_container || settings.iter().any(|c| c.field_for(&d.name).is_some()) {
                Use::Reaches
            } else {
                use_in(project, &referenced, d)
            };
            match line_at.get(&d.key).and_then(|&i| lines.get_mut(i)) {
                Some(entry) => {
                    if u != Use::Unused && entry.2 != Use::Reaches {
                        entry.2 = u;
                    }
                }
                None => {
                    line_at.insert(d.key, lines.len());
                    lines.push((project, d, u));
                }
            }
        }
    }
    let mut out = Vec::new();
    let mut near = Near::default();
    for (project, d, u) in lines {
        if u != Use::Unused {
            continue;
        }
        let name = &d.name;
        let file = &ws.sources.get(d.file).display;
        let mut diag = Diagnostic::new(RULE.meta.id, d.key,
            format!(
                "{name} is set in {file}, but no compose file references ${{{name}}} and no service reads {file} as an env_file: it reaches no container"
            ),
        )
        .with_span_label("only feeds interpolation, and nothing uses it");
        // A reference to a close name: probably a typo.
        // Only a reference that gets no value: one that the `.env` or the
        // shell sets (`SMTP_HOST` beside an unused `SMTP_PORT`) is another
        // variable, not a misspelling of this one.
        let unset = project
            .references
            .iter()
            .filter(|r| r.variable != *name && r.source.is_none());
        if let Some(r) = near.find(name, unset, |r| r.variable.as_str()) {
            diag = diag
                .with_label(r.reference, format!("did you mean this `{}`?", r.variable))
                .with_help(format!(
                    "rename one of `{name}` and `{}` so that they match",
                    r.variable
                ));
        } else {
            let target = project
                .active_services()
                .find(|s| s.build.is_some())
                .or_else(|| project.active_services().next())
                .map(|s| format!("service `{}`", s.name))
                .unwrap_or_else(|| "the service".to_string());
            diag = diag.with_help(format!(
                ".env only feeds `${{…}}` interpolation in compose files. To give {name} to {target}, add `{name}: ${{{name}}}` to its `environment:` (or list {file} under its `env_file:`); if nothing needs it, remove the line"
            ));
        }
        out.push(diag);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{assert_fires, assert_silent};

    const COMPOSE: &str = "services:\n  app:\n    image: python:3.12-slim\n    environment:\n      - DATABASE_URL=${DATABASE_URL}\n";

    #[test]
    fn unreferenced_dotenv_variable() {
        let d = assert_fires(
            &RULE,
            &[
                ("compose.yaml", COMPOSE),
                (
                    ".env",
                    "DATABASE_URL=postgresql://db/app\nREDIS_URL=redis://redis:6379/0\n",
                ),
            ],
        );
        assert_eq!(d.len(), 1);
        assert_eq!(
            (d[0].file.as_str(), d[0].line, d[0].text.as_str()),
            (".env", 2, "REDIS_URL")
        );
    }

    #[test]
    fn referenced_passed_or_read_by_compose() {
        let env = "DATABASE_URL=postgresql://db/app\nCOMPOSE_PROJECT_NAME=shop\n";
        assert_silent(&RULE, &[("compose.yaml", COMPOSE), (".env", env)]);
        // env_file: .env passes everything.
        let compose = "services:\n  app:\n    image: python:3.12-slim\n    env_file: .env\n";
        assert_silent(
            &RULE,
            &[
                ("compose.yaml", compose),
                (".env", "REDIS_URL=redis://redis\n"),
            ],
        );
        // Passthrough and build args.
        let compose = "services:\n  app:\n    build:\n      context: .\n      args: [VERSION]\n    environment: [REDIS_URL]\n";
        assert_silent(
            &RULE,
            &[
                ("compose.yaml", compose),
                ("Dockerfile", "FROM python:3.12-slim\nUSER 1000\n"),
                (".env", "REDIS_URL=redis://redis\nVERSION=1\n"),
            ],
        );
        // Used by another .env value.
        let env = "HOST=db\nDATABASE_URL=postgresql://${HOST}/app\n";
        assert_silent(&RULE, &[("compose.yaml", COMPOSE), (".env", env)]);
    }

    /// The app reads the `.env` itself (pydantic's `env_file`), and the
    /// image's `COPY . .` takes it: its keys reach the app (that the file
    /// is in the image at all is `env-file-in-image`'s). Excluded by
    /// `.dockerignore`, they reach nothing.
    #[test]
    fn a_dotenv_the_app_reads_itself() {
        let compose = "services:\n  app:\n    build: .\n";
        let settings = "from pydantic_settings import BaseSettings, SettingsConfigDict\n\nclass Settings(BaseSettings):\n    model_config = SettingsConfigDict(env_file=\".env\")\n    redis_url: str = \"redis://localhost\"\n\nsettings = Settings()\n";
        let files = [
            ("compose.yaml", compose),
            (
                "Dockerfile",
                "FROM python:3.12-slim\nWORKDIR /app\nCOPY . .\nUSER 1000\n",
            ),
            ("app/config.py", settings),
            (".env", "REDIS_URL=redis://redis:6379/0\nTOKEN_TTL=60\n"),
        ];
        // REDIS_URL is a field's; TOKEN_TTL is no field's (pydantic v2
        // refuses it, `extra_forbidden`): it reaches nothing.
        let f = assert_fires(&RULE, &files);
        let names: Vec<&str> = f.iter().map(|x| x.text.as_str()).collect();
        assert_eq!(names, ["TOKEN_TTL"]);
        let mut ignored = files.to_vec();
        ignored.push((".dockerignore", ".env\n"));
        assert_eq!(assert_fires(&RULE, &ignored).len(), 2);
    }

    #[test]
    fn typo_points_at_the_reference() {
        let d = assert_fires(
            &RULE,
            &[
                ("compose.yaml", COMPOSE),
                (".env", "DATABASE_URI=postgresql://db/app\n"),
            ],
        );
        assert_eq!(d[0].labels[0].1, "${DATABASE_URL}");
    }

    #[test]
    fn one_dotenv_for_two_projects() {
        // compose.yml uses SMTP_HOST; compose.deploy.yml does not: it still
        // reaches a container, and is reported by neither project.
        let a = "services:\n  app:\n    image: python:3.12-slim\n    environment:\n      SMTP_HOST: ${SMTP_HOST}\n";
        let b = "services:\n  web:\n    image: nginx:1.27\n";
        assert_silent(
            &RULE,
            &[
                ("compose.yml", a),
                ("compose.deploy.yml", b),
                (".env", "SMTP_HOST=mail\n"),
            ],
        );
        let d = assert_fires(
            &RULE,
            &[
                ("compose.yml", a),
                ("compose.deploy.yml", b),
                (".env", "SMTP_HOST=mail\nFOO=1\n"),
            ],
        );
        assert_eq!(d.len(), 1);
    }

    #[test]
    fn a_reference_in_a_value_that_fails_still_counts() {
        // ${MISSING:?} fails the project; HOST is still referenced.
        let compose = "services:\n  app:\n    image: python:3.12-slim\n    environment:\n      - URL=http://${HOST}/${MISSING:?required}\n";
        assert_silent(&RULE, &[("compose.yaml", compose), (".env", "HOST=api\n")]);
    }

    #[test]
    fn hard_coded_elsewhere_is_left_to_shadowed_env() {
        let compose = "services:\n  app:\n    image: python:3.12-slim\n    environment:\n      DEBUG: \"False\"\n";
        assert_silent(
            &RULE,
            &[("compose.yaml", compose), (".env", "DEBUG=True\n")],
        );
    }

    /// The same value hard-coded in `environment:`: the value reaches the
    /// container, whichever file says it.
    #[test]
    fn hard_coded_with_the_same_value_reaches() {
        let compose = "services:\n  app:\n    image: python:3.12-slim\n    environment:\n      FASTAPI_ENV: development\n      SMTP_PORT: \"1025\"\n";
        assert_silent(
            &RULE,
            &[
                ("compose.yaml", compose),
                (".env", "FASTAPI_ENV=development\nSMTP_PORT=1025\n"),
            ],
        );
    }

    /// A close name that is itself set is another variable: no "rename one
    /// of SMTP_PORT and SMTP_HOST".
    #[test]
    fn a_close_name_that_is_set_is_no_typo() {
        let compose = "services:\n  app:\n    image: python:3.12-slim\n    environment:\n      SMTP_HOST: ${SMTP_HOST}\n";
        let d = assert_fires(
            &RULE,
            &[
                ("compose.yaml", compose),
                (".env", "SMTP_HOST=mail\nSMTP_PORT=25\n"),
            ],
        );
        assert!(d[0].labels.is_empty(), "{:?}", d[0].labels);
        assert!(!d[0].help.as_deref().unwrap_or("").contains("rename"));
    }

    /// Found by review (of env-example-drift): the `.env` mounted into a
    /// container or copied into its image, or read by a secret.
    #[test]
    fn a_dotenv_the_app_reads_itself_reaches_it() {
        let env = "DATABASE_URL=postgresql://db/app\nJWT_SECRET=x\n";
        let mounted = "services:\n  app:\n    image: python:3.12-slim\n    volumes: [\".:/app\"]\n    environment:\n      - DATABASE_URL=${DATABASE_URL}\n";
        assert_silent(&RULE, &[("compose.yaml", mounted), (".env", env)]);
        let secret = "services:\n  app:\n    image: python:3.12-slim\n    secrets: [jwt]\n    environment:\n      - DATABASE_URL=${DATABASE_URL}\nsecrets:\n  jwt:\n    environment: JWT_SECRET\n";
        assert_silent(&RULE, &[("compose.yaml", secret), (".env", env)]);
        // A mount of another folder does not.
        let other = "services:\n  app:\n    image: python:3.12-slim\n    volumes: [\"./data:/data\"]\n    environment:\n      - DATABASE_URL=${DATABASE_URL}\n";
        assert_eq!(
            assert_fires(&RULE, &[("compose.yaml", other), (".env", env)]).len(),
            1
        );
        // Found by the final review: a folder above the project (cAdvisor's
        // `/:/rootfs:ro`, `..:/src`) is no app reading the `.env`.
        for mount in ["/:/rootfs:ro", "..:/src"] {
            let compose = format!("services:\n  app:\n    image: python:3.12-slim\n    environment:\n      - DATABASE_URL=${{DATABASE_URL}}\n  cadvisor:\n    image: gcr.io/cadvisor/cadvisor:v0.49.1\n    volumes: [\"{mount}\"]\n");
            assert_eq!(
                assert_fires(&RULE, &[("compose.yaml", &compose), (".env", env)]).len(),
                1,
                "{mount}"
            );
        }
    }
}
