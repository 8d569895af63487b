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
    /// Top-level `include:` items, in order.
    pub include: Vec<Include>,
    /// The documents after the first (`---`): Compose reads each as one
    /// more `-f` file, merged in order over the ones before (`extends` and
    /// `include:` conflicts stay within their document).
    pub later: Vec<std::sync::Arc<ComposeFile>>,
    /// Errors that make Compose reject the file (of every document).
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
    /// `pull_policy:` (`always`, `missing`, `never`, `build`…).
    pub pull_policy: Option<Spanned<String>>,
    /// `volumes:`, short (`src:dst[:mode]`) and long syntax.
    pub volumes: Vec<Volume>,
    /// `privileged:` as written (a boolean, or a string Compose
    /// interpolates, then reads as one).
    pub privileged: Option<Spanned<String>>,
    pub cap_add: Vec<Spanned<String>>,
    pub security_opt: Vec<Spanned<String>>,
    /// `pid:` (`host`, `service:NAME`, `container:ID`).
    pub pid: Option<Spanned<String>>,
    /// `ipc:` (`host`, `shareable`, `service:NAME`…).
    pub ipc: Option<Spanned<String>>,
    /// `extends:` (service name, optional file).
    pub extends: Option<Extends>,
    /// Compose's merge tags in this service: the fields tagged `!reset`
    /// (left out here, removed from what earlier files set; an
    /// `environment:` key as `environment.KEY`), the fields tagged
    /// `!override` (replacing what earlier files set instead of merging).
    pub resets: Vec<String>,
    pub overrides: Vec<String>,
    /// `name: !reset`: the service is removed; `name: !override`: it
    /// replaces the one earlier files define.
    pub tag: Option<yaml::MergeTag>,
}

/// One `include:` item: `- path` (short form) or `- path: [a.yml, b.yml]`
/// with `env_file:` and `project_directory:` (long form). Values raw.
#[derive(Debug, Clone)]
pub struct Include {
    /// The item as written.
    pub range: TextRange,
    /// The files, the first one the main one (a string or a list).
    pub paths: Vec<Spanned<String>>,
    /// `env_file:` (a string or a list); empty: the `.env` of the project
    /// directory.
    pub env_files: Vec<Spanned<String>>,
    pub project_directory: Option<Spanned<String>>,
}

/// One `volumes:` item of a service: the short syntax as written, or the
/// fields of the long syntax. Values raw.
#[derive(Debug, Clone, Default)]
pub struct Volume {
    /// The item as written.
    pub range: TextRange,
    /// `- src:dst[:mode]` (split after interpolation, as Compose does).
    pub short: Option<Spanned<String>>,
    /// Long syntax: `type:` (`bind`, `volume`, `tmpfs`…).
    pub kind: Option<Spanned<String>>,
    pub source: Option<Spanned<String>>,
    pub target: Option<Spanned<String>>,
    /// `read_only:` as written (a boolean, or a string read as one).
    pub read_only: Option<Spanned<String>>,
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
    /// `args:` in list or map form, as `environment:` entries; `None` value
    /// = passthrough (`- KEY`).
    pub args: Vec<EnvironmentEntry>,
    /// `dockerfile_inline:`: the Dockerfile is that text, not a file (when
    /// it is not empty).
    pub inline: Option<Spanned<String>>,
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
    /// `required:` as written (a boolean as `true`/`false`, or a string
    /// Compose interpolates, then reads as a boolean); absent: required.
    pub required: Option<Spanned<String>>,
    /// `format:` as written (interpolated by Compose; `raw` reads lines
    /// literally).
    pub format: Option<Spanned<String>>,
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

use crate::syntax::yaml::{self, NodeKind, ScalarStyle};

impl ComposeFile {
    /// The file's documents in order: this one, then [`ComposeFile::later`].
    pub fn documents(&self) -> impl Iterator<Item = &ComposeFile> {
        std::iter::once(self).chain(self.later.iter().map(|d| &**d))
    }

    /// The variables top-level `secrets:` and `configs:` take their
    /// content from (`environment: API_KEY`): Compose reads them from the
    /// project's environment, `.env` included, without a `${…}`.
    pub fn environment_sources(&self) -> Vec<&str> {
        let mut out = Vec::new();
        for doc in self.documents() {
            let Some(root) = &doc.root else { continue };
            for section in ["secrets", "configs"] {
                let Some(items) = root.get(section).and_then(|n| n.as_map()) else {
                    continue;
                };
                out.extend(
                    items
                        .iter()
                        .filter_map(|(_, v)| v.get("environment").and_then(|e| e.as_str())),
                );
            }
        }
        out
    }
}

/// Parses a compose file: YAML first, then the fields mppeep-lint models.
/// Shapes Compose rejects (a list where a mapping is needed...) are errors
/// with the range of the offending node; the rest of the file is still read.
pub fn parse(text: &str) -> ComposeFile {
    let doc = yaml::parse(text);
    let mut file = ComposeFile {
        errors: doc.errors,
        ..ComposeFile::default()
    };
    let Some(root) = doc.root else {
        return file;
    };
    let several = !doc.later.is_empty();
    read_document(&mut file, root, several);
    for (marker, root) in doc.later {
        let mut later = ComposeFile::default();
        match root {
            // An empty document is refused at its `---`.
            Some(root)
                if !(root.is_null() && root.as_scalar().is_some_and(|s| s.value.is_empty())) =>
            {
                read_document(&mut later, root, true)
            }
            _ => later.errors.push(SyntaxError::new(NOT_A_MAPPING, marker)),
        }
        file.errors.append(&mut later.errors);
        file.later.push(std::sync::Arc::new(later));
    }
    file
}

const NOT_A_MAPPING: &str = "the top level of a compose file must be a mapping";

/// One document's fields into `file`. `several`: the file has more than
/// one document, and then an empty one is refused too.
fn read_document(file: &mut ComposeFile, root: Node, several: bool) {
    let mut p = Reader { errors: Vec::new() };
    match &root.kind {
        NodeKind::Map(entries) => {
            for (k, v) in entries {
                match k.as_str() {
                    Some("name") => file.name = p.string(v, "name"),
                    Some("services") => file.services = p.services(v),
                    Some("include") => file.include = p.include(v),
                    Some("networks") => {
                        if let Some(m) = v.as_map() {
                            file.networks = m.iter().filter_map(|(k, _)| key(k)).collect();
                        }
                    }
                    _ => {}
                }
            }
        }
        _ if root.is_null() && !several => {}
        _ => p.error(NOT_A_MAPPING, root.range),
    }
    file.errors.extend(p.errors);
    file.root = Some(root);
}

fn key(k: &Node) -> Option<Spanned<String>> {
    k.as_str().map(|s| Spanned::new(s.to_string(), k.range))
}

struct Reader {
    errors: Vec<SyntaxError>,
}

impl Reader {
    fn error(&mut self, message: impl Into<String>, range: TextRange) {
        self.errors.push(SyntaxError::new(message, range));
    }

    /// A scalar as Compose reads it into a string field (`None` for null).
    fn string(&mut self, node: &Node, what: &str) -> Option<Spanned<String>> {
        match &node.kind {
            NodeKind::Scalar(s) if s.resolved == yaml::Resolved::Timestamp => {
                self.error(format!("{what} invalid jsonType time.Time"), node.range);
                None
            }
            NodeKind::Scalar(s) => s.compose_string().map(|v| Spanned::new(v, node.range)),
            _ => {
                self.error(format!("{what} must be a string"), node.range);
                None
            }
        }
    }

    fn strings(&mut self, node: &Node, what: &str) -> Vec<Spanned<String>> {
        match &node.kind {
            NodeKind::Seq(items) => items.iter().filter_map(|n| self.string(n, what)).collect(),
            NodeKind::Scalar(_) if node.is_null() => Vec::new(),
            _ => {
                self.error(format!("{what} must be a list"), node.range);
                Vec::new()
            }
        }
    }

    fn bool(&mut self, node: &Node, what: &str) -> Option<bool> {
        match node.as_scalar().map(|s| s.resolved) {
            Some(yaml::Resolved::Bool(b)) => Some(b),
            _ => {
                // Compose also accepts the strings "true"/"false".
                match node.as_str() {
                    Some("true") => Some(true),
                    Some("false") => Some(false),
                    _ => {
                        self.error(format!("{what} must be a boolean"), node.range);
                        None
                    }
                }
            }
        }
    }

    /// `include:`: a list of paths or of `{path, env_file,
    /// project_directory}` items, as Compose reads it.
    fn include(&mut self, node: &Node) -> Vec<Include> {
        let items = match &node.kind {
            NodeKind::Seq(items) => items,
            _ if node.is_null() => return Vec::new(),
            _ => {
                let got = node.as_str().unwrap_or("a mapping");
                self.error(format!("`include` must be a list, got {got}"), node.range);
                return Vec::new();
            }
        };
        let mut out = Vec::new();
        for item in items {
            let mut include = Include {
                range: item.range,
                paths: Vec::new(),
                env_files: Vec::new(),
                project_directory: None,
            };
            match &item.kind {
                NodeKind::Scalar(_) => include.paths.extend(self.string(item, "include")),
                NodeKind::Map(_) => {
                    let one_or_many = |p: &mut Reader, n: &Node, what: &str| match &n.kind {
                        NodeKind::Scalar(_) => p.string(n, what).into_iter().collect(),
                        _ => p.strings(n, what),
                    };
                    if let Some(n) = item.get("path") {
                        include.paths = one_or_many(self, n, "include.path");
                    }
                    if let Some(n) = item.get("env_file") {
                        include.env_files = one_or_many(self, n, "include.env_file");
                    }
                    if let Some(n) = item.get("project_directory") {
                        include.project_directory = self.string(n, "include.project_directory");
                    }
                }
                NodeKind::Seq(_) => {
                    self.error("include items must be strings or mappings", item.range);
                    continue;
                }
            }
            out.push(include);
        }
        out
    }

    fn services(&mut self, node: &Node) -> Vec<Service> {
        let Some(entries) = node.as_map() else {
            if !node.is_null() {
                self.error("services must be a mapping", node.range);
            }
            return Vec::new();
        };
        entries
            .iter()
            .filter_map(|(k, v)| {
                let name = key(k)?;
                Some(self.service(name, v))
            })
            .collect()
    }

    fn service(&mut self, name: Spanned<String>, node: &Node) -> Service {
        let mut s = Service {
            name: name.clone(),
            range: node.range,
            tag: node.tag,
            ..Service::default()
        };
        if node.tag == Some(yaml::MergeTag::Reset) {
            return s;
        }
        let Some(entries) = node.as_map() else {
            if !node.is_null() {
                self.error(
                    format!("services.{} must be a mapping", name.value),
                    node.range,
                );
            }
            return s;
        };
        let n = &name.value;
        for (k, v) in entries {
            let Some(field) = k.as_str() else { continue };
            let what = format!("services.{n}.{field}");
            match v.tag {
                Some(yaml::MergeTag::Reset) => {
                    s.resets.push(field.to_string());
                    continue;
                }
                Some(yaml::MergeTag::Override) => s.overrides.push(field.to_string()),
                None => {}
            }
            if field == "environment" {
                for (key, value) in v.as_map().into_iter().flatten() {
                    if value.tag == Some(yaml::MergeTag::Reset) {
                        if let Some(key) = key.as_str() {
                            s.resets.push(format!("environment.{key}"));
                        }
                    }
                }
            }
            match field {
                "image" => s.image = self.string(v, &what),
                "user" => s.user = self.string(v, &what),
                "container_name" => s.container_name = self.string(v, &what),
                "hostname" => s.hostname = self.string(v, &what),
                "pull_policy" => s.pull_policy = self.string(v, &what),
                "privileged" => s.privileged = self.string(v, &what),
                "pid" => s.pid = self.string(v, &what),
                "ipc" => s.ipc = self.string(v, &what),
                "cap_add" => s.cap_add = self.strings(v, &what),
                "security_opt" => s.security_opt = self.strings(v, &what),
                "volumes" => s.volumes = self.volumes(v, &what),
                "network_mode" => s.network_mode = self.string(v, &what),
                "environment" => {
                    s.environment_key = Some(k.range);
                    s.environment = self.environment(v, &what);
                }
                "env_file" => s.env_file = self.env_file(v, &what),
                "build" => s.build = self.build(v, &what),
                "healthcheck" => s.healthcheck = self.healthcheck(k, v, &what),
                "depends_on" => s.depends_on = self.depends_on(v, &what),
                "networks" => s.networks = self.networks(v, &what),
                "ports" => s.ports = self.ports(v, &what),
                "expose" => s.expose = self.strings(v, &what),
                "profiles" => s.profiles = self.strings(v, &what),
                "command" => s.command = self.command(v, &what),
                "entrypoint" => s.entrypoint = self.command(v, &what),
                "extends" => s.extends = self.extends(v, &what),
                _ => {}
            }
        }
        s
    }

    fn environment(&mut self, node: &Node, what: &str) -> Vec<EnvironmentEntry> {
        match &node.kind {
            NodeKind::Seq(items) => items
                .iter()
                .filter_map(|item| {
                    let Some(s) = item.as_scalar() else {
                        self.error(format!("{what} items must be strings"), item.range);
                        return None;
                    };
                    let text = s.compose_string().unwrap_or_default();
                    let raw = Spanned::new(text.clone(), item.range);
                    let quoted_in_yaml = s.style != ScalarStyle::Plain;
                    let (key_text, value_text) = match text.split_once('=') {
                        Some((k, v)) => (k.to_string(), Some(v.to_string())),
                        None => (text.clone(), None),
                    };
                    let (key_range, value_range) = match s.value_start {
                        Some(vs) => (
                            TextRange::new(vs, vs + key_text.len()),
                            TextRange::new(
                                (vs + key_text.len() + 1).min(vs + text.len()),
                                vs + text.len(),
                            ),
                        ),
                        None => (item.range, item.range),
                    };
                    Some(EnvironmentEntry {
                        form: EnvironmentForm::List,
                        raw,
                        key: Spanned::new(key_text, key_range),
                        value: value_text.map(|v| Spanned::new(v, value_range)),
                        quoted_in_yaml,
                    })
                })
                .collect(),
            NodeKind::Map(entries) => entries
                .iter()
                .filter(|(_, v)| v.tag != Some(yaml::MergeTag::Reset))
                .filter_map(|(k, v)| {
                    let key = key(k)?;
                    let value = match &v.kind {
                        NodeKind::Scalar(_) => self.string(v, &format!("{what}.{}", key.value)),
                        _ => {
                            self.error(
                                format!(
                                    "{what}.{} must be a string, number, boolean or null",
                                    key.value
                                ),
                                v.range,
                            );
                            None
                        }
                    };
                    let quoted_in_yaml =
                        v.as_scalar().is_some_and(|s| s.style != ScalarStyle::Plain);
                    Some(EnvironmentEntry {
                        form: EnvironmentForm::Map,
                        raw: key.clone(),
                        key,
                        value,
                        quoted_in_yaml,
                    })
                })
                .collect(),
            _ if node.is_null() => Vec::new(),
            _ => {
                self.error(format!("{what} must be a mapping or a list"), node.range);
                Vec::new()
            }
        }
    }

    fn env_file(&mut self, node: &Node, what: &str) -> Vec<EnvFileRef> {
        let one = |p: &mut Reader, n: &Node| -> Option<EnvFileRef> {
            match &n.kind {
                NodeKind::Scalar(_) => p.string(n, what).map(|path| EnvFileRef {
                    path,
                    required: None,
                    format: None,
                }),
                NodeKind::Map(_) => {
                    let Some(path) = n
                        .get("path")
                        .and_then(|x| p.string(x, &format!("{what}.path")))
                    else {
                        p.error(format!("{what} items need a `path`"), n.range);
                        return None;
                    };
                    // A boolean, or a string read as one after interpolation.
                    let required = n.get("required").and_then(|r| {
                        let w = format!("{what}.required");
                        match r.as_scalar().map(|s| s.resolved) {
                            Some(yaml::Resolved::Bool(b)) => {
                                Some(Spanned::new(b.to_string(), r.range))
                            }
                            Some(yaml::Resolved::Str) => p.string(r, &w),
                            _ => {
                                p.error(format!("{w} must be a boolean or string"), r.range);
                                None
                            }
                        }
                    });
                    let format = n
                        .get("format")
                        .and_then(|f| p.string(f, &format!("{what}.format")));
                    Some(EnvFileRef {
                        path,
                        required,
                        format,
                    })
                }
                NodeKind::Seq(_) => {
                    p.error(format!("{what} items must be strings or mappings"), n.range);
                    None
                }
            }
        };
        match &node.kind {
            NodeKind::Seq(items) => items.iter().filter_map(|n| one(self, n)).collect(),
            _ if node.is_null() => Vec::new(),
            _ => one(self, node).into_iter().collect(),
        }
    }

    fn build(&mut self, node: &Node, what: &str) -> Option<Build> {
        match &node.kind {
            NodeKind::Scalar(_) => self.string(node, what).map(|context| Build {
                range: node.range,
                context: Some(context),
                dockerfile: None,
                target: None,
                args: Vec::new(),
                inline: None,
            }),
            NodeKind::Map(entries) => {
                let mut b = Build {
                    range: node.range,
                    context: None,
                    dockerfile: None,
                    target: None,
                    args: Vec::new(),
                    inline: None,
                };
                for (k, v) in entries {
                    match k.as_str() {
                        Some("context") => b.context = self.string(v, &format!("{what}.context")),
                        Some("dockerfile") => {
                            b.dockerfile = self.string(v, &format!("{what}.dockerfile"))
                        }
                        Some("target") => b.target = self.string(v, &format!("{what}.target")),
                        Some("args") => b.args = self.environment(v, &format!("{what}.args")),
                        Some("dockerfile_inline") => {
                            b.inline = self.string(v, &format!("{what}.dockerfile_inline"))
                        }
                        _ => {}
                    }
                }
                Some(b)
            }
            NodeKind::Seq(_) => {
                self.error(format!("{what} must be a string or a mapping"), node.range);
                None
            }
        }
    }

    fn healthcheck(&mut self, k: &Node, node: &Node, what: &str) -> Option<Healthcheck> {
        let entries = match node.as_map() {
            Some(e) => e,
            None => {
                if !node.is_null() {
                    self.error(format!("{what} must be a mapping"), node.range);
                }
                return None;
            }
        };
        let mut h = Healthcheck {
            range: k.range,
            test: None,
            disable: false,
            interval: None,
            timeout: None,
            start_period: None,
            retries: None,
        };
        for (k, v) in entries {
            let field = k.as_str().unwrap_or_default();
            let w = format!("{what}.{field}");
            match field {
                "test" => h.test = self.command(v, &w),
                "disable" => h.disable = self.bool(v, &w).unwrap_or(false),
                "interval" => h.interval = self.string(v, &w),
                "timeout" => h.timeout = self.string(v, &w),
                "start_period" => h.start_period = self.string(v, &w),
                "retries" => h.retries = self.string(v, &w),
                _ => {}
            }
        }
        Some(h)
    }

    fn depends_on(&mut self, node: &Node, what: &str) -> Vec<Dependency> {
        match &node.kind {
            NodeKind::Seq(items) => items
                .iter()
                .filter_map(|n| self.string(n, what))
                .map(|service| Dependency {
                    service,
                    condition: None,
                    required: true,
                })
                .collect(),
            NodeKind::Map(entries) => entries
                .iter()
                .filter_map(|(k, v)| {
                    let service = key(k)?;
                    let w = format!("{what}.{}", service.value);
                    let condition = v.get("condition").and_then(|c| self.string(c, &w));
                    let required = match v.get("required") {
                        Some(r) => self.bool(r, &w).unwrap_or(true),
                        None => true,
                    };
                    Some(Dependency {
                        service,
                        condition,
                        required,
                    })
                })
                .collect(),
            _ if node.is_null() => Vec::new(),
            _ => {
                self.error(format!("{what} must be a list or a mapping"), node.range);
                Vec::new()
            }
        }
    }

    fn networks(&mut self, node: &Node, what: &str) -> Vec<ServiceNetwork> {
        match &node.kind {
            NodeKind::Seq(items) => items
                .iter()
                .filter_map(|n| self.string(n, what))
                .map(|name| ServiceNetwork {
                    name,
                    aliases: Vec::new(),
                })
                .collect(),
            NodeKind::Map(entries) => entries
                .iter()
                .filter_map(|(k, v)| {
                    let name = key(k)?;
                    let aliases = match v.get("aliases") {
                        Some(a) => self.strings(a, &format!("{what}.{}.aliases", name.value)),
                        None => Vec::new(),
                    };
                    Some(ServiceNetwork { name, aliases })
                })
                .collect(),
            _ if node.is_null() => Vec::new(),
            _ => {
                self.error(format!("{what} must be a list or a mapping"), node.range);
                Vec::new()
            }
        }
    }

    fn ports(&mut self, node: &Node, what: &str) -> Vec<Port> {
        let Some(items) = node.as_seq() else {
            if !node.is_null() {
                self.error(format!("{what} must be a list"), node.range);
            }
            return Vec::new();
        };
        items
            .iter()
            .filter_map(|n| match &n.kind {
                NodeKind::Scalar(_) => {
                    let raw = self.string(n, what)?;
                    let (published, target) = split_port(&raw.value);
                    Some(Port {
                        raw,
                        published,
                        target,
                    })
                }
                NodeKind::Map(_) => {
                    let field = |f: &str| n.get(f).and_then(|x| x.as_scalar()?.compose_string());
                    let target = field("target");
                    let published = field("published");
                    // Joined back into the short syntax's order:
                    // `[ip:][published:]target[/protocol]`.
                    let ip = field("host_ip").filter(|ip| !ip.is_empty()).map(|ip| {
                        if ip.contains(':') {
                            format!("[{ip}]:")
                        } else {
                            format!("{ip}:")
                        }
                    });
                    let protocol = field("protocol").map(|p| format!("/{p}"));
                    let text = match (&published, &target) {
                        (Some(p), Some(t)) => format!("{}{p}:{t}", ip.unwrap_or_default()),
                        (None, Some(t)) => match ip {
                            Some(ip) => format!("{ip}:{t}"),
                            None => t.clone(),
                        },
                        _ => String::new(),
                    };
                    let text = match (text.is_empty(), protocol) {
                        (false, Some(p)) => text + &p,
                        _ => text,
                    };
                    Some(Port {
                        raw: Spanned::new(text, n.range),
                        published,
                        target,
                    })
                }
                NodeKind::Seq(_) => {
                    self.error(format!("{what} items must be strings or mappings"), n.range);
                    None
                }
            })
            .collect()
    }

    fn volumes(&mut self, node: &Node, what: &str) -> Vec<Volume> {
        let Some(items) = node.as_seq() else {
            if !node.is_null() {
                self.error(format!("{what} must be a list"), node.range);
            }
            return Vec::new();
        };
        items
            .iter()
            .filter_map(|n| match &n.kind {
                NodeKind::Scalar(_) => Some(Volume {
                    range: n.range,
                    short: Some(self.string(n, what)?),
                    ..Volume::default()
                }),
                NodeKind::Map(_) => {
                    let mut field = |f: &str| {
                        n.get(f)
                            .filter(|x| x.as_scalar().is_some())
                            .and_then(|x| self.string(x, &format!("{what}.{f}")))
                    };
                    Some(Volume {
                        range: n.range,
                        short: None,
                        kind: field("type"),
                        source: field("source"),
                        target: field("target"),
                        read_only: field("read_only"),
                    })
                }
                NodeKind::Seq(_) => {
                    self.error(format!("{what} items must be strings or mappings"), n.range);
                    None
                }
            })
            .collect()
    }

    fn command(&mut self, node: &Node, what: &str) -> Option<Command> {
        match &node.kind {
            NodeKind::Scalar(_) => self.string(node, what).map(Command::Shell),
            NodeKind::Seq(_) => Some(Command::Exec(self.strings(node, what))),
            NodeKind::Map(_) => {
                self.error(format!("{what} must be a string or a list"), node.range);
                None
            }
        }
    }

    fn extends(&mut self, node: &Node, what: &str) -> Option<Extends> {
        match &node.kind {
            NodeKind::Scalar(_) => self.string(node, what).map(|service| Extends {
                service,
                file: None,
            }),
            NodeKind::Map(_) => {
                let service = node.get("service").and_then(|s| self.string(s, what))?;
                let file = node.get("file").and_then(|f| self.string(f, what));
                Some(Extends { service, file })
            }
            NodeKind::Seq(_) => {
                self.error(format!("{what} must be a string or a mapping"), node.range);
                None
            }
        }
    }
}

/// `[ip:][published:]target[/protocol]` → (published, target).
fn split_port(raw: &str) -> (Option<String>, Option<String>) {
    let spec = raw.split('/').next().unwrap_or(raw);
    // An IPv6 host is bracketed: `[::1]:8080:80`.
    let spec = match spec.rfind(']') {
        Some(i) => spec[i + 1..].trim_start_matches(':'),
        None => spec,
    };
    let parts: Vec<&str> = spec.split(':').collect();
    match parts.as_slice() {
        [t] => (None, Some(t.to_string())),
        [p, t] => (
            Some(p.to_string()).filter(|p| !p.is_empty()),
            Some(t.to_string()),
        ),
        [.., p, t] => (
            Some(p.to_string()).filter(|p| !p.is_empty()),
            Some(t.to_string()),
        ),
        [] => (None, None),
    }
}

#[cfg(test)]
mod tests;
