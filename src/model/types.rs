//! The model's data: a compose project, its services, each service's
//! container environment with provenance, and the facts of its image.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use crate::source::{FileId, Span, TextRange};
use crate::syntax::compose::EnvironmentForm;
use crate::syntax::dockerfile::{Command as DockerCommand, Dockerfile};
pub use crate::syntax::template::OpKind;

/// Where a variable used for interpolation got its value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VariableSource {
    /// The process environment (the shell).
    Process,
    /// Compose itself: `COMPOSE_PROJECT_NAME`, the project's name, when
    /// neither the shell nor `.env` sets it.
    Compose,
    /// A line of the project `.env` or of an `--env-file`.
    Dotenv {
        file: FileId,
        key: Span,
        /// The value as written (quotes included); empty for `KEY=`.
        value: Span,
    },
}

/// How a variable is referenced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReferenceForm {
    /// `$NAME` or `${NAME}`: an unset variable becomes the empty string.
    Plain,
    /// `${NAME:-d}`, `${NAME:?msg}`, `${NAME:+r}`...
    Op(OpKind),
    /// `environment: [NAME]` or `args: [NAME]`: the value is passed through;
    /// an unset variable leaves the key out.
    Passthrough,
}

/// A variable interpolated into a value: `${NAME}` at `reference`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Via {
    pub variable: String,
    /// The `$NAME` / `${NAME...}` reference in the template.
    pub reference: Span,
    pub form: ReferenceForm,
    /// Where its value came from; `None` when no source sets it.
    pub source: Option<VariableSource>,
    pub value: Option<String>,
    /// The value as its definition wrote it, with its own map (a `.env`
    /// line, an env_file line, the service's own `environment:` value an
    /// env_file reads); `None` when the shell or Compose set it, or nothing.
    pub written: Option<Arc<Value>>,
}

impl Via {
    /// True when the reference resolves to its default (`${NAME:-d}`,
    /// `${NAME-d}`), as Compose decides: the variable is unset, or, for
    /// `:-`, empty.
    pub fn default_applies(&self) -> bool {
        let empty = || {
            self.value
                .as_deref()
                .or_else(|| self.written.as_deref().map(|w| w.text.as_str()))
                .is_some_and(str::is_empty)
        };
        match self.form {
            ReferenceForm::Op(OpKind::DefaultIfUnset) => self.source.is_none(),
            ReferenceForm::Op(OpKind::DefaultIfEmpty) => self.source.is_none() || empty(),
            _ => false,
        }
    }

    /// The default of `${NAME:-d}` / `${NAME-d}` when it is plain text
    /// (`$$` read as `$`); `None` for another form or a default with a
    /// reference.
    pub fn literal_default(&self, sources: &crate::source::SourceMap) -> Option<String> {
        use crate::syntax::template::{parse, OpKind, Piece};
        let text = sources
            .get(self.reference.file)
            .text
            .get(self.reference.range.start..self.reference.range.end)?;
        let t = parse(text, 0).ok()?;
        let [Piece::Var(r)] = t.pieces.as_slice() else {
            return None;
        };
        let op = r.op.as_ref()?;
        matches!(op.kind, OpKind::DefaultIfEmpty | OpKind::DefaultIfUnset)
            .then(|| op.arg.literal_text())
            .flatten()
    }
}

/// Where a byte range of a value's text came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Segment {
    /// Bytes of the value's text.
    pub range: TextRange,
    pub origin: SegmentOrigin,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SegmentOrigin {
    /// Written in the value's own text (a default's or a replacement's
    /// text included). `exact`: `span` holds these very bytes, the source
    /// text being the value's text; else `span` is the whole literal or
    /// scalar they were decoded from (a YAML escape, a folded or block
    /// scalar, `$$`, a quoted `.env` value with escapes, a Dockerfile `ENV`
    /// with an escape or `$VAR`), which holds them in another form.
    Written { span: Span, exact: bool },
    /// The value of the variable `via[index]` (of the value's own `via`
    /// list), from its byte `offset` on.
    Variable { index: usize, offset: usize },
}

/// A value's text with the map back to where each range of it came from:
/// what [`Mapped::origin_of`] and [`Mapped::span_of`] read.
#[derive(Debug, Clone, Copy)]
pub struct Mapped<'a> {
    pub text: &'a str,
    /// Where the value is written (the scalar, the `.env` value...).
    pub span: Span,
    pub segments: &'a [Segment],
    pub via: &'a [Via],
}

/// Where a range of a value's text came from, as far as the model knows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin<'a> {
    /// The references that carried it, the outermost first: `${URL}` in
    /// the compose file, then `${DB_HOST}` in the `.env` value of `URL`.
    /// Empty when the range is written in the value itself.
    pub vias: Vec<&'a Via>,
    /// Exactly where it is written; `None` when that cannot be known
    /// exactly: the text was decoded from another form (see
    /// [`SegmentOrigin::Written`]), the range spans several pieces (part
    /// written, part a variable), or the innermost variable's value is
    /// written nowhere the model read (the shell, Compose).
    pub span: Option<Span>,
    /// The smallest written text known to hold it: `span` when exact, else
    /// the literal or scalar it was decoded from, or the whole value whose
    /// pieces it spans; `None` when the innermost variable's value is
    /// written nowhere the model read.
    pub within: Option<Span>,
    /// The innermost value it was followed into (the value itself when it
    /// is written there), and the range in that value's text; `None` when
    /// the innermost variable's value is written nowhere the model read.
    pub reached: Option<Reached<'a>>,
    /// The range spans several pieces of the innermost value reached (part
    /// written, part a variable, or two variables): no one place writes it.
    pub crosses: bool,
}

/// The innermost value a range was followed into.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reached<'a> {
    pub text: &'a str,
    /// Where that value is written, as a whole.
    pub span: Span,
    /// The piece of `text` that holds the range (its segment), or the whole
    /// text when no one piece does.
    pub piece: std::ops::Range<usize>,
    /// The range, in `text`.
    pub range: std::ops::Range<usize>,
}

impl Origin<'_> {
    /// [`Origin::span`] when the range is written in the value itself, not
    /// carried by a variable.
    pub fn written_here(&self) -> Option<Span> {
        self.span.filter(|_| self.vias.is_empty())
    }

    /// Where it is seen in the value as written: [`Origin::written_here`],
    /// else the reference that brought it in (`${HOST}` of
    /// `-b ${HOST}:8000`); `None` when the range spans several pieces.
    pub fn in_value(&self) -> Option<Span> {
        self.written_here()
            .or_else(|| self.vias.first().map(|v| v.reference))
    }
}

/// How deep `${A}` → `.env` value → `${B}` → ... is followed; definitions
/// only refer to earlier ones, so this is only a guard.
const MAX_DEPTH: usize = 32;

impl<'a> Mapped<'a> {
    /// Where `range` (bytes of the text) came from: followed through each
    /// variable into the value that set it, and on into the variables of
    /// that value.
    pub fn origin_of(self, range: std::ops::Range<usize>) -> Origin<'a> {
        let mut out = Origin {
            vias: Vec::new(),
            span: None,
            within: None,
            reached: None,
            crosses: false,
        };
        self.locate(range, &mut out, 0);
        out
    }

    /// Exactly where `range` of the text is written, if that can be known
    /// ([`Origin::span`]).
    pub fn span_of(self, range: std::ops::Range<usize>) -> Option<Span> {
        self.origin_of(range).span
    }

    fn locate(self, r: std::ops::Range<usize>, out: &mut Origin<'a>, depth: usize) {
        out.within = Some(self.span);
        out.reached = Some(Reached {
            text: self.text,
            span: self.span,
            range: r.clone(),
            piece: 0..self.text.len(),
        });
        if r.start >= r.end || r.end > self.text.len() || depth > MAX_DEPTH {
            return;
        }
        // The segments are in order and do not overlap: the first that ends
        // after the range's start is the only one that can hold it.
        let first = self.segments.partition_point(|s| s.range.end <= r.start);
        let Some(seg) = self
            .segments
            .get(first)
            .filter(|s| s.range.start <= r.start && r.end <= s.range.end)
        else {
            out.crosses = self
                .segments
                .get(first)
                .is_some_and(|s| s.range.start <= r.start);
            return;
        };
        if let Some(reached) = &mut out.reached {
            reached.piece = seg.range.start..seg.range.end;
        }
        let from = r.start - seg.range.start;
        let len = r.end - r.start;
        match seg.origin {
            SegmentOrigin::Written { span, exact } => {
                out.within = Some(span);
                if exact {
                    let start = span.range.start + from;
                    let exact = Span::new(span.file, TextRange::new(start, start + len));
                    out.span = Some(exact);
                    out.within = Some(exact);
                }
            }
            SegmentOrigin::Variable { index, offset } => {
                let Some(via) = self.via.get(index) else {
                    return;
                };
                out.vias.push(via);
                out.within = None;
                out.reached = None;
                if let Some(w) = &via.written {
                    let start = offset + from;
                    w.mapped().locate(start..start + len, out, depth + 1);
                }
            }
        }
    }
}

/// A compose scalar after interpolation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Value {
    pub text: String,
    /// The scalar as written (quotes included).
    pub span: Span,
    pub via: Vec<Via>,
    /// Where each byte range of `text` came from, in order.
    pub segments: Vec<Segment>,
}

impl Value {
    /// About how many bytes the value takes: its text, the values its
    /// references read, its map ([`Service::weight`]).
    pub fn weight(&self) -> usize {
        std::mem::size_of::<Value>()
            + self.text.len()
            + self
                .via
                .iter()
                .map(|v| {
                    std::mem::size_of::<Via>()
                        + v.variable.len()
                        + v.value.as_ref().map_or(0, String::len)
                })
                .sum::<usize>()
            + self.segments.len() * std::mem::size_of::<Segment>()
    }

    pub fn mapped(&self) -> Mapped<'_> {
        Mapped {
            text: &self.text,
            span: self.span,
            segments: &self.segments,
            via: &self.via,
        }
    }

    /// Where `range` of the text came from ([`Mapped::origin_of`]).
    pub fn origin_of(&self, range: std::ops::Range<usize>) -> Origin<'_> {
        self.mapped().origin_of(range)
    }

    /// Exactly where `range` of the text is written ([`Mapped::span_of`]).
    pub fn span_of(&self, range: std::ops::Range<usize>) -> Option<Span> {
        self.mapped().span_of(range)
    }
}

/// An interpolation variable of the project: shell, then `.env`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectVariable {
    pub name: String,
    pub value: String,
    pub source: VariableSource,
    /// Variables interpolated into a `.env` value.
    pub via: Vec<Via>,
    /// The `.env` value as written, with its map; `None` for the shell and
    /// Compose.
    pub written: Option<Arc<Value>>,
}

/// A `.env` / `--env-file` definition of the project, used or not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DotenvDefinition {
    pub name: String,
    pub value: String,
    pub file: FileId,
    pub key: Span,
    pub value_span: Span,
    pub via: Vec<Via>,
    /// Where each byte range of `value` came from.
    pub segments: Vec<Segment>,
    /// False when the process environment or a later line sets the same name.
    pub effective: bool,
}

impl DotenvDefinition {
    pub fn mapped(&self) -> Mapped<'_> {
        Mapped {
            text: &self.value,
            span: self.value_span,
            segments: &self.segments,
            via: &self.via,
        }
    }

    /// Exactly where `range` of the value is written ([`Mapped::span_of`]).
    pub fn span_of(&self, range: std::ops::Range<usize>) -> Option<Span> {
        self.mapped().span_of(range)
    }
}

/// What kind of problem a [`ModelError`] is, for the rules that decide on
/// it (never its message).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ModelErrorKind {
    /// `${VAR:?msg}` / `${VAR?msg}` without a value: VAR.
    RequiredVariable(String),
    /// A required `env_file:` that does not exist.
    EnvFileNotFound(PathBuf),
    /// `depends_on` a service that no file of the project defines.
    UndefinedService(String),
    /// A file of the project (a compose file, an `--env-file`) that cannot
    /// be read as text: located where the read failed
    /// ([`crate::model::workspace::Problem`]) when nothing else points at it.
    Unreadable(PathBuf),
    /// A file of the project that does not parse (also reported as
    /// `syntax-error` or `env-syntax`).
    Syntax,
    /// What the merged project lacks (a service's image or build, a named
    /// volume, network, secret or config a service refers to), or a value
    /// an earlier file could complete (a null, a string where a mapping is
    /// wanted): true of the files the project is made of, which, grouped by
    /// guess, may be a fragment meant to be combined with others.
    Incomplete,
    /// Input refused at one of mppeep-lint's own bounds (nesting depth,
    /// expanded size, `extends` depth): Compose may well accept it.
    Limit,
    Other,
}

/// An error that makes `docker compose config` fail, or a warning.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelError {
    pub message: String,
    pub span: Option<Span>,
    pub kind: ModelErrorKind,
}

impl ModelError {
    pub fn new(message: impl Into<String>, span: Option<Span>) -> Self {
        ModelError {
            message: message.into(),
            span,
            kind: ModelErrorKind::Other,
        }
    }

    pub fn with_kind(mut self, kind: ModelErrorKind) -> Self {
        self.kind = kind;
        self
    }

    /// For a `${VAR:?msg}` / `${VAR?msg}` failure: VAR.
    pub fn required_variable(&self) -> Option<&str> {
        match &self.kind {
            ModelErrorKind::RequiredVariable(v) => Some(v),
            _ => None,
        }
    }
}

/// Where a container variable is defined.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EnvSource {
    /// The service's `environment:`.
    ComposeEnvironment,
    /// A file of the service's `env_file:`.
    ComposeEnvFile,
    /// An `ENV` of the image's stage chain.
    ImageEnv,
}

impl EnvSource {
    /// The name used in JSON output.
    pub fn as_str(self) -> &'static str {
        match self {
            EnvSource::ComposeEnvironment => "compose.environment",
            EnvSource::ComposeEnvFile => "compose.env_file",
            EnvSource::ImageEnv => "image.env",
        }
    }
}

/// One definition of a container variable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvDefinition {
    pub key: String,
    /// `None`: a passthrough (`- KEY`) that no source sets.
    pub value: Option<String>,
    pub source: EnvSource,
    /// The key as written (for a list entry, the start of the entry).
    pub key_span: Span,
    /// The value as written, when there is one.
    pub value_span: Option<Span>,
    /// Variables interpolated into the value.
    pub via: Vec<Via>,
    /// Where each byte range of `value` came from: for a list entry
    /// `- KEY=value`, the value's part of the item (offsets in `value`).
    pub segments: Vec<Segment>,
    /// For `environment:` entries: list or map form.
    pub form: Option<EnvironmentForm>,
    /// For image `ENV`: the stage's index.
    pub stage: Option<usize>,
}

impl EnvDefinition {
    /// The value with its map; `None` for a passthrough no source sets.
    pub fn mapped(&self) -> Option<Mapped<'_>> {
        Some(Mapped {
            text: self.value.as_deref()?,
            span: self.value_span.unwrap_or(self.key_span),
            segments: &self.segments,
            via: &self.via,
        })
    }

    /// Where `range` of the value came from ([`Mapped::origin_of`]).
    pub fn origin_of(&self, range: std::ops::Range<usize>) -> Option<Origin<'_>> {
        Some(self.mapped()?.origin_of(range))
    }

    /// Exactly where `range` of the value is written ([`Mapped::span_of`]).
    pub fn span_of(&self, range: std::ops::Range<usize>) -> Option<Span> {
        self.mapped()?.span_of(range)
    }
}

/// A container variable: the definition that wins and those it shadows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvVar {
    pub winner: EnvDefinition,
    /// Lower-precedence definitions of the same key, the strongest first.
    pub shadowed: Vec<EnvDefinition>,
}

impl EnvVar {
    /// Every definition of the key, the winner first.
    pub fn definitions(&self) -> impl Iterator<Item = &EnvDefinition> {
        std::iter::once(&self.winner).chain(&self.shadowed)
    }
}

/// A service's container environment: image ENV < env_file < environment.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContainerEnvironment {
    pub vars: BTreeMap<String, EnvVar>,
}

impl ContainerEnvironment {
    pub fn get(&self, key: &str) -> Option<&EnvVar> {
        self.vars.get(key)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvironmentEntry {
    pub key: String,
    pub key_span: Span,
    /// The list item or the `KEY: value` pair as written.
    pub entry_span: Span,
    /// `None`: passthrough (`- KEY`, `KEY:`).
    pub value: Option<Value>,
    pub form: EnvironmentForm,
    pub quoted_in_yaml: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvFileUse {
    pub path: Value,
    pub resolved: PathBuf,
    pub required: bool,
    /// `format: raw`: lines taken literally (no quotes, comments after a
    /// value or interpolation).
    pub raw: bool,
    /// `required:` that reads as no boolean, or an unknown `format:`:
    /// Compose refuses the configuration.
    pub invalid: Option<ModelError>,
    /// The file, when it could be read.
    pub file: Option<FileId>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildConfig {
    pub span: Span,
    pub context: PathBuf,
    pub context_value: Option<Value>,
    pub dockerfile: Option<Value>,
    pub dockerfile_path: PathBuf,
    pub target: Option<Value>,
    pub args: Vec<(String, Span, Option<Value>)>,
    /// `dockerfile_inline:`: the Dockerfile is written in the compose file,
    /// and `dockerfile_path` is no file of the build.
    pub inline: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CommandConfig {
    Exec(Vec<Value>),
    Shell(Value),
}

impl CommandConfig {
    /// The words of the command (a shell form is split on blanks).
    pub fn words(&self) -> Vec<String> {
        match self {
            CommandConfig::Exec(v) => v.iter().map(|x| x.text.clone()).collect(),
            CommandConfig::Shell(v) => v.text.split_whitespace().map(str::to_string).collect(),
        }
    }
    pub fn span(&self) -> Option<Span> {
        match self {
            CommandConfig::Exec(v) => v.first().map(|x| x.span),
            CommandConfig::Shell(v) => Some(v.span),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HealthcheckConfig {
    pub span: Span,
    pub test: Option<CommandConfig>,
    pub disable: bool,
}

impl HealthcheckConfig {
    /// `disable: true` or `test: ["NONE"]`.
    pub fn is_disabled(&self) -> bool {
        self.disable
            || matches!(&self.test, Some(CommandConfig::Exec(v)) if v.first().is_some_and(|x| x.text == "NONE"))
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dependency {
    pub service: String,
    pub span: Span,
    pub condition: Option<Value>,
    pub required: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetworkAttachment {
    pub name: String,
    pub span: Span,
    pub aliases: Vec<Value>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortConfig {
    pub raw: Value,
    pub published: Option<String>,
    pub target: Option<String>,
}

/// One `volumes:` item of a service, after interpolation: the short
/// syntax's item, or the long syntax's fields ([`crate::model::mount`]
/// reads it as Compose does).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MountConfig {
    /// The item as written.
    pub span: Span,
    pub short: Option<Value>,
    pub kind: Option<Value>,
    pub source: Option<Value>,
    pub target: Option<Value>,
    pub read_only: Option<Value>,
}

/// A compose service after interpolation and multi-file merge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Service {
    pub name: String,
    pub name_span: Span,
    /// False when none of its profiles is active: Compose leaves it out.
    pub active: bool,
    pub image: Option<Value>,
    pub build: Option<BuildConfig>,
    pub environment: Vec<EnvironmentEntry>,
    pub env_files: Vec<EnvFileUse>,
    pub user: Option<Value>,
    pub healthcheck: Option<HealthcheckConfig>,
    pub depends_on: Vec<Dependency>,
    pub network_mode: Option<Value>,
    pub networks: Vec<NetworkAttachment>,
    pub ports: Vec<PortConfig>,
    pub expose: Vec<Value>,
    pub profiles: Vec<Value>,
    pub command: Option<CommandConfig>,
    pub entrypoint: Option<CommandConfig>,
    pub container_name: Option<Value>,
    pub hostname: Option<Value>,
    /// `pull_policy:` as written (`build`, `never`, `always`…).
    pub pull_policy: Option<Value>,
    /// `volumes:`, merged by the path in the container.
    pub volumes: Vec<MountConfig>,
    /// `privileged:` after interpolation ([`crate::model::mount::is_true`]
    /// reads it).
    pub privileged: Option<Value>,
    /// `cap_add:` and `security_opt:`, each item once.
    pub cap_add: Vec<Value>,
    pub security_opt: Vec<Value>,
    pub pid: Option<Value>,
    pub ipc: Option<Value>,
    /// The container environment, resolved.
    pub container_env: ContainerEnvironment,
    /// What the image built here runs, when the service has `build:`.
    pub image_facts: Option<ImageFacts>,
    /// Compose's merge tags of this file's service: fields `!reset` (and
    /// `environment.KEY`), fields `!override`, and the service's own tag.
    pub resets: Vec<String>,
    pub overrides: Vec<String>,
    pub tag: Option<crate::syntax::yaml::MergeTag>,
    /// Where the service was defined: 0 in the project's own files, else
    /// the `include:` (numbered as the model loads them) whose variables its
    /// `environment:` passthroughs and `env_file:` lines read.
    pub scope: usize,
}

impl Service {
    /// About how many bytes the service's values take (texts, the values
    /// their references read, their maps; not its image's facts nor its
    /// container environment, made later): what copying it costs, spent
    /// from the project's allowance ([`crate::syntax::limits::Allowance`]).
    pub fn weight(&self) -> usize {
        fn values<'v>(vs: impl IntoIterator<Item = &'v Value>) -> usize {
            vs.into_iter().map(Value::weight).sum()
        }
        fn command(c: &Option<CommandConfig>) -> usize {
            match c {
                Some(CommandConfig::Exec(v)) => values(v),
                Some(CommandConfig::Shell(v)) => v.weight(),
                None => 0,
            }
        }
        let build = self.build.as_ref().map_or(0, |b| {
            values(b.context_value.iter().chain(&b.dockerfile).chain(&b.target))
                + b.args
                    .iter()
                    .map(|(k, _, v)| k.len() + v.as_ref().map_or(0, Value::weight))
                    .sum::<usize>()
        });
        let environment: usize = self
            .environment
            .iter()
            .map(|e| e.key.len() + e.value.as_ref().map_or(0, Value::weight))
            .sum();
        let one = |v: &Option<Value>| v.as_ref().map_or(0, Value::weight);
        std::mem::size_of::<Service>()
            + self.name.len()
            + build
            + environment
            + values(self.env_files.iter().map(|e| &e.path))
            + one(&self.image)
            + one(&self.user)
            + one(&self.network_mode)
            + one(&self.container_name)
            + one(&self.hostname)
            + one(&self.pull_policy)
            + one(&self.privileged)
            + one(&self.pid)
            + one(&self.ipc)
            + values(&self.cap_add)
            + values(&self.security_opt)
            + self
                .volumes
                .iter()
                .map(|m| {
                    values(
                        m.short
                            .iter()
                            .chain(&m.kind)
                            .chain(&m.source)
                            .chain(&m.target)
                            .chain(&m.read_only),
                    )
                })
                .sum::<usize>()
            + self.healthcheck.as_ref().map_or(0, |h| command(&h.test))
            + self
                .depends_on
                .iter()
                .map(|d| d.service.len() + one(&d.condition))
                .sum::<usize>()
            + self
                .networks
                .iter()
                .map(|n| n.name.len() + values(&n.aliases))
                .sum::<usize>()
            + self
                .ports
                .iter()
                .map(|p| p.raw.weight() + 2 * p.raw.text.len())
                .sum::<usize>()
            + values(&self.expose)
            + values(&self.profiles)
            + command(&self.command)
            + command(&self.entrypoint)
            + self
                .resets
                .iter()
                .chain(&self.overrides)
                .map(String::len)
                .sum::<usize>()
    }

    /// True when the service reads `file` as one of its `env_file:`s.
    pub fn reads_env_file(&self, file: FileId) -> bool {
        self.env_files.iter().any(|e| e.file == Some(file))
    }

    /// True when other containers of the project reach this one as `host`:
    /// its name, container_name, hostname or a network alias.
    pub fn answers_to(&self, host: &str) -> bool {
        self.name == host
            || self.container_name.as_ref().is_some_and(|c| c.text == host)
            || self.hostname.as_ref().is_some_and(|h| h.text == host)
            || self
                .networks
                .iter()
                .any(|n| n.aliases.iter().any(|a| a.text == host))
    }
}

/// A Dockerfile stage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stage {
    pub index: usize,
    pub name: Option<String>,
    /// The image text after ARG expansion.
    pub base: String,
    /// The `FROM` instruction.
    pub from_span: Span,
    /// The image reference as written.
    pub base_span: Span,
    /// Index of the earlier stage this one is built `FROM`, if any.
    pub parent: Option<usize>,
    /// Index range into `Dockerfile::instructions` (FROM included).
    pub instructions: std::ops::Range<usize>,
}

impl Stage {
    /// `runtime`, or `#2` for a stage without a name, as messages show it.
    pub fn display_name(&self) -> String {
        self.name
            .clone()
            .unwrap_or_else(|| format!("#{}", self.index))
    }
}

/// A value set by an instruction, with where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Located<T> {
    pub value: T,
    pub span: Span,
    /// The stage whose instruction sets it.
    pub stage: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageHealthcheck {
    /// True for `HEALTHCHECK NONE`.
    pub none: bool,
    pub command: Option<DockerCommand>,
}

/// What the stage a service runs inherits and sets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageFacts {
    pub dockerfile_file: FileId,
    pub dockerfile: Arc<Dockerfile>,
    pub stages: Vec<Stage>,
    /// The stage the service runs (`target`, else the last).
    pub stage: usize,
    /// The stage, its parent, ... up to the one built from an external image.
    pub chain: Vec<usize>,
    /// The external image at the root of the chain.
    pub base_image: Option<Located<String>>,
    /// The last `USER` along the chain; `None`: never set (root).
    pub user: Option<Located<String>>,
    pub healthcheck: Option<Located<ImageHealthcheck>>,
    /// Effective `ENV`, in definition order, the last definition of each key.
    pub env: Vec<(String, Located<String>, Span)>,
    pub expose: Vec<Located<String>>,
    pub cmd: Option<Located<DockerCommand>>,
    pub entrypoint: Option<Located<DockerCommand>>,
    pub workdir: Option<Located<String>>,
    /// A `target` naming no stage.
    pub target_missing: bool,
    /// The first of our bounds an expansion stopped at (nesting, 1 MiB
    /// per value, the file's budget): where and why.
    pub limit: Option<(Span, String)>,
}

impl ImageFacts {
    pub fn run_stage(&self) -> &Stage {
        &self.stages[self.stage]
    }
}

/// An env file that the project reads but that is not there: the project
/// `.env` (when there is evidence that one is expected) or a required
/// `env_file:`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MissingEnvFile {
    /// Where Compose looks for it.
    pub path: PathBuf,
    /// The path as the user would type it.
    pub display: String,
    /// True for the project `.env` (interpolation); false for an
    /// `env_file:` only.
    pub project_dotenv: bool,
    /// The committed template that documents it, when there is one.
    pub template: Option<FileId>,
    /// The `env_file:` entries that name it.
    pub uses: Vec<Span>,
}

/// Each service's index in `services` by its name (the first of a name).
pub(crate) fn index_by_name(services: &[Service]) -> std::collections::HashMap<String, usize> {
    let mut at = std::collections::HashMap::new();
    for (i, s) in services.iter().enumerate() {
        at.entry(s.name.clone()).or_insert(i);
    }
    at
}

/// A compose project: the files `docker compose` would read together.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Project {
    pub name: String,
    pub directory: PathBuf,
    pub compose_files: Vec<FileId>,
    /// The project `.env` or the `--env-file` files, in order.
    pub env_files: Vec<FileId>,
    /// Interpolation variables: the process environment, then the env files.
    pub variables: BTreeMap<String, ProjectVariable>,
    /// Every definition in the env files, in order (the `include:` env
    /// files' after the project's).
    pub dotenv_definitions: Vec<DotenvDefinition>,
    /// The compose files `include:` brings in (also in `compose_files`).
    pub included_files: Vec<FileId>,
    /// The env files of the `include:`s (each `env_file:`, else the `.env`
    /// of the included project directory): read for the included files'
    /// interpolation only, after the project's variables.
    pub include_env_files: Vec<FileId>,
    pub services: Vec<Service>,
    /// Every `${VAR}` reference in the project's compose files (each once),
    /// and every passthrough (`environment: [VAR]`, `args: [VAR]`).
    pub references: Vec<Via>,
    /// What makes `docker compose config` fail.
    pub errors: Vec<ModelError>,
    pub warnings: Vec<ModelError>,
    /// False when a compose file of the project could not be read or
    /// parsed: its services and references are not known, so no rule judges
    /// them (the file's own error is reported).
    pub whole: bool,
    /// Env files the project reads that an install creates (the `.env`
    /// documented by `.env.example`, a required `env_file:`), not there.
    pub missing_env_files: Vec<MissingEnvFile>,
    /// Variables that count as set at deploy time: those the templates of
    /// [`Project::missing_env_files`] define, and, when the project `.env`
    /// is expected, those nothing sets now.
    pub deploy_variables: std::collections::BTreeSet<String>,
    /// The committed template of the project `.env` (`.env.example`…),
    /// whether the `.env` is there or not; `None` with `--env-file`.
    pub dotenv_template: Option<FileId>,
    /// Each service's index by its name, and by every name other containers
    /// reach it as ([`Service::answers_to`]; the first service that does):
    /// looked up once per address and dependency, a walk over 20,000
    /// services each time was quadratic.
    pub(crate) by_name: std::collections::HashMap<String, usize>,
    pub(crate) by_host: std::collections::HashMap<String, usize>,
}

impl Project {
    pub fn service(&self, name: &str) -> Option<&Service> {
        self.by_name.get(name).and_then(|&i| self.services.get(i))
    }

    /// The first service that other containers reach as `host`.
    pub fn answering(&self, host: &str) -> Option<&Service> {
        self.by_host.get(host).and_then(|&i| self.services.get(i))
    }

    /// The indexes of [`Project::service`] and [`Project::answering`].
    pub(crate) fn index_services(
        services: &[Service],
    ) -> (
        std::collections::HashMap<String, usize>,
        std::collections::HashMap<String, usize>,
    ) {
        let mut by_host = std::collections::HashMap::new();
        for (i, s) in services.iter().enumerate() {
            let names = std::iter::once(s.name.as_str())
                .chain(s.container_name.as_ref().map(|c| c.text.as_str()))
                .chain(s.hostname.as_ref().map(|h| h.text.as_str()))
                .chain(
                    s.networks
                        .iter()
                        .flat_map(|n| n.aliases.iter().map(|a| a.text.as_str())),
                );
            for n in names {
                by_host.entry(n.to_string()).or_insert(i);
            }
        }
        (index_by_name(services), by_host)
    }
    /// Whether `name` counts as set at deploy time (see
    /// [`Project::deploy_variables`]).
    pub fn set_at_deploy(&self, name: &str) -> bool {
        self.deploy_variables.contains(name)
    }

    /// The missing env file at `path`, if the project expects one there.
    pub fn missing_env_file(&self, path: &std::path::Path) -> Option<&MissingEnvFile> {
        self.missing_env_files.iter().find(|m| m.path == path)
    }

    pub fn active_services(&self) -> impl Iterator<Item = &Service> {
        self.services.iter().filter(|s| s.active)
    }
}
