//! A compose file's services, typed, with the range of every key and value.
//! Values are kept raw (not interpolated): interpolation is the model's job.

use crate::source::{Spanned, SyntaxError, TextRange};
use crate::syntax::yaml::Node;

#[derive(Debug, Clone, Default)]
pub struct ComposeFile {
    /// The whole YAML tree, so every scalar can be interpolated and checked.
    pub root: Option<Node>,
    pub name: Option<Spanned<String>>,
    pub services: Vec<Service>,
    /// Top-level `networks:` keys.
    pub networks: Vec<Spanned<String>>,
    /// Errors that make Compose reject the file.
    pub errors: Vec<SyntaxError>,
}

#[derive(Debug, Clone, Default)]
pub struct Service {
    pub name: Spanned<String>,
    /// The service's whole mapping.
    pub range: TextRange,
    pub image: Option<Spanned<String>>,
    pub build: Option<Build>,
    pub environment: Vec<EnvironmentEntry>,
    /// Where `environment:` is written (its key), when present.
    pub environment_key: Option<TextRange>,
    pub env_file: Vec<EnvFileRef>,
    pub user: Option<Spanned<String>>,
    pub healthcheck: Option<Healthcheck>,
    pub depends_on: Vec<Dependency>,
    pub network_mode: Option<Spanned<String>>,
    pub networks: Vec<ServiceNetwork>,
    pub ports: Vec<Port>,
    pub expose: Vec<Spanned<String>>,
    pub profiles: Vec<Spanned<String>>,
    pub command: Option<Command>,
    pub entrypoint: Option<Command>,
    pub container_name: Option<Spanned<String>>,
    pub hostname: Option<Spanned<String>>,
    /// `extends:` (service name, optional file).
    pub extends: Option<Extends>,
}

#[derive(Debug, Clone)]
pub struct Extends {
    pub service: Spanned<String>,
    pub file: Option<Spanned<String>>,
}

#[derive(Debug, Clone)]
pub struct Build {
    /// `build: ./dir` or the `build:` key of the object form.
    pub range: TextRange,
    pub context: Option<Spanned<String>>,
    pub dockerfile: Option<Spanned<String>>,
    pub target: Option<Spanned<String>>,
    /// `args:` in list or map form; `None` value = passthrough (`- KEY`).
    pub args: Vec<(Spanned<String>, Option<Spanned<String>>)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EnvironmentForm {
    /// `- KEY=value`: the whole string (quotes included) is the entry.
    List,
    /// `KEY: value`
    Map,
}

#[derive(Debug, Clone)]
pub struct EnvironmentEntry {
    pub form: EnvironmentForm,
    /// The list item as written (list form) or the key (map form).
    pub raw: Spanned<String>,
    /// The key, raw (list form: the text before the first `=`).
    pub key: Spanned<String>,
    /// The value, raw; `None` for `- KEY` or `KEY:` (passthrough).
    /// Map form with a YAML null value is `None`; booleans and numbers are
    /// kept as written (`true`, `1.0`).
    pub value: Option<Spanned<String>>,
    /// The YAML style of the scalar (quoted list items keep their quotes).
    pub quoted_in_yaml: bool,
}

#[derive(Debug, Clone)]
pub struct EnvFileRef {
    pub path: Spanned<String>,
    /// `required: false` lets the file be missing.
    pub required: bool,
    /// `format: raw` reads lines literally.
    pub raw_format: bool,
}

#[derive(Debug, Clone)]
pub struct Healthcheck {
    /// The `healthcheck:` key.
    pub range: TextRange,
    pub test: Option<Command>,
    pub disable: bool,
    pub interval: Option<Spanned<String>>,
    pub timeout: Option<Spanned<String>>,
    pub start_period: Option<Spanned<String>>,
    pub retries: Option<Spanned<String>>,
}

#[derive(Debug, Clone)]
pub struct Dependency {
    pub service: Spanned<String>,
    /// `service_started` (default), `service_healthy`, `service_completed_successfully`.
    pub condition: Option<Spanned<String>>,
    pub required: bool,
}

#[derive(Debug, Clone)]
pub struct ServiceNetwork {
    pub name: Spanned<String>,
    pub aliases: Vec<Spanned<String>>,
}

#[derive(Debug, Clone)]
pub struct Port {
    /// Short syntax `"8080:80"` or long syntax fields joined back.
    pub raw: Spanned<String>,
    pub published: Option<String>,
    pub target: Option<String>,
}

#[derive(Debug, Clone)]
pub enum Command {
    /// `command: ["a", "b"]`
    Exec(Vec<Spanned<String>>),
    /// `command: a b`
    Shell(Spanned<String>),
}
