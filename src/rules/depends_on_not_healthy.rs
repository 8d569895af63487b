//! `depends-on-not-healthy`: `depends_on` a database, cache or broker without
//! `condition: service_healthy`, while that service has a healthcheck.

use crate::facts::server::{is_admin_ui, same_image, Role, ServerKind};
use crate::model::types::*;
use crate::rules::flow::{active_services, group_by_key, Grouped, Part};
use std::collections::HashMap;

use crate::model::workspace::Workspace;
use crate::rules::{Context, Diagnostic, Edit, Fix, Rule, RuleId, RuleMeta, Severity};
use crate::source::{SourceFile, Span, TextRange};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: RuleId::DependsOnNotHealthy,
        severity: Severity::Warning,
        summary: "`depends_on` a database, cache or broker that has a healthcheck, without `condition: service_healthy`: the app starts before its database accepts connections.",
        doc: include_str!("../../rules/depends-on-not-healthy.md"),
        cases: &[],
    },
    check,
};

/// Where the dependency's healthcheck is defined, if it has one that runs.
fn healthcheck(s: &Service) -> Option<Span> {
    if let Some(h) = &s.healthcheck {
        if h.is_disabled() {
            return None;
        }
        if h.test.is_some() {
            return Some(h.span);
        }
    }
    let f = s.image_facts.as_ref()?;
    let h = f.healthcheck.as_ref()?;
    (!h.value.none).then_some(h.span)
}

/// One `depends_on` entry that does not wait, once for every service that
/// has it (a YAML anchor many services merge is one finding).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Problem {
    at: Span,
    target: String,
    kind: ServerKind,
    health: Span,
}

fn check(ctx: &Context) -> Vec<Diagnostic> {
    let mut parts = Vec::new();
    // Each finding's fix: the same for every service that shares the
    // entry (an anchor), else none.
    let mut fixes: HashMap<Span, Option<Fix>> = HashMap::new();
    for (project, service) in active_services(ctx.ws) {
        // A database, cache or broker waiting for another (a replica for
        // its primary, peers of one cluster whose health needs them all)
        // must not wait for health: that can deadlock. An admin UI connects
        // when a user asks.
        let server = ServerKind::of_service(service).map(ServerKind::role);
        if matches!(server, Some(Role::Database | Role::Cache | Role::Broker))
            || is_admin_ui(service)
        {
            continue;
        }
        let mut healthy: Vec<&str> = Vec::new();
        let mut at: Vec<Span> = Vec::new();
        for dep in &service.depends_on {
            // A condition written out is the author's choice
            // (`service_started` beside `service_healthy` for another).
            if dep.condition.is_some() {
                continue;
            }
            let Some(target) = project.service(&dep.service).filter(|t| t.active) else {
                continue;
            };
            if same_image(service, target) {
                continue;
            }
            let (Some(kind), Some(health)) = (ServerKind::of_service(target), healthcheck(target))
            else {
                continue;
            };
            healthy.push(&dep.service);
            at.push(dep.span);
            parts.push(Part {
                key: Problem {
                    at: dep.span,
                    target: dep.service.clone(),
                    kind,
                    health,
                },
                service: service.name.clone(),
                detail: String::new(),
                labels: Vec::new(),
            });
        }
        if at.is_empty() {
            continue;
        }
        let fix = long_form_fix(ctx.ws, service, &healthy);
        for span in at {
            let slot = fixes.entry(span).or_insert_with(|| fix.clone());
            if *slot != fix {
                *slot = None;
            }
        }
    }
    group_by_key(parts)
        .into_iter()
        .map(|g| {
            let fix = fixes.get(&g.key.at).cloned().flatten();
            let d = diagnostic(g);
            match fix {
                Some(f) => d.with_fix(f),
                None => d,
            }
        })
        .collect()
}

/// `service`'s whole `depends_on` list rewritten in the long form, with
/// `condition: service_healthy` for the `healthy` ones and Compose's
/// default, `service_started`, for the others (what the short form
/// means). Only for a list written in one piece in one file, as a block
/// (`- db` lines under `depends_on:`) or a flow (`depends_on: [db, x]`)
/// of plain names. Unsafe: the service then waits for its dependencies'
/// health, and never starts if they never become healthy.
fn long_form_fix(ws: &Workspace, service: &Service, healthy: &[&str]) -> Option<Fix> {
    let deps = &service.depends_on;
    let file = deps.first()?.span.file;
    let source = ws.sources.get(file);
    let text = &source.text;
    let plain = deps.iter().all(|d| {
        d.condition.is_none()
            && d.span.file == file
            && text.get(d.span.range.start..d.span.range.end) == Some(d.service.as_str())
    });
    // Written in the service's own mapping: not an anchor other services
    // merge too (a database among them must not wait), nor a base it
    // extends.
    let own = ws.compose.get(&file).is_some_and(|c| {
        std::iter::once(&**c)
            .chain(c.later.iter().map(|d| &**d))
            .flat_map(|d| &d.services)
            .filter(|s| s.name.value == service.name)
            .any(|s| deps.iter().all(|d| s.range.contains(d.span.range.start)))
    });
    // A name YAML would read as another type once it is a key (`123:`,
    // `true:`): Compose refuses non-string keys.
    let strings = deps.iter().all(|d| {
        let n = d.service.to_ascii_lowercase();
        n.parse::<f64>().is_err()
            && !matches!(
                n.as_str(),
                "true" | "false" | "yes" | "no" | "on" | "off" | "y" | "n" | "null" | "~"
            )
            && !n.starts_with(['0', '+', '-', '.'])
    });
    if !plain || !own || !strings {
        return None;
    }
    let condition = |name: &str| {
        if healthy.contains(&name) {
            "service_healthy"
        } else {
            "service_started"
        }
    };
    let description = format!(
        "wait for {} to be healthy (the long form of depends_on)",
        healthy
            .iter()
            .map(|h| format!("`{h}`"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let edits =
        block_edits(source, deps, &condition).or_else(|| flow_edit(source, deps, &condition))?;
    Some(Fix::edits(
        description,
        edits
            .into_iter()
            .map(|(range, replacement)| Edit {
                span: Span::new(file, range),
                replacement,
            })
            .collect(),
        false,
    ))
}

/// Blanks or a comment: what may stand between the items of a list.
fn is_filler(line: &str) -> bool {
    let t = line.trim();
    t.is_empty() || t.starts_with('#')
}

fn indent(line: &str) -> usize {
    line.len() - line.trim_start_matches(' ').len()
}

/// `depends_on:` then one `- name` line per item: each line rewritten as
/// `name:` and its `condition:`, indented under the key.
fn block_edits(
    source: &SourceFile,
    deps: &[Dependency],
    condition: &dyn Fn(&str) -> &'static str,
) -> Option<Vec<(TextRange, String)>> {
    let text = &source.text;
    let eol = crate::fix::line_ending(text);
    let first = source.line_at(deps[0].span.range.start).start;
    // The key's line: the one before the first item, fillers apart.
    let before = &text[..first.saturating_sub(1)];
    let mut key_line = None;
    for line in before.rsplit('\n') {
        if !is_filler(line) {
            key_line = Some(line.trim_end_matches('\r'));
            break;
        }
    }
    let key_line = key_line?;
    let after_key = key_line.trim_start().strip_prefix("depends_on:")?;
    if !is_filler(after_key) {
        return None;
    }
    let key_indent = indent(key_line);
    let mut dash_indent = None;
    let mut edits = Vec::new();
    let mut previous_end = first;
    for d in deps {
        let line = source.line_at(d.span.range.start);
        let start = line.start;
        // Only fillers since the last item.
        if !text[previous_end..start].split('\n').all(is_filler) {
            return None;
        }
        let prefix = &text[start..d.span.range.start];
        let dash = prefix.trim_start_matches(' ');
        if !(dash.starts_with('-') && dash[1..].trim().is_empty() && dash.len() > 1) {
            return None;
        }
        let rest_end = line.end;
        if !is_filler(&text[d.span.range.end..rest_end]) {
            return None;
        }
        let this_indent = indent(prefix);
        if *dash_indent.get_or_insert(this_indent) != this_indent {
            return None;
        }
        previous_end = rest_end;
        let item_indent = if this_indent > key_indent {
            this_indent
        } else {
            key_indent + 2
        };
        edits.push((
            TextRange::new(start, d.span.range.end),
            format!(
                "{}{}:{eol}{}condition: {}",
                " ".repeat(item_indent),
                d.service,
                " ".repeat(item_indent + 2),
                condition(&d.service)
            ),
        ));
    }
    // No item of the list left unread after the last one.
    let rest = &text[previous_end..];
    let next = rest.split('\n').skip(1).find(|l| !is_filler(l));
    if let Some(line) = next {
        let t = line.trim_start_matches(' ');
        if t.starts_with('-') && indent(line) >= key_indent {
            return None;
        }
    }
    Some(edits)
}

/// `depends_on: [a, b]` on one line: the brackets and what is between
/// them rewritten as a flow mapping.
fn flow_edit(
    source: &SourceFile,
    deps: &[Dependency],
    condition: &dyn Fn(&str) -> &'static str,
) -> Option<Vec<(TextRange, String)>> {
    let text = &source.text;
    let first = deps[0].span.range.start;
    let last = deps.last()?.span.range.end;
    let open = text[..first].rfind('[')?;
    let close = last + text[last..].find(']')?;
    let line = source.line_at(open).start;
    if line != source.line_at(close).start {
        return None;
    }
    let key = text[line..open].trim_start();
    if key.strip_prefix("depends_on:").map(str::trim) != Some("") {
        return None;
    }
    let names: Vec<&str> = text[open + 1..close].split(',').map(str::trim).collect();
    let expected: Vec<&str> = deps.iter().map(|d| d.service.as_str()).collect();
    if names != expected {
        return None;
    }
    let items: Vec<String> = deps
        .iter()
        .map(|d| format!("{}: {{condition: {}}}", d.service, condition(&d.service)))
        .collect();
    Some(vec![(
        TextRange::new(open, close + 1),
        format!("{{{}}}", items.join(", ")),
    )])
}

fn diagnostic(g: Grouped<Problem>) -> Diagnostic {
    let Problem {
        at,
        target,
        kind,
        health,
    } = &g.key;
    Diagnostic::new(RULE.meta.id, *at,
        format!(
            "{} {} as soon as `{target}` ({}) is started, not when it is ready: `{target}` has a healthcheck that depends_on does not wait for",
            g.services,
            g.services.verb("starts", "start"),
            kind.display()
        ),
    )
    .with_span_label(format!("only waits for the `{target}` container to start"))
    .with_label(*health, format!("`{target}` says when it is ready here"))
    .with_help(format!(
        "use the long form: `depends_on: {{{target}: {{condition: service_healthy}}}}`"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{assert_fires, assert_silent};

    const DB: &str = "  db:\n    image: postgres:16\n    healthcheck:\n      test: [\"CMD-SHELL\", \"pg_isready\"]\n";

    #[test]
    fn short_form_and_service_started() {
        let compose = format!(
            "services:\n  app:\n    image: python:3.12-slim\n    depends_on:\n      - db\n{DB}"
        );
        let d = assert_fires(&RULE, &[("compose.yaml", &compose)]);
        assert_eq!((d[0].line, d[0].text.as_str()), (5, "db"));
        assert_eq!(d[0].labels[0].0, "compose.yaml");
        // The long form without a condition waits for the start too.
        let compose = format!("services:\n  app:\n    image: python:3.12-slim\n    depends_on:\n      db:\n        restart: true\n{DB}");
        let d = assert_fires(&RULE, &[("compose.yaml", &compose)]);
        assert_eq!(d[0].text, "db");
    }

    #[test]
    fn the_fix_writes_the_long_form() {
        use crate::rules::testing::{fixed, fixed_text};
        let cache = "  cache:\n    image: busybox\n";
        for (deps, after) in [
            (
                "    depends_on:\n      - db\n      # the cache\n      - cache\n",
                "    depends_on:\n      db:\n        condition: service_healthy\n      # the cache\n      cache:\n        condition: service_started\n",
            ),
            (
                "    depends_on:\n    - db  # first\n",
                "    depends_on:\n      db:\n        condition: service_healthy  # first\n",
            ),
            (
                "    depends_on: [db, cache]\n",
                "    depends_on: {db: {condition: service_healthy}, cache: {condition: service_started}}\n",
            ),
        ] {
            let compose = |d: &str| format!("services:\n  app:\n    image: python:3.12-slim\n{d}{DB}{cache}");
            let text = fixed_text(&RULE, &[("compose.yaml", &compose(deps))]);
            assert_eq!(text, compose(after), "{deps}");
            assert!(fixed(&RULE, &[("compose.yaml", &text)]).0.is_empty());
        }
        // An anchor merged into another service: left to the user.
        let compose = format!("x-common: &common\n  image: python:3.12-slim\n  depends_on:\n    - db\nservices:\n  app:\n    <<: *common\n{DB}");
        assert_fires(&RULE, &[("compose.yaml", &compose)]);
        assert!(fixed(&RULE, &[("compose.yaml", &compose)]).0.is_empty());
        // An anchor's list, a quoted name: left to the user.
        for deps in [
            "    depends_on: &d\n      - db\n",
            "    depends_on: [\"db\"]\n",
        ] {
            let compose = format!("services:\n  app:\n    image: python:3.12-slim\n{deps}{DB}");
            assert_fires(&RULE, &[("compose.yaml", &compose)]);
            assert!(
                fixed(&RULE, &[("compose.yaml", &compose)]).0.is_empty(),
                "{deps}"
            );
        }
    }

    #[test]
    fn healthy_condition_no_healthcheck_or_not_a_server() {
        let compose = format!("services:\n  app:\n    image: python:3.12-slim\n    depends_on:\n      db:\n        condition: service_healthy\n{DB}");
        assert_silent(&RULE, &[("compose.yaml", &compose)]);
        // no healthcheck: nothing to wait for (no-healthcheck says the rest)
        let compose = "services:\n  app:\n    image: python:3.12-slim\n    depends_on: [db]\n  db:\n    image: postgres:16\n";
        assert_silent(&RULE, &[("compose.yaml", compose)]);
        // a worker with a healthcheck is not a database
        let compose = "services:\n  app:\n    image: python:3.12-slim\n    depends_on: [worker]\n  worker:\n    image: python:3.12-slim\n    healthcheck:\n      test: [\"CMD\", \"true\"]\n";
        assert_silent(&RULE, &[("compose.yaml", compose)]);
    }

    #[test]
    fn healthcheck_from_the_image_counts() {
        let df = "FROM redis:7-alpine\nHEALTHCHECK CMD redis-cli ping\n";
        let compose = "services:\n  app:\n    image: python:3.12-slim\n    depends_on: [cache]\n  cache:\n    build: ./cache\n";
        let d = assert_fires(
            &RULE,
            &[("compose.yaml", compose), ("cache/Dockerfile", df)],
        );
        assert_eq!(d[0].labels[0].0, "cache/Dockerfile");
    }

    /// `condition: service_started` written out is the author's choice.
    #[test]
    fn a_written_condition_is_a_choice() {
        let compose = format!("services:\n  app:\n    image: python:3.12-slim\n    depends_on:\n      db:\n        condition: service_started\n{DB}");
        assert_silent(&RULE, &[("compose.yaml", &compose)]);
    }

    /// Servers waiting for servers (peers of one cluster, a replica) must
    /// not wait for health — a cluster whose health needs all its peers
    /// would never start — and an admin UI connects when a user asks.
    #[test]
    fn servers_peers_and_admin_uis_are_not_judged() {
        let es = "    image: elasticsearch:8.15.0\n    healthcheck:\n      test: [\"CMD-SHELL\", \"curl -fs localhost:9200/_cluster/health\"]\n";
        let compose = format!(
            "services:\n  es01:\n{es}    depends_on: [es02]\n  es02:\n{es}    depends_on: [es01]\n"
        );
        assert_silent(&RULE, &[("compose.yaml", &compose)]);
        let compose = format!("services:\n  replica:\n    image: bitnami/postgresql:16\n    depends_on: [db]\n  queue:\n    image: rabbitmq:3\n    depends_on: [db]\n{DB}");
        assert_silent(&RULE, &[("compose.yaml", &compose)]);
        for ui in ["adminer", "dpage/pgadmin4", "phpmyadmin:5"] {
            let compose = format!("services:\n  ui:\n    image: {ui}\n    depends_on: [db]\n{DB}");
            assert_silent(&RULE, &[("compose.yaml", &compose)]);
        }
    }

    /// One `depends_on` in an anchor many services merge is one finding
    /// naming them all.
    #[test]
    fn one_finding_for_an_anchor() {
        let compose = format!("x-app: &app\n  image: python:3.12-slim\n  depends_on: [db]\nservices:\n  api:\n    <<: *app\n  worker:\n    <<: *app\n{DB}");
        let d = assert_fires(&RULE, &[("compose.yaml", &compose)]);
        assert_eq!(d.len(), 1, "{d:?}");
        assert!(
            d[0].message
                .starts_with("services `api` and `worker` start as soon as `db`"),
            "{}",
            d[0].message
        );
    }
}
