//! Interpolation of compose values, recording where each byte of a
//! value came from (its `Segment`s) and which references carried it.

use super::*;

/// The map of a value evaluated from a template of `file` (whose text is
/// `src`): a literal is exact where its source text is its output. `whole`:
/// the scalar, when the template was parsed from a decoded text whose
/// ranges are not the file's (a YAML scalar with escapes, a folded or block
/// scalar); its literals then map to all of it.
pub(super) fn segments(
    src: &str,
    file: FileId,
    value: &str,
    produced: &[Produced],
    whole: Option<Span>,
) -> Vec<Segment> {
    produced
        .iter()
        .map(|p| Segment {
            range: p.range,
            origin: match p.from {
                ProducedBy::Literal { source, copied } => match whole {
                    Some(span) => SegmentOrigin::Written { span, exact: false },
                    None => {
                        let out = value.get(p.range.start..p.range.end);
                        let exact =
                            copied && out.is_some() && src.get(source.start..source.end) == out;
                        SegmentOrigin::Written {
                            span: Span::new(file, source),
                            exact,
                        }
                    }
                },
                ProducedBy::Variable { index, offset } => SegmentOrigin::Variable { index, offset },
            },
        })
        .collect()
}

/// The map of a value written at `span` without interpolation (a compose
/// scalar without `$`, a Dockerfile `ENV`): exact when the source text, or
/// what is between its quotes, is the value; else all of it maps to `span`.
pub(super) fn plain_segments(src: &str, text: &str, span: Span) -> Vec<Segment> {
    if text.is_empty() {
        return Vec::new();
    }
    let written = src.get(span.range.start..span.range.end).unwrap_or("");
    let quoted = |q: char| {
        written
            .strip_prefix(q)
            .and_then(|s| s.strip_suffix(q))
            .is_some_and(|inner| inner == text)
    };
    let origin = if written == text {
        SegmentOrigin::Written { span, exact: true }
    } else if written.len() >= 2 && (quoted('"') || quoted('\'')) {
        let start = span.range.start + 1;
        SegmentOrigin::Written {
            span: Span::new(span.file, TextRange::new(start, start + text.len())),
            exact: true,
        }
    } else {
        SegmentOrigin::Written { span, exact: false }
    };
    vec![Segment {
        range: TextRange::new(0, text.len()),
        origin,
    }]
}

/// The part `from..to` of a value's map, as the map of that part.
pub(super) fn slice_segments(segments: &[Segment], from: usize, to: usize) -> Vec<Segment> {
    segments
        .iter()
        .filter(|s| s.range.start < to && s.range.end > from)
        .map(|s| {
            let start = s.range.start.max(from);
            let end = s.range.end.min(to);
            let cut = start - s.range.start;
            let origin = match s.origin {
                SegmentOrigin::Written { span, exact: true } => {
                    let at = span.range.start + cut;
                    SegmentOrigin::Written {
                        span: Span::new(span.file, TextRange::new(at, at + (end - start))),
                        exact: true,
                    }
                }
                SegmentOrigin::Variable { index, offset } => SegmentOrigin::Variable {
                    index,
                    offset: offset + cut,
                },
                written => written,
            };
            Segment {
                range: TextRange::new(start - from, end - from),
                origin,
            }
        })
        .collect()
}

/// The bytes of the values `via` copied.
pub(super) fn via_bytes(via: &[Via]) -> usize {
    via.iter()
        .map(|v| v.value.as_ref().map_or(0, String::len))
        .sum()
}

pub(super) fn required_kind(variable: Option<String>) -> ModelErrorKind {
    variable.map_or(ModelErrorKind::Other, ModelErrorKind::RequiredVariable)
}

pub(super) fn interp_error(file: FileId, e: InterpolationError) -> ModelError {
    ModelError {
        message: e.message,
        span: Some(Span::new(file, e.range)),
        kind: if e.limit {
            ModelErrorKind::Limit
        } else {
            required_kind(e.variable)
        },
    }
}

impl Builder<'_, '_> {
    /// Interpolate every scalar value (not keys) of the file, as Compose does
    /// before anything else: an error anywhere fails the project.
    pub(super) fn interpolate_tree(&mut self, file: FileId, parsed: &ComposeFile) -> Interpolated {
        let mut out = Interpolated::new();
        if let Some(root) = &parsed.root {
            let mut stack: Vec<&Node> = vec![root];
            while let Some(node) = stack.pop() {
                match &node.kind {
                    NodeKind::Map(entries) => stack.extend(entries.iter().rev().map(|(_, v)| v)),
                    NodeKind::Seq(items) => stack.extend(items.iter().rev()),
                    NodeKind::Scalar(s) => {
                        if !s.value.contains('$') || out.contains_key(&node.range) {
                            continue;
                        }
                        // Past the allowance, nothing more is evaluated.
                        if self.allowance.exhausted() {
                            self.over(Span::new(file, node.range));
                            break;
                        }
                        let base = s.value_start.unwrap_or(node.range.start);
                        let exact = s.value_start.is_some();
                        match self.interpolate_spending(file, &s.value, base, node.range, exact) {
                            Ok(v) => {
                                if self.allowance.spend(via_bytes(&v.via)) {
                                    self.references.extend(v.via.iter().cloned());
                                } else {
                                    self.over(v.span);
                                }
                                out.insert(node.range, v);
                            }
                            Err(e) => {
                                // Still a reference of every variable it names.
                                if let Ok(t) = template::parse(&s.value, base) {
                                    for v in t.variables() {
                                        let at = Span::new(
                                            file,
                                            if exact { v.range } else { node.range },
                                        );
                                        let form = match &v.op {
                                            Some(o) => ReferenceForm::Op(o.kind),
                                            None => ReferenceForm::Plain,
                                        };
                                        let via = self.reference(&v.name, at, form);
                                        self.references.push(via);
                                    }
                                }
                                self.errors.push(e)
                            }
                        }
                    }
                }
            }
        }
        out
    }

    /// The reference to `name` at `at`, with the variable's value: its
    /// copy spent from the allowance (past it, without the value; the
    /// project is then not judged).
    pub(super) fn reference(&mut self, name: &str, at: Span, form: ReferenceForm) -> Via {
        let len = self.variables.get(name).map_or(0, |v| v.value.len());
        let afford = self.allowance.spend(len);
        if !afford {
            self.over(at);
        }
        let var = self.variables.get(name);
        Via {
            variable: name.to_string(),
            reference: at,
            form,
            source: var.map(|x| x.source.clone()),
            value: var.filter(|_| afford).map(|v| v.value.clone()),
            written: var.and_then(|x| x.written.clone()),
        }
    }

    /// [`Builder::interpolate`], spending the project's allowance.
    pub(super) fn interpolate_spending(
        &mut self,
        file: FileId,
        text: &str,
        base: usize,
        whole: TextRange,
        exact: bool,
    ) -> Result<Value, ModelError> {
        let mut allowance = std::mem::replace(&mut self.allowance, Allowance::new(0));
        let v = self.interpolate(file, text, base, whole, exact, &mut allowance);
        self.allowance = allowance;
        v
    }

    pub(super) fn interpolate(
        &self,
        file: FileId,
        text: &str,
        base: usize,
        whole: TextRange,
        exact: bool,
        allowance: &mut Allowance,
    ) -> Result<Value, ModelError> {
        let clamp = |r: TextRange| if exact { r } else { whole };
        let t = template::parse(text, base).map_err(|e| ModelError {
            message: e.message,
            span: Some(Span::new(file, clamp(e.range))),
            kind: if e.limit {
                ModelErrorKind::Limit
            } else {
                ModelErrorKind::Other
            },
        })?;
        let vars = &self.variables;
        let mut lookup = |name: &str| vars.get(name).map(|v| v.value.clone());
        let ev =
            interpolate::evaluate_within(&t, &mut lookup, allowance).map_err(|e| ModelError {
                message: e.message,
                span: Some(Span::new(file, clamp(e.range))),
                kind: if e.limit {
                    ModelErrorKind::Limit
                } else {
                    required_kind(e.variable)
                },
            })?;
        let via = ev
            .used
            .iter()
            .map(|u| {
                let var = vars.get(&u.name);
                Via {
                    variable: u.name.clone(),
                    reference: Span::new(file, clamp(u.range)),
                    form: u.form,
                    source: var.map(|v| v.source.clone()),
                    value: var.map(|v| v.value.clone()),
                    written: var.and_then(|v| v.written.clone()),
                }
            })
            .collect();
        let span = Span::new(file, whole);
        let segments = segments(
            &self.loader.file(file).text,
            file,
            &ev.value,
            &ev.segments,
            (!exact).then_some(span),
        );
        Ok(Value {
            text: ev.value,
            span,
            via,
            segments,
        })
    }
}
