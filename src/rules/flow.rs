//! Helpers shared by the rules that follow a value along the flow: where a
//! piece of a container value was written, and what carried it there.

use crate::facts::images::{runs_stage, JudgedImage};
use crate::model::types::*;
use crate::model::workspace::Workspace;
use crate::rules::{Diagnostic, Label};
use crate::source::{Span, TextRange};

#[cfg(doc)]
use crate::model::types::Origin;

/// Where the offending text of a container variable was written, and the
/// labels on the way from there into the container.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Trace {
    pub primary: Span,
    pub labels: Vec<Label>,
    /// True when the text was found exactly (not just the whole value).
    pub exact: bool,
}

/// The sub-range of `span` where `needle` is written, if it is.
pub fn find_in(ws: &Workspace, span: Span, needle: &str) -> Option<Span> {
    find_piece_in(ws, span, &Piece::whole(needle))
}

/// A piece of a container value, as a rule found it: its text, and which
/// whole-word occurrence of that text in the value it is. The host of
/// `postgresql://postgres:pw@postgres/app` is the second whole-word
/// `postgres` (the first is the user; the scheme is no whole word).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Piece<'a> {
    pub text: &'a str,
    pub nth: usize,
}

impl<'a> Piece<'a> {
    /// The whole of a value, or a text that occurs once.
    pub fn whole(text: &'a str) -> Self {
        Piece { text, nth: 0 }
    }

    /// `value[start..end]`.
    pub fn at(value: &'a str, start: usize, end: usize) -> Self {
        let text = &value[start..end];
        let nth = word_matches(value, text).take_while(|&i| i < start).count();
        Piece { text, nth }
    }
}

/// Offsets of `needle` in `text` where it is a whole word: not inside a
/// longer name, host or number (`db` is no word of `mongodb` or `db.local`).
/// The default of `${VAR:-word}` / `${VAR-word}` is a word too.
fn word_matches<'t>(text: &'t str, needle: &'t str) -> impl Iterator<Item = usize> + 't {
    let inner = |c: char| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.');
    text.match_indices(needle)
        .map(|(i, _)| i)
        .filter(move |&i| {
            let before = &text[..i];
            (!before.chars().next_back().is_some_and(inner) || after_default_operator(before))
                && !text[i + needle.len()..].chars().next().is_some_and(inner)
        })
}

/// Does `before` end with `${NAME:-` or `${NAME-`?
fn after_default_operator(before: &str) -> bool {
    let Some(rest) = before.strip_suffix('-') else {
        return false;
    };
    let rest = rest.strip_suffix(':').unwrap_or(rest);
    let name = rest.trim_end_matches(|c: char| c.is_ascii_alphanumeric() || c == '_');
    name.len() < rest.len() && name.ends_with("${")
}

/// Where `piece` is written in `span`: its own whole-word occurrence, else
/// the first whole-word one (text interpolated before it can shift the
/// count), else the first occurrence at all.
pub fn find_piece_in(ws: &Workspace, span: Span, piece: &Piece) -> Option<Span> {
    if piece.text.is_empty() {
        return None;
    }
    let text = ws.sources.get(span.file).slice(span.range);
    let words: Vec<usize> = word_matches(text, piece.text).collect();
    let at = words
        .get(piece.nth)
        .or(words.first())
        .copied()
        .or_else(|| text.find(piece.text))?;
    let start = span.range.start + at;
    Some(Span::new(
        span.file,
        TextRange::new(start, start + piece.text.len()),
    ))
}

/// The labels on the way of a piece carried by `vias` (the outermost
/// first) into `def` of `service`: each reference, "interpolated here into"
/// what holds it; or, for a piece written in an env_file line, the service
/// that reads the file.
fn way_labels(service: &Service, def: &EnvDefinition, vias: &[&Via]) -> Vec<Label> {
    let mut labels = Vec::new();
    for (i, via) in vias.iter().enumerate() {
        let message = match i {
            0 => format!(
                "interpolated here into {} of service `{}`",
                def.key, service.name
            ),
            _ => format!("interpolated here into {}", vias[i - 1].variable),
        };
        labels.push(Label {
            span: via.reference,
            message,
        });
    }
    if vias.is_empty() && def.source == EnvSource::ComposeEnvFile {
        labels.push(Label {
            span: service.name_span,
            message: format!("service `{}` reads this env_file", service.name),
        });
    }
    labels
}

/// Locate `range` (bytes of the container value of `def`) at its source,
/// with labels on each reference that carried it into `service`.
///
/// The value's map ([`EnvDefinition::origin_of`]) answers exactly: through
/// `${VAR}` into the `.env` or env_file line that set it, and on into the
/// variables of that line. Where it cannot ([`Origin::span`] is `None`) in
/// the innermost value the map reached ([`Origin::reached`]):
/// - the text was decoded from another form (a YAML escape, a folded or
///   block scalar, `$$`, a quoted `.env` value with an escape, a Dockerfile
///   `ENV` with an escape or `$VAR`): searched for in the literal it was
///   decoded from;
/// - the range spans several pieces of that value (part written, part a
///   variable): not searched for, the smallest text that holds it is the
///   place ([`Origin::within`]).
///
/// When the innermost variable's value is written nowhere the model read
/// (the shell, Compose), the reference that brings it in is the place.
/// Only a decoded text found in its literal is `exact`.
pub fn trace(
    ws: &Workspace,
    service: &Service,
    def: &EnvDefinition,
    range: std::ops::Range<usize>,
) -> Trace {
    let Some(origin) = def.origin_of(range) else {
        return Trace {
            primary: def.key_span,
            labels: way_labels(service, def, &[]),
            exact: false,
        };
    };
    let labels = way_labels(service, def, &origin.vias);
    if let Some(primary) = origin.span {
        return Trace {
            primary,
            labels,
            exact: true,
        };
    }
    match &origin.reached {
        // Part written, part a variable: no one place writes it.
        Some(r) if origin.crosses => Trace {
            primary: origin.within.unwrap_or(r.span),
            labels,
            exact: false,
        },
        Some(r) => {
            // Decoded text: searched for in the literal it was decoded from,
            // counted as that literal counts it.
            let found = r
                .text
                .get(r.piece.clone())
                .filter(|_| r.piece.start <= r.range.start && r.range.end <= r.piece.end)
                .and_then(|piece| {
                    let at = r.range.start - r.piece.start..r.range.end - r.piece.start;
                    let within = origin.within.unwrap_or(r.span);
                    find_piece_in(ws, within, &Piece::at(piece, at.start, at.end))
                });
            match found {
                Some(primary) => Trace {
                    primary,
                    labels,
                    exact: true,
                },
                None => Trace {
                    primary: origin.within.unwrap_or(r.span),
                    labels,
                    exact: false,
                },
            }
        }
        None => match origin.vias.split_last() {
            Some((last, outer)) => Trace {
                primary: last.reference,
                labels: way_labels(service, def, outer),
                exact: false,
            },
            None => Trace {
                primary: def.value_span.unwrap_or(def.key_span),
                labels,
                exact: false,
            },
        },
    }
}

/// Services that `project` runs, paired with the project.
pub fn active_services(ws: &Workspace) -> impl Iterator<Item = (&Project, &Service)> {
    ws.active_services()
}

/// Merge diagnostics that point at the same text for the same reason (a
/// `.env` value received by several services): one diagnostic, every label.
pub fn merge_same_span(diags: Vec<crate::rules::Diagnostic>) -> Vec<crate::rules::Diagnostic> {
    let mut out: Vec<crate::rules::Diagnostic> = Vec::new();
    for d in diags {
        match out
            .iter_mut()
            .find(|o| o.rule == d.rule && o.span == d.span && o.help == d.help)
        {
            Some(o) => {
                for l in d.labels {
                    if !o.labels.contains(&l) {
                        o.labels.push(l);
                    }
                }
            }
            None => out.push(d),
        }
    }
    out
}

/// Services named in a message: "service `a`", "services `a` and `b`",
/// "services `a`, `b` and `c`".
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Services(pub Vec<String>);

impl Services {
    pub fn add(&mut self, name: &str) {
        if !self.0.iter().any(|n| n == name) {
            self.0.push(name.to_string());
        }
    }

    /// The names alone: "`a`", "`a` and `b`", "`a`, `b` and `c`".
    pub fn names(&self) -> String {
        let names: Vec<String> = self.0.iter().map(|n| format!("`{n}`")).collect();
        match names.as_slice() {
            [] => String::new(),
            [one] => one.clone(),
            [init @ .., last] => format!("{} and {last}", init.join(", ")),
        }
    }

    /// `one` with a single service, else `many`: "receives" / "receive".
    pub fn verb<'a>(&self, one: &'a str, many: &'a str) -> &'a str {
        if self.0.len() == 1 {
            one
        } else {
            many
        }
    }
}

impl std::fmt::Display for Services {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0.len() {
            0 => write!(f, "no service"),
            1 => write!(f, "service {}", self.names()),
            _ => write!(f, "services {}", self.names()),
        }
    }
}

/// One service's part of a finding, before grouping: the problem (`K`,
/// whose primary span is part of it), the service, a detail that may differ
/// between services (the variable that carries the value), labels.
#[derive(Debug, Clone)]
pub struct Part<K> {
    pub key: K,
    pub service: String,
    pub detail: String,
    pub labels: Vec<Label>,
}

/// What several services have in common in one finding: the problem, every
/// service concerned, every distinct detail and every label once, in the
/// order found.
#[derive(Debug, Clone)]
pub struct Grouped<K> {
    pub key: K,
    pub services: Services,
    pub details: Vec<String>,
    pub labels: Vec<Label>,
}

impl<K> Grouped<K> {
    /// The details as a message lists them: `A`, `A and B`, `A, B and C`.
    pub fn details_phrase(&self) -> String {
        match self.details.as_slice() {
            [] => String::new(),
            [one] => one.clone(),
            [init @ .., last] => format!("{} and {last}", init.join(", ")),
        }
    }
}

/// One group per distinct key: a value written once (in `.env`, an
/// env_file, a YAML anchor, a Dockerfile several services build) is one
/// finding naming every service that receives it, not one per service.
pub fn group_by_key<K: PartialEq>(parts: Vec<Part<K>>) -> Vec<Grouped<K>> {
    let mut out: Vec<Grouped<K>> = Vec::new();
    for p in parts {
        let i = match out.iter().position(|g| g.key == p.key) {
            Some(i) => i,
            None => {
                out.push(Grouped {
                    key: p.key,
                    services: Services::default(),
                    details: Vec::new(),
                    labels: Vec::new(),
                });
                out.len() - 1
            }
        };
        let g = &mut out[i];
        g.services.add(&p.service);
        if !p.detail.is_empty() && !g.details.contains(&p.detail) {
            g.details.push(p.detail);
        }
        for l in p.labels {
            if !g.labels.contains(&l) {
                g.labels.push(l);
            }
        }
    }
    out
}

/// Where the host a service receives is written, and the labels on its way
/// into the container.
pub(crate) fn trace_host(ws: &Workspace, r: &crate::facts::known::ReceivedHost) -> Trace {
    let h = &r.host;
    trace(ws, r.service, r.definition, h.at..h.at + h.host.len())
}

/// Labels of a judged image's diagnostics (the facts say who runs the
/// image; the rules word it).
impl JudgedImage<'_> {
    /// Labels saying who runs this image: each service (at its `target`, or
    /// its `build:`), or the last stage of a Dockerfile built on its own.
    pub(crate) fn with_labels(&self, mut d: Diagnostic) -> Diagnostic {
        let stage = self.facts.run_stage();
        if self.services.is_empty() {
            return d.with_label(
                stage.from_span,
                format!(
                    "stage {}, the last: the image `docker build` produces",
                    stage.display_name()
                ),
            );
        }
        for s in &self.services {
            let (at, label) = runs_stage(s, stage);
            d = d.with_label(at, label);
        }
        d
    }
}

/// The services a finding concerns, as its message and labels show them:
/// the first few by name, each with a label, and how many others (a
/// finding on code that 200 services run is one finding, not 200 labels).
#[derive(Debug, Default)]
pub(crate) struct ServiceList {
    shown: Vec<(String, crate::source::Span)>,
    more: usize,
    /// The last service added, so that adding it again is free.
    last: Option<String>,
}

impl ServiceList {
    /// How many services are named and labelled.
    const SHOWN: usize = 5;

    /// Add `service` (once).
    pub(crate) fn add(&mut self, service: &Service) {
        if self.last.as_deref() == Some(service.name.as_str())
            || self.shown.iter().any(|(s, _)| *s == service.name)
        {
            return;
        }
        self.last = Some(service.name.clone());
        if self.shown.len() < Self::SHOWN {
            self.shown.push((service.name.clone(), service.name_span));
        } else {
            self.more += 1;
        }
    }

    /// `the container of \`api\`` or `the containers of \`api\`, \`worker\``
    /// (and `and 3 other services`), with the verb's ending: (`receives`,
    /// `receive`).
    pub(crate) fn words(&self, verb: &str) -> String {
        let names: Vec<String> = self.shown.iter().map(|(s, _)| format!("`{s}`")).collect();
        let mut list = names.join(", ");
        if self.more > 0 {
            list.push_str(&format!(
                " and {} other service{}",
                self.more,
                if self.more == 1 { "" } else { "s" }
            ));
        }
        if names.len() + self.more == 1 {
            format!("the container of {list} never {verb}s")
        } else {
            format!("the containers of {list} never {verb}")
        }
    }

    /// The labelled services.
    pub(crate) fn shown(&self) -> &[(String, crate::source::Span)] {
        &self.shown
    }
}
