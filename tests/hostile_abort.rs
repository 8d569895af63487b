//! Hostile input never aborts and stays bounded in memory and time (issue
//! 19, "Never abort" and "Bounded memory and time"). Each test builds its
//! input with a generator (depth, doubling, size, many copies) at a size
//! that used to overflow the stack, panic, take gigabytes or run for
//! minutes, and checks: the exit code, a located diagnostic where the input
//! was refused (saying the limit is ours where it is), and the rest of the
//! tree still linted. None is timed (performance is measured by
//! `benches/model.rs`): a quadratic path at these sizes shows as a hang.

mod common;

use std::path::Path;
use std::process::Output;

use common::{command_in, findings, json, write_files, BIN};

/// `check . --format FORMAT --no-config` in `dir`, under 2 GiB of address
/// space, with a guard against a hang (not a
/// timing: each case answers in seconds, in a debug build on a busy machine
/// in a minute; before its fix, the slowest ran for hours).
fn run(dir: &Path, format: &str) -> Output {
    let o = command_in("bash", dir)
        .arg("-c")
        .arg(format!(
            "ulimit -v {}; exec timeout {HANG} \"$0\" check . --format {format} --no-config",
            2 * 1024 * 1024
        ))
        .arg(BIN)
        .output()
        .expect("run mppeep-lint");
    assert_ne!(o.status.code(), Some(124), "no answer within {HANG} s");
    o
}

/// Seconds after which a run counts as hung.
const HANG: u32 = 600;

fn check(dir: &Path) -> (Output, serde_json::Value) {
    let o = run(dir, "json");
    let v = json(&o);
    (o, v)
}

/// A temporary tree: a healthy project (whose one finding must still be
/// reported) beside `bad`.
fn tree<C: AsRef<[u8]>>(bad: &[(&str, C)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    write_files(
        dir.path(),
        &[(
            "good/compose.yaml",
            "services:\n  app:\n    image: busybox:1\n    environment:\n      - A=\"quoted\"\n",
        )],
    );
    write_files(dir.path(), bad);
    dir
}

/// The diagnostics of `v` as (rule, file, line, message).
fn diagnostics(v: &serde_json::Value) -> Vec<(String, String, u64, String)> {
    v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["name"].as_str().unwrap().to_string(),
                d["file"].as_str().unwrap().to_string(),
                d["line"].as_u64().unwrap(),
                d["message"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// `rule` at `file:line` with `words` in its message, and the healthy
/// project still linted.
#[track_caller]
fn assert_refused(v: &serde_json::Value, rule: &str, file: &str, line: u64, words: &str) {
    let d = diagnostics(v);
    assert!(
        d.iter()
            .any(|(r, f, l, m)| r == rule && f == file && *l == line && m.contains(words)),
        "expected {rule} at {file}:{line} saying {words:?}, got {:?}",
        d.iter()
            .map(|(r, f, l, m)| format!("{r} {f}:{l} {}", m.chars().take(200).collect::<String>()))
            .collect::<Vec<_>>()
    );
    assert_linted(v);
}

#[track_caller]
fn assert_linted(v: &serde_json::Value) {
    let n = findings(v);
    assert!(
        n.iter()
            .any(|(r, f, _)| r == "quoted-value" && f == "good/compose.yaml"),
        "the rest of the tree was not linted"
    );
}

/// `${V:-${V:-…x…}}`, `depth` deep.
fn nested(depth: usize) -> String {
    format!("{}x{}", "${V:-".repeat(depth), "}".repeat(depth))
}

const OURS: &str = "a limit of mppeep-lint";

/// 25,000 levels in a `.env` and in a compose file, among enough files that
/// they are parsed on rayon's workers (2 MiB stacks, where 6,000 levels
/// overflowed).
#[test]
fn nested_references_in_dotenv_and_compose() {
    let deep = nested(25_000);
    let dotenv = format!("A={deep}\n");
    let compose =
        format!("services:\n  app:\n    image: busybox:1\n    environment:\n      A: \"{deep}\"\n");
    let mut files: Vec<(String, String)> = vec![
        ("env/.env".into(), dotenv),
        (
            "env/compose.yaml".into(),
            "services:\n  app:\n    image: busybox:1\n    environment:\n      - A=${A}\n".into(),
        ),
        ("yaml/compose.yaml".into(), compose),
    ];
    for i in 0..100 {
        files.push((format!("many/p{i}/.env"), format!("K{i}=1\n")));
    }
    let refs: Vec<(&str, &str)> = files
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    let dir = tree(&refs);
    let (o, v) = check(dir.path());
    assert_eq!(o.status.code(), Some(1));
    assert_refused(&v, "env-syntax", "env/.env", 1, OURS);
    assert_refused(&v, "compose-error", "yaml/compose.yaml", 5, OURS);
}

/// `${A:-` 20,000 times, unclosed, in a Dockerfile.
#[test]
fn nested_references_in_a_dockerfile() {
    let df = format!(
        "FROM alpine:3\nARG A\nENV B={}x\nUSER app\n",
        "${A:-".repeat(20_000)
    );
    let dir = tree(&[("img/Dockerfile", df.as_str())]);
    let (o, v) = check(dir.path());
    assert_eq!(o.status.code(), Some(1));
    assert_refused(&v, "syntax-error", "img/Dockerfile", 3, OURS);
}

/// `A1=${A0}${A0}` … 40 times: 16 bytes doubled 40 times is 16 TiB. The
/// value past 1 MiB is refused where it is written.
#[test]
fn doubling_in_dockerfile_and_dotenv() {
    let mut df = String::from("FROM alpine:3\nARG A0=xxxxxxxxxxxxxxxx\n");
    let mut env = String::from("A0=xxxxxxxxxxxxxxxx\n");
    for i in 0..40 {
        df.push_str(&format!("ARG A{}=${{A{i}}}${{A{i}}}\n", i + 1));
        env.push_str(&format!("A{}=${{A{i}}}${{A{i}}}\n", i + 1));
    }
    df.push_str("ENV B=$A40\nUSER app\n");
    let dir = tree(&[
        ("img/Dockerfile", df.as_str()),
        ("env/.env", env.as_str()),
        (
            "env/compose.yaml",
            "services:\n  app:\n    image: busybox:1\n    environment:\n      - B=${A40}\n",
        ),
    ]);
    let (o, v) = check(dir.path());
    assert_eq!(o.status.code(), Some(1));
    // A16 is 1 MiB; A17 is refused (line 19 of the Dockerfile, 18 of .env).
    assert_refused(&v, "syntax-error", "img/Dockerfile", 19, "1 MiB");
    assert_refused(&v, "compose-error", "env/.env", 18, "1 MiB");
}

/// Shell patterns on a large value: linear, or refused at the file's
/// bound; the old search was cubic (days at this size).
#[test]
fn shell_patterns_on_a_large_value() {
    let big = "a".repeat(500_000);
    let df = format!(
        "FROM alpine:3\nARG A={big}\nENV T=${{A##*b*}} S=${{A%%*b}} R=${{A//*b/x}}\nUSER app\n"
    );
    let dir = tree(&[("img/Dockerfile", df.as_str())]);
    let (o, v) = check(dir.path());
    assert_eq!(o.status.code(), Some(1));
    assert_refused(&v, "syntax-error", "img/Dockerfile", 3, "shell patterns");
}

/// Many lines of shell patterns on a large value share the file's bound in
/// every layer that expands them, not a fresh bound per line (300 global
/// ARGs took 108 s in the image-pinning rule, each with its own bound).
#[test]
fn shell_patterns_on_many_lines_share_one_bound() {
    let doubling: String = std::iter::once("ARG A0=xxxxxxxxxxxxxxxx\n".to_string())
        .chain((0..14).map(|i| format!("ARG A{}=${{A{i}}}${{A{i}}}\n", i + 1)))
        .collect();
    let patterns: String = (0..300)
        .map(|i| format!("ARG P{i}=${{A14//*x*y/z}}\n"))
        .collect();
    let globals = format!("{doubling}{patterns}FROM alpine:3\nUSER app\n");
    let envs: String = (0..300)
        .map(|i| format!("ENV P{i}=${{A14//*x*y/z}}\n"))
        .collect();
    let staged = format!("FROM alpine:3\n{doubling}{envs}RUN apt-get install -y curl\nUSER app\n");
    let dir = tree(&[
        ("globals/Dockerfile", globals.as_str()),
        ("staged/Dockerfile", staged.as_str()),
    ]);
    let (o, v) = check(dir.path());
    assert_eq!(o.status.code(), Some(1));
    assert_refused(
        &v,
        "syntax-error",
        "globals/Dockerfile",
        16,
        "shell patterns",
    );
    assert_refused(
        &v,
        "syntax-error",
        "staged/Dockerfile",
        17,
        "shell patterns",
    );
}

/// `extends` cycles across files (the depth guard was lost when a file was
/// loaded again: a stack overflow) and within one file (accepted with
/// exit 0): Compose's "Circular reference", where the cycle closes.
#[test]
fn extends_cycles() {
    let dir = tree(&[
        (
            "across/compose.yaml",
            "services:\n  web:\n    image: busybox:1\n    extends:\n      file: other.yaml\n      service: api\n",
        ),
        (
            "across/other.yaml",
            "services:\n  api:\n    image: busybox:1\n    extends:\n      file: compose.yaml\n      service: web\n",
        ),
        (
            "within/compose.yaml",
            "services:\n  web:\n    image: busybox:1\n    extends:\n      service: api\n  api:\n    extends:\n      service: web\n",
        ),
    ]);
    let (o, v) = check(dir.path());
    assert_eq!(o.status.code(), Some(1));
    assert_refused(
        &v,
        "compose-error",
        "across/other.yaml",
        6,
        "Circular reference: web in across/compose.yaml, extends api in across/other.yaml, extends web in across/compose.yaml",
    );
    assert_refused(
        &v,
        "compose-error",
        "within/compose.yaml",
        8,
        "Circular reference: web in within/compose.yaml, extends api in within/compose.yaml",
    );
}

/// A finding past column 65,535 made miette panic: the pretty format shows
/// it as its compact line; many findings on a long line print each its
/// line, not the long line again.
#[test]
fn pretty_rendering_of_findings_on_a_long_line() {
    let compose = format!(
        "services:\n  app:\n    image: busybox:1\n    environment: [{}A=\"q\"]\n",
        "X=1, ".repeat(14_000)
    );
    let dir = tree(&[("long/compose.yaml", compose.as_str())]);
    let o = run(dir.path(), "pretty");
    assert_eq!(
        o.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let out = String::from_utf8(o.stdout).unwrap();
    assert!(
        out.contains("long/compose.yaml:4:70021: error[quoted-value]"),
        "{}",
        &out[..out.len().min(2000)]
    );
    // 14,000 findings on that line: each one line, not the line of 70 kB.
    assert!(out.len() < 14_001 * 300, "{} bytes", out.len());
    assert!(out.contains("quoted-value"));
}

/// Many findings in one file: each snippet shows its own lines (they were
/// merged with a label at the end of the file, printing everything between:
/// 1.4 GB for 20,000 lines, quadratic in the file).
#[test]
fn pretty_rendering_of_many_findings_is_linear() {
    let env: String = (0..5_000).map(|i| format!("K{i}=\"v{i}\" x\n")).collect();
    let dir = tree(&[("many/.env", env.as_str())]);
    let o = run(dir.path(), "pretty");
    assert_eq!(o.status.code(), Some(1));
    let out = String::from_utf8(o.stdout).unwrap();
    let n = out.matches("duplicate-key").count();
    assert!(n >= 4_999, "{n}");
    // About 500 bytes a finding, however far its labels are (merged with
    // the last line, half of them printed 1,250 lines on average: 190 MB).
    assert!(out.len() < 10_000 * 1_000, "{} bytes", out.len());
}

/// One finding with hundreds of labels on one line (an unset `$V`
/// referenced 500 times in a value): each label drawn adds a row as wide as
/// the labels beside it, so the pretty output was quadratic (256 labels:
/// 170 KB, found by the `expansion` fuzz target). At most 16 are drawn.
#[test]
fn pretty_rendering_of_many_labels_on_one_line_is_bounded() {
    let value = "$V".repeat(500);
    let compose =
        format!("services:\n  app:\n    image: busybox:1\n    environment:\n      K: '{value}'\n");
    let dir = tree(&[("labels/compose.yaml", compose.as_str())]);
    let o = run(dir.path(), "pretty");
    assert_eq!(o.status.code(), Some(1));
    let out = String::from_utf8(o.stdout).unwrap();
    assert!(out.contains("more labelled places not drawn"), "{out}");
    assert!(out.len() < 40_000, "{} bytes", out.len());
}

/// A 7 MB bad line: the message quoting it is clipped, the output stays
/// far smaller than the input.
#[test]
fn output_is_bounded_by_the_findings_not_the_lines() {
    let line = format!("A=${{{}\n", "x".repeat(7_000_000));
    // A long line between two places of one finding (an unset variable
    // and "also empty here" four lines down): their snippets merge, and
    // printed it whole (found by the expansion fuzz target).
    let between = format!(
        "services:\n  app:\n    image: busybox:1\n    environment:\n      K0: '${{V0}}'\n      K1: x\n      K2: '{}'\n      K3: x\n      K4: '$V0'\n",
        "y".repeat(3_000_000)
    );
    let dir = tree(&[
        ("big/.env", line.as_str()),
        ("between/compose.yaml", between.as_str()),
    ]);
    for format in ["pretty", "compact", "json"] {
        let o = run(dir.path(), format);
        assert_eq!(o.status.code(), Some(1), "{format}");
        assert!(
            o.stdout.len() < 100_000,
            "{format}: {} bytes",
            o.stdout.len()
        );
    }
}

/// A scalar of 1 MB aliased 2,000 times would copy 2 GB: refused at the
/// alias past 16 MiB, within 2 GiB of address space.
#[test]
fn yaml_aliases_copying_many_bytes() {
    let mut text = format!(
        "x-big: &big \"{}\"\nservices:\n  app:\n    image: busybox:1\n    command:\n",
        "a".repeat(1_000_000)
    );
    for _ in 0..2_000 {
        text.push_str("      - *big\n");
    }
    let dir = tree(&[("bomb/compose.yaml", text.as_str())]);
    let (o, v) = check(dir.path());
    assert_eq!(o.status.code(), Some(1));
    assert_refused(&v, "syntax-error", "bomb/compose.yaml", 6 + 16, "16 MiB");
}

/// Sizes at which a quadratic path runs for minutes: each must answer.
#[test]
fn large_inputs_stay_linear() {
    let dup_yaml: String =
        std::iter::once("services:\n  app:\n    image: busybox:1\n    environment:\n".to_string())
            .chain((0..100_000).map(|i| format!("      - K={i}\n")))
            .collect();
    let dup_env: String = (0..100_000).map(|i| format!("K={i}\n")).collect();
    let lines_env: String = (0..100_000)
        .map(|i| format!("K{i}=${{K{}:-v}}\n", i / 2))
        .collect();
    let run_line = format!(
        "FROM alpine:3\nRUN {}true\nUSER app\n",
        "echo a && ".repeat(200_000)
    );
    let stages: String = (0..100_000)
        .map(|i| format!("FROM alpine:3 AS s{i}\n"))
        .collect::<String>()
        + "FROM s99999\nUSER app\n";
    // Each stage FROM the one before, with an ENV: a copy of the inherited
    // state per stage took 23 GB.
    let chain: String = std::iter::once("FROM alpine:3 AS s0\n".to_string())
        .chain((0..100_000).map(|i| format!("FROM s{i} AS s{}\nENV E{i}=v\n", i + 1)))
        .collect::<String>()
        + "USER app\n";

    // Global ARGs that a stage uses without declaring them again
    // (undefined-variable), each close to the next one's name.
    let vars: String = (0..20_000)
        .map(|i| format!("ARG V{i}=x\n"))
        .chain(std::iter::once("FROM alpine:3\nUSER app\n".to_string()))
        .chain((0..20_000).map(|i| format!("LABEL l{i}=$V{i}${{W{i}}}\n")))
        .collect();

    let dir = tree(&[
        ("vars/Dockerfile", vars.as_str()),
        ("dupyaml/compose.yaml", dup_yaml.as_str()),
        ("dupenv/.env", dup_env.as_str()),
        ("lines/.env", lines_env.as_str()),
        ("run/Dockerfile", run_line.as_str()),
        ("stages/Dockerfile", stages.as_str()),
        ("chain/Dockerfile", chain.as_str()),
    ]);
    let (o, v) = check(dir.path());
    assert_eq!(o.status.code(), Some(1));
    let n = findings(&v);
    assert_eq!(
        n.iter()
            .filter(|(r, f, _)| r == "undefined-variable" && f == "vars/Dockerfile")
            .count(),
        40_000
    );
    assert!(
        n.iter()
            .filter(|(r, f, _)| r == "duplicate-key" && f == "dupyaml/compose.yaml")
            .count()
            >= 99_999
    );
    assert!(
        n.iter()
            .filter(|(r, f, _)| r == "duplicate-key" && f == "dupenv/.env")
            .count()
            >= 99_999
    );
    assert_linted(&v);
}
/// The app's Python code by the 20,000, in four modules (each under the
/// 1 MiB a module is parsed up to): a chain of settings classes each
/// inheriting the one before and adding a field, 20,000 classes of one
/// name inheriting each other (a class found by name was looked up in a
/// walk over all classes), 20,000 instantiations and 20,000 reads of the
/// environment at import, run by 200 services of one image.
#[test]
fn many_settings_classes_stay_linear() {
    let mut modules: Vec<String> = (0..4)
        .map(|_| String::from("import os\nfrom pydantic_settings import BaseSettings\n"))
        .collect();
    modules[0].push_str("class S0(BaseSettings):\n    f0: str\n");
    for i in 1..20_000 {
        modules[i / 5_000].push_str(&format!("class S{i}(S{}):\n    f{i}: str\n", i - 1));
    }
    for i in 0..20_000 {
        modules[i / 5_000].push_str("class Settings(Settings, BaseSettings):\n    x: int\n");
    }
    for i in 0..20_000 {
        modules[i / 5_000].push_str(&format!("s{i} = S{i}()\nV{i} = os.environ['V{i}']\n"));
    }
    assert!(modules.iter().all(|m| m.len() < 1 << 20));
    let compose: String =
        std::iter::once("services:\n  app:\n    build: .\n    image: acme/app\n".to_string())
            .chain((0..200).map(|i| format!("  w{i}:\n    image: acme/app\n")))
            .collect();
    let dir = tree(&[
        ("compose.yaml", compose.as_str()),
        (
            "Dockerfile",
            "FROM python:3.12-slim\nCOPY . /app/\nUSER app\n",
        ),
        (".dockerignore", ".env\n"),
        ("app/config.py", modules[0].as_str()),
        ("app/config_b.py", modules[1].as_str()),
        ("app/config_c.py", modules[2].as_str()),
        ("app/config_d.py", modules[3].as_str()),
    ]);
    let (o, v) = check(dir.path());
    assert_eq!(o.status.code(), Some(1));
    let n = findings(&v);
    // Every read at import, once each, for all 201 services.
    assert_eq!(
        n.iter()
            .filter(|(r, f, _)| r == "app-setting-not-provided" && f.starts_with("app/config"))
            .count(),
        20_000 + 64
    );
    assert_linted(&v);
}

/// A settings module 600 blocks deep with a string inside aborted the
/// process in tree-sitter-python's scanner (an assertion in C, exit 134);
/// and an 8 MiB one took 170 times its size in memory. Neither is parsed
/// now; the rest is linted.
#[test]
fn python_tree_sitter_cannot_take_is_not_given_to_it() {
    let mut deep = String::from("import os\n");
    for i in 0..600 {
        deep.push_str(&" ".repeat(i));
        deep.push_str("if x:\n");
    }
    deep.push_str(&" ".repeat(600));
    deep.push_str("A = os.environ[\"a\"]\n");
    let big: String = std::iter::once("import os\n".to_string())
        .chain((0..200_000).map(|i| format!("S{i} = \"{}\"\n", "x".repeat(30))))
        .collect();
    let dir = tree(&[
        (
            "compose.yaml",
            "services:\n  app:\n    build: .\n  cache:\n    image: redis:latest\n",
        ),
        (
            "Dockerfile",
            "FROM python:3.12-slim\nCOPY . /app/\nUSER app\n",
        ),
        ("app/settings.py", deep.as_str()),
        ("app/config.py", big.as_str()),
    ]);
    let (o, v) = check(dir.path());
    assert_eq!(
        o.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(findings(&v).iter().any(|(r, _, _)| r == "unpinned-image"));
    assert_linted(&v);
}

/// Services by the 20,000: each depending on the next and reaching it by
/// name and a `localhost:PORT`, publishing a port, one of them building an
/// image; and 20,000 removed by `!reset` in an override. Every name was
/// looked up in a walk over all the services (11 s in a release build,
/// minutes in a debug one); each is modelled whole, not refused at the
/// allowance. (Apart from `large_inputs_stay_linear`: together they take
/// more than the 2 GiB these tests run in.)
#[test]
fn many_services_stay_linear() {
    let naming: String = std::iter::once("services:\n  built:\n    build: .\n".to_string())
        .chain((0..20_000).map(|i| {
            let next = (i + 1) % 20_000;
            format!(
                "  s{i}:\n    image: busybox:1\n    environment:\n      DB: postgres://u:p@s{next}:5432/x\n      URL: http://localhost:{}\n    depends_on: [s{next}]\n    ports: ['{}:80']\n",
                8000 + i % 1000,
                10000 + i % 50000
            )
        }))
        .collect();
    let reset: String = std::iter::once("services:\n".to_string())
        .chain((0..20_000).map(|i| format!("  s{i}: !reset {{}}\n")))
        .chain(std::iter::once(
            "  kept:\n    image: busybox:1\n    environment:\n      - A=\"quoted\"\n".to_string(),
        ))
        .collect();
    let dir = tree(&[
        ("naming/compose.yaml", naming.as_str()),
        ("naming/Dockerfile", "FROM alpine:3\nUSER app\n"),
        ("reset/compose.yaml", base_of(20_000).as_str()),
        ("reset/compose.override.yaml", reset.as_str()),
    ]);
    let (o, v) = check(dir.path());
    assert_eq!(o.status.code(), Some(1));
    assert!(findings(&v)
        .iter()
        .any(|(r, f, _)| r == "quoted-value" && f == "reset/compose.override.yaml"));
    assert_whole(&v, &["naming/", "reset/"]);
    assert_linted(&v);
}

/// Many documents in one file, each merged over the ones before as an
/// `-f` file is (one service growing by a key each time: merging it cost
/// what it held, and the index of the services was rebuilt per document);
/// past 1,000 documents the file is refused at our bound. And two files of
/// 20,000 keys each merged (each key of one was searched for in the other);
/// documents that each extend into another file of many documents.
#[test]
fn many_documents_stay_bounded() {
    let documents = |n: usize| -> String {
        std::iter::once("services:\n  a:\n    image: busybox:1\n".to_string())
            .chain((0..n).map(|i| {
                format!("---\nservices:\n  a:\n    environment:\n      K{i}: v\n  s{i}:\n    image: busybox:1\n")
            }))
            .chain(std::iter::once(
                "---\nservices:\n  kept:\n    image: busybox:1\n    environment:\n      - A=\"quoted\"\n".to_string(),
            ))
            .collect()
    };
    let keys = |n: usize, value: &str| -> String {
        std::iter::once("services:\n  a:\n    image: busybox:1\n    environment:\n".to_string())
            .chain((0..n).map(|i| format!("      K{i}: {value}\n")))
            .collect()
    };
    // 999 documents each extending into another file of 999 documents
    // (loaded once for the project, not once per document).
    let base: String = std::iter::once("services:\n  b:\n    image: busybox:1\n".to_string())
        .chain((0..999).map(|i| {
            format!("---\nservices:\n  b{i}:\n    image: busybox:1\n    environment: [K{i}=v]\n")
        }))
        .collect();
    let fan: String = std::iter::once(
        "services:\n  c:\n    extends: {file: base.yaml, service: b}\n".to_string(),
    )
    .chain((0..999).map(|i| {
        format!("---\nservices:\n  c{i}:\n    extends: {{file: base.yaml, service: b{i}}}\n")
    }))
    .collect();
    let dir = tree(&[
        ("fan/base.yaml", base),
        ("fan/compose.yaml", fan),
        ("within/compose.yaml", documents(998)),
        ("beyond/compose.yaml", documents(100_000)),
        ("keys/compose.yaml", keys(20_000, "base")),
        ("keys/compose.override.yaml", keys(20_000, "\"over\"")),
    ]);
    let (o, v) = check(dir.path());
    assert_eq!(o.status.code(), Some(1));
    let found = findings(&v);
    assert!(found
        .iter()
        .any(|(r, f, _)| r == "quoted-value" && f == "within/compose.yaml"));
    assert!(diagnostics(&v)
        .iter()
        .any(|(r, f, _, m)| r == "syntax-error"
            && f == "beyond/compose.yaml"
            && m.contains("1000 YAML documents")));
    assert_whole(&v, &["within/", "keys/", "fan/"]);
    assert_linted(&v);
}

/// 100,000 references to one unset variable (one finding, 100,000 labels:
/// masking its text looked at every label for each of them), 20,000 unset
/// names beside 20,000 set ones (each finding searched them all for a near
/// name), and 20,000 services merged with an override.
#[test]
fn many_references_stay_linear() {
    let unset: String =
        std::iter::once("services:\n  app:\n    image: busybox:1\n    environment:\n".to_string())
            .chain((0..100_000).map(|i| format!("      - K{i}=${{UNSET}}\n")))
            .chain((0..20_000).map(|i| format!("      - M{i}=${{U{i:05}}}\n")))
            .collect();
    let set: String = (0..20_000).map(|i| format!("S{i:05}=1\n")).collect();
    let over: String = std::iter::once("services:\n".to_string())
        .chain((0..20_000).map(|i| format!("  s{i}:\n    environment:\n      B: \"2\"\n")))
        .collect();
    let dir = tree(&[
        ("unset/compose.yaml", unset.as_str()),
        ("unset/.env", set.as_str()),
        ("merged/compose.yaml", base_of(20_000).as_str()),
        ("merged/compose.override.yaml", over.as_str()),
    ]);
    let (_, v) = check(dir.path());
    assert!(findings(&v)
        .iter()
        .any(|(r, f, _)| r == "unset-variable" && f == "unset/compose.yaml"));
    assert_whole(&v, &["unset/", "merged/"]);
    assert_linted(&v);
}

/// `n` services with an image and one variable each.
fn base_of(n: usize) -> String {
    std::iter::once("services:\n".to_string())
        .chain(
            (0..n).map(|i| {
                format!("  s{i}:\n    image: busybox:1\n    environment:\n      A: \"1\"\n")
            }),
        )
        .collect()
}

/// No project under `folders` was refused at the allowance.
#[track_caller]
fn assert_whole(v: &serde_json::Value, folders: &[&str]) {
    let refused: Vec<_> = diagnostics(v)
        .into_iter()
        .filter(|(r, f, _, _)| r == "compose-error" && folders.iter().any(|d| f.starts_with(d)))
        .take(3)
        .collect();
    assert!(refused.is_empty(), "{refused:?}");
}

/// An env_file of 100,000 lines, and a `.env` of 100,000 lines no compose
/// file references (each one an `env-only-in-dotenv` finding): each line is
/// looked up once (a scan per line made these quadratic: 8 s at 40,000
/// lines in release).
#[test]
fn large_env_files_stay_linear() {
    let env_file: String = (0..100_000).map(|i| format!("K{i}=v{i}\n")).collect();
    let dir = tree(&[
        (
            "envfile/compose.yaml",
            "services:\n  app:\n    image: busybox:1\n    env_file: big.env\n",
        ),
        ("envfile/big.env", env_file.as_str()),
        (
            "dotenv/compose.yaml",
            "services:\n  app:\n    image: busybox:1\n    environment:\n      A: ${K1}\n",
        ),
        ("dotenv/.env", env_file.as_str()),
    ]);
    let (o, v) = check(dir.path());
    assert_eq!(o.status.code(), Some(1));
    let unused = findings(&v)
        .iter()
        .filter(|(r, f, _)| r == "env-only-in-dotenv" && f == "dotenv/.env")
        .count();
    assert_eq!(unused, 99_999);
    assert_linted(&v);
}

/// A few kilobytes that copy one large value many times, in every way the
/// model copies values: many references in a compose file, in `.env`, in
/// an env_file read by many services; a large env_file read by many
/// services; a Dockerfile built by many services; a large service that
/// many `extends` or `include:` copy. Each took gigabytes (aborted under
/// 4 GiB); each now stops at the project's allowance (64 MiB), says so
/// once, in its own project, and costs the others nothing; once it is
/// spent, nothing more is evaluated. Projects that share one large
/// env_file each fit their own allowance, not all the run's (256 MiB):
/// some are refused, and the healthy one is still linted.
#[test]
fn many_copies_of_large_values() {
    // A15 is 512 KiB.
    let doubling: String = std::iter::once("A0=xxxxxxxxxxxxxxxx\n".to_string())
        .chain((0..15).map(|i| format!("A{}=${{A{i}}}${{A{i}}}\n", i + 1)))
        .collect();
    let services = |n: usize, body: &str| -> String {
        let mut s = String::from("services:\n");
        for i in 0..n {
            s.push_str(&format!("  s{i}:\n{body}"));
        }
        s
    };
    let big_environment: String = (0..2_000)
        .map(|i| format!("      K{i}: {}\n", "v".repeat(1_000)))
        .collect();
    let mut refs = String::from("services:\n  app:\n    image: busybox:1\n    environment:\n");
    for n in 0..300 {
        refs.push_str(&format!("      K{n}: ${{A15}}${{A15}}\n"));
    }
    let dotenv_refs = format!(
        "{doubling}{}",
        (0..300)
            .map(|n| format!("K{n}=${{A15}}\n"))
            .collect::<String>()
    );
    let env_file_refs: String = (0..30).map(|n| format!("K{n}=${{A15}}\n")).collect();
    let large_env_file: String = (0..2_000)
        .map(|i| format!("K{i}={}\n", "v".repeat(1_000)))
        .collect();
    let dockerfile = format!(
        "FROM alpine:3\nARG S\n{}{}USER app\n",
        doubling
            .lines()
            .map(|l| format!("ARG {l}\n"))
            .collect::<String>(),
        (0..20)
            .map(|j| format!("ENV B{j}=${{A15}}${{A15}}\n"))
            .collect::<String>()
    );
    let base = format!("  base:\n    image: busybox:1\n    environment:\n{big_environment}");
    let extended = format!(
        "services:\n{base}{}",
        (0..500)
            .map(|i| format!("  s{i}:\n    extends: base\n"))
            .collect::<String>()
    );
    let included: String = std::iter::once("include:\n".to_string())
        .chain((0..500).map(|i| format!("  - path: big.yaml\n    project_directory: d{i}\n")))
        .collect();
    // The allowance spent by interpolating an included file: what comes
    // after (an env_file of 100,000 references to a 1 MiB value) must not
    // be evaluated at all.
    let one_mib = format!("B={}\n", "b".repeat(1 << 20));
    let big_refs: String =
        std::iter::once("services:\n  big:\n    image: busybox:1\n    environment:\n".to_string())
            .chain((0..40).map(|n| format!("      K{n}: ${{B}}\n")))
            .collect();
    let lines_env: String = (0..100_000).map(|n| format!("X{n}=${{B}}\n")).collect();
    let mut files: Vec<(String, String)> = vec![
        ("h-after-exhaustion/.env".into(), one_mib),
        ("h-after-exhaustion/big.yml".into(), big_refs),
        ("h-after-exhaustion/lines.env".into(), lines_env),
        (
            "h-after-exhaustion/compose.yaml".into(),
            "include: [big.yml]\nservices:\n  a:\n    image: busybox:1\n    env_file: lines.env\n"
                .into(),
        ),
        // One 1 MiB env_file shared by 200 projects of 16 services: each
        // fits its own allowance, not all of them the run's.
        (
            "i-shared/big.env".into(),
            format!("K={}\n", "k".repeat(1 << 20)),
        ),
    ];
    for p in 0..200 {
        files.push((
            format!("i-shared/p{p:03}/compose.yaml"),
            services(16, "    image: busybox:1\n    env_file: ../big.env\n"),
        ));
    }
    let files: Vec<(&str, String)> = files
        .iter()
        .map(|(a, b)| (a.as_str(), b.clone()))
        .chain(vec![
            ("a-refs/.env", doubling.clone()),
            ("a-refs/compose.yaml", refs),
            ("b-dotenv/.env", dotenv_refs),
            (
                "b-dotenv/compose.yaml",
                "services:\n  app:\n    image: busybox:1\n".into(),
            ),
            ("c-env-file/.env", doubling.clone()),
            ("c-env-file/e.env", env_file_refs),
            (
                "c-env-file/compose.yaml",
                services(200, "    image: busybox:1\n    env_file: e.env\n"),
            ),
            ("d-large-env-file/big.env", large_env_file),
            (
                "d-large-env-file/compose.yaml",
                services(200, "    image: busybox:1\n    env_file: big.env\n"),
            ),
            ("e-dockerfile/Dockerfile", dockerfile),
            (
                "e-dockerfile/compose.yaml",
                services(
                    50,
                    "    build:\n      context: .\n      args:\n        S: x\n",
                ),
            ),
            ("f-extends/compose.yaml", extended),
            ("g-include/big.yaml", format!("services:\n{base}")),
            ("g-include/compose.yaml", included),
        ])
        .collect();
    let dir = tree(&files);
    let (o, v) = check(dir.path());
    assert_eq!(o.status.code(), Some(1));
    let d = diagnostics(&v);
    for project in [
        "a-refs/",
        "b-dotenv/",
        "c-env-file/",
        "d-large-env-file/",
        "e-dockerfile/",
        "f-extends/",
        "g-include/",
        "h-after-exhaustion/",
    ] {
        let said: Vec<_> = d
            .iter()
            .filter(|(r, f, _, m)| {
                r == "compose-error" && f.starts_with(project) && m.contains("64 MiB")
            })
            .collect();
        assert_eq!(said.len(), 1, "{project}: {d:?}");
        // Nothing else is said of a project that is not modelled whole.
        assert!(
            d.iter().all(|(r, f, _, _)| !f.starts_with(project)
                || r == "compose-error"
                || r == "syntax-error"),
            "{project}: {d:?}"
        );
    }
    // Some of the projects that share the env_file are refused: the
    // run's allowance grew by that file once, not once per project.
    assert!(
        d.iter().any(|(r, f, _, m)| r == "compose-error"
            && f.starts_with("i-shared/")
            && m.contains("64 MiB")),
        "{:?}",
        d.iter()
            .filter(|x| x.1.starts_with("i-shared/"))
            .take(3)
            .collect::<Vec<_>>()
    );
    assert_linted(&v);
}

/// A compose file that does not parse is read line by line for the
/// values of secret keys (issue 19): a flow collection 100,000 deep on one
/// line (each piece used to run to the end of the line), 50,000 aliases
/// of secret keys and their anchors on one line, 20,000 explicit secret
/// keys, values quoted over many lines and unclosed quotes.
#[test]
fn an_unparsable_compose_file_is_scanned_in_linear_time() {
    let mut text = String::from("services:\n  app:\n    environment:\n");
    for i in 0..50_000 {
        text.push_str(&format!("      PASSWORD{i}: *a{i}\n"));
    }
    text.push_str("x-anchors: ");
    for i in 0..50_000 {
        text.push_str(&format!("&a{i} \"v, "));
    }
    text.push('\n');
    text.push_str("x-bare: ");
    for i in 0..50_000 {
        text.push_str(&format!("&a{i} "));
    }
    text.push('\n');
    // One anchor many times on a line that ends in many blanks (each
    // anchor trimmed the line's end once).
    text.push_str(&format!(
        "x-same: {}{}\n",
        "&a0 ".repeat(20_000),
        " ".repeat(200_000)
    ));
    text.push_str(&"   continued\n".repeat(50_000));
    text.push_str(&"? API_TOKEN\n".repeat(20_000));
    text.push_str(&"{PASSWORD: \"a, ".repeat(20_000));
    text.push_str(&format!(
        "\nflow: {}{}\n",
        "[".repeat(100_000),
        "]".repeat(100_000)
    ));
    text.push_str("SECRET_KEY: '\n- ]\n");
    let dir = tree(&[
        ("bad/compose.yaml", text),
        ("good/.env", "A=1\n".to_string()),
    ]);
    let (_, v) = check(dir.path());
    assert!(
        diagnostics(&v)
            .iter()
            .any(|(r, f, _, _)| r == "syntax-error" && f == "bad/compose.yaml"),
        "{:?}",
        diagnostics(&v)
    );
    assert_linted(&v);
}

/// Many findings on one long line: their columns, fingerprints (SARIF,
/// GitLab, baselines) and masks are computed per line once, not per
/// finding (100,000 undefined variables on one LABEL line ran for
/// minutes with `--write-baseline`).
#[test]
fn many_findings_on_one_line_stay_linear() {
    let line: String = (0..50_000).map(|i| format!(" l{i}=$V{i}")).collect();
    let df = format!("FROM alpine:3\nUSER app\nLABEL{line}\n");
    let dir = tree(&[("one/Dockerfile", df.as_str())]);
    for format in ["json", "sarif", "gitlab"] {
        let o = run(dir.path(), format);
        assert_eq!(o.status.code(), Some(1), "{format}");
    }
    let o = command_in("bash", dir.path())
        .arg("-c")
        .arg(format!(
            "exec timeout {HANG} \"$0\" check . --no-config --write-baseline base.json"
        ))
        .arg(BIN)
        .output()
        .expect("run mppeep-lint");
    assert_ne!(o.status.code(), Some(124), "no answer within {HANG} s");
    let base = std::fs::read_to_string(dir.path().join("base.json")).expect("baseline written");
    assert!(base.matches("undefined-variable").count() >= 50_000);
}
