//! Every input a fuzz target crashed on, kept in `fuzz/regressions/TARGET/`,
//! linted again through the command line: no panic, exit 0-2, and a JSON
//! report in which no rule failed (`internal-error`).
//!
//! A `project` input is split on NUL bytes into the files the fuzz target
//! makes of it (see `fuzz/fuzz_targets/project.rs`); a `dotenv`, `compose` or
//! `dockerfile` input is one file of that kind beside a small compose file.

mod common;

use std::path::Path;

use common::{command_in, json, write_files, BIN};

/// The files of the `project` fuzz target, in the order it fills them.
const PROJECT_FILES: [&str; 5] = [
    "compose.yaml",
    ".env",
    "Dockerfile",
    "app.env",
    "app/config.py",
];

fn files_of(target: &str, input: &[u8]) -> Vec<(String, Vec<u8>)> {
    let one = |name: &str| {
        vec![
            (name.to_string(), input.to_vec()),
            (
                "compose.yaml".to_string(),
                b"services:\n  app:\n    build: .\n    env_file: [.env]\n".to_vec(),
            ),
        ]
    };
    match target {
        "project" => input
            .split(|&b| b == 0)
            .zip(PROJECT_FILES)
            .map(|(bytes, name)| (name.to_string(), bytes.to_vec()))
            .collect(),
        "dotenv" => one(".env"),
        "dockerfile" => one("Dockerfile"),
        _ => vec![("compose.yaml".to_string(), input.to_vec())],
    }
}

fn lint(dir: &Path, args: &[&str]) -> std::process::Output {
    let o = command_in(BIN, dir)
        .args(args)
        .output()
        .expect("run mppeep-lint");
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(
        !stderr.contains("panicked") && matches!(o.status.code(), Some(0..=2)),
        "{args:?} in {}: exit {:?}\n{stderr}",
        dir.display(),
        o.status.code()
    );
    o
}

#[test]
fn every_fuzz_crash_is_linted_without_panic() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/regressions");
    let mut seen = 0;
    for target in std::fs::read_dir(&root).expect("fuzz/regressions") {
        let target = target.unwrap().path();
        let kind = target.file_name().unwrap().to_string_lossy().to_string();
        for input in std::fs::read_dir(&target).unwrap() {
            let input = input.unwrap().path();
            let dir = tempfile::tempdir().unwrap();
            let files = files_of(&kind, &std::fs::read(&input).unwrap());
            let files: Vec<(&str, &[u8])> = files
                .iter()
                .map(|(n, b)| (n.as_str(), b.as_slice()))
                .collect();
            write_files(dir.path(), &files);
            for format in ["pretty", "json", "sarif", "github", "compact"] {
                lint(
                    dir.path(),
                    &["check", ".", "--no-config", "--format", format],
                );
            }
            let report = json(&lint(
                dir.path(),
                &["check", ".", "--no-config", "--format", "json"],
            ));
            let failed: Vec<_> = report["diagnostics"]
                .as_array()
                .expect("diagnostics")
                .iter()
                .filter(|d| d["name"] == mppeep_lint::RuleId::InternalError.name())
                .collect();
            assert!(failed.is_empty(), "{}: {failed:?}", input.display());
            lint(dir.path(), &["env", "."]);
            for var in ["DEBUG", "SECRET_KEY", "A"] {
                for format in ["text", "json", "mermaid"] {
                    lint(dir.path(), &["explain", var, ".", "--format", format]);
                }
            }
            seen += 1;
        }
    }
    assert!(seen > 0, "no input under {}", root.display());
}
