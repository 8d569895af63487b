use super::*;

const SEED: &str = r#"from pydantic_settings import BaseSettings, SettingsConfigDict
from pydantic import Field, AliasChoices


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env",
        case_sensitive=False,
        env_prefix="APP_",
    )

    APP_NAME: str = "MPPEEP Dashboard"
    DATABASE_URL: str | None = None
    SECRET_KEY: str = "changeme"  # overridden in production
    DEBUG: bool = False
    PORT: int = Field(9000, alias="APP_PORT")
    TOKEN: str
    HOSTS: list[str] = Field(default_factory=list)
    REQUIRED: int = Field(..., validation_alias=AliasChoices("R1", "R2"))
    _cache: dict = {}
    LIMIT: ClassVar[int] = 3

    def url(self) -> str:
        x: int = 3
        return self.DATABASE_URL


settings = Settings()
"#;

fn at(text: &str, r: TextRange) -> &str {
    &text[r.start..r.end]
}

#[test]
fn reads_a_settings_class() {
    let m = parse(SEED);
    assert_eq!(m.syntax_error, None);
    assert!(!m.v1_base_settings);
    assert_eq!(m.classes.len(), 1);
    let c = &m.classes[0];
    assert_eq!(c.name, "Settings");
    assert_eq!(c.bases, ["BaseSettings"]);
    assert_eq!(c.config.env_prefix.as_str(), Some("APP_"));
    assert_eq!(c.config.case_sensitive.as_bool(), Some(false));
    assert_eq!(c.config.env_file.as_str(), Some(".env"));
    let names: Vec<_> = c.fields.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "APP_NAME",
            "DATABASE_URL",
            "SECRET_KEY",
            "DEBUG",
            "PORT",
            "TOKEN",
            "HOSTS",
            "REQUIRED"
        ]
    );
    let secret = &c.fields[2];
    let FieldDefault::Value(v) = &secret.default else {
        panic!("{:?}", secret.default)
    };
    assert_eq!(v.literal, Literal::Str("changeme".into()));
    assert_eq!(at(SEED, v.range), "\"changeme\"");
    assert_eq!(at(SEED, secret.name_range), "SECRET_KEY");
    let db = &c.fields[1];
    assert_eq!(
        db.annotation.unwrap_optional(),
        (
            &PyType {
                name: "str".into(),
                ..PyType::default()
            },
            true
        )
    );
    let FieldDefault::Value(v) = &db.default else {
        panic!()
    };
    assert_eq!(v.literal, Literal::None);
    let port = &c.fields[4];
    assert_eq!(port.alias_kind, AliasKind::Alias);
    assert_eq!(port.aliases[0].text, "APP_PORT");
    assert_eq!(at(SEED, port.aliases[0].range), "APP_PORT");
    assert!(
        matches!(&port.default, FieldDefault::Value(v) if v.literal == Literal::Number("9000".into()))
    );
    assert_eq!(c.fields[5].default, FieldDefault::Required);
    assert!(matches!(c.fields[6].default, FieldDefault::Factory(_)));
    let req = &c.fields[7];
    assert_eq!(req.default, FieldDefault::Required);
    assert_eq!(req.alias_kind, AliasKind::ValidationAlias);
    let choices: Vec<_> = req.aliases.iter().map(|a| a.text.as_str()).collect();
    assert_eq!(choices, ["R1", "R2"]);
    assert!(!req.alias_unknown);
    // The instantiation.
    assert!(m
        .calls
        .iter()
        .any(|c| c.name == "Settings" && c.keywords.is_empty() && !c.opaque && !c.conditional));
}

#[test]
fn v1_config_class_and_env() {
    let text = "from pydantic import BaseSettings, Field\n\nclass S(BaseSettings):\n    debug: bool = True\n    token: str = Field(..., env=['TOK', 'TOKEN'])\n    url: Optional[str]\n\n    class Config:\n        env_prefix = 'APP_'\n        case_sensitive = True\n        fields = {'debug': {'env': 'DBG'}, 'url': 'THE_URL'}\n";
    let m = parse(text);
    assert!(m.v1_base_settings);
    let c = &m.classes[0];
    assert_eq!(c.config.env_prefix.as_str(), Some("APP_"));
    assert_eq!(c.config.case_sensitive.as_bool(), Some(true));
    assert_eq!(c.fields[1].alias_kind, AliasKind::Env);
    let envs: Vec<_> = c.fields[1]
        .aliases
        .iter()
        .map(|a| a.text.as_str())
        .collect();
    assert_eq!(envs, ["TOK", "TOKEN"]);
    assert_eq!(c.fields[2].default, FieldDefault::Required);
    let fe: Vec<_> = c
        .config
        .v1_field_env
        .iter()
        .map(|(f, e)| (f.as_str(), e[0].text.as_str()))
        .collect();
    // `{"url": "THE_URL"}` is an alias, not read from the environment.
    assert_eq!(fe, [("debug", "DBG")]);
}

#[test]
fn annotated_alias_and_unknown_alias() {
    let text = "class S(BaseSettings):\n    a: Annotated[str, Field(alias='A_NAME')] = 'x'\n    b: str = Field('y', alias=NAME)\n    c: int = Field(1, validation_alias=AliasChoices('C', AliasPath('x', 0)))\n";
    let c = &parse(text).classes[0];
    assert_eq!(c.fields[0].aliases[0].text, "A_NAME");
    assert!(
        matches!(&c.fields[0].default, FieldDefault::Value(v) if v.literal == Literal::Str("x".into()))
    );
    assert!(c.fields[1].alias_unknown);
    assert!(c.fields[2].alias_unknown);
    assert_eq!(c.fields[2].aliases[0].text, "C");
}

#[test]
fn types() {
    let text = "class S(BaseSettings):\n    a: Optional[int] = None\n    b: Literal['x', \"y\"] = 'x'\n    c: pydantic.HttpUrl\n    d: int | str | None = 1\n    e: Union[bool, None] = None\n    f: Literal['debug', 'info'] | None = None\n";
    let c = &parse(text).classes[0];
    let (t, n) = c.fields[0].annotation.unwrap_optional();
    assert_eq!((t.name.as_str(), n), ("int", true));
    let b = &c.fields[1].annotation;
    assert_eq!(b.name, "Literal");
    assert_eq!(b.args[1].literal, Some(Literal::Str("y".into())));
    assert_eq!(c.fields[2].annotation.name, "HttpUrl");
    let (t, n) = c.fields[3].annotation.unwrap_optional();
    assert_eq!((t.name.as_str(), t.args.len(), n), ("|", 3, true));
    let (t, n) = c.fields[4].annotation.unwrap_optional();
    assert_eq!((t.name.as_str(), n), ("bool", true));
    // A union of generic types is tree-sitter's `union_type`.
    let (t, n) = c.fields[5].annotation.unwrap_optional();
    assert_eq!((t.name.as_str(), t.args.len(), n), ("Literal", 2, true));
}

#[test]
fn direct_reads() {
    let text = r#"import os
from os import environ, getenv
import environ as django_environ
from decouple import config

env = django_environ.Env(DEBUG=(bool, False), PORT=int)

SECRET_KEY = os.environ["SECRET_KEY"]
HOST = os.environ.get("HOST", "localhost")
PORT = getenv("PORT")
NAME = environ['NAME']
DEBUG = env.bool("DEBUG")
DB = env.db("DATABASE_URL")
PORT2 = env("PORT")
KEY = env.str("API_KEY", default="")
MAIL = config("MAIL_HOST", default="localhost")
SMTP = config("SMTP_PORT", cast=int)
os.environ["WRITTEN"] = "1"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "x.settings")
if os.environ.get("X"):
    Y = os.environ["Y"]

def f():
    return os.environ["IN_FUNCTION"]

try:
    T = os.environ["IN_TRY"]
except KeyError:
    T = None
"#;
    let m = parse(text);
    let reads: Vec<_> = m
        .reads
        .iter()
        .map(|r| (r.name.as_str(), r.kind, r.required(), r.guarded))
        .collect();
    use ReadKind::*;
    assert_eq!(
        reads,
        [
            ("SECRET_KEY", Subscript, true, false),
            ("HOST", Get, false, false),
            ("PORT", Get, false, false),
            ("NAME", Subscript, true, false),
            ("DEBUG", DjangoEnviron, false, false),
            ("DATABASE_URL", DjangoEnviron, true, false),
            ("PORT", DjangoEnviron, true, false),
            ("API_KEY", DjangoEnviron, false, false),
            ("MAIL_HOST", Decouple, false, false),
            ("SMTP_PORT", Decouple, true, false),
            // An `if`'s condition runs; its body may not.
            ("X", Get, false, false),
            ("Y", Subscript, true, true),
            ("IN_FUNCTION", Subscript, true, true),
            ("IN_TRY", Subscript, true, true),
        ]
    );
    let secret = &m.reads[0];
    assert_eq!(at(text, secret.name_range), "SECRET_KEY");
    assert_eq!(at(text, secret.range), "os.environ[\"SECRET_KEY\"]");
    assert_eq!(
        m.reads[1].default.as_ref().unwrap().literal,
        Literal::Str("localhost".into())
    );
    assert_eq!(m.reads[4].cast.as_deref(), Some("bool"));
    assert_eq!(m.reads[9].cast.as_deref(), Some("int"));
    // What the module sets itself.
    assert_eq!(m.writes, ["WRITTEN", "DJANGO_SETTINGS_MODULE"]);
}

#[test]
fn positional_defaults_fallbacks_and_branches() {
    let text = r#"import os
import environ
from decouple import config

env = environ.Env()
DEBUG = env.bool("DJANGO_DEBUG", False)
TTL = env.int("CACHE_TTL", 300)
HOSTS = env.list("ALLOWED_HOSTS", str, ["x"])
NAME = env("NAME", str, "n")
EMAIL = config("EMAIL_HOST", "localhost")
SECRET_KEY = os.environ.get("SECRET_KEY") or "you-will-never-guess"
if os.environ["APP_ENV"] == "production":
    KEY = os.getenv("KEY", "dev")

class Config:
    TOKEN = os.environ["TOKEN"]
"#;
    let m = parse(text);
    let reads: Vec<_> = m
        .reads
        .iter()
        .map(|r| {
            (
                r.name.as_str(),
                r.default.as_ref().map(|d| d.text.as_str()),
                r.guarded,
                r.conditional,
            )
        })
        .collect();
    assert_eq!(
        reads,
        [
            ("DJANGO_DEBUG", Some("False"), false, false),
            ("CACHE_TTL", Some("300"), false, false),
            ("ALLOWED_HOSTS", Some("[\"x\"]"), false, false),
            ("NAME", Some("\"n\""), false, false),
            ("EMAIL_HOST", Some("\"localhost\""), false, false),
            ("SECRET_KEY", Some("\"you-will-never-guess\""), false, false),
            ("APP_ENV", None, false, false),
            ("KEY", Some("\"dev\""), true, true),
            // A class body runs at import.
            ("TOKEN", None, false, false),
        ]
    );
}

#[test]
fn v1_compat_star_imports_validators_and_annotated() {
    let text = r#"from pydantic.v1 import BaseSettings
from .base import *
from typing import Annotated

class S(BaseSettings):
    a: Annotated[str, Field(default="x")]
    b: Annotated[bool, BeforeValidator(truthy)] = False
    c: str

    @field_validator("c", mode="before")
    def upper(cls, v):
        return v

if PROD:
    s = S()
"#;
    let m = parse(text);
    assert!(m.v1_base_settings);
    assert_eq!(m.star_imports, [".base"]);
    let c = &m.classes[0];
    assert!(
        matches!(&c.fields[0].default, FieldDefault::Value(v) if v.literal == Literal::Str("x".into()))
    );
    assert!(!c.fields[0].annotated_extras);
    assert!(c.fields[1].annotated_extras);
    assert_eq!(c.validated, ["c"]);
    assert!(m
        .calls
        .iter()
        .filter(|c| c.name == "S")
        .all(|c| c.conditional));
}

#[test]
fn strings_are_decoded() {
    let text = "class S(BaseSettings):\n    a: str = 'a\\n\\x41' \"b\"\n    b: str = r'\\d'\n    c: str = f'{x}'\n    d: bytes = b'x'\n    e: str = '\\u00e9'\n";
    let c = &parse(text).classes[0];
    let lit = |i: usize| match &c.fields[i].default {
        FieldDefault::Value(v) => v.literal.clone(),
        d => panic!("{d:?}"),
    };
    assert_eq!(lit(0), Literal::Str("a\nAb".into()));
    assert_eq!(lit(1), Literal::Str("\\d".into()));
    assert_eq!(lit(2), Literal::Other);
    assert_eq!(lit(3), Literal::Other);
    assert_eq!(lit(4), Literal::Str("é".into()));
}

#[test]
fn inheritance_and_calls() {
    let text = "class Base(BaseSettings):\n    model_config = SettingsConfigDict(**common, env_file=env_file)\n    a: int = 1\n\nclass Prod(Base, Mixin):\n    b: str\n\nclass Plain:\n    x: int = 1\n\ns = Prod(_env_file='.env.prod')\nt = config.Prod(**kw)\n";
    let m = parse(text);
    let names: Vec<_> = m.classes.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["Base", "Prod"]);
    assert!(m.classes[0].config.opaque);
    assert!(matches!(
        m.classes[0].config.env_file,
        ConfigValue::Unknown(_)
    ));
    assert_eq!(m.classes[1].bases, ["Base", "Mixin"]);
    let calls: Vec<_> = m
        .calls
        .iter()
        .map(|c| (c.name.as_str(), c.keywords.clone(), c.opaque))
        .collect();
    assert_eq!(
        calls,
        [
            ("Prod", vec!["_env_file".to_string()], false),
            ("Prod", vec![], true)
        ]
    );
}

#[test]
fn broken_text_keeps_what_parses() {
    let text = "class A(:\n    x: int = 1\n\nclass S(BaseSettings):\n    token: str\n";
    let m = parse(text);
    assert!(m.syntax_error.is_some());
    assert!(m
        .classes
        .iter()
        .any(|c| c.name == "S" && c.fields.len() == 1));
}

#[test]
fn any_prefix_of_any_text_is_safe() {
    let text = format!("{SEED}class É(BaseSettings):\n    é: str = Field(\"ü\", alias=\"Ä\"  # ß\n    model_config = SettingsConfigDict(env_prefix='日本_'\nX = os.environ['\\x");
    for end in (0..=text.len())
        .filter(|&i| text.is_char_boundary(i))
        .step_by(7)
    {
        let m = parse(&text[..end]);
        for c in &m.classes {
            for f in &c.fields {
                assert!(f.name_range.end <= end);
                if let FieldDefault::Value(v) = &f.default {
                    assert!(v.range.end <= end);
                }
            }
        }
    }
}

#[test]
fn deep_nesting_is_bounded() {
    let deep = format!(
        "x = {}os.environ['A']{}\nclass S(BaseSettings):\n    a: {}int{} = 1\n",
        "(".repeat(50_000),
        ")".repeat(50_000),
        "list[".repeat(5_000),
        "]".repeat(5_000)
    );
    let m = parse(&deep);
    assert_eq!(m.classes.len(), 1);
}

#[test]
fn worth_parsing_filters() {
    assert!(worth_parsing("from pydantic_settings import BaseSettings"));
    assert!(worth_parsing("x = os.getenv('A')"));
    assert!(!worth_parsing("def f():\n    return 1\n"));
}

/// tree-sitter-python's scanner aborts the process past ~510 nested
/// blocks with a string inside (an assertion in its C code): such a module
/// is not parsed.
#[test]
fn deep_indentation_is_refused_before_tree_sitter() {
    for levels in [300, 511, 600, 2_000] {
        let mut text = String::from("import os\n");
        for i in 0..levels {
            text.push_str(&" ".repeat(i));
            text.push_str("if x:\n");
        }
        text.push_str(&" ".repeat(levels));
        text.push_str("A = os.environ[\"a\"]\n");
        let m = parse(&text);
        assert!(m.syntax_error.is_some(), "{levels}");
        assert!(m.reads.is_empty());
    }
    // Just below the bound, tree-sitter parses it whole.
    let mut text = String::from("import os\n");
    for i in 0..198 {
        text.push_str(&" ".repeat(i));
        text.push_str("if x:\n");
    }
    text.push_str(&" ".repeat(198));
    text.push_str("A = f\"{os.environ['a']}\" + '''b'''\n");
    // (The walk stops at its own depth bound before the read.)
    assert!(parse(&text).syntax_error.is_none());
    // Tabs, and a depth real code has.
    let text = "class S(BaseSettings):\n\tif x:\n\t\tif y:\n\t\t\ta: int = 1\n";
    assert_eq!(indentation_depth(text).0, 4);
    let big = format!("x = '{}'\n", "a".repeat(MAX_PARSED_BYTES));
    assert!(parse(&big).syntax_error.is_some());
}
