//! What Compose refuses in the structure of a compose file: the Compose
//! Specification's keys and types, checked as `docker compose` checks them.
//!
//! Compose validates each `-f` file's tree after interpolation, merged over
//! the files before it: a key it does not know, a value of the wrong type
//! (a string where a list or a mapping is required, a number where a string
//! is), a null service no earlier file defines, a key of a mapping that is
//! not a string (anywhere, even under `x-`). While it converts the tree it
//! also parses sizes (`mem_limit: 12XB`), ports (`"80:abc"`) and the keys of
//! list-form `environment:` / `build.args` items (`- "A =1"`: a trailing
//! space). These checks read one file's raw YAML nodes (exact ranges) and,
//! for the values Compose parses, the interpolated text the model gives.
//!
//! The keys and types are ours, written from the specification as tables
//! (one per kind of object); `tests` walks the specification's JSON schema,
//! where present, and checks every key it allows is accepted. Where a check
//! could depend on something this module does not see (a variable not set
//! here, a scalar type the schema allows several of), it stays silent: a
//! refusal Compose does not make would be a false finding.

use std::collections::HashMap;

use crate::model::distance::edit_distance;
use crate::model::types::{ModelError, ModelErrorKind, Service};
use crate::source::{FileId, Span, TextRange};
use crate::syntax::yaml::{Node, NodeKind, Resolved, ScalarStyle};

/// A refusal, located at the key or value that is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Invalid {
    pub message: String,
    pub range: TextRange,
    /// A null, or a mapping or list where a scalar is wanted (or the
    /// reverse): a file merged before this one could complete it, so it is
    /// a refusal only when this file's group is the one Compose is given.
    pub mergeable: bool,
    /// Judged by Compose on the merged model (a duration, an `extra_hosts`
    /// item): the path of keys whose value a later file replaces, and with
    /// it this refusal.
    pub after_merge: Option<Vec<String>>,
    /// Judged by Compose in the file as written, before any merge (a
    /// string it casts, a port string it parses): no later file nor
    /// service that `extends` it takes it away. (An unknown key is not:
    /// a `!reset` or `!override` of it or of a key above it removes it
    /// before the merged model is validated.)
    pub in_file: bool,
}

/// The type the specification gives a value.
#[derive(Clone, Copy)]
enum Ty {
    /// Not checked.
    Any,
    /// A string (what `${VAR}` always yields).
    Str,
    /// A scalar that is not null; the schema allows several scalar types
    /// (`boolean` or `string`, `number` or `string`…), which are not told
    /// apart here: Compose casts some strings after interpolation.
    Scalar,
    /// A [`Ty::Scalar`] that Compose parses as a byte size when it is a
    /// string (`512m`, `1GiB`).
    Size,
    /// A string Compose parses as a byte size.
    SizeStr,
    /// A string Compose parses as a duration (`1m30s`, `1d`).
    Duration,
    /// A [`Ty::Scalar`] that Compose casts, when it is a string, to an
    /// integer (`strconv.Atoi`)…
    Int,
    /// … to a float (`strconv.ParseFloat`)…
    Float,
    /// … or to a boolean (`true`, `yes`, `y`, `on` and their opposites, any
    /// case).
    Bool,
    /// A string the function judges once interpolated (its error follows
    /// the path in the message).
    Matching(fn(&str) -> Result<(), String>),
    /// The type, judged by Compose on the merged model: a later file that
    /// sets this value takes the refusal away ([`Invalid::after_merge`]).
    Merged(&'static Ty),
    /// Null, or the type.
    Nullable(&'static Ty),
    /// A list of the type.
    Seq(&'static Ty),
    /// A mapping of these keys (and `x-` extension keys).
    Obj(&'static [Field]),
    /// A mapping of these keys only: the specification allows no `x-` key
    /// there (`blkio_config`, its items, an `env_file` item).
    Closed(&'static [Field]),
    /// A mapping of any keys to the type.
    Dict(&'static Ty),
    /// One of two types (told apart by the kind of node).
    Either(&'static Ty, &'static Ty),
    /// `labels:`, `sysctls:`…: a list of strings, or a mapping to scalars.
    ListOrDict,
    /// `environment:`, `build.args:`: [`Ty::ListOrDict`] whose list items'
    /// keys (before `=`) must not end with a space.
    Environment,
    /// An item of `ports:`: a number, a port string, or the long form.
    Port,
    /// `services:`: a mapping of names to services.
    Services,
}

type Field = (&'static str, Ty);

use Ty::*;

const STRINGS: Ty = Seq(&Str);
const STRING_OR_LIST: Ty = Either(&Str, &STRINGS);
const COMMAND: Ty = Nullable(&STRING_OR_LIST);
const DRIVER_OPTS: Ty = Dict(&Scalar);

const TOP: &[Field] = &[
    ("version", Str),
    ("name", Str),
    // `include:` is resolved (and checked) before the rest.
    ("include", Any),
    ("services", Services),
    ("models", Dict(&Obj(MODEL))),
    ("networks", Dict(&Nullable(&Obj(NETWORK)))),
    ("volumes", Dict(&Nullable(&Obj(VOLUME)))),
    ("secrets", Dict(&Obj(SECRET))),
    ("configs", Dict(&Obj(CONFIG))),
];

const SERVICE: &[Field] = &[
    ("develop", Nullable(&Obj(DEVELOP))),
    ("deploy", Nullable(&Obj(DEPLOY))),
    ("annotations", ListOrDict),
    ("attach", Scalar),
    ("build", Either(&Str, &Obj(BUILD))),
    ("blkio_config", Closed(BLKIO)),
    ("cap_add", STRINGS),
    ("cap_drop", STRINGS),
    ("cgroup", Str),
    ("cgroup_parent", Str),
    ("command", COMMAND),
    ("configs", Seq(&Either(&Str, &Obj(SERVICE_SECRET)))),
    ("container_name", Matching(container_name)),
    ("cpu_count", Int),
    ("cpu_percent", Float),
    ("cpu_shares", Int),
    ("cpu_quota", Int),
    ("cpu_period", Int),
    ("cpu_rt_period", Int),
    ("cpu_rt_runtime", Int),
    ("cpus", Float),
    ("cpuset", Str),
    ("credential_spec", Obj(CREDENTIAL_SPEC)),
    ("depends_on", Either(&STRINGS, &Dict(&Obj(DEPENDENCY)))),
    ("device_cgroup_rules", STRINGS),
    ("devices", Seq(&Either(&Str, &Obj(DEVICE)))),
    ("dns", STRING_OR_LIST),
    ("dns_opt", STRINGS),
    ("dns_search", STRING_OR_LIST),
    ("domainname", Str),
    ("entrypoint", COMMAND),
    (
        "env_file",
        Either(&Str, &Seq(&Either(&Str, &Closed(ENV_FILE)))),
    ),
    ("label_file", STRING_OR_LIST),
    ("environment", Environment),
    ("expose", Seq(&Scalar)),
    ("extends", Either(&Str, &Obj(EXTENDS))),
    ("provider", Obj(PROVIDER)),
    ("external_links", STRINGS),
    (
        "extra_hosts",
        Merged(&Either(&Seq(&Matching(extra_host)), &Dict(&STRING_OR_LIST))),
    ),
    ("gpus", Either(&Str, &Seq(&Obj(DEVICE_REQUEST)))),
    ("group_add", Seq(&Scalar)),
    ("healthcheck", Obj(HEALTHCHECK)),
    ("hostname", Str),
    ("image", Str),
    ("init", Bool),
    ("ipc", Str),
    ("isolation", Str),
    ("labels", ListOrDict),
    ("links", STRINGS),
    ("logging", Obj(LOGGING)),
    ("mac_address", Str),
    ("mem_limit", Size),
    ("mem_reservation", Size),
    ("mem_swappiness", Scalar),
    ("memswap_limit", Size),
    ("network_mode", Str),
    (
        "models",
        Either(&STRINGS, &Dict(&Nullable(&Obj(SERVICE_MODEL)))),
    ),
    (
        "networks",
        Either(&STRINGS, &Dict(&Nullable(&Obj(SERVICE_NETWORK)))),
    ),
    ("oom_kill_disable", Bool),
    ("oom_score_adj", Int),
    ("pid", Nullable(&Str)),
    ("pids_limit", Int),
    ("platform", Str),
    ("ports", Seq(&Port)),
    ("pre_start", Seq(&Obj(PRE_START_HOOK))),
    ("post_start", Seq(&Obj(HOOK))),
    ("pre_stop", Seq(&Obj(HOOK))),
    ("privileged", Bool),
    ("profiles", STRINGS),
    ("pull_policy", Matching(pull_policy)),
    ("pull_refresh_after", Str),
    ("read_only", Bool),
    ("restart", Str),
    ("runtime", Str),
    ("scale", Int),
    ("security_opt", STRINGS),
    ("shm_size", Size),
    ("secrets", Seq(&Either(&Str, &Obj(SERVICE_SECRET)))),
    ("sysctls", ListOrDict),
    ("stdin_open", Bool),
    ("stop_grace_period", Duration),
    ("stop_signal", Str),
    ("storage_opt", Dict(&Any)),
    ("tmpfs", STRING_OR_LIST),
    ("tty", Bool),
    ("ulimits", ULIMITS),
    ("use_api_socket", Scalar),
    ("user", Str),
    ("uts", Str),
    ("userns_mode", Str),
    ("volumes", Seq(&Either(&Str, &Obj(SERVICE_VOLUME)))),
    ("volumes_from", STRINGS),
    ("working_dir", Str),
];

const BUILD: &[Field] = &[
    ("context", Str),
    ("dockerfile", Str),
    ("dockerfile_inline", Str),
    ("entitlements", STRINGS),
    ("args", Environment),
    ("ssh", ListOrDict),
    ("labels", ListOrDict),
    ("cache_from", STRINGS),
    ("cache_to", STRINGS),
    ("no_cache", Scalar),
    ("no_cache_filter", STRING_OR_LIST),
    ("additional_contexts", ListOrDict),
    ("network", Str),
    ("provenance", Scalar),
    ("sbom", Scalar),
    ("pull", Scalar),
    ("target", Str),
    ("shm_size", Size),
    (
        "extra_hosts",
        Merged(&Either(&Seq(&Matching(extra_host)), &Dict(&STRING_OR_LIST))),
    ),
    ("isolation", Str),
    ("privileged", Bool),
    ("secrets", Seq(&Either(&Str, &Obj(SERVICE_SECRET)))),
    ("tags", STRINGS),
    ("ulimits", ULIMITS),
    ("platforms", STRINGS),
];

const ULIMITS: Ty = Dict(&Either(&Int, &Obj(&[("hard", Int), ("soft", Int)])));

const BLKIO_LIMIT: &[Field] = &[("path", Str), ("rate", Scalar)];
const BLKIO: &[Field] = &[
    ("device_read_bps", Seq(&Closed(BLKIO_LIMIT))),
    ("device_read_iops", Seq(&Closed(BLKIO_LIMIT))),
    ("device_write_bps", Seq(&Closed(BLKIO_LIMIT))),
    ("device_write_iops", Seq(&Closed(BLKIO_LIMIT))),
    ("weight", Scalar),
    (
        "weight_device",
        Seq(&Closed(&[("path", Str), ("weight", Scalar)])),
    ),
];

const CREDENTIAL_SPEC: &[Field] = &[("config", Str), ("file", Str), ("registry", Str)];

const DEPENDENCY: &[Field] = &[
    ("restart", Scalar),
    ("required", Scalar),
    ("condition", Str),
];

const DEVICE: &[Field] = &[("source", Str), ("target", Str), ("permissions", Str)];

const ENV_FILE: &[Field] = &[("path", Str), ("format", Str), ("required", Scalar)];

const EXTENDS: &[Field] = &[("service", Str), ("file", Str)];

const PROVIDER: &[Field] = &[("type", Str), ("options", Dict(&Any))];

const LOGGING: &[Field] = &[("driver", Str), ("options", Dict(&Nullable(&Scalar)))];

const SERVICE_MODEL: &[Field] = &[("endpoint_var", Str), ("model_var", Str)];

const SERVICE_NETWORK: &[Field] = &[
    ("aliases", STRINGS),
    ("interface_name", Str),
    ("ipv4_address", Str),
    ("ipv6_address", Str),
    ("link_local_ips", STRINGS),
    ("mac_address", Str),
    ("driver_opts", DRIVER_OPTS),
    ("priority", Scalar),
    ("gw_priority", Scalar),
];

const PORT: &[Field] = &[
    ("name", Str),
    ("mode", Str),
    ("host_ip", Str),
    ("target", Scalar),
    ("published", Scalar),
    ("protocol", Str),
    ("app_protocol", Str),
];

const SERVICE_SECRET: &[Field] = &[
    ("source", Str),
    ("target", Str),
    ("uid", Str),
    ("gid", Str),
    ("mode", Scalar),
];

const SERVICE_VOLUME: &[Field] = &[
    ("type", Str),
    ("source", Str),
    ("target", Str),
    ("read_only", Bool),
    ("consistency", Str),
    (
        "bind",
        Obj(&[
            ("propagation", Str),
            ("create_host_path", Scalar),
            ("recursive", Str),
            ("selinux", Str),
        ]),
    ),
    (
        "volume",
        Obj(&[("labels", ListOrDict), ("nocopy", Scalar), ("subpath", Str)]),
    ),
    ("tmpfs", Obj(&[("size", Size), ("mode", Scalar)])),
    ("image", Obj(&[("subpath", Str)])),
];

const HOOK: &[Field] = &[
    ("command", COMMAND),
    ("user", Str),
    ("privileged", Scalar),
    ("working_dir", Str),
    ("environment", ListOrDict),
];

const PRE_START_HOOK: &[Field] = &[
    ("command", COMMAND),
    ("image", Str),
    ("user", Str),
    ("privileged", Scalar),
    ("working_dir", Str),
    ("environment", ListOrDict),
    ("per_replica", Scalar),
];

const HEALTHCHECK: &[Field] = &[
    ("disable", Bool),
    ("interval", Duration),
    ("retries", Int),
    ("test", STRING_OR_LIST),
    ("timeout", Duration),
    ("start_period", Duration),
    ("start_interval", Duration),
];

const DEVELOP: &[Field] = &[(
    "watch",
    Seq(&Obj(&[
        ("ignore", STRING_OR_LIST),
        ("include", STRING_OR_LIST),
        ("path", Str),
        ("action", Str),
        ("target", Str),
        ("exec", Obj(HOOK)),
        ("initial_sync", Scalar),
    ])),
)];

const UPDATE_CONFIG: &[Field] = &[
    ("parallelism", Int),
    ("delay", Duration),
    ("failure_action", Str),
    ("monitor", Duration),
    ("max_failure_ratio", Scalar),
    ("order", Str),
];

const DEVICE_REQUEST: &[Field] = &[
    ("capabilities", STRINGS),
    ("count", Scalar),
    ("device_ids", STRINGS),
    ("driver", Str),
    ("options", ListOrDict),
];

const DEPLOY: &[Field] = &[
    ("mode", Str),
    ("endpoint_mode", Str),
    ("replicas", Int),
    ("labels", ListOrDict),
    ("rollback_config", Obj(UPDATE_CONFIG)),
    ("update_config", Obj(UPDATE_CONFIG)),
    (
        "resources",
        Obj(&[
            (
                "limits",
                Obj(&[("cpus", Float), ("memory", SizeStr), ("pids", Scalar)]),
            ),
            (
                "reservations",
                Obj(&[
                    ("cpus", Float),
                    ("memory", SizeStr),
                    (
                        "generic_resources",
                        Seq(&Obj(&[(
                            "discrete_resource_spec",
                            Obj(&[("kind", Str), ("value", Scalar)]),
                        )])),
                    ),
                    ("devices", Seq(&Obj(DEVICE_REQUEST))),
                ]),
            ),
        ]),
    ),
    (
        "restart_policy",
        Obj(&[
            ("condition", Str),
            ("delay", Duration),
            ("max_attempts", Scalar),
            ("window", Duration),
        ]),
    ),
    (
        "placement",
        Obj(&[
            ("constraints", STRINGS),
            ("preferences", Seq(&Obj(&[("spread", Str)]))),
            ("max_replicas_per_node", Scalar),
        ]),
    ),
];

const EXTERNAL: Ty = Either(&Scalar, &Obj(&[("name", Str)]));

const NETWORK: &[Field] = &[
    ("name", Str),
    ("driver", Str),
    ("driver_opts", DRIVER_OPTS),
    (
        "ipam",
        Obj(&[
            ("driver", Str),
            (
                "config",
                Seq(&Obj(&[
                    ("subnet", Str),
                    ("ip_range", Str),
                    ("gateway", Str),
                    ("aux_addresses", Dict(&Str)),
                ])),
            ),
            ("options", Dict(&Str)),
        ]),
    ),
    ("external", EXTERNAL),
    ("internal", Scalar),
    ("enable_ipv4", Scalar),
    ("enable_ipv6", Scalar),
    ("attachable", Scalar),
    ("labels", ListOrDict),
];

const VOLUME: &[Field] = &[
    ("name", Str),
    ("driver", Str),
    ("driver_opts", DRIVER_OPTS),
    ("external", EXTERNAL),
    ("labels", ListOrDict),
];

const SECRET: &[Field] = &[
    ("name", Str),
    ("environment", Str),
    ("file", Str),
    ("external", EXTERNAL),
    ("labels", ListOrDict),
    ("driver", Str),
    ("driver_opts", DRIVER_OPTS),
    ("template_driver", Str),
];

const CONFIG: &[Field] = &[
    ("name", Str),
    ("content", Str),
    ("environment", Str),
    ("file", Str),
    ("external", EXTERNAL),
    ("labels", ListOrDict),
    ("template_driver", Str),
];

const MODEL: &[Field] = &[
    ("name", Str),
    ("model", Str),
    ("context_size", Scalar),
    ("runtime_flags", STRINGS),
];

/// What the checks ask of the model.
pub(crate) trait Context {
    /// The text of a string scalar after interpolation, when it is certain
    /// here: `None` when it reads a variable no source sets (it may be set
    /// where the project is deployed) or cannot be interpolated.
    fn interpolated(&self, node: &Node) -> Option<String>;
}

/// Every refusal of one compose file's tree (`root`), in document order.
/// `earlier`: the trees of the `-f` files before it, which it is merged
/// over before Compose validates: a null value, or a mapping where an
/// earlier file has a string (or the reverse), merges into what the
/// earlier file set and is not refused.
pub(crate) fn check_file(root: &Node, earlier: &Earlier, cx: &dyn Context) -> Vec<Invalid> {
    let mut v = Validator {
        cx,
        earlier: &earlier.0,
        out: Vec::new(),
    };
    v.keys(root, "");
    if root.as_map().is_some() {
        let top = Path {
            keys: Some(Vec::new()),
            ..Path::default()
        };
        v.check(&Obj(TOP), root, &top);
    }
    v.out.sort_by_key(|i| (i.range.start, i.range.end));
    v.out
        .dedup_by(|a, b| a.range == b.range && a.message == b.message);
    v.out
}

/// What Compose refuses in `node`, the service `name` it reads through
/// `extends` from another file: not validated there, but interpolated
/// (strings cast) and its ports parsed, then merged into the service that
/// extends it and validated as part of it. Only what no merge changes is
/// judged ([`Invalid::in_file`]: casts, port strings): a later document,
/// or a service that extends it, may reset, override or replace the rest
/// (an unknown key too).
pub(crate) fn base_refusals(node: &Node, name: &str, cx: &dyn Context) -> Vec<Invalid> {
    let earlier = HashMap::new();
    let mut v = Validator {
        cx,
        earlier: &earlier,
        out: Vec::new(),
    };
    let p = Path {
        shown: join("services", name),
        lenient: true,
        ..Path::default()
    };
    if node.as_map().is_some() {
        v.check(&Obj(SERVICE), node, &p);
    }
    v.out.retain(|i| i.in_file);
    v.out
}

struct Validator<'a> {
    cx: &'a dyn Context,
    /// The kind of the value the earlier files give each path of keys (the
    /// last file's), found in one pass: no scan of a mapping per key.
    earlier: &'a HashMap<Vec<String>, Kind>,
    out: Vec<Invalid>,
}

/// Where a node is: as Compose words it (`services.app.ports.0`), and its
/// keys from the root (`None` inside a list, whose items merge by other
/// rules).
#[derive(Default, Clone)]
struct Path {
    shown: String,
    keys: Option<Vec<String>>,
    /// Inside a service that `extends` another: its values are merged
    /// with the base's before Compose validates them, so their types are
    /// not judged here (unknown keys and parsed values still are).
    lenient: bool,
    /// The key of the value, where an error on an empty (null) value points.
    key: Option<TextRange>,
}

impl Path {
    fn key(&self, name: &str, key: TextRange) -> Path {
        Path {
            key: Some(key),
            shown: join(&self.shown, name),
            keys: self.keys.as_ref().map(|k| {
                let mut k = k.clone();
                k.push(name.to_string());
                k
            }),
            lenient: self.lenient,
        }
    }

    fn index(&self, i: usize) -> Path {
        Path {
            shown: join(&self.shown, &i.to_string()),
            keys: None,
            lenient: self.lenient,
            key: None,
        }
    }

    /// Where an error on `node` points: the value, or its key when the
    /// value is empty (`image:` with nothing after it).
    fn range(&self, node: &Node) -> TextRange {
        match self.key {
            Some(k) if node.range.start == node.range.end => k,
            _ => node.range,
        }
    }

    /// How Compose names the place in a message.
    fn at(&self) -> &str {
        if self.shown.is_empty() {
            "the top level"
        } else {
            &self.shown
        }
    }
}

/// Every path of keys through mappings of `root` (not into lists), with
/// its value.
pub(crate) fn key_paths(root: &Node) -> Vec<(Vec<String>, &Node)> {
    let mut out = Vec::new();
    let mut stack: Vec<(&Node, Vec<String>)> = vec![(root, Vec::new())];
    while let Some((node, keys)) = stack.pop() {
        for (k, v) in node.as_map().unwrap_or_default() {
            let Some(name) = k.as_str() else { continue };
            let mut path = keys.clone();
            path.push(name.to_string());
            out.push((path.clone(), v));
            stack.push((v, path));
        }
    }
    out
}

/// What the files before one give: every path of keys (through mappings,
/// not into lists) with the kind of its value in the last file that has
/// it. Built up file by file ([`Earlier::add`]): a file of many documents
/// is read once, not once per document after it.
#[derive(Default)]
pub(crate) struct Earlier(HashMap<Vec<String>, Kind>);

impl Earlier {
    /// The tree of one more file, over the ones before.
    pub(crate) fn add(&mut self, root: &Node) {
        for (path, v) in key_paths(root) {
            self.0.insert(path, kind(v));
        }
    }
}

/// The kind of a node as Compose's decoder sees it.
#[derive(PartialEq, Eq, Clone, Copy)]
enum Kind {
    Null,
    Str,
    /// A number, a boolean, a timestamp.
    OtherScalar,
    Seq,
    Map,
}

fn kind(node: &Node) -> Kind {
    match &node.kind {
        NodeKind::Seq(_) => Kind::Seq,
        NodeKind::Map(_) => Kind::Map,
        NodeKind::Scalar(s) if s.style != ScalarStyle::Plain => Kind::Str,
        NodeKind::Scalar(s) => match s.resolved {
            Resolved::Null => Kind::Null,
            Resolved::Str => Kind::Str,
            _ => Kind::OtherScalar,
        },
    }
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

/// Whether a node of this kind is one the type allows (not its content).
fn accepts(ty: &Ty, k: &Kind) -> bool {
    match ty {
        Any => true,
        Str | SizeStr | Duration | Matching(_) => *k == Kind::Str,
        Merged(t) => accepts(t, k),
        Scalar | Size | Int | Float | Bool => matches!(k, Kind::Str | Kind::OtherScalar),
        Port => matches!(k, Kind::Str | Kind::OtherScalar | Kind::Map),
        Nullable(t) => *k == Kind::Null || accepts(t, k),
        Seq(_) => *k == Kind::Seq,
        Obj(_) | Closed(_) | Dict(_) | Services => *k == Kind::Map,
        Either(a, b) => accepts(a, k) || accepts(b, k),
        ListOrDict | Environment => matches!(k, Kind::Seq | Kind::Map),
    }
}

/// "a string", "a list"…, as the message words the type.
fn describe(ty: &Ty) -> String {
    match ty {
        Any => "anything".into(),
        Str | SizeStr | Duration | Matching(_) => "a string".into(),
        Merged(t) => describe(t),
        Scalar | Size | Port | Int | Float | Bool => "a string or a number".into(),
        Nullable(t) => describe(t),
        Seq(_) => "a list".into(),
        Obj(_) | Closed(_) | Dict(_) | Services => "a mapping".into(),
        Either(a, b) => format!("{} or {}", describe(a), describe(b)),
        ListOrDict | Environment => "a mapping or a list".into(),
    }
}

impl Validator<'_> {
    /// The last refusal is one Compose makes in the file as written.
    fn in_file(&mut self) {
        if let Some(e) = self.out.last_mut() {
            e.in_file = true;
        }
    }

    fn error(&mut self, message: String, range: TextRange) {
        self.out.push(Invalid {
            message,
            range,
            mergeable: false,
            after_merge: None,
            in_file: false,
        });
    }

    /// Compose converts the whole tree to string keys first: a key that is
    /// a number, a boolean or null is refused anywhere, `x-` included.
    fn keys(&mut self, root: &Node, path: &str) {
        let mut stack: Vec<(&Node, String)> = vec![(root, path.to_string())];
        while let Some((node, path)) = stack.pop() {
            match &node.kind {
                NodeKind::Map(entries) => {
                    for (k, v) in entries {
                        if !matches!(kind(k), Kind::Str) {
                            let shown = k.as_scalar().map_or("<nil>", |s| {
                                if kind(k) == Kind::Null {
                                    "<nil>"
                                } else {
                                    s.value.as_str()
                                }
                            });
                            let shown = shown.to_string();
                            let where_ = if path.is_empty() {
                                "the top level"
                            } else {
                                &path
                            };
                            self.error(format!("non-string key in {where_}: {shown}"), k.range);
                            continue;
                        }
                        stack.push((v, join(&path, k.as_str().unwrap_or_default())));
                    }
                }
                NodeKind::Seq(items) => {
                    for (i, item) in items.iter().enumerate() {
                        stack.push((item, join(&path, &i.to_string())));
                    }
                }
                NodeKind::Scalar(_) => {}
            }
        }
    }

    fn check(&mut self, ty: &Ty, node: &Node, p: &Path) {
        // `!reset` / `!override` are merge instructions, read elsewhere.
        if node.tag.is_some() {
            return;
        }
        let k = kind(node);
        // `services:` is not merged over the earlier files before it is
        // judged (left empty in a later file, it "must be a mapping"; other
        // top-level keys left empty are accepted).
        let before = p
            .keys
            .as_ref()
            .filter(|keys| keys.as_slice() != ["services"])
            .and_then(|keys| self.earlier.get(keys));
        if let Some(before) = &before {
            let nested = |k: &Kind| matches!(k, Kind::Seq | Kind::Map);
            if k == Kind::Null || (k != **before && (nested(&k) || nested(before))) {
                return;
            }
        }
        if !accepts(ty, &k) {
            if !p.lenient {
                self.out.push(Invalid {
                    message: format!("{} must be {}", p.at(), describe(ty)),
                    range: p.range(node),
                    mergeable: k == Kind::Null
                        || !accepts(ty, &Kind::Str)
                        || matches!(k, Kind::Seq | Kind::Map),
                    after_merge: None,
                    in_file: false,
                });
            }
            return;
        }
        match ty {
            Any | Str | Scalar => {}
            Nullable(t) => {
                if k != Kind::Null {
                    self.check(t, node, p);
                }
            }
            Merged(t) => {
                let before = self.out.len();
                self.check(t, node, p);
                for e in &mut self.out[before..] {
                    e.after_merge = p.keys.clone();
                }
            }
            Matching(judge) => {
                if let Some(text) = self.cx.interpolated(node) {
                    if let Err(e) = judge(&text) {
                        self.error(format!("{} {e}", p.at()), node.range);
                    }
                }
            }
            Int | Float | Bool => {
                if k == Kind::Str {
                    if let Some(text) = self.cx.interpolated(node) {
                        if let Err(e) = cast(ty, &text) {
                            self.error(
                                format!(
                                    "error while interpolating {}: failed to cast to expected type: {e}",
                                    p.at()
                                ),
                                node.range,
                            );
                            self.in_file();
                        }
                    }
                } else if let Some(e) = typed_scalar(ty, node) {
                    self.error(e.replace("{}", p.at()), node.range);
                }
            }
            Size | SizeStr | Duration => {
                if k == Kind::Str {
                    if let Some(text) = self.cx.interpolated(node) {
                        let parsed = match ty {
                            Duration => parse_duration(&text),
                            _ => parse_size(&text),
                        };
                        if let Err(e) = parsed {
                            self.error(format!("{} {e}", p.at()), node.range);
                            if matches!(ty, Duration) {
                                if let Some(e) = self.out.last_mut() {
                                    e.after_merge = p.keys.clone();
                                }
                            }
                        }
                    }
                }
            }
            Either(a, b) => {
                if accepts(a, &k) {
                    self.check(a, node, p);
                } else {
                    self.check(b, node, p);
                }
            }
            Seq(t) => {
                for (i, item) in node.as_seq().unwrap_or_default().iter().enumerate() {
                    self.check(t, item, &p.index(i));
                }
            }
            Dict(t) => {
                for (key, v) in node.as_map().unwrap_or_default() {
                    let Some(name) = key.as_str() else { continue };
                    self.check(t, v, &p.key(name, key.range));
                }
            }
            Obj(fields) => self.object(fields, node, p, true),
            Closed(fields) => self.object(fields, node, p, false),
            Services => {
                for (key, v) in node.as_map().unwrap_or_default() {
                    let Some(name) = key.as_str() else { continue };
                    let mut sp = p.key(name, key.range);
                    // Merged with the service it extends before validation.
                    sp.lenient = v.get("extends").is_some();
                    self.check(&Obj(SERVICE), v, &sp);
                }
            }
            ListOrDict | Environment => self.list_or_dict(ty, node, p),
            Port => {
                let missing = || {
                    // Compose names the item `ports.[0]` here.
                    let (list, i) = p.at().rsplit_once('.').unwrap_or(("", p.at()));
                    format!("service ports {list}.[{i}] is missing a target port")
                };
                match k {
                    Kind::Map => {
                        self.object(PORT, node, p, true);
                        if node.get("target").is_none() {
                            self.error(missing(), node.range);
                        }
                    }
                    Kind::Str => {
                        if let Some(text) = self.cx.interpolated(node) {
                            match check_port(&text) {
                                Ok(()) => {}
                                Err(Port::Invalid(e)) => {
                                    self.error(e, node.range);
                                    self.in_file();
                                }
                                Err(Port::NoTarget) => self.error(missing(), node.range),
                            }
                        }
                    }
                    _ => {
                        let zero = node
                            .as_scalar()
                            .is_some_and(|s| matches!(s.resolved, Resolved::Int(0)));
                        if zero {
                            self.error(missing(), node.range);
                        }
                    }
                }
            }
        }
    }

    /// A mapping of `fields`; `extensions`: `x-` keys allowed too.
    fn object(&mut self, fields: &'static [Field], node: &Node, p: &Path, extensions: bool) {
        for (key, v) in node.as_map().unwrap_or_default() {
            let Some(name) = key.as_str() else { continue };
            if extensions && name.starts_with("x-") {
                continue;
            }
            match fields.iter().find(|(f, _)| *f == name) {
                Some((_, ty)) => self.check(ty, v, &p.key(name, key.range)),
                None => {
                    let at = p.at();
                    let hint = suggest(name, fields.iter().map(|(f, _)| *f))
                        .map(|s| format!(" (did you mean `{s}`?)"))
                        .unwrap_or_default();
                    self.error(
                        format!("unknown key `{name}` in {at}: Compose does not allow it{hint}"),
                        key.range,
                    );
                }
            }
        }
    }

    fn list_or_dict(&mut self, ty: &Ty, node: &Node, p: &Path) {
        let path = p.at();
        match &node.kind {
            NodeKind::Seq(items) => {
                for (i, item) in items.iter().enumerate() {
                    match kind(item) {
                        Kind::Str => {}
                        Kind::Null => {
                            self.error(format!("{path}.[{i}]: unexpected type <nil>"), item.range);
                            continue;
                        }
                        _ => {
                            self.error(format!("{path}.{i} must be a string"), item.range);
                            continue;
                        }
                    }
                    if matches!(ty, Environment) && item.tag.is_none() {
                        let Some(text) = self.cx.interpolated(item) else {
                            continue;
                        };
                        let key = text.split_once('=').map_or(text.as_str(), |(k, _)| k);
                        if key.trim_end() != key {
                            self.error(
                                format!(
                                    "{path}: environment variable {key} is declared with a trailing space"
                                ),
                                item.range,
                            );
                        }
                    }
                }
            }
            NodeKind::Map(entries) => {
                for (key, v) in entries {
                    if v.tag.is_none() && matches!(kind(v), Kind::Seq | Kind::Map) {
                        let name = key.as_str().unwrap_or_default();
                        self.error(
                            format!("{path}.{name} must be a boolean, null, number or string"),
                            v.range,
                        );
                    }
                }
            }
            NodeKind::Scalar(_) => {}
        }
    }
}

/// Compose's checks of the project once every `-f` file is merged and
/// `extends` followed, on the services profiles leave active: a service
/// with neither `image` nor `build` (nor `provider`), and a volume,
/// network, secret or config a service names that no file defines. `files`:
/// each `-f` file's tree. References are left alone where the model may not
/// see everything Compose does: with `include:` (definitions from other
/// projects), merge tags (`!reset` may remove a reference), a service
/// extending another file's, a name read from a variable.
pub(crate) fn check_project(files: &[(FileId, &Node)], services: &[Service]) -> Vec<ModelError> {
    let mut out = Vec::new();
    // Each service's mappings in the files, by name (found once).
    let mut by_name: HashMap<&str, Vec<(FileId, &Node)>> = HashMap::new();
    for (f, root) in files {
        let services = root.get("services").and_then(Node::as_map);
        for (k, v) in services.unwrap_or_default() {
            if let (Some(name), Some(_)) = (k.as_str(), v.as_map()) {
                by_name.entry(name).or_default().push((*f, v));
            }
        }
    }
    let service_nodes =
        |name: &str| -> Vec<(FileId, &Node)> { by_name.get(name).cloned().unwrap_or_default() };
    for s in services.iter().filter(|s| s.active) {
        let provider = service_nodes(&s.name)
            .iter()
            .any(|(_, n)| n.get("provider").is_some());
        if s.image.is_none() && s.build.is_none() && !provider {
            out.push(ModelError::new(
                format!(
                    "service {:?} has neither an image nor a build context specified: invalid compose project",
                    s.name
                ),
                Some(s.name_span),
            )
            .with_kind(ModelErrorKind::Incomplete));
        }
        // Merged: one file may set `network_mode`, another `networks`.
        if let (Some(mode), false) = (&s.network_mode, s.networks.is_empty()) {
            out.push(ModelError::new(
                format!(
                    "service {} declares mutually exclusive `network_mode` and `networks`: invalid compose project",
                    s.name
                ),
                Some(mode.span),
            ));
        }
    }
    let tagged = |n: &Node| {
        let mut stack = vec![n];
        while let Some(n) = stack.pop() {
            if n.tag.is_some() {
                return true;
            }
            match &n.kind {
                NodeKind::Map(e) => stack.extend(e.iter().map(|(_, v)| v)),
                NodeKind::Seq(items) => stack.extend(items.iter()),
                NodeKind::Scalar(_) => {}
            }
        }
        false
    };
    if files
        .iter()
        .any(|(_, root)| root.get("include").is_some() || tagged(root))
    {
        return out;
    }
    let mut definitions: std::collections::HashSet<(&str, &str)> = std::collections::HashSet::new();
    for (_, root) in files {
        for section in ["networks", "volumes", "secrets", "configs"] {
            let entries = root.get(section).and_then(Node::as_map);
            for (k, _) in entries.unwrap_or_default() {
                if let Some(name) = k.as_str() {
                    definitions.insert((section, name));
                }
            }
        }
    }
    let defined = |section: &str, name: &str| {
        (section == "networks" && name == "default") || definitions.contains(&(section, name))
    };
    for s in services.iter().filter(|s| s.active) {
        let nodes = service_nodes(&s.name);
        if nodes
            .iter()
            .any(|(_, n)| n.get("extends").is_some_and(|e| e.get("file").is_some()))
        {
            continue;
        }
        for (file, node) in nodes {
            for (section, what, r, name) in references(node) {
                if !defined(section, name) {
                    out.push(ModelError::new(
                        format!(
                            "service {:?} refers to undefined {what} {name}: invalid compose project",
                            s.name
                        ),
                        Some(Span::new(file, r.range)),
                    )
                    .with_kind(ModelErrorKind::Incomplete));
                }
            }
        }
    }
    out
}

/// A string scalar written without a variable: its text.
fn literal(n: &Node) -> Option<&str> {
    if kind(n) != Kind::Str {
        return None;
    }
    n.as_str().filter(|s| !s.contains('$'))
}

/// A named resource a service refers to: (top-level section, what
/// Compose calls it, the node naming it, the name).
type Reference<'n> = (&'static str, &'static str, &'n Node, &'n str);

/// The named resources a service refers to: (top-level section, what
/// Compose calls it, the node naming it). A volume is named when its
/// source is a name, not a path (`data:/var/lib`, not `./data:/x`).
fn references(service: &Node) -> Vec<Reference<'_>> {
    let mut out = Vec::new();
    fn push<'n>(
        out: &mut Vec<Reference<'n>>,
        section: &'static str,
        what: &'static str,
        n: &'n Node,
    ) {
        if let Some(name) = literal(n) {
            out.push((section, what, n, name));
        }
    }
    match service.get("networks").map(|n| &n.kind) {
        Some(NodeKind::Seq(items)) => items
            .iter()
            .for_each(|n| push(&mut out, "networks", "network", n)),
        Some(NodeKind::Map(entries)) => entries
            .iter()
            .for_each(|(k, _)| push(&mut out, "networks", "network", k)),
        _ => {}
    }
    for (section, what, list) in [
        ("secrets", "secret", service.get("secrets")),
        ("configs", "config", service.get("configs")),
        (
            "secrets",
            "build secret",
            service.get("build").and_then(|b| b.get("secrets")),
        ),
    ] {
        for item in list.and_then(Node::as_seq).unwrap_or_default() {
            match item.get("source") {
                Some(source) => push(&mut out, section, what, source),
                None => push(&mut out, section, what, item),
            }
        }
    }
    for item in service
        .get("volumes")
        .and_then(Node::as_seq)
        .unwrap_or_default()
    {
        if item.as_map().is_some() {
            if item.get("type").and_then(literal) == Some("volume") {
                if let Some(source) = item.get("source") {
                    push(&mut out, "volumes", "volume", source);
                }
            }
            continue;
        }
        // The short form names a volume in its source: a name before the
        // first `:`, not a path.
        let source = literal(item)
            .and_then(|s| s.split_once(':'))
            .map(|(source, _)| source)
            .filter(|source| {
                !source.is_empty()
                    && !source.starts_with(['.', '~'])
                    && !source.contains(['/', '\\'])
            });
        if let Some(source) = source {
            out.push(("volumes", "volume", item, source));
        }
    }
    out.sort_by_key(|r| r.2.range.start);
    out
}

/// The known key closest to `name`, when it is close enough to be a typo.
pub(crate) fn suggest<'k>(name: &str, known: impl Iterator<Item = &'k str>) -> Option<&'k str> {
    let lower = name.to_ascii_lowercase();
    let mut best: Option<(usize, &str)> = None;
    for k in known {
        let limit = (k.len().max(name.len()) / 3).clamp(1, 3);
        let d = edit_distance(&lower, k, limit);
        if d <= limit && best.is_none_or(|(b, _)| d < b) {
            best = Some((d, k));
        }
    }
    best.map(|(_, k)| k)
}

/// `container_name` as the specification's pattern reads it (not
/// anchored: two characters of the name that match are enough).
fn container_name(text: &str) -> Result<(), String> {
    let first = |c: char| c.is_ascii_alphanumeric();
    let next = |c: char| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-');
    let chars: Vec<char> = text.chars().collect();
    if chars.windows(2).any(|w| first(w[0]) && next(w[1])) {
        Ok(())
    } else {
        Err(format!(
            "'{text}' does not match pattern '[a-zA-Z0-9][a-zA-Z0-9_.-]+'"
        ))
    }
}

/// `pull_policy` as the specification's pattern reads it (not anchored:
/// a value holding one of the words is accepted).
fn pull_policy(text: &str) -> Result<(), String> {
    const PATTERN: &str =
        "always|never|build|if_not_present|missing|refresh|daily|weekly|every_([0-9]+[wdhms])+";
    let word = [
        "always",
        "never",
        "build",
        "if_not_present",
        "missing",
        "refresh",
        "daily",
        "weekly",
    ]
    .iter()
    .any(|w| text.contains(w));
    let every = text.match_indices("every_").any(|(at, w)| {
        let rest = &text[at + w.len()..];
        let digits = rest
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len());
        digits > 0 && rest[digits..].starts_with(['w', 'd', 'h', 'm', 's'])
    });
    if word || every {
        Ok(())
    } else {
        Err(format!("'{text}' does not match pattern '{PATTERN}'"))
    }
}

/// An `extra_hosts` item (`host:ip`, `host=ip`) as Compose reads it.
fn extra_host(text: &str) -> Result<(), String> {
    let host = match text.split_once('=').or_else(|| text.split_once(':')) {
        Some((host, _)) => host,
        None => return Err(format!("invalid additional host, missing IP: {text}")),
    };
    if host.is_empty() {
        return Err("bad host name ''".to_string());
    }
    Ok(())
}

/// A plain YAML scalar of the wrong type where Compose casts strings: a
/// number or a date for a boolean, a boolean or a date for a number. The
/// message, `{}` standing for the path. (An infinite or NaN float is not
/// judged: Compose reads it, and only encoding the final project as JSON
/// fails, for a service that is still there with that value.)
fn typed_scalar(ty: &Ty, node: &Node) -> Option<String> {
    let s = node.as_scalar()?;
    match (ty, &s.resolved) {
        (Bool, Resolved::Bool(_)) | (Int | Float, Resolved::Int(_) | Resolved::Uint(_)) => None,
        (Bool, Resolved::Timestamp) | (Int | Float, Resolved::Timestamp) => {
            Some("{} invalid jsonType time.Time".into())
        }
        (Bool, _) => Some("{} must be a boolean or string".into()),
        (_, Resolved::Bool(_)) => Some("{} must be a number or string".into()),
        _ => None,
    }
}

/// A string cast as Compose casts it to an integer, a float or a boolean
/// (`ty`); the error as Go words it.
fn cast(ty: &Ty, text: &str) -> Result<(), String> {
    if let Float = ty {
        if let Ok(f) = text.parse::<f64>() {
            let unsigned = text
                .strip_prefix(['+', '-'])
                .unwrap_or(text)
                .to_ascii_lowercase();
            // Go reads `inf`, `infinity` (signed or not) and `nan` (not
            // signed); a number past float64's range is out of range.
            let literal = matches!(unsigned.as_str(), "inf" | "infinity");
            if f.is_nan() && unsigned.len() != text.len() {
                return Err(format!(
                    "strconv.ParseFloat: parsing {text:?}: invalid syntax"
                ));
            }
            if f.is_infinite() && !literal {
                return Err(format!(
                    "strconv.ParseFloat: parsing {text:?}: value out of range"
                ));
            }
        }
    }
    let ok = match ty {
        Int => text.parse::<i64>().is_ok(),
        // Go reads hexadecimal floats (`-0x1p-2`) and `_` between digits
        // (`1_000`) too: not judged.
        Float => {
            let unsigned = text.strip_prefix(['+', '-']).unwrap_or(text);
            text.parse::<f64>().is_ok()
                || text.contains('_')
                || unsigned
                    .get(..2)
                    .is_some_and(|p| p.eq_ignore_ascii_case("0x"))
        }
        _ => matches!(
            text.to_ascii_lowercase().as_str(),
            "true" | "yes" | "y" | "on" | "false" | "no" | "n" | "off"
        ),
    };
    match ty {
        _ if ok => Ok(()),
        Int => Err(format!(
            "strconv.ParseInt: parsing {text:?}: invalid syntax"
        )),
        Float => Err(format!(
            "strconv.ParseFloat: parsing {text:?}: invalid syntax"
        )),
        _ => Err(format!("invalid boolean: {text}")),
    }
}

/// A duration as Compose reads one: Go's `time.ParseDuration` (a sign,
/// then numbers with an optional fraction, each with its unit), with the
/// units `d` and `w` besides `ns`, `us`, `µs`, `ms`, `s`, `m`, `h`; in all
/// at most 2^63 - 1 nanoseconds, whatever the sign.
fn parse_duration(text: &str) -> Result<(), String> {
    let invalid = || format!("time: invalid duration {text:?}");
    let mut s = text.strip_prefix(['-', '+']).unwrap_or(text);
    // Nanoseconds so far, as Go counts them (each part checked).
    const LIMIT: u128 = 1 << 63;
    let mut total: u128 = 0;
    if s == "0" {
        return Ok(());
    }
    if s.is_empty() {
        return Err(invalid());
    }
    let digits = |s: &str| s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    while !s.is_empty() {
        if !s.starts_with(|c: char| c == '.' || c.is_ascii_digit()) {
            return Err(invalid());
        }
        let int = digits(s);
        let number = s;
        s = &s[int..];
        let mut frac = 0;
        if let Some(rest) = s.strip_prefix('.') {
            frac = digits(rest);
            s = &rest[frac..];
        }
        if int == 0 && frac == 0 {
            return Err(invalid());
        }
        let unit_len = s
            .find(|c: char| c == '.' || c.is_ascii_digit())
            .unwrap_or(s.len());
        let unit = &s[..unit_len];
        if unit.is_empty() {
            return Err(format!("time: missing unit in duration {text:?}"));
        }
        let nanos: u128 = match unit {
            "ns" => 1,
            "us" | "µs" | "μs" => 1_000,
            "ms" => 1_000_000,
            "s" => 1_000_000_000,
            "m" => 60_000_000_000,
            "h" => 3_600_000_000_000,
            "d" => 86_400_000_000_000,
            "w" => 604_800_000_000_000,
            _ => return Err(format!("time: unknown unit {unit:?} in duration {text:?}")),
        };
        // Go's arithmetic, to the nanosecond: the integer part (past 2^63
        // refused), times the unit; the fraction's digits up to where they
        // would pass 2^63, scaled as a float64 and truncated.
        let mut whole: u128 = 0;
        for b in number[..int].bytes() {
            whole = whole * 10 + u128::from(b - b'0');
            if whole > LIMIT {
                return Err(invalid());
            }
        }
        if whole > LIMIT / nanos {
            return Err(invalid());
        }
        let mut v = whole * nanos;
        let fraction = if frac > 0 {
            &number[int + 1..int + 1 + frac]
        } else {
            ""
        };
        let (mut f, mut scale, mut overflow) = (0u64, 1f64, false);
        for b in fraction.bytes() {
            if overflow {
                continue;
            }
            if f > ((1u64 << 63) - 1) / 10 {
                overflow = true;
                continue;
            }
            let y = f * 10 + u64::from(b - b'0');
            if y > 1 << 63 {
                overflow = true;
                continue;
            }
            f = y;
            scale *= 10.0;
        }
        if f > 0 {
            v += (f as f64 * (nanos as f64 / scale)) as u64 as u128;
            if v > LIMIT {
                return Err(invalid());
            }
        }
        total += v;
        if total > LIMIT {
            return Err(invalid());
        }
        s = &s[unit_len..];
    }
    if total > LIMIT - 1 {
        return Err(invalid());
    }
    Ok(())
}

/// A byte size as Compose reads a string (docker/go-units `RAMInBytes`):
/// a number, an optional space, a suffix `b`, `k`…`p` with an optional
/// `b` or `ib`, any case. `Err` only where it certainly fails; a number
/// Go may parse and this does not is accepted.
fn parse_size(s: &str) -> Result<(), String> {
    let Some(sep) = s.rfind(|c: char| c.is_ascii_digit() || c == '.' || c == ' ') else {
        return Err(format!("invalid size: '{s}'"));
    };
    let (num, suffix) = if s.as_bytes()[sep] == b' ' {
        (&s[..sep], &s[sep + 1..])
    } else {
        (&s[..=sep], &s[sep + 1..])
    };
    if !is_plain_decimal(num) {
        return Ok(());
    }
    if num.starts_with('-') && !num.trim_start_matches(['-', '0', '.']).is_empty() {
        return Err(format!("invalid size: '{s}'"));
    }
    let sfx = suffix.to_ascii_lowercase();
    let ok = match sfx.as_bytes() {
        [] | [b'b'] => true,
        [u, rest @ ..] if b"kmgtp".contains(u) => matches!(rest, [] | [b'b'] | [b'i', b'b']),
        _ => false,
    };
    if ok {
        Ok(())
    } else {
        Err(format!("invalid suffix: '{sfx}'"))
    }
}

/// `12`, `1.5`, `-3`: a decimal Go's `ParseFloat` certainly reads.
fn is_plain_decimal(s: &str) -> bool {
    let digits = s.strip_prefix(['-', '+']).unwrap_or(s);
    let mut parts = digits.splitn(2, '.');
    let int = parts.next().unwrap_or_default();
    let frac = parts.next();
    int.bytes().all(|b| b.is_ascii_digit())
        && frac.is_none_or(|f| f.bytes().all(|b| b.is_ascii_digit()))
        && (!int.is_empty() || frac.is_some_and(|f| !f.is_empty()))
}

/// Why a `ports:` item is refused.
#[derive(Debug, PartialEq)]
enum Port {
    /// Compose's message.
    Invalid(String),
    /// The container port is 0: Compose's message names the item.
    NoTarget,
}

/// A `ports:` string as Compose parses it (`[[ip:]host:]container[/proto]`).
/// `Err` only for what certainly fails: a container or host port that is
/// not digits or past 65535, an empty container port (Compose reads an
/// empty protocol), a container port 0, a host address that is no IP.
fn check_port(s: &str) -> Result<(), Port> {
    if s.contains('[') {
        return Ok(());
    }
    let invalid = |m: String| Port::Invalid(m);
    // The protocol is all after the first `/` (`80/tcp/udp`: `tcp/udp`).
    let (spec, proto) = s.split_once('/').unwrap_or((s, ""));
    let parts: Vec<&str> = spec.split(':').collect();
    let container_text = parts[parts.len() - 1];
    // No container port (`80:`, `/tcp`): Compose finds no protocol either.
    if container_text.is_empty() {
        return Err(invalid("invalid proto: ".to_string()));
    }
    if !proto.is_empty() && !matches!(proto.to_ascii_lowercase().as_str(), "tcp" | "udp" | "sctp") {
        return Err(invalid(format!("invalid proto: {proto}")));
    }
    // The host address: all before the last two parts.
    if parts.len() >= 3 {
        let ip = parts[..parts.len() - 2].join(":");
        if !ip.is_empty() && ip.parse::<std::net::IpAddr>().is_err() {
            return Err(invalid(format!("invalid IP address: {ip}")));
        }
    }
    let container = port_range(container_text)
        .map_err(|()| invalid(format!("invalid containerPort: {container_text}")))?;
    if container.is_some_and(|(first, _)| first == 0) {
        return Err(Port::NoTarget);
    }
    if parts.len() >= 2 {
        let host_text = parts[parts.len() - 2];
        let host = port_range(host_text)
            .map_err(|()| invalid(format!("invalid hostPort: {host_text}")))?;
        // A range of container ports needs as many host ports.
        if let (Some((c0, c1)), Some((h0, h1))) = (container, host) {
            if c1 > c0 && c1 - c0 != h1 - h0 {
                return Err(invalid(format!(
                    "invalid ranges specified for container and host Ports: {container_text} and {host_text}"
                )));
            }
        }
    }
    Ok(())
}

/// A port or a range `a-b` (a ≤ b) as Compose reads one: `None` when empty
/// or not judged (a range of more than two parts, which Compose accepts).
fn port_range(p: &str) -> Result<Option<(u32, u32)>, ()> {
    let number = |s: &str| {
        Some(s)
            .filter(|s| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
            .and_then(|s| s.parse::<u32>().ok())
            .filter(|n| *n <= 65535)
    };
    match p.split_once('-') {
        _ if p.is_empty() => Ok(None),
        None => number(p).map(|n| Some((n, n))).ok_or(()),
        Some((_, b)) if b.contains('-') => Ok(None),
        Some((a, b)) => match (number(a), number(b)) {
            (Some(a), Some(b)) if a <= b => Ok(Some((a, b))),
            _ => Err(()),
        },
    }
}

#[cfg(test)]
mod tests;
