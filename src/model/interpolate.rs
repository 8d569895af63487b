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
use crate::syntax::limits::{project_too_large, too_large, Allowance, MAX_EXPANDED, PROJECT_BYTES};
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
    /// Where each byte range of `value` came from, in order, without gaps
    /// (an empty variable fills no range).
    pub segments: Vec<Produced>,
}

/// A byte range of an evaluated value and what produced it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Produced {
    /// Bytes of the evaluated value.
    pub range: TextRange,
    pub from: ProducedBy,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProducedBy {
    /// Text of the template at `source` (a default's or a replacement's
    /// own text included). `copied`: the literal's text, copied as is
    /// (its source text is the output, unless the template was parsed from
    /// a decoded text: the caller checks); false for `$$`, which writes one
    /// `$` for two source bytes.
    Literal { source: TextRange, copied: bool },
    /// The value of `used[index]`, from its byte `offset` on.
    Variable { index: usize, offset: usize },
}

impl Evaluated {
    fn new() -> Self {
        Evaluated {
            value: String::new(),
            used: Vec::new(),
            segments: Vec::new(),
        }
    }

    fn push(&mut self, text: &str, from: ProducedBy) {
        if text.is_empty() {
            return;
        }
        let start = self.value.len();
        self.value.push_str(text);
        self.segments.push(Produced {
            range: TextRange::new(start, self.value.len()),
            from,
        });
    }

    /// Appends what `sub` (a default, a replacement) evaluated to.
    fn append(&mut self, sub: Evaluated) {
        let (at, used) = (self.value.len(), self.used.len());
        self.value.push_str(&sub.value);
        self.segments
            .extend(sub.segments.into_iter().map(|p| Produced {
                range: p.range.shift(at),
                from: match p.from {
                    ProducedBy::Variable { index, offset } => ProducedBy::Variable {
                        index: index + used,
                        offset,
                    },
                    literal => literal,
                },
            }));
        self.used.extend(sub.used);
    }
}

/// An error Compose fails on (`${A:?msg}` with A unset, an invalid template).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InterpolationError {
    pub message: String,
    /// The variable a `:?`/`?` reference required.
    pub variable: Option<String>,
    pub range: TextRange,
    /// The value went past our bound ([`MAX_EXPANDED`]): not Compose's error.
    pub limit: bool,
}

/// What evaluating one value may still produce or read, in bytes
/// ([`MAX_EXPANDED`], or less when the project's [`Allowance`] has less
/// left): every literal written and every variable's value looked up, in
/// the defaults and replacements too, so that doubling
/// (`A1=${A0}${A0}`…) or many references to a large value stop at 1 MiB.
struct Budget {
    left: usize,
    /// The project's allowance, not the value's bound, set `left`.
    project: bool,
}

impl Budget {
    fn within(allowance: &Allowance) -> Self {
        // An exhausted allowance allows nothing more, whatever it has left.
        let left = if allowance.exhausted() {
            0
        } else {
            allowance.left()
        };
        Budget {
            left: MAX_EXPANDED.min(left),
            project: left < MAX_EXPANDED,
        }
    }

    fn charge(&mut self, bytes: usize, at: TextRange) -> Result<(), InterpolationError> {
        match self.left.checked_sub(bytes) {
            Some(left) => {
                self.left = left;
                Ok(())
            }
            None => Err(InterpolationError {
                message: if self.project {
                    project_too_large("Compose")
                } else {
                    too_large("Compose")
                },
                variable: None,
                range: at,
                limit: true,
            }),
        }
    }
}

/// Evaluates `t`; `lookup` returns a variable's value, `None` when unset.
/// Bounded by [`MAX_EXPANDED`] alone (a value on its own, not a project's).
#[cfg(test)]
pub fn evaluate(
    t: &Template,
    lookup: &mut dyn FnMut(&str) -> Option<String>,
) -> Result<Evaluated, InterpolationError> {
    evaluate_within(t, lookup, &mut Allowance::new(MAX_EXPANDED))
}

/// [`evaluate`], spending what it produces and reads from `allowance`;
/// stopped by it, the allowance is exhausted.
pub fn evaluate_within(
    t: &Template,
    lookup: &mut dyn FnMut(&str) -> Option<String>,
    allowance: &mut Allowance,
) -> Result<Evaluated, InterpolationError> {
    let mut out = Evaluated::new();
    let mut budget = Budget::within(allowance);
    let start = budget.left;
    let r = eval_into(t, lookup, &mut out, &mut budget);
    allowance.spend(start - budget.left);
    if matches!(&r, Err(e) if e.limit && budget.project) {
        allowance.exhaust();
    }
    r.map(|()| out)
}

fn eval_into(
    t: &Template,
    lookup: &mut dyn FnMut(&str) -> Option<String>,
    out: &mut Evaluated,
    budget: &mut Budget,
) -> Result<(), InterpolationError> {
    for piece in &t.pieces {
        match piece {
            Piece::Literal { text, range } => {
                budget.charge(text.len(), *range)?;
                out.push(
                    text,
                    ProducedBy::Literal {
                        source: *range,
                        copied: true,
                    },
                )
            }
            Piece::Escaped { range } => out.push(
                "$",
                ProducedBy::Literal {
                    source: *range,
                    copied: false,
                },
            ),
            Piece::Var(v) => {
                // The argument is evaluated first, as compose-go does.
                let arg = match &v.op {
                    Some(op) => {
                        let mut sub = Evaluated::new();
                        eval_into(&op.arg, lookup, &mut sub, budget)?;
                        Some((op.kind, sub))
                    }
                    None => None,
                };
                let value = lookup(&v.name);
                budget.charge(value.as_deref().map_or(0, str::len), v.range)?;
                let index = out.used.len();
                let variable = ProducedBy::Variable { index, offset: 0 };
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
                let take_arg = |out: &mut Evaluated, sub: Evaluated| out.append(sub);
                match arg {
                    None => out.push(value.as_deref().unwrap_or(""), variable),
                    Some((kind, sub)) => match kind {
                        OpKind::DefaultIfEmpty | OpKind::DefaultIfUnset => {
                            let use_value = if kind == OpKind::DefaultIfEmpty {
                                non_empty
                            } else {
                                set
                            };
                            if use_value {
                                out.push(value.as_deref().unwrap_or(""), variable);
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
                                    limit: false,
                                });
                            }
                            out.push(value.as_deref().unwrap_or(""), variable);
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
    /// Where each byte range of `value` came from (see [`Evaluated`]).
    pub segments: Vec<Produced>,
}

/// Computes every entry of a `.env` file the way compose-go's dotenv reader
/// does: `${A}` is looked up first through `lookup`, then in the file's own
/// earlier entries; a bare `KEY` takes its value from `lookup` or is left
/// out. A key defined twice yields two entries: the last one wins.
pub fn resolve_dotenv(
    file: &DotenvFile,
    lookup: &mut dyn FnMut(&str) -> Option<String>,
) -> Result<Vec<ResolvedEntry>, InterpolationError> {
    let mut allowance = Allowance::new(PROJECT_BYTES);
    resolve_dotenv_after(file, lookup, &mut |_| None, &mut allowance)
}

/// [`resolve_dotenv`] for a file read after others: what they set
/// (`earlier`) is looked up last — after the file's own earlier entries,
/// which are set later and so win — and gives a bare `KEY` its value when
/// `lookup` does not. Compose keeps one map of what the files read so far
/// set: `A=x` in `a.env`, then `F=${A}`, `A=y`, `G=${A}` in `b.env` gives
/// `F=x` and `G=y`. Each value is spent from `allowance`; past it, the
/// error is at the line that went past.
pub fn resolve_dotenv_after(
    file: &DotenvFile,
    lookup: &mut dyn FnMut(&str) -> Option<String>,
    earlier: &mut dyn FnMut(&str) -> Option<String>,
    allowance: &mut Allowance,
) -> Result<Vec<ResolvedEntry>, InterpolationError> {
    let mut out: Vec<ResolvedEntry> = Vec::new();
    // key -> index in `out` of its latest definition
    let mut seen: std::collections::HashMap<String, usize> = Default::default();
    for (index, entry) in file.entries.iter().enumerate() {
        let (value, used, segments) = match &entry.value {
            DotenvValue::Inherit => {
                let (value, from) = match lookup(&entry.key) {
                    Some(v) => (v, VarOrigin::Lookup),
                    None => match earlier(&entry.key) {
                        Some(v) => (v, VarOrigin::EarlierFile),
                        None => continue,
                    },
                };
                let segments = whole(
                    &value,
                    ProducedBy::Variable {
                        index: 0,
                        offset: 0,
                    },
                );
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
                    segments,
                )
            }
            DotenvValue::Assigned(a) => match &a.text {
                ValueText::Literal(s) => {
                    let from = ProducedBy::Literal {
                        source: a.content_range,
                        copied: true,
                    };
                    (s.clone(), Vec::new(), whole(s, from))
                }
                ValueText::Template(t) => {
                    let mut file_lookup = |name: &str| -> Option<String> {
                        lookup(name)
                            .or_else(|| seen.get(name).map(|&i| out[i].value.clone()))
                            .or_else(|| earlier(name))
                    };
                    let ev = evaluate_within(t, &mut file_lookup, allowance)?;
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
                    (ev.value, used, ev.segments)
                }
            },
        };
        // A template's value is spent as it is evaluated.
        let template = matches!(&entry.value, DotenvValue::Assigned(a) if matches!(a.text, ValueText::Template(_)));
        if !template && !allowance.spend(value.len()) {
            return Err(InterpolationError {
                message: project_too_large("Compose"),
                variable: None,
                range: match &entry.value {
                    DotenvValue::Assigned(a) => a.raw_range,
                    DotenvValue::Inherit => entry.key_range,
                },
                limit: true,
            });
        }
        seen.insert(entry.key.clone(), out.len());
        out.push(ResolvedEntry {
            entry: index,
            key: entry.key.clone(),
            value,
            used,
            segments,
        });
    }
    Ok(out)
}

/// One segment covering all of `value` (none for an empty value).
fn whole(value: &str, from: ProducedBy) -> Vec<Produced> {
    if value.is_empty() {
        return Vec::new();
    }
    vec![Produced {
        range: TextRange::new(0, value.len()),
        from,
    }]
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

    /// The segments of `template` evaluated with A=a, B=bb, E="": for each,
    /// the output text and what produced it (`lit@start..end`, `$`/`$$`,
    /// `var NAME+offset`).
    fn segments(template: &str) -> Vec<(String, String)> {
        let t = parse(template, 0).unwrap();
        let mut lookup = |n: &str| match n {
            "A" => Some("a".to_string()),
            "B" => Some("bb".to_string()),
            "E" => Some(String::new()),
            _ => None,
        };
        let e = evaluate(&t, &mut lookup).unwrap();
        let mut end = 0;
        e.segments
            .iter()
            .map(|p| {
                assert_eq!(p.range.start, end, "{template}: no gap, no overlap");
                end = p.range.end;
                let out = e.value[p.range.start..p.range.end].to_string();
                let from = match p.from {
                    ProducedBy::Literal { source, copied } => {
                        let src = &template[source.start..source.end];
                        if copied {
                            assert_eq!(src, out, "{template}: a copied literal is its source");
                            format!("lit@{}..{}", source.start, source.end)
                        } else {
                            format!("{src}@{}..{}", source.start, source.end)
                        }
                    }
                    ProducedBy::Variable { index, offset } => {
                        format!("var {}+{offset}", e.used[index].name)
                    }
                };
                (out, from)
            })
            .collect()
    }

    fn seg(out: &str, from: &str) -> (String, String) {
        (out.to_string(), from.to_string())
    }

    #[test]
    fn segments_map_the_value_back_to_literals_and_variables() {
        assert_eq!(
            segments("${A}:pw@${B}/x"),
            vec![
                seg("a", "var A+0"),
                seg(":pw@", "lit@4..8"),
                seg("bb", "var B+0"),
                seg("/x", "lit@12..14"),
            ]
        );
        // `$$` is one `$` for two source bytes.
        assert_eq!(
            segments("p$$q"),
            vec![
                seg("p", "lit@0..1"),
                seg("$", "$$@1..3"),
                seg("q", "lit@3..4")
            ]
        );
        // An empty variable fills nothing.
        assert_eq!(
            segments("x${E}y"),
            vec![seg("x", "lit@0..1"), seg("y", "lit@5..6")]
        );
    }

    #[test]
    fn segments_of_defaults_and_replacements_are_their_own_text() {
        // The default of an unset variable: its literal, inside the reference.
        assert_eq!(
            segments("h=${U:-db}"),
            vec![seg("h=", "lit@0..2"), seg("db", "lit@7..9")]
        );
        // The variable when set.
        assert_eq!(segments("${A:-db}"), vec![seg("a", "var A+0")]);
        // Nested: the default's variable, then its text.
        assert_eq!(
            segments("${U:-${B}x}"),
            vec![seg("bb", "var B+0"), seg("x", "lit@9..10")]
        );
        assert_eq!(segments("${A:+r}"), vec![seg("r", "lit@5..6")]);
        assert_eq!(segments("${A:?m}"), vec![seg("a", "var A+0")]);
        // `${U:-${A}}`: U is looked up after its default is evaluated, so A
        // comes after it in `used`.
        let t = parse("${U:-${A}}", 0).unwrap();
        let mut lookup = |n: &str| (n == "A").then(|| "a".to_string());
        let e = evaluate(&t, &mut lookup).unwrap();
        assert_eq!(
            e.segments[0].from,
            ProducedBy::Variable {
                index: 1,
                offset: 0
            }
        );
    }

    #[test]
    fn doubling_stops_at_the_bound() {
        let mut text = String::from("A0=xxxxxxxxxxxxxxxx\n");
        for i in 0..40 {
            text.push_str(&format!("A{}=${{A{i}}}${{A{i}}}\n", i + 1));
        }
        let f = crate::syntax::dotenv::parse(&text);
        let e = resolve_dotenv(&f, &mut |_| None).unwrap_err();
        assert!(e.limit);
        assert!(
            e.message.contains("a limit of mppeep-lint"),
            "{}",
            e.message
        );
        // A16 is 1 MiB; A17's second reference goes past it.
        let line = text.lines().nth(17).unwrap();
        let at = text.find(line).unwrap() + line.rfind("${").unwrap();
        assert_eq!(e.range, TextRange::new(at, at + "${A16}".len()));
    }

    #[test]
    fn unused_defaults_count_against_the_bound() {
        let big = "x".repeat(MAX_EXPANDED / 2 + 1);
        let t = parse("${U:+${B}}${U:+${B}}", 0).unwrap();
        let mut lookup = |n: &str| (n == "B").then(|| big.clone());
        assert!(evaluate(&t, &mut lookup).unwrap_err().limit);
    }

    #[test]
    fn dotenv_entries_keep_their_segments() {
        let f = crate::syntax::dotenv::parse("A=x\nB='lit'\nC=\"${A}-y\"\nD\n");
        let mut lookup = |n: &str| (n == "D").then(|| "shell".to_string());
        let r = resolve_dotenv(&f, &mut lookup).unwrap();
        let lit = |s: usize, e: usize| ProducedBy::Literal {
            source: TextRange::new(s, e),
            copied: true,
        };
        assert_eq!(r[0].segments[0].from, lit(2, 3));
        // Single-quoted: the text between the quotes.
        assert_eq!(r[1].segments[0].from, lit(7, 10));
        // `${A}` is the earlier entry, `-y` its own text.
        assert_eq!(
            r[2].segments.iter().map(|p| p.from).collect::<Vec<_>>(),
            vec![
                ProducedBy::Variable {
                    index: 0,
                    offset: 0
                },
                lit(19, 21)
            ]
        );
        // A bare key: all of it is the variable.
        assert_eq!(
            r[3].segments,
            vec![Produced {
                range: TextRange::new(0, 5),
                from: ProducedBy::Variable {
                    index: 0,
                    offset: 0
                }
            }]
        );
    }
}
