//! A small synchronous Language Server client: `mppeep-lint server` run
//! with piped stdio, frames written by hand, frames read by a thread into a
//! channel, every wait bounded by [`WAIT`] (then the test fails with what
//! was received), never a hang.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

/// The binary under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_mppeep-lint");

/// The longest wait for one expected message.
pub const WAIT: Duration = Duration::from_secs(20);

/// The `file:` URI of `path`.
pub fn uri(path: &Path) -> String {
    lsp_types::Url::from_file_path(path)
        .unwrap_or_else(|()| panic!("no URI for {}", path.display()))
        .to_string()
}

/// The path of a `file:` URI.
pub fn path_of(uri: &str) -> PathBuf {
    lsp_types::Url::parse(uri)
        .ok()
        .and_then(|u| u.to_file_path().ok())
        .unwrap_or_else(|| panic!("not a file URI: {uri}"))
}

/// What the reader thread saw: a message, or a frame that is none (a bug
/// of the server's writer: the test fails on it).
type Frame = Result<Value, String>;

pub struct Client {
    child: Child,
    stdin: Option<ChildStdin>,
    rx: Receiver<Frame>,
    next_id: i64,
    /// Every message received, in order.
    pub received: Vec<Value>,
    /// The last `publishDiagnostics` of each URI (its params).
    pub published: BTreeMap<String, Value>,
    /// The server's standard error, as it comes.
    stderr: Arc<Mutex<Vec<u8>>>,
    /// The server's exit status, once seen.
    status: Option<ExitStatus>,
}

fn read_frame(r: &mut impl BufRead) -> Option<Frame> {
    let mut length = None;
    loop {
        let mut line = String::new();
        match r.read_line(&mut line) {
            Ok(0) | Err(_) => return None,
            Ok(_) => {}
        }
        let line = line.trim_end_matches(['\r', '\n']);
        if line.is_empty() {
            break;
        }
        match line.split_once(':') {
            Some((name, value)) if name.eq_ignore_ascii_case("content-length") => {
                length = value.trim().parse::<usize>().ok();
            }
            Some(_) => {}
            None => return Some(Err(format!("not a header: {line:?}"))),
        }
    }
    let Some(length) = length else {
        return Some(Err("a frame without Content-Length".into()));
    };
    let mut body = vec![0; length];
    if r.read_exact(&mut body).is_err() {
        return Some(Err("the output ended inside a frame".into()));
    }
    Some(serde_json::from_slice(&body).map_err(|e| {
        format!(
            "a body that is not JSON ({e}): {}",
            String::from_utf8_lossy(&body)
        )
    }))
}

/// A message, shortened for a failure's report.
fn short(v: &Value) -> String {
    let s = v.to_string();
    if s.chars().count() > 400 {
        format!("{}…", s.chars().take(400).collect::<String>())
    } else {
        s
    }
}

impl Client {
    /// `mppeep-lint server` run in `cwd` with nothing of the caller's
    /// environment but `PATH` (as `check` is run by the tests it is
    /// compared with).
    pub fn spawn(cwd: &Path) -> Client {
        let mut child = Command::new(BIN)
            .arg("server")
            .current_dir(cwd)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start mppeep-lint server");
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut r = BufReader::new(stdout);
            while let Some(frame) = read_frame(&mut r) {
                if tx.send(frame).is_err() {
                    return;
                }
            }
        });
        let stderr = Arc::new(Mutex::new(Vec::new()));
        let sink = stderr.clone();
        let mut err = child.stderr.take().unwrap();
        std::thread::spawn(move || {
            let mut buf = [0; 4096];
            while let Ok(n) = err.read(&mut buf) {
                if n == 0 {
                    return;
                }
                sink.lock().unwrap().extend_from_slice(&buf[..n]);
            }
        });
        Client {
            stdin: child.stdin.take(),
            child,
            rx,
            next_id: 1,
            received: Vec::new(),
            published: BTreeMap::new(),
            stderr,
            status: None,
        }
    }

    /// A server initialized on `root` (root URI and one workspace folder),
    /// offered `encodings` (none: the field left out).
    pub fn start(root: &Path, encodings: Option<&[&str]>) -> Client {
        let mut c = Client::spawn(root);
        let answer = c.initialize(root, encodings);
        assert!(answer.get("result").is_some(), "initialize: {answer}");
        c.notify("initialized", json!({}));
        c
    }

    pub fn initialize(&mut self, root: &Path, encodings: Option<&[&str]>) -> Value {
        let mut capabilities = json!({
            "textDocument": {"publishDiagnostics": {"relatedInformation": true, "versionSupport": true}},
        });
        if let Some(e) = encodings {
            capabilities["general"] = json!({ "positionEncodings": e });
        }
        self.request(
            "initialize",
            json!({
                "processId": null,
                "rootUri": uri(root),
                "workspaceFolders": [{"uri": uri(root), "name": "root"}],
                "capabilities": capabilities,
            }),
        )
    }

    /// What went wrong, for a failure: the last messages and the server's
    /// standard error.
    pub fn report(&self) -> String {
        let tail: Vec<String> = self
            .received
            .iter()
            .rev()
            .take(12)
            .rev()
            .map(short)
            .collect();
        format!(
            "{} messages received; the last:\n  {}\nstderr:\n{}",
            self.received.len(),
            tail.join("\n  "),
            String::from_utf8_lossy(&self.stderr.lock().unwrap())
        )
    }

    /// Writes raw bytes to the server's input. `false` when the server no
    /// longer reads it.
    pub fn write_raw(&mut self, bytes: &[u8]) -> bool {
        let Some(stdin) = self.stdin.as_mut() else {
            return false;
        };
        stdin.write_all(bytes).and_then(|()| stdin.flush()).is_ok()
    }

    /// One frame holding `body`.
    pub fn send_body(&mut self, body: &str) {
        let frame = format!("Content-Length: {}\r\n\r\n{body}", body.len());
        assert!(
            self.write_raw(frame.as_bytes()),
            "the server's input is closed\n{}",
            self.report()
        );
    }

    pub fn send(&mut self, msg: &Value) {
        self.send_body(&msg.to_string());
    }

    /// Sends a request; its id.
    pub fn send_request(&mut self, method: &str, params: Value) -> i64 {
        let id = self.next_id;
        self.next_id += 1;
        self.send(&json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        id
    }

    /// A request and its answer (the whole response: `result` or `error`).
    pub fn request(&mut self, method: &str, params: Value) -> Value {
        let id = self.send_request(method, params);
        self.response(id)
    }

    pub fn notify(&mut self, method: &str, params: Value) {
        self.send(&json!({"jsonrpc": "2.0", "method": method, "params": params}));
    }

    /// Closes the server's input.
    pub fn close_input(&mut self) {
        self.stdin = None;
    }

    /// The next message, within [`WAIT`]; `what` says what was awaited.
    pub fn next(&mut self, what: &str) -> Value {
        match self.rx.recv_timeout(WAIT) {
            Ok(Ok(v)) => {
                if v["method"] == "textDocument/publishDiagnostics" {
                    let uri = v["params"]["uri"].as_str().unwrap_or_default().to_string();
                    self.published.insert(uri, v["params"].clone());
                }
                self.received.push(v.clone());
                v
            }
            Ok(Err(bad)) => panic!("waiting for {what}: {bad}\n{}", self.report()),
            Err(RecvTimeoutError::Timeout) => {
                panic!(
                    "waiting for {what}: nothing within {WAIT:?}\n{}",
                    self.report()
                )
            }
            Err(RecvTimeoutError::Disconnected) => {
                panic!(
                    "waiting for {what}: the server's output ended\n{}",
                    self.report()
                )
            }
        }
    }

    /// Messages until one `matches`: it, and those before it.
    pub fn until(&mut self, what: &str, matches: impl Fn(&Value) -> bool) -> (Value, Vec<Value>) {
        let mut before = Vec::new();
        loop {
            let v = self.next(what);
            if matches(&v) {
                return (v, before);
            }
            before.push(v);
        }
    }

    /// The response to request `id`.
    pub fn response(&mut self, id: i64) -> Value {
        self.until(&format!("the response to request {id}"), |v| {
            v["id"] == id && v.get("method").is_none()
        })
        .0
    }

    /// A request that reads the model (hover): the server lints what
    /// changed before it answers, so every diagnostic of the changes sent so
    /// far is published before this returns. Returns the notifications
    /// received meanwhile.
    pub fn sync(&mut self, file: &Path) -> Vec<Value> {
        let id = self.send_request(
            "textDocument/hover",
            json!({"textDocument": {"uri": uri(file)}, "position": {"line": 0, "character": 0}}),
        );
        let (answer, before) = self.until(&format!("the response to hover {id}"), |v| {
            v["id"] == id && v.get("method").is_none()
        });
        assert!(
            answer.get("error").is_none(),
            "hover failed: {answer}\n{}",
            self.report()
        );
        before
    }

    pub fn open(&mut self, path: &Path, language: &str, version: i32, text: &str) {
        self.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": uri(path), "languageId": language, "version": version, "text": text}}),
        );
    }

    /// A `didChange` of the whole text.
    pub fn replace(&mut self, path: &Path, version: i32, text: &str) {
        self.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": uri(path), "version": version}, "contentChanges": [{"text": text}]}),
        );
    }

    /// The diagnostics last published for `path` (none: never published).
    pub fn diagnostics(&self, path: &Path) -> Vec<Value> {
        self.published
            .get(&uri(path))
            .and_then(|p| p["diagnostics"].as_array().cloned())
            .unwrap_or_default()
    }

    /// The process's exit status, waiting at most `limit` (then it is
    /// killed and the test fails).
    pub fn wait_exit(&mut self, limit: Duration) -> ExitStatus {
        if let Some(s) = self.status {
            return s;
        }
        let until = Instant::now() + limit;
        loop {
            if let Some(s) = self.child.try_wait().expect("wait for the server") {
                self.status = Some(s);
                return s;
            }
            if Instant::now() > until {
                let _ = self.child.kill();
                let _ = self.child.wait();
                panic!(
                    "the server did not exit within {limit:?}\n{}",
                    self.report()
                );
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// `shutdown` then `exit`: the exit code.
    pub fn finish(mut self) -> Option<i32> {
        let answer = self.request("shutdown", Value::Null);
        assert_eq!(answer["result"], Value::Null, "shutdown: {answer}");
        assert!(answer.get("error").is_none(), "shutdown: {answer}");
        self.notify("exit", Value::Null);
        self.wait_exit(WAIT).code()
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        if self.status.is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}
