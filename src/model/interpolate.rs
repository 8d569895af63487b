//! Evaluation of compose interpolation templates and of `.env` files, in
//! Docker Compose v2's lookup order.
//!
//! Semantics checked against `docker-compose` v2.40 (see
//! `tests/conformance/`): defaults, error messages and replacements are
//! themselves templates and are evaluated even when unused, so an error in an
//! unused default still fails, as it does in Compose.

use crate::model::types::ReferenceForm;
use crate::source::TextRange;
use crate::syntax::dotenv::{DotenvFile, DotenvValue, ValueText};
use crate::syntax::template::{OpKind, Piece, Template};

/// A variable looked up while evaluating a template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsedVar {
    pub name: String,
    /// The whole reference (`$A`, `${A:-x}`).
    pub range: TextRange,
    /// Whether a source set it (possibly to the empty string).
    pub found: bool,
    pub form: ReferenceForm,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evaluated {
    pub value: String,
    pub used: Vec<UsedVar>,
}

/// An error Compose fails on (`${A:?msg}` with A unset, an invalid template).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InterpolationError {
    pub message: String,
    /// The variable a `:?`/`?` reference required.
    pub variable: Option<String>,
    pub range: TextRange,
}

/// Evaluates `t`; `lookup` returns a variable's value, `None` when unset.
pub fn evaluate(
    t: &Template,
    lookup: &mut dyn FnMut(&str) -> Option<String>,
) -> Result<Evaluated, InterpolationError> {
    let mut out = Evaluated {
        value: String::new(),
        used: Vec::new(),
    };
    eval_into(t, lookup, &mut out)?;
    Ok(out)
}

fn eval_into(
    t: &Template,
    lookup: &mut dyn FnMut(&str) -> Option<String>,
    out: &mut Evaluated,
) -> Result<(), InterpolationError> {
    for piece in &t.pieces {
        match piece {
            Piece::Literal { text, .. } => out.value.push_str(text),
            Piece::Escaped { .. } => out.value.push('$'),
            Piece::Var(v) => {
                // The argument is evaluated first, as compose-go does.
                let arg = match &v.op {
                    Some(op) => {
                        let mut sub = Evaluated {
                            value: String::new(),
                            used: Vec::new(),
                        };
                        eval_into(&op.arg, lookup, &mut sub)?;
                        Some((op.kind, sub))
                    }
                    None => None,
                };
                let value = lookup(&v.name);
                out.used.push(UsedVar {
                    name: v.name.clone(),
                    range: v.range,
                    found: value.is_some(),
                    form: match &v.op {
                        Some(o) => ReferenceForm::Op(o.kind),
                        None => ReferenceForm::Plain,
                    },
                });
                let set = value.is_some();
                let non_empty = value.as_deref().is_some_and(|s| !s.is_empty());
                let take_arg = |out: &mut Evaluated, sub: Evaluated| {
                    out.value.push_str(&sub.value);
                    out.used.extend(sub.used);
                };
                match arg {
                    None => out.value.push_str(value.as_deref().unwrap_or("")),
                    Some((kind, sub)) => match kind {
                        OpKind::DefaultIfEmpty | OpKind::DefaultIfUnset => {
                            let use_value = if kind == OpKind::DefaultIfEmpty {
                                non_empty
                            } else {
                                set
                            };
                            if use_value {
                                out.value.push_str(value.as_deref().unwrap_or(""));
                            } else {
                                take_arg(out, sub);
                            }
                        }
                        OpKind::RequiredNonEmpty | OpKind::Required => {
                            let ok = if kind == OpKind::RequiredNonEmpty {
                                non_empty
                            } else {
                                set
                            };
                            if !ok {
                                let mut message =
                                    format!("required variable {} is missing a value", v.name);
                                if !sub.value.is_empty() {
                                    message.push_str(": ");
                                    message.push_str(&sub.value);
                                }
                                return Err(InterpolationError {
                                    message,
                                    variable: Some(v.name.clone()),
                                    range: v.range,
                                });
                            }
                            out.value.push_str(value.as_deref().unwrap_or(""));
                        }
                        OpKind::AltIfNonEmpty | OpKind::AltIfSet => {
                            let alt = if kind == OpKind::AltIfNonEmpty {
                                non_empty
                            } else {
                                set
                            };
                            if alt {
                                take_arg(out, sub);
                            }
                        }
                    },
                }
            }
        }
    }
    Ok(())
}

/// Where a variable used inside a `.env` value was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VarOrigin {
    /// The lookup (process environment, project variables...).
    Lookup,
    /// An earlier entry of the same file (its index in `entries`).
    EarlierEntry(usize),
    /// What files read before this one set (earlier `--env-file`s, a
    /// service's earlier `env_file:`s).
    EarlierFile,
    Missing,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsedVarSource {
    pub var: UsedVar,
    pub from: VarOrigin,
}

/// One entry of a `.env` file with its value as Compose computes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedEntry {
    /// Index in `DotenvFile::entries`.
    pub entry: usize,
    pub key: String,
    pub value: String,
    pub used: Vec<UsedVarSource>,
}

/// Computes every entry of a `.env` file the way compose-go's dotenv reader
/// does: `${A}` is looked up first through `lookup`, then in the file's own
/// earlier entries; a bare `KEY` takes its value from `lookup` or is left
/// out. A key defined twice yields two entries: the last one wins.
pub fn resolve_dotenv(
    file: &DotenvFile,
    lookup: &mut dyn FnMut(&str) -> Option<String>,
) -> Result<Vec<ResolvedEntry>, InterpolationError> {
    resolve_dotenv_after(file, lookup, &mut |_| None)
}

/// [`resolve_dotenv`] for a file read after others: what they set
/// (`earlier`) is looked up last — after the file's own earlier entries,
/// which are set later and so win — and gives a bare `KEY` its value when
/// `lookup` does not. Compose keeps one map of what the files read so far
/// set: `A=x` in `a.env`, then `F=${A}`, `A=y`, `G=${A}` in `b.env` gives
/// `F=x` and `G=y`.
pub fn resolve_dotenv_after(
    file: &DotenvFile,
    lookup: &mut dyn FnMut(&str) -> Option<String>,
    earlier: &mut dyn FnMut(&str) -> Option<String>,
) -> Result<Vec<ResolvedEntry>, InterpolationError> {
    let mut out: Vec<ResolvedEntry> = Vec::new();
    // key -> index in `out` of its latest definition
    let mut seen: std::collections::HashMap<String, usize> = Default::default();
    for (index, entry) in file.entries.iter().enumerate() {
        let (value, used) = match &entry.value {
            DotenvValue::Inherit => {
                let (value, from) = match lookup(&entry.key) {
                    Some(v) => (v, VarOrigin::Lookup),
                    None => match earlier(&entry.key) {
                        Some(v) => (v, VarOrigin::EarlierFile),
                        None => continue,
                    },
                };
                (
                    value,
                    vec![UsedVarSource {
                        var: UsedVar {
                            name: entry.key.clone(),
                            range: entry.key_range,
                            found: true,
                            form: ReferenceForm::Passthrough,
                        },
                        from,
                    }],
                )
            }
            DotenvValue::Assigned(a) => match &a.text {
                ValueText::Literal(s) => (s.clone(), Vec::new()),
                ValueText::Template(t) => {
                    let mut file_lookup = |name: &str| -> Option<String> {
                        lookup(name)
                            .or_else(|| seen.get(name).map(|&i| out[i].value.clone()))
                            .or_else(|| earlier(name))
                    };
                    let ev = evaluate(t, &mut file_lookup)?;
                    let used = ev
                        .used
                        .into_iter()
                        .map(|var| {
                            let from = if lookup(&var.name).is_some() {
                                VarOrigin::Lookup
                            } else if let Some(&i) = seen.get(&var.name) {
                                VarOrigin::EarlierEntry(out[i].entry)
                            } else if earlier(&var.name).is_some() {
                                VarOrigin::EarlierFile
                            } else {
                                VarOrigin::Missing
                            };
                            UsedVarSource { var, from }
                        })
                        .collect();
                    (ev.value, used)
                }
            },
        };
        seen.insert(entry.key.clone(), out.len());
        out.push(ResolvedEntry {
            entry: index,
            key: entry.key.clone(),
            value,
            used,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::template::parse;

    fn eval(s: &str) -> Result<String, String> {
        let t = parse(s, 0).map_err(|e| e.message)?;
        let mut lookup = |n: &str| match n {
            "A" => Some("a".to_string()),
            "E" => Some(String::new()),
            _ => None,
        };
        evaluate(&t, &mut lookup)
            .map(|e| e.value)
            .map_err(|e| e.message)
    }

    /// Each case checked against `docker-compose config` v2.40.3 with A=a, E="".
    #[test]
    fn compose_semantics() {
        let cases = [
            ("${A:-x}}", "a}"),
            ("$1", "$1"),
            ("x$", "x$"),
            ("$-", "$-"),
            ("${A:-${B:-c}}", "a"),
            ("${U:-${A}x}", "ax"),
            ("${A:+r}", "r"),
            ("${U:+r}", ""),
            ("${E+r}", "r"),
            ("${E-d}", ""),
            ("${E:-d}", "d"),
            ("${A:?m}", "a"),
            ("$$A", "$A"),
            ("$A.b", "a.b"),
            ("${A-}", "a"),
            ("${U:-a}b}", "ab}"),
            ("${U:-}", ""),
            ("${a}", ""),
            ("$ A", "$ A"),
            ("${A?m-x}", "a"),
            ("${U-a?b}", "a?b"),
            ("${U:-a:-b}", "a:-b"),
            ("${U:-{x}}", "{x}"),
            ("${U:-$$}", "$"),
            ("$${A:-x}", "${A:-x}"),
            ("${U:-$${x}}", "${x}"),
            ("${U:-${A:-q}}}", "a}"),
            ("${A:-}}}", "a}}"),
            ("$A$A", "aa"),
            ("${A:-x} ${U:-y} }", "a y }"),
        ];
        for (input, want) in cases {
            assert_eq!(eval(input).as_deref(), Ok(want), "{input}");
        }
    }

    #[test]
    fn required_errors_like_compose() {
        assert_eq!(
            eval("${U?m}").unwrap_err(),
            "required variable U is missing a value: m"
        );
        assert_eq!(
            eval("${U:?}").unwrap_err(),
            "required variable U is missing a value"
        );
        assert!(eval("${E:?x}").is_err());
        assert_eq!(eval("${E?x}").as_deref(), Ok(""));
        // Unused arguments are still evaluated.
        assert!(eval("${A:-${U:?x}}").is_err());
        assert!(eval("${U:+${U2:?y}}").is_err());
        assert!(eval("${A:?${U:?z}}").is_err());
    }

    #[test]
    fn records_used_variables() {
        let t = parse("${U:-${A}}", 0).unwrap();
        let mut lookup = |n: &str| (n == "A").then(|| "a".to_string());
        let e = evaluate(&t, &mut lookup).unwrap();
        let names: Vec<_> = e.used.iter().map(|u| (u.name.as_str(), u.found)).collect();
        // The default is evaluated before the variable is looked up.
        assert_eq!(names, vec![("U", false), ("A", true)]);
    }
}
