//! `mppeep-lint server` through its protocol, as an editor drives it: the
//! lifecycle, robustness against what a client may send, diagnostics on
//! unsaved buffers across files, incremental edits, code actions, secrets,
//! and the acceptance test: on every fixture and corpus project, what the
//! server publishes is what `check --format json` says run there.
//!
//! Each test runs the binary (`client::Client`); every wait is bounded.

#[path = "server/client.rs"]
mod client;
#[path = "server/compare.rs"]
mod compare;

use std::path::{Path, PathBuf};

use mppeep_lint::testing::{alias_bomb, hostile_chars};
use serde_json::{json, Value};

use client::{uri, Client, WAIT};
use compare::{diff, from_check, from_published, run_check};

const BROKEN: &str = "fixtures/mppeep-broken";
const FIXED: &str = "fixtures/mppeep";

fn repo(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

/// A copy of the tree at `from` (links as links) in a new temporary
/// folder, and that folder's canonical path.
fn copy_of(from: &Path) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    mppeep_lint::testing::copy_tree(from, dir.path()).unwrap();
    let path = dir.path().canonicalize().unwrap();
    (dir, path)
}

/// An empty temporary folder and its canonical path.
fn empty_dir() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().canonicalize().unwrap();
    (dir, path)
}

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// The findings `check` reports in `dir` (which it must be able to lint).
fn check_findings(dir: &Path) -> Vec<compare::Finding> {
    let (code, report) = run_check(dir);
    let report =
        report.unwrap_or_else(|| panic!("check gave no JSON in {} (exit {code:?})", dir.display()));
    from_check(dir, &report)
}

/// What `check` says on a copy of `base` (or an empty folder) with `files`
/// written over it (`None`: removed): paths relative to the copy.
fn check_on(base: Option<&Path>, files: &[(&str, Option<&str>)]) -> Vec<compare::Finding> {
    let (_keep, dir) = match base {
        Some(b) => copy_of(b),
        None => empty_dir(),
    };
    for (name, text) in files {
        let p = dir.join(name);
        match text {
            Some(t) => {
                std::fs::create_dir_all(p.parent().unwrap()).unwrap();
                std::fs::write(&p, t).unwrap();
            }
            None => std::fs::remove_file(&p).unwrap(),
        }
    }
    compare::relative(check_findings(&dir), &dir)
}

/// Fails with a readable diff unless the server's last publications
/// (paths relative to `root`) are `expected`.
fn assert_published(c: &Client, root: &Path, expected: &[compare::Finding], what: &str) {
    let got = compare::relative(from_published(&c.published), root);
    if let Some(d) = diff(expected, &got, Path::new("")) {
        panic!("{what}: the server and check differ:\n{d}\n{}", c.report());
    }
}

fn code_of(v: &Value) -> i64 {
    v["error"]["code"]
        .as_i64()
        .unwrap_or_else(|| panic!("not an error answer: {v}"))
}

fn rules_of(diags: &[Value]) -> Vec<String> {
    let mut r: Vec<String> = diags
        .iter()
        .map(|d| d["code"].as_str().unwrap().to_string())
        .collect();
    r.sort();
    r
}

// ------------------------------------------------------------ lifecycle

#[test]
fn initialize_announces_the_capabilities_and_negotiates_the_encoding() {
    let (_keep, dir) = empty_dir();
    for (offered, expected) in [
        (Some(&["utf-32"][..]), "utf-32"),
        (None, "utf-16"),
        (Some(&["utf-16"][..]), "utf-16"),
        (Some(&[][..]), "utf-16"),
        (Some(&["utf-8", "utf-16"][..]), "utf-8"),
    ] {
        let mut c = Client::spawn(&dir);
        let answer = c.initialize(&dir, offered);
        let caps = &answer["result"]["capabilities"];
        assert_eq!(
            caps["positionEncoding"], expected,
            "offered {offered:?}: {answer}"
        );
        // Incremental sync, opening and closing.
        let sync = &caps["textDocumentSync"];
        assert_eq!(sync["change"], 2, "{answer}");
        assert_eq!(sync["openClose"], true, "{answer}");
        assert_eq!(caps["hoverProvider"], true, "{answer}");
        assert_eq!(caps["definitionProvider"], true, "{answer}");
        assert_eq!(caps["referencesProvider"], true, "{answer}");
        assert_eq!(
            caps["codeActionProvider"]["codeActionKinds"],
            json!(["quickfix"]),
            "{answer}"
        );
        assert!(caps["completionProvider"].is_object(), "{answer}");
        assert_eq!(answer["result"]["serverInfo"]["name"], "mppeep-lint");
        c.notify("initialized", json!({}));
        assert_eq!(c.finish(), Some(0));
    }
}

#[test]
fn shutdown_then_exit_is_0_and_exit_alone_is_1() {
    let (_keep, dir) = empty_dir();
    let c = Client::start(&dir, None);
    assert_eq!(c.finish(), Some(0));

    let mut c = Client::start(&dir, None);
    c.notify("exit", Value::Null);
    assert_eq!(c.wait_exit(WAIT).code(), Some(1), "{}", c.report());

    // Exit before initialize: no shutdown either.
    let mut c = Client::spawn(&dir);
    c.notify("exit", Value::Null);
    assert_eq!(c.wait_exit(WAIT).code(), Some(1), "{}", c.report());
}

#[test]
fn the_end_of_the_input_ends_the_server() {
    let (_keep, dir) = empty_dir();
    // Initialized, with a document open and a lint pending.
    let mut c = Client::start(&dir, None);
    c.open(&dir.join(".env"), "dotenv", 1, "A=1\n");
    c.close_input();
    assert_eq!(c.wait_exit(WAIT).code(), Some(1), "{}", c.report());
    // Never initialized.
    let mut c = Client::spawn(&dir);
    c.close_input();
    assert_eq!(c.wait_exit(WAIT).code(), Some(1), "{}", c.report());
    // Inside a frame.
    let mut c = Client::spawn(&dir);
    assert!(c.write_raw(b"Content-Length: 100\r\n\r\n{\"jsonrpc\""));
    c.close_input();
    assert_eq!(c.wait_exit(WAIT).code(), Some(1), "{}", c.report());
}

#[test]
fn a_request_before_initialize_is_refused_and_initialize_then_works() {
    let (_keep, dir) = empty_dir();
    let mut c = Client::spawn(&dir);
    let answer = c.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": uri(&dir.join(".env"))}, "position": {"line": 0, "character": 0}}),
    );
    assert_eq!(code_of(&answer), -32002, "{answer}");
    // A notification before initialize is dropped (nothing published).
    c.open(
        &dir.join("compose.yaml"),
        "yaml",
        1,
        "services:\n  a:\n    image: redis:latest\n",
    );
    let answer = c.initialize(&dir, None);
    assert!(answer["result"]["capabilities"].is_object(), "{answer}");
    c.notify("initialized", json!({}));
    let before = c.sync(&dir.join("other.env"));
    assert!(
        before
            .iter()
            .all(|m| m["method"] != "textDocument/publishDiagnostics"),
        "a document opened before initialize was linted: {before:?}"
    );
    // A second initialize is an invalid request.
    let again = c.initialize(&dir, None);
    assert_eq!(code_of(&again), -32600, "{again}");
    assert_eq!(c.finish(), Some(0));
}

#[test]
fn after_shutdown_requests_are_invalid_and_exit_is_0() {
    let (_keep, dir) = empty_dir();
    let mut c = Client::start(&dir, None);
    let answer = c.request("shutdown", Value::Null);
    assert_eq!(answer["result"], Value::Null);
    assert!(answer.get("error").is_none(), "{answer}");
    for method in [
        "textDocument/hover",
        "shutdown",
        "textDocument/codeAction",
        "no/suchMethod",
    ] {
        let answer = c.request(
            method,
            json!({"textDocument": {"uri": uri(&dir.join(".env"))}, "position": {"line": 0, "character": 0}}),
        );
        assert_eq!(code_of(&answer), -32600, "{method}: {answer}");
    }
    // Notifications after shutdown are ignored: nothing is linted.
    c.open(
        &dir.join("compose.yaml"),
        "yaml",
        1,
        "services:\n  a:\n    image: redis:latest\n",
    );
    c.notify("exit", Value::Null);
    assert_eq!(c.wait_exit(WAIT).code(), Some(0), "{}", c.report());
    assert!(
        c.received
            .iter()
            .all(|m| m["method"] != "textDocument/publishDiagnostics"),
        "{}",
        c.report()
    );
}

// --------------------------------------------------- equality with check

/// The file to open in `dir`: the first `check` reported on that an editor
/// can hold as it is (UTF-8, within the size a file is read to), else the
/// first compose file, Dockerfile or `.env` found.
fn file_to_open(dir: &Path, findings: &[compare::Finding]) -> Option<PathBuf> {
    let fits = |p: &Path| {
        std::fs::read(p)
            .ok()
            .is_some_and(|b| b.len() < 1 << 20 && String::from_utf8(b).is_ok())
    };
    if let Some(p) = findings.iter().map(|f| &f.at.file).find(|p| fits(p)) {
        return Some(p.clone());
    }
    let mut stack = vec![dir.to_path_buf()];
    let mut found = Vec::new();
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = entry.path();
            let Ok(ft) = entry.file_type() else { continue };
            let name = entry.file_name().to_string_lossy().to_lowercase();
            if ft.is_dir() && !name.starts_with('.') {
                stack.push(p);
            } else if ft.is_file()
                && (name.contains("compose")
                    || name.contains("dockerfile")
                    || name.ends_with(".env")
                    || name.starts_with(".env"))
                && fits(&p)
            {
                found.push(p);
            }
        }
    }
    found.sort();
    found.into_iter().next()
}

/// One project: the server on `dir` (UTF-32 positions, one file of it
/// open) publishes exactly what `check --format json` run in `dir` says.
/// `Err`: the differences; `Ok`: how many findings.
fn equal_to_check(dir: &Path) -> Result<usize, String> {
    let (code, report) = run_check(dir);
    let Some(report) = report else {
        return Err(format!("check gave no JSON (exit {code:?})"));
    };
    let expected = from_check(dir, &report);
    let mut c = Client::start(dir, Some(&["utf-32"]));
    let open = file_to_open(dir, &expected);
    let barrier = open.clone().unwrap_or_else(|| dir.join("compose.yaml"));
    if let Some(f) = &open {
        c.open(f, "plaintext", 1, &read(f));
    }
    c.sync(&barrier);
    let got = from_published(&c.published);
    if let Some(d) = diff(&expected, &got, dir) {
        return Err(d);
    }
    // Linted again with the parses kept: the same, so nothing is sent.
    if let Some(f) = &open {
        c.replace(f, 2, &read(f));
        let after = c.sync(f);
        let sent: Vec<&Value> = after
            .iter()
            .filter(|m| m["method"] == "textDocument/publishDiagnostics")
            .collect();
        if !sent.is_empty() {
            let got = from_published(&c.published);
            return Err(format!(
                "linted again on the same text, the server published {} times:\n{}",
                sent.len(),
                diff(&expected, &got, dir).unwrap_or_default()
            ));
        }
    }
    let exit = c.finish();
    if exit != Some(0) {
        return Err(format!("exit {exit:?}"));
    }
    Ok(expected.len())
}

fn assert_all_equal(dirs: &[PathBuf], root: &Path) {
    let mut failures = Vec::new();
    let mut total = 0;
    for d in dirs {
        match equal_to_check(d) {
            Ok(n) => total += n,
            Err(e) => failures.push(format!(
                "{}:\n{e}",
                d.strip_prefix(root).unwrap_or(d).display()
            )),
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} projects differ:\n{}",
        failures.len(),
        dirs.len(),
        failures.join("\n")
    );
    assert!(
        total > 0,
        "no finding at all in {}: the comparison compared nothing",
        root.display()
    );
}

fn subfolders(dir: &Path) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .map(|p| p.canonicalize().unwrap())
        .collect();
    dirs.sort();
    dirs
}

#[test]
fn the_server_publishes_what_check_says_on_every_fixture() {
    let root = repo("fixtures");
    let dirs = subfolders(&root);
    assert!(dirs.len() >= 6, "fixtures: {dirs:?}");
    assert_all_equal(&dirs, &root);
}

#[test]
fn the_server_publishes_what_check_says_on_every_corpus_project() {
    let root = repo("../shared/corpus/projects");
    if !root.is_dir() {
        mppeep_lint::testing::skipped(
            "corpus",
            &format!(
                "the server's equality with check on the corpus: {} is absent",
                root.display()
            ),
        );
        return;
    }
    let dirs = subfolders(&root);
    assert!(
        dirs.len() > 30,
        "corpus looks truncated: {} projects",
        dirs.len()
    );
    assert_all_equal(&dirs, &root);
}

/// Messages quoting user text with control characters and line breaks
/// (a `.env` value holding `\nhelp: …`), and a message longer than any
/// output shows: the server shows them as check's text outputs do (each
/// piece escaped, clipped), never a raw control character, never a line
/// that a value started.
#[test]
fn user_text_in_messages_is_escaped_and_clipped_as_check_shows_it() {
    let (_keep, dir) = empty_dir();
    for (i, c) in hostile_chars().into_iter().enumerate() {
        let d = dir.join(format!("c{i:03}"));
        std::fs::create_dir_all(&d).unwrap();
        // `shadowed-env` quotes both values, `.env`'s (a real line break
        // from its `\n` escape) and the compose file's (YAML escapes).
        std::fs::write(
            d.join(".env"),
            format!("VAL=a{c}b\nDEBUG=\"x{c}y\\nhelp: FAKE y\"\nUNUSED{i}=\"v{c}\\nhelp: FAKE\"\n"),
        )
        .unwrap();
        std::fs::write(
            d.join("compose.yaml"),
            format!(
                "services:\n  app:\n    image: busybox:1.36\n    environment:\n      VAL: ${{VAL}}\n      DEBUG: \"v\\u{0:04x}w\\nhelp: FAKE\"\n      A: \"\\\"quo\\u{0:04x}ted\\\"\"\n",
                c as u32
            ),
        )
        .unwrap();
    }
    let long = dir.join("long");
    std::fs::create_dir_all(&long).unwrap();
    std::fs::write(
        long.join(".env"),
        format!("{}=1\n", "LONG_NAME_".repeat(150)),
    )
    .unwrap();
    std::fs::write(
        long.join("compose.yaml"),
        "services:\n  app:\n    image: busybox:1.36\n",
    )
    .unwrap();

    let n = equal_to_check(&dir).unwrap_or_else(|e| panic!("the server and check differ:\n{e}"));
    assert!(n > 100, "{n} findings");
    let mut c = Client::start(&dir, Some(&["utf-32"]));
    c.open(&long.join(".env"), "dotenv", 1, &read(&long.join(".env")));
    c.sync(&long.join(".env"));
    let mut longest = 0;
    let mut quoting = 0;
    for p in c.published.values() {
        for d in p["diagnostics"].as_array().unwrap() {
            let m = d["message"].as_str().unwrap();
            let (message, help) = m.split_once("\nhelp: ").unwrap_or((m, ""));
            longest = longest.max(message.chars().count());
            assert!(!help.starts_with("FAKE"), "a value made the help: {m:?}");
            quoting += usize::from(message.contains("\\nhelp: FAKE"));
            for piece in [message, help] {
                let raw: Vec<char> = piece
                    .chars()
                    .filter(|c| {
                        c.is_control() && *c != '\t'
                            || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
                    })
                    .collect();
                assert!(raw.is_empty(), "raw {raw:?} in {m:?}");
            }
        }
    }
    assert!(
        (1000..1100).contains(&longest),
        "the longest message has {longest} characters"
    );
    assert!(
        quoting >= hostile_chars().len(),
        "{quoting} messages quote a value's line break"
    );
    assert_eq!(c.finish(), Some(0));
}

// ----------------------------------------------------------- robustness

/// The server answers a request normally: it is still serving.
fn still_serving(c: &mut Client, dir: &Path) {
    let answer = c.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": uri(&dir.join(".env"))}, "position": {"line": 0, "character": 0}}),
    );
    assert!(answer.get("error").is_none(), "{answer}\n{}", c.report());
    assert_eq!(answer["result"], Value::Null, "{answer}");
}

/// The parse error a malformed frame gets: code -32700, id null.
fn parse_error(c: &mut Client, what: &str) -> Value {
    let (v, _) = c.until(what, |v| {
        v.get("error").is_some() && v.get("method").is_none()
    });
    assert_eq!(code_of(&v), -32700, "{what}: {v}");
    assert_eq!(v["id"], Value::Null, "{what}: {v}");
    v
}

#[test]
fn malformed_frames_get_a_parse_error_and_the_server_goes_on() {
    let (_keep, dir) = empty_dir();
    let mut c = Client::start(&dir, None);
    c.send_body("{\"jsonrpc\": \"2.0\", \"id\": 9, \"method\": ");
    parse_error(&mut c, "a body that is not JSON");
    still_serving(&mut c, &dir);
    assert!(c.write_raw(b"Garbage\r\n\r\n"));
    parse_error(&mut c, "a header that is none");
    still_serving(&mut c, &dir);
    assert!(c.write_raw(b"Content-Length: twelve\r\n\r\n"));
    parse_error(&mut c, "a length that is no number");
    still_serving(&mut c, &dir);
    // Headers beyond Content-Length are allowed.
    let body = json!({"jsonrpc": "2.0", "id": 99, "method": "textDocument/hover", "params": {"textDocument": {"uri": uri(&dir.join(".env"))}, "position": {"line": 0, "character": 0}}}).to_string();
    let frame = format!(
        "Content-Type: application/vscode-jsonrpc; charset=utf-8\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    );
    assert!(c.write_raw(frame.as_bytes()));
    let answer = c.response(99);
    assert_eq!(answer["result"], Value::Null, "{answer}");
    assert_eq!(c.finish(), Some(0));
}

#[test]
fn a_frame_larger_than_the_server_takes_is_skipped() {
    let (_keep, dir) = empty_dir();
    let mut c = Client::start(&dir, None);
    // 64 MiB and one byte, really sent: skipped without being kept.
    let size = 64 * 1024 * 1024 + 1;
    let mut frame = format!("Content-Length: {size}\r\n\r\n").into_bytes();
    frame.resize(frame.len() + size, b' ');
    assert!(c.write_raw(&frame));
    let v = parse_error(&mut c, "a frame too large");
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("larger than"),
        "{v}"
    );
    still_serving(&mut c, &dir);
    assert_eq!(c.finish(), Some(0));
    // A length no input holds: what follows is the frame's, to the end of
    // the input, where the server ends without having allocated it.
    let mut c = Client::start(&dir, None);
    assert!(c.write_raw(format!("Content-Length: {}\r\n\r\n{{}}", u64::MAX / 4).as_bytes()));
    c.close_input();
    assert_eq!(c.wait_exit(WAIT).code(), Some(1), "{}", c.report());
}

#[test]
fn unknown_methods_and_invalid_params_are_answered_and_the_server_goes_on() {
    let (_keep, dir) = empty_dir();
    let mut c = Client::start(&dir, None);
    let answer = c.request("workspace/noSuchThing", json!({}));
    assert_eq!(code_of(&answer), -32601, "{answer}");
    // An unknown notification is ignored: nothing comes before the next
    // answer.
    c.notify("$/noSuchNotification", json!({"x": 1}));
    c.notify("custom/whatever", Value::Null);
    let id = c.send_request("textDocument/hover", json!({"textDocument": {"uri": uri(&dir.join(".env"))}, "position": {"line": 0, "character": 0}}));
    let (answer, before) = c.until("hover", |v| v["id"] == id);
    assert_eq!(answer["result"], Value::Null, "{answer}");
    assert!(before.is_empty(), "{before:?}");
    // Invalid params: -32602, for each request the server answers.
    for method in [
        "textDocument/hover",
        "textDocument/definition",
        "textDocument/references",
        "textDocument/codeAction",
        "textDocument/completion",
    ] {
        for params in [json!({"textDocument": 5}), Value::Null, json!([1, 2])] {
            let answer = c.request(method, params.clone());
            assert_eq!(code_of(&answer), -32602, "{method} {params}: {answer}");
        }
    }
    // A notification with invalid params: said in the log, nothing else.
    c.notify("textDocument/didOpen", json!({"textDocument": {"uri": 3}}));
    still_serving(&mut c, &dir);
    // A request id may be a string.
    c.send(&json!({"jsonrpc": "2.0", "id": "abc", "method": "textDocument/hover", "params": {"textDocument": {"uri": uri(&dir.join(".env"))}, "position": {"line": 0, "character": 0}}}));
    let (answer, _) = c.until("a string id", |v| v["id"] == "abc");
    assert_eq!(answer["result"], Value::Null, "{answer}");
    assert_eq!(c.finish(), Some(0));
}

/// JSON that is no JSON-RPC message is an invalid request (-32600), not a
/// parse error, answered with its id when it has one: a client waiting
/// for that id gets its answer.
#[test]
fn json_that_is_no_message_is_an_invalid_request_answered_with_its_id() {
    let (_keep, dir) = empty_dir();
    let mut c = Client::start(&dir, None);
    c.send_body(r#"{"jsonrpc": "2.0", "id": 7, "method": 5}"#);
    let (v, _) = c.until("the answer to id 7", |v| v.get("error").is_some());
    assert_eq!(v["id"], 7, "{v}");
    assert_eq!(code_of(&v), -32600, "{v}");
    c.send_body(r#"{"jsonrpc": "2.0", "id": "s", "method": ["x"]}"#);
    let (v, _) = c.until("the answer to id s", |v| v.get("error").is_some());
    assert_eq!(v["id"], "s", "{v}");
    assert_eq!(code_of(&v), -32600, "{v}");
    // Without an id (or an id that is none): null.
    for body in [
        r#"[1, 2]"#,
        r#"{"jsonrpc": "2.0", "id": {"a": 1}, "method": 1}"#,
        "5",
    ] {
        c.send_body(body);
        let (v, _) = c.until(body, |v| v.get("error").is_some());
        assert_eq!(v["id"], Value::Null, "{body}: {v}");
        assert_eq!(code_of(&v), -32600, "{body}: {v}");
    }
    still_serving(&mut c, &dir);
    assert_eq!(c.finish(), Some(0));
}

const UNPINNED: &str = "services:\n  cache:\n    image: redis:latest\n";

/// A document whose file (and folder) is not on disk: a `.env` is linted
/// from the buffer, as check lints the same text written there.
#[test]
fn a_document_not_on_disk_is_linted_from_its_buffer() {
    let (_keep, dir) = copy_of(&repo(BROKEN));
    let mut c = Client::start(&dir, Some(&["utf-32"]));
    let new = dir.join("extra/.env");
    let text = "A=\"quoted\"\nA=2\nB\n";
    c.open(&new, "dotenv", 3, text);
    c.sync(&new);
    let expected = check_on(Some(&repo(BROKEN)), &[("extra/.env", Some(text))]);
    assert!(
        expected
            .iter()
            .any(|f| f.at.file == Path::new("extra/.env")),
        "{expected:?}"
    );
    assert_published(&c, &dir, &expected, "a new file's buffer");
    assert_eq!(c.published[&uri(&new)]["version"], 3);
    still_serving(&mut c, &dir);
    // Closed, the folder's last open document: the file is gone, the
    // folder's model is given back, and what was shown of every file of it
    // is cleared (a request about a file that is not open keeps nothing).
    c.notify(
        "textDocument/didClose",
        json!({"textDocument": {"uri": uri(&new)}}),
    );
    c.sync(&dir.join(".env"));
    assert_eq!(c.diagnostics(&new), Vec::<Value>::new(), "{}", c.report());
    for (file, p) in &c.published {
        assert_eq!(p["diagnostics"], json!([]), "{file} still shows findings");
    }
    // Opened again: the folder as it is on disk.
    let env = dir.join(".env");
    c.open(&env, "dotenv", 1, &read(&env));
    c.sync(&env);
    assert_published(
        &c,
        &dir,
        &check_on(Some(&repo(BROKEN)), &[]),
        "after closing it",
    );
    assert_eq!(c.finish(), Some(0));
}

/// The same with a new compose file in a new folder: found where a walk
/// would find it once saved (`fs::discovered_at`).
#[test]
fn a_compose_file_not_on_disk_is_linted_from_its_buffer() {
    let (_keep, dir) = copy_of(&repo(FIXED));
    let mut c = Client::start(&dir, Some(&["utf-32"]));
    let new = dir.join("extra/compose.yaml");
    c.open(&new, "yaml", 3, UNPINNED);
    c.sync(&new);
    let expected = check_on(
        Some(&repo(FIXED)),
        &[("extra/compose.yaml", Some(UNPINNED))],
    );
    assert!(
        expected.iter().any(|f| f.rule == "unpinned-image"),
        "{expected:?}"
    );
    assert_published(&c, &dir, &expected, "a new compose file's buffer");
    assert_eq!(c.finish(), Some(0));
}

/// A file deleted on disk while open, then changed: its buffer is what is
/// linted.
#[test]
fn a_file_deleted_while_open_is_linted_from_its_buffer() {
    let (_keep, dir) = copy_of(&repo(BROKEN));
    let env = dir.join(".env");
    let text = read(&env);
    let mut c = Client::start(&dir, Some(&["utf-32"]));
    c.open(&env, "dotenv", 1, &text);
    c.sync(&env);
    assert!(rules_of(&c.diagnostics(&env)).contains(&"localhost-in-container".to_string()));
    std::fs::remove_file(&env).unwrap();
    c.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": [{"uri": uri(&env), "type": 3}]}),
    );
    let changed = text.replace("@localhost:", "@db:");
    c.replace(&env, 2, &changed);
    c.sync(&env);
    let expected = check_on(Some(&repo(BROKEN)), &[(".env", Some(&changed))]);
    assert_published(&c, &dir, &expected, "a deleted file's buffer");
    assert!(!rules_of(&c.diagnostics(&env)).contains(&"localhost-in-container".to_string()));
    assert_eq!(c.published[&uri(&env)]["version"], 2);
    assert_eq!(c.finish(), Some(0));
}

/// A `didChange` of a document never opened is ignored, full or by range.
#[test]
fn a_change_of_a_document_never_opened_is_ignored() {
    let (_keep, dir) = copy_of(&repo(FIXED));
    let mut c = Client::start(&dir, None);
    let compose = dir.join("docker-compose.prod.yml");
    c.replace(&compose, 5, UNPINNED);
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri(&compose), "version": 6}, "contentChanges": [
            {"range": {"start": {"line": 900, "character": 3}, "end": {"line": 0, "character": 0}}, "text": "x"}
        ]}),
    );
    let before = c.sync(&dir.join(".env"));
    assert!(
        c.diagnostics(&compose).is_empty(),
        "a change of an unopened document was linted: {before:?}"
    );
    // The folder (linted by the hover) is check's: the clean fixture.
    assert_published(&c, &dir, &[], "the clean fixture");
    still_serving(&mut c, &dir);
    assert_eq!(c.finish(), Some(0));
}

/// Hostile buffers (an alias bomb, 10,000-deep nesting) given in `didOpen`:
/// a located diagnostic for that file, the other files of the workspace
/// still get theirs, exactly as check says on the same text on disk, and
/// the server goes on.
#[test]
fn hostile_buffers_get_a_diagnostic_and_the_rest_is_still_linted() {
    let deep = format!("services: {}{}\n", "[".repeat(10_000), "]".repeat(10_000));
    let deep_map = format!(
        "services:\n{}\n",
        (1..2_000)
            .map(|i| format!("{}a{i}:", " ".repeat(i)))
            .collect::<Vec<_>>()
            .join("\n")
    );
    for (name, hostile) in [
        ("alias bomb", alias_bomb(9)),
        ("deep flow nesting", deep),
        ("deep block nesting", deep_map),
    ] {
        let (_keep, dir) = copy_of(&repo(BROKEN));
        let mut c = Client::start(&dir, Some(&["utf-32"]));
        // A second project beside (on disk a harmless one), whose buffer
        // is the hostile text.
        let bad = dir.join("bad/compose.yaml");
        std::fs::create_dir_all(bad.parent().unwrap()).unwrap();
        std::fs::write(&bad, UNPINNED).unwrap();
        c.open(&bad, "yaml", 1, &hostile);
        c.sync(&bad);
        let expected = check_on(Some(&repo(BROKEN)), &[("bad/compose.yaml", Some(&hostile))]);
        assert_published(&c, &dir, &expected, name);
        assert!(
            !c.diagnostics(&bad).is_empty(),
            "{name}: nothing for the file"
        );
        for other in [".env", "Dockerfile.prod", "docker-compose.prod.yml"] {
            assert!(
                !c.diagnostics(&dir.join(other)).is_empty(),
                "{name}: nothing for {other}"
            );
        }
        // The project's own compose file replaced by it.
        let compose = dir.join("docker-compose.prod.yml");
        c.open(&compose, "yaml", 1, &hostile);
        c.sync(&compose);
        let expected = check_on(
            Some(&repo(BROKEN)),
            &[
                ("bad/compose.yaml", Some(&hostile)),
                ("docker-compose.prod.yml", Some(&hostile)),
            ],
        );
        assert_published(&c, &dir, &expected, name);
        assert!(
            !c.diagnostics(&compose).is_empty(),
            "{name}: nothing for the compose file"
        );
        still_serving(&mut c, &dir);
        assert_eq!(c.finish(), Some(0), "{name}");
    }
}

/// A buffer larger than any file is read to (8 MiB) is refused as the same
/// file on disk is: check's diagnostics, not a lint of its text.
#[test]
fn a_buffer_larger_than_a_file_is_read_to_is_refused_as_on_disk() {
    let (_keep, dir) = copy_of(&repo(BROKEN));
    let env = dir.join(".env");
    let huge = format!("{}HUGE={}\n", read(&env), "x".repeat(9 << 20));
    let mut c = Client::start(&dir, Some(&["utf-32"]));
    c.open(&env, "dotenv", 1, &huge);
    c.sync(&env);
    let expected = check_on(Some(&repo(BROKEN)), &[(".env", Some(&huge))]);
    assert!(
        expected.iter().any(|f| f.rule == "unreadable-file"),
        "{expected:?}"
    );
    assert_published(&c, &dir, &expected, "a 9 MiB buffer");
    // Back within bounds: linted again.
    c.replace(&env, 2, &read(&env));
    c.sync(&env);
    assert_published(
        &c,
        &dir,
        &check_on(Some(&repo(BROKEN)), &[]),
        "back to the file",
    );
    assert_eq!(c.finish(), Some(0));
}

// ------------------------------------------ diagnostics across files

/// The byte offset of a UTF-16 protocol position in `text`.
fn offset16(text: &str, line: u64, character: u64) -> usize {
    let start: usize = text
        .split_inclusive('\n')
        .take(line as usize)
        .map(str::len)
        .sum();
    let mut units = 0;
    for (i, c) in text[start..].char_indices() {
        if units >= character as usize || c == '\n' {
            return start + i;
        }
        units += c.len_utf16();
    }
    text.len()
}

/// The UTF-16 protocol position of `needle`'s first occurrence in `text`
/// (after byte `from`).
fn pos16(text: &str, needle: &str, from: usize) -> Value {
    let at = from
        + text[from..]
            .find(needle)
            .unwrap_or_else(|| panic!("{needle:?} not in {text:?}"));
    let line = text[..at].matches('\n').count();
    let start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    let character: usize = text[start..at].chars().map(char::len_utf16).sum();
    json!({"line": line, "character": character})
}

/// Protocol text edits (UTF-16) applied to `text`, last first.
fn apply_edits(text: &str, edits: &[Value]) -> String {
    let mut spans: Vec<(usize, usize, &str)> = edits
        .iter()
        .map(|e| {
            let p = |v: &Value| {
                offset16(
                    text,
                    v["line"].as_u64().unwrap(),
                    v["character"].as_u64().unwrap(),
                )
            };
            (
                p(&e["range"]["start"]),
                p(&e["range"]["end"]),
                e["newText"].as_str().unwrap(),
            )
        })
        .collect();
    spans.sort_by_key(|s| std::cmp::Reverse(s.0));
    let mut out = text.to_string();
    for (a, b, t) in spans {
        out.replace_range(a..b, t);
    }
    out
}

/// `findings` with their characters counted in UTF-16, as the protocol's
/// default encoding counts them (`texts`: each file's text by path
/// relative to the project).
fn in_utf16(findings: Vec<compare::Finding>, texts: &[(&str, &str)]) -> Vec<compare::Finding> {
    let convert = |p: &mut compare::Place| {
        let Some((_, text)) = texts.iter().find(|(n, _)| Path::new(n) == p.file) else {
            return;
        };
        for (l, c) in [(0, 1), (2, 3)] {
            let line = text.split('\n').nth(p.range[l] as usize).unwrap_or("");
            p.range[c] = line
                .chars()
                .take(p.range[c] as usize)
                .map(char::len_utf16)
                .sum::<usize>() as u64;
        }
    };
    let mut out: Vec<compare::Finding> = findings
        .into_iter()
        .map(|mut f| {
            convert(&mut f.at);
            for (p, _) in &mut f.labels {
                convert(p);
            }
            f
        })
        .collect();
    out.sort();
    out
}

const DB_LINE: &str = "      - DATABASE_URL=postgresql://${POSTGRES_USER:-mppeepuser}:${POSTGRES_PASSWORD}@db:5432/${POSTGRES_DB:-mppeep}\n";

/// Unsaved buffers of two files (the compose file now takes DATABASE_URL
/// from `.env`, which sets it): a `localhost` typed in the `.env` buffer
/// gives check's `localhost-in-container`, with the compose file's lines as
/// related information, and typing `db` back clears it (an empty
/// publication). Nothing is written to disk.
#[test]
fn diagnostics_follow_unsaved_buffers_across_files() {
    let (_keep, dir) = copy_of(&repo(FIXED));
    let env = dir.join(".env");
    let compose = dir.join("docker-compose.prod.yml");
    let (env_disk, compose_disk) = (read(&env), read(&compose));
    let mut c = Client::start(&dir, None);
    c.open(&env, "dotenv", 1, &env_disk);
    c.sync(&env);
    assert_eq!(
        check_on(Some(&repo(FIXED)), &[]),
        vec![],
        "the seed is clean"
    );
    assert!(c.published.is_empty(), "{}", c.report());

    assert!(compose_disk.contains(DB_LINE));
    let compose_text = compose_disk.replace(DB_LINE, "      - DATABASE_URL=${DATABASE_URL}\n");
    let env_db = format!(
        "{env_disk}DATABASE_URL=postgresql://mppeepuser:${{POSTGRES_PASSWORD}}@db:5432/mppeep\n"
    );
    let env_local = env_db.replace("@db:", "@localhost:");
    c.open(&compose, "yaml", 7, &compose_text);
    c.replace(&env, 2, &env_db);
    c.sync(&env);
    let files = |env: &str| {
        vec![
            (".env", Some(env.to_string())),
            ("docker-compose.prod.yml", Some(compose_text.clone())),
        ]
    };
    let on_disk = |env: &str| {
        let f = files(env);
        let f: Vec<(&str, Option<&str>)> = f.iter().map(|(n, t)| (*n, t.as_deref())).collect();
        check_on(Some(&repo(FIXED)), &f)
    };
    assert_eq!(on_disk(&env_db), vec![]);
    assert!(c.published.is_empty(), "{}", c.report());

    c.replace(&env, 3, &env_local);
    let sent = c.sync(&env);
    let expected = on_disk(&env_local);
    assert_eq!(
        expected
            .iter()
            .map(|f| (f.rule.as_str(), f.at.file.to_str().unwrap()))
            .collect::<Vec<_>>(),
        [("localhost-in-container", ".env")],
        "{expected:?}"
    );
    assert_published(&c, &dir, &expected, "localhost in the .env buffer");
    let publications: Vec<&Value> = sent
        .iter()
        .filter(|m| m["method"] == "textDocument/publishDiagnostics")
        .collect();
    assert_eq!(publications.len(), 1, "{publications:?}");
    let p = &publications[0]["params"];
    assert_eq!(p["uri"], uri(&env));
    assert_eq!(p["version"], 3, "the version of the buffer linted");
    let d = &p["diagnostics"][0];
    assert_eq!(d["code"], "localhost-in-container");
    assert_eq!(d["source"], "mppeep-lint");
    assert_eq!(d["severity"], 1);
    assert!(
        d["codeDescription"]["href"]
            .as_str()
            .unwrap()
            .ends_with("rules/localhost-in-container.md"),
        "{d}"
    );
    let related: Vec<&str> = d["relatedInformation"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["location"]["uri"].as_str().unwrap())
        .collect();
    assert!(related.contains(&uri(&compose).as_str()), "{related:?}");
    // The buffers, not the disk.
    assert_eq!(read(&env), env_disk);
    assert_eq!(check_findings(&dir), vec![]);

    c.replace(&env, 4, &env_db);
    let sent = c.sync(&env);
    let cleared: Vec<&Value> = sent
        .iter()
        .filter(|m| m["method"] == "textDocument/publishDiagnostics")
        .collect();
    assert_eq!(cleared.len(), 1, "{cleared:?}");
    assert_eq!(cleared[0]["params"]["uri"], uri(&env));
    assert_eq!(cleared[0]["params"]["diagnostics"], json!([]));
    assert_eq!(cleared[0]["params"]["version"], 4);
    assert_eq!(c.finish(), Some(0));
}

/// Opening one file publishes for every file of its folder with findings:
/// those not open without a version; severities as check's (error 1,
/// warning 2, info 3); every finding's rule, link and source.
#[test]
fn one_open_file_publishes_for_the_whole_folder() {
    let (_keep, dir) = copy_of(&repo(BROKEN));
    let env = dir.join(".env");
    let mut c = Client::start(&dir, Some(&["utf-32"]));
    c.open(&env, "dotenv", 41, &read(&env));
    c.sync(&env);
    assert_published(
        &c,
        &dir,
        &check_on(Some(&repo(BROKEN)), &[]),
        "the broken fixture",
    );
    let mut files: Vec<String> = c.published.keys().cloned().collect();
    files.sort();
    let mut expected = vec![
        uri(&env),
        uri(&dir.join("Dockerfile.prod")),
        uri(&dir.join("docker-compose.prod.yml")),
    ];
    expected.sort();
    assert_eq!(files, expected);
    let mut severities = std::collections::BTreeSet::new();
    for (u, p) in &c.published {
        let version = if *u == uri(&env) {
            json!(41)
        } else {
            Value::Null
        };
        assert_eq!(p["version"], version, "{u}");
        for d in p["diagnostics"].as_array().unwrap() {
            let rule = d["code"].as_str().unwrap();
            assert_eq!(d["source"], "mppeep-lint");
            let href = d["codeDescription"]["href"].as_str().unwrap();
            assert!(href.ends_with(&format!("rules/{rule}.md")), "{href}");
            severities.insert(d["severity"].as_u64().unwrap());
        }
    }
    assert_eq!(severities.into_iter().collect::<Vec<_>>(), [1, 2, 3]);
    assert_eq!(c.finish(), Some(0));
}

// ------------------------------------------------- incremental edits

/// Changes by range, in UTF-16 with non-ASCII text before them on their
/// lines (an astral character counts two), several in one notification and
/// one spanning lines: the result is linted as the same text opened whole
/// and as check on it saved (positions in UTF-16 both ways).
#[test]
fn incremental_changes_in_utf16_give_what_the_whole_text_gives() {
    let (_keep, dir) = copy_of(&repo(BROKEN));
    let env = dir.join(".env");
    let mut text = read(&env);
    let mut c = Client::start(&dir, None);
    c.open(&env, "dotenv", 1, &text);
    let mut version = 1;
    // Each change's positions are in the text the changes before it made.
    let mut change = |c: &mut Client, text: &mut String, edits: Vec<(Value, Value, &str)>| {
        version += 1;
        let changes: Vec<Value> = edits
            .iter()
            .map(|(a, b, t)| json!({"range": {"start": a, "end": b}, "text": t}))
            .collect();
        for e in &changes {
            let edit = json!({"range": e["range"], "newText": e["text"]});
            *text = apply_edits(text, &[edit]);
        }
        c.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": uri(&env), "version": version}, "contentChanges": changes}),
        );
        version
    };
    // After the em dash of the first line: an astral character and accents.
    let at = pos16(&text, "environment", 0);
    change(&mut c, &mut text, vec![(at.clone(), at, "𝄞 café ")]);
    // The user part of DATABASE_URL, then `localhost` after it.
    let user = text.find("//mppeepuser").unwrap() + 2;
    let (a, b) = (
        pos16(&text, "mppeepuser", user),
        pos16(&text, ":mppeep-db", user),
    );
    change(&mut c, &mut text, vec![(a, b, "m𝄞pé")]);
    let host = text.find("@localhost").unwrap() + 1;
    let (a, b) = (pos16(&text, "localhost", host), pos16(&text, ":5432", host));
    change(&mut c, &mut text, vec![(a, b, "127.0.0.1")]);
    // Two changes in one notification, the second in the first's result.
    let (a, b) = (pos16(&text, "True", 0), pos16(&text, "\nACCESS", 0));
    let first = text.replacen("True", "Vrai ✓", 1);
    let at = pos16(&first, "1440", 0);
    change(
        &mut c,
        &mut text,
        vec![(a, b, "Vrai ✓"), (at.clone(), at, "𝄞")],
    );
    assert!(
        text.contains("DEBUG=Vrai ✓\nACCESS_TOKEN_EXPIRE_MINUTES=𝄞1440"),
        "{text}"
    );
    // A range across lines: from the middle of POSTGRES_DB's line to the
    // middle of the next.
    let (a, b) = (pos16(&text, "=mppeep\n", 0), pos16(&text, "ABASE_URL", 0));
    let version = change(&mut c, &mut text, vec![(a, b, "=x\nDAT")]);
    c.sync(&env);
    assert!(
        text.contains(
            "POSTGRES_DB=x\nDATABASE_URL=postgresql://m𝄞pé:mppeep-db-password@127.0.0.1:5432"
        ),
        "{text}"
    );
    let incremental = c.published.clone();

    let mut whole = Client::start(&dir, None);
    whole.open(&env, "dotenv", version, &text);
    whole.sync(&env);
    assert_eq!(whole.published, incremental, "incremental and whole differ");

    let compose = read(&dir.join("docker-compose.prod.yml"));
    let dockerfile = read(&dir.join("Dockerfile.prod"));
    let expected = in_utf16(
        check_on(Some(&repo(BROKEN)), &[(".env", Some(&text))]),
        &[
            (".env", &text),
            ("docker-compose.prod.yml", &compose),
            ("Dockerfile.prod", &dockerfile),
        ],
    );
    assert_published(&c, &dir, &expected, "the edited buffer");
    // Positions after astral characters differ between UTF-16 and
    // UTF-32: there is a finding after one.
    let astral_before = |f: &compare::Finding| {
        let line = text.split('\n').nth(f.at.range[0] as usize).unwrap();
        let mut units = 0;
        line.chars()
            .take_while(|c| {
                units += c.len_utf16();
                units <= f.at.range[1] as usize
            })
            .any(|c| c.len_utf16() == 2)
    };
    assert!(
        expected
            .iter()
            .any(|f| f.at.file == Path::new(".env") && astral_before(f)),
        "no finding after an astral character: {expected:?}"
    );
    assert_eq!(c.finish(), Some(0));
    assert_eq!(whole.finish(), Some(0));
}

// ------------------------------------------------------- code actions

/// The code actions for `d` (a published diagnostic of `path`), asked as
/// an editor asks: its range, and it in the context.
fn actions_for(c: &mut Client, path: &Path, d: &Value) -> Vec<Value> {
    let answer = c.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": uri(path)}, "range": d["range"], "context": {"diagnostics": [d]}}),
    );
    assert!(answer.get("error").is_none(), "{answer}");
    answer["result"].as_array().cloned().unwrap_or_default()
}

/// The one action of `actions` for a finding of `rule` titled as `title`
/// says.
fn action<'a>(actions: &'a [Value], rule: &str, title: impl Fn(&str) -> bool) -> &'a Value {
    let found: Vec<&Value> = actions
        .iter()
        .filter(|a| a["diagnostics"][0]["code"] == rule && title(a["title"].as_str().unwrap()))
        .collect();
    assert_eq!(found.len(), 1, "{rule}: {actions:?}");
    found[0]
}

/// The edits of an action's `changes` for `path`.
fn edits_of(a: &Value, path: &Path) -> Vec<Value> {
    a["edit"]["changes"][uri(path)]
        .as_array()
        .unwrap_or_else(|| panic!("no edit of {}: {a}", path.display()))
        .clone()
}

/// The safe fixes' actions, applied to the editor's text, write what
/// `check --fix` writes.
#[test]
fn safe_fix_actions_write_what_check_fix_writes() {
    let (_keep, dir) = copy_of(&repo(BROKEN));
    let (_keep2, fixed) = copy_of(&repo(BROKEN));
    let o = std::process::Command::new(client::BIN)
        .args(["check", "--fix", "--format", "json"])
        .current_dir(&fixed)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .output()
        .unwrap();
    assert!(matches!(o.status.code(), Some(0 | 1)), "{o:?}");
    // The safe fixes check reports, by file.
    let (_, report) = run_check(&dir);
    let mut safe: Vec<(String, String)> = report.unwrap()["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["fix"]["safe"] == true)
        .map(|d| {
            (
                d["file"].as_str().unwrap().to_string(),
                d["name"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    safe.sort();
    assert!(safe.len() >= 3, "{safe:?}");
    let mut c = Client::start(&dir, None);
    let mut files: Vec<&str> = safe.iter().map(|(f, _)| f.as_str()).collect();
    files.dedup();
    for f in &files {
        c.open(&dir.join(f), "plaintext", 1, &read(&dir.join(f)));
    }
    c.sync(&dir.join(files[0]));
    for f in files {
        let path = dir.join(f);
        let mut edits = Vec::new();
        for (_, rule) in safe.iter().filter(|(g, _)| g == f) {
            let diags = c.diagnostics(&path);
            let d = diags
                .iter()
                .find(|d| d["code"] == rule.as_str())
                .unwrap_or_else(|| panic!("{rule} not published"));
            let actions = actions_for(&mut c, &path, d);
            let fix = action(&actions, rule, |t| !t.starts_with("Suppress"));
            assert_eq!(fix["isPreferred"], true, "{fix}");
            assert_eq!(fix["kind"], "quickfix", "{fix}");
            assert!(!fix["title"].as_str().unwrap().contains("unsafe"), "{fix}");
            edits.extend(edits_of(fix, &path));
        }
        let after = apply_edits(&read(&path), &edits);
        assert_eq!(
            after,
            read(&fixed.join(f)),
            "{f}: the actions' edits and --fix differ"
        );
        assert_ne!(after, read(&path), "{f}: nothing fixed");
    }
    // An unsafe fix is offered as one: said in its title, not preferred.
    let env = dir.join(".env");
    c.open(&env, "dotenv", 1, &read(&env));
    c.sync(&env);
    let d = c
        .diagnostics(&env)
        .into_iter()
        .find(|d| d["code"] == "localhost-in-container")
        .unwrap();
    let actions = actions_for(&mut c, &env, &d);
    let fix = action(&actions, "localhost-in-container", |t| {
        t.contains("unsafe fix")
    });
    assert_eq!(fix["isPreferred"], false, "{fix}");
    let fixed_env = apply_edits(&read(&env), &edits_of(fix, &env));
    assert!(fixed_env.contains("@db:5432"), "{fixed_env}");
    assert_eq!(c.finish(), Some(0));
}

/// "Suppress `rule` on this line" inserts a `# mppeep-lint: ignore[rule]`
/// comment above; applied (a change of the buffer), the finding is gone,
/// as check says of the same text.
#[test]
fn a_suppression_action_once_applied_removes_its_finding() {
    let (_keep, dir) = copy_of(&repo(BROKEN));
    let compose = dir.join("docker-compose.prod.yml");
    let text = read(&compose);
    let mut c = Client::start(&dir, None);
    c.open(&compose, "yaml", 1, &text);
    c.sync(&compose);
    for rule in ["unpinned-image", "quoted-value"] {
        let text = c.published[&uri(&compose)]["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["code"] == rule)
            .cloned()
            .unwrap_or_else(|| panic!("no {rule}"));
        let actions = actions_for(&mut c, &compose, &text);
        let suppress = action(&actions, rule, |t| {
            t == format!("Suppress `{rule}` on this line")
        });
        let edits = edits_of(suppress, &compose);
        assert_eq!(edits.len(), 1, "{edits:?}");
        assert!(
            edits[0]["newText"]
                .as_str()
                .unwrap()
                .trim_start()
                .starts_with(&format!("# mppeep-lint: ignore[{rule}]")),
            "{edits:?}"
        );
    }
    let d = c
        .diagnostics(&compose)
        .into_iter()
        .find(|d| d["code"] == "unpinned-image")
        .unwrap();
    let actions = actions_for(&mut c, &compose, &d);
    let suppress = action(&actions, "unpinned-image", |t| t.starts_with("Suppress"));
    let after = apply_edits(&text, &edits_of(suppress, &compose));
    assert!(
        after.contains("    # mppeep-lint: ignore[unpinned-image]\n    image: redis:latest\n"),
        "{after}"
    );
    c.replace(&compose, 2, &after);
    c.sync(&compose);
    let rules = rules_of(&c.diagnostics(&compose));
    assert!(!rules.contains(&"unpinned-image".to_string()), "{rules:?}");
    assert_published(
        &c,
        &dir,
        &check_on(
            Some(&repo(BROKEN)),
            &[("docker-compose.prod.yml", Some(&after))],
        ),
        "suppressed",
    );
    assert_eq!(c.finish(), Some(0));
}

/// The secret values of the broken fixture (passwords, the secret key,
/// the token) appear in no diagnostic, related information, action title or
/// log line the server sends: only in the edits of a fix, which are the
/// user's own text.
#[test]
fn secret_values_appear_in_nothing_the_server_shows() {
    let (_keep, dir) = copy_of(&repo(BROKEN));
    let env = dir.join(".env");
    // Give SECRET_KEY a value too.
    let env_text = read(&env).replace("SECRET_KEY=\n", "SECRET_KEY=\"s3cr3t-k3y-value\"\n");
    let mut secrets: Vec<String> = env_text
        .lines()
        .filter_map(|l| l.split_once('='))
        .filter(|(k, v)| (k.contains("PASSWORD") || k.contains("SECRET")) && !v.is_empty())
        .map(|(_, v)| v.trim_matches('"').to_string())
        .collect();
    secrets.push("ghp_not_a_real_token_0123456789".into());
    // The compose buffer hard-codes DATABASE_URL, with another password:
    // `shadowed-env` quotes both URLs.
    let compose = dir.join("docker-compose.prod.yml");
    let compose_text = read(&compose).replace(
        "- DATABASE_URL=${DATABASE_URL}",
        "- DATABASE_URL=postgresql://mppeepuser:other-pass-value@db:5432/mppeep",
    );
    secrets.push("other-pass-value".into());
    assert!(
        secrets.contains(&"mppeep-db-password".to_string()),
        "{secrets:?}"
    );
    assert!(
        secrets.contains(&"s3cr3t-k3y-value".to_string()),
        "{secrets:?}"
    );
    let mut c = Client::start(&dir, None);
    c.open(&env, "dotenv", 1, &env_text);
    c.open(&compose, "yaml", 1, &compose_text);
    c.open(
        &dir.join("Dockerfile.prod"),
        "dockerfile",
        1,
        &read(&dir.join("Dockerfile.prod")),
    );
    c.sync(&env);
    assert!(
        rules_of(&c.diagnostics(&env)).contains(&"shadowed-env".to_string()),
        "{}",
        c.report()
    );
    // Every action of every finding.
    let mut shown = Vec::new();
    let published: Vec<(String, Value)> = c
        .published
        .iter()
        .map(|(u, p)| (u.clone(), p.clone()))
        .collect();
    for (u, p) in &published {
        let path = client::path_of(u);
        for d in p["diagnostics"].as_array().unwrap() {
            for mut a in actions_for(&mut c, &path, d) {
                a["edit"] = Value::Null;
                shown.push(a);
            }
        }
    }
    assert!(shown.len() > 10, "{} actions", shown.len());
    shown.extend(
        c.received
            .iter()
            .filter(|m| m["method"] != Value::Null)
            .cloned(),
    );
    let all = serde_json::to_string(&shown).unwrap();
    for s in &secrets {
        assert!(
            !all.contains(s.as_str()),
            "{s:?} is shown: {}",
            &all[all.find(s.as_str()).unwrap().saturating_sub(300)..][..400]
        );
    }
    assert!(
        all.contains("********"),
        "nothing masked: the test tests nothing"
    );
    assert_eq!(c.finish(), Some(0));
}

// ---------------------------------------------------------- navigation

/// Hover, definitions, references and completion (written elsewhere)
/// answer without error wherever they are asked: in an open document, past
/// its end, in a file not open, in a document that is no file.
#[test]
fn navigation_requests_answer_without_error() {
    let (_keep, dir) = copy_of(&repo(BROKEN));
    let env = dir.join(".env");
    let mut c = Client::start(&dir, None);
    c.open(&env, "dotenv", 1, &read(&env));
    let places = [
        (uri(&env), 4, 20),
        (uri(&env), 0, 0),
        (uri(&env), 999, 999),
        (uri(&dir.join("docker-compose.prod.yml")), 41, 25),
        (uri(&dir.join("nowhere/compose.yaml")), 0, 0),
        ("untitled:Untitled-1".to_string(), 0, 0),
    ];
    for (u, line, character) in places {
        let at =
            json!({"textDocument": {"uri": u}, "position": {"line": line, "character": character}});
        let mut with_context = at.clone();
        with_context["context"] = json!({"includeDeclaration": true});
        for (method, params) in [
            ("textDocument/hover", at.clone()),
            ("textDocument/definition", at.clone()),
            ("textDocument/references", with_context),
            ("textDocument/completion", at.clone()),
        ] {
            let answer = c.request(method, params);
            assert!(
                answer.get("error").is_none(),
                "{method} at {u}:{line}:{character}: {answer}"
            );
            let r = &answer["result"];
            assert!(
                r.is_null() || r.is_array() || r.is_object(),
                "{method}: {answer}"
            );
            if u.starts_with("untitled:") {
                assert!(r.is_null(), "{method} on an untitled document: {answer}");
            }
        }
    }
    assert_eq!(c.finish(), Some(0));
}
