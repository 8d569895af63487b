//! The command line end to end on `fixtures/`: snapshots of every output
//! format (insta), exit codes, secrets, configuration.

use std::path::Path;
use std::process::{Command, Output};

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
    Command::new(env!("CARGO_BIN_EXE_mppeep-lint"))
        .args(args)
        .current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("NO_COLOR", "1")
        .output()
        .expect("run mppeep-lint")
}

fn run(args: &[&str]) -> Output {
    run_in(Path::new(env!("CARGO_MANIFEST_DIR")), args)
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
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
    let o = run(&["check", BROKEN, "--format", "json", "--no-config"]);
    assert_eq!(o.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    // Each of the five rules fires, with spans into all three kinds of file.
    let names: std::collections::BTreeSet<&str> = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["name"].as_str().unwrap())
        .collect();
    for rule in MISSION_RULES {
        assert!(names.contains(rule), "{rule} did not fire");
    }
    let mut files = std::collections::BTreeSet::new();
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
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("sarif");
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
    let o = run(&["check", FIXED, "--format", "sarif", "--no-config"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("sarif");
    insta::assert_json_snapshot!("fixed_sarif", without_docs(v));
}

#[test]
fn env_text_and_json() {
    let o = run(&["env", FIXED]);
    assert_eq!(o.status.code(), Some(0));
    insta::assert_snapshot!("env_text", stdout(&o));
    let o = run(&["env", FIXED, "--format", "json"]);
    assert_eq!(o.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    let app = &v["services"]["app"]["environment"];
    assert_eq!(app["DEBUG"]["value"], "False");
    assert_eq!(app["DEBUG"]["source"], "compose.environment");
    assert_eq!(app["PYTHONUNBUFFERED"]["source"], "image.env");
    assert_eq!(app["SECRET_KEY"]["via"][0]["file"], format!("{FIXED}/.env"));
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
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    let e = &v["errors"][0];
    assert_eq!(
        e["message"],
        "required variable SECRET_KEY is missing a value: SECRET_KEY requis"
    );
    assert_eq!(e["file"], "docker-compose.prod.yml");
    assert_eq!(e["line"], 49);
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
        let all = format!("{}{}", stdout(o), String::from_utf8_lossy(&o.stderr));
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
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    let names: Vec<&str> = v["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    for rule in MISSION_RULES {
        assert!(names.contains(&rule), "{rule}");
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
fn configuration_and_suppressions() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    std::fs::write(
        p.join("compose.yaml"),
        "services:\n  app:\n    image: busybox\n    environment:\n      # mppeep-lint: ignore[quoted-value]\n      - A=\"x\"\n      - B=\"y\"\n      - C=\"z\" # mppeep-lint: ignore[no-such-rule]\n",
    )
    .unwrap();
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
