//! `explain VAR`: every place a variable is defined or referenced on its way
//! into each service, which definition wins and why, and — when it does not
//! arrive — exactly why not. Pure: a function of the workspace model.

use std::path::Path;

use crate::model::types::*;
use crate::model::workspace::Workspace;
use crate::source::{FileId, Span};
use crate::syntax::dockerfile::InstructionKind;
use crate::syntax::pysettings::SettingsField;

/// Where a candidate definition sits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CandidateSource {
    /// The shell `docker compose` runs in.
    Process,
    /// The project `.env` (or an `--env-file`): interpolation only.
    Dotenv,
    ComposeEnvironment,
    ComposeEnvFile,
    ImageEnv,
    /// A Dockerfile `ARG`: build time only.
    ImageArg,
    /// The default of the app's pydantic settings field.
    AppDefault,
}

impl CandidateSource {
    pub fn as_str(self) -> &'static str {
        match self {
            CandidateSource::Process => "process",
            CandidateSource::Dotenv => "dotenv",
            CandidateSource::ComposeEnvironment => "compose.environment",
            CandidateSource::ComposeEnvFile => "compose.env_file",
            CandidateSource::ImageEnv => "image.env",
            CandidateSource::ImageArg => "image.arg",
            CandidateSource::AppDefault => "app.default",
        }
    }
    fn of(s: EnvSource) -> Self {
        match s {
            EnvSource::ComposeEnvironment => CandidateSource::ComposeEnvironment,
            EnvSource::ComposeEnvFile => CandidateSource::ComposeEnvFile,
            EnvSource::ImageEnv => CandidateSource::ImageEnv,
        }
    }
}

/// A reference to the variable inside another value: `${VAR}` in `KEY`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Feed {
    /// The container variable (or compose setting) the reference sits in.
    pub into: String,
    pub reference: Span,
}

/// One definition of the variable, as it concerns one service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub source: CandidateSource,
    /// The name as written (`None` for the process environment).
    pub key_span: Option<Span>,
    pub value_span: Option<Span>,
    /// The value after interpolation; `None` for a passthrough nothing sets.
    pub value: Option<String>,
    /// True for the definition whose value the service receives as VAR.
    pub used: bool,
    pub reason: String,
    /// For an image ENV / ARG: the stage's name or index.
    pub stage: Option<String>,
    /// For a definition that belongs to another service.
    pub service: Option<String>,
    /// Variables interpolated into this value.
    pub via: Vec<Via>,
    /// Where this value is interpolated into something else of the service.
    pub feeds: Vec<Feed>,
    /// An image `ENV` in a stage the service does not run.
    pub outside_run: bool,
}

/// What the service receives as VAR.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Final {
    pub value: Option<String>,
    pub source: EnvSource,
    pub key_span: Span,
    pub value_span: Option<Span>,
    pub via: Vec<Via>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceExplanation {
    pub service: String,
    pub name_span: Span,
    pub active: bool,
    pub final_value: Option<Final>,
    pub candidates: Vec<Candidate>,
    /// When the service does not receive VAR: why, most useful first.
    pub why_not: Vec<String>,
    /// Names close to VAR that the project does define.
    pub suggestions: Vec<Suggestion>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suggestion {
    pub name: String,
    /// Where it is defined (the first place found).
    pub span: Option<Span>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectExplanation {
    pub name: String,
    pub compose_files: Vec<FileId>,
    /// Every `${VAR}` / passthrough of VAR in the project's compose files.
    pub references: Vec<Via>,
    pub services: Vec<ServiceExplanation>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Explanation {
    pub variable: String,
    pub projects: Vec<ProjectExplanation>,
}

/// Explain `var` for every service (or only `service`) of every project.
pub fn explain(ws: &Workspace, var: &str, service: Option<&str>) -> Explanation {
    let projects = ws
        .projects
        .iter()
        .map(|p| ProjectExplanation {
            name: p.name.clone(),
            compose_files: p.compose_files.clone(),
            references: p
                .references
                .iter()
                .filter(|v| v.variable == var)
                .cloned()
                .collect(),
            services: p
                .services
                .iter()
                .filter(|s| service.is_none_or(|n| s.name == n))
                .map(|s| explain_service(ws, p, s, var))
                .collect(),
        })
        .collect();
    Explanation {
        variable: var.to_string(),
        projects,
    }
}

fn loc(ws: &Workspace, span: Span) -> String {
    let f = ws.sources.get(span.file);
    format!("{}:{}", f.display, f.line_col(span.range.start).line)
}

/// The keys of `service`'s environment whose value interpolates `var`, with
/// the reference.
fn feeds_in(service: &Service, var: &str) -> Vec<Feed> {
    let mut out = Vec::new();
    for (key, v) in &service.container_env.vars {
        if key == var {
            continue;
        }
        for via in &v.winner.via {
            if via.variable == var {
                out.push(Feed {
                    into: key.clone(),
                    reference: via.reference,
                });
            }
        }
    }
    out
}

fn feeds_text(ws: &Workspace, feeds: &[Feed]) -> String {
    feeds
        .iter()
        .map(|f| format!("{} ({})", f.into, loc(ws, f.reference)))
        .collect::<Vec<_>>()
        .join(", ")
}

fn describe_def(ws: &Workspace, d: &EnvDefinition) -> String {
    let at = loc(ws, d.key_span);
    match d.source {
        EnvSource::ComposeEnvironment => format!("`environment:` at {at}"),
        EnvSource::ComposeEnvFile => format!("env_file at {at}"),
        EnvSource::ImageEnv => format!("the image's ENV at {at}"),
    }
}

fn stage_name(facts: &ImageFacts, index: usize) -> String {
    facts
        .stages
        .get(index)
        .and_then(|s| s.name.clone())
        .unwrap_or_else(|| index.to_string())
}

fn explain_service(ws: &Workspace, p: &Project, s: &Service, var: &str) -> ServiceExplanation {
    let received = s.container_env.get(var);
    let hard_coded = received.is_some_and(|w| {
        w.winner.source == EnvSource::ComposeEnvironment
            && w.winner.value.is_some()
            && !w.winner.via.iter().any(|v| v.variable == var)
    });
    let winner_via = |pred: &dyn Fn(&Via) -> bool| -> bool {
        received.is_some_and(|w| w.winner.via.iter().any(|v| v.variable == var && pred(v)))
    };
    let feeds = feeds_in(s, var);
    let mut candidates = Vec::new();

    // 1. The shell.
    let project_var = p.variables.get(var);
    if let Some(pv) = project_var.filter(|v| v.source == VariableSource::Process) {
        let used = winner_via(&|v| v.source == Some(VariableSource::Process));
        let reason = if used {
            "the shell's value is interpolated into the service's definition below (the shell wins over .env)".to_string()
        } else if !feeds.is_empty() {
            format!(
                "only feeds the interpolation of {}; the shell environment does not reach containers by itself",
                feeds_text(ws, &feeds)
            )
        } else {
            format!(
                "the shell environment only feeds interpolation, and nothing of service `{}` references ${{{var}}}",
                s.name
            )
        };
        candidates.push(Candidate {
            source: CandidateSource::Process,
            key_span: None,
            value_span: None,
            value: Some(pv.value.clone()),
            used,
            reason,
            stage: None,
            service: None,
            via: Vec::new(),
            feeds: if used { Vec::new() } else { feeds.clone() },
            outside_run: false,
        });
    }

    // 2. The project `.env` / `--env-file` lines.
    let defs: Vec<&DotenvDefinition> = p
        .dotenv_definitions
        .iter()
        .filter(|d| d.name == var)
        .collect();
    let env_file_ids: Vec<FileId> = s.env_files.iter().filter_map(|e| e.file).collect();
    for (i, d) in defs.iter().enumerate() {
        let used = d.effective
            && winner_via(
                &|v| matches!(&v.source, Some(VariableSource::Dotenv { key, .. }) if *key == d.key),
            );
        let reason = if !d.effective {
            if project_var.is_some_and(|v| v.source == VariableSource::Process) {
                "overridden: the shell's value wins over .env".to_string()
            } else if let Some(later) = defs[i + 1..].last() {
                format!("overridden by a later definition at {}", loc(ws, later.key))
            } else {
                "overridden".to_string()
            }
        } else if used {
            let at = received
                .and_then(|w| w.winner.via.iter().find(|v| v.variable == var))
                .map(|v| loc(ws, v.reference))
                .unwrap_or_default();
            format!("interpolated into the service's {var} at {at}")
        } else if !feeds.is_empty() {
            format!(
                "only feeds the interpolation of {}: Compose does not pass .env to containers",
                feeds_text(ws, &feeds)
            )
        } else if env_file_ids.contains(&d.file) {
            format!(
                "as the project .env it only feeds interpolation; service `{}` also reads this file as an env_file (see below)",
                s.name
            )
        } else if hard_coded {
            let w = received
                .map(|w| describe_def(ws, &w.winner))
                .unwrap_or_default();
            format!(
                ".env only feeds interpolation, and service `{}` hard-codes {var} in {w}",
                s.name
            )
        } else {
            format!(
                ".env only feeds `${{…}}` interpolation, and nothing of service `{}` references ${{{var}}}",
                s.name
            )
        };
        candidates.push(Candidate {
            source: CandidateSource::Dotenv,
            key_span: Some(d.key),
            value_span: Some(d.value_span),
            value: Some(d.value.clone()),
            used,
            reason,
            stage: None,
            service: None,
            via: d.via.clone(),
            feeds: if used { Vec::new() } else { feeds.clone() },
            outside_run: false,
        });
    }

    // 3. The service's own definitions: the winner, then what it shadows.
    if let Some(w) = received {
        let mut all = vec![(&w.winner, true)];
        all.extend(w.shadowed.iter().map(|d| (d, false)));
        for (d, wins) in all {
            let reason = if wins {
                match d.source {
                    EnvSource::ComposeEnvironment => {
                        "wins: Compose's `environment:` beats env_file and the image's ENV"
                            .to_string()
                    }
                    EnvSource::ComposeEnvFile => {
                        "wins: env_file beats the image's ENV (the last env_file line that sets it)"
                            .to_string()
                    }
                    EnvSource::ImageEnv => {
                        "wins: no compose setting overrides the image's ENV".to_string()
                    }
                }
            } else {
                let differs = d.value != w.winner.value;
                format!(
                    "shadowed by {}{}",
                    describe_def(ws, &w.winner),
                    if differs {
                        ", which sets a different value"
                    } else {
                        " (same value)"
                    }
                )
            };
            candidates.push(Candidate {
                source: CandidateSource::of(d.source),
                key_span: Some(d.key_span),
                value_span: d.value_span,
                value: d.value.clone(),
                used: wins && s.active && d.value.is_some(),
                reason,
                stage: match (&s.image_facts, d.stage) {
                    (Some(f), Some(i)) => Some(stage_name(f, i)),
                    _ => None,
                },
                service: None,
                via: d.via.clone(),
                feeds: Vec::new(),
                outside_run: false,
            });
        }
    }

    // 4. The Dockerfile: ENV in a stage the service does not run, ARG.
    if let Some(facts) = &s.image_facts {
        let run = stage_name(facts, facts.stage);
        for (index, stage) in facts.stages.iter().enumerate() {
            let in_chain = facts.chain.contains(&index);
            for ins in &facts.dockerfile.instructions[stage.instructions.clone()] {
                match &ins.kind {
                    InstructionKind::Env(pairs) if !in_chain => {
                        for pair in pairs.iter().filter(|pr| pr.key.value == var) {
                            candidates.push(Candidate {
                                source: CandidateSource::ImageEnv,
                                key_span: Some(Span::new(facts.dockerfile_file, pair.key.range)),
                                value_span: Some(Span::new(
                                    facts.dockerfile_file,
                                    pair.value.range,
                                )),
                                value: Some(pair.value.value.clone()),
                                used: false,
                                reason: format!(
                                    "set in stage `{}`, which service `{}` does not run (it runs `{run}`)",
                                    stage_name(facts, index),
                                    s.name
                                ),
                                stage: Some(stage_name(facts, index)),
                                service: None,
                                via: Vec::new(),
                                feeds: Vec::new(),
                                outside_run: true,
                            });
                        }
                    }
                    InstructionKind::Arg(decls) if in_chain => {
                        for a in decls.iter().filter(|a| a.name.value == var) {
                            candidates.push(Candidate {
                                source: CandidateSource::ImageArg,
                                key_span: Some(Span::new(facts.dockerfile_file, a.name.range)),
                                value_span: a
                                    .default
                                    .as_ref()
                                    .map(|d| Span::new(facts.dockerfile_file, d.range)),
                                value: a.default.as_ref().map(|d| d.value.clone()),
                                used: false,
                                reason: "ARG is build-time only: it is not in the running container's environment (copy it with `ENV NAME=$NAME`)".to_string(),
                                stage: Some(stage_name(facts, index)),
                                service: None,
                                via: Vec::new(),
                                feeds: Vec::new(),
                                outside_run: false,
                            });
                        }
                    }
                    _ => {}
                }
            }
        }
    }

    // 5. Other services that have it, when this one does not.
    if received.is_none() {
        for o in p.services.iter().filter(|o| o.name != s.name && o.active) {
            let Some(ow) = o.container_env.get(var) else {
                continue;
            };
            let d = &ow.winner;
            let reason = match d.source {
                EnvSource::ComposeEnvFile => {
                    if env_file_ids.contains(&d.key_span.file) {
                        continue;
                    }
                    format!(
                        "in an env_file of service `{}`, which service `{}` does not read",
                        o.name, s.name
                    )
                }
                EnvSource::ComposeEnvironment => format!(
                    "set in `environment:` of service `{}`, not of `{}`",
                    o.name, s.name
                ),
                EnvSource::ImageEnv => continue,
            };
            candidates.push(Candidate {
                source: CandidateSource::of(d.source),
                key_span: Some(d.key_span),
                value_span: d.value_span,
                value: d.value.clone(),
                used: false,
                reason,
                stage: None,
                service: Some(o.name.clone()),
                via: d.via.clone(),
                feeds: Vec::new(),
                outside_run: false,
            });
        }
    }

    // 6. The app's settings default.
    if let Some((file, field)) = app_field(ws, s, var) {
        let reason = match (received.is_some() && s.active, &field.default) {
            (true, _) => format!(
                "pydantic reads the container's {var} instead of this default"
            ),
            (false, Some(_)) => format!(
                "the app falls back to this default: the container has no {var}"
            ),
            (false, None) => format!(
                "required field: without {var} in the container, the settings fail to load (ValidationError) at start-up"
            ),
        };
        candidates.push(Candidate {
            source: CandidateSource::AppDefault,
            key_span: Some(Span::new(file, field.name_range)),
            value_span: field.default_range.map(|r| Span::new(file, r)),
            value: field.default.clone(),
            used: false,
            reason,
            stage: None,
            service: None,
            via: Vec::new(),
            feeds: Vec::new(),
            outside_run: false,
        });
    }

    // A passthrough nothing sets is left out by Compose: not received.
    let final_value = received
        .filter(|w| s.active && w.winner.value.is_some())
        .map(|w| Final {
            value: w.winner.value.clone(),
            source: w.winner.source,
            key_span: w.winner.key_span,
            value_span: w.winner.value_span,
            via: w.winner.via.clone(),
        });
    let mut why_not = Vec::new();
    let mut suggestions = Vec::new();
    if final_value.is_none() {
        why_not = reasons_not_received(ws, p, s, var, &candidates, &feeds);
        suggestions = near_misses(ws, p, s, var);
    }
    ServiceExplanation {
        service: s.name.clone(),
        name_span: s.name_span,
        active: s.active,
        final_value,
        candidates,
        why_not,
        suggestions,
    }
}

fn reasons_not_received(
    ws: &Workspace,
    p: &Project,
    s: &Service,
    var: &str,
    candidates: &[Candidate],
    feeds: &[Feed],
) -> Vec<String> {
    let mut out = Vec::new();
    if !s.active {
        let profiles: Vec<&str> = s.profiles.iter().map(|v| v.text.as_str()).collect();
        out.push(format!(
            "service `{}` does not run: its profile{} `{}` {} not enabled (`--profile` or COMPOSE_PROFILES)",
            s.name,
            if profiles.len() == 1 { "" } else { "s" },
            profiles.join("`, `"),
            if profiles.len() == 1 { "is" } else { "are" },
        ));
    }
    if let Some(w) = s.container_env.get(var) {
        if w.winner.value.is_none() {
            out.push(format!(
                "`environment:` passes {var} through ({}), but neither the shell nor .env sets it, so Compose leaves it out",
                loc(ws, w.winner.key_span)
            ));
        }
    }
    let in_dotenv = candidates
        .iter()
        .any(|c| c.source == CandidateSource::Dotenv);
    let in_shell = candidates
        .iter()
        .any(|c| c.source == CandidateSource::Process);
    if in_dotenv || in_shell {
        let what = if in_dotenv {
            "the project .env"
        } else {
            "the shell"
        };
        let mut msg = format!(
            "{var} is only in {what}, which only feeds `${{…}}` interpolation in compose files; to pass it, add `{var}: ${{{var}}}` to the `environment:` of service `{}`",
            s.name
        );
        if in_dotenv {
            msg.push_str(" or list the file under its `env_file:`");
        }
        if !feeds.is_empty() {
            msg.push_str(&format!(
                " (it is interpolated into {})",
                feeds
                    .iter()
                    .map(|f| f.into.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        out.push(msg);
    }
    for c in candidates.iter().filter(|c| c.service.is_some()) {
        out.push(format!(
            "{var} is {} ({})",
            c.reason,
            c.key_span.map(|sp| loc(ws, sp)).unwrap_or_default()
        ));
    }
    for c in candidates.iter().filter(|c| {
        matches!(
            c.source,
            CandidateSource::ImageEnv | CandidateSource::ImageArg
        )
    }) {
        out.push(format!(
            "the Dockerfile has {var} ({}): {}",
            c.key_span.map(|sp| loc(ws, sp)).unwrap_or_default(),
            c.reason
        ));
    }
    let referenced = p.references.iter().any(|r| r.variable == var);
    if out.is_empty() {
        if referenced {
            out.push(format!(
                "{var} is referenced in compose, but not as a variable of service `{}`",
                s.name
            ));
        } else {
            out.push(format!("{var} is not defined anywhere in this project"));
        }
    }
    out
}

/// The settings field that reads `var` in a Python file of the service's
/// build context.
fn app_field<'a>(ws: &'a Workspace, s: &Service, var: &str) -> Option<(FileId, &'a SettingsField)> {
    let build = s.build.as_ref()?;
    let context: &Path = &build.context;
    ws.settings.iter().find_map(|(id, file)| {
        let path = &ws.sources.get(*id).path;
        if !path.starts_with(context) {
            return None;
        }
        file.classes
            .iter()
            .find_map(|c| c.field_for(var))
            .map(|f| (*id, f))
    })
}

/// Names the project defines that are close to `var` (a typo, another case).
fn near_misses(ws: &Workspace, p: &Project, s: &Service, var: &str) -> Vec<Suggestion> {
    let mut names: Vec<(String, Option<Span>)> = Vec::new();
    for (k, v) in &s.container_env.vars {
        names.push((k.clone(), Some(v.winner.key_span)));
    }
    for d in &p.dotenv_definitions {
        names.push((d.name.clone(), Some(d.key)));
    }
    for r in &p.references {
        names.push((r.variable.clone(), Some(r.reference)));
    }
    for o in &p.services {
        for (k, v) in &o.container_env.vars {
            names.push((k.clone(), Some(v.winner.key_span)));
        }
    }
    if let Some(build) = &s.build {
        for (id, file) in &ws.settings {
            if !ws.sources.get(*id).path.starts_with(&build.context) {
                continue;
            }
            for c in &file.classes {
                for f in &c.fields {
                    names.push((f.env_name.clone(), Some(Span::new(*id, f.name_range))));
                }
            }
        }
    }
    let mut out: Vec<Suggestion> = Vec::new();
    for (name, span) in names {
        if name == var || out.iter().any(|o| o.name == name) || !is_near(var, &name) {
            continue;
        }
        out.push(Suggestion { name, span });
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

/// Same name in another case, or a small edit away on a name long enough for
/// that to mean a typo.
pub fn is_near(a: &str, b: &str) -> bool {
    if a.eq_ignore_ascii_case(b) {
        return true;
    }
    let n = a.chars().count().min(b.chars().count());
    let limit = match n {
        0..=3 => return false,
        4..=7 => 1,
        _ => 2,
    };
    edit_distance(&a.to_ascii_uppercase(), &b.to_ascii_uppercase(), limit) <= limit
}

/// Levenshtein distance with adjacent transpositions, giving up past `limit`.
fn edit_distance(a: &str, b: &str, limit: usize) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    if a.len().abs_diff(b.len()) > limit {
        return limit + 1;
    }
    let mut prev2: Vec<usize> = vec![0; b.len() + 1];
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for i in 1..=a.len() {
        let mut cur = vec![i; b.len() + 1];
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            cur[j] = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                cur[j] = cur[j].min(prev2[j - 2] + 1);
            }
        }
        prev2 = std::mem::replace(&mut prev, cur);
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fs::DiskFs;
    use crate::model::workspace::{load_workspace, WorkspaceOptions};
    use std::collections::BTreeMap;

    /// Explain `var` for `service` in a project made of `files`, with the
    /// shell environment `shell`.
    fn explain_in(
        files: &[(&str, &str)],
        shell: &[(&str, &str)],
        var: &str,
        service: &str,
    ) -> ServiceExplanation {
        let dir = tempfile::tempdir().unwrap();
        for (path, text) in files {
            let p = dir.path().join(path);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, text).unwrap();
        }
        let opts = WorkspaceOptions {
            paths: vec![dir.path().to_path_buf()],
            process_env: shell
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect::<BTreeMap<_, _>>(),
            ..Default::default()
        };
        let ws = load_workspace(&DiskFs, dir.path(), &opts);
        let mut ex = explain(&ws, var, Some(service));
        ex.projects.remove(0).services.remove(0)
    }

    fn sources(s: &ServiceExplanation) -> Vec<(&'static str, bool)> {
        s.candidates
            .iter()
            .map(|c| (c.source.as_str(), c.used))
            .collect()
    }

    #[test]
    fn shell_beats_dotenv_and_flows_through_interpolation() {
        let compose = "services:\n  app:\n    image: python:3.12-slim\n    environment:\n      LOG_LEVEL: ${LOG_LEVEL:-info}\n";
        let s = explain_in(
            &[("compose.yaml", compose), (".env", "LOG_LEVEL=debug\n")],
            &[("LOG_LEVEL", "warning")],
            "LOG_LEVEL",
            "app",
        );
        assert_eq!(
            s.final_value.as_ref().unwrap().value.as_deref(),
            Some("warning")
        );
        assert_eq!(
            sources(&s),
            [
                ("process", true),
                ("dotenv", false),
                ("compose.environment", true)
            ]
        );
        assert!(s.candidates[1].reason.contains("shell"));
    }

    #[test]
    fn later_dotenv_line_wins() {
        let compose = "services:\n  app:\n    image: python:3.12-slim\n    environment:\n      - MODE=${MODE}\n";
        let s = explain_in(
            &[("compose.yaml", compose), (".env", "MODE=a\nMODE=b\n")],
            &[],
            "MODE",
            "app",
        );
        assert_eq!(sources(&s)[..2], [("dotenv", false), ("dotenv", true)]);
        assert!(
            s.candidates[0].reason.contains(".env:2"),
            "{}",
            s.candidates[0].reason
        );
    }

    #[test]
    fn other_services_env_file() {
        let compose = "services:\n  app:\n    image: python:3.12-slim\n  worker:\n    image: python:3.12-slim\n    env_file: worker.env\n";
        let s = explain_in(
            &[("compose.yaml", compose), ("worker.env", "QUEUE=jobs\n")],
            &[],
            "QUEUE",
            "app",
        );
        assert!(s.final_value.is_none());
        assert_eq!(s.candidates[0].service.as_deref(), Some("worker"));
        assert!(
            s.why_not
                .iter()
                .any(|w| w.contains("env_file of service `worker`")),
            "{:?}",
            s.why_not
        );
    }

    #[test]
    fn inactive_profile() {
        let compose = "services:\n  debug:\n    image: python:3.12-slim\n    profiles: [tools]\n    environment:\n      - X=1\n";
        let s = explain_in(&[("compose.yaml", compose)], &[], "X", "debug");
        assert!(s.final_value.is_none());
        assert!(
            s.why_not[0].contains("profile `tools` is not enabled"),
            "{:?}",
            s.why_not
        );
        assert_eq!(sources(&s), [("compose.environment", false)]);
    }

    #[test]
    fn passthrough_nothing_sets_is_not_received() {
        let compose =
            "services:\n  app:\n    image: python:3.12-slim\n    environment:\n      - TOKEN_URL\n";
        let s = explain_in(&[("compose.yaml", compose)], &[], "TOKEN_URL", "app");
        assert!(s.final_value.is_none());
        assert!(
            s.why_not
                .iter()
                .any(|w| w.contains("passes TOKEN_URL through")),
            "{:?}",
            s.why_not
        );
    }

    #[test]
    fn image_env_stages_and_args() {
        let df = "FROM python:3.12-slim AS build\nENV PIP_NO_CACHE_DIR=1\nARG VERSION=1\n\nFROM python:3.12-slim AS runtime\nARG VERSION\nENV PORT=8000\nUSER 1000\n";
        let compose = "services:\n  app:\n    build:\n      context: .\n      target: runtime\n    environment:\n      PORT: \"9000\"\n";
        let files = [("compose.yaml", compose), ("Dockerfile", df)];
        let s = explain_in(&files, &[], "PORT", "app");
        assert_eq!(
            sources(&s),
            [("compose.environment", true), ("image.env", false)]
        );
        assert_eq!(s.candidates[1].stage.as_deref(), Some("runtime"));
        let s = explain_in(&files, &[], "PIP_NO_CACHE_DIR", "app");
        assert!(s.final_value.is_none());
        assert!(
            s.candidates[0].reason.contains("stage `build`"),
            "{}",
            s.candidates[0].reason
        );
        let s = explain_in(&files, &[], "VERSION", "app");
        assert_eq!(sources(&s), [("image.arg", false)]);
    }

    #[test]
    fn app_settings_default_and_required_field() {
        let py = "from pydantic_settings import BaseSettings\n\nclass Settings(BaseSettings):\n    redis_url: str = \"redis://localhost:6379/0\"\n    api_token: str\n";
        let compose = "services:\n  app:\n    build: .\n";
        let files = [
            ("compose.yaml", compose),
            ("Dockerfile", "FROM python:3.12-slim\n"),
            ("app/config.py", py),
        ];
        let s = explain_in(&files, &[], "REDIS_URL", "app");
        assert_eq!(sources(&s), [("app.default", false)]);
        assert!(s.candidates[0]
            .reason
            .contains("falls back to this default"));
        let s = explain_in(&files, &[], "API_TOKEN", "app");
        assert!(s.candidates[0].reason.contains("ValidationError"));
    }

    #[test]
    fn suggestions() {
        let compose = "services:\n  app:\n    image: python:3.12-slim\n    environment:\n      - DATABASE_URL=postgresql://db/app\n";
        let s = explain_in(&[("compose.yaml", compose)], &[], "DATABASE_URI", "app");
        assert_eq!(s.suggestions[0].name, "DATABASE_URL");
    }

    #[test]
    fn near_names() {
        assert!(is_near("DATABASE_URL", "DATABASE_URI"));
        assert!(is_near("DATABASE_URL", "DATABSAE_URL"));
        assert!(is_near("debug", "DEBUG"));
        assert!(is_near("SECRET_KEY", "SECRETKEY"));
        assert!(!is_near("DB", "DC"));
        assert!(!is_near("REDIS_URL", "REDIS_HOST"));
        assert!(!is_near("PORT", "HOST"));
    }
}
