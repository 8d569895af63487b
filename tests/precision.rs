//! Precision on real repositories: each class of false positive found by the
//! corpus review (tests/corpus/findings.tsv), as a minimal synthetic project
//! that used to give the wrong finding. Never a corpus file.

mod common;

use std::path::Path;

use common::{command_in, findings, json, temp_project, BIN};

/// `check --format json` on `dir` with no configuration and no shell
/// environment: each finding's rule, file and line.
fn check(dir: &Path) -> Vec<(String, String, u64)> {
    let o = command_in(BIN, dir)
        .args([
            "check",
            "--format",
            "json",
            "--no-config",
            "--no-shell-env",
            ".",
        ])
        .output()
        .unwrap();
    findings(&json(&o))
}

fn rules_in(found: &[(String, String, u64)], file: &str) -> Vec<String> {
    found
        .iter()
        .filter(|(_, f, _)| f == file)
        .map(|(r, _, _)| r.clone())
        .collect()
}

const APP: &str =
    "services:\n  app:\n    image: nginx:1.27\n    healthcheck:\n      test: [\"CMD\", \"true\"]\n";

/// Files of other kinds named like configuration are not read as it: a
/// workflow named like a Dockerfile or a compose file, a patch of `.env`,
/// a Dockerfile's documentation or script.
#[test]
fn discovery_reads_each_kind_as_its_tool_names_it() {
    let workflow = "name: docker\non: push\njobs:\n  build:\n    runs-on: ubuntu-latest\n    env:\n      TAG: ${{ vars.TAG }}\n    steps:\n      - run: docker compose up -d\n";
    let dir = temp_project(&[
        ("compose.yaml", APP),
        (".github/workflows/dockerfile.yaml", workflow),
        (".github/workflows/deploy-docker-compose.yml", workflow),
        ("deploy/docker-compose-deploy.yml", workflow),
        (
            ".env.patch",
            "--- a/.env\n+++ b/.env\n@@ -1 +1 @@\n-A=1\n+A=\"2\"\n",
        ),
        (".env.orig", "A=\"1\"\n"),
        ("Dockerfile.md", "# How to build\n\nRun `docker build .`\n"),
        ("dockerfile.sh", "#!/bin/sh\ndocker build .\n"),
    ]);
    let found = check(dir.path());
    assert!(found.is_empty(), "{found:?}");
}

/// Templates that a program renders (Jinja, Go templates) are not
/// configuration: `Dockerfile.template`, `Dockerfile.j2`, and everything in
/// a cookiecutter folder.
#[test]
fn templates_are_not_linted_as_configuration() {
    let jinja = "{% if use_node %}\nFROM node:20 AS assets\n{% endif %}\nFROM python:{{ python_version }}\n";
    let dir = temp_project(&[
        ("compose.yaml", APP),
        ("Dockerfile.template", "{{ include \"from\" }}\nRUN {{ .install }}\n"),
        ("docker/Dockerfile.j2", jinja),
        ("{{cookiecutter.project_slug}}/Dockerfile", jinja),
        (
            "{{cookiecutter.project_slug}}/docker-compose.yml",
            "services:\n  app:\n    build: .\n{% if cookiecutter.use_celery == 'y' %}\n  worker:\n    build: .\n{% endif %}\n",
        ),
        ("{{cookiecutter.project_slug}}/.env", "A=\"{{ cookiecutter.secret }}\"\n"),
    ]);
    let found = check(dir.path());
    assert!(found.is_empty(), "{found:?}");
}

/// A `*compose*.yml` without top-level `services:` or `include:` is not a
/// compose file (a Rancher file, a Kubernetes manifest); one with them is.
#[test]
fn compose_files_beyond_the_default_names_are_recognised_by_content() {
    let dir = temp_project(&[
        ("compose.yaml", APP),
        (
            "rancher-compose.yml",
            "version: '2'\nweb:\n  scale: 2\n  labels:\n    tag: ${{ vars.TAG }}\n",
        ),
        (
            "docker-compose.prod.yml",
            "services:\n  web:\n    image: nginx\n",
        ),
    ]);
    let found = check(dir.path());
    let rules = rules_in(&found, "docker-compose.prod.yml");
    assert!(rules.contains(&"unpinned-image".to_string()), "{found:?}");
    assert!(
        rules_in(&found, "rancher-compose.yml").is_empty(),
        "{found:?}"
    );
}

/// A symbolic link checked out as a plain file (git without symlink
/// support) is followed like the link; one whose target does not exist yet
/// (created by an install script) is a file that is not there.
#[test]
fn symlinks_checked_out_as_files_are_followed() {
    let dir = temp_project(&[
        ("compose.yaml", "services:\n  app:\n    build: .\n    user: app\n    healthcheck:\n      test: [\"CMD\", \"true\"]\n    environment:\n      A: ${A:-x}\n"),
        ("Dockerfile", "docker/Dockerfile.debian"),
        ("docker/Dockerfile.debian", "FROM debian:12-slim\nUSER app\nHEALTHCHECK CMD true\n"),
        (".env", "app.conf"),
    ]);
    let found = check(dir.path());
    assert!(found.is_empty(), "{found:?}");
}

/// A dangling symbolic link is a file that is not there yet, whatever its
/// name.
#[cfg(unix)]
#[test]
fn dangling_symlinks_are_not_reported() {
    let dir = temp_project(&[("compose.yaml", APP)]);
    std::os::unix::fs::symlink("missing.conf", dir.path().join(".env")).unwrap();
    std::os::unix::fs::symlink("nowhere", dir.path().join("data")).unwrap();
    let found = check(dir.path());
    assert!(found.is_empty(), "{found:?}");
}

/// An auxiliary compose file that adds to services defined elsewhere is
/// linted merged over the default file, as `docker compose -f compose.yaml
/// -f aux.yml` reads it, never alone.
#[test]
fn auxiliary_compose_files_are_merged_over_the_default_file() {
    let dir = temp_project(&[
        (
            "compose.yaml",
            "services:\n  db:\n    image: postgres:16\n    healthcheck:\n      test: [\"CMD\", \"pg_isready\"]\n    environment:\n      POSTGRES_PASSWORD: example-only\n",
        ),
        (
            "docker-compose-inits.yml",
            "services:\n  init:\n    image: postgres:16\n    command: psql -h db -c 'select 1'\n    healthcheck:\n      test: [\"CMD\", \"true\"]\n    depends_on:\n      db:\n        condition: service_healthy\n",
        ),
        (
            "overrides/compose.ports.yaml",
            "services:\n  db:\n    ports:\n      - 127.0.0.1:5432:5432\n",
        ),
    ]);
    let found = check(dir.path());
    assert!(found.is_empty(), "{found:?}");
}

/// Most repositories commit `.env.example` and ignore `.env`: one
/// `missing-dotenv` finding names the template; its variables count as set
/// at deploy time (no `unset-variable`, no `missing-secret` for an unset
/// value, no `compose-error` for `${X:?}` or for `env_file: .env`).
#[test]
fn a_missing_dotenv_is_one_finding() {
    let compose = "services:\n  app:\n    image: nginx:1.27\n    env_file: .env\n    healthcheck:\n      test: [\"CMD\", \"true\"]\n    environment:\n      SECRET_KEY: ${SECRET_KEY:?set it}\n      DB_PASSWORD: ${DB_PASSWORD}\n      API_URL: http://${API_HOST}/v1\n";
    let dir = temp_project(&[
        ("compose.yaml", compose),
        (".env.example", "SECRET_KEY=\nDB_PASSWORD=\nAPI_HOST=api\n"),
    ]);
    let found = check(dir.path());
    let rules: Vec<&str> = found.iter().map(|(r, _, _)| r.as_str()).collect();
    assert_eq!(rules, vec!["missing-dotenv"], "{found:?}");
    // With the template as the env file, it is linted as Compose would read
    // it: the empty secrets are reported (and the `env_file: .env` is still
    // missing).
    let o = command_in(BIN, dir.path())
        .args(["check", "--format", "json", "--no-config", "--no-shell-env"])
        .args(["--env-file", ".env.example", "."])
        .output()
        .unwrap();
    let with_template = findings(&json(&o));
    let rules: Vec<&str> = with_template.iter().map(|(r, _, _)| r.as_str()).collect();
    assert!(rules.contains(&"missing-secret"), "{with_template:?}");
    assert!(!rules.contains(&"unset-variable"), "{with_template:?}");
}

/// A `.env` that is a link to a file an install script makes (and no
/// template): the variables nothing sets are named once.
#[test]
fn a_dotenv_link_to_a_file_not_made_yet_is_one_finding() {
    let compose = "services:\n  app:\n    image: nginx:${NGINX_VERSION}\n    healthcheck:\n      test: [\"CMD\", \"true\"]\n    environment:\n      DBPASS: ${DBPASS}\n      HOST: ${MAILCOW_HOSTNAME}\n";
    let dir = temp_project(&[("compose.yaml", compose), (".env", "mailcow.conf")]);
    let found = check(dir.path());
    let rules: Vec<&str> = found.iter().map(|(r, _, _)| r.as_str()).collect();
    assert_eq!(rules, vec!["missing-dotenv"], "{found:?}");
}

/// A default compose file that depends on a service another file of its
/// folder defines (`docker-compose.postgres.yml` or `.mysql.yml`) is a
/// fragment meant to be combined: no "undefined service" error.
#[test]
fn a_fragment_completed_by_a_sibling_file_is_no_error() {
    let dir = temp_project(&[
        (
            "docker-compose.yml",
            "services:\n  app:\n    image: nginx:1.27\n    healthcheck:\n      test: [\"CMD\", \"true\"]\n    depends_on: [db]\n",
        ),
        (
            "docker-compose.postgres.yml",
            "services:\n  db:\n    image: postgres:16\n    healthcheck:\n      test: [\"CMD\", \"pg_isready\"]\n    environment:\n      POSTGRES_PASSWORD: example-only\n",
        ),
    ]);
    let found = check(dir.path());
    assert!(found.is_empty(), "{found:?}");
}

/// One required variable of a file is one finding, labelled wherever else
/// the file requires it; an error shared by several projects is reported
/// once.
#[test]
fn one_required_variable_is_one_finding() {
    let compose = "services:\n  app:\n    image: nginx:1.27\n    healthcheck:\n      test: [\"CMD\", \"true\"]\n    labels:\n      a: ${DOMAIN?Variable not set}\n      b: api.${DOMAIN?Variable not set}\n      c: www.${DOMAIN?Variable not set}\n";
    let dir = temp_project(&[
        ("compose.yaml", compose),
        (".env", "COMPOSE_PROFILES=\n"),
        (
            "compose.extra.yaml",
            "services:\n  app:\n    environment:\n      A: 1\n",
        ),
    ]);
    let o = command_in(BIN, dir.path())
        .args([
            "check",
            "--format",
            "json",
            "--no-config",
            "--no-shell-env",
            ".",
        ])
        .output()
        .unwrap();
    let v = json(&o);
    let d = v["diagnostics"].as_array().unwrap();
    assert_eq!(d.len(), 1, "{v:#}");
    assert_eq!(d[0]["name"], "compose-error");
    assert_eq!(d[0]["labels"].as_array().unwrap().len(), 2, "{v:#}");
}

/// A run that finds nothing to lint says so on stderr (exit 0): a green run
/// that checked nothing must not look like a clean one.
#[test]
fn nothing_to_lint_is_said() {
    let dir = temp_project(&[
        ("README.md", "# hello\n"),
        (
            "{{cookiecutter.project_slug}}/Dockerfile",
            "FROM {{ cookiecutter.base }}\n",
        ),
    ]);
    let o = command_in(BIN, dir.path())
        .args(["check", "--no-config", "--no-shell-env", "."])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0));
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(stderr.contains("nothing to lint"), "{stderr}");
}

/// Pretty output: related locations under a heading that says what they
/// are, and help text never wrapped inside a `code span`.
#[test]
fn pretty_output_headings_and_wrapping() {
    let compose = "services:\n  app:\n    image: python:3.12-slim\n    healthcheck:\n      test: [\"CMD\", \"true\"]\n    environment:\n      - DATABASE_URL=${DATABASE_URL}\n";
    let dir = temp_project(&[
        ("compose.yaml", compose),
        (
            ".env",
            "DATABASE_URL=postgresql://app:pw@localhost:5432/a_rather_long_database_name_here\n",
        ),
    ]);
    let o = command_in(BIN, dir.path())
        .args([
            "check",
            "--no-config",
            "--no-shell-env",
            "--color",
            "never",
            ".",
        ])
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(!out.contains("Advice:"), "{out}");
    assert!(out.contains("related locations in other files:"), "{out}");
    for line in out.lines() {
        let ticks = line.matches('`').count();
        let in_help = line.trim_start().starts_with("help:") || line.starts_with("        ");
        assert!(
            !in_help || ticks % 2 == 0,
            "a code span wrapped: {line:?}\n{out}"
        );
    }
}

/// The host rules judge connections the project can see: a compose file
/// that a test harness completes (a host nothing in the project resembles),
/// a database reading the env_file of its clients, an address for the
/// browser on a port the host publishes, an allow list, a `s3://` bucket;
/// and an admin UI or an explicit `condition:` need no healthy dependency.
#[test]
fn connections_are_judged_only_where_the_project_shows_them() {
    let compose = "services:\n  app:\n    image: python:3.12-slim\n    env_file: dev.env\n    healthcheck:\n      test: [\"CMD\", \"true\"]\n    environment:\n      OTEL_EXPORTER_OTLP_ENDPOINT: http://lgtm:4318\n      APP_BASE_URL: http://localhost:8000\n      TRUSTED_HOST: 127.0.0.1\n      BACKUP_URL: s3://backups/daily\n    ports: [\"8000:8000\"]\n    depends_on:\n      db:\n        condition: service_started\n  adminer:\n    image: adminer:4.8.1\n    depends_on: [db]\n    healthcheck:\n      test: [\"CMD\", \"true\"]\n  db:\n    image: postgres:16.4\n    env_file: dev.env\n    healthcheck:\n      test: [\"CMD-SHELL\", \"pg_isready\"]\n";
    let dir = temp_project(&[
        ("compose.yaml", compose),
        (
            "dev.env",
            "APP_CACHE_URL=redis://cache:6379/0\nPOSTGRES_PASSWORD=example-only\n",
        ),
    ]);
    let found = check(dir.path());
    let network: Vec<_> = found
        .iter()
        .filter(|(r, _, _)| {
            matches!(
                r.as_str(),
                "localhost-in-container" | "unreachable-host" | "depends-on-not-healthy"
            )
        })
        .collect();
    assert!(network.is_empty(), "{found:?}");
}

/// The image rules judge what the project means: an image another service
/// builds is not pulled, `rm -rf /var/lib/apt` removes the lists, a script
/// may install curl, a template is no secret file, a development Dockerfile
/// and compose file are not production, and services sharing an image are
/// one finding.
#[test]
fn image_rules_judge_what_the_project_means() {
    let compose = "services:\n  api:\n    build: .\n    image: acme/api\n    user: \"1000\"\n    healthcheck:\n      test: [\"CMD\", \"true\"]\n  worker:\n    image: acme/api\n    command: [\"python\", \"worker.py\"]\n";
    let dockerfile = "FROM python:3.12-slim\nRUN apt-get update && apt-get install -y --no-install-recommends libpq5 && rm -rf /var/lib/apt\nRUN curl -fsSL https://example.com/install.sh | sh\nCOPY . /app\nHEALTHCHECK CMD time curl -f http://localhost:8000/ || exit 1\nCMD [\"python\", \"/app/main.py\"]\n";
    let dev = "FROM python:3.12\nRUN apt-get update && apt-get install -y gcc && pip install ruff\nCMD [\"sleep\", \"infinity\"]\n";
    let dir = temp_project(&[
        ("compose.yaml", compose),
        ("Dockerfile", dockerfile),
        (".env.example", "SECRET_KEY=change-me\n"),
        (".env.docker.template", "DB_PASSWORD=change-me\n"),
        ("Dockerfile.dev", dev),
        (
            "docker-compose.dev.yml",
            "services:\n  mail:\n    image: axllent/mailpit\n",
        ),
    ]);
    let found = check(dir.path());
    assert!(found.is_empty(), "{found:?}");

    // One stage run by two services: one finding naming both.
    let compose = "services:\n  api:\n    build: .\n    healthcheck:\n      test: [\"CMD\", \"true\"]\n  worker:\n    build: .\n    command: [\"python\", \"worker.py\"]\n";
    let dockerfile = "FROM python:3.12-slim\nCMD [\"python\", \"main.py\"]\n";
    let dir = temp_project(&[("compose.yaml", compose), ("Dockerfile", dockerfile)]);
    let o = command_in(BIN, dir.path())
        .args([
            "check",
            "--format",
            "json",
            "--no-config",
            "--no-shell-env",
            ".",
        ])
        .output()
        .unwrap();
    let v = json(&o);
    let root: Vec<&serde_json::Value> = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["name"] == "root-user")
        .collect();
    assert_eq!(root.len(), 1, "{root:?}");
    let message = root[0]["message"].as_str().unwrap();
    assert!(
        message.starts_with("services `api`, `worker` run as root"),
        "{message}"
    );
}

/// A compose file that does not parse gives its syntax error, and no rule
/// judges the empty model it leaves (its `.env` variables are not "used by
/// nothing").
#[test]
fn a_compose_file_that_does_not_parse_is_not_judged_empty() {
    let dir = temp_project(&[
        (
            "compose.yaml",
            "services:\n  app:\n    image: nginx:1.27\n    environment:\n      A: ${A}\n     B: oops\n",
        ),
        (".env", "A=1\nB=2\nSECRET_KEY=\n"),
    ]);
    let found = check(dir.path());
    let rules: Vec<&str> = found.iter().map(|(r, _, _)| r.as_str()).collect();
    assert_eq!(rules, vec!["syntax-error"], "{found:?}");
}

/// Masking hides secrets, not names: a secret whose value is also a
/// service's name does not mask the service in messages (the name is in
/// the compose file for all to read), and the secret is masked where it is
/// written.
#[test]
fn a_secret_equal_to_a_service_name_masks_no_service() {
    let compose = "services:\n  background-worker:\n    image: postgres:16\n    healthcheck:\n      test: [\"CMD\", \"pg_isready\"]\n    environment:\n      POSTGRES_PASSWORD: \"\"\n      APP_DB_PASSWORD: ${APP_DB_PASSWORD}\n";
    let dir = temp_project(&[
        ("compose.yaml", compose),
        (".env", "APP_DB_PASSWORD=background-worker\n"),
    ]);
    let o = command_in(BIN, dir.path())
        .args([
            "check",
            "--no-config",
            "--no-shell-env",
            "--color",
            "never",
            ".",
        ])
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.contains("service `background-worker` receives the secret POSTGRES_PASSWORD empty"),
        "{out}"
    );
    let o = command_in(BIN, dir.path())
        .args(["env", "--no-shell-env", "."])
        .output()
        .unwrap();
    let env = String::from_utf8_lossy(&o.stdout);
    assert!(env.contains("background-worker"), "{env}");
    assert!(!env.contains("APP_DB_PASSWORD=background-worker"), "{env}");
}

/// A compose file another one `include:`s is part of that project, not a
/// project of its own: its `${VAR}` read the including project's `.env`,
/// its healthcheck answers `condition: service_healthy`, and `depends_on`
/// an included service is defined.
#[test]
fn an_included_compose_file_belongs_to_the_including_project() {
    let dir = temp_project(&[
        (
            "compose.yaml",
            "include:\n  - db/compose.yaml\nservices:\n  web:\n    image: nginx:1.27\n    \
             healthcheck:\n      test: [\"CMD\", \"true\"]\n    depends_on:\n      db:\n        \
             condition: service_healthy\n    environment:\n      \
             DATABASE_URL: postgres://app:${POSTGRES_PASSWORD}@db:5432/app\n",
        ),
        (
            "db/compose.yaml",
            "services:\n  db:\n    image: postgres:16\n    environment:\n      \
             POSTGRES_PASSWORD: ${POSTGRES_PASSWORD}\n    healthcheck:\n      \
             test: [\"CMD\", \"pg_isready\"]\n",
        ),
        (".env", "POSTGRES_PASSWORD=s3cr3t-Xy8-long-enough\n"),
    ]);
    let found = check(dir.path());
    assert!(found.is_empty(), "{found:?}");
}

/// Files of one folder included by the compose file above them, one
/// depending on the other: not also guessed into a project of their own
/// over the root file (where their `build: .` would be read from the root
/// folder and every finding told twice).
#[test]
fn included_fragments_are_not_also_a_guessed_project() {
    let dir = temp_project(&[
        (
            "compose.yaml",
            "include:\n  - sub/app.yml\n  - sub/db.yml\n",
        ),
        (
            "sub/app.yml",
            "services:\n  app:\n    build: .\n    depends_on: [db]\n",
        ),
        (
            "sub/db.yml",
            "services:\n  db:\n    image: postgres:16\n    environment:\n      \
             POSTGRES_PASSWORD: s3cr3t-Xy8-long-enough\n",
        ),
        ("sub/Dockerfile", "FROM python:3.12-slim\nUSER app\n"),
    ]);
    let found = check(dir.path());
    // The one finding: the app has no healthcheck, once, in sub/.
    assert!(
        found
            .iter()
            .all(|(r, f, _)| r == "no-healthcheck" && f.starts_with("sub/")),
        "{found:?}"
    );
    assert!(found.len() <= 1, "{found:?}");
}

/// Compose's validation on files mppeep-lint grouped by guess: what a
/// fragment lacks (a network, a volume the base defines; an image) or
/// leaves null may be in the file it is meant to be combined with
/// (mailcow's `docker-compose.override.yml` in a folder of its own,
/// nautobot's `docker-compose.final.yml`). A Rancher file is not a compose
/// file. What no combination fixes (an unknown key) is still reported.
#[test]
fn compose_validation_on_fragments_is_silent_about_what_another_file_gives() {
    let dir = temp_project(&[
        ("compose.yaml", "services:\n  app:\n    image: nginx:1.27\n    healthcheck:\n      test: [\"CMD\", \"true\"]\n    networks: [back]\n    volumes: [\"media:/m\"]\nnetworks:\n  back:\nvolumes:\n  media:\n"),
        (
            "extras/docker-compose.override.yml",
            "services:\n  exporter:\n    image: nginx:1.27\n    healthcheck:\n      test: [\"CMD\", \"true\"]\n    networks:\n      back:\n",
        ),
        (
            "compose.final.yml",
            "services:\n  fixup:\n    image: nginx:1.27\n    healthcheck:\n      test: [\"CMD\", \"true\"]\n    volumes: [\"media:/m\"]\n    environment:\n",
        ),
        (
            "rancher-compose.yml",
            "services:\n  app:\n    scale: 1\n    start_on_create: true\n",
        ),
    ]);
    let found = check(dir.path());
    assert!(found.is_empty(), "{found:?}");
    let dir = temp_project(&[(
        "compose.final.yml",
        "services:\n  fixup:\n    image: nginx:1.27\n    healthcheck:\n      test: [\"CMD\", \"true\"]\n    enviroment: {}\n",
    )]);
    let found = check(dir.path());
    assert_eq!(rules_in(&found, "compose.final.yml"), ["compose-error"]);
}
