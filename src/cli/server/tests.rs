//! The server in process: what a change costs (the parses kept), what is
//! kept while documents are open, and what closing them gives back.

use std::path::Path;

use lsp_server::{Message, Notification, Request, RequestId};
use serde_json::json;

use super::Server;

fn uri(path: &Path) -> String {
    lsp_types::Url::from_file_path(path).unwrap().to_string()
}

fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::write(
        root.join(".env"),
        "DATABASE_URL=postgresql://app@db:5432/app\n",
    )
    .unwrap();
    std::fs::write(
        root.join("compose.yaml"),
        "services:\n  app:\n    build: .\n    environment:\n      DATABASE_URL: ${DATABASE_URL}\n  db:\n    image: postgres:16\n",
    )
    .unwrap();
    std::fs::write(
        root.join("Dockerfile"),
        "FROM python:3.12-slim\nCMD [\"python\"]\n",
    )
    .unwrap();
    dir
}

fn started(root: &Path) -> Server<Vec<u8>> {
    let mut s = Server::new(Vec::new());
    s.message(Message::Request(Request::new(
        RequestId::from(1),
        "initialize".into(),
        json!({"capabilities": {}, "rootUri": uri(root)}),
    )));
    s
}

fn open(s: &mut Server<Vec<u8>>, path: &Path) {
    let text = std::fs::read_to_string(path).unwrap();
    s.message(Message::Notification(Notification::new(
        "textDocument/didOpen".into(),
        json!({"textDocument": {"uri": uri(path), "languageId": "", "version": 1, "text": text}}),
    )));
}

fn change(s: &mut Server<Vec<u8>>, path: &Path, version: i32, text: &str) {
    s.message(Message::Notification(Notification::new(
        "textDocument/didChange".into(),
        json!({"textDocument": {"uri": uri(path), "version": version}, "contentChanges": [{"text": text}]}),
    )));
}

/// The diagnostics last published for `path`, as (rule, message).
fn published(s: &Server<Vec<u8>>, path: &Path) -> Option<Vec<String>> {
    let out = String::from_utf8_lossy(&s.out);
    let target = uri(path);
    let mut last = None;
    for body in out
        .split("Content-Length: ")
        .filter_map(|f| f.split_once("\r\n\r\n"))
    {
        let v: serde_json::Value = serde_json::from_str(body.1).unwrap();
        if v["method"] == "textDocument/publishDiagnostics" && v["params"]["uri"] == target {
            last = Some(
                v["params"]["diagnostics"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|d| d["code"].as_str().unwrap().to_string())
                    .collect(),
            );
        }
    }
    last
}

#[test]
fn a_change_parses_the_changed_file_only() {
    let dir = project();
    let root = dir.path();
    let mut s = started(root);
    let env = root.join(".env");
    open(&mut s, &env);
    s.lint_dirty();
    let cache = s.folders.values().next().unwrap().cache.clone();
    let first = cache.parses();
    // `.env`, the compose file, the Dockerfile.
    assert_eq!(first, 3, "each file parsed once");
    change(
        &mut s,
        &env,
        2,
        "DATABASE_URL=postgresql://app@localhost:5432/app\n",
    );
    s.lint_dirty();
    assert_eq!(
        cache.parses(),
        first + 1,
        "only the changed .env parsed again"
    );
    assert!(published(&s, &env)
        .unwrap()
        .contains(&"localhost-in-container".to_string()));
    // Nothing changed: nothing parsed, nothing published again.
    let before = s.out.len();
    s.touch(&env);
    s.lint_dirty();
    assert_eq!(cache.parses(), first + 1);
    assert_eq!(
        s.out.len(),
        before,
        "the same diagnostics are not sent again"
    );
}

#[test]
fn typing_is_linted_once_it_pauses_and_a_request_does_not_wait() {
    let dir = project();
    let root = dir.path();
    let mut s = started(root);
    let env = root.join(".env");
    open(&mut s, &env);
    assert!(s.pending.is_some(), "the open waits for the pause");
    assert!(!String::from_utf8_lossy(&s.out).contains("publishDiagnostics"));
    // A request that reads the model lints first.
    s.message(Message::Request(Request::new(
        RequestId::from(2),
        "textDocument/hover".into(),
        json!({"textDocument": {"uri": uri(&env)}, "position": {"line": 0, "character": 1}}),
    )));
    assert!(s.pending.is_none());
    let out = String::from_utf8_lossy(&s.out);
    let publish = out.find("publishDiagnostics").unwrap();
    let answer = out.find("\"id\":2").unwrap();
    assert!(publish < answer, "linted, and published, before the answer");
}

#[test]
fn closing_the_last_document_of_a_folder_gives_its_memory_back() {
    let dir = project();
    let root = dir.path();
    let mut s = started(root);
    let env = root.join(".env");
    let compose = root.join("compose.yaml");
    open(&mut s, &env);
    open(&mut s, &compose);
    change(
        &mut s,
        &env,
        2,
        "DATABASE_URL=postgresql://app@localhost:5432/app\n",
    );
    s.lint_dirty();
    assert_eq!(s.folders.len(), 1);
    let close = |s: &mut Server<Vec<u8>>, p: &Path| {
        s.message(Message::Notification(Notification::new(
            "textDocument/didClose".into(),
            json!({"textDocument": {"uri": uri(p)}}),
        )));
    };
    close(&mut s, &env);
    s.lint_dirty();
    // The `.env` is read from the disk again: no `localhost` there.
    assert_eq!(s.folders.len(), 1);
    assert!(!published(&s, &env)
        .unwrap_or_default()
        .contains(&"localhost-in-container".to_string()));
    close(&mut s, &compose);
    assert!(s.folders.is_empty(), "nothing open: nothing kept");
    assert!(s.docs.is_empty());
}

#[test]
fn a_file_outside_the_workspace_folders_is_linted_in_its_project() {
    let dir = project();
    let other = tempfile::tempdir().unwrap();
    let mut s = started(other.path());
    let env = dir.path().join(".env");
    open(&mut s, &env);
    s.lint_dirty();
    let folder = s.folders.keys().next().unwrap().clone();
    assert_eq!(folder, crate::fs::normalize(dir.path()));
}

#[test]
fn files_changed_on_disk_are_watched_and_linted_again() {
    let dir = project();
    let root = dir.path();
    let mut s = Server::new(Vec::new());
    s.message(Message::Request(Request::new(
        RequestId::from(1),
        "initialize".into(),
        json!({
            "capabilities": {"workspace": {"didChangeWatchedFiles": {"dynamicRegistration": true}}},
            "rootUri": uri(root),
        }),
    )));
    s.message(Message::Notification(Notification::new(
        "initialized".into(),
        json!({}),
    )));
    let out = String::from_utf8_lossy(&s.out).into_owned();
    assert!(out.contains("client/registerCapability"), "{out}");
    assert!(out.contains("**/*compose*.y*ml"), "{out}");
    let compose = root.join("compose.yaml");
    let env = root.join(".env");
    open(&mut s, &compose);
    s.lint_dirty();
    assert!(!published(&s, &env)
        .unwrap_or_default()
        .contains(&"localhost-in-container".to_string()));
    // A `git pull` changes `.env`, which is not open.
    std::fs::write(&env, "DATABASE_URL=postgresql://app@localhost:5432/app\n").unwrap();
    s.message(Message::Notification(Notification::new(
        "workspace/didChangeWatchedFiles".into(),
        json!({"changes": [{"uri": uri(&env), "type": 2}]}),
    )));
    s.lint_dirty();
    assert!(published(&s, &env)
        .unwrap()
        .contains(&"localhost-in-container".to_string()));
}

#[test]
fn a_configuration_error_is_shown_once_and_a_request_about_no_open_folder_keeps_nothing() {
    let dir = project();
    let root = dir.path();
    std::fs::write(root.join("mppeep-lint.toml"), "select = 3\n").unwrap();
    let mut s = started(root);
    let env = root.join(".env");
    open(&mut s, &env);
    s.lint_dirty();
    change(&mut s, &env, 2, "A=1\n");
    s.lint_dirty();
    let out = String::from_utf8_lossy(&s.out).into_owned();
    assert_eq!(out.matches("window/showMessage").count(), 1, "{out}");
    // A hover about a file in another folder, not open: answered empty,
    // and no folder is kept for it.
    let other = tempfile::tempdir().unwrap();
    let elsewhere = other.path().join(".env");
    std::fs::write(&elsewhere, "A=1\n").unwrap();
    let folders = s.folders.len();
    s.message(Message::Request(Request::new(
        RequestId::from(3),
        "textDocument/hover".into(),
        json!({"textDocument": {"uri": uri(&elsewhere)}, "position": {"line": 0, "character": 0}}),
    )));
    assert_eq!(s.folders.len(), folders);
}
