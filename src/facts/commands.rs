//! What a service's container runs — compose `command:`/`entrypoint:` over
//! the image's CMD/ENTRYPOINT — as simple commands whose words keep their
//! source spans, and the web servers found in them (uvicorn, gunicorn, flask,
//! Django's runserver...) with the host and port they listen on.

use std::ops::Range;
use std::sync::Arc;

use crate::model::types::*;
use crate::model::workspace::Workspace;
use crate::source::{Span, TextRange};
use crate::syntax::dockerfile::Command as DockerCommand;
use crate::syntax::shell;

/// A word of a command, where it is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Arg {
    pub text: String,
    pub span: Span,
    /// For a word of a compose value whose text is there as it is (no
    /// quote or escape taken out of it): the value and the byte of its text
    /// the word starts at, to point inside the word ([`Arg::span_of`]).
    pub within: Option<(Arc<Value>, usize)>,
}

impl Arg {
    /// A word known only by its span.
    pub fn new(text: impl Into<String>, span: Span) -> Self {
        Arg {
            text: text.into(),
            span,
            within: None,
        }
    }

    /// Where bytes `range` of the word are written: through its compose
    /// value's map ([`span_in`]: `127.0.0.1` of `127.0.0.1:${PORT}`; the
    /// word's span when the map knows no one place, as for a piece that a
    /// variable brought), else, for a word known only by its span (a
    /// Dockerfile's), inside `span` when it holds the word byte for byte
    /// (a word whose quotes or escapes were taken out is longer there).
    pub fn span_of(&self, range: Range<usize>) -> Span {
        if let Some((v, at)) = &self.within {
            return v
                .origin_of(at + range.start..at + range.end)
                .in_value()
                .unwrap_or(self.span);
        }
        if self.span.range.len() == self.text.len() && range.end <= self.text.len() {
            let start = self.span.range.start;
            Span::new(
                self.span.file,
                TextRange::new(start + range.start, start + range.end),
            )
        } else {
            self.span
        }
    }

    /// The word from byte `from` on (the value of `--name=VALUE`).
    fn rest(&self, from: usize) -> Arg {
        Arg {
            text: self.text[from..].to_string(),
            span: self.span_of(from..self.text.len()),
            within: self.within.as_ref().map(|(v, at)| (v.clone(), at + from)),
        }
    }
}

/// One simple command: program and arguments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invocation {
    pub args: Vec<Arg>,
}

impl Invocation {
    /// The program's name without folder, after `sudo`/`exec`/`env A=b`,
    /// `time`, `tini --`… ([`shell::program_index`]).
    pub fn program(&self) -> Option<(usize, &str)> {
        let i = shell::program_index(self.args.iter().map(|a| (a.text.as_str(), false)))?;
        let w = self.args[i].text.as_str();
        Some((i, w.rsplit('/').next().unwrap_or(w)))
    }
}

/// Where the command comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CommandSource {
    Compose,
    Image,
}

/// The process a service's container starts: entrypoint and command parts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunCommand {
    pub invocations: Vec<Invocation>,
    pub source: CommandSource,
}

/// Where `range` of a compose value's text is seen in its own scalar, when
/// the value's map knows it exactly ([`Origin::in_value`]: text written
/// there byte for byte, a default's text included, or the `${VAR}` that
/// brought it); else the whole scalar (text decoded from another form, a
/// range across a `${VAR}`).
pub(crate) fn span_in(v: &Value, range: std::ops::Range<usize>) -> Span {
    v.origin_of(range).in_value().unwrap_or(v.span)
}

/// Where the text of a shell word written at `raw` of `text` starts: the
/// word as written, or between its quotes; `None` when a quote or an
/// escape inside it was taken out.
fn word_start(text: &str, raw: Range<usize>, word: &str) -> Option<usize> {
    let written = text.get(raw.clone())?;
    if written == word {
        Some(raw.start)
    } else if written.len() == word.len() + 2 && written.get(1..written.len() - 1) == Some(word) {
        Some(raw.start + 1)
    } else {
        None
    }
}

/// The word written at `raw` of the compose value `v`'s text.
fn value_word(v: &Arc<Value>, text: String, raw: Range<usize>) -> Arg {
    match word_start(&v.text, raw.clone(), &text) {
        // The word between its quotes, as `split_bind` points inside it.
        Some(at) => Arg {
            span: span_in(v, at..at + text.len()),
            within: Some((v.clone(), at)),
            text,
        },
        None => Arg {
            span: span_in(v, raw),
            within: None,
            text,
        },
    }
}

/// Simple commands of `text`, a part of the compose value `v` that starts
/// at byte `at` of `v.text` when it is written there as it is: each word
/// where it is written ([`span_in`]); else every word spans `whole`.
fn split_value(v: &Arc<Value>, text: &str, at: Option<usize>, whole: Span) -> Vec<Invocation> {
    shell::split(text, 0)
        .into_iter()
        .map(|c| Invocation {
            args: c
                .words
                .into_iter()
                .map(|w| match at {
                    Some(a) => value_word(v, w.text, a + w.range.start..a + w.range.end),
                    None => Arg::new(w.text, whole),
                })
                .collect(),
        })
        .collect()
}

/// `sh -c SCRIPT` of a compose command: the script's commands.
fn split_script(a: &Arg) -> Vec<Invocation> {
    match &a.within {
        Some((v, at)) => split_value(v, &a.text, Some(*at), a.span),
        None => split_text(&a.text, None, a.span),
    }
}

/// Simple commands of a shell text, spans mapped when `base` is known, else
/// every word spans `whole`.
fn split_text(text: &str, base: Option<usize>, whole: Span) -> Vec<Invocation> {
    shell::split(text, base.unwrap_or(0))
        .into_iter()
        .map(|c| Invocation {
            args: c
                .words
                .into_iter()
                .map(|w| {
                    let span = match base {
                        Some(_) => Span::new(whole.file, w.range),
                        None => whole,
                    };
                    Arg::new(w.text, span)
                })
                .collect(),
        })
        .collect()
}

/// An exec-form argv; `sh -c SCRIPT` is opened up into the script's
/// commands (`split_script` splits it).
fn exec_invocations(
    args: Vec<Arg>,
    split_script: impl Fn(&Arg) -> Vec<Invocation>,
) -> Vec<Invocation> {
    let inv = Invocation { args };
    if let Some((i, prog)) = inv.program() {
        if matches!(prog, "sh" | "bash" | "ash" | "dash" | "zsh") {
            if let Some(c) = inv.args[i + 1..].iter().position(|a| {
                a.text == "-c" || a.text == "-ec" || a.text == "-ex" || a.text == "-euc"
            }) {
                if let Some(script) = inv.args.get(i + 1 + c + 1) {
                    return split_script(script);
                }
            }
        }
    }
    vec![inv]
}

fn compose_invocations(c: &CommandConfig) -> Vec<Invocation> {
    match c {
        CommandConfig::Exec(values) => {
            // Each element's span is its text, without the YAML quotes, when
            // the text maps onto the source.
            let args: Vec<Arg> = values
                .iter()
                .map(|v| Arg {
                    text: v.text.clone(),
                    span: span_in(v, 0..v.text.len()),
                    within: Some((Arc::new(v.clone()), 0)),
                })
                .collect();
            exec_invocations(args, split_script)
        }
        // Compose splits a string command into words (shlex), no shell: one
        // invocation, unless it is itself `sh -c ...`.
        CommandConfig::Shell(v) => {
            let v = Arc::new(v.clone());
            let args = shell::split(&v.text, 0)
                .into_iter()
                .flat_map(|c| c.words)
                .map(|w| value_word(&v, w.text, w.range.start..w.range.end))
                .collect();
            exec_invocations(args, split_script)
        }
    }
}

fn image_invocations(
    ws: &Workspace,
    file: crate::source::FileId,
    c: &DockerCommand,
) -> Vec<Invocation> {
    match c {
        DockerCommand::Exec(items) => {
            // A JSON string without escapes: its text is the source between
            // the quotes.
            let args: Vec<Arg> = items
                .iter()
                .map(|w| {
                    let span = if w.range.len() == w.value.len() + 2 {
                        Span::new(file, TextRange::new(w.range.start + 1, w.range.end - 1))
                    } else {
                        Span::new(file, w.range)
                    };
                    Arg::new(w.value.clone(), span)
                })
                .collect();
            exec_invocations(args, |a| {
                let base = (a.span.range.len() == a.text.len()).then_some(a.span.range.start);
                split_text(&a.text, base, a.span)
            })
        }
        DockerCommand::Shell(s) => {
            let text = ws.sources.get(file).slice(s.range);
            split_text(text, Some(s.range.start), Span::new(file, s.range))
        }
    }
}

/// What an image's `CMD` or `ENTRYPOINT` (of the Dockerfile `file`) runs.
pub(crate) fn image_command(
    ws: &Workspace,
    file: crate::source::FileId,
    c: &DockerCommand,
) -> RunCommand {
    RunCommand {
        invocations: image_invocations(ws, file, c),
        source: CommandSource::Image,
    }
}

/// What the service's container runs: compose's `entrypoint`/`command` where
/// set, else the image's (a compose `entrypoint:` also drops the image's CMD).
pub fn run_command(ws: &Workspace, s: &Service) -> Option<RunCommand> {
    let facts = s.image_facts.as_ref();
    let mut source = CommandSource::Image;
    let entry: Vec<Invocation> = match &s.entrypoint {
        Some(e) => {
            source = CommandSource::Compose;
            compose_invocations(e)
        }
        None => facts
            .and_then(|f| {
                f.entrypoint
                    .as_ref()
                    .map(|e| image_invocations(ws, f.dockerfile_file, &e.value))
            })
            .unwrap_or_default(),
    };
    let cmd: Vec<Invocation> = match &s.command {
        Some(c) => {
            source = CommandSource::Compose;
            compose_invocations(c)
        }
        None if s.entrypoint.is_none() => facts
            .and_then(|f| {
                f.cmd
                    .as_ref()
                    .map(|c| image_invocations(ws, f.dockerfile_file, &c.value))
            })
            .unwrap_or_default(),
        None => Vec::new(),
    };
    let mut invocations = Vec::new();
    // Docker runs ENTRYPOINT with CMD as its arguments: `python3` +
    // `manage.py runserver`. An entrypoint script that `exec "$@"`s runs
    // the CMD itself: both readings are kept.
    if let (Some(e), Some(c)) = (entry.last(), cmd.first()) {
        let mut args = e.args.clone();
        args.extend(c.args.iter().cloned());
        invocations.push(Invocation { args });
    }
    invocations.extend(entry);
    invocations.extend(cmd);
    (!invocations.is_empty()).then_some(RunCommand {
        invocations,
        source,
    })
}

/// What the service's healthcheck runs (compose's `healthcheck:` over the
/// image's HEALTHCHECK), without the `CMD` / `CMD-SHELL` marker; `None` when
/// it has none or it is disabled.
pub fn healthcheck_command(ws: &Workspace, s: &Service) -> Option<RunCommand> {
    if let Some(h) = &s.healthcheck {
        if h.is_disabled() {
            return None;
        }
        if let Some(test) = &h.test {
            let invocations = match test {
                CommandConfig::Exec(values) => {
                    let (marker, rest) = values.split_first()?;
                    match marker.text.as_str() {
                        "CMD-SHELL" => {
                            let v = rest.first()?;
                            split_value(&Arc::new(v.clone()), &v.text, Some(0), v.span)
                        }
                        "CMD" => compose_invocations(&CommandConfig::Exec(rest.to_vec())),
                        _ => return None,
                    }
                }
                // A string `test:` runs in a shell, as CMD-SHELL.
                CommandConfig::Shell(v) => {
                    split_value(&Arc::new(v.clone()), &v.text, Some(0), v.span)
                }
            };
            return Some(RunCommand {
                invocations,
                source: CommandSource::Compose,
            });
        }
    }
    let f = s.image_facts.as_ref()?;
    let h = f.healthcheck.as_ref()?;
    let c = h.value.command.as_ref().filter(|_| !h.value.none)?;
    Some(RunCommand {
        invocations: image_invocations(ws, f.dockerfile_file, c),
        source: CommandSource::Image,
    })
}

/// A host or port a server is told (or defaults) to listen on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Setting {
    pub value: String,
    /// Where it is written; `None` for the server's default.
    pub span: Option<Span>,
}

/// A web server process and where it listens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Server {
    /// `uvicorn`, `gunicorn`, `flask run`, `manage.py runserver`...
    pub kind: &'static str,
    /// The program word.
    pub program: Span,
    pub host: Setting,
    pub port: Setting,
    /// True when the defaults may come from a configuration file we cannot
    /// see (gunicorn's `gunicorn.conf.py`, `-c`): defaults are not trusted.
    pub config_file: bool,
    /// The environment variable that overrides the default host, if any.
    pub host_env: Option<&'static str>,
    pub port_env: Option<&'static str>,
}

/// The value of `--name VALUE`, `--name=VALUE` or `-n VALUE` in `args`.
fn option(args: &[Arg], names: &[&str]) -> Option<Arg> {
    let mut i = 0;
    while i < args.len() {
        let a = &args[i];
        for n in names {
            if a.text == *n {
                if let Some(v) = args.get(i + 1) {
                    return Some(v.clone());
                }
            } else if a.text.starts_with(&format!("{n}=")) {
                return Some(a.rest(n.len() + 1));
            }
        }
        i += 1;
    }
    None
}

/// A `host:port` bind split into its parts, with spans.
fn split_bind(arg: &Arg) -> (Option<Setting>, Option<Setting>) {
    let value = arg.text.as_str();
    if value.starts_with("unix:") || value.starts_with("fd://") {
        return (None, None);
    }
    let sub = |from: usize, to: usize| Some(arg.span_of(from..to));
    match value.rfind(':') {
        Some(c)
            if !value[c + 1..].is_empty()
                && value[c + 1..].bytes().all(|b| {
                    b.is_ascii_digit()
                        || b == b'$'
                        || b == b'{'
                        || b == b'}'
                        || b.is_ascii_alphabetic()
                        || b == b'_'
                })
                && (value.starts_with('[') || !value[..c].contains(':')) =>
        {
            (
                (c > 0).then(|| Setting {
                    value: value[..c].to_string(),
                    span: sub(0, c),
                }),
                Some(Setting {
                    value: value[c + 1..].to_string(),
                    span: sub(c + 1, value.len()),
                }),
            )
        }
        _ if value.bytes().all(|b| b.is_ascii_digit()) => (
            None,
            Some(Setting {
                value: value.to_string(),
                span: sub(0, value.len()),
            }),
        ),
        _ => (
            Some(Setting {
                value: value.to_string(),
                span: sub(0, value.len()),
            }),
            None,
        ),
    }
}

/// `--name VALUE` as a setting written in the command, else `default`.
fn setting_or(args: &[Arg], names: &[&str], default: Setting) -> Setting {
    option(args, names).map_or(default, |a| Setting {
        value: a.text,
        span: Some(a.span),
    })
}

fn default(v: &str) -> Setting {
    Setting {
        value: v.to_string(),
        span: None,
    }
}

/// The web servers among the service's commands.
pub fn servers(cmd: &RunCommand) -> Vec<Server> {
    let mut out: Vec<Server> = Vec::new();
    for inv in &cmd.invocations {
        let Some((i, prog)) = inv.program() else {
            continue;
        };
        let mut args = &inv.args[i + 1..];
        let mut kind = prog;
        let program = inv.args[i].span;
        // `python -m uvicorn ...`, `python manage.py runserver`.
        if prog.ends_with("manage.py") {
            kind = "django-admin";
        } else if prog.starts_with("python") {
            // Interpreter flags before the module or script (`-u`, `-We`).
            while args
                .first()
                .is_some_and(|a| a.text.starts_with('-') && a.text != "-m")
            {
                args = &args[1..];
            }
            match args.first().map(|a| a.text.as_str()) {
                Some("-m") => {
                    let Some(m) = args.get(1) else { continue };
                    kind = match m.text.as_str() {
                        "uvicorn" => "uvicorn",
                        "gunicorn" => "gunicorn",
                        "hypercorn" => "hypercorn",
                        "flask" => "flask",
                        "daphne" => "daphne",
                        "fastapi" => "fastapi",
                        _ => continue,
                    };
                    args = &args[2..];
                }
                Some(script) if script.ends_with("manage.py") => {
                    kind = "django-admin";
                    args = &args[1..];
                }
                _ => continue,
            }
        }
        let server = match kind {
            "uvicorn" => {
                if option(args, &["--uds", "--fd"]).is_some() {
                    continue;
                }
                Server {
                    kind: "uvicorn",
                    program,
                    host: setting_or(args, &["--host"], default("127.0.0.1")),
                    port: setting_or(args, &["--port"], default("8000")),
                    config_file: false,
                    host_env: Some("UVICORN_HOST"),
                    port_env: Some("UVICORN_PORT"),
                }
            }
            "gunicorn" | "hypercorn" | "daphne" => {
                let config_file = kind == "gunicorn" || option(args, &["-c", "--config"]).is_some();
                let (mut host, mut port) = (default("127.0.0.1"), default("8000"));
                if let Some(a) = option(args, &["-b", "--bind"]) {
                    let (h, p) = split_bind(&a);
                    if kind == "daphne" {
                        host = h.unwrap_or(Setting {
                            value: a.text,
                            span: Some(a.span),
                        });
                    } else {
                        if let Some(h) = h {
                            host = h;
                        }
                        if let Some(p) = p {
                            port = p;
                        }
                    }
                }
                if kind == "daphne" {
                    port = setting_or(args, &["-p", "--port"], port);
                }
                Server {
                    kind: match kind {
                        "gunicorn" => "gunicorn",
                        "hypercorn" => "hypercorn",
                        _ => "daphne",
                    },
                    program,
                    host,
                    port,
                    config_file,
                    host_env: None,
                    port_env: (kind == "gunicorn").then_some("PORT"),
                }
            }
            "flask" if args.first().is_some_and(|a| a.text == "run") => Server {
                kind: "flask run",
                program,
                host: setting_or(args, &["--host", "-h"], default("127.0.0.1")),
                port: setting_or(args, &["--port", "-p"], default("5000")),
                config_file: false,
                host_env: Some("FLASK_RUN_HOST"),
                port_env: Some("FLASK_RUN_PORT"),
            },
            "fastapi"
                if args
                    .first()
                    .is_some_and(|a| a.text == "run" || a.text == "dev") =>
            {
                let dev = args[0].text == "dev";
                Server {
                    kind: if dev { "fastapi dev" } else { "fastapi run" },
                    program,
                    host: setting_or(
                        args,
                        &["--host"],
                        default(if dev { "127.0.0.1" } else { "0.0.0.0" }),
                    ),
                    port: setting_or(args, &["--port"], default("8000")),
                    config_file: false,
                    host_env: None,
                    port_env: None,
                }
            }
            "django-admin" if args.first().is_some_and(|a| a.text == "runserver") => {
                let addr = args[1..].iter().find(|a| !a.text.starts_with('-'));
                let (mut host, mut port) = (default("127.0.0.1"), default("8000"));
                if let Some(a) = addr {
                    let (h, p) = split_bind(a);
                    if let Some(h) = h {
                        // Django reads `0` as 0.0.0.0.
                        host = h;
                    }
                    if let Some(p) = p {
                        port = p;
                    }
                }
                Server {
                    kind: "manage.py runserver",
                    program,
                    host,
                    port,
                    config_file: false,
                    host_env: None,
                    port_env: None,
                }
            }
            _ => continue,
        };
        if !out.iter().any(|o| o.program == server.program) {
            out.push(server);
        }
    }
    out
}

/// `$NAME`, `${NAME}`, `${NAME:-d}` resolved in the container environment;
/// `None` when it cannot be.
pub fn expand(value: &str, env: &ContainerEnvironment) -> Option<String> {
    if !value.contains('$') {
        return Some(value.to_string());
    }
    let inner = value.strip_prefix("${").and_then(|v| v.strip_suffix('}'));
    let (name, fallback) = match inner {
        Some(i) => match i.split_once(":-").or_else(|| i.split_once('-')) {
            Some((n, d)) => (n, Some(d)),
            None => (i, None),
        },
        None => (value.strip_prefix('$')?, None),
    };
    if !name.chars().all(|c| c == '_' || c.is_ascii_alphanumeric()) {
        return None;
    }
    env.get(name)
        .and_then(|v| v.winner.value.clone())
        .filter(|v| !v.is_empty())
        .or_else(|| fallback.map(str::to_string))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::FileId;

    fn inv(text: &str) -> RunCommand {
        RunCommand {
            invocations: split_text(
                text,
                Some(0),
                Span::new(FileId(0), TextRange::new(0, text.len())),
            ),
            source: CommandSource::Compose,
        }
    }

    #[test]
    fn finds_servers_and_their_settings() {
        let s = &servers(&inv("uvicorn app.main:app --host 0.0.0.0 --port=9000"))[0];
        assert_eq!(
            (s.kind, s.host.value.as_str(), s.port.value.as_str()),
            ("uvicorn", "0.0.0.0", "9000")
        );
        assert_eq!(s.port.span.unwrap().range, TextRange::new(43, 47));
        let s = &servers(&inv(
            "gunicorn -k uvicorn.workers.UvicornWorker -b 127.0.0.1:8000 app:app",
        ))[0];
        assert_eq!(
            (s.host.value.as_str(), s.port.value.as_str()),
            ("127.0.0.1", "8000")
        );
        assert_eq!(s.host.span.unwrap().range, TextRange::new(45, 54));
        let s = &servers(&inv("python manage.py runserver 0:8000"))[0];
        assert_eq!(
            (s.host.value.as_str(), s.port.value.as_str()),
            ("0", "8000")
        );
        let s = &servers(&inv("python -m flask run"))[0];
        assert_eq!((s.host.span, s.port.value.as_str()), (None, "5000"));
        let s = &servers(&inv("alembic upgrade head && exec uvicorn main:app"))[0];
        assert_eq!(s.host.value, "127.0.0.1");
        assert!(servers(&inv("uvicorn main:app --uds /tmp/s")).is_empty());
        assert!(servers(&inv("python app.py")).is_empty());
        let s = &servers(&inv("python -We -bb manage.py runserver 0.0.0.0:8000"))[0];
        assert_eq!(s.port.value, "8000");
        let s = &servers(&inv("manage.py runserver"))[0];
        assert_eq!(s.host.value, "127.0.0.1");
    }

    #[test]
    fn sh_c_scripts_are_opened() {
        let args: Vec<Arg> = ["sh", "-c", "uvicorn m:a --host 127.0.0.1"]
            .iter()
            .map(|t| Arg::new(*t, Span::new(FileId(0), TextRange::new(0, 1))))
            .collect();
        let invs = exec_invocations(args, |a| split_text(&a.text, None, a.span));
        let cmd = RunCommand {
            invocations: invs,
            source: CommandSource::Image,
        };
        assert_eq!(servers(&cmd)[0].host.value, "127.0.0.1");
    }
}
