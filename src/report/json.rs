//! The JSON outputs, as types: these types *are* the contracts that tools
//! read (`check --format json` and `env --format json` are DESIGN.md §3's
//! version 1; `explain --format json` is described in the README). The
//! renderers build them; serde writes them, fields in the order declared.
//!
//! Every place in a file, in every output, is one [`Location`]: the path as
//! the user would type it from the current directory, 1-based lines and
//! columns, columns counted in characters, the end exclusive. A field that
//! points somewhere says what it points at: the `reference` (`${VAR}` as
//! written) or the `definition` (where a value is set).
//!
//! Every string that comes from the user's files (messages, values, names)
//! has been through the redactor before it is put in one of these types.

use std::collections::BTreeMap;

use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};

use crate::source::{SourceMap, Span};

/// A range of a file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Location {
    /// The path as the user would type it: relative when the file is under
    /// the current directory, absolute otherwise.
    pub file: String,
    /// 1-based.
    pub line: usize,
    /// 1-based, in characters.
    pub column: usize,
    pub end_line: usize,
    /// 1-based, in characters, exclusive.
    pub end_column: usize,
}

impl Location {
    pub fn of(sources: &SourceMap, span: Span) -> Location {
        let file = sources.get(span.file);
        let start = file.line_col(span.range.start);
        let end = file.line_col(span.range.end);
        Location {
            file: file.display.clone(),
            line: start.line,
            column: start.column,
            end_line: end.line,
            end_column: end.column,
        }
    }
}

/// A JSON object whose keys keep the order given (services in the order
/// of the compose files).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ordered<T>(pub Vec<(String, T)>);

impl<T> Default for Ordered<T> {
    fn default() -> Self {
        Ordered(Vec::new())
    }
}

impl<T: Serialize> Serialize for Ordered<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

// ------------------------------------------------- check --format json (v1)

/// `check --format json`, DESIGN.md §3 (version 1: fields are only ever
/// added; a field removed or changed in meaning makes version 2).
#[derive(Debug, Serialize)]
pub struct CheckReport {
    /// 1.
    pub version: u32,
    /// In output order: by file, then position.
    pub diagnostics: Vec<Diagnostic>,
    pub summary: Summary,
}

/// One finding.
#[derive(Debug, Serialize)]
pub struct Diagnostic {
    /// The rule's name (kebab-case), as in configuration and suppressions.
    pub name: String,
    /// `error`, `warning` or `info`.
    pub severity: &'static str,
    pub message: String,
    /// How to fix it, when the rule knows; else null.
    pub help: Option<String>,
    /// The exact range that is wrong (flattened: `file`, `line`, `column`,
    /// `end_line`, `end_column`).
    #[serde(flatten)]
    pub location: Location,
    /// The other places of the flow (the `.env` line, the compose entry...).
    pub labels: Vec<Label>,
    /// Only when the rule offers a fix.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<Fix>,
}

#[derive(Debug, Serialize)]
pub struct Label {
    #[serde(flatten)]
    pub location: Location,
    pub message: String,
}

#[derive(Debug, Serialize)]
pub struct Fix {
    pub description: String,
    /// Whether applying it cannot change what the project means.
    pub safe: bool,
    pub edits: Vec<Edit>,
    /// Files the fix creates (a `.dockerignore`); absent when none.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub creates: Vec<NewFile>,
}

/// A file to create with `text`.
#[derive(Debug, Serialize)]
pub struct NewFile {
    pub file: String,
    pub text: String,
}

/// Replace the text at the location with `replacement`.
#[derive(Debug, Serialize)]
pub struct Edit {
    #[serde(flatten)]
    pub location: Location,
    pub replacement: String,
}

#[derive(Debug, Serialize)]
pub struct Summary {
    /// Files read.
    pub files: usize,
    pub errors: usize,
    pub warnings: usize,
    pub infos: usize,
}

// --------------------------------------------------- env --format json (v1)

/// `env --format json`, DESIGN.md §3: each running service's container
/// environment with provenance, and what makes `docker compose config`
/// fail. Version 1; `definition` and `reference` are additions to it (see
/// [`EnvValue`], [`EnvVia`], [`EnvError`]).
#[derive(Debug, Default, Serialize)]
pub struct EnvReport {
    /// The first project's running services (Compose's default file wins),
    /// in the order of the compose files.
    pub services: Ordered<ServiceEnvironment>,
    /// The first project's errors (and, when there is no project, the files
    /// that could not be read). Non-empty exactly when
    /// `docker compose config` would fail.
    pub errors: Vec<EnvError>,
    /// Every project found, the first one included.
    pub projects: Vec<ProjectEnvironment>,
}

#[derive(Debug, Serialize)]
pub struct ProjectEnvironment {
    pub name: String,
    /// Its compose files, in `-f` order.
    pub files: Vec<String>,
    pub services: Ordered<ServiceEnvironment>,
    pub errors: Vec<EnvError>,
}

#[derive(Debug, Serialize)]
pub struct ServiceEnvironment {
    /// By name, sorted.
    pub environment: BTreeMap<String, EnvValue>,
}

/// A container variable: the definition that wins.
#[derive(Debug, Serialize)]
pub struct EnvValue {
    /// Masked when secret (unless `--show-secrets`); null for a passthrough
    /// (`- KEY`) that no source sets, as Compose prints it.
    pub value: Option<String>,
    /// `compose.environment`, `compose.env_file` or `image.env`.
    pub source: &'static str,
    /// v1: the file, line and column where the winning definition's name is
    /// written (`definition`'s start).
    pub file: String,
    pub line: usize,
    pub column: usize,
    /// For `image.env`: the index of the Dockerfile stage that sets it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stage: Option<usize>,
    /// The variables interpolated into the value.
    pub via: Vec<EnvVia>,
    /// Added to v1: where the winning definition's name is written.
    pub definition: Location,
}

/// A variable interpolated into a value.
#[derive(Debug, Serialize)]
pub struct EnvVia {
    pub variable: String,
    /// Where its value comes from: `dotenv` (a line of `.env` or an env
    /// file), `process` (the shell), `compose` (Compose itself: the project
    /// name), `unset` (nothing sets it).
    pub source: &'static str,
    /// v1: where the variable's value is *defined* (the `.env` line;
    /// `definition`'s file and line), null when no file defines it. Not
    /// where it is referenced: that is `reference`.
    pub file: Option<String>,
    pub line: Option<usize>,
    /// Added to v1: where `${VARIABLE}` (or a passthrough `- VARIABLE`) is
    /// written.
    pub reference: Location,
    /// Added to v1: where the variable's value is defined (the name on its
    /// `.env` line); null for the shell, Compose or nothing.
    pub definition: Option<Location>,
}

/// What makes `docker compose config` fail, or a file that could not be
/// read.
#[derive(Debug, Serialize)]
pub struct EnvError {
    pub message: String,
    /// v1: where, when known (else null).
    pub file: Option<String>,
    pub line: Option<usize>,
    /// Only when the error has an exact place.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<usize>,
    /// Added to v1: the exact place, when the error has one.
    pub location: Option<Location>,
}

// ----------------------------------------------- explain --format json

/// `explain VAR --format json`: how VAR reaches (or fails to reach) each
/// service.
#[derive(Debug, Serialize)]
pub struct ExplainReport {
    pub variable: String,
    /// The first project's services (Compose's default file wins).
    pub services: Ordered<ServiceExplanation>,
    /// The first project's references to VAR.
    pub references: Vec<Reference>,
    /// Every project found, the first one included.
    pub projects: Vec<ProjectExplanation>,
}

#[derive(Debug, Serialize)]
pub struct ProjectExplanation {
    pub name: String,
    pub files: Vec<String>,
    pub services: Ordered<ServiceExplanation>,
    pub references: Vec<Reference>,
}

/// A `${VAR}` (or a passthrough) in a compose file.
#[derive(Debug, Serialize)]
pub struct Reference {
    /// Where it is written (flattened).
    #[serde(flatten)]
    pub location: Location,
    /// `plain` (`${VAR}`: empty when unset), `passthrough` (`- VAR`), or the
    /// operator (`:-`, `-`, `:?`, `?`, `:+`, `+`).
    pub form: String,
}

#[derive(Debug, Serialize)]
pub struct ServiceExplanation {
    /// False when none of its profiles is enabled: Compose does not run it.
    pub active: bool,
    /// What the service receives as VAR; null when it does not.
    #[serde(rename = "final")]
    pub final_value: Option<Final>,
    /// Every definition of VAR that concerns the service, the one used
    /// marked.
    pub candidates: Vec<Candidate>,
    /// When the service does not receive VAR: why, most useful first.
    pub why_not: Vec<NotReceived>,
    /// Names close to VAR that the project defines (a typo, another case).
    pub suggestions: Vec<Suggestion>,
}

#[derive(Debug, Serialize)]
pub struct Final {
    pub value: Option<String>,
    /// `compose.environment`, `compose.env_file` or `image.env`.
    pub source: &'static str,
    /// Where the winning definition's name is written.
    pub definition: Location,
    pub via: Vec<Via>,
}

#[derive(Debug, Serialize)]
pub struct Candidate {
    /// `process` (the shell), `dotenv`, `compose.environment`,
    /// `compose.env_file`, `image.env`, `image.arg` or `app.default`.
    pub source: &'static str,
    /// Where the name is written; null for the shell.
    pub definition: Option<Location>,
    pub value: Option<String>,
    /// True for the definition whose value the service receives (and the
    /// `.env` or shell value interpolated into it).
    pub used: bool,
    pub reason: Why<CandidateReason>,
    /// For `image.env` / `image.arg`: the stage's name or index.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stage: Option<String>,
    /// For a definition of another service: that service.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub via: Vec<Via>,
    /// Where this value is interpolated into other keys of the service.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub feeds: Vec<Feed>,
}

/// A variable interpolated into a value.
#[derive(Debug, Serialize)]
pub struct Via {
    pub variable: String,
    /// `dotenv`, `process`, `compose` or `unset` (as in [`EnvVia`]).
    pub source: &'static str,
    /// Where `${VARIABLE}` is written.
    pub reference: Location,
    /// Where its value is defined (the `.env` line's name); null for the
    /// shell, Compose or nothing.
    pub definition: Option<Location>,
}

/// VAR interpolated into another key of the service.
#[derive(Debug, Serialize)]
pub struct Feed {
    /// The key whose value holds `${VAR}`.
    pub into: String,
    pub reference: Location,
}

#[derive(Debug, Serialize)]
pub struct Suggestion {
    pub name: String,
    /// Where it is defined (the first place found).
    pub definition: Option<Location>,
}

/// A reason as data (`kind` and its fields) and in words (`text`).
#[derive(Debug, Serialize)]
pub struct Why<K> {
    #[serde(flatten)]
    pub kind: K,
    pub text: String,
}

/// Where a project interpolation variable comes from: `shell` or `dotenv`.
pub type InterpolationSource = &'static str;

/// A definition of VAR in the service, as a reason names it.
#[derive(Debug, Serialize)]
pub struct DefinedAt {
    pub source: &'static str,
    pub definition: Location,
}

/// Why a candidate is used or not (`crate::model::explain::Reason`).
#[derive(Debug, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum CandidateReason {
    ShellInterpolated,
    DotenvInterpolated {
        reference: Option<Location>,
    },
    OnlyFeeds {
        from: InterpolationSource,
        feeds: Vec<Feed>,
    },
    NotReferenced {
        from: InterpolationSource,
        service: String,
    },
    DotenvAlsoEnvFile {
        service: String,
    },
    HardCoded {
        service: String,
        by: DefinedAt,
    },
    OverriddenByShell,
    OverriddenByLater {
        later: Option<Location>,
    },
    Wins {
        source: &'static str,
    },
    Shadowed {
        by: DefinedAt,
        same_value: bool,
    },
    StageNotRun {
        stage: String,
        runs: String,
        service: String,
    },
    BuildTimeOnly,
    GlobalArg,
    OtherService {
        owner: String,
        source: &'static str,
        service: String,
    },
    AppDefaultOverridden,
    AppDefaultUsed,
    AppFieldRequired,
}

/// Why the service does not receive VAR
/// (`crate::model::explain::NotReceived`).
#[derive(Debug, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum NotReceivedReason {
    InactiveProfile {
        service: String,
        profiles: Vec<String>,
    },
    PassthroughUnset {
        entry: Location,
    },
    OnlyInterpolation {
        from: InterpolationSource,
        service: String,
        feeds: Vec<String>,
    },
    OtherService {
        definition: Location,
        reason: Why<CandidateReason>,
    },
    InDockerfile {
        definition: Location,
        reason: Why<CandidateReason>,
    },
    OnlyReferenced {
        service: String,
        feeds: Vec<Feed>,
        references: Vec<Location>,
    },
    PlatformArg,
    OtherDockerfile {
        definitions: Vec<Location>,
    },
    ReferencedElsewhere {
        service: String,
    },
    Undefined,
}

/// An entry of `why_not`.
pub type NotReceived = Why<NotReceivedReason>;
