//! pydantic `BaseSettings` classes in a Python file: each field's name, the
//! environment variable it reads, and its default, with exact ranges.
//!
//! Not a Python parser: it reads the shapes settings classes are written in
//! (`NAME: type = default`, `Field(default, alias=...)`, `model_config =
//! SettingsConfigDict(env_prefix=..., case_sensitive=...)`, pydantic v1's
//! `class Config:` and `Field(env=...)`), and ignores everything else.

use crate::source::TextRange;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SettingsFile {
    pub classes: Vec<SettingsClass>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SettingsClass {
    pub name: String,
    pub name_range: TextRange,
    pub env_prefix: String,
    /// pydantic-settings matches names case-insensitively unless this is set.
    pub case_sensitive: bool,
    pub fields: Vec<SettingsField>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SettingsField {
    pub name: String,
    pub name_range: TextRange,
    /// The environment variable it reads (prefix + name, or its alias).
    pub env_name: String,
    pub annotation: String,
    /// The default as written (`"changeme"`, `False`, `None`), `None` when
    /// the field is required.
    pub default: Option<String>,
    pub default_range: Option<TextRange>,
}

impl SettingsClass {
    /// The field that reads the environment variable `var`.
    pub fn field_for(&self, var: &str) -> Option<&SettingsField> {
        self.fields.iter().find(|f| {
            if self.case_sensitive {
                f.env_name == var
            } else {
                f.env_name.eq_ignore_ascii_case(var)
            }
        })
    }
}

fn indent_of(line: &str) -> usize {
    line.len() - line.trim_start().len()
}

fn is_ident(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c == '_' || c.is_alphabetic())
        && chars.all(|c| c == '_' || c.is_alphanumeric())
}

/// The value of `key=` in a call's argument text: a string literal or a word.
fn keyword_arg<'a>(args: &'a str, key: &str) -> Option<&'a str> {
    let mut from = 0;
    while let Some(at) = args[from..].find(key) {
        let start = from + at;
        from = start + key.len();
        let before = args[..start].chars().next_back();
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue;
        }
        let rest = args[from..].trim_start();
        let Some(rest) = rest.strip_prefix('=') else {
            continue;
        };
        let rest = rest.trim_start();
        return Some(match rest.chars().next() {
            Some(q @ ('"' | '\'')) => {
                let body = &rest[1..];
                &body[..body.find(q).unwrap_or(body.len())]
            }
            _ => {
                let end = rest
                    .find(|c: char| c == ',' || c == ')' || c.is_whitespace())
                    .unwrap_or(rest.len());
                &rest[..end]
            }
        });
    }
    None
}

/// The first positional argument of `Field(...)`, if any.
fn first_positional(args: &str) -> Option<&str> {
    let mut depth = 0;
    let mut quote: Option<char> = None;
    for (i, c) in args.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '(' | '[' | '{') => depth += 1,
            (None, ')' | ']' | '}') => depth -= 1,
            (None, ',') if depth == 0 => {
                let first = args[..i].trim();
                return (!first.is_empty() && !first.contains('=')).then_some(first);
            }
            _ => {}
        }
    }
    let first = args.trim();
    (!first.is_empty() && !first.contains('=')).then_some(first)
}

pub fn parse(text: &str) -> SettingsFile {
    let mut file = SettingsFile::default();
    let mut offset = 0;
    let lines: Vec<(usize, &str)> = text
        .split_inclusive('\n')
        .map(|l| {
            let at = offset;
            offset += l.len();
            (at, l.trim_end_matches(['\n', '\r']))
        })
        .collect();
    let mut i = 0;
    while i < lines.len() {
        let (at, line) = lines[i];
        let trimmed = line.trim_start();
        let class_indent = indent_of(line);
        let header = trimmed
            .strip_prefix("class ")
            .filter(|h| h.contains("Settings") && h.trim_end().ends_with(':'));
        let Some(header) = header else {
            i += 1;
            continue;
        };
        let name_end = header.find(['(', ':']).unwrap_or(header.len());
        let name = header[..name_end].trim().to_string();
        let bases = &header[name_end..];
        if !bases.contains("BaseSettings") {
            i += 1;
            continue;
        }
        let name_start = at + class_indent + "class ".len();
        let mut class = SettingsClass {
            name_range: TextRange::new(name_start, name_start + name.len()),
            name,
            env_prefix: String::new(),
            case_sensitive: false,
            fields: Vec::new(),
        };
        i += 1;
        let mut body_indent = None;
        while i < lines.len() {
            let (at, line) = lines[i];
            let trimmed = line.trim_start();
            if trimmed.is_empty() || trimmed.starts_with('#') {
                i += 1;
                continue;
            }
            let ind = indent_of(line);
            if ind <= class_indent {
                break;
            }
            let body = *body_indent.get_or_insert(ind);
            // model_config / class Config (v1): prefix and case sensitivity,
            // possibly over several lines until the parentheses close.
            if ind == body
                && (trimmed.starts_with("model_config") || trimmed.starts_with("class Config"))
            {
                let mut chunk = String::from(trimmed);
                let mut j = i + 1;
                let mut depth: i32 =
                    trimmed.matches('(').count() as i32 - trimmed.matches(')').count() as i32;
                while j < lines.len()
                    && (depth > 0
                        || (trimmed.starts_with("class Config") && indent_of(lines[j].1) > body))
                {
                    let l = lines[j].1.trim();
                    depth += l.matches('(').count() as i32 - l.matches(')').count() as i32;
                    chunk.push(' ');
                    chunk.push_str(l);
                    j += 1;
                }
                if let Some(p) = keyword_arg(&chunk, "env_prefix") {
                    class.env_prefix = p.to_string();
                }
                if let Some(c) = keyword_arg(&chunk, "case_sensitive") {
                    class.case_sensitive = c == "True";
                }
                i = j;
                continue;
            }
            if ind == body {
                if let Some(field) = field(trimmed, at + ind) {
                    class.fields.push(field);
                }
            }
            i += 1;
        }
        for f in &mut class.fields {
            if f.env_name.is_empty() {
                f.env_name = format!("{}{}", class.env_prefix, f.name);
            }
        }
        file.classes.push(class);
    }
    file
}

/// `NAME: annotation = default` at `at` (the line's first non-blank byte).
fn field(line: &str, at: usize) -> Option<SettingsField> {
    let colon = line.find(':')?;
    let name = line[..colon].trim();
    // `_private` attributes and `ClassVar`s are not settings fields.
    if !is_ident(name) || name == "model_config" || name.starts_with('_') {
        return None;
    }
    if line[colon + 1..].trim_start().starts_with("ClassVar") {
        return None;
    }
    let rest = &line[colon + 1..];
    let (annotation, default) = match rest.find('=') {
        Some(eq) if !rest[..eq].ends_with(['<', '>', '!']) => (&rest[..eq], Some(&rest[eq + 1..])),
        _ => (rest, None),
    };
    let annotation = annotation.trim().to_string();
    let mut env_name = String::new();
    let mut default_text = None;
    let mut default_range = None;
    if let Some(d) = default {
        let d_start = at + colon + 1 + rest.find('=').unwrap_or(0) + 1;
        let lead = d.len() - d.trim_start().len();
        let d = d.trim();
        // Strip a trailing comment.
        let d = match d.find(" #") {
            Some(n)
                if !d[..n].contains(['"', '\''])
                    || d[..n].matches(['"', '\'']).count() % 2 == 0 =>
            {
                d[..n].trim_end()
            }
            _ => d,
        };
        let call = d
            .strip_prefix("Field(")
            .or_else(|| d.strip_prefix("pydantic.Field("));
        match call {
            Some(args) => {
                let args = args.strip_suffix(')').unwrap_or(args);
                for key in ["validation_alias", "alias", "env"] {
                    if let Some(a) = keyword_arg(args, key) {
                        if is_ident(a) || a.chars().all(|c| c.is_alphanumeric() || c == '_') {
                            env_name = a.to_string();
                            break;
                        }
                    }
                }
                let value = first_positional(args)
                    .or_else(|| keyword_arg(args, "default"))
                    .filter(|v| *v != "..." && *v != "Ellipsis");
                if let Some(v) = value {
                    default_text = Some(v.to_string());
                    let pos = line[..].find(v).map(|p| at + p);
                    default_range = pos.map(|p| TextRange::new(p, p + v.len()));
                }
            }
            None => {
                default_text = Some(d.to_string());
                default_range = Some(TextRange::new(d_start + lead, d_start + lead + d.len()));
            }
        }
    }
    let name_start = at + line.find(name).unwrap_or(0);
    Some(SettingsField {
        name: name.to_string(),
        name_range: TextRange::new(name_start, name_start + name.len()),
        env_name,
        annotation,
        default: default_text,
        default_range,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const SEED: &str = r#"from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env",
        case_sensitive=False,
    )

    APP_NAME: str = "MPPEEP Dashboard"
    DATABASE_URL: str | None = None
    SECRET_KEY: str = "changeme"  # overridden in production
    DEBUG: bool = False
    PORT: int = Field(9000, alias="APP_PORT")
    TOKEN: str

    def url(self) -> str:
        x: int = 3
        return self.DATABASE_URL


settings = Settings()
"#;

    #[test]
    fn reads_the_seed_settings() {
        let f = parse(SEED);
        assert_eq!(f.classes.len(), 1);
        let c = &f.classes[0];
        assert_eq!(c.name, "Settings");
        assert!(!c.case_sensitive);
        let names: Vec<_> = c.fields.iter().map(|f| f.env_name.as_str()).collect();
        assert_eq!(
            names,
            [
                "APP_NAME",
                "DATABASE_URL",
                "SECRET_KEY",
                "DEBUG",
                "APP_PORT",
                "TOKEN"
            ]
        );
        let secret = c.field_for("secret_key").unwrap();
        assert_eq!(secret.default.as_deref(), Some("\"changeme\""));
        let r = secret.default_range.unwrap();
        assert_eq!(&SEED[r.start..r.end], "\"changeme\"");
        assert_eq!(
            &SEED[secret.name_range.start..secret.name_range.end],
            "SECRET_KEY"
        );
        assert_eq!(
            c.field_for("APP_PORT").unwrap().default.as_deref(),
            Some("9000")
        );
        assert_eq!(c.field_for("TOKEN").unwrap().default, None);
    }

    #[test]
    fn prefix_and_v1_config() {
        let text = "class S(BaseSettings):\n    debug: bool = True\n\n    class Config:\n        env_prefix = 'APP_'\n        case_sensitive = True\n";
        let c = &parse(text).classes[0];
        assert_eq!(c.env_prefix, "APP_");
        assert!(c.case_sensitive);
        assert_eq!(c.fields[0].env_name, "APP_debug");
        assert!(c.field_for("APP_DEBUG").is_none());
    }

    #[test]
    fn other_classes_and_odd_text() {
        assert!(parse("class Settings:\n    A: int = 1\n")
            .classes
            .is_empty());
        for t in [
            "class X(BaseSettings):",
            "class X(BaseSettings):\n    A: = \n",
            "é: 1\nclass Y(BaseSettings):\n\tB: str = Field(\n",
        ] {
            let _ = parse(t);
        }
    }

    #[test]
    fn private_and_class_vars_are_not_fields() {
        let f = parse("class S(BaseSettings):\n    _cache: dict = {}\n    LIMIT: ClassVar[int] = 3\n    A: int = 1\n");
        let names: Vec<_> = f.classes[0]
            .fields
            .iter()
            .map(|f| f.name.as_str())
            .collect();
        assert_eq!(names, ["A"]);
    }

    #[test]
    fn any_prefix_of_any_text_is_safe() {
        let text = format!("{SEED}class É(BaseSettings):\n    é: str = Field(\"ü\", alias=\"Ä\"  # ß\n    model_config = SettingsConfigDict(env_prefix='日本_'\n");
        for end in (0..=text.len()).filter(|&i| text.is_char_boundary(i)) {
            let f = parse(&text[..end]);
            for c in &f.classes {
                for fld in &c.fields {
                    assert!(fld.name_range.end <= end);
                    if let Some(r) = fld.default_range {
                        assert!(
                            r.end <= end
                                && text.is_char_boundary(r.start)
                                && text.is_char_boundary(r.end)
                        );
                    }
                }
            }
        }
    }
}
