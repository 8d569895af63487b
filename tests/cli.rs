//! The command line end to end on `fixtures/`: snapshots of every output
//! format (insta), exit codes, secrets, configuration.

mod common;

use std::collections::BTreeSet;
use std::path::Path;
use std::process::{Command, Output};

use common::{command_in, findings, json, temp_project, BIN};

const BROKEN: &str = "fixtures/mppeep-broken";
const FIXED: &str = "fixtures/mppeep";
/// A secret value of the fixtures (`POSTGRES_PASSWORD`).
const SECRET: &str = "mppeep-db-password";
/// The five rules the user asked for by name.
const MISSION_RULES: [&str; 5] = [
    "quoted-value",
    "localhost-in-container",
    "missing-secret",
    "root-user",
    "no-healthcheck",
];

fn run_in(dir: &Path, args: &[&str]) -> Output {
    command_in(BIN, dir)
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("run mppeep-lint")
}

fn run(args: &[&str]) -> Output {
    run_in(Path::new(env!("CARGO_MANIFEST_DIR")), args)
}

/// `check PATH --format json --no-config`, then `more`, at the
/// repository's root: the exit status and the report.
fn check_json(path: &str, more: &[&str]) -> (Output, serde_json::Value) {
    let mut args = vec!["check", path, "--format", "json", "--no-config"];
    args.extend(more);
    let o = run(&args);
    let v = json(&o);
    (o, v)
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Standard output and error together: what a secret must be in neither of.
fn stdout_and_stderr(o: &Output) -> String {
    format!("{}{}", stdout(o), String::from_utf8_lossy(&o.stderr))
}

/// The `name` of each object of a JSON array: the rules a report's
/// diagnostics fired, or the rules of the catalogue.
fn names(list: &serde_json::Value) -> BTreeSet<&str> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|d| d["name"].as_str().unwrap())
        .collect()
}

/// The rule documents are long and tested on their own: keep them out of
/// the SARIF snapshots.
fn without_docs(mut v: serde_json::Value) -> serde_json::Value {
    if let Some(rules) = v["runs"][0]["tool"]["driver"]["rules"].as_array_mut() {
        for r in rules {
            assert!(r["help"]["markdown"]
                .as_str()
                .is_some_and(|d| d.starts_with("# ")));
            r["help"]["markdown"] = "[doc]".into();
        }
    }
    v
}

#[test]
fn broken_pretty() {
    let o = run(&["check", BROKEN, "--no-config"]);
    assert_eq!(o.status.code(), Some(1));
    insta::assert_snapshot!(stdout(&o));
}

#[test]
fn broken_json() {
    let (o, v) = check_json(BROKEN, &[]);
    assert_eq!(o.status.code(), Some(1));
    // Each of the five rules fires, with spans into all three kinds of file.
    let fired = names(&v["diagnostics"]);
    for rule in MISSION_RULES {
        assert!(fired.contains(rule), "{rule} did not fire");
    }
    let mut files = BTreeSet::new();
    for d in v["diagnostics"].as_array().unwrap() {
        files.insert(d["file"].as_str().unwrap().to_string());
        for l in d["labels"].as_array().unwrap() {
            files.insert(l["file"].as_str().unwrap().to_string());
        }
    }
    for f in [".env", "docker-compose.prod.yml", "Dockerfile.prod"] {
        assert!(files.contains(&format!("{BROKEN}/{f}")), "no span in {f}");
    }
    insta::assert_json_snapshot!(v);
}

#[test]
fn broken_sarif() {
    let o = run(&["check", BROKEN, "--format", "sarif", "--no-config"]);
    assert_eq!(o.status.code(), Some(1));
    let v = json(&o);
    insta::assert_json_snapshot!(without_docs(v));
}

#[test]
fn broken_compact_and_github() {
    let o = run(&["check", BROKEN, "--format", "compact", "--no-config"]);
    assert_eq!(o.status.code(), Some(1));
    insta::assert_snapshot!("broken_compact", stdout(&o));
    let o = run(&["check", BROKEN, "--format", "github", "--no-config"]);
    insta::assert_snapshot!("broken_github", stdout(&o));
}

#[test]
fn fixed_is_clean_in_every_format() {
    for format in ["pretty", "compact", "json", "sarif", "github"] {
        let o = run(&["check", FIXED, "--format", format, "--no-config"]);
        assert_eq!(o.status.code(), Some(0), "{format}: {}", stdout(&o));
    }
    let o = run(&["check", FIXED, "--no-config"]);
    insta::assert_snapshot!("fixed_pretty", stdout(&o));
    let o = run(&["check", FIXED, "--format", "json", "--no-config"]);
    insta::assert_snapshot!("fixed_json", stdout(&o));
    let v = json(&run(&["check", FIXED, "--format", "sarif", "--no-config"]));
    insta::assert_json_snapshot!("fixed_sarif", without_docs(v));
}

#[test]
fn env_text_and_json() {
    let o = run(&["env", FIXED]);
    assert_eq!(o.status.code(), Some(0));
    insta::assert_snapshot!("env_text", stdout(&o));
    let o = run(&["env", FIXED, "--format", "json"]);
    assert_eq!(o.status.code(), Some(0));
    let v = json(&o);
    let app = &v["services"]["app"]["environment"];
    assert_eq!(app["DEBUG"]["value"], "False");
    assert_eq!(app["DEBUG"]["source"], "compose.environment");
    assert_eq!(app["PYTHONUNBUFFERED"]["source"], "image.env");
    assert_eq!(app["SECRET_KEY"]["via"][0]["file"], format!("{FIXED}/.env"));
    // v1's `via.file`/`line` is where the variable is defined (its `.env`
    // line); `reference` is where `${SECRET_KEY…}` is written.
    let via = &app["SECRET_KEY"]["via"][0];
    assert_eq!(via["definition"]["file"], via["file"]);
    assert_eq!(via["definition"]["line"], via["line"]);
    assert_eq!(
        via["reference"]["file"],
        format!("{FIXED}/docker-compose.prod.yml")
    );
    assert_eq!(via["reference"]["line"], 49);
    assert_eq!(app["DEBUG"]["definition"]["line"], app["DEBUG"]["line"]);
    assert_eq!(v["errors"], serde_json::json!([]));
    insta::assert_json_snapshot!("env_json", v);
}

#[test]
fn env_reports_compose_errors() {
    // Without SECRET_KEY, `${SECRET_KEY:?…}` fails the configuration.
    let dir = tempfile::tempdir().unwrap();
    for f in [
        "docker-compose.prod.yml",
        "Dockerfile.prod",
        ".dockerignore",
    ] {
        std::fs::copy(
            Path::new(env!("CARGO_MANIFEST_DIR")).join(FIXED).join(f),
            dir.path().join(f),
        )
        .unwrap();
    }
    std::fs::write(dir.path().join(".env"), "POSTGRES_PASSWORD=x-y-z-w\n").unwrap();
    let o = run_in(dir.path(), &["env", ".", "--format", "json"]);
    assert_eq!(o.status.code(), Some(1));
    let v = json(&o);
    let e = &v["errors"][0];
    assert_eq!(
        e["message"],
        "required variable SECRET_KEY is missing a value: SECRET_KEY requis"
    );
    assert_eq!(e["file"], "docker-compose.prod.yml");
    assert_eq!(e["line"], 49);
}

/// `env` on a project with `include:`: one project, the included services
/// in it with where each value comes from (the included folder's `.env`),
/// and the text names that `.env`.
#[test]
fn env_lists_included_services_and_their_env() {
    let dir = temp_project(&[
        (
            "compose.yaml",
            "include:\n  - sub/compose.yaml\nservices:\n  app:\n    image: busybox\n",
        ),
        (
            "sub/compose.yaml",
            "services:\n  db:\n    image: busybox\n    environment:\n      S: ${S}\n",
        ),
        ("sub/.env", "S=from-sub\n"),
    ]);
    let o = run_in(
        dir.path(),
        &["env", ".", "--format", "json", "--no-shell-env"],
    );
    let v = json(&o);
    assert_eq!(v["projects"].as_array().unwrap().len(), 1, "{v:#}");
    let s = &v["services"]["db"]["environment"]["S"];
    assert_eq!(s["value"], "from-sub", "{v:#}");
    assert_eq!(s["via"][0]["file"], "sub/.env", "{s:#}");
    let o = run_in(dir.path(), &["env", ".", "--no-shell-env"]);
    let text = stdout(&o);
    assert!(
        text.contains("included files also read (for names still unset): sub/.env"),
        "{text}"
    );
}

#[test]
fn secrets_never_leak_in_any_format() {
    let mut outputs = Vec::new();
    for format in ["pretty", "compact", "json", "sarif", "github"] {
        outputs.push((
            format,
            run(&["check", BROKEN, "--format", format, "--no-config"]),
        ));
    }
    outputs.push(("env text", run(&["env", BROKEN])));
    outputs.push(("env json", run(&["env", BROKEN, "--format", "json"])));
    for (name, o) in &outputs {
        let all = stdout_and_stderr(o);
        assert!(!all.contains(SECRET), "{name} leaks a secret:\n{all}");
    }
    // The tests can fail: asked for, the value is there.
    let o = run(&["env", BROKEN, "--format", "json", "--show-secrets"]);
    assert!(stdout(&o).contains(SECRET));
    let o = run(&[
        "check",
        BROKEN,
        "--format",
        "pretty",
        "--show-secrets",
        "--no-config",
    ]);
    assert!(stdout(&o).contains(SECRET));
}

#[test]
fn exit_codes_and_fail_on() {
    // Only warnings left: exit 0 by default, 1 with --fail-on warning.
    let args = ["check", BROKEN, "--select", "root-user", "--no-config"];
    assert_eq!(run(&args).status.code(), Some(0));
    let mut with = args.to_vec();
    with.extend(["--fail-on", "warning"]);
    assert_eq!(run(&with).status.code(), Some(1));
    // Usage and I/O errors: 2.
    assert_eq!(run(&["check", "no/such/dir"]).status.code(), Some(2));
    assert_eq!(run(&["check", "--format", "nope"]).status.code(), Some(2));
    assert_eq!(run(&["rule", "no-such-rule"]).status.code(), Some(2));
}

#[test]
fn rules_catalogue() {
    let o = run(&["rules", "--format", "json"]);
    assert_eq!(o.status.code(), Some(0));
    let v = json(&o);
    let listed = names(&v["rules"]);
    for rule in MISSION_RULES.into_iter().chain(FLOW_RULES) {
        assert!(listed.contains(rule), "{rule}");
        let doc = run(&["rule", rule]);
        assert_eq!(doc.status.code(), Some(0));
        assert!(
            stdout(&doc).starts_with(&format!("# {rule}")),
            "{}",
            stdout(&doc)
        );
    }
    for r in v["rules"].as_array().unwrap() {
        assert!(r["severity"].is_string() && r["summary"].is_string());
    }
}

#[test]
fn a_suppression_at_a_labels_line_works_too() {
    // The finding is on the compose line; the `.env` line that explains it
    // is where the comment is written.
    let dir = temp_project(&[
        (
            "compose.yaml",
            "services:\n  app:\n    image: python:3.12-slim\n    environment:\n      SECRET_KEY: ${SECRET_KEY}\n",
        ),
        (".env", "SECRET_KEY=\n"),
    ]);
    let out = stdout(&run_in(dir.path(), &["check", ".", "--format", "compact"]));
    assert!(
        out.contains("compose.yaml:5:") && out.contains("missing-secret"),
        "{out}"
    );
    std::fs::write(
        dir.path().join(".env"),
        "# mppeep-lint: ignore[missing-secret]\nSECRET_KEY=\n",
    )
    .unwrap();
    let out = stdout(&run_in(dir.path(), &["check", ".", "--format", "compact"]));
    assert!(!out.contains("missing-secret"), "{out}");
}

/// `exclude` and `per-file-ignores`: patterns relative to the
/// configuration's folder, whatever folder `check` runs from; files named
/// on the command line are excluded only with `--force-exclude`.
#[test]
fn exclude_and_per_file_ignores_are_relative_to_the_configuration() {
    let unpinned = "services:\n  app:\n    image: postgres\n";
    let dir = temp_project(&[
        ("mppeep-lint.toml", "select = [\"unpinned-image\"]\nexclude = [\"**/legacy/\"]\n[per-file-ignores]\n\"docker/dev/*\" = [\"unpinned-image\"]\n"),
        ("app/compose.yaml", unpinned),
        ("app/legacy/compose.yaml", unpinned),
        ("legacy/compose.yaml", unpinned),
        ("docker/dev/compose.yaml", unpinned),
        ("docker/prod/compose.yaml", unpinned),
    ]);
    let p = dir.path();
    // Each finding's file, as the path from the configuration's folder
    // (the output's paths are from where `check` runs).
    let known = [
        "app/legacy/compose.yaml",
        "app/compose.yaml",
        "legacy/compose.yaml",
        "docker/dev/compose.yaml",
        "docker/prod/compose.yaml",
    ];
    let files = |out: &str| -> Vec<String> {
        let mut f: Vec<String> = out
            .lines()
            .filter_map(|l| l.split(':').next())
            .map(|s| {
                let s = format!("/{}", s.trim_start_matches("./"));
                known
                    .iter()
                    .find(|k| s.ends_with(&format!("/{k}")))
                    .map_or(s.clone(), |k| k.to_string())
            })
            .collect();
        f.sort();
        f.dedup();
        f
    };
    let out = stdout(&run_in(p, &["check", ".", "--format", "compact"]));
    assert_eq!(
        files(&out),
        ["app/compose.yaml", "docker/prod/compose.yaml"],
        "{out}"
    );
    // From a subfolder: the same patterns, from the configuration's folder.
    let out = stdout(&run_in(
        &p.join("app"),
        &["check", ".", "--format", "compact"],
    ));
    assert_eq!(out.lines().count(), 1, "{out}");
    assert!(out.starts_with("compose.yaml:"), "{out}");
    let out = stdout(&run_in(
        &p.join("docker"),
        &["check", "..", "--format", "compact"],
    ));
    assert_eq!(out.lines().count(), 2, "{out}");
    assert!(
        out.contains("app/compose.yaml:") && out.contains("prod/compose.yaml:"),
        "{out}"
    );
    assert!(!out.contains("legacy") && !out.contains("dev/"), "{out}");
    // A file named on the command line: linted, unless --force-exclude.
    let out = stdout(&run_in(
        p,
        &["check", "legacy/compose.yaml", "--format", "compact"],
    ));
    assert_eq!(files(&out), ["legacy/compose.yaml"], "{out}");
    let o = run_in(
        p,
        &[
            "check",
            "--force-exclude",
            "legacy/compose.yaml",
            "app/legacy/compose.yaml",
            "--format",
            "compact",
        ],
    );
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(stdout(&o), "");
    assert!(String::from_utf8_lossy(&o.stderr).contains("excluded"));
    let out = stdout(&run_in(
        p,
        &[
            "check",
            "--force-exclude",
            "legacy/compose.yaml",
            "app/compose.yaml",
            "--format",
            "compact",
        ],
    ));
    assert_eq!(files(&out), ["app/compose.yaml"], "{out}");
    // An unknown rule in per-file-ignores is reported where it is written.
    std::fs::write(
        p.join("mppeep-lint.toml"),
        "[per-file-ignores]\n\"x/*\" = [\"no-such-rule\"]\n",
    )
    .unwrap();
    let out = stdout(&run_in(p, &["check", ".", "--format", "compact"]));
    assert!(
        out.contains("mppeep-lint.toml:2:11: warning[unknown-rule]"),
        "{out}"
    );
}

#[test]
fn configuration_and_suppressions() {
    let dir = temp_project(&[(
        "compose.yaml",
        "services:\n  app:\n    image: busybox\n    environment:\n      # mppeep-lint: ignore[quoted-value]\n      - A=\"x\"\n      - B=\"y\"\n      - C=\"z\" # mppeep-lint: ignore[no-such-rule]\n",
    )]);
    let p = dir.path();
    let o = run_in(p, &["check", ".", "--format", "compact"]);
    let out = stdout(&o);
    assert!(
        !out.contains(":6:"),
        "suppressed on the line below the comment:\n{out}"
    );
    assert!(out.contains("compose.yaml:7:"), "{out}");
    assert!(out.contains("unknown-rule"), "{out}");
    // Configuration: ignore a rule, raise a severity, report unknown names.
    std::fs::write(
        p.join("mppeep-lint.toml"),
        "ignore = [\"quoted-value\"]\n[severity]\nnot-a-rule = \"error\"\n",
    )
    .unwrap();
    let o = run_in(p, &["check", ".", "--format", "compact"]);
    let out = stdout(&o);
    assert!(!out.contains("quoted-value"), "{out}");
    assert!(
        out.contains("mppeep-lint.toml:3:1: warning[unknown-rule]"),
        "{out}"
    );
    // The command line overrides the file.
    let o = run_in(p, &["check", ".", "--format", "compact", "--no-config"]);
    assert!(stdout(&o).contains("quoted-value"));
    // pyproject.toml works too.
    std::fs::remove_file(p.join("mppeep-lint.toml")).unwrap();
    std::fs::write(
        p.join("pyproject.toml"),
        "[project]\nname = \"x\"\n\n[tool.mppeep-lint]\nselect = [\"root-user\"]\n",
    )
    .unwrap();
    let o = run_in(p, &["check", ".", "--format", "compact"]);
    assert!(!stdout(&o).contains("quoted-value"), "{}", stdout(&o));
}

/// The flow rules of `explain`, beside the five mission rules.
const FLOW_RULES: [&str; 3] = ["shadowed-env", "unset-variable", "env-only-in-dotenv"];

#[test]
fn flow_rules_fire_on_the_broken_fixture_only() {
    let (_, v) = check_json(BROKEN, &[]);
    let fired = findings(&v);
    for rule in FLOW_RULES {
        assert!(
            fired.iter().any(|(n, _, _)| n == rule),
            "{rule} did not fire"
        );
    }
    // The .env value that loses, not the compose line that wins.
    let dotenv = format!("{BROKEN}/.env");
    assert!(fired
        .iter()
        .any(|(n, f, _)| n == "shadowed-env" && *f == dotenv));
    let o = run(&["check", FIXED, "--format", "json", "--no-config"]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
}

/// The Dockerfile rules of issue 5.
const DOCKERFILE_RULES: [&str; 6] = [
    "unpinned-image",
    "build-tools-in-final-stage",
    "apt-lists-not-removed",
    "pip-cache",
    "env-file-in-image",
    "secret-in-image",
];

#[test]
fn dockerfile_rules_fire_on_the_broken_fixture_only() {
    for rule in DOCKERFILE_RULES {
        let (_, v) = check_json(BROKEN, &["--select", rule]);
        assert!(
            !v["diagnostics"].as_array().unwrap().is_empty(),
            "{rule} did not fire on {BROKEN}"
        );
        let (_, v) = check_json(FIXED, &["--select", rule]);
        assert_eq!(
            v["diagnostics"],
            serde_json::json!([]),
            "{rule} fired on {FIXED}"
        );
    }
}

#[test]
fn explain_debug_shows_the_dotenv_value_losing() {
    let explain_debug = |fixture: &str, format: &str| {
        run(&[
            "explain",
            "DEBUG",
            fixture,
            "--service",
            "app",
            "--format",
            format,
        ])
    };
    for fixture in [FIXED, BROKEN] {
        let o = explain_debug(fixture, "json");
        assert_eq!(o.status.code(), Some(0));
        let v = json(&o);
        let app = &v["services"]["app"];
        assert_eq!(app["final"]["value"], "False", "{fixture}");
        assert_eq!(app["final"]["source"], "compose.environment");
        assert_eq!(
            app["final"]["definition"]["file"],
            format!("{fixture}/docker-compose.prod.yml")
        );
        let cands = app["candidates"].as_array().unwrap();
        let dotenv = cands
            .iter()
            .find(|c| c["source"] == "dotenv")
            .expect("the .env line");
        assert_eq!(dotenv["value"], "True");
        assert_eq!(dotenv["used"], false);
        assert_eq!(dotenv["definition"]["file"], format!("{fixture}/.env"));
        // The reason as data, and in words: the fixed project also reads
        // its .env as an env_file; the broken one only hard-codes DEBUG.
        if fixture == BROKEN {
            assert_eq!(dotenv["reason"]["kind"], "hard_coded", "{dotenv:#}");
            assert_eq!(
                dotenv["reason"]["by"]["definition"],
                app["final"]["definition"]
            );
        } else {
            assert_eq!(dotenv["reason"]["kind"], "dotenv_also_env_file");
        }
        assert!(dotenv["reason"]["text"]
            .as_str()
            .unwrap()
            .contains("interpolation"));
        let used: Vec<&serde_json::Value> = cands.iter().filter(|c| c["used"] == true).collect();
        assert_eq!(used.len(), 1, "{cands:#?}");
        assert_eq!(used[0]["source"], "compose.environment");
        // Only app was asked for.
        assert_eq!(v["services"].as_object().unwrap().len(), 1);
    }
    let o = run(&["explain", "DEBUG", BROKEN, "--service", "app"]);
    insta::assert_snapshot!("explain_debug_text", stdout(&o));
    let v = json(&explain_debug(BROKEN, "json"));
    insta::assert_json_snapshot!("explain_debug_json", v);
    let m = stdout(&explain_debug(BROKEN, "mermaid"));
    assert!(m.starts_with("flowchart LR\n"));
    insta::assert_snapshot!("explain_debug_mermaid", m);
}

#[test]
fn explain_secret_key_shows_the_whole_chain() {
    let o = run(&["explain", "SECRET_KEY", FIXED, "--format", "json"]);
    assert_eq!(o.status.code(), Some(0));
    let v = json(&o);
    let app = &v["services"]["app"];
    assert_eq!(app["final"]["value"], "********");
    let cands = app["candidates"].as_array().unwrap();
    // .env → ${SECRET_KEY:?…} → the container: both links are used.
    let dotenv = cands.iter().find(|c| c["source"] == "dotenv").unwrap();
    assert_eq!(
        (dotenv["used"].clone(), dotenv["definition"]["line"].clone()),
        (true.into(), 5.into())
    );
    let env = cands
        .iter()
        .find(|c| c["source"] == "compose.environment")
        .unwrap();
    assert_eq!(env["used"], true);
    // Each place says what it is: `${SECRET_KEY…}` in compose, its value in .env.
    let via = &env["via"][0];
    assert_eq!(via["source"], "dotenv");
    assert_eq!(via["definition"]["file"], format!("{FIXED}/.env"));
    assert_eq!(via["definition"]["line"], 5);
    assert_eq!(
        via["reference"]["file"],
        format!("{FIXED}/docker-compose.prod.yml")
    );
    assert_eq!(via["reference"]["line"], 49);
    assert_eq!(app["final"]["via"][0]["reference"], via["reference"]);
    assert!(cands
        .iter()
        .any(|c| c["source"] == "app.default" && c["used"] == false));
    // The other services do not receive it, and say so.
    assert_eq!(v["services"]["db"]["final"], serde_json::Value::Null);
    let o = run(&["explain", "SECRET_KEY", FIXED]);
    let text = stdout(&o);
    assert!(text.contains("${SECRET_KEY:?SECRET_KEY requis}"), "{text}");
    insta::assert_snapshot!("explain_secret_key_text", text);
    let o = run(&["explain", "SECRET_KEY", FIXED, "--format", "mermaid"]);
    insta::assert_snapshot!("explain_secret_key_mermaid", stdout(&o));
}

#[test]
fn explain_says_why_a_variable_does_not_arrive() {
    let explain_in_app = |var| {
        json(&run(&[
            "explain", var, BROKEN, "-s", "app", "--format", "json",
        ]))
    };
    // Only in .env: it feeds interpolation and nothing more.
    let v = explain_in_app("ACCESS_TOKEN_EXPIRE_MINUTES");
    let app = &v["services"]["app"];
    assert_eq!(app["final"], serde_json::Value::Null);
    let why = &app["why_not"][0];
    assert_eq!(why["kind"], "only_interpolation", "{app:#}");
    assert_eq!(why["from"], "dotenv");
    assert!(
        why["text"]
            .as_str()
            .unwrap()
            .contains("only in the project .env"),
        "{app:#}"
    );
    // A typo: the near-miss is suggested.
    let v = explain_in_app("DATABSE_URL");
    assert_eq!(
        v["services"]["app"]["suggestions"][0]["name"],
        "DATABASE_URL"
    );
    // Unknown service, missing path: usage errors.
    assert_eq!(
        run(&["explain", "DEBUG", BROKEN, "-s", "nope"])
            .status
            .code(),
        Some(2)
    );
    assert_eq!(
        run(&["explain", "DEBUG", "no/such/dir"]).status.code(),
        Some(2)
    );
}

#[test]
fn explain_never_leaks_secrets() {
    for var in ["POSTGRES_PASSWORD", "DATABASE_URL"] {
        for format in ["text", "json", "mermaid"] {
            let o = run(&["explain", var, BROKEN, "--format", format]);
            let all = stdout_and_stderr(&o);
            assert!(
                !all.contains(SECRET),
                "explain {var} --format {format} leaks:\n{all}"
            );
        }
    }
    let o = run(&["explain", "POSTGRES_PASSWORD", BROKEN, "--show-secrets"]);
    assert!(stdout(&o).contains(SECRET));
}

#[test]
fn env_and_explain_mask_configured_secret_patterns() {
    let dir = temp_project(&[
        (
            "compose.yaml",
            "services:\n  app:\n    image: busybox\n    environment:\n      - SENTRY_DSN=${SENTRY_DSN}\n",
        ),
        (".env", "SENTRY_DSN=plain-dsn-value\n"),
    ]);
    let p = dir.path();
    let shows = |args: &[&str]| stdout(&run_in(p, args)).contains("plain-dsn-value");
    assert!(shows(&["explain", "SENTRY_DSN"]));
    assert!(shows(&["env"]));
    std::fs::write(
        p.join("mppeep-lint.toml"),
        "secret-patterns = [\"*_DSN\"]\n",
    )
    .unwrap();
    for format in ["text", "json", "mermaid"] {
        assert!(
            !shows(&["explain", "SENTRY_DSN", "--format", format]),
            "{format}"
        );
    }
    assert!(!shows(&["env"]));
    assert!(!shows(&["env", "--format", "json"]));
    assert!(shows(&["explain", "SENTRY_DSN", "--no-config"]));
    // A broken configuration is a usage error, as for `check`.
    std::fs::write(p.join("mppeep-lint.toml"), "secret-patterns = 3\n").unwrap();
    assert_eq!(run_in(p, &["explain", "SENTRY_DSN"]).status.code(), Some(2));
}

/// pre-commit passes only the changed files: each is linted in its project,
/// and only what concerns it is reported.
#[test]
fn changed_files_are_linted_in_their_project() {
    let env = format!("{BROKEN}/.env");
    let o = run(&["check", &env, "--format", "compact", "--no-config"]);
    assert_eq!(o.status.code(), Some(1));
    let out = stdout(&o);
    // `.env`'s own findings, which need the compose file to be found…
    assert!(out.contains("error[localhost-in-container]"), "{out}");
    assert!(out.contains("warning[shadowed-env]"), "{out}");
    // …and a compose finding that `.env` explains (a label points into it)…
    assert!(out.contains("error[missing-secret]"), "{out}");
    // …but none about the other files alone.
    for rule in ["quoted-value", "unset-variable", "root-user"] {
        assert!(!out.contains(rule), "{rule}:\n{out}");
    }
    insta::assert_snapshot!("changed_dotenv_compact", out);

    // The Dockerfile alone: what is in it or points into it, and only that.
    let dockerfile = format!("{BROKEN}/Dockerfile.prod");
    let (o, v) = check_json(&dockerfile, &[]);
    let diags = v["diagnostics"].as_array().unwrap();
    let fired = names(&v["diagnostics"]);
    for rule in ["root-user", "no-healthcheck"] {
        assert!(fired.contains(rule), "{rule}: {v}");
    }
    for d in diags {
        let concerns = d["file"] == dockerfile.as_str()
            || d["labels"]
                .as_array()
                .unwrap()
                .iter()
                .any(|l| l["file"] == dockerfile.as_str());
        assert!(concerns, "{d}");
    }
    assert!(!fired.contains("quoted-value"), "{v}");
    assert_eq!(v["summary"]["files"], 1);
    // The exit code follows the severities: errors fail, warnings only with
    // --fail-on warning.
    let errors = diags.iter().any(|d| d["severity"] == "error");
    assert_eq!(o.status.code(), Some(if errors { 1 } else { 0 }));
    let o = run(&["check", &dockerfile, "--fail-on", "warning", "--no-config"]);
    assert_eq!(o.status.code(), Some(1));

    // Every changed file of the broken project: everything is reported.
    let all = ["check", "--format", "compact", "--no-config"]
        .into_iter()
        .map(String::from)
        .chain(
            [".env", "Dockerfile.prod", "docker-compose.prod.yml"]
                .iter()
                .map(|f| format!("{BROKEN}/{f}")),
        )
        .collect::<Vec<_>>();
    let all: Vec<&str> = all.iter().map(String::as_str).collect();
    let whole = run(&["check", BROKEN, "--format", "compact", "--no-config"]);
    assert_eq!(stdout(&run(&all)), stdout(&whole));

    // From inside the project, with a relative path upwards.
    let app = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(BROKEN)
        .join("app");
    let o = run_in(
        &app,
        &["check", "../.env", "--format", "compact", "--no-config"],
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).contains("localhost-in-container"));

    // The fixed project's files are clean.
    let o = run(&[
        "check",
        &format!("{FIXED}/.env"),
        &format!("{FIXED}/Dockerfile.prod"),
        &format!("{FIXED}/docker-compose.prod.yml"),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert_eq!(stdout(&o), "no problems found in 3 files\n");
}

#[test]
fn a_changed_file_outside_any_project_is_linted_alone() {
    let dir = temp_project(&[
        (
            "other/compose.yaml",
            "services:\n  app:\n    image: busybox\n    environment:\n      - A=\"x\"\n",
        ),
        ("img/Dockerfile", "FROM busybox:1.36\nUSER app\n"),
    ]);
    let p = dir.path();
    // A repository's root: the search for the file's project stops here.
    std::fs::create_dir(p.join(".git")).unwrap();
    let o = run_in(p, &["check", "img/Dockerfile"]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert_eq!(stdout(&o), "no problems found in 1 file\n");
    // A folder beside a file is still reported whole.
    let o = run_in(
        p,
        &["check", "img/Dockerfile", "other", "--format", "compact"],
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stdout(&o).contains("other/compose.yaml:5:"),
        "{}",
        stdout(&o)
    );
}

/// The repository's own pyproject.toml (for maturin) sits above the fixtures:
/// it must not configure the linter on them.
#[test]
fn the_root_pyproject_does_not_configure_the_fixtures() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    if let Ok(text) = std::fs::read_to_string(root.join("pyproject.toml")) {
        assert!(!text.contains("[tool.mppeep-lint"));
    }
    for project in [BROKEN, FIXED] {
        let with = run(&["check", project, "--format", "json"]);
        let without = run(&["check", project, "--format", "json", "--no-config"]);
        assert_eq!(stdout(&with), stdout(&without));
        assert_eq!(with.status.code(), without.status.code());
    }
}

/// Completions and the man page come from the same clap definitions.
#[test]
fn completions_and_man_page() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let o = run(&["completions", shell]);
        assert_eq!(o.status.code(), Some(0), "{shell}");
        let out = stdout(&o);
        assert!(out.contains("explain") && out.contains("check"), "{shell}");
        assert!(out.contains("fail-on"), "{shell}");
    }
    // The bash script is valid bash.
    let script = stdout(&run(&["completions", "bash"]));
    if let Ok(mut child) = Command::new("bash")
        .arg("-n")
        .stdin(std::process::Stdio::piped())
        .spawn()
    {
        use std::io::Write;
        child
            .stdin
            .take()
            .unwrap()
            .write_all(script.as_bytes())
            .unwrap();
        assert!(child.wait().unwrap().success(), "bash -n");
    }
    // Rule names complete after `--select`, `--ignore` and `rule`.
    for shell in ["bash", "zsh", "fish"] {
        let out = stdout(&run(&["completions", shell]));
        assert!(
            out.matches("localhost-in-container").count() >= 3,
            "{shell}: {out}"
        );
    }
    let o = run(&["man"]);
    assert_eq!(o.status.code(), Some(0));
    let man = stdout(&o);
    assert!(man.contains(".TH mppeep-lint 1"), "{man}");
    assert!(man.contains("explain") && man.contains("check"), "{man}");
    for section in [
        ".SH COMMANDS",
        ".SH \"EXIT STATUS\"",
        ".SH ENVIRONMENT",
        ".SH FILES",
    ] {
        assert!(man.contains(section), "{section}");
    }
    // No page of a command's own is referred to: there is none.
    assert!(!man.contains("mppeep\\-lint\\-"), "{man}");
    assert_eq!(run(&["completions", "tcsh"]).status.code(), Some(2));
}

const PITFALLS: &str = "fixtures/pitfalls";

/// The seed's practices and pitfalls (issue 5): each rule fires on the
/// pitfalls fixture, and none on the fixed seed project.
#[test]
fn every_pitfall_rule_fires_on_the_pitfalls_fixture() {
    let (o, v) = check_json(PITFALLS, &[]);
    assert_eq!(o.status.code(), Some(1));
    let fired = names(&v["diagnostics"]);
    for rule in [
        "unpinned-image",
        "build-tools-in-final-stage",
        "apt-lists-not-removed",
        "pip-cache",
        "env-file-in-image",
        "secret-in-image",
        "healthcheck-tool-missing",
        "port-mismatch",
        "unreachable-host",
        "bind-localhost",
        "depends-on-not-healthy",
        "debug-in-production",
        "env-syntax",
        "duplicate-key",
    ] {
        assert!(fired.contains(rule), "{rule} did not fire: {fired:?}");
    }
    // No secret value in any format.
    for format in ["pretty", "compact", "json", "sarif", "github"] {
        let o = run(&["check", PITFALLS, "--format", format, "--no-config"]);
        let out = stdout(&o);
        assert!(!out.contains("pitfalls-db-password"), "{format}");
        assert!(!out.contains("baked-into-the-image"), "{format}");
    }
    insta::assert_json_snapshot!("pitfalls_json", v);
    let o = run(&["check", PITFALLS, "--no-config"]);
    insta::assert_snapshot!("pitfalls_pretty", stdout(&o));
}

/// Issue 18's fixtures show their rules: `multistage/` a `COPY --from` one
/// letter off its stage, `selfhosted/` services that reach past their
/// containers (and a Traefik that rightly holds the socket, not reported)
/// and a `.env.example` that drifted from what the compose file reads.
#[test]
fn issue_18_fixtures_show_their_rules() {
    let (o, v) = check_json("fixtures/multistage", &[]);
    assert_eq!(o.status.code(), Some(1));
    assert!(names(&v["diagnostics"]).contains("copy-from-unknown-stage"));
    assert!(names(&v["diagnostics"]).contains("undefined-variable"));
    let (o, v) = check_json("fixtures/selfhosted", &[]);
    assert_eq!(o.status.code(), Some(1));
    let found: Vec<(String, u64)> = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["name"].as_str().unwrap().to_string(),
                d["line"].as_u64().unwrap(),
            )
        })
        .collect();
    let expected = [
        ("env-example-drift", 6),
        ("env-example-drift", 7),
        ("docker-socket-mounted", 15),
        ("env-example-drift", 30),
        ("privileged-service", 38),
        ("published-datastore", 51),
        ("published-datastore", 59),
        ("secret-in-image", 8),
        ("shell-form-entrypoint", 13),
    ];
    let expected: Vec<(String, u64)> = expected.iter().map(|(n, l)| (n.to_string(), *l)).collect();
    assert_eq!(found, expected);
    let o = run(&[
        "check",
        "fixtures/selfhosted",
        "--no-config",
        "--format",
        "compact",
    ]);
    assert!(!stdout(&o).contains("fixture-not-a-real-password"));
    assert!(!stdout(&o).contains("fixture-webhook-secret"));
    insta::assert_snapshot!("selfhosted_compact", stdout(&o));
}

/// Issue 17's fixture shows its rules: `appsettings/` runs its pydantic
/// settings in two services (one builds the image, the other runs it by
/// name) that never receive the required database URL nor the secret key
/// (whose code default is used, and masked), and receive three values the
/// fields' types reject.
#[test]
fn issue_17_fixture_shows_its_rules() {
    let (o, v) = check_json("fixtures/appsettings", &[]);
    assert_eq!(o.status.code(), Some(1));
    let found: Vec<(String, String, u64)> = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["name"].as_str().unwrap().to_string(),
                d["file"].as_str().unwrap().to_string(),
                d["line"].as_u64().unwrap(),
            )
        })
        .collect();
    let expected = [
        (
            "app-setting-not-provided",
            "fixtures/appsettings/api/config.py",
            14,
        ),
        (
            "insecure-default-in-use",
            "fixtures/appsettings/api/config.py",
            15,
        ),
        (
            "setting-type-mismatch",
            "fixtures/appsettings/compose.yaml",
            10,
        ),
        (
            "setting-type-mismatch",
            "fixtures/appsettings/compose.yaml",
            11,
        ),
        (
            "setting-type-mismatch",
            "fixtures/appsettings/compose.yaml",
            12,
        ),
    ];
    let expected: Vec<(String, String, u64)> = expected
        .iter()
        .map(|(n, f, l)| (n.to_string(), f.to_string(), *l))
        .collect();
    assert_eq!(found, expected);
    let o = run(&[
        "check",
        "fixtures/appsettings",
        "--no-config",
        "--format",
        "compact",
    ]);
    assert!(!stdout(&o).contains("dev-secret-change-me"));
    insta::assert_snapshot!("appsettings_compact", stdout(&o));
    let o = run(&["explain", "APP_PORT", "fixtures/appsettings"]);
    assert!(stdout(&o).contains("api/config.py"), "{}", stdout(&o));
}

/// `env` run in a subfolder of a project finds the compose file above, as
/// `docker compose` does; `env` on an override file merges it over the
/// default file of its folder.
#[test]
fn env_finds_the_project_as_compose_does() {
    let dir = common::temp_project(&[
        (
            "compose.yaml",
            "services:\n  app:\n    image: busybox:1\n    environment:\n      A: ${A}\n",
        ),
        (
            "compose.override.yml",
            "services:\n  app:\n    environment:\n      B: over\n",
        ),
        (".env", "A=from-dotenv\n"),
        ("src/deeper/.keep", ""),
    ]);
    let value = |v: &serde_json::Value, k: &str| {
        v["services"]["app"]["environment"][k]["value"]
            .as_str()
            .map(String::from)
    };
    let deeper = dir.path().join("src/deeper");
    let o = run_in(&deeper, &["env", "--format", "json", "--no-shell-env"]);
    let v = common::json(&o);
    assert_eq!(value(&v, "A").as_deref(), Some("from-dotenv"), "{v}");
    assert_eq!(value(&v, "B").as_deref(), Some("over"), "{v}");

    let o = run_in(
        dir.path(),
        &[
            "env",
            "compose.override.yml",
            "--format",
            "json",
            "--no-shell-env",
        ],
    );
    let v = common::json(&o);
    assert_eq!(value(&v, "A").as_deref(), Some("from-dotenv"), "{v}");
    assert_eq!(value(&v, "B").as_deref(), Some("over"), "{v}");
}
