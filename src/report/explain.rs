//! `mppeep-lint explain VAR`: the explanation as text with source snippets,
//! as JSON (the contract of the explain issue), and as a Mermaid flowchart
//! that renders in GitHub markdown. Every value goes through the masking.

use std::fmt::Write;

use serde_json::{json, Map, Value as Json};

use crate::model::explain::*;
use crate::model::types::*;
use crate::model::workspace::Workspace;
use crate::report::env::Masking;
use crate::source::Span;

fn loc(ws: &Workspace, span: Span) -> (String, usize, usize) {
    let f = ws.sources.get(span.file);
    let lc = f.line_col(span.range.start);
    (f.display.clone(), lc.line, lc.column)
}

fn at(ws: &Workspace, span: Span) -> String {
    let (f, l, _) = loc(ws, span);
    format!("{f}:{l}")
}

/// The source line holding `span`, secrets overwritten.
fn snippet(ws: &Workspace, span: Span, mask: &Masking) -> (usize, String) {
    let f = ws.sources.get(span.file);
    let line = f.line_col(span.range.start).line;
    let range = f.line_range(line);
    let text = f.slice(range).trim_end_matches(['\n', '\r']);
    (
        line,
        mask.redactor
            .redact_source(Some(span.file), text, range.start),
    )
}

fn show_value(var: &str, value: Option<&str>, mask: &Masking) -> String {
    match value {
        Some(v) => format!("{:?}", mask.value(var, v)),
        None => "(unset)".to_string(),
    }
}

fn via_origin(ws: &Workspace, v: &Via) -> String {
    match &v.source {
        Some(VariableSource::Dotenv { key, .. }) => at(ws, *key),
        Some(VariableSource::Process) => "the shell".to_string(),
        Some(VariableSource::Compose) => "Compose (the project name)".to_string(),
        None => "nowhere (empty)".to_string(),
    }
}

/// The text for people.
pub fn explain_text(ws: &Workspace, ex: &Explanation, mask: &Masking) -> String {
    let var = &ex.variable;
    let mut out = String::new();
    if ex.projects.is_empty() {
        let _ = writeln!(out, "no compose project found: nothing receives {var}");
    }
    for p in &ex.projects {
        let files: Vec<&str> = p
            .compose_files
            .iter()
            .map(|f| ws.sources.get(*f).display.as_str())
            .collect();
        let _ = writeln!(out, "{var} in project {} ({})", p.name, files.join(", "));
        if !p.references.is_empty() {
            let _ = writeln!(out, "  referenced at:");
            for r in &p.references {
                let (line, text) = snippet(ws, r.reference, mask);
                let (file, _, _) = loc(ws, r.reference);
                let form = match r.form {
                    ReferenceForm::Plain => "plain: empty when unset".to_string(),
                    ReferenceForm::Passthrough => "passthrough".to_string(),
                    ReferenceForm::Op(k) => format!("`{}`", k.as_str()),
                };
                let _ = writeln!(out, "    {file}:{line} ({form})\n      {line:>4} | {text}");
            }
        }
        if p.references.is_empty() {
            let _ = writeln!(
                out,
                "  referenced at: nowhere (no `${{{var}}}` in the compose files)"
            );
        }
        if p.services.is_empty() {
            let _ = writeln!(out, "  (no services)");
        }
        // When some service receives VAR, the services that have nothing to
        // do with it are named on one line instead of explained at length.
        let any_receives = p.services.iter().any(|s| s.final_value.is_some());
        let unrelated = |s: &ServiceExplanation| is_unrelated(any_receives, s);
        let others: Vec<&str> = p
            .services
            .iter()
            .filter(|s| unrelated(s))
            .map(|s| s.service.as_str())
            .collect();
        // When none receives it and several services stand alike (only the
        // project's interpolation variables mention VAR), say it once.
        let alike: Vec<&ServiceExplanation> = p
            .services
            .iter()
            .filter(|s| !any_receives && is_unrelated(true, s))
            .collect();
        let grouped = alike.len() >= 2;
        if grouped {
            let names: Vec<&str> = alike.iter().map(|s| s.service.as_str()).collect();
            let _ = writeln!(
                out,
                "\n  services {}: none receives {var}",
                names.join(", ")
            );
            let first = alike[0];
            if first.candidates.is_empty() {
                for w in &first.why_not {
                    let _ = writeln!(out, "    why: {}", mask.redactor.redact(w));
                }
            } else {
                let _ = writeln!(
                out,
                "    why: {var} is only in the project's interpolation variables (.env or the shell), which only feed `${{…}}` in compose files; to pass it, add `{var}: ${{{var}}}` to the `environment:` of the service that needs it, or list the .env file under its `env_file:`"
            );
            }
            for sg in &first.suggestions {
                let place = sg
                    .span
                    .map(|sp| format!(" ({})", at(ws, sp)))
                    .unwrap_or_default();
                let _ = writeln!(out, "    did you mean `{}`{place}?", sg.name);
            }
            for c in &first.candidates {
                let place = c
                    .key_span
                    .map(|sp| at(ws, sp))
                    .unwrap_or_else(|| "shell".into());
                let _ = writeln!(
                    out,
                    "    ✗ {:<19} {place}  = {}",
                    c.source.as_str(),
                    show_value(var, c.value.as_deref(), mask)
                );
                if let Some(sp) = c.key_span {
                    let (line, text) = snippet(ws, sp, mask);
                    let _ = writeln!(out, "      {line:>4} | {text}");
                }
            }
        }
        for s in p
            .services
            .iter()
            .filter(|s| !(unrelated(s) || grouped && alike.iter().any(|a| a.service == s.service)))
        {
            out.push('\n');
            match &s.final_value {
                Some(f) => {
                    let _ = writeln!(
                        out,
                        "  service {}: receives {var}={} from {} ({})",
                        s.service,
                        show_value(var, f.value.as_deref(), mask),
                        f.source.as_str(),
                        at(ws, f.key_span)
                    );
                    let _ = writeln!(out, "    flow: {}", flow_line(ws, s, var, mask));
                }
                None => {
                    let _ = writeln!(out, "  service {}: does NOT receive {var}", s.service);
                    for w in &s.why_not {
                        let _ = writeln!(out, "    why: {}", mask.redactor.redact(w));
                    }
                    for sg in &s.suggestions {
                        let place = sg
                            .span
                            .map(|sp| format!(" ({})", at(ws, sp)))
                            .unwrap_or_default();
                        let _ = writeln!(out, "    did you mean `{}`{place}?", sg.name);
                    }
                }
            }
            for c in &s.candidates {
                let mark = if c.used { "✓" } else { "✗" };
                let place = c
                    .key_span
                    .map(|sp| at(ws, sp))
                    .unwrap_or_else(|| "shell".into());
                let mut extra = String::new();
                if let Some(st) = &c.stage {
                    let _ = write!(extra, ", stage {st}");
                }
                if let Some(o) = &c.service {
                    let _ = write!(extra, ", service {o}");
                }
                let _ = writeln!(
                    out,
                    "    {mark} {:<19} {place}{extra}  = {}",
                    c.source.as_str(),
                    show_value(var, c.value.as_deref(), mask)
                );
                if let Some(sp) = c.key_span {
                    let (line, text) = snippet(ws, sp, mask);
                    let _ = writeln!(out, "      {line:>4} | {text}");
                }
                for v in &c.via {
                    let _ = writeln!(
                        out,
                        "           ${{{}}} ({}) from {}",
                        v.variable,
                        at(ws, v.reference),
                        via_origin(ws, v)
                    );
                }
                let _ = writeln!(out, "        {}", mask.redactor.redact(&c.reason));
            }
        }
        if !others.is_empty() {
            let _ = writeln!(
                out,
                "\n  {} {}: no {var}, and nothing of {} refers to it",
                if others.len() == 1 {
                    "service"
                } else {
                    "services"
                },
                others.join(", "),
                if others.len() == 1 { "it" } else { "them" },
            );
        }
        out.push('\n');
    }
    out
}

/// A running service without VAR whose only candidates are the project's
/// interpolation variables and other services' definitions, while another
/// service does receive VAR: named in passing, not explained.
fn is_unrelated(any_receives: bool, s: &ServiceExplanation) -> bool {
    any_receives
        && s.final_value.is_none()
        && s.active
        && s.candidates.iter().all(|c| {
            c.service.is_some()
                || (matches!(c.source, CandidateSource::Dotenv | CandidateSource::Process)
                    && c.feeds.is_empty())
        })
}

/// `.env:5 → ${SECRET_KEY:?…} (compose:49) → container app → Settings field`.
fn flow_line(ws: &Workspace, s: &ServiceExplanation, var: &str, mask: &Masking) -> String {
    let Some(f) = &s.final_value else {
        return String::new();
    };
    let mut steps = Vec::new();
    for v in f.via.iter().filter(|v| v.variable == var) {
        match &v.source {
            Some(VariableSource::Dotenv { key, .. }) => {
                steps.push(format!(".env ({})", at(ws, *key)))
            }
            Some(VariableSource::Process) => steps.push("the shell".to_string()),
            Some(VariableSource::Compose) => steps.push("Compose (the project name)".to_string()),
            None => {
                steps.push("nothing (no shell or .env value: Compose substitutes \"\")".to_string())
            }
        }
        let text = ws.sources.get(v.reference.file).slice(v.reference.range);
        steps.push(format!(
            "`{}` ({})",
            mask.redactor.redact(text),
            at(ws, v.reference)
        ));
    }
    if f.via.iter().all(|v| v.variable != var) {
        steps.push(format!("{} ({})", f.source.as_str(), at(ws, f.key_span)));
    }
    steps.push(format!("container `{}` {var}", s.service));
    if let Some(app) = s
        .candidates
        .iter()
        .find(|c| c.source == CandidateSource::AppDefault)
    {
        if let Some(sp) = app.key_span {
            steps.push(format!("the app's settings ({})", at(ws, sp)));
        }
    }
    steps.join(" → ")
}

fn candidate_json(ws: &Workspace, var: &str, c: &Candidate, mask: &Masking) -> Json {
    let mut o = Map::new();
    o.insert("source".into(), json!(c.source.as_str()));
    match c.key_span {
        Some(sp) => {
            let (f, l, col) = loc(ws, sp);
            o.insert("file".into(), json!(f));
            o.insert("line".into(), json!(l));
            o.insert("column".into(), json!(col));
        }
        None => {
            o.insert("file".into(), Json::Null);
            o.insert("line".into(), Json::Null);
            o.insert("column".into(), Json::Null);
        }
    }
    o.insert(
        "value".into(),
        c.value
            .as_deref()
            .map_or(Json::Null, |v| json!(mask.value(var, v))),
    );
    o.insert("used".into(), json!(c.used));
    o.insert("reason".into(), json!(mask.redactor.redact(&c.reason)));
    if let Some(st) = &c.stage {
        o.insert("stage".into(), json!(st));
    }
    if let Some(sv) = &c.service {
        o.insert("service".into(), json!(sv));
    }
    if !c.via.is_empty() {
        o.insert("via".into(), via_json(ws, &c.via));
    }
    if !c.feeds.is_empty() {
        o.insert(
            "feeds".into(),
            Json::Array(
                c.feeds
                    .iter()
                    .map(|f| {
                        let (file, line, _) = loc(ws, f.reference);
                        json!({"variable": f.into, "file": file, "line": line})
                    })
                    .collect(),
            ),
        );
    }
    Json::Object(o)
}

fn via_json(ws: &Workspace, via: &[Via]) -> Json {
    Json::Array(
        via.iter()
            .map(|v| {
                let (file, line, _) = loc(ws, v.reference);
                let (source, sfile, sline) = match &v.source {
                    Some(VariableSource::Dotenv { key, .. }) => {
                        let (f, l, _) = loc(ws, *key);
                        ("dotenv", json!(f), json!(l))
                    }
                    Some(VariableSource::Process) => ("process", Json::Null, Json::Null),
                    Some(VariableSource::Compose) => ("compose", Json::Null, Json::Null),
                    None => ("unset", Json::Null, Json::Null),
                };
                json!({
                    "variable": v.variable,
                    "file": file,
                    "line": line,
                    "source": source,
                    "source_file": sfile,
                    "source_line": sline,
                })
            })
            .collect(),
    )
}

fn services_json(ws: &Workspace, var: &str, p: &ProjectExplanation, mask: &Masking) -> Json {
    let mut services = Map::new();
    for s in &p.services {
        let final_json = match &s.final_value {
            Some(f) => {
                let (file, line, _) = loc(ws, f.key_span);
                json!({
                    "value": f.value.as_deref().map_or(Json::Null, |v| json!(mask.value(var, v))),
                    "source": f.source.as_str(),
                    "file": file,
                    "line": line,
                })
            }
            None => Json::Null,
        };
        let suggestions: Vec<Json> = s
            .suggestions
            .iter()
            .map(|sg| {
                let (file, line) = match sg.span {
                    Some(sp) => {
                        let (f, l, _) = loc(ws, sp);
                        (json!(f), json!(l))
                    }
                    None => (Json::Null, Json::Null),
                };
                json!({"name": sg.name, "file": file, "line": line})
            })
            .collect();
        let why: Vec<String> = s.why_not.iter().map(|w| mask.redactor.redact(w)).collect();
        services.insert(
            s.service.clone(),
            json!({
                "active": s.active,
                "final": final_json,
                "candidates": s.candidates.iter().map(|c| candidate_json(ws, var, c, mask)).collect::<Vec<_>>(),
                "why_not": why,
                "suggestions": suggestions,
            }),
        );
    }
    Json::Object(services)
}

fn references_json(ws: &Workspace, p: &ProjectExplanation) -> Json {
    Json::Array(
        p.references
            .iter()
            .map(|r| {
                let (file, line, column) = loc(ws, r.reference);
                let form = match r.form {
                    ReferenceForm::Plain => "plain".to_string(),
                    ReferenceForm::Passthrough => "passthrough".to_string(),
                    ReferenceForm::Op(k) => k.as_str().to_string(),
                };
                json!({"file": file, "line": line, "column": column, "form": form})
            })
            .collect(),
    )
}

/// `{"variable", "services": {...}, "references": [...], "projects": [...]}`:
/// `services` and `references` are those of the first project (Compose's
/// default file wins); `projects` holds every project.
pub fn explain_json(ws: &Workspace, ex: &Explanation, mask: &Masking) -> Json {
    let var = &ex.variable;
    let projects: Vec<Json> = ex
        .projects
        .iter()
        .map(|p| {
            let files: Vec<&str> = p
                .compose_files
                .iter()
                .map(|f| ws.sources.get(*f).display.as_str())
                .collect();
            json!({
                "name": p.name,
                "files": files,
                "services": services_json(ws, var, p, mask),
                "references": references_json(ws, p),
            })
        })
        .collect();
    let (services, references) = match ex.projects.first() {
        Some(p) => (services_json(ws, var, p, mask), references_json(ws, p)),
        None => (json!({}), json!([])),
    };
    json!({
        "variable": var,
        "services": services,
        "references": references,
        "projects": projects,
    })
}

/// Text safe inside a quoted Mermaid label.
fn mm(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        match c {
            '"' => out.push_str("#quot;"),
            '<' => out.push_str("#lt;"),
            '>' => out.push_str("#gt;"),
            '#' => out.push_str("#35;"),
            '\n' | '\r' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// A flowchart per project: each definition → (interpolation) → the
/// container → the app's settings; what is not used is dashed.
pub fn explain_mermaid(ws: &Workspace, ex: &Explanation, mask: &Masking) -> String {
    let var = &ex.variable;
    let mut out = String::from("flowchart LR\n");
    out.push_str("  classDef unused stroke-dasharray: 4 4,color:#888\n");
    out.push_str("  classDef missing stroke:#c00,color:#c00\n");
    for (pi, p) in ex.projects.iter().enumerate() {
        let any_receives = p.services.iter().any(|s| s.final_value.is_some());
        for (si, s) in p.services.iter().enumerate() {
            if is_unrelated(any_receives, s) {
                continue;
            }
            let id = format!("p{pi}s{si}");
            let _ = writeln!(out, "  subgraph {id}g[\"service {}\"]", mm(&s.service));
            let container = match &s.final_value {
                Some(f) => format!(
                    "container {}<br/>{var} = {}",
                    s.service,
                    show_value(var, f.value.as_deref(), mask)
                ),
                None => format!("container {}<br/>no {var}", s.service),
            };
            let _ = writeln!(
                out,
                "    {id}[\"{}\"]",
                mm(&container).replace("#lt;br/#gt;", "<br/>")
            );
            if s.final_value.is_none() {
                let _ = writeln!(out, "    class {id} missing");
            }
            let winner = s.candidates.iter().position(|c| {
                c.used
                    && c.source != CandidateSource::Dotenv
                    && c.source != CandidateSource::Process
            });
            for (ci, c) in s.candidates.iter().enumerate() {
                let cid = format!("{id}c{ci}");
                let place = c
                    .key_span
                    .map(|sp| at(ws, sp))
                    .unwrap_or_else(|| "shell".into());
                // How it connects: an edge, or a note when it reaches nothing.
                let (edge, note) = match c.source {
                    CandidateSource::AppDefault => {
                        let note = if s.final_value.is_some() {
                            "default, overridden"
                        } else {
                            "default, used"
                        };
                        (format!("{id} -->|pydantic| {cid}"), Some(note))
                    }
                    _ if c.used => match (c.source, winner) {
                        (CandidateSource::Dotenv | CandidateSource::Process, Some(w)) => {
                            (format!("{cid} -->|interpolated| {id}c{w}"), None)
                        }
                        _ => (format!("{cid} --> {id}"), None),
                    },
                    CandidateSource::Dotenv | CandidateSource::Process => {
                        (String::new(), Some("interpolation only"))
                    }
                    CandidateSource::ImageArg => (String::new(), Some("build time only")),
                    _ if c.service.is_some() => (String::new(), Some("another service")),
                    CandidateSource::ImageEnv if c.outside_run => {
                        (String::new(), Some("stage not run"))
                    }
                    _ => (format!("{cid} -.->|shadowed| {id}"), None),
                };
                let mut label = format!(
                    "{}<br/>{}<br/>{}",
                    mm(c.source.as_str()),
                    mm(&place),
                    mm(&show_value(var, c.value.as_deref(), mask))
                );
                if let Some(n) = note {
                    label.push_str("<br/><i>");
                    label.push_str(n);
                    label.push_str("</i>");
                }
                let _ = writeln!(out, "    {cid}[\"{label}\"]");
                if !edge.is_empty() {
                    let _ = writeln!(out, "    {edge}");
                }
                let dim = !(c.used
                    || (c.source == CandidateSource::AppDefault && s.final_value.is_none()));
                if dim {
                    let _ = writeln!(out, "    class {cid} unused");
                }
            }
            out.push_str("  end\n");
        }
    }
    out
}
