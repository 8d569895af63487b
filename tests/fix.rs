//! `check --fix`, `--unsafe-fixes` and `--diff`: the command line's
//! contract, and the proof on every fixture and corpus project — `--fix`
//! then `check` finds none of the fixed findings, `--fix` again changes
//! nothing, and the safe fixes leave what `docker-compose config` prints
//! as it was.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::{command_in, json, temp_project, BIN};

fn run(dir: &Path, args: &[&str]) -> Output {
    command_in(BIN, dir)
        .arg("check")
        .arg("--no-shell-env")
        .args(args)
        .output()
        .expect("run mppeep-lint")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Every regular file under `dir` and its bytes; links as their target.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = entry.path();
            let Ok(ft) = entry.file_type() else { continue };
            let rel = p.strip_prefix(dir).unwrap().to_path_buf();
            if ft.is_symlink() {
                let target = std::fs::read_link(&p).unwrap_or_default();
                out.insert(rel, target.to_string_lossy().as_bytes().to_vec());
            } else if ft.is_dir() {
                stack.push(p);
            } else if ft.is_file() {
                out.insert(rel, std::fs::read(&p).unwrap_or_default());
            }
        }
    }
    out
}

/// Every fixture project, and every corpus project when the corpus is here.
fn projects() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut out: Vec<PathBuf> = Vec::new();
    for base in [
        root.join("fixtures"),
        root.join("../shared/corpus/projects"),
    ] {
        if !base.is_dir() {
            mppeep_lint::testing::skipped(
                "corpus",
                &format!("the fix proof on {}: absent", base.display()),
            );
            continue;
        }
        let mut dirs: Vec<PathBuf> = std::fs::read_dir(&base)
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.is_dir())
            .collect();
        dirs.sort();
        out.extend(dirs);
    }
    out
}

/// (rule, whether it carries a fix, whether that fix is safe) of each
/// finding of a `--format json` report.
fn findings(o: &Output) -> Vec<(String, bool, bool)> {
    json(o)["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            let fix = &d["fix"];
            (
                d["name"].as_str().unwrap().to_string(),
                fix.is_object(),
                fix["safe"].as_bool() == Some(true),
            )
        })
        .collect()
}

fn count(f: &[(String, bool, bool)], rule: &str, pick: impl Fn(bool, bool) -> bool) -> usize {
    f.iter()
        .filter(|(r, fix, safe)| r == rule && pick(*fix, *safe))
        .count()
}

/// The proof, on one project: `--fix` (with `unsafe_fixes`) then `check`
/// finds none of the findings fixed, and `--fix` again changes nothing.
/// Returns how many findings were fixed.
fn prove(project: &Path, unsafe_fixes: bool) -> usize {
    let copy = copy_of(project);
    let dir = copy.path();
    let name = project.file_name().unwrap().to_string_lossy().into_owned();
    let before = findings(&run(dir, &["--format", "json"]));
    let fixable = |fix: bool, safe: bool| fix && (safe || unsafe_fixes);
    let mut args = vec!["--fix", "--format", "json"];
    if unsafe_fixes {
        args.push("--unsafe-fixes");
    }
    let fixed = run(dir, &args);
    assert!(
        matches!(fixed.status.code(), Some(0 | 1)),
        "{name}: --fix exit {:?}: {}",
        fixed.status.code(),
        stderr(&fixed)
    );
    // What `--fix` reports is what is left.
    let reported = findings(&fixed);
    let after = findings(&run(dir, &["--format", "json"]));
    assert_eq!(reported, after, "{name}: --fix reports what check finds");
    let mut rules: Vec<&String> = before.iter().map(|(r, _, _)| r).collect();
    rules.sort();
    rules.dedup();
    for rule in rules {
        let n_fixed = count(&before, rule, fixable);
        if n_fixed == 0 {
            continue;
        }
        let left = count(&after, rule, |_, _| true);
        let unfixed = count(&before, rule, |f, s| !fixable(f, s));
        assert!(
            left <= unfixed,
            "{name}: {rule}: {left} findings after --fix, {unfixed} had no fix to apply"
        );
    }
    assert_eq!(
        count_fixable(&after, fixable),
        0,
        "{name}: fixes left after --fix: {after:?}"
    );
    let files = snapshot(dir);
    let again = run(dir, &args);
    assert!(
        stderr(&again).contains("note: no fix to apply"),
        "{name}: {}",
        stderr(&again)
    );
    assert_eq!(files, snapshot(dir), "{name}: --fix again changed files");
    before.iter().filter(|(_, f, s)| fixable(*f, *s)).count()
}

fn count_fixable(f: &[(String, bool, bool)], fixable: impl Fn(bool, bool) -> bool) -> usize {
    f.iter()
        .filter(|(_, fix, safe)| fixable(*fix, *safe))
        .count()
}

#[test]
fn fix_then_check_finds_none_of_the_fixed_findings_on_every_project() {
    let mut total = 0;
    for project in projects() {
        total += prove(&project, true);
    }
    // The proof proves something: the fixtures have fixes to apply.
    assert!(total > 0, "no project had a fix to apply");
}

#[test]
fn safe_fixes_alone_on_every_project() {
    for project in projects() {
        prove(&project, false);
    }
}

/// The folders of `dir` holding a default compose file (Compose's names).
fn compose_folders(dir: &Path) -> Vec<PathBuf> {
    let names = [
        "compose.yaml",
        "compose.yml",
        "docker-compose.yml",
        "docker-compose.yaml",
    ];
    let mut folders: Vec<PathBuf> = snapshot(dir)
        .keys()
        .filter(|p| {
            p.file_name()
                .is_some_and(|n| names.iter().any(|c| n == std::ffi::OsStr::new(c)))
        })
        .filter_map(|p| p.parent().map(|d| dir.join(d)))
        .collect();
    folders.sort();
    folders.dedup();
    folders
}

/// `docker-compose config --format json` in `folder`, with no shell
/// variables: the JSON, or `None` when Compose refuses the project.
fn compose_config(bin: &str, folder: &Path, file: Option<&str>) -> Option<String> {
    let mut c = command_in(bin, folder);
    if let Some(f) = file {
        c.args(["-f", f]);
    }
    let out = c.args(["config", "--format", "json"]).output().ok()?;
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).ok()?;
    (out.status.success() && v.is_object()).then(|| v.to_string())
}

/// Every configuration Compose reads in `dir`: each folder's default
/// project, and the fixtures' own `-f docker-compose.prod.yml`.
fn configs(bin: &str, dir: &Path) -> BTreeMap<String, Option<String>> {
    let mut out = BTreeMap::new();
    for folder in compose_folders(dir) {
        let key = folder.strip_prefix(dir).unwrap().display().to_string();
        out.insert(key, compose_config(bin, &folder, None));
    }
    if dir.join("docker-compose.prod.yml").is_file() {
        out.insert(
            "-f docker-compose.prod.yml".into(),
            compose_config(bin, dir, Some("docker-compose.prod.yml")),
        );
    }
    out
}

/// Safe fixes keep what Compose makes of every project: its whole
/// `config` output (services, environments, build args, volumes) is the
/// same before and after.
#[test]
fn safe_fixes_keep_what_docker_compose_sees() {
    let Some(bin) = common::compose_binary("the fix proof against docker-compose") else {
        return;
    };
    let mut compared = 0;
    for project in projects() {
        // Only where there is a safe fix to apply.
        if run(&project, &["--diff"]).status.code() == Some(0) {
            continue;
        }
        let copy = copy_of(&project);
        let dir = copy.path();
        let before = configs(bin, dir);
        let fixed = run(dir, &["--fix", "--format", "compact"]);
        assert!(stderr(&fixed).contains("note: fixed"), "{}", stderr(&fixed));
        let after = configs(bin, dir);
        for (what, config) in &before {
            let Some(config) = config else { continue };
            compared += 1;
            assert_eq!(
                after.get(what).cloned().flatten().as_deref(),
                Some(config.as_str()),
                "{} ({what}): the safe fixes changed what docker-compose config prints",
                project.display()
            );
        }
    }
    assert!(compared > 0, "no project with a safe fix could be compared");
}

// The command line's contract.

const QUOTED: &[(&str, &str)] = &[
    (
        "compose.yaml",
        "services:\n  app:\n    image: python:3.12\n    env_file: .env\n    environment:\n      - URL=\"http://x\"\n",
    ),
    (".env", "\u{feff}A=\"plain\"\r\nSECRET_KEY=\"s3cretvalue\"\r\n"),
];

#[test]
fn diff_prints_the_change_masked_and_changes_nothing() {
    let dir = temp_project(QUOTED);
    let files = snapshot(dir.path());
    let o = run(dir.path(), &["--diff"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let diff = stdout(&o);
    assert!(diff.starts_with("--- a/.env\n+++ b/.env\n"), "{diff}");
    assert!(diff.contains("+\u{feff}A=plain\r\n"), "{diff}");
    assert!(!diff.contains("s3cretvalue"), "{diff}");
    // The unsafe fix (the compose list value changes) is only offered.
    assert!(!diff.contains("compose.yaml"), "{diff}");
    assert!(stderr(&o).contains("1 unsafe fix available with --unsafe-fixes"));
    assert_eq!(files, snapshot(dir.path()));
    let o = run(dir.path(), &["--diff", "--unsafe-fixes"]);
    assert!(
        stdout(&o).contains("+      - URL=http://x\n"),
        "{}",
        stdout(&o)
    );
    assert_eq!(files, snapshot(dir.path()));
    // Shown unmasked only when asked.
    let o = run(dir.path(), &["--diff", "--show-secrets"]);
    assert!(stdout(&o).contains("+SECRET_KEY=s3cretvalue\r\n"));
}

/// What `--diff` prints, applied by `git apply`, gives what `--fix` writes.
#[test]
fn diff_applies_with_git_apply() {
    let has_git = Command::new("git").arg("--version").output().is_ok();
    if !has_git {
        mppeep_lint::testing::skipped("git", "the --diff application test: git not found");
        return;
    }
    let dir = temp_project(QUOTED);
    let o = run(dir.path(), &["--diff", "--unsafe-fixes", "--show-secrets"]);
    let patch = dir.path().join("fix.patch");
    std::fs::write(&patch, &o.stdout).unwrap();
    let applied = command_in("git", dir.path())
        .args(["apply", "fix.patch"])
        .output()
        .unwrap();
    assert!(applied.status.success(), "{}", stderr(&applied));
    std::fs::remove_file(&patch).unwrap();
    let patched = snapshot(dir.path());
    let fixed = temp_project(QUOTED);
    run(fixed.path(), &["--fix", "--unsafe-fixes"]);
    assert_eq!(patched, snapshot(fixed.path()));
}

#[test]
fn fix_keeps_bom_line_endings_and_reports_what_is_left() {
    let dir = temp_project(QUOTED);
    let o = run(dir.path(), &["--fix", "--format", "compact"]);
    // The compose list value (unsafe) is left, and reported.
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stdout(&o).contains("quoted-value"), "{}", stdout(&o));
    assert!(
        stderr(&o).contains("fixed 2 findings in 1 file"),
        "{}",
        stderr(&o)
    );
    let env = std::fs::read_to_string(dir.path().join(".env")).unwrap();
    assert_eq!(env, "\u{feff}A=plain\r\nSECRET_KEY=s3cretvalue\r\n");
    let o = run(
        dir.path(),
        &["--fix", "--unsafe-fixes", "--format", "compact"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    let compose = std::fs::read_to_string(dir.path().join("compose.yaml")).unwrap();
    assert!(compose.contains("      - URL=http://x\n"), "{compose}");
    let o = run(dir.path(), &["--diff", "--unsafe-fixes"]);
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(stdout(&o), "");
}

#[test]
fn fixes_that_wait_for_another_pass_are_applied_in_it() {
    // Two pip installs and the apt lists in one RUN: three edits in one
    // instruction, none overlapping; and the .dockerignore created.
    let dir = temp_project(&[
        (
            "Dockerfile",
            "FROM python:3.12-slim\nRUN apt-get update && apt-get install -y gcc && pip install a && pip install b\nCOPY . /app\nUSER nobody\n",
        ),
        ("compose.yaml", "services:\n  app:\n    build: .\n"),
        (".env", "SECRET_KEY=abc\n"),
    ]);
    let o = run(
        dir.path(),
        &["--fix", "--unsafe-fixes", "--format", "compact"],
    );
    assert!(matches!(o.status.code(), Some(0 | 1)), "{}", stderr(&o));
    let df = std::fs::read_to_string(dir.path().join("Dockerfile")).unwrap();
    assert!(
        df.contains("RUN apt-get update && apt-get install -y gcc && pip install --no-cache-dir a && pip install --no-cache-dir b && rm -rf /var/lib/apt/lists/*\n"),
        "{df}"
    );
    let ignore = std::fs::read_to_string(dir.path().join(".dockerignore")).unwrap();
    assert_eq!(ignore, ".env\n");
    let out = stdout(&o);
    for rule in ["pip-cache", "apt-lists-not-removed", "env-file-in-image"] {
        assert!(!out.contains(rule), "{out}");
    }
}

#[test]
fn unsafe_fixes_needs_fix_or_diff_and_fix_excludes_baseline_writing() {
    let dir = temp_project(QUOTED);
    let o = run(dir.path(), &["--unsafe-fixes"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--unsafe-fixes applies with --fix or --diff"));
    let o = run(dir.path(), &["--fix", "--write-baseline", "b.json"]);
    assert_eq!(o.status.code(), Some(2));
    let o = run(dir.path(), &["--fix", "--diff"]);
    assert_eq!(o.status.code(), Some(2));
}

#[cfg(unix)]
#[test]
fn a_linked_file_is_never_written_through() {
    let outside = temp_project(&[("shared.env", "A=\"plain\"\n")]);
    let dir = temp_project(&[(
        "compose.yaml",
        "services:\n  app:\n    image: python:3.12\n",
    )]);
    std::os::unix::fs::symlink(outside.path().join("shared.env"), dir.path().join(".env")).unwrap();
    let o = run(dir.path(), &["--fix"]);
    assert!(matches!(o.status.code(), Some(0 | 1)), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("note: not fixed: .env: reached through a symbolic link"),
        "{}",
        stderr(&o)
    );
    assert!(!stderr(&o).contains("did not remove"), "{}", stderr(&o));
    let text = std::fs::read_to_string(outside.path().join("shared.env")).unwrap();
    assert_eq!(text, "A=\"plain\"\n");
}

const SECRET_IN_CONTEXT: &[(&str, &str)] = &[
    ("compose.yaml", "services:\n  app:\n    build: .\n"),
    (
        "Dockerfile",
        "FROM python:3.12-slim\nCOPY . /app\nUSER nobody\n",
    ),
    (".env", "SECRET_KEY=abc\n"),
];

/// With `-f` no folder is searched: the `.dockerignore` of the build
/// context is still read (it was reported missing), and one a fix creates
/// is seen by the next pass (the passes never ended).
#[test]
fn with_f_the_build_context_dockerignore_is_read_and_fixes_converge() {
    let dir = temp_project(SECRET_IN_CONTEXT);
    std::fs::write(dir.path().join(".dockerignore"), ".env\n").unwrap();
    let o = run(dir.path(), &["-f", "compose.yaml", "--format", "compact"]);
    assert!(!stdout(&o).contains("env-file-in-image"), "{}", stdout(&o));
    std::fs::remove_file(dir.path().join(".dockerignore")).unwrap();
    let o = run(
        dir.path(),
        &["-f", "compose.yaml", "--fix", "--unsafe-fixes"],
    );
    assert!(matches!(o.status.code(), Some(0 | 1)), "{}", stderr(&o));
    let ignore = std::fs::read_to_string(dir.path().join(".dockerignore")).unwrap();
    assert_eq!(ignore, ".env\n");
}

/// A fix that does not remove its finding (the removal lands inside a
/// quote the RUN never closes) is not written: its file is left as it was,
/// said, and the other files are fixed.
#[test]
fn a_fix_that_does_not_fix_is_not_written() {
    let df = "FROM debian:12\nRUN apt-get update && apt-get install -y curl \\\n && echo \"a \\\n b\nRUN pip install x\nUSER nobody\n";
    let compose = "services:\n  app:\n    image: python:3.12-slim\n    env_file: .env\n";
    let dir = temp_project(&[
        ("Dockerfile", df),
        (".env", "A=\"plain\"\n"),
        ("compose.yaml", compose),
    ]);
    let o = run(dir.path(), &["--fix", "--format", "compact"]);
    assert!(matches!(o.status.code(), Some(0 | 1)), "{}", stderr(&o));
    assert_eq!(
        std::fs::read_to_string(dir.path().join("Dockerfile")).unwrap(),
        df
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join(".env")).unwrap(),
        "A=plain\n"
    );
    assert!(
        stderr(&o).contains("did not remove its finding"),
        "{}",
        stderr(&o)
    );
    assert!(
        stderr(&o).contains("fixed 1 finding in 1 file"),
        "{}",
        stderr(&o)
    );
    // And the next run does the same, no more.
    let again = run(dir.path(), &["--fix", "--format", "compact"]);
    assert_eq!(
        std::fs::read_to_string(dir.path().join("Dockerfile")).unwrap(),
        df
    );
    assert!(stderr(&again).contains("did not remove its finding"));
}

#[cfg(unix)]
#[test]
fn nothing_is_written_through_a_linked_folder() {
    let outside = temp_project(&[(
        "svc/Dockerfile",
        "FROM python:3.12-slim\nRUN pip install x\nUSER nobody\n",
    )]);
    let dir = temp_project(&[("compose.yaml", "services:\n  app:\n    build: svc\n")]);
    std::os::unix::fs::symlink(outside.path().join("svc"), dir.path().join("svc")).unwrap();
    let before = snapshot(outside.path());
    let o = run(dir.path(), &["--fix"]);
    assert!(stderr(&o).contains("symbolic link"), "{}", stderr(&o));
    assert_eq!(before, snapshot(outside.path()));
}

/// With a baseline, one pass: the findings it holds are not fixed (a fix
/// on the same line would make them look new in a later pass).
#[test]
fn a_baseline_keeps_its_findings_unfixed() {
    let dir = temp_project(&[(
        "Dockerfile",
        "FROM debian:12\nRUN apt-get update && apt-get install -y python3-pip && pip install x\nUSER nobody\n",
    )]);
    let o = run(
        dir.path(),
        &[
            "--write-baseline",
            "b.json",
            "--select",
            "apt-lists-not-removed",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let o = run(dir.path(), &["--diff", "--baseline", "b.json"]);
    let diff = stdout(&o);
    assert!(diff.contains("--no-cache-dir"), "{diff}");
    assert!(!diff.contains("rm -rf"), "{diff}");
    assert_eq!(
        stderr(&o).matches("in the baseline").count(),
        1,
        "{}",
        stderr(&o)
    );
}

#[test]
fn one_unsafe_fix_is_one() {
    let dir = temp_project(QUOTED);
    let o = run(dir.path(), &["--diff"]);
    assert!(
        stderr(&o).contains("; 1 unsafe fix available"),
        "{}",
        stderr(&o)
    );
}

/// A copy of the tree at `from` (links copied as links, special files
/// left out) in a new temporary folder.
fn copy_of(from: &Path) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    mppeep_lint::testing::copy_tree(from, dir.path()).unwrap();
    dir
}
