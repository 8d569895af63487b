//! Hostile files and paths (issue 19, items 7, 8, 11, 12, 13): every read is
//! bounded and of a regular file (fifos, devices, `/dev/stdin`,
//! `/proc/self/fd/1` are refused before they are opened), the walk stays
//! inside the linted folder, exit codes tell the truth, control characters
//! from files never reach the terminal raw, and a file outside the project
//! that is not of its kind gives one diagnostic, not its lines.
//!
//! Every run has a deadline: a read that blocks fails the test instead of
//! hanging it.

mod common;

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use mppeep_lint::testing::hostile_chars;

use common::{command_in, findings, temp_project, write_files, BIN};

/// Longer than any of these runs takes (a debug build, a shared machine).
const DEADLINE: Duration = Duration::from_secs(20);

/// `mppeep-lint ARGS` in `dir`, its stdin empty (not the test's), its stdout
/// and stderr pipes; killed and failed when it outlives [`DEADLINE`].
fn run(dir: &Path, args: &[&str]) -> Output {
    run_with(command_in(BIN, dir).args(args))
}

fn run_with(c: &mut Command) -> Output {
    let mut child = c
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run mppeep-lint");
    // Read the pipes on threads so a large output cannot block the child.
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let t_out = std::thread::spawn(move || {
        let mut v = Vec::new();
        std::io::Read::read_to_end(&mut out, &mut v).ok();
        v
    });
    let t_err = std::thread::spawn(move || {
        let mut v = Vec::new();
        std::io::Read::read_to_end(&mut err, &mut v).ok();
        v
    });
    let start = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if start.elapsed() > DEADLINE {
            child.kill().ok();
            child.wait().ok();
            panic!("mppeep-lint {:?} hung (killed after {DEADLINE:?})", c);
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Output {
        status,
        stdout: t_out.join().unwrap(),
        stderr: t_err.join().unwrap(),
    }
}

fn text(o: &Output) -> String {
    format!(
        "exit {:?}\nstdout:\n{}\nstderr:\n{}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn report(o: &Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("no JSON ({e}): {}", text(o)))
}

fn mkfifo(path: &Path) {
    let ok = Command::new("mkfifo")
        .arg(path)
        .status()
        .expect("mkfifo")
        .success();
    assert!(ok, "mkfifo {}", path.display());
}

/// A healthy service whose finding proves the rest was linted.
const GOOD: &str =
    "services:\n  good:\n    image: busybox:1.36\n    environment:\n      - A=\"quoted\"\n";

fn has(v: &serde_json::Value, rule: &str, file: &str) -> bool {
    findings(v).iter().any(|(r, f, _)| r == rule && f == file)
}

// ---------------------------------------------------------------- item 7

/// Files that are no regular file, named from every place a path comes
/// from: compose's `env_file:` and `build.dockerfile:`, found by the walk,
/// `-f`, `--env-file`, `--config`. None is opened for a blocking read; each
/// is `unreadable-file` (or a usage error for the command line's own
/// paths), with the path and what it is.
#[test]
fn fifos_and_devices_named_from_compose_are_unreadable_not_read() {
    for special in ["fifo", "/dev/stdin", "/proc/self/fd/1", "/dev/zero"] {
        let dir = temp_project(&[("good/compose.yaml", GOOD), ("app/Dockerfile", "FROM x\n")]);
        if special == "fifo" {
            mkfifo(&dir.path().join("app/fifo"));
        }
        let compose = format!(
            "services:\n  a:\n    image: busybox:1.36\n    env_file: {special}\n  b:\n    build:\n      context: .\n      dockerfile: {special}\n"
        );
        write_files(dir.path(), &[("app/compose.yaml", compose)]);
        let start = Instant::now();
        let o = run(
            dir.path(),
            &["check", ".", "--format", "json", "--no-config"],
        );
        let v = report(&o);
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "{special}: {:?}",
            start.elapsed()
        );
        let all = text(&o);
        assert!(
            all.contains("not a regular file"),
            "{special}: the reason is said\n{all}"
        );
        assert!(
            findings(&v)
                .iter()
                .any(|(r, _, _)| r == "unreadable-file" || r == "compose-error"),
            "{special}: {all}"
        );
        assert!(has(&v, "quoted-value", "good/compose.yaml"), "{all}");
        assert_eq!(o.status.code(), Some(1), "{special}: {all}");
    }
}

/// A fifo found by the walk under a configuration name is reported, not
/// skipped in silence and not opened.
#[test]
fn a_fifo_found_by_the_walk_is_unreadable() {
    let dir = temp_project(&[("good/compose.yaml", GOOD)]);
    std::fs::create_dir_all(dir.path().join("bad")).unwrap();
    mkfifo(&dir.path().join("bad/.env"));
    mkfifo(&dir.path().join("bad/Dockerfile"));
    let o = run(
        dir.path(),
        &["check", ".", "--format", "json", "--no-config"],
    );
    let v = report(&o);
    assert!(has(&v, "unreadable-file", "bad/.env"), "{}", text(&o));
    assert!(has(&v, "unreadable-file", "bad/Dockerfile"), "{}", text(&o));
    assert!(has(&v, "quoted-value", "good/compose.yaml"), "{}", text(&o));
}

/// The command line's own paths: `-f`, `--env-file`, `--config`, a path to
/// lint: a usage error (exit 2) saying what the file is, never a hang.
#[test]
fn fifos_and_devices_on_the_command_line_are_usage_errors() {
    let dir = temp_project(&[("compose.yaml", GOOD)]);
    mkfifo(&dir.path().join("fifo"));
    for special in ["fifo", "/dev/stdin", "/proc/self/fd/1"] {
        for args in [
            vec!["check", "--no-config", "-f", special],
            vec!["check", "--no-config", "-f", "compose.yaml", "-f", special],
            vec!["check", "--no-config", "--env-file", special],
            vec!["check", "--config", special],
            vec!["check", "--no-config", special],
            vec!["env", "--no-config", "-f", special],
            vec!["env", "--config", special],
            vec!["explain", "A", "--no-config", "-f", special],
        ] {
            let o = run(dir.path(), &args);
            let all = text(&o);
            assert_ne!(o.status.code(), Some(0), "{args:?}: {all}");
            assert!(
                all.contains("not a regular file"),
                "{args:?}: the reason is said\n{all}"
            );
        }
    }
}

/// A configuration file found upwards that is a fifo is an error, not a
/// hang; a `pyproject.toml` fifo is not ours to read and is passed by.
#[test]
fn a_fifo_configuration_file_is_refused() {
    let dir = temp_project(&[("compose.yaml", GOOD)]);
    mkfifo(&dir.path().join("mppeep-lint.toml"));
    let o = run(dir.path(), &["check", "."]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("not a regular file"), "{}", text(&o));

    let dir = temp_project(&[("compose.yaml", GOOD)]);
    mkfifo(&dir.path().join("pyproject.toml"));
    let o = run(dir.path(), &["check", ".", "--format", "json"]);
    assert!(
        has(&report(&o), "quoted-value", "compose.yaml"),
        "{}",
        text(&o)
    );
}

// ---------------------------------------------------------------- item 8

/// A committed link to `/` (or to a folder beside the linted one) is not
/// entered: the walk stays in the linted folder, and says so once per link.
/// Links to folders inside it and links to files are followed as before.
#[test]
fn the_walk_never_leaves_the_root_through_a_linked_folder() {
    let outside = temp_project(&[("compose.yaml", GOOD), ("Dockerfile", "FROM x\n")]);
    let dir = temp_project(&[
        ("good/compose.yaml", GOOD),
        ("inside/compose.yaml", GOOD),
        ("files/real.yml", GOOD),
    ]);
    std::os::unix::fs::symlink("/", dir.path().join("r")).unwrap();
    std::os::unix::fs::symlink(outside.path(), dir.path().join("out")).unwrap();
    std::os::unix::fs::symlink("../inside", dir.path().join("good/in")).unwrap();
    std::os::unix::fs::symlink("real.yml", dir.path().join("files/compose.yaml")).unwrap();
    let start = Instant::now();
    let o = run(
        dir.path(),
        &["check", ".", "--format", "json", "--no-config"],
    );
    assert!(
        start.elapsed() < Duration::from_secs(10),
        "{:?}",
        start.elapsed()
    );
    let v = report(&o);
    let found = findings(&v);
    assert!(
        found
            .iter()
            .all(|(_, f, _)| !f.starts_with("r/") && !f.starts_with("out/")),
        "{found:?}"
    );
    for link in ["r", "out"] {
        let said = v["diagnostics"].as_array().unwrap().iter().any(|d| {
            d["name"] == "unreadable-file"
                && d["file"] == link
                && d["message"].as_str().unwrap().contains("outside")
        });
        assert!(said, "{link}: {}", text(&o));
    }
    assert!(has(&v, "quoted-value", "good/compose.yaml"), "{}", text(&o));
    // A link to a folder inside the root, and a linked file, are read.
    assert!(
        has(&v, "quoted-value", "good/in/compose.yaml"),
        "{}",
        text(&o)
    );
    assert!(
        has(&v, "quoted-value", "files/compose.yaml"),
        "{}",
        text(&o)
    );
    // The linted folder itself may be a link.
    let o = run(
        dir.path(),
        &["check", "good/in", "--format", "json", "--no-config"],
    );
    assert!(
        has(&report(&o), "quoted-value", "good/in/compose.yaml"),
        "{}",
        text(&o)
    );
}

// ---------------------------------------------------------------- item 11

/// Every way `-f` or a path can name nothing usable exits 2 with the path
/// and the reason (Compose itself exits 1 on each: `open X: no such file or
/// directory`, `read X: is a directory`, `yaml: control characters are not
/// allowed`, `yaml: invalid leading UTF-8 octet`); the rest of what was
/// asked is still reported first.
#[test]
fn unusable_compose_files_and_paths_are_never_a_green_run() {
    let big = format!("{GOOD}#{}\n", "x".repeat(9 * 1024 * 1024));
    let dir = temp_project(&[("compose.yaml", GOOD), ("sub/.env", "A=1\n")]);
    write_files(
        dir.path(),
        &[
            ("nul.yml", format!("{GOOD}      - B=\0\n").into_bytes()),
            (
                "latin1.yml",
                b"services:\n  a:\n    image: caf\xe9\n".to_vec(),
            ),
            ("big.yml", big.into_bytes()),
        ],
    );
    for (args, says) in [
        (
            vec!["-f", "nope.yml"],
            "nope.yml: cannot read this compose file (-f): no such file",
        ),
        (
            vec!["-f", "sub"],
            "sub: cannot read this compose file (-f): is a directory",
        ),
        (vec!["-f", "compose.yaml", "-f", "nope.yml"], "nope.yml"),
        (vec!["-f", "nul.yml"], "binary file"),
        (vec!["-f", "latin1.yml"], "not valid UTF-8"),
        (vec!["-f", "big.yml"], "too large"),
        (vec![".", "nope"], "nope: no such file or directory"),
        (
            vec!["compose.yaml", "nope"],
            "nope: no such file or directory",
        ),
    ] {
        // `env` takes one path.
        let cmds: &[&str] = if args[0] == "-f" {
            &["check", "env"]
        } else {
            &["check"]
        };
        for cmd in cmds {
            let mut full = vec![*cmd, "--no-config"];
            full.extend(&args);
            let o = run(dir.path(), &full);
            let all = text(&o);
            assert_eq!(o.status.code(), Some(2), "{full:?}: {all}");
            assert!(all.contains(says), "{full:?}: {says:?}\n{all}");
        }
    }
    // The real path beside a missing one is still linted.
    let o = run(
        dir.path(),
        &["check", "--no-config", "--format", "json", ".", "nope"],
    );
    assert!(
        has(&report(&o), "quoted-value", "compose.yaml"),
        "{}",
        text(&o)
    );
}

/// A compose file found by the walk that Compose would refuse (a NUL byte,
/// invalid UTF-8, over our size limit) makes its project a
/// `compose-error` (exit 1) where the read failed, not a warning alone.
#[test]
fn a_compose_file_compose_refuses_is_a_compose_error() {
    let cases: [(&str, Vec<u8>, u64); 3] = [
        ("nul", format!("{GOOD}      - B=\0\n").into_bytes(), 6),
        (
            "latin1",
            b"services:\n  a:\n    image: caf\xe9\n".to_vec(),
            3,
        ),
        (
            "big",
            format!("{GOOD}#{}\n", "x".repeat(9 * 1024 * 1024)).into_bytes(),
            1,
        ),
    ];
    for (name, bytes, line) in cases {
        let dir = temp_project(&[("good/compose.yaml", GOOD)]);
        write_files(dir.path(), &[("bad/compose.yaml", bytes)]);
        let o = run(
            dir.path(),
            &["check", ".", "--format", "json", "--no-config"],
        );
        let v = report(&o);
        assert_eq!(o.status.code(), Some(1), "{name}: {}", text(&o));
        let at = findings(&v);
        assert!(
            at.contains(&("compose-error".into(), "bad/compose.yaml".into(), line)),
            "{name}: {at:?}"
        );
        assert!(has(&v, "quoted-value", "good/compose.yaml"), "{}", text(&o));
    }
}

/// `--ignore all` ignores every rule and every built-in diagnostic
/// (documented in the README): a clean exit, nothing reported.
#[test]
fn ignore_all_ignores_everything() {
    let dir = temp_project(&[
        ("compose.yaml", GOOD),
        ("broken/compose.yaml", "services: [\n"),
    ]);
    let o = run(
        dir.path(),
        &["check", ".", "--no-config", "--format", "json"],
    );
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let o = run(
        dir.path(),
        &[
            "check",
            ".",
            "--no-config",
            "--format",
            "json",
            "--ignore",
            "all",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert_eq!(findings(&report(&o)), vec![]);
}

/// `mppeep-lint env | head -1` (and every other command and format): the
/// reader went away; no panic, no message, the exit of a finished run.
#[test]
fn a_closed_pipe_ends_quietly() {
    let mut compose = String::from("services:\n");
    for s in 0..200 {
        compose.push_str(&format!(
            "  s{s}:\n    image: busybox:1.36\n    environment:\n"
        ));
        for v in 0..50 {
            compose.push_str(&format!("      VAR_{v}: value-{s}-{v}\n"));
        }
    }
    let dir = temp_project(&[("compose.yaml", compose)]);
    for cmd in [
        "env . --no-config",
        "env . --no-config --format json",
        "check . --no-config --format json",
        "explain VAR_1 . --no-config",
        "man",
    ] {
        let o = command_in("sh", dir.path())
            .args([
                "-c",
                &format!("'{BIN}' {cmd} | head -c 10 >/dev/null; echo \"rc=$?\""),
            ])
            .output()
            .unwrap();
        let all = text(&o);
        assert!(o.stderr.is_empty(), "{cmd}: {all}");
        assert!(!all.contains("panicked"), "{cmd}: {all}");
    }
    // The exit code itself: `set -o pipefail` is not POSIX; PIPESTATUS is
    // bash's.
    let o = command_in("bash", dir.path())
        .args([
            "-c",
            &format!(
                "'{BIN}' env . --no-config | head -c 10 >/dev/null; echo \"${{PIPESTATUS[0]}}\""
            ),
        ])
        .output()
        .unwrap();
    let code = String::from_utf8_lossy(&o.stdout).trim().to_string();
    assert!(code == "0" || code == "141", "{}", text(&o));
}

// ---------------------------------------------------------------- item 12

fn raw_controls(bytes: &[u8]) -> Vec<char> {
    String::from_utf8_lossy(bytes)
        .chars()
        .filter(|c| {
            (c.is_control() && *c != '\n' && *c != '\t')
                || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
        })
        .collect()
}

/// A project per hostile character, holding it in `.env` keys, values and
/// comments, compose values (decoded from YAML escapes, and raw), a
/// Dockerfile, and a file name; every command in every format prints none
/// of them raw, and a line break inside a value never starts a line of
/// output.
#[test]
fn control_characters_from_files_never_reach_the_output_raw() {
    let dir = tempfile::tempdir().unwrap();
    for (i, c) in hostile_chars().into_iter().enumerate() {
        let code = c as u32;
        let yaml_escape = if code < 0x10000 {
            format!("\\u{code:04x}")
        } else {
            unreachable!()
        };
        let d = format!("c{i:03}");
        write_files(
            dir.path(),
            &[
                (
                    format!("{d}/.env").as_str(),
                    format!(
                        "VAL=a{c}b\n# comment {c}\nQ=\"x{c}y\\nFAKE_LINE y\"\nPASSWORD=se{c}cret\n"
                    ),
                ),
                (
                    format!("{d}/keys.env").as_str(),
                    format!("K{c}EY=1\n"),
                ),
                (
                    format!("{d}/compose.yaml").as_str(),
                    format!(
                        "services:\n  app:\n    image: busybox:1.36\n    environment:\n      - VAL=${{VAL}}\n      - Q=${{Q}}\n      - ESC=\"v{yaml_escape}w\\nFAKE_LINE w\"\n      - A=\"quoted\"\n      - HOST=localhost{yaml_escape}\n"
                    ),
                ),
                (
                    format!("{d}/docker-compose.raw.yml").as_str(),
                    format!("services:\n  raw:\n    image: busybox{c}:1\n    environment:\n      - R=a{c}b # {c}\n"),
                ),
                (
                    format!("{d}/Dockerfile").as_str(),
                    format!("FROM busybox:1.36\nENV A=a{c}b\n# {c}\nRUN echo {c}\n"),
                ),
            ],
        );
        if c != '\0' {
            write_files(
                dir.path(),
                &[(format!("{d}/x{c}y.env").as_str(), "A=\"q\" B\n")],
            );
        }
    }
    let mut runs: Vec<Vec<&str>> = Vec::new();
    for f in common::CHECK_FORMATS {
        runs.push(vec!["check", ".", "--no-config", "--format", f]);
        runs.push(vec![
            "check",
            ".",
            "--no-config",
            "--format",
            f,
            "--color",
            "always",
        ]);
    }
    for f in ["text", "json"] {
        runs.push(vec!["env", ".", "--no-config", "--format", f]);
    }
    for var in ["VAL", "Q", "ESC", "A"] {
        for f in ["text", "json", "mermaid"] {
            runs.push(vec!["explain", var, ".", "--no-config", "--format", f]);
        }
    }
    for args in runs {
        let start = Instant::now();
        let o = run(dir.path(), &args);
        assert!(start.elapsed() < Duration::from_secs(15), "{args:?}");
        assert!(!o.stdout.is_empty(), "{args:?}: {}", text(&o));
        let mut raw = raw_controls(&o.stdout);
        if args.contains(&"always") {
            // Our own colours, nothing else: every ESC begins a colour
            // sequence (`ESC [` digits and `;`, then `m`).
            let out = String::from_utf8_lossy(&o.stdout);
            for (i, _) in out.match_indices('\u{1b}') {
                let rest = &out[i + 1..];
                let sgr = rest.strip_prefix('[').is_some_and(|r| {
                    let e = r.find(|c: char| !(c.is_ascii_digit() || c == ';'));
                    e.is_some_and(|e| r[e..].starts_with('m'))
                });
                assert!(
                    sgr,
                    "{args:?}: not a colour: {:?}",
                    &rest[..rest.len().min(20)]
                );
            }
            raw.retain(|c| *c != '\u{1b}');
        }
        assert_eq!(raw, Vec::<char>::new(), "{args:?}: raw in stdout");
        assert_eq!(
            raw_controls(&o.stderr),
            Vec::<char>::new(),
            "{args:?}: raw in stderr"
        );
        let out = String::from_utf8_lossy(&o.stdout);
        assert!(
            !out.lines().any(|l| l.trim_start().starts_with("FAKE_LINE")),
            "{args:?}: a line break in a value started a line:\n{out}"
        );
    }
}

// ---------------------------------------------------------------- item 13

/// Compose names files outside the project (`dockerfile: /etc/passwd`,
/// `env_file: ../../etc/shadow`) that are not of their kind: one
/// diagnostic per file saying so, never its lines one by one, in every
/// format; a broken Dockerfile inside the project keeps its located errors.
#[test]
fn a_foreign_file_named_from_outside_gives_one_diagnostic_not_its_lines() {
    let dir = tempfile::tempdir().unwrap();
    let passwd: String = (0..5000)
        .map(|i| format!("user{i}:x:{i}:{i}:User {i}:/home/user{i}:/bin/sh\n"))
        .collect();
    // Read as a `format: raw` env_file: a line with a blank is refused.
    let group: String = (0..5000)
        .map(|i| format!("group{i}:x:{i}:member {i}\n"))
        .collect();
    let services: String = (0..5000)
        .map(|i| format!("svc{i}\t\t{i}/tcp\t\t# service {i}\n"))
        .collect();
    write_files(
        dir.path(),
        &[
            ("outside/passwd", passwd.as_str()),
            ("outside/services", services.as_str()),
            ("outside/group", group.as_str()),
            (
                "p/compose.yaml",
                "services:\n  a:\n    image: busybox:1.36\n    env_file: ../outside/services\n  raw:\n    image: busybox:1.36\n    env_file:\n      - path: ../outside/group\n        format: raw\n  b:\n    build:\n      context: .\n      dockerfile: ../outside/passwd\n  c:\n    build:\n      context: .\n      dockerfile: /etc/passwd\n  d:\n    build: ./d\n",
            ),
            ("p/d/Dockerfile", "FROM busybox:1.36\nRUNN echo typo\n"),
        ],
    );
    let p = dir.path().join("p");
    for format in ["compact", "pretty", "json", "sarif", "github"] {
        let o = run(&p, &["check", ".", "--no-config", "--format", format]);
        let out = String::from_utf8_lossy(&o.stdout);
        for quoted in [
            "user42:",
            "svc42",
            "root:x:0",
            "/home/user",
            // (Not `tcp` alone: the rules' documents in SARIF say
            // `DOCKER_HOST=tcp://…`.)
            "/tcp",
            "group0:",
        ] {
            assert!(!out.contains(quoted), "{format}: {quoted} quoted\n{out}");
        }
        // SARIF carries every rule's document (its catalogue grows with
        // each rule): what is bounded is its findings.
        let size = if format == "sarif" {
            let v: serde_json::Value = serde_json::from_str(&out).expect("SARIF is JSON");
            v["runs"][0]["results"].to_string().len()
        } else {
            out.len()
        };
        assert!(size < 200_000, "{format}: {size} bytes");
        assert!(
            out.contains("RUNN"),
            "{format}: the project's own error is kept\n{out}"
        );
    }
    let o = run(&p, &["check", ".", "--no-config", "--format", "json"]);
    let v = report(&o);
    for file in [
        "outside/passwd",
        "outside/services",
        "outside/group",
        "/etc/passwd",
    ] {
        let here: Vec<&serde_json::Value> = v["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| d["file"].as_str().unwrap().ends_with(file))
            .collect();
        assert_eq!(here.len(), 1, "{file}: {here:#?}");
        let m = here[0]["message"].as_str().unwrap();
        assert!(m.contains("does not look like"), "{file}: {m}");
    }
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
}

/// `include:` and `extends.file` naming a file outside the project that is
/// no compose file (`include: [/etc/passwd]`): one diagnostic saying so,
/// never its lines.
#[test]
fn a_foreign_file_included_or_extended_is_not_quoted() {
    let dir = tempfile::tempdir().unwrap();
    let passwd: String = (0..50)
        .map(|i| format!("user{i}:x:{i}:{i}:User {i}:/home/user{i}:/bin/sh\n"))
        .collect();
    write_files(
        dir.path(),
        &[
            ("outside/passwd", passwd.as_str()),
            (
                "p/compose.yaml",
                "include: [../outside/passwd]\nservices:\n  a:\n    image: busybox:1.36\n",
            ),
            (
                "q/compose.yaml",
                "services:\n  a:\n    image: busybox:1.36\n    extends: {file: ../outside/passwd, service: x}\n",
            ),
        ],
    );
    for project in ["p", "q"] {
        let p = dir.path().join(project);
        for format in ["pretty", "json"] {
            let o = run(&p, &["check", ".", "--no-config", "--format", format]);
            let out = String::from_utf8_lossy(&o.stdout);
            assert!(!out.contains("user1:"), "{project} {format}: quoted\n{out}");
            assert!(
                out.contains("does not look like"),
                "{project} {format}\n{out}"
            );
        }
        let o = run(&p, &["env", ".", "--format", "json"]);
        let out = String::from_utf8_lossy(&o.stdout);
        assert!(!out.contains("user1:"), "{project} env: quoted\n{out}");
    }
}
