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
    let folder = s.folder_holding(&env);
    s.touch(folder);
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

fn started_with(folders: &[&Path]) -> Server<Vec<u8>> {
    let mut s = Server::new(Vec::new());
    let folders: Vec<serde_json::Value> = folders
        .iter()
        .map(|f| json!({"uri": uri(f), "name": "f"}))
        .collect();
    s.message(Message::Request(Request::new(
        RequestId::from(1),
        "initialize".into(),
        json!({"capabilities": {}, "workspaceFolders": folders}),
    )));
    s
}

fn close(s: &mut Server<Vec<u8>>, path: &Path) {
    s.message(Message::Notification(Notification::new(
        "textDocument/didClose".into(),
        json!({"textDocument": {"uri": uri(path)}}),
    )));
}

/// A compose file with an unset variable (`unset-variable`).
const UNSET: &str = "services:\n  web:\n    image: nginx:1.27\n    environment:\n      A: ${NAV_NEVER_SET_ANYWHERE}\n";

#[test]
fn nested_folders_show_the_inner_ones_findings_and_closing_one_keeps_the_other() {
    let dir = tempfile::tempdir().unwrap();
    let outer = dir.path().join("outer");
    let inner = outer.join("inner");
    std::fs::create_dir_all(&inner).unwrap();
    std::fs::write(outer.join("compose.yaml"), UNSET).unwrap();
    std::fs::write(inner.join("compose.yaml"), UNSET).unwrap();
    std::fs::write(
        inner.join("mppeep-lint.toml"),
        "ignore = [\"unset-variable\"]\n",
    )
    .unwrap();
    let mut s = started_with(&[&outer, &inner]);
    let (outer_file, inner_file) = (outer.join("compose.yaml"), inner.join("compose.yaml"));
    open(&mut s, &outer_file);
    open(&mut s, &inner_file);
    s.lint_dirty();
    let rules = |s: &Server<Vec<u8>>, p: &Path| published(s, p).unwrap_or_default();
    assert!(rules(&s, &outer_file).contains(&"unset-variable".to_string()));
    // `check` run in `inner` has the rule off: the outer folder's lint,
    // which reads the inner file too, does not show there.
    assert!(!rules(&s, &inner_file).contains(&"unset-variable".to_string()));
    let before = rules(&s, &inner_file);
    close(&mut s, &outer_file);
    assert_eq!(
        rules(&s, &inner_file),
        before,
        "the inner folder's findings stay"
    );
    assert_eq!(rules(&s, &outer_file), Vec::<String>::new());
}

#[test]
fn a_file_shared_by_two_folders_shows_both_and_closing_one_keeps_the_other() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b, shared) = (
        dir.path().join("a"),
        dir.path().join("b"),
        dir.path().join("shared"),
    );
    for d in [&a, &b, &shared] {
        std::fs::create_dir_all(d).unwrap();
    }
    std::fs::write(
        shared.join("app.env"),
        "DATABASE_URL=postgresql://u@localhost:5432/x\n",
    )
    .unwrap();
    for (d, svc) in [(&a, "web"), (&b, "api")] {
        std::fs::write(
            d.join("compose.yaml"),
            format!("services:\n  {svc}:\n    image: python:3.12\n    env_file: ../shared/app.env\n  db:\n    image: postgres:16\n"),
        )
        .unwrap();
    }
    let mut s = started_with(&[&a, &b]);
    open(&mut s, &a.join("compose.yaml"));
    open(&mut s, &b.join("compose.yaml"));
    s.lint_dirty();
    let env = shared.join("app.env");
    let count = |s: &Server<Vec<u8>>| {
        published(s, &env)
            .unwrap_or_default()
            .iter()
            .filter(|r| *r == "localhost-in-container")
            .count()
    };
    assert_eq!(count(&s), 2, "each folder's finding, once");
    close(&mut s, &b.join("compose.yaml"));
    assert_eq!(count(&s), 1, "folder a's finding stays");
}

#[test]
fn a_lone_file_is_linted_as_check_file_and_a_root_of_slash_is_not_walked() {
    let dir = tempfile::tempdir().unwrap();
    let lone = dir.path().join("x.env");
    std::fs::write(&lone, "A=\"quoted\"\nA=2\n").unwrap();
    // A project beside it, not concerned.
    let other = dir.path().join("other");
    std::fs::create_dir_all(&other).unwrap();
    std::fs::write(other.join("compose.yaml"), UNSET).unwrap();
    let mut s = started_with(&[Path::new("/")]);
    assert!(s.roots.is_empty(), "/ is not a folder to lint whole");
    open(&mut s, &lone);
    s.lint_dirty();
    assert!(published(&s, &lone).is_some_and(|r| !r.is_empty()));
    assert_eq!(published(&s, &other.join("compose.yaml")), None);
    assert_eq!(
        s.folders.keys().next().unwrap(),
        &crate::fs::normalize(&lone)
    );
}

#[test]
fn a_document_keeps_the_folder_it_was_opened_in() {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path();
    std::fs::create_dir_all(repo.join(".git")).unwrap();
    std::fs::create_dir_all(repo.join("sub")).unwrap();
    let df = repo.join("sub/Dockerfile");
    std::fs::write(&df, "FROM python:3.12-slim\nRUN pip install flask\n").unwrap();
    let mut s = started_with(&[]);
    open(&mut s, &df);
    s.lint_dirty();
    assert_eq!(s.folders.len(), 1);
    // A compose file appears above: the file's project would now be the
    // repository, but the document stays where it was opened.
    std::fs::write(repo.join("compose.yaml"), UNSET).unwrap();
    close(&mut s, &df);
    assert!(s.folders.is_empty(), "its folder is dropped, not leaked");
    assert_eq!(
        published(&s, &df),
        Some(Vec::new()),
        "and what it showed cleared"
    );
}

/// The titles of the code actions for line `line` of `path`.
fn action_titles(s: &mut Server<Vec<u8>>, path: &Path, line: u32) -> Vec<String> {
    let before = s.out.len();
    s.message(Message::Request(Request::new(
        RequestId::from(77),
        "textDocument/codeAction".into(),
        json!({
            "textDocument": {"uri": uri(path)},
            "range": {"start": {"line": line, "character": 0}, "end": {"line": line, "character": 0}},
            "context": {"diagnostics": []},
        }),
    )));
    let out = String::from_utf8_lossy(&s.out[before..]).into_owned();
    let body = out
        .split("Content-Length: ")
        .filter_map(|f| f.split_once("\r\n\r\n"))
        .map(|(_, b)| serde_json::from_str::<serde_json::Value>(b).unwrap())
        .find(|v| v["id"] == 77)
        .unwrap();
    body["result"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["title"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn no_fix_is_offered_where_check_fix_would_not_write() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::write(
        root.join("compose.yaml"),
        "services:\n  web:\n    image: nginx:1.27\n    env_file: .env\n",
    )
    .unwrap();
    // Read lossily (`é` in Latin-1): the fix would write the replacement
    // character over the byte.
    std::fs::write(root.join(".env"), b"A=\"caf\xe9\"\n").unwrap();
    std::fs::write(root.join("clean.env"), "A=\"cafe\"\n").unwrap();
    std::fs::write(
        root.join("compose.yaml"),
        "services:\n  web:\n    image: nginx:1.27\n    env_file: [.env, clean.env]\n",
    )
    .unwrap();
    let mut s = started(root);
    open(&mut s, &root.join("compose.yaml"));
    s.lint_dirty();
    let lossy = action_titles(&mut s, &root.join(".env"), 0);
    assert!(
        !lossy.iter().any(|t| t.contains("remove the quotes")),
        "{lossy:?}"
    );
    let clean = action_titles(&mut s, &root.join("clean.env"), 0);
    assert!(
        clean.iter().any(|t| t.contains("remove the quotes")),
        "{clean:?}"
    );
    // Only quick fixes are made; a request for another kind costs nothing.
    let before = s.out.len();
    s.message(Message::Request(Request::new(
        RequestId::from(78),
        "textDocument/codeAction".into(),
        json!({
            "textDocument": {"uri": uri(&root.join("clean.env"))},
            "range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}},
            "context": {"diagnostics": [], "only": ["source.fixAll"]},
        }),
    )));
    assert!(String::from_utf8_lossy(&s.out[before..]).contains("\"result\":[]"));
}

#[cfg(unix)]
#[test]
fn no_fix_edits_an_open_file_through_a_link() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir_all(root.join("real")).unwrap();
    std::fs::write(root.join("real/app.env"), "A=\"cafe\"\n").unwrap();
    std::os::unix::fs::symlink(root.join("real"), root.join("linked")).unwrap();
    std::fs::write(
        root.join("compose.yaml"),
        "services:\n  web:\n    image: nginx:1.27\n    env_file: [real/app.env, linked/app.env]\n",
    )
    .unwrap();
    let mut s = started(root);
    let linked = root.join("linked/app.env");
    open(&mut s, &linked);
    open(&mut s, &root.join("real/app.env"));
    s.lint_dirty();
    let titles = action_titles(&mut s, &linked, 0);
    assert!(
        !titles.iter().any(|t| t.contains("remove the quotes")),
        "{titles:?}"
    );
    let titles = action_titles(&mut s, &root.join("real/app.env"), 0);
    assert!(
        titles.iter().any(|t| t.contains("remove the quotes")),
        "{titles:?}"
    );
}

#[test]
fn pwd_is_the_linted_folder_as_a_shell_run_there_has_it() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::write(
        root.join("compose.yaml"),
        "services:\n  web:\n    image: nginx:1.27\n    environment:\n      HERE: ${PWD}/data\n",
    )
    .unwrap();
    let mut s = started(root);
    open(&mut s, &root.join("compose.yaml"));
    s.lint_dirty();
    let linted = s.folders.values().next().unwrap().state.as_ref().unwrap();
    let web = linted.ws.projects[0].service("web").unwrap();
    let here = web.environment.iter().find(|e| e.key == "HERE").unwrap();
    let value = &here.value.as_ref().unwrap().text;
    assert_eq!(
        *value,
        format!("{}/data", crate::fs::normalize(root).display())
    );
}
