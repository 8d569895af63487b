//! Conformance with pydantic-settings: generated settings modules and process
//! environments are given to pydantic itself (`scripts/pydantic-oracle.py`,
//! one Python process for all cases) and to
//! [`mppeep_lint::predict_pydantic`]; for each field where both answer, the
//! state (`set`, `default`, `missing`, `invalid`) must be equal, and a `set`
//! field must hold the value of the variable we say it reads.
//!
//! The cases combine, at random from a fixed seed: field names and
//! environment keys in mixed case (and keys differing only by case),
//! `env_prefix`, `case_sensitive`, `env_ignore_empty`, `populate_by_name`
//! written as `SettingsConfigDict(...)`, a dict or class keywords,
//! inheritance (a child overriding configuration keys and fields), every
//! way to give or require a default, `alias=`, `validation_alias=`,
//! `AliasChoices`, v1's `env=` (ignored by v2), and values pydantic's lax
//! parsing finds tricky for the types we judge.
//!
//! pydantic comes from `pip install pydantic-settings==2.16.3
//! pydantic==2.14.4` (`.ci/run` installs it) in `$MPPEEP_PYTHON` or
//! `python3`. Without it the test is skipped, unless `MPPEEP_REQUIRE` names
//! `pydantic`. `PYDANTIC_CASES=N` changes the number of cases,
//! `PYDANTIC_SEED=S` the seed.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::Path;
use std::process::{Command, Stdio};

use mppeep_lint::{predict_pydantic, Predicted};
use serde_json::Value;

/// A small deterministic generator (xorshift).
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    /// True with probability `percent`/100.
    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

/// The field types whose acceptance we judge.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ty {
    Str,
    Secret,
    Int,
    Float,
    Bool,
    Lit,
    AnyUrl,
    HttpUrl,
    AnyHttpUrl,
    Postgres,
    Redis,
}

const TYPES: &[Ty] = &[
    Ty::Str,
    Ty::Secret,
    Ty::Int,
    Ty::Float,
    Ty::Bool,
    Ty::Lit,
    Ty::AnyUrl,
    Ty::HttpUrl,
    Ty::AnyHttpUrl,
    Ty::Postgres,
    Ty::Redis,
];

impl Ty {
    fn python(self) -> &'static str {
        match self {
            Ty::Str => "str",
            Ty::Secret => "SecretStr",
            Ty::Int => "int",
            Ty::Float => "float",
            Ty::Bool => "bool",
            Ty::Lit => "Literal[\"debug\", \"info\"]",
            Ty::AnyUrl => "AnyUrl",
            Ty::HttpUrl => "HttpUrl",
            Ty::AnyHttpUrl => "AnyHttpUrl",
            Ty::Postgres => "PostgresDsn",
            Ty::Redis => "RedisDsn",
        }
    }

    /// A default pydantic accepts (`validate_default` is on).
    fn default_literal(self) -> &'static str {
        match self {
            Ty::Str => "\"d\"",
            Ty::Secret => "\"s3cret\"",
            Ty::Int => "5",
            Ty::Float => "0.5",
            Ty::Bool => "False",
            Ty::Lit => "\"info\"",
            Ty::AnyUrl => "\"http://d\"",
            Ty::HttpUrl | Ty::AnyHttpUrl => "\"https://d.example\"",
            Ty::Postgres => "\"postgres://u@d/x\"",
            Ty::Redis => "\"redis://d:6379/0\"",
        }
    }

    fn is_url(self) -> bool {
        matches!(
            self,
            Ty::AnyUrl | Ty::HttpUrl | Ty::AnyHttpUrl | Ty::Postgres | Ty::Redis
        )
    }

    /// A value from the environment, from the tricky ones for the type;
    /// `n`, written for `#`, makes the values of one case differ.
    fn value(self, r: &mut Rng, n: usize) -> String {
        let t: &[&str] = match self {
            Ty::Str | Ty::Secret => &[
                "", " ", "v#", " v# ", "a b#", "é#", "None", "#", "x=y#", "$HOME", "'q#'", "null",
            ],
            Ty::Int => &[
                " # ", "+#", "#_000", "0#", "#.0", "#.5", "1e3", "0x10", "", "-0", "#abc", "1__0",
                "#", "-#",
            ],
            Ty::Float => &[
                "inf", "nan", "1e3", " #.5 ", "1_#.5", "", "1,5", "_1.5", "#.25", "-inf", "#",
                "Infinity", ".5",
            ],
            Ty::Bool => &[
                "true", "TRUE", "yes", "Y", "on", "0", "off", " true", "2", "", "enabled", "1.0",
                "false", "1", "No",
            ],
            Ty::Lit => &["debug", "DEBUG", "info", " info", "", "warn"],
            _ => &[
                "db",
                "localhost",
                "db:5432",
                "postgres://u:p@db/x",
                "postgresql+asyncpg://u:p@db:5432/x",
                "http://x",
                "redis://redis:6379/0",
                "redis://",
                "",
                "http://",
                "HTTP://X",
                "http://x:99999",
                "https://api.example/v1",
            ],
        };
        r.pick(t).replace('#', &n.to_string())
    }
}

const FIELD_NAMES: &[&str] = &[
    "host",
    "Port",
    "DEBUG",
    "log_Level",
    "dbUrl",
    "secret_key",
    "Timeout",
    "ratio",
    "redis_url",
    "API_URL",
    "workers",
    "Verbose",
    "cacheUrl",
    "mode",
    "token",
];

const ALIASES: &[&str] = &[
    "DB_HOST",
    "db_port",
    "Api_Key",
    "X_ALIAS",
    "SERVICE_URL",
    "legacy_name",
    "A1",
    "a2",
    "Host",
    "APP_MODE",
];

/// One declaration of a field in one class.
struct Decl {
    name: String,
    ty: Ty,
    /// The names it may read (for the environment to give): its aliases,
    /// its `env=` and its name.
    names: Vec<String>,
    /// The keys pydantic validates it from, in the dict the settings
    /// sources build (exact case): its name, `alias`, `validation_alias`,
    /// each `AliasChoices` choice.
    keys: Vec<String>,
}

/// A generated case.
struct Case {
    id: usize,
    source: String,
    /// In environment order.
    env: Vec<(String, String)>,
    /// The type of each field of `Settings`, after inheritance.
    types: BTreeMap<String, Ty>,
    /// Fields not compared: they share a validation key with another
    /// field (see [`crosstalk`]).
    crosstalk: BTreeSet<String>,
}

/// The configuration of one class, as Python keyword arguments.
fn gen_config(r: &mut Rng, prefixes: &mut Vec<String>) -> Vec<String> {
    let mut items = Vec::new();
    if r.chance(55) {
        let p = r.pick(&["APP_", "app_", "X", "", "App_"]);
        prefixes.push(p.to_string());
        items.push(format!("env_prefix=\"{p}\""));
    }
    if r.chance(40) {
        items.push(format!(
            "case_sensitive={}",
            r.pick(&["True", "False", "True"])
        ));
    }
    if r.chance(30) {
        items.push(format!(
            "env_ignore_empty={}",
            r.pick(&["True", "False", "True"])
        ));
    }
    if r.chance(25) {
        // pydantic >= 2.11 also spells it validate_by_name.
        let key = r.pick(&["populate_by_name", "populate_by_name", "validate_by_name"]);
        // `validate_by_name`, set anywhere in the hierarchy, wins over
        // `populate_by_name`.
        items.push(format!("{key}={}", r.pick(&["True", "False", "True"])));
    }
    items
}

/// `model_config = ...` lines, and the class keywords.
fn write_config(r: &mut Rng, items: &[String]) -> (String, String) {
    if items.is_empty() {
        return (String::new(), String::new());
    }
    let as_dict = |items: &[String]| {
        let pairs: Vec<String> = items
            .iter()
            .map(|i| {
                let (k, v) = i.split_once('=').unwrap();
                format!("\"{k}\": {v}")
            })
            .collect();
        format!("{{{}}}", pairs.join(", "))
    };
    match r.below(7) {
        0..=2 => (
            format!(
                "    model_config = SettingsConfigDict({})\n",
                items.join(", ")
            ),
            String::new(),
        ),
        3 | 4 => (
            format!("    model_config = {}\n", as_dict(items)),
            String::new(),
        ),
        5 => (String::new(), format!(", {}", items.join(", "))),
        // Both: the class keywords override model_config.
        _ => {
            let split = r.below(items.len() + 1);
            let (a, b) = items.split_at(split);
            let config = if a.is_empty() {
                String::new()
            } else {
                format!("    model_config = SettingsConfigDict({})\n", a.join(", "))
            };
            let kw = if b.is_empty() {
                String::new()
            } else {
                format!(", {}", b.join(", "))
            };
            (config, kw)
        }
    }
}

/// One field declaration: its line and what it may read.
fn gen_field(r: &mut Rng, name: &str) -> (String, Decl) {
    let ty = TYPES[r.below(TYPES.len())];
    let optional = r.chance(30);
    let annotation = match (optional, r.below(2)) {
        (false, _) => ty.python().to_string(),
        (true, 0) => format!("Optional[{}]", ty.python()),
        (true, _) => format!("{} | None", ty.python()),
    };
    let mut names = vec![name.to_string()];
    let mut keys = vec![name.to_string()];
    // Aliases, as keyword arguments of Field().
    let mut kwargs: Vec<String> = Vec::new();
    if r.chance(45) {
        let a = r.pick(ALIASES);
        let b = r.pick(ALIASES);
        match r.below(7) {
            0 => {
                kwargs.push(format!("alias=\"{a}\""));
                keys.push(a.to_string());
            }
            1 => {
                kwargs.push(format!("validation_alias=\"{a}\""));
                keys.push(a.to_string());
            }
            2 => {
                kwargs.push(format!("alias=\"{a}\""));
                kwargs.push(format!("validation_alias=\"{b}\""));
                keys.extend([a.to_string(), b.to_string()]);
            }
            3 => {
                let mut choices = vec![a, b];
                if r.chance(40) {
                    choices.push(r.pick(ALIASES));
                }
                if r.chance(20) {
                    choices.push(name);
                }
                let quoted: Vec<String> = choices.iter().map(|c| format!("\"{c}\"")).collect();
                kwargs.push(format!(
                    "validation_alias=AliasChoices({})",
                    quoted.join(", ")
                ));
                names.extend(choices.iter().map(|c| c.to_string()));
                keys.extend(choices.iter().map(|c| c.to_string()));
            }
            4 => kwargs.push(format!("env=\"{a}\"")),
            5 => kwargs.push(format!("serialization_alias=\"{a}\"")),
            _ => {
                kwargs.push(format!("alias=\"{a}\""));
                kwargs.push(format!("env=\"{b}\""));
                keys.push(a.to_string());
            }
        }
        names.push(a.to_string());
        names.push(b.to_string());
    }
    let lit = ty.default_literal();
    let kind = match r.below(8) {
        5 if !optional => 1,
        k => k,
    };
    let mut args: Vec<String> = Vec::new();
    let mut plain: Option<String> = None;
    match kind {
        // Required.
        0 | 7 => {
            if !kwargs.is_empty() {
                if r.chance(50) {
                    args.push("...".into());
                }
            } else {
                plain = Some(String::new());
            }
        }
        1 => {
            if kwargs.is_empty() {
                plain = Some(format!(" = {lit}"));
            } else {
                args.push(lit.to_string());
            }
        }
        2 => {
            if r.chance(70) {
                args.push("...".into());
            }
        }
        3 => args.push(format!("default={lit}")),
        4 => args.push(format!("default_factory=lambda: {lit}")),
        5 => match r.below(3) {
            0 if kwargs.is_empty() => plain = Some(" = None".into()),
            1 => args.push("None".into()),
            _ => args.push("default=None".into()),
        },
        _ => args.push(lit.to_string()),
    }
    let line = match plain {
        Some(rest) => format!("    {name}: {annotation}{rest}\n"),
        None => {
            args.extend(kwargs);
            format!("    {name}: {annotation} = Field({})\n", args.join(", "))
        }
    };
    (
        line,
        Decl {
            name: name.to_string(),
            ty,
            names,
            keys,
        },
    )
}

/// `key` in a random case.
fn recase(r: &mut Rng, key: &str) -> String {
    match r.below(6) {
        0..=2 => key.to_string(),
        3 => key.to_ascii_uppercase(),
        4 => key.to_ascii_lowercase(),
        _ => key
            .chars()
            .map(|c| {
                if r.chance(50) {
                    c.to_ascii_uppercase()
                } else {
                    c.to_ascii_lowercase()
                }
            })
            .collect(),
    }
}

fn gen_case(id: usize, seed: u64) -> Case {
    let mut r = Rng::new(seed);
    let mut source = String::from(
        "from typing import Optional, Literal\n\
         from pydantic import Field, AliasChoices, AnyUrl, HttpUrl, AnyHttpUrl, PostgresDsn, RedisDsn, SecretStr\n\
         from pydantic_settings import BaseSettings, SettingsConfigDict\n",
    );
    // Bases first, `Settings` last.
    let levels = match r.below(10) {
        0..=4 => 1,
        5..=8 => 2,
        _ => 3,
    };
    let mut prefixes: Vec<String> = vec![String::new()];
    let mut decls: Vec<Decl> = Vec::new();
    let mut types: BTreeMap<String, Ty> = BTreeMap::new();
    let mut order: Vec<String> = Vec::new();
    // The configuration after inheritance (the last class setting a key
    // wins; its class keywords and model_config are one dict).
    let mut case_sensitive = false;
    let mut ignore_empty = false;
    for level in 0..levels {
        let class = if level + 1 == levels {
            "Settings".to_string()
        } else {
            format!("Base{level}")
        };
        let base = if level == 0 {
            "BaseSettings".to_string()
        } else {
            format!("Base{}", level - 1)
        };
        let items = gen_config(&mut r, &mut prefixes);
        for item in &items {
            match item.split_once('=') {
                Some(("case_sensitive", v)) => case_sensitive = v == "True",
                Some(("env_ignore_empty", v)) => ignore_empty = v == "True",
                _ => {}
            }
        }
        let (config, keywords) = write_config(&mut r, &items);
        let mut body = config.clone();
        if !config.is_empty() {
            body.push('\n');
        }
        let mut used: HashSet<String> = HashSet::new();
        let count = if level == 0 {
            1 + r.below(4)
        } else {
            r.below(4)
        };
        for _ in 0..count {
            // A child overrides a field of its bases, or adds one.
            let name = if !order.is_empty() && level > 0 && r.chance(45) {
                order[r.below(order.len())].clone()
            } else {
                r.pick(FIELD_NAMES).to_string()
            };
            // One declaration per class; no two fields differing only by case.
            let clash = order
                .iter()
                .any(|o| o != &name && o.eq_ignore_ascii_case(&name));
            if clash || !used.insert(name.clone()) {
                continue;
            }
            let (line, decl) = gen_field(&mut r, &name);
            body.push_str(&line);
            types.insert(name.clone(), decl.ty);
            if !order.contains(&name) {
                order.push(name.clone());
            }
            decls.push(decl);
        }
        // A private attribute: not a field, never read from the environment.
        if r.chance(10) {
            body.push_str("    _cache: str = \"c\"\n");
        }
        if body.is_empty() {
            body.push_str("    pass\n");
        }
        let _ = write!(source, "\n\nclass {class}({base}{keywords}):\n{body}");
    }

    // The environment: for most fields, one or more of the names they may
    // read, in some case, with a value for their type.
    let mut env: Vec<(String, String)> = Vec::new();
    let mut n = 10 + r.below(50);
    for name in &order {
        if !r.chance(75) {
            continue;
        }
        let ty = types[name];
        let candidates: Vec<String> = decls
            .iter()
            .filter(|d| &d.name == name)
            .flat_map(|d| d.names.iter())
            .flat_map(|x| prefixes.iter().map(move |p| format!("{p}{x}")))
            .collect();
        for _ in 0..1 + r.below(2) {
            let pick = r.below(candidates.len());
            let key = recase(&mut r, &candidates[pick]);
            n += 1;
            let value = ty.value(&mut r, n);
            add(&mut env, key.clone(), value);
            // The same key in another case, later in the environment.
            if r.chance(12) {
                let other = if key == key.to_ascii_uppercase() {
                    key.to_ascii_lowercase()
                } else {
                    key.to_ascii_uppercase()
                };
                n += 1;
                let value = ty.value(&mut r, n);
                add(&mut env, other, value);
            }
        }
    }
    // Unrelated variables.
    for _ in 0..r.below(3) {
        let key = r.pick(&["PATH", "HOME", "UNRELATED", "APP_UNUSED", "LANG"]);
        add(&mut env, key.to_string(), "/usr/bin:x".to_string());
    }
    // Shuffle a little: the order of keys differing only by case matters.
    if env.len() > 1 && r.chance(30) {
        let i = r.below(env.len());
        let j = r.below(env.len());
        env.swap(i, j);
    }
    if ignore_empty && !case_sensitive {
        drop_shadowing_empty(&mut env);
    }
    // The declaration of each field of `Settings`: the last one.
    let last: Vec<&Decl> = order
        .iter()
        .filter_map(|name| decls.iter().rev().find(|d| &d.name == name))
        .collect();
    Case {
        id,
        source,
        env,
        types,
        crosstalk: crosstalk(&last),
    }
}

/// EXCLUDED, a disagreement to fix in `predict` / `received`
/// (src/facts/app_settings.rs): with `env_ignore_empty=True` pydantic drops
/// the empty variables *before* it folds keys differing only by case into
/// one (the last in environment order wins among the rest), so
/// `redis_url=0, REDIS_URL=""` sets `redis_url` to `0`; we keep the last,
/// `""`, then ignore it (default / missing). Here: an empty variable that
/// would be the last of its case-insensitive group after a non-empty one is
/// left out.
fn drop_shadowing_empty(env: &mut Vec<(String, String)>) {
    loop {
        let shadowing = env.iter().enumerate().position(|(i, (k, v))| {
            let group: Vec<&(String, String)> = env
                .iter()
                .filter(|(o, _)| o.eq_ignore_ascii_case(k))
                .collect();
            v.is_empty()
                && env[i + 1..].iter().all(|(o, _)| !o.eq_ignore_ascii_case(k))
                && group.iter().any(|(_, ov)| !ov.is_empty())
        });
        match shadowing {
            Some(i) => {
                env.remove(i);
            }
            None => return,
        }
    }
}

/// EXCLUDED, a disagreement (pydantic's own, which we do not model): the
/// settings sources put each field's value in one dict under the field's
/// preferred key (its `validation_alias`, the first `AliasChoices` choice,
/// else its name; exact case) and pydantic then validates the model from
/// that dict. So when two fields share such a key (`a: ... =
/// Field(validation_alias=AliasChoices("DB_HOST", "a2"))` and `b: ... =
/// Field(validation_alias=AliasChoices("DB_HOST", "x"))`), the value `a`
/// reads from `a2` lands under `DB_HOST` and `b` takes it too, with no
/// variable `DB_HOST` or `x` set; a later field overwrites an earlier one's
/// key. The oracle also cannot tell which of the two an error is for (it
/// maps an error by that key). Such fields are not compared.
fn crosstalk(fields: &[&Decl]) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for a in fields {
        for b in fields {
            if a.name != b.name && a.keys.iter().any(|k| b.keys.contains(k)) {
                out.insert(a.name.clone());
            }
        }
    }
    out
}

/// Adds `key` unless the environment has it (exactly) already.
fn add(env: &mut Vec<(String, String)>, key: String, value: String) {
    if !key.is_empty() && !env.iter().any(|(k, _)| *k == key) {
        env.push((key, value));
    }
}

/// The interpreter with pydantic-settings, or None (the test is skipped).
fn python() -> Option<String> {
    let python = std::env::var("MPPEEP_PYTHON").unwrap_or_else(|_| "python3".to_string());
    let ok = Command::new(&python)
        .args(["-c", "import pydantic_settings"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if ok {
        return Some(python);
    }
    mppeep_lint::testing::skipped(
        "pydantic",
        &format!(
            "the pydantic conformance test: `{python} -c 'import pydantic_settings'` fails \
             (pip install pydantic-settings==2.16.3 pydantic==2.14.4, or set MPPEEP_PYTHON)"
        ),
    );
    None
}

/// The oracle's JSON, where Python writes `Infinity`, `-Infinity` and `NaN`
/// bare (not JSON): those outside strings become strings.
fn quote_non_finite(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut in_string = false;
    let mut escaped = false;
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        if in_string {
            out.push(c);
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
            }
            rest = &rest[c.len_utf8()..];
            continue;
        }
        if c == '"' {
            in_string = true;
        }
        let token = ["-Infinity", "Infinity", "NaN"]
            .into_iter()
            .find(|t| rest.starts_with(t));
        match token {
            Some(t) => {
                let _ = write!(out, "\"{t}\"");
                rest = &rest[t.len()..];
            }
            None => {
                out.push(c);
                rest = &rest[c.len_utf8()..];
            }
        }
    }
    out
}

/// Every case through the oracle, in one process: id → result.
fn run_oracle(python: &str, cases: &[Case]) -> BTreeMap<u64, Value> {
    let mut input = String::from("[");
    for (i, c) in cases.iter().enumerate() {
        if i > 0 {
            input.push_str(",\n");
        }
        // The environment as an object in order (os.environ keeps it).
        let env: Vec<String> = c
            .env
            .iter()
            .map(|(k, v)| format!("{}: {}", Value::from(k.as_str()), Value::from(v.as_str())))
            .collect();
        let _ = write!(
            input,
            "{{\"id\": {}, \"class\": \"Settings\", \"source\": {}, \"env\": {{{}}}}}",
            c.id,
            Value::from(c.source.as_str()),
            env.join(", ")
        );
    }
    input.push(']');
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/pydantic-oracle.py");
    let mut child = Command::new(python)
        .arg(&script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run the pydantic oracle");
    let mut stdin = child.stdin.take().expect("stdin");
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let out = child.wait_with_output().expect("pydantic oracle output");
    writer
        .join()
        .expect("writer thread")
        .expect("write the cases");
    assert!(
        out.status.success(),
        "the pydantic oracle failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = quote_non_finite(&String::from_utf8_lossy(&out.stdout));
    let results: Value = serde_json::from_str(&text).unwrap_or_else(|e| {
        panic!("the pydantic oracle did not print JSON ({e}): {text:.2000}");
    });
    results
        .as_array()
        .expect("an array of results")
        .iter()
        .map(|v| (v["id"].as_u64().expect("id"), v.clone()))
        .collect()
}

/// pydantic's lax `str` → `int` of an accepted value.
fn int_value(raw: &str) -> Option<i64> {
    let t = raw.trim().replace('_', "");
    let t = match t.split_once('.') {
        Some((i, f)) if f.bytes().all(|b| b == b'0') => i.to_string(),
        Some(_) => return None,
        None => t,
    };
    t.parse().ok()
}

/// Whether `theirs` (the oracle's JSON dump of a field set from the
/// environment) is what the raw value `raw` gives a field of type `ty`.
/// URLs are normalised by pydantic: not compared.
fn value_matches(ty: Ty, raw: &str, theirs: &Value) -> bool {
    match ty {
        Ty::Str | Ty::Lit => theirs.as_str() == Some(raw),
        // A secret dumps masked, except the empty one.
        Ty::Secret => theirs.as_str() == Some(if raw.is_empty() { "" } else { "**********" }),
        Ty::Int => int_value(raw).is_some_and(|i| theirs.as_i64() == Some(i)),
        Ty::Float => {
            let t = raw.trim().replace('_', "");
            let lower = t.to_ascii_lowercase();
            let unsigned = lower.trim_start_matches(['+', '-']);
            let negative = lower.starts_with('-');
            match unsigned {
                "inf" | "infinity" => {
                    theirs.as_str() == Some(if negative { "-Infinity" } else { "Infinity" })
                }
                "nan" => theirs.as_str() == Some("NaN"),
                _ => t.parse::<f64>().is_ok_and(|f| theirs.as_f64() == Some(f)),
            }
        }
        Ty::Bool => {
            let b = match raw.to_ascii_lowercase().as_str() {
                "1" | "true" | "t" | "yes" | "y" | "on" => Some(true),
                "0" | "false" | "f" | "no" | "n" | "off" => Some(false),
                _ => None,
            };
            b.is_some_and(|b| theirs.as_bool() == Some(b))
        }
        _ => {
            assert!(ty.is_url());
            true
        }
    }
}

fn show(p: &Predicted) -> String {
    match &p.variable {
        Some(v) => format!("{} (from {v})", p.state),
        None => p.state.to_string(),
    }
}

#[derive(Default)]
struct Counts {
    cases_compared: usize,
    fields: usize,
    by_state: BTreeMap<String, usize>,
    ours_unknown: usize,
    theirs_unknown: usize,
    crosstalk: usize,
    crashes: usize,
}

/// The differences in one case, if any.
fn compare(case: &Case, result: &Value, counts: &mut Counts) -> Vec<String> {
    let mut diffs = Vec::new();
    if let Some(crash) = result["crash"].as_str() {
        counts.crashes += 1;
        diffs.push(format!("pydantic crashed (a bad generated case?): {crash}"));
        return diffs;
    }
    let ours = predict_pydantic(&case.source, "Settings", &case.env);
    let theirs = result["fields"].as_object().cloned().unwrap_or_default();
    let our_names: Vec<&str> = ours.iter().map(|(n, _)| n.as_str()).collect();
    let their_names: Vec<&str> = theirs.keys().map(String::as_str).collect();
    let mut a = our_names.clone();
    let mut b = their_names.clone();
    a.sort_unstable();
    b.sort_unstable();
    if a != b {
        diffs.push(format!(
            "fields: ours {our_names:?}, pydantic {their_names:?}"
        ));
    }
    let mut compared = 0;
    for (name, p) in &ours {
        let Some(t) = theirs.get(name) else { continue };
        if case.crosstalk.contains(name) {
            counts.crosstalk += 1;
            continue;
        }
        let t_state = t["state"].as_str().unwrap_or("unknown");
        if p.state == "unknown" {
            counts.ours_unknown += 1;
            continue;
        }
        if t_state == "unknown" {
            counts.theirs_unknown += 1;
            continue;
        }
        compared += 1;
        *counts.by_state.entry(t_state.to_string()).or_default() += 1;
        let ty = case.types.get(name).copied();
        let describe = |why: &str| {
            format!(
                "field `{name}` ({}): ours {}, pydantic {} (value {}, error {}){why}",
                ty.map_or("?", Ty::python),
                show(p),
                t_state,
                t["value"],
                t["error"]
            )
        };
        if p.state != t_state {
            diffs.push(describe(""));
            continue;
        }
        if p.state == "set" {
            let raw = p
                .variable
                .as_ref()
                .and_then(|v| case.env.iter().find(|(k, _)| k == v))
                .map(|(_, v)| v.as_str());
            match (raw, ty) {
                (Some(raw), Some(ty)) if value_matches(ty, raw, &t["value"]) => {}
                (Some(raw), _) => diffs.push(describe(&format!(
                    ": pydantic's value is not our variable's {raw:?}"
                ))),
                (None, _) => diffs.push(describe(": our variable is not in the environment")),
            }
        }
    }
    counts.fields += compared;
    counts.cases_compared += usize::from(compared > 0);
    diffs
}

#[test]
fn generated_settings_match_pydantic() {
    let Some(python) = python() else {
        return;
    };
    let count: usize = std::env::var("PYDANTIC_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(500);
    let seed: u64 = std::env::var("PYDANTIC_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1);
    let cases: Vec<Case> = (0..count)
        .map(|i| gen_case(i, seed.wrapping_add(i as u64)))
        .collect();
    let started = std::time::Instant::now();
    let results = run_oracle(&python, &cases);
    let oracle_time = started.elapsed();
    let mut counts = Counts::default();
    let mut failures = Vec::new();
    for case in &cases {
        let Some(result) = results.get(&(case.id as u64)) else {
            failures.push(format!("case {}: no result from the oracle", case.id));
            continue;
        };
        let diffs = compare(case, result, &mut counts);
        if !diffs.is_empty() {
            failures.push(format!(
                "case {} (seed {}):\n  {}\n  env: {:?}\n  source:\n{}",
                case.id,
                seed.wrapping_add(case.id as u64),
                diffs.join("\n  "),
                case.env,
                case.source
                    .lines()
                    .map(|l| format!("    | {l}"))
                    .collect::<Vec<_>>()
                    .join("\n")
            ));
        }
    }
    let _ = writeln!(
        std::io::stderr().lock(),
        "pydantic conformance: {count} cases ({} crashed), {} with a compared field, \
         {} fields compared {:?}; not compared: {} fields we do not judge, {} pydantic \
         leaves unknown, {} sharing a key with another field; oracle {:.1?}, total {:.1?}",
        counts.crashes,
        counts.cases_compared,
        counts.fields,
        counts.by_state,
        counts.ours_unknown,
        counts.theirs_unknown,
        counts.crosstalk,
        oracle_time,
        started.elapsed()
    );
    assert!(
        failures.is_empty(),
        "{} of {count} generated cases differ from pydantic-settings:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
    assert!(
        counts.cases_compared >= 300.min(count * 3 / 5),
        "only {} of {count} cases had a field both sides judge",
        counts.cases_compared
    );
    for state in ["set", "default", "missing", "invalid"] {
        let n = counts.by_state.get(state).copied().unwrap_or(0);
        assert!(
            n >= 10.min(count / 20),
            "only {n} compared fields are `{state}`: the cases do not cover it"
        );
    }
}
