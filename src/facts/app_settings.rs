//! What the app's settings get in a service's container: for each field of
//! a settings class the service's code instantiates, whether the container
//! gives it (which variable), leaves it to its default, or leaves a
//! required field without a value; and whether a value is one the field's
//! type accepts, as pydantic reads text from the environment.
//!
//! Ground truth: `tests/pydantic_conformance.rs` runs pydantic-settings
//! itself on generated classes and environments and compares its answers
//! with [`received`] and [`accepts`].

use std::path::PathBuf;

use crate::model::app::{AppField, EnvFileSetting, ServiceApp, SettingsClass};
use crate::model::types::{ContainerEnvironment, EnvVar, Project, Service, VariableSource};
use crate::model::workspace::Workspace;
use crate::syntax::python::{Literal, PyType};

/// What a field gets when the app starts in a container.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome<'a> {
    /// The container gives it: the key that matched and its variable.
    Received { key: &'a str, var: &'a EnvVar },
    /// Nothing gives it: its default is used.
    Default,
    /// Nothing gives it and it has no default: the settings fail to load.
    Missing,
    /// It cannot be known: its names are unknown, it is set in code, or a
    /// file the app reads itself (an `env_file`, a secrets folder) may give
    /// it.
    Unknown,
}

/// What a container's environment gives a field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Lookup<'e> {
    /// This key and its variable.
    Found(&'e str, &'e EnvVar),
    /// None of its names.
    Absent,
    /// It depends on the shell that runs Compose: a passthrough
    /// (`environment: [SECRET_KEY]`) or a `${VAR}` nothing in the project
    /// sets, which the deploying shell may.
    Unknown,
}

/// The variable of `env` that gives `field`, as pydantic-settings looks it
/// up: the field's names in order, each matched without case unless the
/// class is `case_sensitive`; with `env_ignore_empty`, an empty value is
/// not there.
pub(crate) fn lookup<'e>(
    class: &SettingsClass,
    field: &AppField,
    env: &'e ContainerEnvironment,
) -> Lookup<'e> {
    for name in &field.env_names {
        let found = env.vars.get_key_value(name.as_str()).or_else(|| {
            (!class.config.case_sensitive)
                .then(|| env.vars.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)))
                .flatten()
        });
        let Some((k, v)) = found else { continue };
        let from_shell = v
            .winner
            .via
            .iter()
            .any(|via| via.source.is_none() && via.value.is_none());
        match v.winner.value.as_deref() {
            None => return Lookup::Unknown,
            Some("") if class.config.ignore_empty => {
                if from_shell {
                    return Lookup::Unknown;
                }
            }
            Some(_) => return Lookup::Found(k.as_str(), v),
        }
    }
    Lookup::Absent
}

/// [`lookup`] for an environment known whole (the conformance test's).
pub(crate) fn received<'e>(
    class: &SettingsClass,
    field: &AppField,
    env: &'e ContainerEnvironment,
) -> Option<(&'e str, &'e EnvVar)> {
    match lookup(class, field, env) {
        Lookup::Found(k, v) => Some((k, v)),
        _ => None,
    }
}

/// Whether the container's environment cannot be known from the project:
/// an `env_file:` that is not there (gitignored, made at deploy time).
pub(crate) fn environment_unknown(service: &Service) -> bool {
    service.env_files.iter().any(|e| e.file.is_none())
}

/// Whether the code of the container sets `name` in its own environment
/// before reading it (`os.environ.setdefault`), or sets variables we
/// cannot name.
pub(crate) fn set_by_code(app: &ServiceApp, name: &str) -> bool {
    app.writes_unknown || app.writes.contains(name)
}

/// Where, in the project, the file `name` the app opens may be: relative
/// to its working folder (the build context's root, or the project's
/// folder, as `COPY . .` and `.:/app` put them), and with `beside_code`
/// in the folder of each module in the container and the folders above
/// (python-decouple looks there).
fn candidates(
    project: &Project,
    service: &Service,
    app: &ServiceApp,
    ws: &Workspace,
    name: &str,
    beside_code: bool,
) -> Vec<PathBuf> {
    let mut out = vec![crate::fs::normalize(&project.directory.join(name))];
    if let Some(b) = &service.build {
        out.push(crate::fs::normalize(&b.context.join(name)));
    }
    if beside_code {
        for m in &app.modules {
            let mut dir = ws.sources.get(*m).path.parent();
            while let Some(d) = dir.filter(|d| d.starts_with(&project.directory)) {
                out.push(crate::fs::normalize(&d.join(name)));
                dir = d.parent();
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

/// Whether a file named `name`, read by the app relative to its working
/// folder (or, `beside_code`, beside its modules), may be in the
/// container.
pub(crate) fn app_file_may_be_there(
    ws: &Workspace,
    project: &Project,
    service: &Service,
    app: &ServiceApp,
    name: &str,
    beside_code: bool,
) -> bool {
    if std::path::Path::new(name).is_absolute() {
        // `/run/secrets/.env`, `/etc/app.env`: a mount we cannot follow.
        return true;
    }
    // A file mounted under that name (`./deploy/prod.env:/app/.env`).
    let file_name = std::path::Path::new(name).file_name();
    let mounted_as = service.volumes.iter().filter_map(|v| v.read()).any(|m| {
        m.target
            .is_some_and(|t| std::path::Path::new(t).file_name() == file_name)
    });
    if mounted_as {
        return true;
    }
    candidates(project, service, app, ws, name, beside_code)
        .iter()
        .any(|p| ws.app.file_in_container(ws, project, service, p))
}

/// What `field` of `class` gets in `service`'s container; `keywords` are
/// the keyword arguments the code instantiates the class with;
/// `dotenv_loaded`, whether the code loads a `.env` that may be there
/// ([`loads_dotenv`]).
#[allow(clippy::too_many_arguments)]
pub(crate) fn outcome<'e>(
    ws: &Workspace,
    project: &Project,
    service: &'e Service,
    app: &ServiceApp,
    class: &SettingsClass,
    keywords: &[String],
    field: &AppField,
    dotenv_loaded: bool,
) -> Outcome<'e> {
    if field.env_names.is_empty() {
        return Outcome::Unknown;
    }
    // Set in code, by its name or an alias.
    let in_code = keywords
        .iter()
        .any(|k| k == &field.def.name || field.def.aliases.iter().any(|a| &a.text == k));
    if in_code {
        return Outcome::Unknown;
    }
    match lookup(class, field, &service.container_env) {
        Lookup::Found(key, var) => return Outcome::Received { key, var },
        Lookup::Unknown => return Outcome::Unknown,
        Lookup::Absent => {}
    }
    if !class.complete
        || class.config.secrets_dir
        || dotenv_loaded
        || environment_unknown(service)
        || field.env_names.iter().any(|n| set_by_code(app, n))
    {
        return Outcome::Unknown;
    }
    // A nested model, read from `FIELD__SUB` variables.
    if class.config.nested_delimiter.is_some() && !is_scalar(&field.def.annotation) {
        return Outcome::Unknown;
    }
    // A `.env` the app reads itself, if it may be in the container.
    if keywords
        .iter()
        .any(|k| k == "_env_file" || k == "_secrets_dir")
    {
        return Outcome::Unknown;
    }
    match &class.config.env_file {
        EnvFileSetting::None => {}
        EnvFileSetting::Unknown => return Outcome::Unknown,
        EnvFileSetting::Files(files) => {
            if files
                .iter()
                .any(|f| app_file_may_be_there(ws, project, service, app, f, false))
            {
                return Outcome::Unknown;
            }
        }
    }
    if field.required {
        Outcome::Missing
    } else {
        Outcome::Default
    }
}

/// Whether the code of `service` loads a `.env` into its environment
/// itself (python-dotenv, django-environ's `read_env`) or reads one
/// (python-decouple), and one may be in the container.
pub(crate) fn loads_dotenv(
    ws: &Workspace,
    project: &Project,
    service: &Service,
    app: &ServiceApp,
) -> bool {
    let loads = app
        .modules
        .iter()
        .any(|m| ws.app.modules.get(m).is_some_and(|p| p.loads_dotenv));
    loads && app_file_may_be_there(ws, project, service, app, ".env", true)
}

/// The value a variable's winning definition gives, when it is known
/// whole: written literally, or made of variables the project's `.env`
/// (or Compose) sets. Not one the shell or a file to be made gives.
pub(crate) fn known_value(var: &EnvVar) -> Option<&str> {
    let w = &var.winner;
    let known = w.via.iter().all(|v| {
        matches!(
            v.source,
            Some(VariableSource::Dotenv { .. } | VariableSource::Compose)
        ) || (v.source.is_none() && v.value.is_some())
    });
    known.then_some(w.value.as_deref()).flatten()
}

/// Types whose value is one environment variable, not a nested model read
/// from several.
fn is_scalar(t: &PyType) -> bool {
    let (t, _) = t.unwrap_optional();
    matches!(
        t.name.as_str(),
        "str"
            | "int"
            | "float"
            | "bool"
            | "Literal"
            | "SecretStr"
            | "Path"
            | "bytes"
            | "AnyUrl"
            | "HttpUrl"
            | "AnyHttpUrl"
            | "PostgresDsn"
            | "RedisDsn"
            | "AmqpDsn"
            | "MongoDsn"
            | "MySQLDsn"
            | "Decimal"
            | "list"
            | "List"
            | "dict"
            | "Dict"
            | "set"
            | "tuple"
            | "EmailStr"
            | "IPvAnyAddress"
            | "UUID"
    )
}

/// Why a value does not fit a type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Rejection {
    /// pydantic's error type (`int_parsing`, `bool_parsing`…) and what the
    /// type takes, for the message.
    Invalid {
        error: &'static str,
        expects: String,
    },
}

/// Whether pydantic accepts `value`, read from the environment, for a
/// field of type `ty` (v2's lax mode, or v1 when `v1`); `None` when we do
/// not know the type well enough to say. As observed with pydantic-settings
/// 2.16 / pydantic 2.14 and pydantic 1.10 (`scripts/pydantic-oracle.py`).
pub(crate) fn accepts(ty: &PyType, value: &str, v1: bool) -> Option<Result<(), Rejection>> {
    let (inner, _nullable) = ty.unwrap_optional();
    let invalid = |error: &'static str, expects: &str| {
        Some(Err(Rejection::Invalid {
            error,
            expects: expects.to_string(),
        }))
    };
    match inner.name.as_str() {
        "str" | "SecretStr" => Some(Ok(())),
        "int" => match parse_int(value, v1) {
            true => Some(Ok(())),
            false => invalid("int_parsing", "a whole number (`8000`)"),
        },
        "float" => match parse_float(value) {
            true => Some(Ok(())),
            false => invalid("float_parsing", "a number (`0.5`)"),
        },
        "bool" => match parse_bool(value) {
            true => Some(Ok(())),
            false => invalid(
                "bool_parsing",
                "`true`/`false`, `1`/`0`, `yes`/`no`, `on`/`off`, `t`/`f`, `y`/`n`, without spaces",
            ),
        },
        "Literal" => {
            let choices: Vec<&str> = inner
                .args
                .iter()
                .filter_map(|a| match &a.literal {
                    Some(Literal::Str(s)) => Some(s.as_str()),
                    _ => None,
                })
                .collect();
            if choices.len() != inner.args.len() || choices.is_empty() {
                return None;
            }
            if choices.contains(&value) {
                Some(Ok(()))
            } else {
                let list: Vec<String> = choices.iter().map(|c| format!("`{c}`")).collect();
                invalid(
                    "literal_error",
                    &format!("exactly one of {}", list.join(", ")),
                )
            }
        }
        // v1's URL types differ (a TLD for `HttpUrl`, user info for
        // `PostgresDsn`): not judged.
        _ if v1 => None,
        name => {
            let schemes: &[&str] = match name {
                "AnyUrl" => &[],
                "HttpUrl" | "AnyHttpUrl" => &["http", "https"],
                "PostgresDsn" => &[
                    "postgres",
                    "postgresql",
                    "postgresql+asyncpg",
                    "postgresql+pg8000",
                    "postgresql+psycopg",
                    "postgresql+psycopg2",
                    "postgresql+psycopg2cffi",
                    "postgresql+py-postgresql",
                    "postgresql+pygresql",
                ],
                "RedisDsn" => &["redis", "rediss"],
                _ => return None,
            };
            let Some((scheme, rest)) = split_scheme(value) else {
                return invalid("url_parsing", "a URL (`scheme://host`), not a bare host");
            };
            let lower = scheme.to_ascii_lowercase();
            if !schemes.is_empty() && !schemes.contains(&lower.as_str()) {
                let list: Vec<String> = schemes.iter().map(|s| format!("`{s}://`")).collect();
                return invalid(
                    "url_scheme",
                    &format!("a URL starting with {}", list.join(" or ")),
                );
            }
            // Where a URL needs a host, a bare `scheme:` is not one.
            let needs_host = name != "AnyUrl"
                || matches!(
                    lower.as_str(),
                    "http" | "https" | "ws" | "wss" | "ftp" | "file"
                );
            if needs_host && name != "RedisDsn" && !has_host(rest) {
                return invalid("url_parsing", "a URL with a host (`scheme://host`)");
            }
            // `redis://` alone is pydantic's `redis://localhost:6379/0`;
            // `redis:6379` is no URL of it.
            if name == "RedisDsn" && !rest.starts_with("//") {
                return invalid("url_parsing", "a URL starting with `redis://`");
            }
            Some(Ok(()))
        }
    }
}

/// `scheme:rest` as a URL parser splits it; `None` when the value has no
/// scheme (a bare host `db`, `localhost`).
fn split_scheme(v: &str) -> Option<(&str, &str)> {
    let (scheme, rest) = v.split_once(':')?;
    let valid = scheme
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic())
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    (valid && !rest.is_empty()).then_some((scheme, rest))
}

fn has_host(rest: &str) -> bool {
    let Some(after) = rest.strip_prefix("//") else {
        return false;
    };
    let authority = after.split(['/', '?', '#']).next().unwrap_or("");
    let host_port = authority.rsplit('@').next().unwrap_or("");
    let host = match host_port.rsplit_once(':') {
        Some((h, port)) if !h.ends_with(']') || host_port.starts_with('[') => {
            if !port.is_empty() && !port.bytes().all(|b| b.is_ascii_digit()) {
                return false;
            }
            if port.parse::<u32>().is_ok_and(|p| p > 65535) {
                return false;
            }
            h
        }
        _ => host_port,
    };
    !host.is_empty()
}

/// pydantic's lax `str` → `int`: surrounding whitespace, a sign, digits
/// with single underscores between them, a fraction of zeros (v2 only).
fn parse_int(v: &str, v1: bool) -> bool {
    let t = v.trim();
    let t = t.strip_prefix(['+', '-']).unwrap_or(t);
    let (int, frac) = match t.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (t, None),
    };
    digits(int) && frac.is_none_or(|f| !v1 && !f.is_empty() && f.bytes().all(|b| b == b'0'))
}

/// Digits with single underscores between them.
fn digits(s: &str) -> bool {
    !s.is_empty()
        && !s.starts_with('_')
        && !s.ends_with('_')
        && !s.contains("__")
        && s.bytes().all(|b| b.is_ascii_digit() || b == b'_')
}

fn parse_float(v: &str) -> bool {
    let t = v.trim();
    let unsigned = t.strip_prefix(['+', '-']).unwrap_or(t);
    let lower = unsigned.to_ascii_lowercase();
    if matches!(lower.as_str(), "inf" | "infinity" | "nan") {
        return true;
    }
    !unsigned.is_empty()
        && !unsigned.starts_with('_')
        && !unsigned.ends_with('_')
        && !unsigned.contains("__")
        && unsigned
            .bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'_' | b'e' | b'E' | b'+' | b'-'))
        && unsigned.replace('_', "").parse::<f64>().is_ok()
}

/// Case-insensitive, not trimmed.
fn parse_bool(v: &str) -> bool {
    matches!(
        v.to_ascii_lowercase().as_str(),
        "0" | "off" | "f" | "false" | "n" | "no" | "1" | "on" | "t" | "true" | "y" | "yes"
    )
}

/// What we predict pydantic does with one field, for the conformance test.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Predicted {
    /// `set`, `default`, `missing`, `invalid`, or `unknown` (we do not say).
    pub state: &'static str,
    /// For `set` and `invalid`: the environment variable whose value the
    /// field takes.
    pub variable: Option<String>,
}

/// For the conformance test (`tests/pydantic_conformance.rs`): parse
/// `source` as a module, resolve its class `class` as the model does, and
/// say for each field what pydantic does with the process environment
/// `env` (in order, as a process's environment is), no `.env` file
/// present. The same functions as the rules: [`received`], [`accepts`].
pub fn predict(source: &str, class: &str, env: &[(String, String)]) -> Vec<(String, Predicted)> {
    use crate::model::types::{EnvDefinition, EnvSource};
    use crate::source::{FileId, Span, TextRange};
    let mut sources = crate::source::SourceMap::new();
    let id = sources.add(crate::source::SourceFile::new(
        PathBuf::from("/conformance/settings.py"),
        "settings.py".to_string(),
        crate::source::FileKind::Python,
        source.to_string(),
    ));
    let mut modules = std::collections::BTreeMap::new();
    modules.insert(
        id,
        std::sync::Arc::new(crate::syntax::python::parse(source)),
    );
    let code = crate::model::app::AppCode::new(&sources, modules);
    let Some(c) = code.classes.iter().find(|c| c.name == class) else {
        return Vec::new();
    };
    // The environment as a container's: the last of keys that differ only
    // in case is what pydantic reads (it lowers them into one map).
    let mut container = ContainerEnvironment::default();
    let span = Span::new(FileId(0), TextRange::empty(0));
    for (k, v) in env {
        if !c.config.case_sensitive {
            container.vars.retain(|key, _| !key.eq_ignore_ascii_case(k));
        }
        container.vars.insert(
            k.clone(),
            EnvVar {
                winner: EnvDefinition {
                    key: k.clone(),
                    value: Some(v.clone()),
                    source: EnvSource::ComposeEnvironment,
                    key_span: span,
                    value_span: None,
                    via: Vec::new(),
                    segments: Vec::new(),
                    form: None,
                    stage: None,
                },
                shadowed: Vec::new(),
            },
        );
    }
    c.fields
        .iter()
        .map(|f| {
            let unknown = Predicted {
                state: "unknown",
                variable: None,
            };
            let p = if f.env_names.is_empty() || !c.complete {
                unknown
            } else {
                match received(c, f, &container) {
                    Some((key, var)) => {
                        let value = var.winner.value.as_deref().unwrap_or("");
                        let state = match accepts(&f.def.annotation, value, c.v1) {
                            Some(Ok(())) => "set",
                            Some(Err(_)) => "invalid",
                            None => "unknown",
                        };
                        Predicted {
                            state,
                            variable: Some(key.to_string()),
                        }
                    }
                    None if f.required => Predicted {
                        state: "missing",
                        variable: None,
                    },
                    None => Predicted {
                        state: "default",
                        variable: None,
                    },
                }
            };
            (f.def.name.clone(), p)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ty(name: &str) -> PyType {
        PyType {
            name: name.into(),
            ..PyType::default()
        }
    }

    #[test]
    fn ints_floats_bools() {
        for ok in ["42", " 42 ", "+1", "-0", "1_000", "042", "4.0", "1_000.0"] {
            assert_eq!(accepts(&ty("int"), ok, false), Some(Ok(())), "{ok}");
        }
        assert!(matches!(accepts(&ty("int"), "4.0", true), Some(Err(_))));
        for bad in [
            "8000abc", "", "4.5", "4.", "1e3", "0x10", "1__0", "_1", "1 000",
        ] {
            assert!(
                matches!(accepts(&ty("int"), bad, false), Some(Err(_))),
                "{bad}"
            );
        }
        for ok in ["TRUE", "yes", "0", "off", "Y"] {
            assert_eq!(accepts(&ty("bool"), ok, false), Some(Ok(())), "{ok}");
        }
        for bad in ["enabled", "2", "", " yes", "1.0"] {
            assert!(
                matches!(accepts(&ty("bool"), bad, false), Some(Err(_))),
                "{bad}"
            );
        }
        for ok in ["inf", "-Infinity", " 1.5 ", "1e3", ".5", "5.", "1_0.5"] {
            assert_eq!(accepts(&ty("float"), ok, false), Some(Ok(())), "{ok}");
        }
        for bad in ["fast", "", "1,5", "0x10", "1.5e", "e5", "_1.5"] {
            assert!(
                matches!(accepts(&ty("float"), bad, false), Some(Err(_))),
                "{bad}"
            );
        }
        assert_eq!(accepts(&ty("Custom"), "x", false), None);
    }

    #[test]
    fn urls() {
        let ok = |t: &str, v: &str| accepts(&ty(t), v, false) == Some(Ok(()));
        for t in ["AnyUrl", "HttpUrl", "PostgresDsn", "RedisDsn"] {
            assert!(!ok(t, "db") && !ok(t, "localhost") && !ok(t, ""), "{t}");
        }
        assert!(ok("AnyUrl", "db:5432"));
        assert!(!ok("HttpUrl", "db:5432"));
        assert!(ok("PostgresDsn", "postgresql+asyncpg://u:p@db:5432/x"));
        assert!(!ok("PostgresDsn", "redis://redis:6379/0"));
        assert!(ok("RedisDsn", "redis://"));
        assert!(!ok("RedisDsn", "redis:6379"));
        assert!(ok("HttpUrl", "HTTP://X"));
        assert!(!ok("AnyUrl", "http://"));
        assert!(!ok("AnyUrl", "http://x:99999"));
        assert!(!ok("AnyUrl", "//db"));
        assert_eq!(accepts(&ty("HttpUrl"), "http://x", true), None);
    }
}
