//! Hover on a variable: `explain VAR`'s answer, short. For each service
//! (at most [`MAX_SERVICES`], those the place concerns first, then those
//! that receive the variable), the final value masked as `explain` masks
//! it, where it is defined, what it overrides and why — or why it does not
//! arrive. On a `${VAR}` reference, first what the reference resolves to
//! and the services that use it. The words are `report::explain`'s.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

use lsp_types::{Hover, HoverContents, MarkupContent, MarkupKind};

use super::place::{place_at, Place, VarAt, VarKind};
use super::{built_from, overlaps, projects_of, Snapshot};
use crate::model::explain::{explain_service, DefinedAt, ServiceExplanation};
use crate::model::types::{OpKind, Project, ReferenceForm, Service, Via};
use crate::model::workspace::Workspace;
use crate::report::env::Masking;
use crate::report::escape;
use crate::report::explain::{
    at, candidate_value, default_value, defined_at_text, esc, final_value, is_unrelated,
    not_received_text, reason_text, reference_text, show_value, via_origin,
};
use crate::source::FileId;

/// The services explained in one hover, per project; the others are
/// counted.
pub(super) const MAX_SERVICES: usize = 10;
/// The projects shown (a file read by several).
const MAX_PROJECTS: usize = 3;
/// The definitions a service's value overrides, shown.
const MAX_OVERRIDES: usize = 4;
/// The services named as using a reference.
const MAX_USERS: usize = 10;

pub fn hover(snap: &Snapshot) -> Option<Hover> {
    let ws = &snap.linted.ws;
    let Place::Var(var) = place_at(ws, snap.file, snap.offset)? else {
        return None;
    };
    let mask = Masking {
        policy: &snap.linted.policy,
        redactor: &snap.linted.shown,
    };
    // One block per project reading the file, headed by its compose files;
    // projects of one folder (a default file and other `-f` sets) that say
    // the same share one block, whose heading names each set.
    let mut blocks: Vec<(String, Vec<String>, String)> = Vec::new();
    for p in projects_of(ws, snap.file).into_iter().take(MAX_PROJECTS) {
        let mut body = String::new();
        variable_in_project(ws, p, &var, &mask, &mut body);
        match blocks
            .iter_mut()
            .find(|(n, _, b)| *n == p.name && *b == body)
        {
            Some((_, sets, _)) => sets.push(files_line(ws, p)),
            None => blocks.push((p.name.clone(), vec![files_line(ws, p)], body)),
        }
    }
    let out = blocks
        .iter()
        .map(|(project, sets, body)| {
            format!(
                "**{}** in project {} ({})\n\n{body}",
                code(&esc(&var.name)),
                code(&esc(project)),
                sets.join("; ")
            )
        })
        .collect::<Vec<_>>()
        .join("\n---\n\n");
    if out.is_empty() {
        return None;
    }
    let file = snap.sources().get(var.span.file);
    Some(Hover {
        contents: HoverContents::Markup(MarkupContent {
            kind: MarkupKind::Markdown,
            value: escape::output(&out).into_owned(),
        }),
        range: Some(super::super::text::range(file, var.span.range, snap.enc)),
    })
}

/// A value as a markdown code span (`"value"`).
fn code_value(value: Option<String>) -> String {
    code(&shown(value))
}

/// `text` as one markdown code span, whatever backticks it holds.
fn code(text: &str) -> String {
    let mut longest = 0;
    let mut run = 0;
    for c in text.chars() {
        run = if c == '`' { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    let fence = "`".repeat(longest + 1);
    let pad = if text.starts_with('`') || text.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{text}{pad}{fence}")
}

/// A piece of explain's words, masked and on one line.
fn words(mask: &Masking, text: &str) -> String {
    esc(&mask.redactor.redact(text))
}

fn variable_in_project(ws: &Workspace, p: &Project, var: &VarAt, mask: &Masking, out: &mut String) {
    let name = var.name.as_str();
    let via = match &var.kind {
        VarKind::Reference(v) | VarKind::ValueReference(Some(v)) => Some(*v),
        _ => None,
    };
    if let Some(v) = via {
        let _ = writeln!(out, "{}\n", reference_line(ws, v, mask));
    }
    let users = services_referencing(ws, p, name);
    if matches!(var.kind, VarKind::Reference(_)) && !users.is_empty() {
        let _ = writeln!(out, "used by {}\n", names_line(&users, MAX_USERS));
    }
    let (explained, rest) = explain_services(ws, p, var, &users);
    if var.kind.defines() {
        if let Some(line) = this_definition(ws, var, &explained, mask) {
            let _ = writeln!(out, "{line}\n");
        }
    }
    services_lines(ws, name, &explained, rest, mask, out);
}

/// The compose files of a project, as `-f` would name them: what tells
/// two projects of one folder apart.
fn files_line(ws: &Workspace, p: &Project) -> String {
    const MAX_FILES: usize = 3;
    let names: Vec<String> = p
        .compose_files
        .iter()
        .filter(|f| !p.included_files.contains(f))
        .map(|f| esc(&ws.sources.get(*f).display))
        .collect();
    let mut line = names
        .iter()
        .take(MAX_FILES)
        .cloned()
        .collect::<Vec<_>>()
        .join(" + ");
    if names.len() > MAX_FILES {
        let _ = write!(line, " + {} more", names.len() - MAX_FILES);
    }
    line
}

/// A value as a hover shows it: its first line, at most [`MAX_VALUE`]
/// characters (a value of many lines — a whole configuration in one
/// variable — is for `explain`, not a tooltip).
fn shown(value: Option<String>) -> String {
    show_value(value.map(|v| {
        let first = v.lines().next().unwrap_or("");
        let clipped: String = first.chars().take(MAX_VALUE).collect();
        if clipped.len() < v.len() {
            format!("{clipped}…")
        } else {
            v
        }
    }))
}

/// The characters of a value a hover shows.
const MAX_VALUE: usize = 80;

/// `${VAR:-d}` at compose.yaml:7 → `"value"` from .env:3.
fn reference_line(ws: &Workspace, v: &Via, mask: &Masking) -> String {
    let file = ws.sources.get(v.reference.file);
    let written = mask.redactor.redact_source(
        Some(v.reference.file),
        file.slice(v.reference.range),
        v.reference.range.start,
    );
    let default_op = matches!(
        v.form,
        ReferenceForm::Op(OpKind::DefaultIfEmpty | OpKind::DefaultIfUnset)
    );
    let empty_default = v.form == ReferenceForm::Op(OpKind::DefaultIfEmpty);
    // A `.env` line's reference to an earlier line keeps that line's
    // value as written only.
    let value = v
        .value
        .as_deref()
        .or_else(|| v.written.as_deref().map(|w| w.text.as_str()));
    let resolved = match value {
        Some(value) if !(value.is_empty() && empty_default) => format!(
            "{} from {}",
            code(&shown(Some(via_value(v, value, mask)))),
            via_origin(ws, v, mask, code_value)
        ),
        _ if default_op => match default_value(ws, v, mask) {
            // The default is written in the reference: masked with it.
            Some(d) => format!("{} (its default)", code_value(Some(d))),
            None => "its default".to_string(),
        },
        _ if v.form == ReferenceForm::Passthrough => {
            "nothing: set by neither the shell nor .env, Compose leaves it out".to_string()
        }
        _ => format!(
            "{}, from {}",
            code("\"\""),
            via_origin(ws, v, mask, code_value)
        ),
    };
    format!(
        "{} at {} → {resolved}",
        code(&esc(&written)),
        at(ws, v.reference)
    )
}

/// A reference's value, masked by the map of the `.env` value it comes
/// from.
fn via_value(v: &Via, value: &str, mask: &Masking) -> String {
    match &v.written {
        Some(w) => mask.value(&v.variable, value, Some(w.span), &w.via, &w.segments),
        None => mask.value(&v.variable, value, None, &[], &[]),
    }
}

/// The services of `p` whose definitions hold a `${var}` reference: each
/// reference placed in its compose file's services (sorted once per file).
fn services_referencing<'a>(ws: &'a Workspace, p: &'a Project, var: &str) -> Vec<&'a str> {
    let mut by_file: BTreeMap<FileId, Vec<usize>> = BTreeMap::new();
    for v in p.references.iter().filter(|v| v.variable == var) {
        by_file
            .entry(v.reference.file)
            .or_default()
            .push(v.reference.range.start);
    }
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for (file, starts) in by_file {
        let Some(tree) = ws.compose.get(&file) else {
            continue;
        };
        let mut ranges: Vec<_> = tree
            .documents()
            .flat_map(|d| d.services.iter().map(|s| (s.range, s.name.value.as_str())))
            .collect();
        ranges.sort_by_key(|(r, _)| r.start);
        for start in starts {
            let i = ranges.partition_point(|(r, _)| r.start <= start);
            if let Some((r, name)) = i.checked_sub(1).and_then(|i| ranges.get(i)) {
                if start <= r.end && seen.insert(*name) {
                    out.push(*name);
                }
            }
        }
    }
    out
}

/// `` `a`, `b` and 3 more ``.
fn names_line(names: &[&str], max: usize) -> String {
    let mut line = names
        .iter()
        .take(max)
        .map(|n| code(&esc(n)))
        .collect::<Vec<_>>()
        .join(", ");
    if names.len() > max {
        let _ = write!(line, " and {} more", names.len() - max);
    }
    line
}

/// The services the place concerns, then those that reference the
/// variable (`users`), then those that define it, then the others,
/// explained up to [`MAX_SERVICES`]; and how many are left.
fn explain_services(
    ws: &Workspace,
    p: &Project,
    var: &VarAt,
    users: &[&str],
) -> (Vec<ServiceExplanation>, usize) {
    let name = var.name.as_str();
    let mut chosen: Vec<&Service> = Vec::new();
    let file = var.span.file;
    let owners: Vec<&Service> = match &var.kind {
        VarKind::EnvKey { service } | VarKind::BuildArg { service } => {
            p.service(service).into_iter().collect()
        }
        VarKind::Reference(v) => services_referencing_at(ws, p, v),
        VarKind::DotenvKey | VarKind::ValueReference(_) => p
            .services
            .iter()
            .filter(|s| s.reads_env_file(file))
            .take(MAX_SERVICES)
            .collect(),
        VarKind::ImageEnv | VarKind::ImageArg | VarKind::ImageUse => p
            .services
            .iter()
            .filter(|s| built_from(s, file))
            .take(MAX_SERVICES)
            .collect(),
    };
    let users = users.iter().filter_map(|n| p.service(n));
    let receives = p
        .services
        .iter()
        .filter(|s| s.container_env.get(name).is_some());
    for s in owners
        .into_iter()
        .chain(users)
        .chain(receives)
        .chain(&p.services)
    {
        if chosen.len() >= MAX_SERVICES {
            break;
        }
        if !chosen.iter().any(|c| std::ptr::eq(*c, s)) {
            chosen.push(s);
        }
    }
    let rest = p.services.len().saturating_sub(chosen.len());
    let explained = chosen
        .into_iter()
        .map(|s| explain_service(ws, p, s, name))
        .collect();
    (explained, rest)
}

/// The service whose definition holds the reference `v`.
fn services_referencing_at<'a>(ws: &Workspace, p: &'a Project, v: &Via) -> Vec<&'a Service> {
    let Some(tree) = ws.compose.get(&v.reference.file) else {
        return Vec::new();
    };
    tree.documents()
        .flat_map(|d| &d.services)
        .filter(|s| super::touches(s.range, v.reference.range.start))
        .filter_map(|s| p.service(&s.name.value))
        .take(1)
        .collect()
}

/// What became of the definition under the cursor, when no service shown
/// receives it (its reason would be among their overrides): explain's
/// reason for it.
fn this_definition(
    ws: &Workspace,
    var: &VarAt,
    explained: &[ServiceExplanation],
    mask: &Masking,
) -> Option<String> {
    let name = var.name.as_str();
    let c = explained
        .iter()
        .flat_map(|s| &s.candidates)
        .find(|c| c.service.is_none() && c.key_span.is_some_and(|k| overlaps(k, var.span)))?;
    if explained
        .iter()
        .filter(|s| s.final_value.is_some())
        .flat_map(|s| &s.candidates)
        .any(|o| o.key_span == c.key_span)
    {
        return None;
    }
    Some(format!(
        "this definition ({} at {}) = {}: {}",
        c.source.as_str(),
        at(ws, var.span),
        code(&shown(candidate_value(name, c, mask))),
        words(mask, &reason_text(ws, name, &c.reason))
    ))
}

fn services_lines(
    ws: &Workspace,
    var: &str,
    explained: &[ServiceExplanation],
    rest: usize,
    mask: &Masking,
    out: &mut String,
) {
    let any_receives = explained.iter().any(|s| s.final_value.is_some());
    let unrelated: Vec<&str> = explained
        .iter()
        .filter(|s| is_unrelated(any_receives, s))
        .map(|s| s.service.as_str())
        .collect();
    // None receives it, and several only see the project's variables.
    let alike: Vec<&ServiceExplanation> = explained
        .iter()
        .filter(|s| !any_receives && is_unrelated(true, s))
        .collect();
    let grouped = alike.len() >= 2;
    for s in explained {
        if is_unrelated(any_receives, s) || grouped && is_unrelated(true, s) {
            continue;
        }
        let service = code(&esc(&s.service));
        match &s.final_value {
            Some(f) => {
                let mut line = format!(
                    "- **{service}**: {} from {}",
                    code(&shown(final_value(var, f, mask))),
                    defined_at_text(
                        ws,
                        &DefinedAt {
                            source: f.source,
                            key: f.key_span
                        }
                    )
                );
                let vias: Vec<String> = f
                    .via
                    .iter()
                    .take(3)
                    .map(|v| {
                        format!(
                            "{} from {}",
                            code(&reference_text(ws, v, mask)),
                            via_origin(ws, v, mask, code_value)
                        )
                    })
                    .collect();
                if !vias.is_empty() {
                    let _ = write!(line, " ({})", vias.join(", "));
                }
                let _ = writeln!(out, "{line}");
                overrides(ws, var, s, mask, out);
            }
            None => {
                let why = s
                    .why_not
                    .first()
                    .map(|w| format!(": {}", words(mask, &not_received_text(ws, var, w))))
                    .unwrap_or_default();
                let _ = writeln!(out, "- **{service}**: does not receive {}{why}", esc(var));
            }
        }
    }
    if let Some(first) = alike.first().filter(|_| grouped) {
        let names: Vec<&str> = alike.iter().map(|s| s.service.as_str()).collect();
        let why = first
            .why_not
            .first()
            .map(|w| {
                format!(
                    " — for {}: {}",
                    code(&esc(&first.service)),
                    words(mask, &not_received_text(ws, var, w))
                )
            })
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "- {}: none receives {}{why}",
            names_line(&names, MAX_SERVICES),
            esc(var)
        );
    }
    if !unrelated.is_empty() {
        let _ = writeln!(
            out,
            "- {}: no {}, and nothing of {} refers to it",
            names_line(&unrelated, MAX_SERVICES),
            esc(var),
            if unrelated.len() == 1 { "it" } else { "them" }
        );
    }
    if rest > 0 {
        let _ = writeln!(
            out,
            "- and {rest} more service{}",
            if rest == 1 { "" } else { "s" }
        );
    }
}

/// The definitions a service's value wins over, with explain's reason.
fn overrides(ws: &Workspace, var: &str, s: &ServiceExplanation, mask: &Masking, out: &mut String) {
    let not_used: Vec<_> = s
        .candidates
        .iter()
        .filter(|c| !c.used && c.service.is_none())
        .collect();
    for c in not_used.iter().take(MAX_OVERRIDES) {
        let place = c
            .key_span
            .map(|sp| at(ws, sp))
            .unwrap_or_else(|| "the shell".into());
        let _ = writeln!(
            out,
            "  - ✗ {} {place}: {}",
            c.source.as_str(),
            words(mask, &reason_text(ws, var, &c.reason))
        );
    }
    if not_used.len() > MAX_OVERRIDES {
        let _ = writeln!(out, "  - and {} more", not_used.len() - MAX_OVERRIDES);
    }
}
