//! Completion: variable names after `${` or `$` in compose and `.env`
//! values (the project `.env` first, then env_file keys, then the shell's,
//! at most [`MAX_ITEMS`]); service names in a `depends_on:` list or map.
//!
//! Where the cursor is, is read from its line and the lines above it, not
//! from the tree: while a name is being typed, the file often does not
//! parse. The names come from the model.

use std::collections::HashSet;

use lsp_types::{CompletionItem, CompletionItemKind, CompletionTextEdit, TextEdit};

use super::{env_files_read, is_project_env, projects_of, Snapshot};
use crate::model::types::VariableSource;
use crate::report::env::Masking;
use crate::report::escape;
use crate::report::explain::{at, show_value};
use crate::source::{Span, TextRange};

/// The most items in one answer.
pub(super) const MAX_ITEMS: usize = 200;
/// The most lines looked at above the cursor for its context.
const MAX_LINES_UP: usize = 10_000;

pub fn completion(snap: &Snapshot) -> Vec<CompletionItem> {
    let ws = &snap.linted.ws;
    let text = &ws.sources.get(snap.file).text;
    let at = snap.offset.min(text.len());
    let compose = ws.compose.contains_key(&snap.file);
    if !compose && !ws.dotenv.contains_key(&snap.file) {
        return Vec::new();
    }
    let Some(before) = text.get(..at) else {
        return Vec::new();
    };
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    if let Some(ctx) = variable_context(text, line_start, at, compose) {
        return variables(snap, &ctx);
    }
    if compose {
        if let Some(ctx) = depends_on_context(text, line_start, at) {
            return services(snap, &ctx);
        }
    }
    Vec::new()
}

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

fn is_service_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.')
}

/// The text of `text` from `at` on that `f` accepts, as a byte count.
fn run_after(text: &str, at: usize, f: fn(char) -> bool) -> usize {
    text.get(at..)
        .map_or(0, |rest| rest.len() - rest.trim_start_matches(f).len())
}

/// A variable's name being typed.
struct VarContext {
    /// The name typed so far, and what follows it: replaced.
    range: TextRange,
    prefix: String,
    /// `${`, and no `}` (nor an operator) after the name yet.
    close: bool,
}

fn variable_context(text: &str, line_start: usize, at: usize, compose: bool) -> Option<VarContext> {
    let before = text.get(line_start..at)?;
    let name_start = before.trim_end_matches(is_name_char).len();
    let head = &before[..name_start];
    let (dollar, braced) = match head.strip_suffix("${") {
        Some(h) => (h.len(), true),
        None => (head.strip_suffix('$')?.len(), false),
    };
    // `$$` is a `$` written: an odd run of `$` opens a reference.
    let run = before[..=dollar]
        .chars()
        .rev()
        .take_while(|c| *c == '$')
        .count();
    if run % 2 == 0 {
        return None;
    }
    let lead = &before[..dollar + 1 - run];
    if lead.trim_start().starts_with('#') {
        return None;
    }
    if compose {
        // A YAML comment starts with `#` after a blank.
        if lead.contains(" #") || lead.contains("\t#") {
            return None;
        }
    } else {
        // A `.env` value, not single-quoted (taken literally).
        let value = lead.split_once('=')?.1.trim_start();
        if value.starts_with('\'') {
            return None;
        }
    }
    let end = at + run_after(text, at, is_name_char);
    let next = text.get(end..).and_then(|r| r.chars().next());
    Some(VarContext {
        range: TextRange::new(line_start + name_start, end),
        prefix: before[name_start..].to_string(),
        close: braced && !matches!(next, Some('}' | ':' | '-' | '?' | '+')),
    })
}

fn item(
    snap: &Snapshot,
    range: TextRange,
    label: &str,
    insert: String,
    kind: CompletionItemKind,
    detail: String,
    order: usize,
) -> CompletionItem {
    let file = snap.sources().get(snap.file);
    let label = escape::text(label).into_owned();
    CompletionItem {
        label: label.clone(),
        kind: Some(kind),
        detail: Some(escape::text(&detail).into_owned()),
        sort_text: Some(format!("{order:05}")),
        filter_text: Some(label),
        text_edit: Some(CompletionTextEdit::Edit(TextEdit::new(
            super::super::text::range(file, range, snap.enc),
            insert,
        ))),
        ..Default::default()
    }
}

/// The variables the project knows: its `.env` lines (the effective ones
/// first, values masked), the names its compose files use, its env_files'
/// keys, then the shell's matching the prefix typed (none before one is).
fn variables(snap: &Snapshot, ctx: &VarContext) -> Vec<CompletionItem> {
    let ws = &snap.linted.ws;
    let mask = Masking {
        policy: &snap.linted.policy,
        redactor: &snap.linted.shown,
    };
    let projects = projects_of(ws, snap.file);
    let mut names: Vec<(String, String)> = Vec::new();
    let mut seen = HashSet::new();
    let mut add = |name: &str, detail: &dyn Fn() -> String, names: &mut Vec<(String, String)>| {
        if names.len() < MAX_ITEMS && seen.insert(name.to_string()) {
            names.push((name.to_string(), detail()));
        }
    };
    for p in &projects {
        let effective = p.dotenv_definitions.iter().filter(|d| d.effective);
        let others = p.dotenv_definitions.iter().filter(|d| !d.effective);
        for d in effective.chain(others) {
            let detail = || {
                let value = mask.value(&d.name, &d.value, Some(d.value_span), &d.via, &d.segments);
                format!("{} = {}", at(ws, d.key), show_value(Some(value)))
            };
            add(&d.name, &detail, &mut names);
        }
        // A `.env` that does not parse defines nothing: its lines read
        // before the error.
        for &f in p.env_files.iter().chain(&p.include_env_files) {
            for e in ws.dotenv_file(f).iter().flat_map(|d| &d.entries) {
                let detail = || at(ws, Span::new(f, e.key_range));
                add(&e.key, &detail, &mut names);
            }
        }
    }
    // The names the project's compose files use, set or not (a project
    // with no `.env` has them all from the shell, or nowhere yet).
    for p in &projects {
        for v in &p.references {
            let detail = || {
                let from = match &v.source {
                    Some(VariableSource::Dotenv { key, .. }) => at(ws, *key),
                    Some(VariableSource::Process) => "the shell".to_string(),
                    Some(VariableSource::Compose) => "Compose (the project name)".to_string(),
                    None => "not set".to_string(),
                };
                format!("used at {} ({from})", at(ws, v.reference))
            };
            add(&v.variable, &detail, &mut names);
        }
    }
    for p in &projects {
        for f in env_files_read(p) {
            if is_project_env(p, f) {
                continue;
            }
            for e in ws.dotenv_file(f).iter().flat_map(|d| &d.entries) {
                let detail = || {
                    format!(
                        "env_file {} (a container variable, not interpolated)",
                        at(ws, Span::new(f, e.key_range))
                    )
                };
                add(&e.key, &detail, &mut names);
            }
        }
    }
    // The rest of the shell's variables (the editor's environment: PATH,
    // HOME and hundreds more) only once a name is being typed.
    let prefix = ctx.prefix.to_ascii_lowercase();
    for p in &projects {
        for (name, v) in &p.variables {
            if prefix.is_empty() || !name.to_ascii_lowercase().contains(&prefix) {
                continue;
            }
            let detail = || match v.source {
                VariableSource::Process => "the shell".to_string(),
                VariableSource::Compose => "Compose (the project name)".to_string(),
                VariableSource::Dotenv { key, .. } => at(ws, key),
            };
            add(name, &detail, &mut names);
        }
    }
    names
        .into_iter()
        .enumerate()
        .map(|(i, (name, detail))| {
            let insert = if ctx.close {
                format!("{name}}}")
            } else {
                name.clone()
            };
            item(
                snap,
                ctx.range,
                &name,
                insert,
                CompletionItemKind::VARIABLE,
                detail,
                i,
            )
        })
        .collect()
}

/// A service name being typed in a `depends_on:` of `service`.
struct ServiceContext {
    service: String,
    range: TextRange,
    /// Right after an item's `-`: the name goes after a space.
    space: bool,
    /// The services the `depends_on:` names already.
    listed: Vec<String>,
}

/// The line starting at `start`, without its break.
fn line_at(text: &str, start: usize) -> &str {
    let rest = text.get(start..).unwrap_or("");
    let line = &rest[..rest.find('\n').unwrap_or(rest.len())];
    line.strip_suffix('\r').unwrap_or(line)
}

fn indent(line: &str) -> usize {
    line.len() - line.trim_start_matches(' ').len()
}

/// The start of the line that holds the line at `start` (indented by
/// `width`; `item`: a `- ` item, which may stand at its key's indentation).
fn parent_line(text: &str, start: usize, width: usize, item: bool) -> Option<usize> {
    let mut end = start;
    for _ in 0..MAX_LINES_UP {
        let prev_end = end.checked_sub(1)?;
        let prev_start = text.get(..prev_end)?.rfind('\n').map_or(0, |i| i + 1);
        end = prev_start;
        let line = line_at(text, prev_start);
        let t = line.trim();
        if t.is_empty() || t.starts_with('#') {
            continue;
        }
        let w = indent(line);
        if w < width || item && w == width && !t.starts_with('-') {
            return Some(prev_start);
        }
    }
    None
}

/// `name` of a line `name:` (nothing after the colon but a comment).
fn key_of(line: &str) -> Option<&str> {
    let (key, rest) = line.trim().split_once(':')?;
    let rest = rest.trim();
    if !(rest.is_empty() || rest.starts_with('#')) {
        return None;
    }
    Some(key.trim().trim_matches(['"', '\'']))
}

fn depends_on_context(text: &str, line_start: usize, at: usize) -> Option<ServiceContext> {
    let before = text.get(line_start..at)?;
    let mut word_start = before.trim_end_matches(is_service_char).len();
    // `-` right after the indentation is the item's mark, not the name's
    // start (`      -|` with the cursor after it).
    if before[..word_start].trim().is_empty() && before[word_start..].starts_with('-') {
        word_start += 1;
    }
    let lead = &before[..word_start];
    let range = TextRange::new(
        line_start + word_start,
        at + run_after(text, at, is_service_char),
    );
    let t = lead.trim();
    let deps = if t.starts_with("depends_on:") && t.contains('[') && !t.contains(']') {
        // `depends_on: [a, b`
        line_start
    } else if t.is_empty() || t == "-" {
        let parent = parent_line(text, line_start, indent(lead), t == "-")?;
        if key_of(line_at(text, parent)) != Some("depends_on") {
            return None;
        }
        parent
    } else {
        return None;
    };
    let service_line = parent_line(text, deps, indent(line_at(text, deps)), false)?;
    let service = key_of(line_at(text, service_line))?;
    let services = parent_line(
        text,
        service_line,
        indent(line_at(text, service_line)),
        false,
    )?;
    if key_of(line_at(text, services)) != Some("services") {
        return None;
    }
    let typed = text.get(range.start..range.end).unwrap_or("");
    let listed = listed_under(text, deps)
        .into_iter()
        .filter(|n| n != typed)
        .collect();
    Some(ServiceContext {
        service: service.to_string(),
        range,
        space: lead.ends_with('-'),
        listed,
    })
}

/// The services a `depends_on:` at line `deps` already names (list items,
/// map keys, or a flow list on its line).
fn listed_under(text: &str, deps: usize) -> Vec<String> {
    let head = line_at(text, deps);
    let mut names = Vec::new();
    if let Some((_, flow)) = head.split_once('[') {
        let flow = flow.split(']').next().unwrap_or("");
        names.extend(
            flow.split(',')
                .map(|n| n.trim().trim_matches(['"', '\'']).to_string())
                .filter(|n| !n.is_empty()),
        );
        return names;
    }
    let width = indent(head);
    let mut start = deps + head.len();
    let mut item_width = None;
    for _ in 0..MAX_LINES_UP {
        let Some(next) = text
            .get(start..)
            .and_then(|r| r.find('\n'))
            .map(|i| start + i + 1)
        else {
            break;
        };
        start = next;
        let line = line_at(text, start);
        let t = line.trim();
        if t.is_empty() || t.starts_with('#') {
            continue;
        }
        let w = indent(line);
        if w < width || w == width && !t.starts_with('-') {
            break;
        }
        let first = *item_width.get_or_insert(w);
        if w != first {
            continue;
        }
        let name = match t.strip_prefix('-') {
            Some(item) => item.trim(),
            None => t.split(':').next().unwrap_or(""),
        };
        let name = name.trim().trim_matches(['"', '\'']);
        if !name.is_empty() {
            names.push(name.to_string());
        }
    }
    names
}

/// The project's services but the one being edited.
fn services(snap: &Snapshot, ctx: &ServiceContext) -> Vec<CompletionItem> {
    let ws = &snap.linted.ws;
    let projects = projects_of(ws, snap.file);
    let mut names: Vec<(&str, Span)> = projects
        .iter()
        .flat_map(|p| &p.services)
        .map(|s| (s.name.as_str(), s.name_span))
        .collect();
    if names.is_empty() {
        // A compose file that does not parse leaves the project without
        // services: those its other files' trees define.
        names = projects
            .iter()
            .flat_map(|p| &p.compose_files)
            .filter_map(|f| Some((*f, ws.compose.get(f)?)))
            .flat_map(|(f, t)| {
                t.documents()
                    .flat_map(|d| &d.services)
                    .map(move |s| (s.name.value.as_str(), Span::new(f, s.name.range)))
            })
            .collect();
    }
    let mut seen = HashSet::new();
    names
        .into_iter()
        .filter(|(n, _)| *n != ctx.service && !ctx.listed.iter().any(|l| l == n) && seen.insert(*n))
        .take(MAX_ITEMS)
        .enumerate()
        .map(|(i, (name, span))| {
            let insert = match ctx.space {
                true => format!(" {name}"),
                false => name.to_string(),
            };
            item(
                snap,
                ctx.range,
                name,
                insert,
                CompletionItemKind::MODULE,
                format!("service, {}", at(ws, span)),
                i,
            )
        })
        .collect()
}
