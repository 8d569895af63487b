//! `mppeep-lint env`: each service's container environment with provenance,
//! as text for people and as the JSON contract of DESIGN.md §3.

use serde_json::{json, Map, Value as Json};

use crate::model::secrets::{Redactor, SecretPolicy, MASK};
use crate::model::types::*;
use crate::model::workspace::Workspace;
use crate::source::{SourceMap, Span};

/// How values are shown.
pub struct Masking<'a> {
    pub policy: &'a SecretPolicy,
    pub redactor: &'a Redactor,
}

impl Masking<'_> {
    pub fn value(&self, key: &str, value: &str) -> String {
        if self.redactor.disabled {
            value.to_string()
        } else if self.policy.is_secret(key) && !value.is_empty() {
            MASK.to_string()
        } else {
            self.redactor.redact(value)
        }
    }
}

fn location(sources: &SourceMap, span: Span) -> (String, usize, usize) {
    let f = sources.get(span.file);
    let lc = f.line_col(span.range.start);
    (f.display.clone(), lc.line, lc.column)
}

fn via_json(sources: &SourceMap, via: &[Via]) -> Json {
    Json::Array(
        via.iter()
            .map(|v| {
                let mut o = Map::new();
                o.insert("variable".into(), json!(v.variable));
                match &v.source {
                    Some(VariableSource::Dotenv { key, .. }) => {
                        let (file, line, _) = location(sources, *key);
                        o.insert("source".into(), json!("dotenv"));
                        o.insert("file".into(), json!(file));
                        o.insert("line".into(), json!(line));
                    }
                    Some(VariableSource::Process) => {
                        o.insert("source".into(), json!("process"));
                        o.insert("file".into(), Json::Null);
                        o.insert("line".into(), Json::Null);
                    }
                    Some(VariableSource::Compose) => {
                        o.insert("source".into(), json!("compose"));
                        o.insert("file".into(), Json::Null);
                        o.insert("line".into(), Json::Null);
                    }
                    None => {
                        o.insert("source".into(), json!("unset"));
                        o.insert("file".into(), Json::Null);
                        o.insert("line".into(), Json::Null);
                    }
                }
                Json::Object(o)
            })
            .collect(),
    )
}

fn project_json(sources: &SourceMap, p: &Project, mask: &Masking) -> (Json, Json) {
    let mut services = Map::new();
    for s in p.active_services() {
        let mut env = Map::new();
        for (k, var) in &s.container_env.vars {
            let d = &var.winner;
            let (file, line, column) = location(sources, d.key_span);
            let mut o = Map::new();
            o.insert(
                "value".into(),
                match &d.value {
                    Some(v) => json!(mask.value(k, v)),
                    None => Json::Null,
                },
            );
            o.insert("source".into(), json!(d.source.as_str()));
            o.insert("file".into(), json!(file));
            o.insert("line".into(), json!(line));
            o.insert("column".into(), json!(column));
            if let Some(stage) = d.stage {
                o.insert("stage".into(), json!(stage));
            }
            o.insert("via".into(), via_json(sources, &d.via));
            env.insert(k.clone(), Json::Object(o));
        }
        services.insert(s.name.clone(), json!({ "environment": env }));
    }
    let errors = Json::Array(
        p.errors
            .iter()
            .map(|e| {
                let mut o = Map::new();
                o.insert("message".into(), json!(mask.redactor.redact(&e.message)));
                match e.span {
                    Some(span) => {
                        let (file, line, column) = location(sources, span);
                        o.insert("file".into(), json!(file));
                        o.insert("line".into(), json!(line));
                        o.insert("column".into(), json!(column));
                    }
                    None => {
                        o.insert("file".into(), Json::Null);
                        o.insert("line".into(), Json::Null);
                    }
                }
                Json::Object(o)
            })
            .collect(),
    );
    (Json::Object(services), errors)
}

/// The JSON contract: `services` and `errors` of the first project found
/// (Compose's default file wins), and every project under `projects`.
pub fn env_json(ws: &Workspace, mask: &Masking) -> Json {
    let mut projects = Vec::new();
    let mut first: Option<(Json, Json)> = None;
    for p in &ws.projects {
        let (services, errors) = project_json(&ws.sources, p, mask);
        let files: Vec<String> = p
            .compose_files
            .iter()
            .map(|f| ws.sources.get(*f).display.clone())
            .collect();
        projects.push(json!({
            "name": p.name,
            "files": files,
            "services": services.clone(),
            "errors": errors.clone(),
        }));
        if first.is_none() {
            first = Some((services, errors));
        }
    }
    let (services, mut errors) = first.unwrap_or((json!({}), json!([])));
    // Files that could not be read at all are errors of the run too.
    if let Json::Array(list) = &mut errors {
        if ws.projects.is_empty() {
            for pr in &ws.problems {
                list.push(json!({"message": pr.message, "file": pr.path, "line": pr.line}));
            }
        }
    }
    json!({
        "services": services,
        "errors": errors,
        "projects": projects,
    })
}

/// The same, for people.
pub fn env_text(ws: &Workspace, mask: &Masking) -> String {
    use std::fmt::Write;
    let sources = &ws.sources;
    let mut out = String::new();
    if ws.projects.is_empty() {
        out.push_str("no compose project found\n");
    }
    for p in &ws.projects {
        let files: Vec<&str> = p
            .compose_files
            .iter()
            .map(|f| sources.get(*f).display.as_str())
            .collect();
        let _ = writeln!(out, "project {} ({})", p.name, files.join(", "));
        if !p.env_files.is_empty() {
            let envs: Vec<&str> = p
                .env_files
                .iter()
                .map(|f| sources.get(*f).display.as_str())
                .collect();
            let _ = writeln!(
                out,
                "  interpolation: process environment, then {}",
                envs.join(", ")
            );
        }
        for s in &p.services {
            let mut head = format!("\n  service {}", s.name);
            if !s.active {
                head.push_str(" (inactive profile: not started)");
            }
            if let Some(f) = &s.image_facts {
                let stage = f.run_stage();
                let _ = write!(
                    head,
                    "  [built from {}, stage {}",
                    sources.get(f.dockerfile_file).display,
                    stage
                        .name
                        .clone()
                        .unwrap_or_else(|| stage.index.to_string())
                );
                if let Some(b) = &f.base_image {
                    let _ = write!(head, " on {}", b.value);
                }
                head.push(']');
            } else if let Some(img) = &s.image {
                let _ = write!(head, "  [image {}]", img.text);
            }
            let _ = writeln!(out, "{head}");
            if s.container_env.vars.is_empty() {
                let _ = writeln!(out, "    (no environment)");
            }
            for (k, var) in &s.container_env.vars {
                let d = &var.winner;
                let (file, line, column) = location(sources, d.key_span);
                let value = match &d.value {
                    Some(v) => mask.value(k, v),
                    None => "(unset: no source sets it)".into(),
                };
                let _ = writeln!(
                    out,
                    "    {k}={value}\n        from {} at {file}:{line}:{column}",
                    d.source.as_str()
                );
                for v in &d.via {
                    let origin = match &v.source {
                        Some(VariableSource::Dotenv { key, .. }) => {
                            let (f, l, _) = location(sources, *key);
                            format!("{f}:{l}")
                        }
                        Some(VariableSource::Process) => "the process environment".into(),
                        Some(VariableSource::Compose) => "Compose (the project name)".into(),
                        None => "nowhere (empty)".into(),
                    };
                    let _ = writeln!(out, "        uses ${{{}}} from {origin}", v.variable);
                }
                for sh in &var.shadowed {
                    let (f, l, _) = location(sources, sh.key_span);
                    let _ = writeln!(out, "        overrides {} at {f}:{l}", sh.source.as_str());
                }
            }
        }
        for e in &p.errors {
            let at = e
                .span
                .map(|s| {
                    let (f, l, c) = location(sources, s);
                    format!(" ({f}:{l}:{c})")
                })
                .unwrap_or_default();
            let _ = writeln!(out, "\n  error: {}{at}", mask.redactor.redact(&e.message));
        }
        out.push('\n');
    }
    for pr in &ws.problems {
        let line = pr.line.map(|l| format!(":{l}")).unwrap_or_default();
        let _ = writeln!(out, "warning: {}{line}: {}", pr.path, pr.message);
    }
    out
}
