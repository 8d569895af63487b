//! Baselines (issue 15): `--write-baseline` then `--baseline` reports
//! nothing, also after a line is inserted above every finding (on every
//! fixture and corpus project); an edit of a finding's own line reports it
//! again; the file holds no secret.

mod common;

use std::path::{Path, PathBuf};

use common::{command_in, temp_project, BIN};

/// Copies the regular files and folders under `from` into `to` (symbolic
/// links left out).
fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap().flatten() {
        let Ok(kind) = e.file_type() else { continue };
        let target = to.join(e.file_name());
        if kind.is_dir() {
            copy_tree(&e.path(), &target);
        } else if kind.is_file() {
            std::fs::copy(e.path(), &target).unwrap();
        }
    }
}

/// `check` in `dir` with `args`: exit code, stdout, stderr.
fn check(dir: &Path, args: &[&str]) -> (Option<i32>, String, String) {
    let o = command_in(BIN, dir)
        .args(["check", "--no-config", "--no-shell-env", "--color", "never"])
        .args(args)
        .arg(".")
        .output()
        .unwrap();
    (
        o.status.code(),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

/// `check` with `baseline`, every finding shown compactly.
fn with_baseline(dir: &Path, baseline: &str) -> (Option<i32>, String, String) {
    check(
        dir,
        &[
            "--baseline",
            baseline,
            "--format",
            "compact",
            "--fail-on",
            "info",
        ],
    )
}

/// The (file, line) of each entry of the baseline in `dir`.
fn entries(dir: &Path) -> Vec<(String, usize)> {
    let text = std::fs::read_to_string(dir.join("baseline.json")).unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["file"].as_str().unwrap().to_string(),
                e["line"].as_u64().unwrap() as usize,
            )
        })
        .collect()
}

/// Inserts a blank line above each of `lines` of the file at `path`.
fn insert_above(path: &Path, lines: &[usize]) {
    let Ok(text) = std::fs::read(path) else {
        return;
    };
    let mut out = Vec::with_capacity(text.len() + lines.len());
    for (i, line) in text.split_inclusive(|b| *b == b'\n').enumerate() {
        if lines.contains(&(i + 1)) {
            out.push(b'\n');
        }
        out.extend_from_slice(line);
    }
    std::fs::write(path, out).unwrap();
}

/// The baseline hides every finding it was written from, after a blank
/// line is inserted above each of them (every line of the file moves).
fn survives_moved_lines(project: &Path) -> Result<usize, String> {
    let dir = tempfile::tempdir().unwrap();
    copy_tree(project, dir.path());
    let (code, _, err) = check(dir.path(), &["--write-baseline", "baseline.json"]);
    if code != Some(0) {
        return Err(format!("--write-baseline exits {code:?}: {err}"));
    }
    let found = entries(dir.path());
    let mut by_file: std::collections::BTreeMap<String, Vec<usize>> = Default::default();
    for (file, line) in &found {
        by_file.entry(file.clone()).or_default().push(*line);
    }
    for (file, lines) in &by_file {
        insert_above(&dir.path().join(file), lines);
    }
    let (code, out, err) = with_baseline(dir.path(), "baseline.json");
    if code != Some(0) || !out.trim().is_empty() {
        return Err(format!(
            "{} findings in the baseline; after the lines moved, exit {code:?}:\n{out}{err}",
            found.len()
        ));
    }
    Ok(found.len())
}

fn projects_in(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    out.sort();
    out
}

#[test]
fn a_baseline_survives_moved_lines_on_every_fixture_and_corpus_project() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut projects = projects_in(&root.join("fixtures"));
    let corpus = root.join("../shared/corpus/projects");
    if corpus.is_dir() {
        projects.extend(projects_in(&corpus));
    } else {
        mppeep_lint::testing::skipped(
            "corpus",
            &format!(
                "the baseline on the corpus projects: {} is absent",
                corpus.display()
            ),
        );
    }
    let mut problems = Vec::new();
    let mut hidden = 0;
    for p in &projects {
        match survives_moved_lines(p) {
            Ok(n) => hidden += n,
            Err(e) => problems.push(format!("{}: {e}", p.display())),
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
    // The fixtures alone have dozens of findings: the test is not vacuous.
    assert!(hidden > 30, "{hidden} findings in all");
    eprintln!(
        "{hidden} findings of {} projects kept by their baselines",
        projects.len()
    );
}

#[test]
fn an_edit_of_a_findings_line_reports_it_again() {
    let secret = "Zq8uT3kLmPq2Wx9V";
    let dir = temp_project(&[
        (
            "compose.yaml",
            "services:\n  app:\n    image: python:3.12-slim\n    env_file: .env\n    environment:\n      - \"MODE=prod\"\n".to_string(),
        ),
        (".env", format!("API_TOKEN=\"{secret}\"\nDEBUG=\"1\"\n")),
    ]);
    let (code, _, err) = check(
        dir.path(),
        &["--show-secrets", "--write-baseline", "baseline.json"],
    );
    assert_eq!(code, Some(0), "{err}");
    assert!(err.contains("written to baseline.json"), "{err}");
    let written = std::fs::read_to_string(dir.path().join("baseline.json")).unwrap();
    assert!(!written.contains(secret), "{written}");
    let n = entries(dir.path()).len();
    assert!(n >= 2, "{written}");
    let (code, out, err) = check(
        dir.path(),
        &["--baseline", "baseline.json", "--format", "compact"],
    );
    assert_eq!((code, out.as_str()), (Some(0), ""), "{err}");
    assert!(
        err.contains(&format!("{n} findings in the baseline")),
        "{err}"
    );
    // The quoted value edited: its finding is new; the baseline's entry for
    // the old line matches nothing.
    let env = dir.path().join(".env");
    let text = std::fs::read_to_string(&env).unwrap();
    std::fs::write(&env, text.replace("DEBUG=\"1\"", "DEBUG=\"0\"")).unwrap();
    let (code, out, err) = with_baseline(dir.path(), "baseline.json");
    assert_eq!(out.lines().count(), 1, "{out}");
    assert!(out.contains(".env:2:"), "{out}");
    assert_eq!(code, Some(1), "{out}");
    assert!(
        err.contains("1 entry of the baseline matched no finding"),
        "{err}"
    );
    // Two identical findings and a baseline of one: one is new.
    std::fs::write(
        &env,
        format!("API_TOKEN=\"{secret}\"\nDEBUG=\"1\"\n# again\nDEBUG=\"1\"\n"),
    )
    .unwrap();
    let (_, out, _) = check(
        dir.path(),
        &[
            "--baseline",
            "baseline.json",
            "--format",
            "compact",
            "--fail-on",
            "info",
            "--select",
            "quoted-value",
        ],
    );
    assert_eq!(out.lines().count(), 1, "{out}");
}

#[test]
fn a_baseline_that_cannot_be_read_is_a_usage_error() {
    let dir = temp_project(&[("compose.yaml", "services:\n  app:\n    image: busybox:1\n")]);
    let (code, _, err) = check(dir.path(), &["--baseline", "missing.json"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("missing.json"), "{err}");
    std::fs::write(dir.path().join("bad.json"), "{\"findings\": 1}").unwrap();
    let (code, _, err) = check(dir.path(), &["--baseline", "bad.json"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains("bad.json") && err.contains("--write-baseline"),
        "{err}"
    );
    let (code, _, _) = check(
        dir.path(),
        &["--baseline", "a.json", "--write-baseline", "b.json"],
    );
    assert_eq!(code, Some(2));
}

/// Found by review: a checkout reached through a symbolic link, a secret
/// rotated to another length, a path that cannot be read, a partial run.
#[test]
fn links_rotated_secrets_missing_paths_and_partial_runs() {
    let dir = temp_project(&[
        (
            "compose.yaml",
            "services:\n  app:\n    image: python:3.12-slim\n    env_file: .env\n",
        ),
        (".env", "API_TOKEN=\"Zq8uT3kLmPq2\"\nDEBUG=\"1\"\n"),
    ]);
    let (code, _, err) = check(dir.path(), &["--write-baseline", "baseline.json"]);
    assert_eq!(code, Some(0), "{err}");
    let n = entries(dir.path()).len();
    assert!(n >= 2);
    // Through a link to the project: the same files.
    let outside = tempfile::tempdir().unwrap();
    let link = outside.path().join("link");
    #[cfg(unix)]
    std::os::unix::fs::symlink(dir.path(), &link).unwrap();
    #[cfg(unix)]
    {
        let baseline = link.join("baseline.json");
        let (code, out, err) = with_baseline(dir.path(), baseline.to_str().unwrap());
        assert_eq!((code, out.as_str()), (Some(0), ""), "{err}");
    }
    // The secret rotated to a longer one: its line's finding is still the
    // one the baseline holds.
    std::fs::write(
        dir.path().join(".env"),
        "API_TOKEN=\"Zq8uT3kLmPq2Wx9V7\"\nDEBUG=\"1\"\n",
    )
    .unwrap();
    let (code, out, err) = with_baseline(dir.path(), "baseline.json");
    assert_eq!((code, out.as_str()), (Some(0), ""), "{err}");
    // A partial run does not call the baseline's other entries stale.
    let (_, _, err) = check(
        dir.path(),
        &["--baseline", "baseline.json", "--select", "unpinned-image"],
    );
    assert!(!err.contains("matched no finding"), "{err}");
    // A path that cannot be read: exit 2, no baseline of the rest.
    let (code, _, err) = check(
        dir.path(),
        &["--write-baseline", "other.json", "no/such/dir"],
    );
    assert_eq!(code, Some(2), "{err}");
    assert!(!dir.path().join("other.json").exists());
}
