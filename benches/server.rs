//! The language server in process: what a keystroke costs — the change
//! applied to the buffer, the project linted again over the unsaved buffers
//! (the changed file re-parsed, the others' parses kept), its diagnostics
//! converted and published — on the seed project and on a generated
//! project of 200 services. The debounce the server waits before linting
//! (`server::DEBOUNCE`) is not part of it. Results: BENCHMARKS.md.

use std::hint::black_box;
use std::path::Path;

use criterion::{criterion_group, criterion_main, Criterion};
use lsp_server::{Message, Notification, Request, RequestId};
use mppeep_lint::cli::server::Server;
use serde_json::json;

fn uri(path: &Path) -> String {
    lsp_types::Url::from_file_path(path)
        .expect("absolute path")
        .to_string()
}

/// A server on `root` with `file` open: initialized, and linted once.
fn started(root: &Path, file: &Path) -> Server<std::io::Sink> {
    let mut server = Server::new(std::io::sink());
    server.message(Message::Request(Request::new(
        RequestId::from(1),
        "initialize".into(),
        json!({"capabilities": {}, "rootUri": uri(root)}),
    )));
    server.message(Message::Notification(Notification::new(
        "initialized".into(),
        json!({}),
    )));
    let text = std::fs::read_to_string(file).expect("file");
    server.message(Message::Notification(Notification::new(
        "textDocument/didOpen".into(),
        json!({"textDocument": {"uri": uri(file), "languageId": "", "version": 1, "text": text}}),
    )));
    server.lint_dirty();
    server
}

/// Types one character at the end of `file`'s line `line` (0-based), then
/// deletes it: two keystrokes, each linted as the server lints after a
/// pause.
fn keystrokes(server: &mut Server<std::io::Sink>, file: &Path, line: u32, version: &mut i32) {
    let text = std::fs::read_to_string(file).expect("file");
    let end = text
        .lines()
        .nth(line as usize)
        .map_or(0, |l| l.encode_utf16().count()) as u32;
    let at = |c: u32| json!({"line": line, "character": c});
    for (text, range) in [
        ("x", json!({"start": at(end), "end": at(end)})),
        ("", json!({"start": at(end), "end": at(end + 1)})),
    ] {
        *version += 1;
        server.message(Message::Notification(Notification::new(
            "textDocument/didChange".into(),
            json!({
                "textDocument": {"uri": uri(file), "version": *version},
                "contentChanges": [{"range": range, "text": text}],
            }),
        )));
        server.lint_dirty();
    }
}

fn seed(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temporary folder");
    mppeep_lint::testing::copy_tree(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/mppeep-broken"),
        dir.path(),
    )
    .expect("copy the seed project");
    let env = dir.path().join(".env");
    let mut server = started(dir.path(), &env);
    let mut version = 1;
    c.bench_function("server: keystroke in the seed project's .env (x2)", |b| {
        b.iter(|| keystrokes(black_box(&mut server), &env, 0, &mut version))
    });
}

/// 200 services reading a shared `.env` of 400 variables, built from 20
/// Dockerfiles, each with a healthcheck, `depends_on` and five
/// interpolated variables.
fn generated(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temporary folder");
    let root = dir.path();
    let mut env = String::new();
    for i in 0..400 {
        env.push_str(&format!("VAR_{i}=value-{i}\n"));
    }
    std::fs::write(root.join(".env"), &env).expect("write");
    for d in 0..20 {
        let folder = root.join(format!("svc{d}"));
        std::fs::create_dir_all(&folder).expect("folder");
        std::fs::write(
            folder.join("Dockerfile"),
            format!(
                "FROM python:3.12-slim AS base\nARG VERSION=1.{d}\nENV APP_VERSION=$VERSION\nWORKDIR /app\nCOPY . .\nUSER 1000\nHEALTHCHECK CMD [\"python\", \"-c\", \"print(1)\"]\nCMD [\"python\", \"main.py\"]\n"
            ),
        )
        .expect("write");
    }
    let mut yml = String::from("services:\n");
    for s in 0..200 {
        yml.push_str(&format!(
            "  service{s}:\n    build:\n      context: ./svc{}\n",
            s % 20
        ));
        yml.push_str("    environment:\n");
        for k in 0..5 {
            let v = (s * 5 + k) % 400;
            yml.push_str(&format!("      KEY_{k}: ${{VAR_{v}}}\n"));
        }
        if s > 0 {
            yml.push_str(&format!(
                "    depends_on:\n      service{}:\n        condition: service_healthy\n",
                s - 1
            ));
        }
        yml.push_str("    healthcheck:\n      test: [\"CMD\", \"true\"]\n");
    }
    std::fs::write(root.join("compose.yaml"), &yml).expect("write");
    let env_path = root.join(".env");
    let mut server = started(root, &env_path);
    let mut version = 1;
    c.bench_function(
        "server: keystroke in a 200-service project's .env (x2)",
        |b| b.iter(|| keystrokes(black_box(&mut server), &env_path, 7, &mut version)),
    );
    let compose = root.join("compose.yaml");
    let mut server = started(root, &compose);
    let mut version = 1;
    c.bench_function(
        "server: keystroke in a 200-service project's compose file (x2)",
        |b| b.iter(|| keystrokes(black_box(&mut server), &compose, 5, &mut version)),
    );
}

criterion_group!(benches, seed, generated);
criterion_main!(benches);
