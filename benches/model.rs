//! In-process timings: each parser on the seed project's files, and the whole
//! pipeline (discovery, parsing, model, every rule) on the seed project, on
//! a Dockerfile of 16,000 `ENV` lines and on a compose command of 20,000
//! interpolated words.
//! Whole-process comparisons with other tools: scripts/bench.sh.

use std::collections::BTreeMap;
use std::hint::black_box;
use std::path::{Path, PathBuf};

use criterion::{criterion_group, criterion_main, Criterion};
use mppeep_lint::syntax::{compose, dockerfile, dotenv};
use mppeep_lint::{load_workspace, run, Context, DiskFs, SecretPolicy, Settings, WorkspaceOptions};

fn seed() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/mppeep-broken")
}

fn read(name: &str) -> String {
    std::fs::read_to_string(seed().join(name)).expect("fixture")
}

fn parsers(c: &mut Criterion) {
    let env = read(".env");
    let yml = read("docker-compose.prod.yml");
    let df = read("Dockerfile.prod");
    c.bench_function("parse .env", |b| b.iter(|| dotenv::parse(black_box(&env))));
    c.bench_function("parse compose", |b| {
        b.iter(|| compose::parse(black_box(&yml)))
    });
    c.bench_function("parse Dockerfile", |b| {
        b.iter(|| dockerfile::parse(black_box(&df)))
    });
}

fn whole(c: &mut Criterion) {
    let dir = seed();
    let opts = WorkspaceOptions {
        paths: vec![dir.clone()],
        process_env: BTreeMap::new(),
        ..Default::default()
    };
    let policy = SecretPolicy::default();
    c.bench_function("seed project: model + every rule", |b| {
        b.iter(|| {
            let ws = load_workspace(&DiskFs, &dir, &opts);
            let ctx = Context::new(&ws, &policy);
            black_box(run(&ctx, &Settings::default()))
        })
    });
}

/// A Dockerfile of 16,000 `ENV` lines, built by a service, through the
/// model and every rule: linear in the file's size (it took 21 s when each
/// instruction rebuilt the stage's environment).
fn many_env_lines(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temporary folder");
    let mut df = String::from("FROM python:3.12-slim\n");
    for i in 0..16_000 {
        df.push_str(&format!("ENV V{i}=value{i}\n"));
    }
    df.push_str("RUN apt-get update && apt-get install -y gcc\nUSER app\nCMD [\"python\"]\n");
    std::fs::write(dir.path().join("Dockerfile"), df).expect("write");
    std::fs::write(
        dir.path().join("compose.yaml"),
        "services:\n  app:\n    build: .\n",
    )
    .expect("write");
    let opts = WorkspaceOptions {
        paths: vec![dir.path().to_path_buf()],
        process_env: BTreeMap::new(),
        ..Default::default()
    };
    let policy = SecretPolicy::default();
    let mut group = c.benchmark_group("large inputs");
    group.sample_size(10);
    group.bench_function("Dockerfile of 16,000 ENV lines: model + every rule", |b| {
        b.iter(|| {
            let ws = load_workspace(&DiskFs, dir.path(), &opts);
            let ctx = Context::new(&ws, &policy);
            black_box(run(&ctx, &Settings::default()))
        })
    });
    // A `command:` of 20,000 `${A:-x}` words: each word is located through
    // the value's map by a binary search over its 40,000 pieces (a linear
    // scan made this quadratic: 12.6 s in a debug build).
    let many = tempfile::tempdir().expect("temporary folder");
    let words = "${A:-x} ".repeat(20_000);
    std::fs::write(
        many.path().join("compose.yaml"),
        format!(
            "services:\n  app:\n    image: python:3.12-slim\n    command: uvicorn m:a {words}--host 127.0.0.1\n"
        ),
    )
    .expect("write");
    let many_opts = WorkspaceOptions {
        paths: vec![many.path().to_path_buf()],
        process_env: BTreeMap::new(),
        ..Default::default()
    };
    group.bench_function(
        "compose command of 20,000 ${A:-x} words: model + every rule",
        |b| {
            b.iter(|| {
                let ws = load_workspace(&DiskFs, many.path(), &many_opts);
                let ctx = Context::new(&ws, &policy);
                black_box(run(&ctx, &Settings::default()))
            })
        },
    );
    group.finish();
}

/// Issue 19's hostile sizes (tests/hostile_abort.rs builds the same), each
/// a project of its own through the model and every rule: 100,000
/// duplicate keys (compose list, `.env`), a `.env` of 100,000 lines of
/// references, a RUN line of 200,000 commands, 100,000 stages (apart and
/// chained), 20,000 services naming each other and 20,000 merged with an
/// override (each name was looked up in a walk over all the services), a
/// doubling chain and 25,000 nested references refused at their bounds,
/// and many references to one large value refused at the project's
/// allowance.
fn hostile_sizes(c: &mut Criterion) {
    let cases: Vec<(&str, Vec<(&str, String)>)> = vec![
        (
            "100,000 duplicate keys in a compose list",
            vec![(
                "compose.yaml",
                std::iter::once(
                    "services:\n  app:\n    image: busybox:1\n    environment:\n".to_string(),
                )
                .chain((0..100_000).map(|i| format!("      - K={i}\n")))
                .collect(),
            )],
        ),
        (
            "100,000 duplicate keys in a .env",
            vec![(".env", (0..100_000).map(|i| format!("K={i}\n")).collect())],
        ),
        (
            ".env of 100,000 lines of references",
            vec![(
                ".env",
                (0..100_000)
                    .map(|i| format!("K{i}=${{K{}:-v}}\n", i / 2))
                    .collect(),
            )],
        ),
        (
            "RUN line of 200,000 commands",
            vec![(
                "Dockerfile",
                format!(
                    "FROM alpine:3\nRUN {}true\nUSER app\n",
                    "echo a && ".repeat(200_000)
                ),
            )],
        ),
        (
            "100,000 stages",
            vec![(
                "Dockerfile",
                (0..100_000)
                    .map(|i| format!("FROM alpine:3 AS s{i}\n"))
                    .collect::<String>()
                    + "USER app\n",
            )],
        ),
        (
            "100,000 chained stages, an ENV each",
            vec![(
                "Dockerfile",
                std::iter::once("FROM alpine:3 AS s0\n".to_string())
                    .chain((0..100_000).map(|i| format!("FROM s{i} AS s{}\nENV E{i}=v\n", i + 1)))
                    .collect::<String>()
                    + "USER app\n",
            )],
        ),
        (
            "doubling chain and 25,000 nested references",
            vec![
                (
                    ".env",
                    std::iter::once("A0=xxxxxxxxxxxxxxxx\n".to_string())
                        .chain((0..40).map(|i| format!("A{}=${{A{i}}}${{A{i}}}\n", i + 1)))
                        .chain(std::iter::once(format!(
                            "N={}x{}\n",
                            "${V:-".repeat(25_000),
                            "}".repeat(25_000)
                        )))
                        .collect(),
                ),
                (
                    "compose.yaml",
                    "services:\n  app:\n    image: busybox:1\n    environment:\n      - B=${A40}\n"
                        .to_string(),
                ),
            ],
        ),
        (
            "20,000 services naming each other (depends_on, hosts, localhost:PORT)",
            vec![("compose.yaml", services_naming_each_other(20_000))],
        ),
        (
            "100,000 references to one unset variable, 20,000 unset names beside 20,000 set",
            vec![
                (
                    "compose.yaml",
                    std::iter::once(
                        "services:\n  app:\n    image: busybox:1\n    environment:\n".to_string(),
                    )
                    .chain((0..100_000).map(|i| format!("      - K{i}=${{UNSET}}\n")))
                    .chain((0..20_000).map(|i| format!("      - M{i}=${{U{i:05}}}\n")))
                    .collect(),
                ),
                (
                    ".env",
                    (0..20_000).map(|i| format!("S{i:05}=1\n")).collect(),
                ),
            ],
        ),
        (
            "20,000 services in a file and its override",
            vec![
                (
                    "compose.yaml",
                    std::iter::once("services:\n".to_string())
                        .chain((0..20_000).map(|i| {
                            format!(
                                "  s{i}:\n    image: busybox:1\n    environment:\n      A: \"1\"\n"
                            )
                        }))
                        .collect(),
                ),
                (
                    "compose.override.yaml",
                    std::iter::once("services:\n".to_string())
                        .chain(
                            (0..20_000)
                                .map(|i| format!("  s{i}:\n    environment:\n      B: \"2\"\n")),
                        )
                        .collect(),
                ),
            ],
        ),
        (
            "300 references to a 512 KiB value, refused at the project's allowance",
            vec![
                (
                    ".env",
                    std::iter::once("A0=xxxxxxxxxxxxxxxx\n".to_string())
                        .chain((0..15).map(|i| format!("A{}=${{A{i}}}${{A{i}}}\n", i + 1)))
                        .collect(),
                ),
                (
                    "compose.yaml",
                    std::iter::once(
                        "services:\n  app:\n    image: busybox:1\n    environment:\n".to_string(),
                    )
                    .chain((0..300).map(|n| format!("      K{n}: ${{A15}}${{A15}}\n")))
                    .collect(),
                ),
            ],
        ),
    ];
    let policy = SecretPolicy::default();
    let mut group = c.benchmark_group("hostile sizes");
    group.sample_size(10);
    for (name, files) in cases {
        let dir = tempfile::tempdir().expect("temporary folder");
        for (file, text) in &files {
            std::fs::write(dir.path().join(file), text).expect("write");
        }
        let opts = WorkspaceOptions {
            paths: vec![dir.path().to_path_buf()],
            process_env: BTreeMap::new(),
            ..Default::default()
        };
        group.bench_function(name, |b| {
            b.iter(|| {
                let ws = load_workspace(&DiskFs, dir.path(), &opts);
                let ctx = Context::new(&ws, &policy);
                black_box(run(&ctx, &Settings::default()))
            })
        });
    }
    group.finish();
}

/// `n` services, each depending on the next, reaching it by name and a
/// `localhost:PORT` and publishing a port (tests/hostile_abort.rs builds
/// the same).
fn services_naming_each_other(n: usize) -> String {
    std::iter::once("services:\n".to_string())
        .chain((0..n).map(|i| {
            let next = (i + 1) % n;
            format!(
                "  s{i}:\n    image: busybox:1\n    environment:\n      DB: postgres://u:p@s{next}:5432/x\n      URL: http://localhost:{}\n    depends_on: [s{next}]\n    ports: ['{}:80']\n",
                8000 + i % 1000,
                10000 + i % 50000
            )
        }))
        .collect()
}

criterion_group!(benches, parsers, whole, many_env_lines, hostile_sizes);
criterion_main!(benches);
