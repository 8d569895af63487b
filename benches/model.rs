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

criterion_group!(benches, parsers, whole, many_env_lines);
criterion_main!(benches);
