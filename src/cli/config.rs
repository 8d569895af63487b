//! `mppeep-lint.toml`, or `[tool.mppeep-lint]` in `pyproject.toml`: found
//! from the linted path upwards; command-line flags override it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

use crate::rules::{find_meta, Diagnostic, RuleId, Severity};
use crate::source::{FileId, Span, TextRange};

/// The configuration as written.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct RawConfig {
    pub select: Option<Vec<Spanned<String>>>,
    #[serde(default)]
    pub ignore: Vec<Spanned<String>>,
    #[serde(default)]
    pub severity: BTreeMap<Spanned<String>, Spanned<String>>,
    pub fail_on: Option<Spanned<String>>,
    #[serde(default)]
    pub exclude: Vec<String>,
    /// Path patterns (relative to the configuration's folder) → the rules
    /// not reported in the files they match.
    #[serde(default)]
    pub per_file_ignores: BTreeMap<String, Vec<Spanned<String>>>,
    #[serde(default)]
    pub secret_patterns: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct Pyproject {
    tool: Option<PyTool>,
}

#[derive(Debug, Deserialize)]
struct PyTool {
    #[serde(rename = "mppeep-lint")]
    mppeep_lint: Option<RawConfig>,
}

/// A configuration file that was found and read.
#[derive(Debug)]
pub struct ConfigFile {
    pub path: PathBuf,
    pub text: String,
    pub raw: RawConfig,
}

/// The first `mppeep-lint.toml`, or `pyproject.toml` with a
/// `[tool.mppeep-lint]` table, in `start` or a folder above it.
pub fn find(start: &Path) -> Option<PathBuf> {
    let mut dir = if start.is_dir() {
        Some(start)
    } else {
        start.parent()
    };
    while let Some(d) = dir {
        let own = d.join("mppeep-lint.toml");
        // Ours whatever it is: a fifo or a device there is refused when
        // read (`load`), never skipped in silence.
        if own.metadata().is_ok_and(|m| !m.is_dir()) {
            return Some(own);
        }
        // Read, like every file, through the bounded reader (a regular
        // file, 8 MiB at most): only to know whether it holds our table.
        let py = d.join("pyproject.toml");
        if crate::fs::read_text(&py).is_ok_and(|t| t.contains("[tool.mppeep-lint")) {
            return Some(py);
        }
        if d.join(".git").exists() {
            break;
        }
        dir = d.parent();
    }
    None
}

/// Read and parse a configuration file; errors are for the user (exit 2).
pub fn load(path: &Path) -> Result<ConfigFile, String> {
    let text = crate::fs::read_text(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let raw = parse(path, &text)?;
    Ok(ConfigFile {
        path: path.to_path_buf(),
        text,
        raw,
    })
}

pub fn parse(path: &Path, text: &str) -> Result<RawConfig, String> {
    // `file:line:column: message`, like every other location we print.
    let located = |e: toml::de::Error| {
        let at = e.span().map_or(0, |r| r.start).min(text.len());
        let before = &text[..at];
        let line = before.matches('\n').count() + 1;
        let column = before.rsplit('\n').next().unwrap_or("").chars().count() + 1;
        format!("{}:{line}:{column}: {}", path.display(), e.message())
    };
    let is_pyproject = path.file_name().is_some_and(|n| n == "pyproject.toml");
    unknown_keys(path, text, is_pyproject)?;
    if is_pyproject {
        let p: Pyproject = toml::from_str(text).map_err(located)?;
        Ok(p.tool.and_then(|t| t.mppeep_lint).unwrap_or_default())
    } else {
        toml::from_str(text).map_err(located)
    }
}

/// The keys a configuration may have.
const KEYS: &[&str] = &[
    "select",
    "ignore",
    "severity",
    "fail-on",
    "exclude",
    "per-file-ignores",
    "secret-patterns",
];

/// Every key of our table that is none of [`KEYS`], each with its line and
/// column (and the key meant, when one is close): all of them, not the
/// first alone.
fn unknown_keys(path: &Path, text: &str, is_pyproject: bool) -> Result<(), String> {
    type Table = BTreeMap<Spanned<String>, toml::Value>;
    #[derive(Deserialize)]
    struct Py {
        tool: Option<PyTools>,
    }
    #[derive(Deserialize)]
    struct PyTools {
        #[serde(rename = "mppeep-lint")]
        ours: Option<Table>,
    }
    // A file that does not parse says so with its own error, later.
    let table = if is_pyproject {
        toml::from_str::<Py>(text).ok().and_then(|p| p.tool?.ours)
    } else {
        toml::from_str::<Table>(text).ok()
    };
    let Some(table) = table else { return Ok(()) };
    let unknown: Vec<String> = table
        .keys()
        .filter(|k| !KEYS.contains(&k.get_ref().as_str()))
        .map(|k| {
            let at = k.span().start.min(text.len());
            let before = &text[..at];
            let line = before.matches('\n').count() + 1;
            let column = before.rsplit('\n').next().unwrap_or("").chars().count() + 1;
            let meant = crate::model::validate::suggest(k.get_ref(), KEYS.iter().copied())
                .map(|m| format!(" (did you mean `{m}`?)"))
                .unwrap_or_default();
            format!(
                "{}:{line}:{column}: unknown configuration key `{}`{meant}; the keys are {}",
                path.display(),
                k.get_ref(),
                KEYS.join(", ")
            )
        })
        .collect();
    if unknown.is_empty() {
        Ok(())
    } else {
        Err(unknown.join("\nerror: "))
    }
}

/// The settings, secret patterns and threshold a configuration gives, and
/// `unknown-rule` diagnostics for names no rule has (`file` is the
/// configuration's id in the source map).
pub struct Resolved {
    pub settings: crate::rules::engine::Settings,
    pub fail_on: Option<Severity>,
    /// Path patterns, relative to the configuration's folder.
    pub exclude: Vec<String>,
    /// Path patterns (the same) and the rules each turns off.
    pub per_file_ignores: Vec<(String, Vec<RuleId>)>,
    pub secret_patterns: Vec<String>,
    pub diagnostics: Vec<Diagnostic>,
}

/// The rules a name of the configuration or the command line names: one,
/// or every rule for `all`, or none for a name no rule has.
pub fn rule_ids(name: &str) -> Vec<RuleId> {
    if name == "all" {
        RuleId::ALL.to_vec()
    } else {
        RuleId::from_name(name).into_iter().collect()
    }
}

pub fn resolve(raw: &RawConfig, file: Option<FileId>) -> Result<Resolved, String> {
    let mut diagnostics = Vec::new();
    let mut check_name = |name: &Spanned<String>, what: &str| -> bool {
        let n = name.get_ref();
        if n == "all" || find_meta(n).is_some() {
            return true;
        }
        if let Some(file) = file {
            let r = name.span();
            diagnostics.push(
                Diagnostic::new(
                    RuleId::UnknownRule,
                    // A quoted name's span includes the quotes: point inside.
                    Span::new(
                        file,
                        if r.len() == n.len() + 2 {
                            TextRange::new(r.start + 1, r.end - 1)
                        } else {
                            TextRange::new(r.start, r.end)
                        },
                    ),
                    format!("unknown rule `{n}` in `{what}`"),
                )
                .with_span_label("no rule has this name")
                .with_help("`mppeep-lint rules` lists the rule names"),
            );
        }
        false
    };
    let select = raw.select.as_ref().map(|v| {
        v.iter()
            .filter(|n| check_name(n, "select"))
            .flat_map(|n| rule_ids(n.get_ref()))
            .collect()
    });
    let ignore = raw
        .ignore
        .iter()
        .filter(|n| check_name(n, "ignore"))
        .flat_map(|n| rule_ids(n.get_ref()))
        .collect();
    let per_file_ignores = raw
        .per_file_ignores
        .iter()
        .map(|(pattern, names)| {
            let rules = names
                .iter()
                .filter(|n| check_name(n, "per-file-ignores"))
                .flat_map(|n| rule_ids(n.get_ref()))
                .collect();
            (pattern.clone(), rules)
        })
        .collect();
    let mut severity = BTreeMap::new();
    for (k, v) in &raw.severity {
        if !check_name(k, "severity") {
            continue;
        }
        let s = Severity::parse(v.get_ref()).ok_or_else(|| {
            format!(
                "severity of {}: `{}` is not error, warning or info",
                k.get_ref(),
                v.get_ref()
            )
        })?;
        for id in rule_ids(k.get_ref()) {
            severity.insert(id, s);
        }
    }
    let fail_on =
        match &raw.fail_on {
            Some(f) => Some(Severity::parse(f.get_ref()).ok_or_else(|| {
                format!("fail-on: `{}` is not error, warning or info", f.get_ref())
            })?),
            None => None,
        };
    Ok(Resolved {
        settings: crate::rules::engine::Settings {
            select,
            ignore,
            severity,
        },
        fail_on,
        exclude: raw.exclude.clone(),
        per_file_ignores,
        secret_patterns: raw.secret_patterns.clone(),
        diagnostics,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_own_file_and_pyproject() {
        let raw = parse(
            Path::new("mppeep-lint.toml"),
            "ignore = [\"root-user\"]\nfail-on = \"warning\"\n[severity]\nno-healthcheck = \"error\"\n",
        )
        .expect("valid");
        let r = resolve(&raw, None).expect("resolves");
        assert_eq!(r.settings.ignore, vec![RuleId::RootUser]);
        assert_eq!(r.fail_on, Some(Severity::Warning));
        assert_eq!(r.settings.severity[&RuleId::NoHealthcheck], Severity::Error);

        let raw = parse(
            Path::new("pyproject.toml"),
            "[project]\nname = \"x\"\n[tool.mppeep-lint]\nselect = [\"quoted-value\"]\n",
        )
        .expect("valid");
        assert_eq!(raw.select.expect("select").len(), 1);
    }

    #[test]
    fn unknown_keys_and_names() {
        assert!(parse(Path::new("mppeep-lint.toml"), "colour = true\n").is_err());
        // Every unknown key, each where it is written, with the key meant.
        let e = parse(
            Path::new("mppeep-lint.toml"),
            "colour = true\nignore = []\nfail_on = \"info\"\n[severty]\n",
        )
        .unwrap_err();
        let lines: Vec<&str> = e.split("\nerror: ").collect();
        assert_eq!(lines.len(), 3, "{e}");
        assert!(lines[0].starts_with("mppeep-lint.toml:1:1: unknown configuration key `colour`"));
        assert!(lines[1].starts_with(
            "mppeep-lint.toml:3:1: unknown configuration key `fail_on` (did you mean `fail-on`?)"
        ));
        assert!(lines[2].starts_with(
            "mppeep-lint.toml:4:2: unknown configuration key `severty` (did you mean `severity`?)"
        ));
        let e = parse(
            Path::new("pyproject.toml"),
            "[tool.black]\nx = 1\n[tool.mppeep-lint]\nselects = []\n",
        )
        .unwrap_err();
        assert!(
            e.starts_with("pyproject.toml:4:1: unknown configuration key `selects`"),
            "{e}"
        );
        let text = "ignore = [\"no-such-rule\"]\n";
        let raw = parse(Path::new("mppeep-lint.toml"), text).expect("valid");
        let r = resolve(&raw, Some(FileId(0))).expect("resolves");
        assert_eq!(r.diagnostics.len(), 1);
        let span = r.diagnostics[0].span.range;
        assert_eq!(&text[span.start..span.end], "no-such-rule");
        // A bare key (no quotes) is pointed at whole.
        let text = "[severity]\nnot-a-rule = \"error\"\n";
        let raw = parse(Path::new("mppeep-lint.toml"), text).expect("valid");
        let r = resolve(&raw, Some(FileId(0))).expect("resolves");
        let span = r.diagnostics[0].span.range;
        assert_eq!(&text[span.start..span.end], "not-a-rule");
    }

    #[test]
    fn syntax_errors_have_a_location() {
        let e = parse(
            Path::new("mppeep-lint.toml"),
            "ignore = [\"a\"]\nfail-on = [1]\n",
        )
        .unwrap_err();
        assert!(e.starts_with("mppeep-lint.toml:2:11: "), "{e}");
    }
}
