//! `mppeep-lint env`: each service's container environment with provenance,
//! as text for people and as the JSON contract of DESIGN.md §3.

use crate::model::secrets::{Redactor, SecretPolicy, MASK};
use crate::model::types::*;
use crate::model::workspace::Workspace;
use crate::report::escape;
use crate::report::json::{self, Location};
use crate::source::{FileId, SourceMap, Span};

/// How values are shown.
pub struct Masking<'a> {
    pub policy: &'a SecretPolicy,
    pub redactor: &'a Redactor,
}

impl Masking<'_> {
    /// The value of `key`, written at `at`, with its map (`via`,
    /// `segments`): masked whole when `key` is a secret's name, else the
    /// bytes that came from a secret's written text or a secret-named
    /// variable, and URL passwords. Without a map, the value is as written
    /// at `at`: masked whole when that holds a secret.
    pub fn value(
        &self,
        key: &str,
        value: &str,
        at: Option<Span>,
        via: &[Via],
        segments: &[Segment],
    ) -> String {
        if self.redactor.disabled {
            return value.to_string();
        }
        if self.policy.is_secret(key) && !value.is_empty() {
            return MASK.to_string();
        }
        let whole;
        let segments = match at {
            Some(span) if segments.is_empty() && !value.is_empty() => {
                whole = [Segment {
                    range: crate::source::TextRange::new(0, value.len()),
                    origin: SegmentOrigin::Written { span, exact: false },
                }];
                &whole[..]
            }
            _ => segments,
        };
        let mapped = Mapped {
            text: value,
            span: at.unwrap_or(Span::new(crate::source::FileId(0), Default::default())),
            segments,
            via,
        };
        self.redactor
            .value(mapped, &|name: &str| self.policy.is_secret(name))
    }

    /// A model error's message, masked at its span.
    pub fn message(&self, sources: &SourceMap, e: &ModelError) -> String {
        let spans: Vec<Span> = e.span.into_iter().collect();
        self.redactor.message(sources, &spans, &e.message)
    }
}

fn location(sources: &SourceMap, span: Span) -> (String, usize, usize) {
    let f = sources.get(span.file);
    let lc = f.line_col(span.range.start);
    (escape::text(&f.display).into_owned(), lc.line, lc.column)
}

/// Where an interpolation variable's value comes from, as JSON names it.
pub(crate) fn variable_source(source: Option<&VariableSource>) -> &'static str {
    match source {
        Some(VariableSource::Dotenv { .. }) => "dotenv",
        Some(VariableSource::Process) => "process",
        Some(VariableSource::Compose) => "compose",
        None => "unset",
    }
}

/// Where an interpolation variable's value is defined: its `.env` line.
pub(crate) fn variable_definition(sources: &SourceMap, v: &Via) -> Option<Location> {
    match &v.source {
        Some(VariableSource::Dotenv { key, .. }) => Some(Location::of(sources, *key)),
        _ => None,
    }
}

fn env_via(sources: &SourceMap, v: &Via) -> json::EnvVia {
    let definition = variable_definition(sources, v);
    json::EnvVia {
        variable: v.variable.clone(),
        source: variable_source(v.source.as_ref()),
        file: definition.as_ref().map(|d| d.file.clone()),
        line: definition.as_ref().map(|d| d.line),
        reference: Location::of(sources, v.reference),
        definition,
    }
}

fn env_error(sources: &SourceMap, e: &ModelError, mask: &Masking) -> json::EnvError {
    let location = e.span.map(|span| Location::of(sources, span));
    json::EnvError {
        message: mask.message(sources, e),
        file: location.as_ref().map(|l| l.file.clone()),
        line: location.as_ref().map(|l| l.line),
        column: location.as_ref().map(|l| l.column),
        location,
    }
}

fn services_json(
    sources: &SourceMap,
    p: &Project,
    mask: &Masking,
) -> json::Ordered<json::ServiceEnvironment> {
    let services = p.active_services().map(|s| {
        let environment = s
            .container_env
            .vars
            .iter()
            .map(|(k, var)| {
                let d = &var.winner;
                let definition = Location::of(sources, d.key_span);
                let value = json::EnvValue {
                    value: d
                        .value
                        .as_ref()
                        .map(|v| mask.value(k, v, d.value_span, &d.via, &d.segments)),
                    source: d.source.as_str(),
                    file: definition.file.clone(),
                    line: definition.line,
                    column: definition.column,
                    stage: d.stage,
                    via: d.via.iter().map(|v| env_via(sources, v)).collect(),
                    definition,
                };
                (k.clone(), value)
            })
            .collect();
        (s.name.clone(), json::ServiceEnvironment { environment })
    });
    json::Ordered(services.collect())
}

/// The JSON contract ([`json::EnvReport`]): `services` and `errors` of the
/// first project found (Compose's default file wins), and every project
/// under `projects`.
pub fn env_json(ws: &Workspace, mask: &Masking) -> json::EnvReport {
    let sources = &ws.sources;
    let mut report = json::EnvReport::default();
    for (i, p) in ws.projects.iter().enumerate() {
        let errors = || p.errors.iter().map(|e| env_error(sources, e, mask));
        if i == 0 {
            report.services = services_json(sources, p, mask);
            report.errors = errors().collect();
        }
        report.projects.push(json::ProjectEnvironment {
            name: p.name.clone(),
            files: p
                .compose_files
                .iter()
                .map(|f| sources.get(*f).display.clone())
                .collect(),
            services: services_json(sources, p, mask),
            errors: errors().collect(),
        });
    }
    // Files that could not be read at all are errors of the run too.
    if ws.projects.is_empty() {
        for pr in &ws.problems {
            report.errors.push(json::EnvError {
                message: mask.redactor.redact(&pr.message),
                file: Some(pr.path.clone()),
                line: pr.line,
                column: None,
                location: pr.line.map(|line| Location {
                    file: pr.path.clone(),
                    line,
                    column: 1,
                    end_line: line,
                    end_column: 1,
                }),
            });
        }
    }
    report
}

/// The same, for people.
pub fn env_text(ws: &Workspace, mask: &Masking) -> String {
    escape::output(&env_lines(ws, mask)).into_owned()
}

/// [`env_text`] before its last escape; every piece of user text escaped
/// where it is written (a line break in a value, a name, a path).
fn env_lines(ws: &Workspace, mask: &Masking) -> String {
    use std::fmt::Write;
    let e = |s: &str| escape::text(s).into_owned();
    let sources = &ws.sources;
    let mut out = String::new();
    if ws.projects.is_empty() {
        out.push_str("no compose project found\n");
    }
    for p in &ws.projects {
        let names = |ids: &[FileId]| {
            ids.iter()
                .map(|f| e(&sources.get(*f).display))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let _ = writeln!(out, "project {} ({})", e(&p.name), names(&p.compose_files));
        if !p.env_files.is_empty() {
            let _ = writeln!(
                out,
                "  interpolation: process environment, then {}",
                names(&p.env_files)
            );
        }
        if !p.include_env_files.is_empty() {
            let _ = writeln!(
                out,
                "  included files also read (for names still unset): {}",
                names(&p.include_env_files)
            );
        }
        for s in &p.services {
            let mut head = format!("\n  service {}", e(&s.name));
            if !s.active {
                head.push_str(" (inactive profile: not started)");
            }
            if let Some(f) = &s.image_facts {
                let stage = f.run_stage();
                let _ = write!(
                    head,
                    "  [built from {}, stage {}",
                    e(&sources.get(f.dockerfile_file).display),
                    e(&stage
                        .name
                        .clone()
                        .unwrap_or_else(|| stage.index.to_string()))
                );
                if let Some(b) = &f.base_image {
                    let _ = write!(head, " on {}", e(&b.value));
                }
                head.push(']');
            } else if let Some(img) = &s.image {
                let _ = write!(head, "  [image {}]", e(&img.text));
            }
            let _ = writeln!(out, "{head}");
            if s.container_env.vars.is_empty() {
                let _ = writeln!(out, "    (no environment)");
            }
            for (k, var) in &s.container_env.vars {
                let d = &var.winner;
                let (file, line, column) = location(sources, d.key_span);
                let value = match &d.value {
                    Some(v) => e(&mask.value(k, v, d.value_span, &d.via, &d.segments)),
                    None => "(unset: no source sets it)".into(),
                };
                let _ = writeln!(
                    out,
                    "    {}={value}\n        from {} at {file}:{line}:{column}",
                    e(k),
                    d.source.as_str()
                );
                for v in &d.via {
                    let origin = match &v.source {
                        // `${VAR:-d}` with VAR unset (or empty, for `:-`):
                        // the default is what arrived.
                        _ if v.default_applies() => match &v.source {
                            None => format!("its default ({} is not set)", e(&v.variable)),
                            Some(_) => format!("its default ({} is set empty)", e(&v.variable)),
                        },
                        Some(VariableSource::Dotenv { key, .. }) => {
                            let (f, l, _) = location(sources, *key);
                            format!("{f}:{l}")
                        }
                        Some(VariableSource::Process) => "the process environment".into(),
                        Some(VariableSource::Compose) => "Compose (the project name)".into(),
                        None => "nowhere (empty)".into(),
                    };
                    let _ = writeln!(out, "        uses ${{{}}} from {origin}", e(&v.variable));
                }
                for sh in &var.shadowed {
                    let (f, l, _) = location(sources, sh.key_span);
                    let _ = writeln!(out, "        overrides {} at {f}:{l}", sh.source.as_str());
                }
            }
        }
        for err in &p.errors {
            let at = err
                .span
                .map(|s| {
                    let (f, l, c) = location(sources, s);
                    format!(" ({f}:{l}:{c})")
                })
                .unwrap_or_default();
            let _ = writeln!(out, "\n  error: {}{at}", e(&mask.message(sources, err)));
        }
        out.push('\n');
    }
    for pr in &ws.problems {
        let line = pr.line.map(|l| format!(":{l}")).unwrap_or_default();
        let _ = writeln!(out, "warning: {}{line}: {}", e(&pr.path), e(&pr.message));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fs::DiskFs;
    use crate::model::secrets::{Redactor, SecretPolicy};
    use crate::model::workspace::{load_workspace, WorkspaceOptions};

    #[test]
    fn a_default_that_applies_is_said_so() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("compose.yaml"),
            "services:\n  web:\n    image: nginx:1.27\n    environment:\n      MODE: ${ENV_TEST_MODE:-y}\n      LEVEL: ${ENV_TEST_LEVEL:-info}\n",
        )
        .unwrap();
        std::fs::write(dir.path().join(".env"), "ENV_TEST_LEVEL=\n").unwrap();
        let opts = WorkspaceOptions {
            paths: vec![dir.path().to_path_buf()],
            ..Default::default()
        };
        let ws = load_workspace(&DiskFs, dir.path(), &opts);
        let policy = SecretPolicy::default();
        let redactor = Redactor::new();
        let text = env_text(
            &ws,
            &Masking {
                policy: &policy,
                redactor: &redactor,
            },
        );
        assert!(
            text.contains("uses ${ENV_TEST_MODE} from its default (ENV_TEST_MODE is not set)"),
            "{text}"
        );
        assert!(
            text.contains("uses ${ENV_TEST_LEVEL} from its default (ENV_TEST_LEVEL is set empty)"),
            "{text}"
        );
        assert!(!text.contains("nowhere"), "{text}");
    }
}
