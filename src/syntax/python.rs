//! Python modules, as far as the app's settings go: pydantic settings
//! classes (pydantic-settings v2 and pydantic v1's `BaseSettings`) and the
//! direct reads of the environment (`os.environ[...]`, `os.getenv`,
//! django-environ, python-decouple), with exact ranges.
//!
//! The text is parsed by tree-sitter-python, an error-tolerant concrete
//! syntax tree: a syntax error costs the statements it breaks, not the
//! module. This module only reads the tree; which class is a settings class
//! (its bases may be in another module), what environment variable a field
//! reads and whether a value fits its type are the facts' business
//! (`facts::app_settings`).

use crate::source::TextRange;
use tree_sitter::{Node, Parser};

/// What a Python module says about settings.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PyModule {
    /// Every class with a base (its settings-ness is decided over the
    /// whole workspace, bases may be imported).
    pub classes: Vec<ClassDef>,
    /// Direct reads of the process environment.
    pub reads: Vec<EnvRead>,
    /// Calls of a name that begins with a capital letter (`Settings()`,
    /// `config.Settings(_env_file=...)`): where a class may be
    /// instantiated.
    pub calls: Vec<ClassCall>,
    /// `from pydantic import BaseSettings`: pydantic v1's settings.
    pub v1_base_settings: bool,
    /// The module loads a `.env` file into the environment itself
    /// (python-dotenv's `load_dotenv`, django-environ's `read_env`).
    pub loads_dotenv: bool,
    /// Variables the module sets in its own environment
    /// (`os.environ["X"] = ...`, `os.environ.setdefault("X", ...)`).
    pub writes: Vec<String>,
    /// `os.environ.update(...)`: it sets variables we cannot name.
    pub writes_unknown: bool,
    /// `from .base import *`, `from config.settings.base import *`: the
    /// modules it takes everything from, as written.
    pub star_imports: Vec<String>,
    /// `NAME = "text"` anywhere (Django's `SECRET_KEY = "django-insecure-…"`,
    /// a Flask `Config` attribute): names and string values, for masking.
    pub constants: Vec<(String, PyValue)>,
    /// Where tree-sitter found text it could not parse (the first such).
    pub syntax_error: Option<TextRange>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ClassDef {
    pub name: String,
    pub name_range: TextRange,
    /// The bases as written, dotted (`BaseSettings`,
    /// `pydantic_settings.BaseSettings`, `CommonSettings`); a base that is
    /// not a name (`make_base()`) is kept as its text.
    pub bases: Vec<String>,
    pub config: ClassConfig,
    pub fields: Vec<FieldDef>,
    /// Fields a validator of the class reads first (`@field_validator("a",
    /// mode="before")`, v1's `@validator("a", pre=True)`): their text may
    /// be anything the validator turns into a value.
    pub validated: Vec<String>,
    /// A validator over the whole model, or over `"*"`: every field.
    pub validates_all: bool,
}

/// A setting of `model_config` (v2) or `class Config` (v1).
#[derive(Debug, Clone, Default, PartialEq)]
pub enum ConfigValue {
    /// Not written in this class.
    #[default]
    Unset,
    /// A literal.
    Known(PyValue),
    /// An expression we do not evaluate (`env_file=env_file`).
    Unknown(TextRange),
}

impl ConfigValue {
    pub fn is_set(&self) -> bool {
        !matches!(self, ConfigValue::Unset)
    }
    pub fn as_str(&self) -> Option<&str> {
        match self {
            ConfigValue::Known(PyValue {
                literal: Literal::Str(s),
                ..
            }) => Some(s),
            _ => None,
        }
    }
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            ConfigValue::Known(PyValue {
                literal: Literal::Bool(b),
                ..
            }) => Some(*b),
            _ => None,
        }
    }
}

/// The class's settings configuration, as written in it (not inherited).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ClassConfig {
    /// Written as `model_config = ...` or `class Config:`.
    pub written: bool,
    pub env_prefix: ConfigValue,
    pub case_sensitive: ConfigValue,
    /// One file or a list/tuple of them (a `Known` list is `Literal::List`).
    pub env_file: ConfigValue,
    pub env_nested_delimiter: ConfigValue,
    pub env_ignore_empty: ConfigValue,
    pub secrets_dir: ConfigValue,
    /// `populate_by_name`: the field's own name is read too, after its
    /// aliases, unless `validate_by_name` (which wins) says otherwise.
    pub populate_by_name: ConfigValue,
    /// `validate_by_name` (pydantic 2.11).
    pub validate_by_name: ConfigValue,
    /// `env_parse_none_str`: this text reads as `None`.
    pub env_parse_none_str: ConfigValue,
    /// Some of it is written as keywords of the class (`class
    /// S(BaseSettings, env_prefix="APP_")`), which v1 ignores.
    pub class_keywords: bool,
    /// `model_config = SettingsConfigDict(**other, ...)`, or a dict built
    /// otherwise: keys we cannot see.
    pub opaque: bool,
    /// v1: `fields = {"name": {"env": "X"}}` in `class Config`.
    pub v1_field_env: Vec<(String, Vec<Located>)>,
}

/// A string with where it is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Located {
    pub text: String,
    pub range: TextRange,
}

#[derive(Debug, Clone, PartialEq)]
pub struct FieldDef {
    pub name: String,
    pub name_range: TextRange,
    pub annotation: PyType,
    pub annotation_range: TextRange,
    pub default: FieldDefault,
    /// `alias=`, `validation_alias=` (a string or `AliasChoices`), v1's
    /// `env=`, in pydantic's order of precedence: a validation alias
    /// replaces an alias. Empty when the field reads its own name.
    pub aliases: Vec<Located>,
    /// An alias we cannot read (a variable, an `AliasPath`): the field's
    /// environment names are unknown.
    pub alias_unknown: bool,
    /// Which keyword gave the aliases.
    pub alias_kind: AliasKind,
    /// Where `Field(...)` is written, if it is.
    pub field_call: Option<TextRange>,
    /// `Annotated[T, ...]` with more than a `Field` (a `BeforeValidator`,
    /// a constraint): the type alone does not say what is accepted.
    pub annotated_extras: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AliasKind {
    #[default]
    None,
    Alias,
    ValidationAlias,
    /// v1's `Field(env=...)`.
    Env,
}

#[derive(Debug, Clone, PartialEq)]
pub enum FieldDefault {
    /// No default: pydantic requires the value.
    Required,
    /// A default value (a literal or an expression).
    Value(PyValue),
    /// `default_factory=`: computed at start, never a constant.
    Factory(TextRange),
}

/// An expression with its text and, when it is a literal, its value.
#[derive(Debug, Clone, PartialEq)]
pub struct PyValue {
    pub text: String,
    pub range: TextRange,
    pub literal: Literal,
}

impl PyValue {
    /// For a single string literal, the range of its text between the
    /// quotes; else the whole value's.
    pub fn content_range(&self) -> TextRange {
        let body = self
            .text
            .trim_start_matches(|c: char| c.is_ascii_alphabetic());
        let prefix = self.text.len() - body.len();
        for q in ["\"\"\"", "'''", "\"", "'"] {
            if body.len() >= 2 * q.len() && body.starts_with(q) && body.ends_with(q) {
                let inner = body[q.len()..body.len() - q.len()].contains(q);
                if !inner && matches!(self.literal, Literal::Str(_)) {
                    return TextRange::new(
                        self.range.start + prefix + q.len(),
                        self.range.end - q.len(),
                    );
                }
            }
        }
        self.range
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    /// A string without interpolation, escapes decoded; implicit
    /// concatenation joined.
    Str(String),
    /// An integer or a float, as written (a sign kept).
    Number(String),
    Bool(bool),
    None,
    /// `...`
    Ellipsis,
    /// A list or tuple of literals.
    List(Vec<PyValue>),
    /// Anything else: a name, a call, an f-string.
    Other,
}

/// A type annotation: `int`, `Optional[int]` (`name` `Optional`, one
/// argument), `str | None` (`name` `|`), `Literal["a", "b"]` (arguments
/// with `literal`), `pydantic.HttpUrl` (`name` the last segment).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PyType {
    pub name: String,
    pub args: Vec<PyType>,
    /// For a `Literal[...]` argument, the literal.
    pub literal: Option<Literal>,
}

impl PyType {
    /// The annotation without `Optional[...]`, `X | None`, `Annotated[...]`
    /// around it, and whether `None` is allowed.
    pub fn unwrap_optional(&self) -> (&PyType, bool) {
        match self.name.as_str() {
            "Optional" if self.args.len() == 1 => (self.args[0].unwrap_optional().0, true),
            "Annotated" if !self.args.is_empty() => self.args[0].unwrap_optional(),
            "|" | "Union" => {
                let not_none: Vec<&PyType> =
                    self.args.iter().filter(|a| a.name != "None").collect();
                let nullable = not_none.len() < self.args.len();
                match not_none.as_slice() {
                    [one] => {
                        let (t, n) = one.unwrap_optional();
                        (t, n || nullable)
                    }
                    _ => (self, nullable),
                }
            }
            _ => (self, false),
        }
    }
}

/// A read of the environment in code.
#[derive(Debug, Clone, PartialEq)]
pub struct EnvRead {
    /// The variable's name, as the string literal says.
    pub name: String,
    pub name_range: TextRange,
    /// The whole read (`os.environ["X"]`, `env.bool("X", default=False)`).
    pub range: TextRange,
    pub kind: ReadKind,
    /// The default the read falls back to, when it has one.
    pub default: Option<PyValue>,
    /// `cast=` (decouple) or the django-environ method (`bool`, `int`).
    pub cast: Option<String>,
    /// Inside a function, a condition, a loop or a `try`: not run for
    /// certain when the module is imported.
    pub guarded: bool,
    /// Inside a condition, a loop or a `try` (a function's body is not
    /// conditional): it may never run, whatever calls it.
    pub conditional: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadKind {
    /// `os.environ["X"]`: `KeyError` without it.
    Subscript,
    /// `os.environ.get`, `os.getenv`, `os.environ.setdefault`.
    Get,
    /// django-environ's `env("X")` / `env.str("X")`: `ImproperlyConfigured`
    /// without it and without a default.
    DjangoEnviron,
    /// python-decouple's `config("X")`: `UndefinedValueError` without it
    /// and a default; it also reads a `.env` or `settings.ini` file.
    Decouple,
}

impl EnvRead {
    /// The app fails without the variable (no default given).
    pub fn required(&self) -> bool {
        match self.kind {
            ReadKind::Subscript => true,
            ReadKind::Get => false,
            ReadKind::DjangoEnviron | ReadKind::Decouple => self.default.is_none(),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct ClassCall {
    /// The last name of the callee (`Settings` of `config.Settings(...)`).
    pub name: String,
    pub range: TextRange,
    /// Keyword arguments given (`_env_file`, or a field set in code).
    pub keywords: Vec<String>,
    /// Positional arguments, `*args` or `**kwargs`: what it sets is unknown.
    pub opaque: bool,
    /// Inside a condition, a loop or a `try`: one of several classes the
    /// code may pick (`ProductionConfig()` or `DevelopmentConfig()`).
    pub conditional: bool,
}

/// Whether a module's text may say anything this parser reads: a cheap
/// test before parsing.
pub fn worth_parsing(text: &str) -> bool {
    [
        "BaseSettings",
        "environ",
        "getenv",
        "decouple",
        "Settings(",
        "dotenv",
        "env(",
        "env.",
        "import *",
    ]
    .iter()
    .any(|w| text.contains(w))
}

/// How deep a literal's lists are read.
const MAX_LITERAL_DEPTH: usize = 16;

/// How deep the walk goes into nested expressions; past it, the rest of
/// that branch is not read (tree-sitter itself has no depth limit).
const MAX_DEPTH: usize = 200;

/// Past this many nested indentation levels, tree-sitter-python's scanner
/// overruns its 1,024-byte state and the process aborts (an assertion in C:
/// 511 nested `if`s did it). Real modules stay far below.
const MAX_INDENT_DEPTH: usize = 200;

/// Larger modules are not parsed: the tree takes about 170 times the text,
/// and a settings module is a few kilobytes.
const MAX_PARSED_BYTES: usize = 1 << 20;

/// The deepest stack of indentation levels, as Python's tokenizer builds
/// it on each line that is not blank (a tab counted as 1 and as 8 columns,
/// the larger result kept), and where it is reached.
fn indentation_depth(text: &str) -> (usize, usize) {
    let mut deepest = (0, 0);
    for tab in [1usize, 8] {
        let mut stack: Vec<usize> = vec![0];
        let mut at = 0;
        for line in text.split_inclusive('\n') {
            let start = at;
            at += line.len();
            let mut width = 0;
            let mut blank = true;
            for c in line.chars() {
                match c {
                    ' ' => width += 1,
                    '\t' => width = (width / tab + 1) * tab,
                    '\x0c' => width = 0,
                    '\n' | '\r' | '#' => break,
                    _ => {
                        blank = false;
                        break;
                    }
                }
            }
            if blank {
                continue;
            }
            while stack.last().is_some_and(|top| *top > width) {
                stack.pop();
            }
            if stack.last().is_none_or(|top| *top < width) {
                stack.push(width);
            }
            if stack.len() > deepest.0 {
                deepest = (stack.len(), start);
            }
        }
    }
    deepest
}

pub fn parse(text: &str) -> PyModule {
    let mut module = PyModule::default();
    // What tree-sitter cannot take safely is not parsed: the module counts
    // as one that does not import (its settings are not judged).
    if text.len() > MAX_PARSED_BYTES {
        module.syntax_error = Some(TextRange::empty(0));
        return module;
    }
    let (depth, at) = indentation_depth(text);
    if depth > MAX_INDENT_DEPTH {
        module.syntax_error = Some(TextRange::empty(at));
        return module;
    }
    let mut parser = Parser::new();
    if parser
        .set_language(&tree_sitter_python::LANGUAGE.into())
        .is_err()
    {
        return module;
    }
    let Some(tree) = parser.parse(text, None) else {
        return module;
    };
    let mut reader = Reader {
        text,
        module: &mut module,
        environ_objects: Vec::new(),
        decouple_config: Vec::new(),
        environ_env: Vec::new(),
        os_names: vec!["os".to_string()],
        environ_names: Vec::new(),
        getenv_names: Vec::new(),
    };
    reader.imports(tree.root_node());
    reader.walk(tree.root_node());
    module
}

/// Where a statement or expression is: in a function's body (run when
/// called), in a branch or loop (may not run at all).
#[derive(Debug, Clone, Copy, Default)]
struct Scope {
    function: bool,
    conditional: bool,
}

impl Scope {
    fn guarded(self) -> bool {
        self.function || self.conditional
    }
}

struct Reader<'t, 'm> {
    text: &'t str,
    module: &'m mut PyModule,
    /// Names bound to `environ.Env(...)` (django-environ), with the
    /// variables its scheme gives a default.
    environ_objects: Vec<(String, Vec<String>)>,
    /// Names of decouple's `config`.
    decouple_config: Vec<String>,
    /// Names of django-environ's `Env` class / `environ` module.
    environ_env: Vec<String>,
    /// Names of the `os` module.
    os_names: Vec<String>,
    /// Names bound to `os.environ` (`from os import environ`).
    environ_names: Vec<String>,
    /// Names bound to `os.getenv`.
    getenv_names: Vec<String>,
}

fn range(n: Node) -> TextRange {
    TextRange::new(n.start_byte(), n.end_byte())
}

impl Reader<'_, '_> {
    fn text_of(&self, n: Node) -> &str {
        self.text.get(n.start_byte()..n.end_byte()).unwrap_or("")
    }

    /// The imports of the module, anywhere in it: which names mean `os`,
    /// `os.environ`, decouple's `config`, django-environ.
    fn imports(&mut self, root: Node) {
        let mut stack = vec![(root, 0usize)];
        while let Some((n, depth)) = stack.pop() {
            match n.kind() {
                "import_statement" => {
                    let mut c = n.walk();
                    for name in n.children_by_field_name("name", &mut c) {
                        let (module, alias) = self.import_name(name);
                        let bound = alias.clone().unwrap_or_else(|| module.clone());
                        match module.as_str() {
                            "os" => self.os_names.push(bound),
                            "environ" => self.environ_env.push(bound),
                            "decouple" => self.decouple_config.push(format!("{bound}.config")),
                            _ => {}
                        }
                    }
                }
                "import_from_statement" => {
                    let from = n
                        .child_by_field_name("module_name")
                        .map(|m| self.text_of(m).to_string())
                        .unwrap_or_default();
                    let mut w = n.walk();
                    if n.named_children(&mut w)
                        .any(|x| x.kind() == "wildcard_import")
                    {
                        self.module.star_imports.push(from.clone());
                        // Django settings modules take django-environ's
                        // `env` from their base this way.
                        self.environ_objects.push(("env".to_string(), Vec::new()));
                    }
                    let mut c = n.walk();
                    for name in n.children_by_field_name("name", &mut c) {
                        let (imported, alias) = self.import_name(name);
                        let bound = alias.unwrap_or_else(|| imported.clone());
                        match (from.as_str(), imported.as_str()) {
                            ("os", "environ") => self.environ_names.push(bound),
                            ("os", "getenv") => self.getenv_names.push(bound),
                            ("decouple", "config") => self.decouple_config.push(bound),
                            ("environ", "Env") => self.environ_env.push(bound),
                            // `from .base import env`: the base's
                            // `env = environ.Env()`.
                            (_, "env") if from.starts_with('.') || from.contains("settings") => {
                                self.environ_objects.push((bound, Vec::new()))
                            }
                            ("pydantic" | "pydantic.v1", "BaseSettings") => {
                                self.module.v1_base_settings = true
                            }
                            _ => {}
                        }
                    }
                }
                _ => {
                    if depth < MAX_DEPTH {
                        let mut c = n.walk();
                        for child in n.named_children(&mut c) {
                            stack.push((child, depth + 1));
                        }
                    }
                }
            }
        }
    }

    /// `a.b as c` → (`a.b`, `Some(c)`).
    fn import_name(&self, n: Node) -> (String, Option<String>) {
        if n.kind() == "aliased_import" {
            let name = n
                .child_by_field_name("name")
                .map(|x| self.text_of(x).to_string())
                .unwrap_or_default();
            let alias = n
                .child_by_field_name("alias")
                .map(|x| self.text_of(x).to_string());
            (name, alias)
        } else {
            (self.text_of(n).to_string(), None)
        }
    }

    /// Every statement and expression, outermost first; classes read as
    /// settings candidates, calls as reads and instantiations.
    fn walk(&mut self, root: Node) {
        if root.has_error() {
            self.module.syntax_error = first_error(root);
        }
        // (node, scope, depth)
        let mut stack = vec![(root, Scope::default(), 0usize)];
        while let Some((n, scope, depth)) = stack.pop() {
            let mut inner = scope;
            // The part of a construct that always runs: an `if`'s
            // condition, the left operand of `or`/`and`.
            let mut first_runs = false;
            match n.kind() {
                // A class body runs when the module is imported.
                "class_definition" => {
                    if let Some(class) = self.class(n) {
                        self.module.classes.push(class);
                    }
                }
                "function_definition" | "lambda" => inner.function = true,
                "if_statement" | "boolean_operator" => {
                    inner.conditional = true;
                    first_runs = true;
                }
                "try_statement"
                | "for_statement"
                | "while_statement"
                | "conditional_expression"
                | "list_comprehension"
                | "dictionary_comprehension"
                | "set_comprehension"
                | "generator_expression"
                | "match_statement" => inner.conditional = true,
                "assignment" => self.assignment(n),
                "subscript" => self.subscript_read(n, scope),
                "call" => self.call(n, scope),
                _ => {}
            }
            if depth >= MAX_DEPTH {
                continue;
            }
            let mut c = n.walk();
            let children: Vec<Node> = n.named_children(&mut c).collect();
            for (i, child) in children.into_iter().enumerate().rev() {
                let s = if first_runs && i == 0 { scope } else { inner };
                stack.push((child, s, depth + 1));
            }
        }
    }

    /// `env = environ.Env(DEBUG=(bool, False))`: remember `env`; and
    /// `NAME = "text"`, a constant.
    fn assignment(&mut self, n: Node) {
        let (Some(left), Some(right)) = (
            n.child_by_field_name("left"),
            n.child_by_field_name("right"),
        ) else {
            return;
        };
        if left.kind() == "identifier" && matches!(right.kind(), "string" | "concatenated_string") {
            let v = self.value(right);
            if matches!(v.literal, Literal::Str(_)) {
                self.module
                    .constants
                    .push((self.text_of(left).to_string(), v));
            }
            return;
        }
        if left.kind() != "identifier" || right.kind() != "call" {
            return;
        }
        let Some(function) = right.child_by_field_name("function") else {
            return;
        };
        let callee = self.text_of(function);
        let is_env = self
            .environ_env
            .iter()
            .any(|e| callee == e || callee == format!("{e}.Env"));
        if !is_env {
            return;
        }
        let mut defaults = Vec::new();
        if let Some(args) = right.child_by_field_name("arguments") {
            let mut c = args.walk();
            for arg in args.named_children(&mut c) {
                if arg.kind() != "keyword_argument" {
                    continue;
                }
                let (Some(name), Some(value)) = (
                    arg.child_by_field_name("name"),
                    arg.child_by_field_name("value"),
                ) else {
                    continue;
                };
                // `NAME=(cast, default)` gives a default; `NAME=cast` none.
                if value.kind() == "tuple" && value.named_child_count() >= 2 {
                    defaults.push(self.text_of(name).to_string());
                }
            }
        }
        self.environ_objects
            .push((self.text_of(left).to_string(), defaults));
    }

    fn is_environ(&self, n: Node) -> bool {
        match n.kind() {
            "identifier" => self.environ_names.iter().any(|e| e == self.text_of(n)),
            "attribute" => {
                let (Some(obj), Some(attr)) = (
                    n.child_by_field_name("object"),
                    n.child_by_field_name("attribute"),
                ) else {
                    return false;
                };
                self.text_of(attr) == "environ"
                    && obj.kind() == "identifier"
                    && self.os_names.iter().any(|o| o == self.text_of(obj))
            }
            _ => false,
        }
    }

    /// `os.environ["X"]`, read (not assigned, not deleted).
    fn subscript_read(&mut self, n: Node, scope: Scope) {
        let (Some(value), Some(key)) = (
            n.child_by_field_name("value"),
            n.child_by_field_name("subscript"),
        ) else {
            return;
        };
        if !self.is_environ(value) {
            return;
        }
        let Some(name) = self.string(key) else { return };
        let parent = n.parent();
        let written = parent.is_some_and(|p| {
            matches!(p.kind(), "assignment" | "augmented_assignment")
                && p.child_by_field_name("left")
                    .is_some_and(|l| l.id() == n.id())
                || p.kind() == "delete_statement"
        });
        if written {
            self.module.writes.push(name.0);
            return;
        }
        self.module.reads.push(EnvRead {
            name: name.0,
            name_range: name.1,
            range: range(n),
            kind: ReadKind::Subscript,
            default: None,
            cast: None,
            guarded: scope.guarded(),
            conditional: scope.conditional,
        });
    }

    fn call(&mut self, n: Node, scope: Scope) {
        let Some(function) = n.child_by_field_name("function") else {
            return;
        };
        let args = n.child_by_field_name("arguments");
        let callee = self.text_of(function).to_string();
        let last_name = callee.rsplit('.').next().unwrap_or(&callee);
        if matches!(
            last_name,
            "load_dotenv" | "read_env" | "read_dotenv" | "dotenv_values"
        ) {
            self.module.loads_dotenv = true;
        }
        // The reads.
        let (object, method) = match function.kind() {
            "attribute" => (
                function.child_by_field_name("object"),
                function
                    .child_by_field_name("attribute")
                    .map(|a| self.text_of(a).to_string()),
            ),
            _ => (None, None),
        };
        let getenv = self.getenv_names.contains(&callee)
            || object.is_some_and(|o| {
                o.kind() == "identifier" && self.os_names.iter().any(|x| x == self.text_of(o))
            }) && method.as_deref() == Some("getenv");
        let on_environ = object.is_some_and(|o| self.is_environ(o));
        if on_environ && method.as_deref() == Some("update") {
            self.module.writes_unknown = true;
            return;
        }
        if on_environ && method.as_deref() == Some("setdefault") {
            if let Some(((name, _), _)) = args.and_then(|a| self.name_and_default(a, 1)) {
                self.module.writes.push(name);
            }
            return;
        }
        let environ_get = on_environ && method.as_deref() == Some("get");
        if getenv || environ_get {
            if let Some((name, default)) = args.and_then(|a| self.name_and_default(a, 1)) {
                // `os.environ.get("X") or "fallback"`: the fallback is its
                // default.
                let default = default.or_else(|| self.or_fallback(n));
                self.push_read(n, name, ReadKind::Get, default, None, scope);
            }
            return;
        }
        // django-environ: `env("X")`, `env.bool("X", default=False)`.
        let environ_object = match function.kind() {
            "identifier" => self
                .environ_objects
                .iter()
                .find(|(e, _)| *e == callee)
                .map(|(_, d)| (d.clone(), None)),
            "attribute" => object.and_then(|o| {
                self.environ_objects
                    .iter()
                    .find(|(e, _)| e == self.text_of(o))
                    .map(|(_, d)| (d.clone(), method.clone()))
            }),
            _ => None,
        };
        if let Some((scheme_defaults, method)) = environ_object {
            let method = method.filter(|m| m != "str");
            if method.as_deref().is_some_and(|m| {
                matches!(m, "read_env" | "ENVIRON" | "escape_proxy" | "smart_cast")
            }) {
                return;
            }
            // `env(var, cast, default)`, `env.list(var, cast, default)`;
            // the other methods take the default second: `env.bool(var,
            // default)`, `env.db(var, default)`.
            let at = match method.as_deref() {
                None | Some("list" | "tuple" | "dict") => 2,
                Some(_) => 1,
            };
            if let Some((name, default)) = args.and_then(|a| self.name_and_default(a, at)) {
                let default = default.or_else(|| {
                    scheme_defaults.contains(&name.0).then(|| PyValue {
                        text: String::new(),
                        range: name.1,
                        literal: Literal::Other,
                    })
                });
                self.push_read(n, name, ReadKind::DjangoEnviron, default, method, scope);
            }
            return;
        }
        if self.decouple_config.contains(&callee) {
            if let Some(args) = args {
                // `config(var, default, cast)`.
                if let Some((name, default)) = self.name_and_default(args, 1) {
                    let cast = self
                        .keyword(args, "cast")
                        .map(|c| self.text_of(c).to_string());
                    self.push_read(n, name, ReadKind::Decouple, default, cast, scope);
                }
            }
            return;
        }
        // A class's instantiation.
        let last = match function.kind() {
            "identifier" => Some(function),
            "attribute" => function.child_by_field_name("attribute"),
            _ => None,
        };
        if let Some(last) = last {
            let name = self.text_of(last);
            let pydantic = matches!(
                name,
                "SettingsConfigDict" | "ConfigDict" | "Field" | "AliasChoices" | "AliasPath"
            );
            if !pydantic && name.chars().next().is_some_and(|c| c.is_ascii_uppercase()) {
                let mut keywords = Vec::new();
                let mut opaque = false;
                if let Some(args) = args {
                    let mut c = args.walk();
                    for a in args.named_children(&mut c) {
                        match a.kind() {
                            "keyword_argument" => {
                                if let Some(k) = a.child_by_field_name("name") {
                                    keywords.push(self.text_of(k).to_string());
                                }
                            }
                            "comment" => {}
                            _ => opaque = true,
                        }
                    }
                }
                self.module.calls.push(ClassCall {
                    name: name.to_string(),
                    range: range(n),
                    keywords,
                    opaque,
                    conditional: scope.conditional,
                });
            }
        }
    }

    fn push_read(
        &mut self,
        n: Node,
        name: (String, TextRange),
        kind: ReadKind,
        default: Option<PyValue>,
        cast: Option<String>,
        scope: Scope,
    ) {
        self.module.reads.push(EnvRead {
            name: name.0,
            name_range: name.1,
            range: range(n),
            kind,
            default,
            cast,
            guarded: scope.guarded(),
            conditional: scope.conditional,
        });
    }

    /// The right operand of `call or "literal"`, when the call is the left.
    fn or_fallback(&self, call: Node) -> Option<PyValue> {
        let parent = call.parent()?;
        if parent.kind() != "boolean_operator" {
            return None;
        }
        let op = parent.child_by_field_name("operator")?;
        let left = parent.child_by_field_name("left")?;
        if self.text_of(op) != "or" || left.id() != call.id() {
            return None;
        }
        let right = parent.child_by_field_name("right")?;
        let v = self.value(right);
        (!matches!(v.literal, Literal::Other)).then_some(v)
    }

    /// The first argument as a string literal, and the default: the
    /// positional argument at `default_at` or `default=`.
    fn name_and_default(
        &self,
        args: Node,
        default_at: usize,
    ) -> Option<((String, TextRange), Option<PyValue>)> {
        let mut c = args.walk();
        let positional: Vec<Node> = args
            .named_children(&mut c)
            .filter(|a| !matches!(a.kind(), "keyword_argument" | "comment"))
            .collect();
        let first = positional.first()?;
        let name = self.string(*first)?;
        let default = positional
            .get(default_at)
            .copied()
            .or_else(|| self.keyword(args, "default"))
            .map(|d| self.value(d));
        Some((name, default))
    }

    fn keyword<'n>(&self, args: Node<'n>, key: &str) -> Option<Node<'n>> {
        let mut c = args.walk();
        let found = args.named_children(&mut c).find(|a| {
            a.kind() == "keyword_argument"
                && a.child_by_field_name("name")
                    .is_some_and(|k| self.text_of(k) == key)
        });
        found.and_then(|a| a.child_by_field_name("value"))
    }

    /// A plain string literal's value and the range of its content.
    fn string(&self, n: Node) -> Option<(String, TextRange)> {
        match self.literal(n) {
            Literal::Str(s) => {
                let r = range(n);
                // The content between the quotes when it is one string.
                let inner = if n.kind() == "string" {
                    let mut c = n.walk();
                    let start = n
                        .named_children(&mut c)
                        .find(|x| x.kind() == "string_start")
                        .map_or(r.start, |x| x.end_byte());
                    let mut c = n.walk();
                    let end = n
                        .named_children(&mut c)
                        .find(|x| x.kind() == "string_end")
                        .map_or(r.end, |x| x.start_byte());
                    TextRange::new(start, end.max(start))
                } else {
                    r
                };
                Some((s, inner))
            }
            _ => None,
        }
    }

    fn value(&self, n: Node) -> PyValue {
        self.value_at(n, 0)
    }

    fn value_at(&self, n: Node, depth: usize) -> PyValue {
        PyValue {
            text: self.text_of(n).to_string(),
            range: range(n),
            literal: self.literal_at(n, depth),
        }
    }

    fn literal(&self, n: Node) -> Literal {
        self.literal_at(n, 0)
    }

    /// A literal's value; nested lists past [`MAX_LITERAL_DEPTH`] are
    /// `Other` (a default nested 12,000 deep overflowed the stack).
    fn literal_at(&self, n: Node, depth: usize) -> Literal {
        if depth > MAX_LITERAL_DEPTH {
            return Literal::Other;
        }
        match n.kind() {
            "string" => self.string_literal(n).map_or(Literal::Other, Literal::Str),
            "concatenated_string" => {
                let mut out = String::new();
                let mut c = n.walk();
                for part in n.named_children(&mut c) {
                    match self.string_literal(part) {
                        Some(s) => out.push_str(&s),
                        None => return Literal::Other,
                    }
                }
                Literal::Str(out)
            }
            "integer" | "float" => Literal::Number(self.text_of(n).to_string()),
            "unary_operator" => {
                let arg = n.child_by_field_name("argument");
                match arg.map(|a| a.kind()) {
                    Some("integer" | "float") => Literal::Number(self.text_of(n).replace(' ', "")),
                    _ => Literal::Other,
                }
            }
            "true" => Literal::Bool(true),
            "false" => Literal::Bool(false),
            "none" => Literal::None,
            "ellipsis" => Literal::Ellipsis,
            "parenthesized_expression" => n
                .named_child(0)
                .map_or(Literal::Other, |x| self.literal_at(x, depth + 1)),
            "list" | "tuple" => {
                let mut c = n.walk();
                Literal::List(
                    n.named_children(&mut c)
                        .map(|x| self.value_at(x, depth + 1))
                        .collect(),
                )
            }
            _ => Literal::Other,
        }
    }

    /// A string without interpolation, escapes decoded (a raw string kept
    /// as written); `None` for f-strings and bytes.
    fn string_literal(&self, n: Node) -> Option<String> {
        if n.kind() != "string" {
            return None;
        }
        let mut out = String::new();
        let mut raw = false;
        let mut c = n.walk();
        for part in n.named_children(&mut c) {
            match part.kind() {
                "string_start" => {
                    let prefix = self.text_of(part).to_ascii_lowercase();
                    if prefix.contains('f') || prefix.contains('b') || prefix.contains('t') {
                        return None;
                    }
                    raw = prefix.contains('r');
                }
                "string_content" => {
                    let mut at = part.start_byte();
                    let mut cc = part.walk();
                    for esc in part.named_children(&mut cc) {
                        out.push_str(self.text.get(at..esc.start_byte())?);
                        let e = self.text_of(esc);
                        if raw {
                            out.push_str(e);
                        } else {
                            out.push_str(&unescape(e));
                        }
                        at = esc.end_byte();
                    }
                    out.push_str(self.text.get(at..part.end_byte())?);
                }
                "interpolation" => return None,
                _ => {}
            }
        }
        Some(out)
    }

    fn class(&self, n: Node) -> Option<ClassDef> {
        let name = n.child_by_field_name("name")?;
        let mut bases = Vec::new();
        if let Some(sup) = n.child_by_field_name("superclasses") {
            let mut c = sup.walk();
            for b in sup.named_children(&mut c) {
                if matches!(b.kind(), "identifier" | "attribute") {
                    bases.push(self.text_of(b).to_string());
                } else if b.kind() == "subscript" {
                    // `Generic[T]`, `BaseSettings[...]`: the name.
                    if let Some(v) = b.child_by_field_name("value") {
                        bases.push(self.text_of(v).to_string());
                    }
                } else if !matches!(b.kind(), "keyword_argument" | "comment") {
                    bases.push(self.text_of(b).to_string());
                }
            }
        }
        if bases.is_empty() {
            return None;
        }
        let mut class = ClassDef {
            name: self.text_of(name).to_string(),
            name_range: range(name),
            bases,
            config: ClassConfig::default(),
            fields: Vec::new(),
            validated: Vec::new(),
            validates_all: false,
        };
        // `class S(BaseSettings, env_prefix="APP_")`: configuration too
        // (pydantic v2; v1 ignores it).
        if let Some(sup) = n.child_by_field_name("superclasses") {
            let mut c = sup.walk();
            for kw in sup
                .named_children(&mut c)
                .filter(|b| b.kind() == "keyword_argument")
            {
                if let (Some(k), Some(v)) = (
                    kw.child_by_field_name("name"),
                    kw.child_by_field_name("value"),
                ) {
                    if self.text_of(k) != "metaclass" {
                        class.config.class_keywords = true;
                        self.set_config(&mut class.config, self.text_of(k), v);
                    }
                }
            }
        }
        let body = n.child_by_field_name("body")?;
        let mut c = body.walk();
        for stmt in body.named_children(&mut c) {
            match stmt.kind() {
                "decorated_definition" => self.validators(stmt, &mut class),
                "class_definition" => {
                    let is_config = stmt
                        .child_by_field_name("name")
                        .is_some_and(|x| self.text_of(x) == "Config");
                    if is_config {
                        self.v1_config(stmt, &mut class.config);
                    }
                }
                "expression_statement" => {
                    let Some(a) = stmt.named_child(0).filter(|a| a.kind() == "assignment") else {
                        continue;
                    };
                    let Some(left) = a.child_by_field_name("left") else {
                        continue;
                    };
                    if left.kind() != "identifier" {
                        continue;
                    }
                    let lname = self.text_of(left);
                    if lname == "model_config" {
                        if let Some(right) = a.child_by_field_name("right") {
                            self.v2_config(right, &mut class.config);
                        }
                        continue;
                    }
                    if let Some(f) = self.field(a, left) {
                        class.fields.push(f);
                    }
                }
                _ => {}
            }
        }
        Some(class)
    }

    /// `@field_validator("a", "b", mode="before")`, `@validator("a")`,
    /// `@model_validator(...)`: which fields a validator sees first.
    fn validators(&self, def: Node, class: &mut ClassDef) {
        let mut c = def.walk();
        for d in def
            .named_children(&mut c)
            .filter(|d| d.kind() == "decorator")
        {
            let Some(expr) = d.named_child(0) else {
                continue;
            };
            let (callee, args) = match expr.kind() {
                "call" => (
                    expr.child_by_field_name("function"),
                    expr.child_by_field_name("arguments"),
                ),
                _ => (Some(expr), None),
            };
            let name = callee.map(|f| self.text_of(f)).unwrap_or("");
            let last = name.rsplit('.').next().unwrap_or(name);
            if !last.contains("validator") {
                continue;
            }
            if matches!(last, "model_validator" | "root_validator") {
                class.validates_all = true;
                continue;
            }
            let Some(args) = args else {
                class.validates_all = true;
                continue;
            };
            let mut cc = args.walk();
            for a in args.named_children(&mut cc) {
                if let Some((s, _)) = self.string(a) {
                    if s == "*" {
                        class.validates_all = true;
                    } else {
                        class.validated.push(s);
                    }
                }
            }
        }
    }

    fn set_config(&self, config: &mut ClassConfig, key: &str, value: Node) {
        let v = match self.literal(value) {
            Literal::Other => ConfigValue::Unknown(range(value)),
            _ => ConfigValue::Known(self.value(value)),
        };
        match key {
            "env_prefix" => config.env_prefix = v,
            "case_sensitive" => config.case_sensitive = v,
            "env_file" => config.env_file = v,
            "env_nested_delimiter" => config.env_nested_delimiter = v,
            "env_ignore_empty" => config.env_ignore_empty = v,
            "secrets_dir" => config.secrets_dir = v,
            "populate_by_name" => config.populate_by_name = v,
            "validate_by_name" => config.validate_by_name = v,
            "env_parse_none_str" => config.env_parse_none_str = v,
            _ => {}
        }
    }

    /// `model_config = SettingsConfigDict(...)` or a dict literal.
    fn v2_config(&self, right: Node, config: &mut ClassConfig) {
        config.written = true;
        match right.kind() {
            "call" => {
                let Some(args) = right.child_by_field_name("arguments") else {
                    return;
                };
                let mut c = args.walk();
                for a in args.named_children(&mut c) {
                    match a.kind() {
                        "keyword_argument" => {
                            if let (Some(k), Some(v)) = (
                                a.child_by_field_name("name"),
                                a.child_by_field_name("value"),
                            ) {
                                self.set_config(config, self.text_of(k), v);
                            }
                        }
                        "comment" => {}
                        _ => config.opaque = true,
                    }
                }
            }
            "dictionary" => {
                let mut c = right.walk();
                for p in right.named_children(&mut c) {
                    match p.kind() {
                        "pair" => {
                            let key = p.child_by_field_name("key").and_then(|k| self.string(k));
                            if let (Some((k, _)), Some(v)) = (key, p.child_by_field_name("value")) {
                                self.set_config(config, &k, v);
                            }
                        }
                        "comment" => {}
                        _ => config.opaque = true,
                    }
                }
            }
            _ => config.opaque = true,
        }
    }

    /// v1's `class Config:` body.
    fn v1_config(&self, class: Node, config: &mut ClassConfig) {
        config.written = true;
        let Some(body) = class.child_by_field_name("body") else {
            return;
        };
        let mut c = body.walk();
        for stmt in body.named_children(&mut c) {
            let Some(a) = stmt.named_child(0).filter(|a| a.kind() == "assignment") else {
                continue;
            };
            let (Some(left), Some(right)) = (
                a.child_by_field_name("left"),
                a.child_by_field_name("right"),
            ) else {
                continue;
            };
            let key = self.text_of(left);
            if key == "fields" && right.kind() == "dictionary" {
                let mut cc = right.walk();
                for p in right.named_children(&mut cc) {
                    let name = p.child_by_field_name("key").and_then(|k| self.string(k));
                    let Some((name, _)) = name else { continue };
                    let Some(v) = p.child_by_field_name("value") else {
                        continue;
                    };
                    let env = match v.kind() {
                        "dictionary" => {
                            let mut c3 = v.walk();
                            let found = v.named_children(&mut c3).find(|q| {
                                q.child_by_field_name("key")
                                    .and_then(|k| self.string(k))
                                    .is_some_and(|(k, _)| k == "env")
                            });
                            found.and_then(|q| q.child_by_field_name("value"))
                        }
                        // `{"x": "NAME"}` is an alias, which v1 does not
                        // read from the environment.
                        _ => None,
                    };
                    if let Some(env) = env {
                        config
                            .v1_field_env
                            .push((name, self.names(env).unwrap_or_default()));
                    }
                }
                continue;
            }
            self.set_config(config, key, right);
        }
    }

    /// One name or a list/tuple of names.
    fn names(&self, n: Node) -> Option<Vec<Located>> {
        if let Some((text, range)) = self.string(n) {
            return Some(vec![Located { text, range }]);
        }
        if matches!(n.kind(), "list" | "tuple" | "set") {
            let mut c = n.walk();
            return n
                .named_children(&mut c)
                .map(|x| self.string(x).map(|(text, range)| Located { text, range }))
                .collect();
        }
        None
    }

    /// `NAME: type = default` in a class body.
    fn field(&self, a: Node, left: Node) -> Option<FieldDef> {
        let ty = a.child_by_field_name("type")?;
        let name = self.text_of(left);
        if name.starts_with('_') {
            return None;
        }
        let annotation = self.py_type(ty.named_child(0).unwrap_or(ty), 0);
        if annotation.name == "ClassVar" {
            return None;
        }
        let mut field = FieldDef {
            name: name.to_string(),
            name_range: range(left),
            annotation,
            annotation_range: range(ty),
            default: FieldDefault::Required,
            aliases: Vec::new(),
            alias_unknown: false,
            alias_kind: AliasKind::None,
            field_call: None,
            annotated_extras: false,
        };
        // `Annotated[T, Field(alias=...)]`; a default written there counts
        // unless one is assigned too.
        if let Some(inner) = ty.named_child(0).filter(|t| t.kind() == "generic_type") {
            let head = inner.named_child(0).map(|h| self.text_of(h));
            if head.is_some_and(|h| h == "Annotated" || h.ends_with(".Annotated")) {
                // Anything besides the type and a `Field`: a validator, a
                // constraint.
                let mut c = inner.walk();
                let params: Vec<Node> = inner
                    .named_children(&mut c)
                    .skip(1)
                    .flat_map(|p| {
                        let mut cc = p.walk();
                        p.named_children(&mut cc).collect::<Vec<_>>()
                    })
                    .collect();
                field.annotated_extras = params.iter().skip(1).any(|p| {
                    let p = if p.kind() == "type" {
                        p.named_child(0).unwrap_or(*p)
                    } else {
                        *p
                    };
                    !(p.kind() == "call" && self.is_field_call(p))
                });
                let mut stack = vec![(inner, 0usize)];
                while let Some((x, d)) = stack.pop() {
                    if x.kind() == "call" && self.is_field_call(x) {
                        self.field_call(x, &mut field, true);
                        continue;
                    }
                    if d < 8 {
                        let mut c = x.walk();
                        for ch in x.named_children(&mut c) {
                            stack.push((ch, d + 1));
                        }
                    }
                }
            }
        }
        if let Some(right) = a.child_by_field_name("right") {
            if right.kind() == "call" && self.is_field_call(right) {
                self.field_call(right, &mut field, true);
            } else {
                field.default = FieldDefault::Value(self.value(right));
            }
        }
        Some(field)
    }

    fn is_field_call(&self, call: Node) -> bool {
        call.child_by_field_name("function").is_some_and(|f| {
            let t = self.text_of(f);
            t == "Field" || t.ends_with(".Field")
        })
    }

    /// `Field(default, alias=..., validation_alias=..., env=...)`.
    fn field_call(&self, call: Node, field: &mut FieldDef, is_default: bool) {
        field.field_call = Some(range(call));
        let Some(args) = call.child_by_field_name("arguments") else {
            return;
        };
        let mut c = args.walk();
        let mut default = None;
        let mut factory = None;
        let mut alias: Option<Node> = None;
        let mut validation_alias: Option<Node> = None;
        let mut env: Option<Node> = None;
        for (i, a) in args
            .named_children(&mut c)
            .filter(|a| a.kind() != "comment")
            .enumerate()
        {
            if a.kind() == "keyword_argument" {
                let (Some(k), Some(v)) = (
                    a.child_by_field_name("name"),
                    a.child_by_field_name("value"),
                ) else {
                    continue;
                };
                match self.text_of(k) {
                    "default" => default = Some(v),
                    "default_factory" => factory = Some(v),
                    "alias" => alias = Some(v),
                    "validation_alias" => validation_alias = Some(v),
                    "env" => env = Some(v),
                    _ => {}
                }
            } else if i == 0 {
                default = Some(a);
            }
        }
        if is_default {
            field.default = match (default, factory) {
                (_, Some(f)) => FieldDefault::Factory(range(f)),
                (Some(d), None) if d.kind() != "ellipsis" => FieldDefault::Value(self.value(d)),
                _ => FieldDefault::Required,
            };
        }
        let (node, kind) = match (validation_alias, alias, env) {
            (Some(v), _, _) => (v, AliasKind::ValidationAlias),
            (None, Some(a), _) => (a, AliasKind::Alias),
            (None, None, Some(e)) => (e, AliasKind::Env),
            (None, None, None) => return,
        };
        field.alias_kind = kind;
        // `AliasChoices("A", "B")`.
        let choices = (node.kind() == "call")
            .then(|| {
                let f = node.child_by_field_name("function")?;
                let t = self.text_of(f);
                (t == "AliasChoices" || t.ends_with(".AliasChoices"))
                    .then(|| node.child_by_field_name("arguments"))
                    .flatten()
            })
            .flatten();
        let names = match choices {
            Some(args) => {
                let mut c = args.walk();
                let all: Vec<Node> = args
                    .named_children(&mut c)
                    .filter(|a| a.kind() != "comment")
                    .collect();
                let read: Vec<Located> = all
                    .iter()
                    .filter_map(|x| self.string(*x).map(|(text, range)| Located { text, range }))
                    .collect();
                if read.len() < all.len() {
                    field.alias_unknown = true;
                }
                Some(read)
            }
            None => self.names(node),
        };
        match names {
            Some(n) => field.aliases = n,
            None => field.alias_unknown = true,
        }
    }

    fn py_type(&self, n: Node, depth: usize) -> PyType {
        let mut t = PyType::default();
        if depth > 16 {
            return t;
        }
        match n.kind() {
            "type" => {
                return n.named_child(0).map_or(t, |x| self.py_type(x, depth + 1));
            }
            "identifier" | "attribute" => {
                let text = self.text_of(n);
                t.name = text.rsplit('.').next().unwrap_or(text).to_string();
            }
            "none" => t.name = "None".to_string(),
            "binary_operator" => {
                t.name = "|".to_string();
                for side in ["left", "right"] {
                    if let Some(x) = n.child_by_field_name(side) {
                        let sub = self.py_type(x, depth + 1);
                        // `a | b | c` flattened.
                        if sub.name == "|" {
                            t.args.extend(sub.args);
                        } else {
                            t.args.push(sub);
                        }
                    }
                }
            }
            // `Literal["a"] | None`: tree-sitter's union of types.
            "union_type" => {
                t.name = "|".to_string();
                let mut c = n.walk();
                for x in n.named_children(&mut c) {
                    let sub = self.py_type(x, depth + 1);
                    if sub.name == "|" {
                        t.args.extend(sub.args);
                    } else {
                        t.args.push(sub);
                    }
                }
            }
            "generic_type" | "subscript" => {
                let head = n.named_child(0).or_else(|| n.child_by_field_name("value"));
                if let Some(h) = head {
                    let text = self.text_of(h);
                    t.name = text.rsplit('.').next().unwrap_or(text).to_string();
                }
                let mut c = n.walk();
                for part in n.named_children(&mut c).skip(1) {
                    let mut cc = part.walk();
                    let inner: Vec<Node> = if part.kind() == "type_parameter" {
                        part.named_children(&mut cc).collect()
                    } else {
                        vec![part]
                    };
                    for x in inner {
                        let x = if x.kind() == "type" {
                            x.named_child(0).unwrap_or(x)
                        } else {
                            x
                        };
                        if t.name == "Literal" {
                            t.args.push(PyType {
                                name: String::new(),
                                args: Vec::new(),
                                literal: Some(self.literal(x)),
                            });
                        } else {
                            t.args.push(self.py_type(x, depth + 1));
                        }
                    }
                }
            }
            "string" => {
                // A forward reference: `"Settings"`.
                if let Some((s, _)) = self.string(n) {
                    t.name = s.rsplit('.').next().unwrap_or(&s).to_string();
                }
            }
            _ => t.name = self.text_of(n).to_string(),
        }
        t
    }
}

fn first_error(root: Node) -> Option<TextRange> {
    let mut stack = vec![(root, 0usize)];
    while let Some((n, depth)) = stack.pop() {
        if n.is_error() || n.is_missing() {
            return Some(range(n));
        }
        if !n.has_error() || depth > MAX_DEPTH {
            continue;
        }
        let mut c = n.walk();
        let children: Vec<Node> = n.children(&mut c).collect();
        for ch in children.into_iter().rev() {
            stack.push((ch, depth + 1));
        }
    }
    None
}

/// A Python escape sequence's character(s); an unknown one kept as written.
fn unescape(e: &str) -> String {
    let body = &e[1.min(e.len())..];
    match body.chars().next() {
        Some('n') => "\n".into(),
        Some('t') => "\t".into(),
        Some('r') => "\r".into(),
        Some('0') if body.len() == 1 => "\0".into(),
        Some('\\') => "\\".into(),
        Some('\'') => "'".into(),
        Some('"') => "\"".into(),
        Some('\n') => String::new(),
        Some('x' | 'u' | 'U') => u32::from_str_radix(&body[1..], 16)
            .ok()
            .and_then(char::from_u32)
            .map_or_else(|| e.to_string(), String::from),
        _ => e.to_string(),
    }
}

#[cfg(test)]
mod tests;
