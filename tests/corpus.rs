//! Every parser reads every file of `../shared/corpus/` without panicking,
//! and the whole tool runs on every corpus project (exit code 0, 1 or 2,
//! never a crash). Skips cleanly where the corpus is absent.

use std::path::{Path, PathBuf};
use std::process::Command;

use mppeep_lint::syntax::{compose, dockerfile, dotenv, template};

fn corpus() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus");
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!("skipping: {} is absent", dir.display());
        None
    }
}

fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = entry.path();
            let Ok(ft) = entry.file_type() else { continue };
            if ft.is_dir() {
                stack.push(p);
            } else if ft.is_file() {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

#[test]
fn every_parser_reads_every_corpus_file() {
    let Some(dir) = corpus() else { return };
    let all = files(&dir);
    assert!(
        all.len() > 100,
        "corpus looks truncated: {} files",
        all.len()
    );
    let mut compose_ok = 0;
    for path in &all {
        let Ok(bytes) = std::fs::read(path) else {
            continue;
        };
        let text = String::from_utf8_lossy(&bytes);
        // Each parser on every file, whatever its kind: none may panic.
        let c = compose::parse(&text);
        let _ = dotenv::parse(&text);
        let _ = dockerfile::parse(&text);
        for line in text.lines().take(2000) {
            let _ = template::parse(line, 0);
        }
        let name = path.file_name().unwrap_or_default().to_string_lossy();
        if (name.ends_with(".yml") || name.ends_with(".yaml")) && c.errors.is_empty() {
            compose_ok += 1;
        }
    }
    // Real compose files parse: errors are the exception.
    assert!(
        compose_ok > 100,
        "only {compose_ok} YAML files parsed cleanly"
    );
}

#[test]
fn the_tool_runs_on_every_corpus_project() {
    let Some(dir) = corpus() else { return };
    let projects = dir.join("projects");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&projects)
        .expect("projects")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.push(dir.join("conformance"));
    dirs.sort();
    for d in dirs {
        for args in [
            vec!["check", "--format", "json", "--no-config"],
            vec!["env", "--format", "json"],
        ] {
            let out = Command::new(env!("CARGO_BIN_EXE_mppeep-lint"))
                .args(&args)
                .arg(&d)
                .output()
                .expect("run mppeep-lint");
            let code = out.status.code();
            assert!(
                matches!(code, Some(0..=2)),
                "{} {:?}: exit {:?}\n{}",
                d.display(),
                args,
                code,
                String::from_utf8_lossy(&out.stderr)
            );
            let json: Result<serde_json::Value, _> = serde_json::from_slice(&out.stdout);
            assert!(
                json.is_ok() || code == Some(2),
                "{} {:?}: not JSON",
                d.display(),
                args
            );
        }
    }
}
