//! `mppeep-lint server`: a Language Server on stdio. The editor's unsaved
//! buffers are laid over the disk ([`crate::fs::Overlay`]) and each folder
//! is linted by the very linter `check` runs there ([`super::linter`]), so
//! its diagnostics are `check`'s; hover, definitions, references and
//! completion read the model of that run ([`navigate`]), code actions its
//! fixes ([`actions`]).
//!
//! One thread answers, in order; a reader thread feeds it frames
//! ([`transport`]). Changes are linted once typing pauses ([`DEBOUNCE`]),
//! or before a request that reads the model. A project is kept while one of
//! its documents is open, with the parses of its files ([`ParseCache`]):
//! a change re-parses the changed file only, and runs its project's model
//! and rules again.

pub(crate) mod actions;
pub(crate) mod navigate;
pub(crate) mod text;
pub(crate) mod transport;

use std::collections::{BTreeMap, HashMap};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};

use lsp_server::{ErrorCode, Message, Notification, Request, RequestId, Response};
use lsp_types::notification::Notification as _;
use lsp_types::request::Request as _;
use lsp_types::{notification as note, request as req, CodeActionKind, Url};

use crate::fs::{DiskFs, Fs as _};
use crate::model::loader::ParseCache;
use crate::model::secrets::{redactor_for, Redactor, SecretPolicy};
use crate::model::workspace::Workspace;
use crate::report::escape;
use crate::rules::{Diagnostic, Severity};
use crate::source::{FileId, SourceMap};

use text::Encoding;

/// How long typing must pause before the changed projects are linted.
pub const DEBOUNCE: Duration = Duration::from_millis(30);
/// While typing goes on, a lint at least this often.
pub const MAX_DELAY: Duration = Duration::from_millis(300);

/// Runs the server on stdin/stdout until `exit`: the process's exit code
/// (0 after `shutdown`, 1 otherwise, as the protocol says).
pub fn run() -> u8 {
    let (tx, rx) = mpsc::channel();
    let reader = std::thread::Builder::new()
        .name("lsp-reader".into())
        .spawn(move || {
            let stdin = std::io::stdin();
            let mut input = stdin.lock();
            loop {
                match transport::read(&mut input) {
                    Ok(Some(incoming)) => {
                        if tx.send(incoming).is_err() {
                            return;
                        }
                    }
                    Ok(None) => return,
                    Err(e) => {
                        let _ = tx.send(transport::Incoming::Malformed(format!(
                            "cannot read the input: {e}"
                        )));
                        return;
                    }
                }
            }
        });
    if reader.is_err() {
        eprintln!("error: cannot start the server's reader thread");
        return crate::cli::EXIT_ERROR;
    }
    let stdout = std::io::stdout();
    let mut server = Server::new(stdout.lock());
    server.serve(&rx)
}

/// An open document.
struct Document {
    version: i32,
    text: String,
    /// What it is linted in ([`Server::folder_of`] when it was opened).
    folder: PathBuf,
}

/// A folder linted as `check` would lint it run there, while one of its
/// documents is open.
struct Folder {
    cache: Arc<ParseCache>,
    /// The last lint; `None` before the first or after a configuration
    /// error.
    state: Option<Linted>,
    /// The diagnostics its last lint found in each file (what is sent is
    /// merged over folders: [`Server::merged`]).
    published: BTreeMap<Url, Vec<lsp_types::Diagnostic>>,
    dirty: bool,
    /// Why the last lint could not run (a configuration that does not
    /// load), shown once, not at every pause in typing.
    error: Option<String>,
}

/// What a lint of a folder left: its model and findings, and the masks.
pub struct Linted {
    pub ws: Workspace,
    pub diags: Vec<Diagnostic>,
    pub policy: SecretPolicy,
    /// What the editor is shown (masked unless `showSecrets`).
    pub shown: Redactor,
}

/// What the requests about a place in a file read.
pub struct Snapshot<'a> {
    pub linted: &'a Linted,
    pub enc: Encoding,
    /// The file asked about, and the byte offset.
    pub file: FileId,
    pub offset: usize,
}

impl Snapshot<'_> {
    pub fn sources(&self) -> &SourceMap {
        &self.linted.ws.sources
    }

    /// A span as a protocol location.
    pub fn location(&self, span: crate::source::Span) -> Option<lsp_types::Location> {
        let file = self.sources().get(span.file);
        Some(lsp_types::Location::new(
            text::uri_of(&file.path)?,
            text::range(file, span.range, self.enc),
        ))
    }
}

/// Whether the loop goes on.
pub enum Flow {
    Continue,
    Exit(u8),
}

pub struct Server<W: Write> {
    out: W,
    initialized: bool,
    shutdown: bool,
    enc: Encoding,
    show_secrets: bool,
    /// Whether the client takes `create` file operations in an edit.
    create_files: bool,
    /// Whether the client watches files for us when asked
    /// (`workspace/didChangeWatchedFiles` registered at `initialized`).
    watch_files: bool,
    /// The workspace folders, deepest first.
    roots: Vec<PathBuf>,
    docs: HashMap<PathBuf, Document>,
    folders: BTreeMap<PathBuf, Folder>,
    /// The diagnostics last sent for each file (none: an empty list).
    sent: HashMap<Url, Vec<lsp_types::Diagnostic>>,
    /// When the first change not yet linted came, and the last.
    pending: Option<(Instant, Instant)>,
}

impl<W: Write> Server<W> {
    pub fn new(out: W) -> Self {
        Server {
            out,
            initialized: false,
            shutdown: false,
            enc: Encoding::Utf16,
            show_secrets: false,
            create_files: false,
            watch_files: false,
            roots: Vec::new(),
            docs: HashMap::new(),
            folders: BTreeMap::new(),
            sent: HashMap::new(),
            pending: None,
        }
    }

    /// Answers messages from `rx` until `exit` or the end of the input.
    pub fn serve(&mut self, rx: &mpsc::Receiver<transport::Incoming>) -> u8 {
        loop {
            let next = match self.pending {
                Some((first, last)) => {
                    let due = (last + DEBOUNCE).min(first + MAX_DELAY);
                    match rx.recv_timeout(due.saturating_duration_since(Instant::now())) {
                        Ok(m) => Some(m),
                        Err(mpsc::RecvTimeoutError::Timeout) => {
                            self.lint_dirty_guarded();
                            continue;
                        }
                        Err(mpsc::RecvTimeoutError::Disconnected) => None,
                    }
                }
                None => rx.recv().ok(),
            };
            let Some(incoming) = next else {
                // The input ended without `exit`.
                return 1;
            };
            if let Flow::Exit(code) = self.handle(incoming) {
                return code;
            }
        }
    }

    /// One incoming frame. A panic of ours while answering it becomes an
    /// error answer (a request) or a log line, and the server goes on.
    pub(crate) fn handle(&mut self, incoming: transport::Incoming) -> Flow {
        let msg = match incoming {
            transport::Incoming::Message(m) => m,
            transport::Incoming::Malformed(why) => {
                self.log(lsp_types::MessageType::ERROR, &format!("skipped: {why}"));
                let code = ErrorCode::ParseError as i32;
                let _ = transport::write_error(&mut self.out, &serde_json::Value::Null, code, &why);
                return Flow::Continue;
            }
            transport::Incoming::Invalid { id, why } => {
                self.log(lsp_types::MessageType::ERROR, &format!("skipped: {why}"));
                let code = ErrorCode::InvalidRequest as i32;
                let _ = transport::write_error(&mut self.out, &id, code, &why);
                return Flow::Continue;
            }
        };
        let id = match &msg {
            Message::Request(r) => Some(r.id.clone()),
            _ => None,
        };
        match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| self.dispatch(msg))) {
            Ok(flow) => flow,
            Err(payload) => {
                let why = format!(
                    "mppeep-lint failed ({}): this is a bug in mppeep-lint; please report it",
                    crate::rules::engine::panic_message(&*payload)
                );
                match id {
                    Some(id) => self.error(id, ErrorCode::InternalError, why),
                    None => self.log(lsp_types::MessageType::ERROR, &why),
                }
                Flow::Continue
            }
        }
    }

    /// One message (the benchmark drives the server in process with these).
    pub fn message(&mut self, msg: Message) -> Flow {
        self.handle(transport::Incoming::Message(msg))
    }

    fn dispatch(&mut self, msg: Message) -> Flow {
        match msg {
            Message::Request(r) => {
                self.request(r);
                Flow::Continue
            }
            Message::Notification(n) => self.notification(n),
            // We send no request that waits for an answer.
            Message::Response(_) => Flow::Continue,
        }
    }

    fn send(&mut self, msg: Message) {
        // The client gone: nothing to tell; the input's end ends the loop.
        let _ = transport::write(&mut self.out, msg);
    }

    fn respond<T: serde::Serialize>(&mut self, id: RequestId, result: T) {
        self.send(Message::Response(Response::new_ok(id, result)));
    }

    fn error(&mut self, id: RequestId, code: ErrorCode, message: String) {
        self.send(Message::Response(Response::new_err(
            id,
            code as i32,
            message,
        )));
    }

    fn notify<N: note::Notification>(&mut self, params: N::Params) {
        self.send(Message::Notification(Notification::new(
            N::METHOD.into(),
            params,
        )));
    }

    /// A line in the client's log (`window/logMessage`), masked.
    fn log(&mut self, typ: lsp_types::MessageType, message: &str) {
        let message = escape::output(&Redactor::new().redact(message)).into_owned();
        self.notify::<note::LogMessage>(lsp_types::LogMessageParams { typ, message });
    }

    fn request(&mut self, r: Request) {
        if r.method == req::Initialize::METHOD {
            if self.initialized {
                return self.error(
                    r.id,
                    ErrorCode::InvalidRequest,
                    "initialized already".into(),
                );
            }
            return match serde_json::from_value::<lsp_types::InitializeParams>(r.params) {
                Ok(p) => {
                    let result = self.initialize(p);
                    self.respond(r.id, result);
                }
                Err(e) => self.error(r.id, ErrorCode::InvalidParams, e.to_string()),
            };
        }
        if !self.initialized {
            return self.error(
                r.id,
                ErrorCode::ServerNotInitialized,
                "the server is not initialized".into(),
            );
        }
        if self.shutdown {
            return self.error(
                r.id,
                ErrorCode::InvalidRequest,
                "the server is shutting down".into(),
            );
        }
        macro_rules! on {
            ($kind:ty, $handler:ident) => {
                if r.method == <$kind>::METHOD {
                    return match serde_json::from_value::<<$kind as req::Request>::Params>(r.params)
                    {
                        Ok(p) => {
                            let result = self.$handler(p);
                            self.respond(r.id, result);
                        }
                        Err(e) => self.error(r.id, ErrorCode::InvalidParams, e.to_string()),
                    };
                }
            };
        }
        if r.method == req::Shutdown::METHOD {
            self.shutdown = true;
            self.folders.clear();
            return self.respond(r.id, ());
        }
        on!(req::HoverRequest, hover);
        on!(req::GotoDefinition, definition);
        on!(req::References, references);
        on!(req::CodeActionRequest, code_action);
        on!(req::Completion, completion);
        self.error(
            r.id,
            ErrorCode::MethodNotFound,
            format!(
                "mppeep-lint does not answer `{}`",
                transport::clip(&r.method)
            ),
        );
    }

    fn notification(&mut self, n: Notification) -> Flow {
        if n.method == note::Exit::METHOD {
            return Flow::Exit(if self.shutdown { 0 } else { 1 });
        }
        if !self.initialized || self.shutdown {
            return Flow::Continue;
        }
        macro_rules! on {
            ($kind:ty, $handler:ident) => {
                if n.method == <$kind>::METHOD {
                    match serde_json::from_value::<<$kind as note::Notification>::Params>(n.params)
                    {
                        Ok(p) => self.$handler(p),
                        Err(e) => {
                            self.log(lsp_types::MessageType::ERROR, &format!("{}: {e}", n.method))
                        }
                    }
                    return Flow::Continue;
                }
            };
        }
        if n.method == note::Initialized::METHOD {
            self.register_watchers();
            return Flow::Continue;
        }
        on!(note::DidOpenTextDocument, did_open);
        on!(note::DidChangeTextDocument, did_change);
        on!(note::DidCloseTextDocument, did_close);
        on!(note::DidSaveTextDocument, did_save);
        on!(note::DidChangeWatchedFiles, did_change_watched);
        on!(note::DidChangeWorkspaceFolders, did_change_folders);
        // `initialized`, `$/cancelRequest`, `$/setTrace` and the like: none
        // asks anything of us.
        Flow::Continue
    }

    fn initialize(&mut self, p: lsp_types::InitializeParams) -> lsp_types::InitializeResult {
        use lsp_types::*;
        self.initialized = true;
        self.enc = Encoding::negotiate(
            p.capabilities
                .general
                .as_ref()
                .and_then(|g| g.position_encodings.as_deref()),
        );
        self.create_files = p
            .capabilities
            .workspace
            .as_ref()
            .and_then(|w| w.workspace_edit.as_ref())
            .is_some_and(|e| {
                e.document_changes == Some(true)
                    && e.resource_operations
                        .as_ref()
                        .is_some_and(|ops| ops.contains(&ResourceOperationKind::Create))
            });
        self.watch_files = p
            .capabilities
            .workspace
            .as_ref()
            .and_then(|w| w.did_change_watched_files.as_ref())
            .and_then(|c| c.dynamic_registration)
            .unwrap_or(false);
        self.show_secrets = p
            .initialization_options
            .as_ref()
            .and_then(|o| o.get("showSecrets"))
            .and_then(serde_json::Value::as_bool)
            .unwrap_or(false);
        // The workspace folders; without any (none given, or an empty
        // list), the root URI.
        #[allow(deprecated)]
        let roots: Vec<PathBuf> = match (&p.workspace_folders, &p.root_uri) {
            (Some(folders), _) if !folders.is_empty() => folders
                .iter()
                .filter_map(|f| text::path_of(&f.uri))
                .collect(),
            (_, Some(uri)) => text::path_of(uri).into_iter().collect(),
            _ => Vec::new(),
        };
        self.add_roots(roots);
        InitializeResult {
            capabilities: ServerCapabilities {
                position_encoding: Some(self.enc.kind()),
                text_document_sync: Some(TextDocumentSyncCapability::Options(
                    TextDocumentSyncOptions {
                        open_close: Some(true),
                        change: Some(TextDocumentSyncKind::INCREMENTAL),
                        save: Some(TextDocumentSyncSaveOptions::Supported(true)),
                        ..Default::default()
                    },
                )),
                hover_provider: Some(HoverProviderCapability::Simple(true)),
                definition_provider: Some(OneOf::Left(true)),
                references_provider: Some(OneOf::Left(true)),
                code_action_provider: Some(CodeActionProviderCapability::Options(
                    CodeActionOptions {
                        code_action_kinds: Some(vec![CodeActionKind::QUICKFIX]),
                        ..Default::default()
                    },
                )),
                completion_provider: Some(CompletionOptions {
                    trigger_characters: Some(vec!["{".into(), "$".into()]),
                    ..Default::default()
                }),
                workspace: Some(WorkspaceServerCapabilities {
                    workspace_folders: Some(WorkspaceFoldersServerCapabilities {
                        supported: Some(true),
                        change_notifications: Some(OneOf::Left(true)),
                    }),
                    file_operations: None,
                }),
                ..Default::default()
            },
            server_info: Some(ServerInfo {
                name: "mppeep-lint".into(),
                version: Some(env!("CARGO_PKG_VERSION").into()),
            }),
        }
    }

    /// Asks the client to tell us of changes on disk to the files a lint
    /// reads (a `git pull`, a formatter), so that the diagnostics of files
    /// not open in the editor follow them.
    fn register_watchers(&mut self) {
        if !self.watch_files {
            return;
        }
        let watchers = [
            "**/.env",
            "**/.env.*",
            "**/*.env",
            "**/*compose*.y*ml",
            "**/*Dockerfile*",
            "**/*dockerfile*",
            "**/*Containerfile*",
            "**/.dockerignore",
            "**/mppeep-lint.toml",
            "**/pyproject.toml",
            "**/*.py",
        ]
        .into_iter()
        .map(|g| lsp_types::FileSystemWatcher {
            glob_pattern: lsp_types::GlobPattern::String(g.into()),
            kind: None,
        })
        .collect();
        let options = lsp_types::DidChangeWatchedFilesRegistrationOptions { watchers };
        let params = lsp_types::RegistrationParams {
            registrations: vec![lsp_types::Registration {
                id: "mppeep-lint-watched-files".into(),
                method: note::DidChangeWatchedFiles::METHOD.into(),
                register_options: serde_json::to_value(options).ok(),
            }],
        };
        self.send(Message::Request(Request::new(
            RequestId::from("mppeep-lint-watch".to_string()),
            req::RegisterCapability::METHOD.into(),
            params,
        )));
    }

    // ------------------------------------------------------- documents

    /// What a file is linted in: the deepest workspace folder holding it;
    /// else its project's folder as `check FILE` finds it (the nearest with
    /// a compose file, not above a repository's root); else the file alone,
    /// in its project as `check FILE` lints it — never its whole parent
    /// folder (a file in `~` would have the home folder walked).
    fn folder_of(&self, path: &Path) -> PathBuf {
        if let Some(root) = self.roots.iter().find(|r| path.starts_with(r)) {
            return root.clone();
        }
        let parent = path.parent().unwrap_or(Path::new("/")).to_path_buf();
        crate::cli::scope::project_root(path, &parent).unwrap_or_else(|| path.to_path_buf())
    }

    /// Marks `folder` to be linted again (opening it if needed).
    fn touch(&mut self, folder: PathBuf) {
        self.folders
            .entry(folder)
            .or_insert_with(|| Folder {
                cache: Arc::new(ParseCache::default()),
                state: None,
                published: BTreeMap::new(),
                dirty: true,
                error: None,
            })
            .dirty = true;
        let now = Instant::now();
        self.pending = Some(match self.pending {
            Some((first, _)) => (first, now),
            None => (now, now),
        });
    }

    /// The folder `path` is linted in: its document's, when open (decided
    /// when it was opened: the disk may have changed since).
    fn folder_holding(&self, path: &Path) -> PathBuf {
        match self.docs.get(path) {
            Some(doc) => doc.folder.clone(),
            None => self.folder_of(path),
        }
    }

    fn did_open(&mut self, p: lsp_types::DidOpenTextDocumentParams) {
        let Some(path) = text::path_of(&p.text_document.uri) else {
            return;
        };
        let folder = self.folder_of(&path);
        self.docs.insert(
            path,
            Document {
                version: p.text_document.version,
                text: p.text_document.text,
                folder: folder.clone(),
            },
        );
        self.touch(folder);
    }

    fn did_change(&mut self, p: lsp_types::DidChangeTextDocumentParams) {
        let Some(path) = text::path_of(&p.text_document.uri) else {
            return;
        };
        let enc = self.enc;
        let Some(doc) = self.docs.get_mut(&path) else {
            return;
        };
        doc.version = p.text_document.version;
        for change in p.content_changes {
            text::apply_change(&mut doc.text, change, enc);
        }
        let folder = doc.folder.clone();
        self.touch(folder);
    }

    fn did_close(&mut self, p: lsp_types::DidCloseTextDocumentParams) {
        let Some(path) = text::path_of(&p.text_document.uri) else {
            return;
        };
        let Some(doc) = self.docs.remove(&path) else {
            return;
        };
        if self.docs.values().any(|d| d.folder == doc.folder) {
            self.touch(doc.folder);
        } else {
            // Nothing of it is open: its memory is given back, and what it
            // showed cleared.
            self.drop_folder(&doc.folder);
        }
    }

    /// Forgets `folder`, and publishes again the files it showed.
    fn drop_folder(&mut self, folder: &Path) {
        if let Some(f) = self.folders.remove(folder) {
            self.publish_merged(f.published.into_keys().collect());
        }
    }

    fn did_save(&mut self, p: lsp_types::DidSaveTextDocumentParams) {
        if let Some(path) = text::path_of(&p.text_document.uri) {
            let folder = self.folder_holding(&path);
            self.touch(folder);
        }
    }

    /// A file changed on disk: the folders holding it are linted again; one
    /// outside every folder (a shared env_file) may be read by any.
    fn did_change_watched(&mut self, p: lsp_types::DidChangeWatchedFilesParams) {
        let paths: Vec<PathBuf> = p
            .changes
            .iter()
            .filter_map(|c| text::path_of(&c.uri))
            .collect();
        let mut hit: Vec<PathBuf> = Vec::new();
        let mut any = false;
        for path in &paths {
            let holding: Vec<&PathBuf> = self
                .folders
                .keys()
                .filter(|f| path.starts_with(f))
                .collect();
            any |= holding.is_empty();
            hit.extend(holding.into_iter().cloned());
        }
        if any {
            hit = self.folders.keys().cloned().collect();
        }
        hit.sort();
        hit.dedup();
        for folder in hit {
            self.touch(folder);
        }
    }

    fn did_change_folders(&mut self, p: lsp_types::DidChangeWorkspaceFoldersParams) {
        let removed: Vec<PathBuf> = p
            .event
            .removed
            .iter()
            .filter_map(|f| text::path_of(&f.uri))
            .collect();
        self.roots.retain(|r| !removed.contains(r));
        let added: Vec<PathBuf> = p
            .event
            .added
            .iter()
            .filter_map(|f| text::path_of(&f.uri))
            .collect();
        self.add_roots(added);
        // Documents may now belong to other folders: start again.
        let folders: Vec<PathBuf> = self.folders.keys().cloned().collect();
        for folder in folders {
            self.drop_folder(&folder);
        }
        let open: Vec<PathBuf> = self.docs.keys().cloned().collect();
        for path in open {
            let folder = self.folder_of(&path);
            if let Some(doc) = self.docs.get_mut(&path) {
                doc.folder = folder.clone();
            }
            self.touch(folder);
        }
    }

    /// Adds workspace folders, deepest first; the file system's root and the
    /// home folder are not linted whole (a client that opens them gets each
    /// file linted in its project instead).
    fn add_roots(&mut self, roots: Vec<PathBuf>) {
        let home = std::env::var_os("HOME").map(|h| crate::fs::normalize(Path::new(&h)));
        for root in roots {
            if root.parent().is_none() || home.as_ref() == Some(&root) {
                self.log(
                    lsp_types::MessageType::INFO,
                    &format!(
                        "{} is too broad to lint whole: each file is linted in its project",
                        root.display()
                    ),
                );
                continue;
            }
            if !self.roots.contains(&root) {
                self.roots.push(root);
            }
        }
        self.roots
            .sort_by_key(|r| std::cmp::Reverse(r.components().count()));
    }

    // ------------------------------------------------------- linting

    /// Lints every folder changed since its last lint, and publishes.
    pub fn lint_dirty(&mut self) {
        self.pending = None;
        let dirty: Vec<PathBuf> = self
            .folders
            .iter()
            .filter(|(_, f)| f.dirty)
            .map(|(p, _)| p.clone())
            .collect();
        for folder in dirty {
            self.lint_folder(&folder);
        }
    }

    /// [`Server::lint_dirty`] when typing pauses, outside any request: a
    /// panic of ours is logged and the server goes on.
    fn lint_dirty_guarded(&mut self) {
        let run = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| self.lint_dirty()));
        if let Err(payload) = run {
            let why = format!(
                "mppeep-lint failed ({}): this is a bug in mppeep-lint; please report it",
                crate::rules::engine::panic_message(&*payload)
            );
            self.log(lsp_types::MessageType::ERROR, &why);
        }
    }

    /// The unsaved text of every open document, over the disk.
    fn overlay(&self) -> crate::fs::Overlay<'static> {
        let mut overlay = crate::fs::Overlay::new(&DiskFs);
        for (path, doc) in &self.docs {
            overlay.insert(path, doc.text.clone());
        }
        overlay
    }

    fn lint_folder(&mut self, folder: &Path) {
        let Some(f) = self.folders.get_mut(folder) else {
            return;
        };
        f.dirty = false;
        let cache = f.cache.clone();
        let overlay = self.overlay();
        match lint(folder, &overlay, Some(cache.clone()), self.show_secrets) {
            Ok(linted) => {
                cache.sweep();
                let files = self.convert(&linted);
                if let Some(f) = self.folders.get_mut(folder) {
                    f.state = Some(linted);
                    f.error = None;
                }
                self.publish(folder, files);
            }
            Err(message) => {
                let mut new = true;
                if let Some(f) = self.folders.get_mut(folder) {
                    f.state = None;
                    new = f.error.as_ref() != Some(&message);
                    f.error = Some(message.clone());
                }
                self.publish(folder, BTreeMap::new());
                if new {
                    self.notify::<note::ShowMessage>(lsp_types::ShowMessageParams {
                        typ: lsp_types::MessageType::ERROR,
                        message: escape::output(&Redactor::new().redact(&message)).into_owned(),
                    });
                }
            }
        }
    }

    /// Each file's diagnostics, as the protocol shows them.
    fn convert(&self, linted: &Linted) -> BTreeMap<Url, Vec<lsp_types::Diagnostic>> {
        let mut files: BTreeMap<Url, Vec<lsp_types::Diagnostic>> = BTreeMap::new();
        for d in &linted.diags {
            let path = &linted.ws.sources.get(d.span.file).path;
            if let Some(uri) = text::uri_of(path) {
                files.entry(uri).or_default().push(to_lsp(
                    d,
                    &linted.ws.sources,
                    &linted.shown,
                    self.enc,
                ));
            }
        }
        files
    }

    /// Records `folder`'s findings per file, and sends the files whose
    /// diagnostics change.
    fn publish(&mut self, folder: &Path, files: BTreeMap<Url, Vec<lsp_types::Diagnostic>>) {
        let Some(f) = self.folders.get_mut(folder) else {
            return;
        };
        let before = std::mem::replace(&mut f.published, files);
        let mut changed: Vec<Url> = before
            .iter()
            .filter(|(uri, diags)| f.published.get(*uri) != Some(*diags))
            .map(|(uri, _)| uri.clone())
            .collect();
        changed.extend(
            f.published
                .iter()
                .filter(|(uri, diags)| before.get(*uri) != Some(*diags))
                .map(|(uri, _)| uri.clone()),
        );
        changed.sort();
        changed.dedup();
        self.publish_merged(changed);
    }

    /// What a file shows, over the folders that linted it: the findings of
    /// the folder it belongs to when that one is open (a nested workspace
    /// folder with its own configuration: `check` run there), else those of
    /// every folder that read it (a shared env_file outside them all), each
    /// once.
    fn merged(&self, uri: &Url) -> Vec<lsp_types::Diagnostic> {
        let owner = text::path_of(uri).map(|p| self.folder_holding(&p));
        if let Some(f) = owner.as_ref().and_then(|o| self.folders.get(o)) {
            return f.published.get(uri).cloned().unwrap_or_default();
        }
        let mut all: Vec<lsp_types::Diagnostic> = Vec::new();
        for f in self.folders.values() {
            for d in f.published.get(uri).into_iter().flatten() {
                if !all.contains(d) {
                    all.push(d.clone());
                }
            }
        }
        all
    }

    /// Sends each of `uris` whose merged diagnostics differ from what was
    /// last sent (an empty list for one that has none now).
    fn publish_merged(&mut self, uris: Vec<Url>) {
        for uri in uris {
            let diagnostics = self.merged(&uri);
            let last = self.sent.get(&uri).map_or(&[][..], Vec::as_slice);
            if last == diagnostics.as_slice() {
                continue;
            }
            if diagnostics.is_empty() {
                self.sent.remove(&uri);
            } else {
                self.sent.insert(uri.clone(), diagnostics.clone());
            }
            let version = text::path_of(&uri)
                .and_then(|p| self.docs.get(&p))
                .map(|d| d.version);
            self.notify::<note::PublishDiagnostics>(lsp_types::PublishDiagnosticsParams {
                uri,
                diagnostics,
                version,
            });
        }
    }

    // ------------------------------------------------------- requests

    /// The last lint of `uri`'s folder, brought up to date, and where
    /// `pos` is in it.
    fn snapshot_at(&mut self, uri: &Url, pos: lsp_types::Position) -> Option<Snapshot<'_>> {
        let path = text::path_of(uri)?;
        let folder = self.folder_holding(&path);
        if !self.folders.contains_key(&folder) {
            // A request about a file of no open folder (the protocol asks
            // about open documents) would keep a folder nothing closes.
            if !self.docs.contains_key(&path) {
                return None;
            }
            self.touch(folder.clone());
        }
        if self
            .folders
            .get(&folder)
            .is_some_and(|f| f.dirty || f.state.is_none())
        {
            self.lint_dirty();
        }
        let linted = self.folders.get(&folder)?.state.as_ref()?;
        let file = linted.ws.sources.find(&path)?;
        let offset = text::offset(&linted.ws.sources.get(file).text, pos, self.enc);
        Some(Snapshot {
            linted,
            enc: self.enc,
            file,
            offset,
        })
    }

    fn hover(&mut self, p: lsp_types::HoverParams) -> Option<lsp_types::Hover> {
        let at = &p.text_document_position_params;
        let snap = self.snapshot_at(&at.text_document.uri, at.position)?;
        navigate::hover(&snap)
    }

    fn definition(
        &mut self,
        p: lsp_types::GotoDefinitionParams,
    ) -> Option<lsp_types::GotoDefinitionResponse> {
        let at = &p.text_document_position_params;
        let snap = self.snapshot_at(&at.text_document.uri, at.position)?;
        let found = navigate::definition(&snap);
        (!found.is_empty()).then_some(lsp_types::GotoDefinitionResponse::Array(found))
    }

    fn references(&mut self, p: lsp_types::ReferenceParams) -> Option<Vec<lsp_types::Location>> {
        let at = &p.text_document_position;
        let declaration = p.context.include_declaration;
        let snap = self.snapshot_at(&at.text_document.uri, at.position)?;
        Some(navigate::references(&snap, declaration))
    }

    fn completion(
        &mut self,
        p: lsp_types::CompletionParams,
    ) -> Option<lsp_types::CompletionResponse> {
        let at = &p.text_document_position;
        let snap = self.snapshot_at(&at.text_document.uri, at.position)?;
        let items = navigate::completion(&snap);
        (!items.is_empty()).then_some(lsp_types::CompletionResponse::Array(items))
    }

    fn code_action(
        &mut self,
        p: lsp_types::CodeActionParams,
    ) -> Option<lsp_types::CodeActionResponse> {
        // Only quick fixes are offered: a request for other kinds only
        // (`source.fixAll`, `refactor`) has none, and costs no lint.
        let wanted = p.context.only.as_ref().is_none_or(|only| {
            only.iter()
                .any(|k| k.as_str().is_empty() || k.as_str() == CodeActionKind::QUICKFIX.as_str())
        });
        if !wanted {
            return Some(Vec::new());
        }
        let create_files = self.create_files;
        let show_secrets = self.show_secrets;
        let base = self.overlay();
        let open: std::collections::HashSet<PathBuf> = self.docs.keys().cloned().collect();
        let path = text::path_of(&p.text_document.uri)?;
        let folder = self.folder_holding(&path);
        // The folder's parses: only the edited file is parsed again.
        let cache = self.folders.get(&folder).map(|f| f.cache.clone());
        let snap = self.snapshot_at(&p.text_document.uri, p.range.start)?;
        let end = text::offset(&snap.sources().get(snap.file).text, p.range.end, snap.enc);
        let recheck = |path: &Path, text: String| {
            let mut edited = base.clone();
            edited.insert(path, text);
            lint(&folder, &edited, cache.clone(), show_secrets).ok()
        };
        // A fix edits only what `check --fix` would write: never through a
        // symbolic link, and a file that is not open only if its text on
        // disk is what the lint read (not a lossy reading of other bytes); a
        // file to create only where there is none.
        let writable = |path: &Path, read: Option<&str>| match (open.contains(path), read) {
            (true, Some(_)) => std::fs::canonicalize(path).map_or(true, |real| real == path),
            _ => super::unwritable(path, path, read).is_none(),
        };
        Some(actions::code_actions(
            &snap,
            snap.offset..end.max(snap.offset),
            actions::Client {
                create_files,
                recheck: &recheck,
                writable: &writable,
            },
        ))
    }
}

/// Lints `folder` as `check` run there lints it (a file, as `check FILE`
/// does), over `overlay`.
pub fn lint(
    folder: &Path,
    overlay: &crate::fs::Overlay,
    cache: Option<Arc<ParseCache>>,
    show_secrets: bool,
) -> Result<Linted, String> {
    // A file alone (no workspace folder, no project around it): as
    // `check FILE` run in its folder lints it — in its project, only what
    // concerns it reported.
    let alone = !overlay.is_dir(folder);
    let (cwd, args) = match (alone, folder.parent()) {
        (true, Some(parent)) => (
            parent.to_path_buf(),
            super::CheckArgs {
                paths: vec![folder.to_path_buf()],
                ..Default::default()
            },
        ),
        _ => (folder.to_path_buf(), super::CheckArgs::default()),
    };
    let mut linter = match super::linter(cwd, &args) {
        Ok(Some(l)) => l,
        Ok(None) => return Err("every file is excluded by the configuration".into()),
        Err(e) => return Err(e.to_string()),
    };
    linter.opts.parses = cache;
    // A shell run in the folder has it as PWD, which Compose reads like any
    // variable (`${PWD}/data`); the server's own is the editor's.
    let pwd = linter.cwd.display().to_string();
    linter.opts.process_env.insert("PWD".into(), pwd);
    let created: Vec<PathBuf> = overlay
        .created()
        .into_iter()
        .filter(|p| p.starts_with(folder))
        .collect();
    let linted = linter
        .lint(overlay, created, true)
        .map_err(|e| e.to_string())?;
    let shown = if show_secrets {
        Redactor::disabled()
    } else {
        redactor_for(&linted.ws, &linted.policy)
    };
    Ok(Linted {
        ws: linted.ws,
        diags: linted.diags,
        policy: linted.policy,
        shown,
    })
}

fn severity(s: Severity) -> lsp_types::DiagnosticSeverity {
    match s {
        Severity::Error => lsp_types::DiagnosticSeverity::ERROR,
        Severity::Warning => lsp_types::DiagnosticSeverity::WARNING,
        Severity::Info => lsp_types::DiagnosticSeverity::INFORMATION,
    }
}

/// A finding as the protocol shows it: its message (then its help), masked
/// as every output masks it; its rule as `code`, linked to the rule's
/// document; its labels as related information. Each piece is shown as the
/// text outputs show it: escaped on one line (a line break in a quoted
/// value must not start a line, such as a forged `help:`), clipped.
pub fn to_lsp(
    d: &Diagnostic,
    sources: &SourceMap,
    shown: &Redactor,
    enc: Encoding,
) -> lsp_types::Diagnostic {
    let masks = shown.message_masks(sources, &crate::report::render::spans_of(d));
    let t = |s: &str| {
        let masked = shown.mask_message(&masks, s);
        crate::report::render::clip(&escape::text(&masked)).into_owned()
    };
    let file = sources.get(d.span.file);
    let range = text::range(file, d.span.range, enc);
    let mut message = t(&d.message);
    if let Some(help) = &d.help {
        message.push_str("\nhelp: ");
        message.push_str(&t(help));
    }
    let mut related = Vec::new();
    if let (Some(label), Some(uri)) = (&d.span_label, text::uri_of(&file.path)) {
        related.push(lsp_types::DiagnosticRelatedInformation {
            location: lsp_types::Location::new(uri, range),
            message: t(label),
        });
    }
    for l in &d.labels {
        let f = sources.get(l.span.file);
        if let Some(uri) = text::uri_of(&f.path) {
            related.push(lsp_types::DiagnosticRelatedInformation {
                location: lsp_types::Location::new(uri, text::range(f, l.span.range, enc)),
                message: t(&l.message),
            });
        }
    }
    let name = d.rule.to_string();
    lsp_types::Diagnostic {
        range,
        severity: Some(severity(d.severity)),
        code: Some(lsp_types::NumberOrString::String(name.clone())),
        code_description: Url::parse(&crate::report::render::rule_url(&name))
            .ok()
            .map(|href| lsp_types::CodeDescription { href }),
        source: Some("mppeep-lint".into()),
        message,
        related_information: (!related.is_empty()).then_some(related),
        tags: None,
        data: None,
    }
}

#[cfg(test)]
mod tests;
