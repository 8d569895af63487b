//! Bad input never panics or hangs: each case gives a diagnostic with a
//! location and the rest of the project is still linted.

mod common;

use std::path::Path;
use std::process::Output;

use mppeep_lint::testing::alias_bomb;

use common::{command_in, findings, json, temp_project, write_files, BIN};

/// `check . --format json --no-config` in `dir`: the exit status and the
/// report.
fn check(dir: &Path) -> (Output, serde_json::Value) {
    let o = command_in(BIN, dir)
        .args(["check", ".", "--format", "json", "--no-config"])
        .output()
        .expect("run mppeep-lint");
    let v = json(&o);
    (o, v)
}

/// A healthy project beside the bad file: its finding must still be there.
fn project_with(bad: &[(&str, &[u8])]) -> tempfile::TempDir {
    let dir = temp_project(&[(
        "good/compose.yaml",
        "services:\n  app:\n    image: busybox\n    environment:\n      - A=\"quoted\"\n",
    )]);
    write_files(dir.path(), bad);
    dir
}

#[track_caller]
fn assert_reported(v: &serde_json::Value, rule: &str, file: &str, line: u64) {
    let n = findings(v);
    assert!(
        n.iter()
            .any(|(r, f, l)| r == rule && f == file && *l == line),
        "expected {rule} at {file}:{line}, got {n:?}"
    );
    assert!(
        n.iter()
            .any(|(r, f, _)| r == "quoted-value" && f == "good/compose.yaml"),
        "the rest of the tree was not linted: {n:?}"
    );
}

#[test]
fn binary_file() {
    let dir = project_with(&[("bad/Dockerfile", b"FROM alpine\nENV B=\0\x01\x02\n")]);
    let (o, v) = check(dir.path());
    assert_eq!(o.status.code(), Some(1));
    assert_reported(&v, "unreadable-file", "bad/Dockerfile", 2);
}

/// A `.env` with a NUL or bytes that are not UTF-8 is read as Compose
/// reads it (NUL kept, each invalid byte U+FFFD), with a warning where the
/// first one is: never dropped whole.
#[test]
fn env_file_with_binary_bytes_is_read_as_compose_reads_it() {
    let dir = project_with(&[
        ("nul/.env", b"A=1\nB=\0\x01\x02\n".as_slice()),
        ("latin1/.env", b"A=1\nB=caf\xe9\n".as_slice()),
    ]);
    let (o, v) = check(dir.path());
    assert_eq!(o.status.code(), Some(1));
    assert_reported(&v, "env-syntax", "nul/.env", 2);
    assert_reported(&v, "env-syntax", "latin1/.env", 2);
}

#[test]
fn non_utf8_file() {
    let dir = project_with(&[("bad/Dockerfile", b"FROM alpine\nENV A=\xff\xfe\n")]);
    let (_, v) = check(dir.path());
    assert_reported(&v, "unreadable-file", "bad/Dockerfile", 2);
}

#[test]
fn file_over_the_size_limit() {
    // 50 MB: refused without being read whole.
    let mut big = b"A=1\n".repeat(12_500_000);
    big.truncate(50_000_000);
    let dir = project_with(&[("bad/big.env", &big)]);
    let (_, v) = check(dir.path());
    assert_reported(&v, "unreadable-file", "bad/big.env", 1);
}

#[test]
fn yaml_alias_bomb() {
    let text = alias_bomb(9);
    let dir = project_with(&[("bad/compose.yaml", text.as_bytes())]);
    let (_, v) = check(dir.path());
    let n = findings(&v);
    assert!(
        n.iter()
            .any(|(r, f, _)| r == "syntax-error" && f == "bad/compose.yaml"),
        "{n:?}"
    );
    // x-f: 9^6 copies of "lol" would pass the expansion bound.
    assert_reported(&v, "syntax-error", "bad/compose.yaml", 6);
}

#[test]
fn deeply_nested_yaml() {
    let text = format!("services: {}{}\n", "[".repeat(100_000), "]".repeat(100_000));
    let dir = project_with(&[("bad/compose.yaml", text.as_bytes())]);
    let (_, v) = check(dir.path());
    let n = findings(&v);
    assert!(
        n.iter()
            .any(|(r, f, l)| r == "syntax-error" && f == "bad/compose.yaml" && *l == 1),
        "{n:?}"
    );
}

#[test]
fn malformed_inputs_have_locations() {
    let dir = project_with(&[
        ("a/compose.yaml", b"services:\n  app: [\n"),
        ("b/.env", b"OK=1\nA=\"unterminated\nB=2\n"),
        (
            "c/compose.yaml",
            b"services:\n  app:\n    image: x\n    environment:\n      K: ${A\n",
        ),
        (
            "d/Dockerfile",
            b"FROM alpine\nRUN <<EOF\necho never closed\n",
        ),
    ]);
    let (_, v) = check(dir.path());
    let n = findings(&v);
    for (file, line) in [("a/compose.yaml", 3), ("b/.env", 2), ("c/compose.yaml", 5)] {
        assert!(
            n.iter().any(|(r, f, l)| (r == "syntax-error"
                || r == "compose-error"
                || r == "env-syntax")
                && f == file
                && *l == line),
            "{file}:{line} not reported: {n:?}"
        );
    }
    assert_reported(&v, "env-syntax", "b/.env", 2);
}

#[cfg(unix)]
#[test]
fn symlink_loop() {
    let dir = project_with(&[]);
    std::fs::create_dir(dir.path().join("loop")).unwrap();
    std::os::unix::fs::symlink("..", dir.path().join("loop/up")).unwrap();
    let (o, v) = check(dir.path());
    assert!(matches!(o.status.code(), Some(0..=2)));
    let n = findings(&v);
    assert!(
        n.iter()
            .any(|(r, f, _)| r == "unreadable-file" && f.starts_with("loop/up")),
        "{n:?}"
    );
    assert!(n.iter().any(|(r, _, _)| r == "quoted-value"), "{n:?}");
}

#[cfg(unix)]
#[test]
fn unreadable_file() {
    use std::os::unix::fs::PermissionsExt;
    let dir = project_with(&[("bad/.env", b"A=1\n")]);
    let p = dir.path().join("bad/.env");
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o000)).unwrap();
    if std::fs::read(&p).is_ok() {
        eprintln!("skipping: running as root, permissions are not enforced");
        return;
    }
    let (_, v) = check(dir.path());
    assert_reported(&v, "unreadable-file", "bad/.env", 1);
}

/// Files are read and parsed on every core: the output must not depend on
/// which thread finished first.
#[test]
fn output_is_the_same_on_every_run() {
    let dir = tempfile::tempdir().unwrap();
    for i in 0..120 {
        let d = dir.path().join(format!("p{i:03}"));
        std::fs::create_dir(&d).unwrap();
        std::fs::write(
            d.join("compose.yaml"),
            format!("services:\n  app:\n    build: .\n    environment:\n      - A=\"q{i}\"\n      - URL=postgresql://u@localhost/db\n  db:\n    image: postgres:16\n"),
        )
        .unwrap();
        std::fs::write(
            d.join("Dockerfile"),
            "FROM python:3.12-slim\nCMD [\"python\"]\n",
        )
        .unwrap();
        std::fs::write(d.join(".env"), format!("UNUSED_{i}=1\nSECRET_KEY=\n")).unwrap();
    }
    let (_, first) = check(dir.path());
    assert!(first["diagnostics"].as_array().unwrap().len() > 360);
    for _ in 0..3 {
        let (_, again) = check(dir.path());
        assert_eq!(first, again);
    }
}

/// The bomb stays within 100 MiB: run under `ulimit -v` (address space, a
/// stricter bound than resident memory), it must still answer.
#[cfg(target_os = "linux")]
#[test]
fn alias_bomb_in_bounded_memory() {
    let text = alias_bomb(11);
    let dir = project_with(&[("bad/compose.yaml", text.as_bytes())]);
    let o = command_in("bash", dir.path())
        .arg("-c")
        .arg(format!(
            "ulimit -v {}; exec \"$0\" check . --format json --no-config",
            100 * 1024
        ))
        .arg(BIN)
        .output()
        .expect("run under ulimit");
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap_or_else(|e| {
        panic!(
            "no JSON under 100 MiB ({e}): {}",
            String::from_utf8_lossy(&o.stderr)
        )
    });
    let n = findings(&v);
    assert!(
        n.iter()
            .any(|(r, f, _)| r == "syntax-error" && f == "bad/compose.yaml"),
        "{n:?}"
    );
    // The rest of the tree is still linted.
    assert!(n.iter().any(|(r, _, _)| r == "quoted-value"), "{n:?}");
}
