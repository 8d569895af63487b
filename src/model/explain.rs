//! `explain VAR`: every place a variable is defined or referenced on its way
//! into each service, which definition wins and why, and — when it does not
//! arrive — exactly why not. Pure: a function of the workspace model. The
//! reasons are data ([`Reason`], [`NotReceived`]): `report::explain` words
//! them.

use std::collections::HashSet;

use crate::facts::build_vars::PLATFORM_ARGS;
use crate::model::app::{AppField, SettingsClass};
use crate::model::types::*;
use crate::model::workspace::Workspace;
use crate::source::{FileId, Span, TextRange};
use crate::syntax::dockerfile::InstructionKind;

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

/// Where a project interpolation variable comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InterpolationSource {
    /// The shell `docker compose` runs in.
    Shell,
    /// The project `.env` (or an `--env-file`).
    Dotenv,
}

/// A definition of the variable in the service, as a reason names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DefinedAt {
    pub source: EnvSource,
    /// The name as written.
    pub key: Span,
}

/// Why a candidate is used or not: what the model found, as data. The
/// report words it (text, JSON, Mermaid); nothing decides on its wording.
/// VAR is the explained variable, "the service" the explained one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reason {
    /// The shell's value is interpolated into the service's definition of
    /// VAR (the shell wins over `.env`).
    ShellInterpolated,
    /// The `.env` value is interpolated into the service's VAR at
    /// `reference`.
    DotenvInterpolated { reference: Option<Span> },
    /// The value only feeds the interpolation of other keys of the service:
    /// neither the shell nor `.env` reaches a container by itself.
    OnlyFeeds {
        from: InterpolationSource,
        feeds: Vec<Feed>,
    },
    /// Only interpolation, and nothing of `service` references `${VAR}`.
    NotReferenced {
        from: InterpolationSource,
        service: String,
    },
    /// The project `.env` only feeds interpolation; `service` also reads the
    /// same file as an env_file (another candidate).
    DotenvAlsoEnvFile { service: String },
    /// `.env` only feeds interpolation, and `service` hard-codes VAR at `by`.
    HardCoded { service: String, by: DefinedAt },
    /// A `.env` line whose variable the shell sets: the shell wins.
    OverriddenByShell,
    /// A `.env` line that a later line (`later`, the last one) overrides.
    OverriddenByLater { later: Option<Span> },
    /// The definition the service receives, by Compose's precedence
    /// (image ENV < env_file < `environment:`).
    Wins { source: EnvSource },
    /// A definition of lower precedence than `by`, which wins.
    Shadowed { by: DefinedAt, same_value: bool },
    /// An image `ENV` in `stage`, which `service` does not run (it runs
    /// `runs`).
    StageNotRun {
        stage: String,
        runs: String,
        service: String,
    },
    /// A Dockerfile `ARG`: build time only, not in the container.
    BuildTimeOnly,
    /// A Dockerfile `ARG` before the first `FROM`: seen by `FROM` lines
    /// and by the stages that declare it again; build time only.
    GlobalArg,
    /// A definition of another service (`owner`) that `service` does not
    /// share: `environment:`, or an env_file it does not read.
    OtherService {
        owner: String,
        source: EnvSource,
        service: String,
    },
    /// The app's settings default, unused: the container has VAR.
    AppDefaultOverridden,
    /// The app's settings default, used: the container has no VAR.
    AppDefaultUsed,
    /// A settings field without default that the container does not set:
    /// the app fails to start.
    AppFieldRequired,
}

/// Why the service does not receive VAR, most useful first: data, worded
/// by the report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotReceived {
    /// The service does not run: none of its `profiles` is enabled.
    InactiveProfile {
        service: String,
        profiles: Vec<String>,
    },
    /// `environment:` passes VAR through at `entry`, and nothing sets it.
    PassthroughUnset { entry: Span },
    /// VAR is only an interpolation variable (of `.env` when it has one,
    /// else of the shell); it is interpolated into `feeds` (keys).
    OnlyInterpolation {
        from: InterpolationSource,
        service: String,
        feeds: Vec<String>,
    },
    /// Another service defines VAR at `at` (`reason` says how).
    OtherService { at: Span, reason: Reason },
    /// The Dockerfile defines VAR at `at`, to no effect (`reason`).
    InDockerfile { at: Span, reason: Reason },
    /// Nothing sets VAR, and `service` only interpolates it into other
    /// values: `feeds` (its container variables) and `references` (every
    /// `${VAR}` of its definition, those of `feeds` included).
    OnlyReferenced {
        service: String,
        feeds: Vec<Feed>,
        references: Vec<Span>,
    },
    /// VAR is one of BuildKit's automatic platform ARGs (`TARGETARCH`…):
    /// set while building, never in a container.
    PlatformArg,
    /// Only the Dockerfiles of other services' images define VAR (`ARG`,
    /// `ENV`), at `at`.
    OtherDockerfile { at: Vec<Span> },
    /// VAR is referenced in compose, but not as a variable of `service`.
    ReferencedElsewhere { service: String },
    /// Nothing in the project defines VAR.
    Undefined,
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
    pub reason: Reason,
    /// For an image ENV / ARG: the stage's name or index.
    pub stage: Option<String>,
    /// For a definition that belongs to another service.
    pub service: Option<String>,
    /// Variables interpolated into this value.
    pub via: Vec<Via>,
    /// Where each byte range of `value` came from (empty when the model
    /// keeps no map: the value is then as written at `value_span`).
    pub segments: Vec<Segment>,
    /// Where this value is interpolated into something else of the service.
    pub feeds: Vec<Feed>,
}

/// What the service receives as VAR.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Final {
    pub value: Option<String>,
    pub source: EnvSource,
    pub key_span: Span,
    pub value_span: Option<Span>,
    pub via: Vec<Via>,
    /// Where each byte range of `value` came from.
    pub segments: Vec<Segment>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceExplanation {
    pub service: String,
    pub name_span: Span,
    pub active: bool,
    pub final_value: Option<Final>,
    pub candidates: Vec<Candidate>,
    /// When the service does not receive VAR: why, most useful first.
    pub why_not: Vec<NotReceived>,
    /// Names close to VAR that the project does define.
    pub suggestions: Vec<Suggestion>,
    /// Every `${VAR}` the service's definition holds: in its compose
    /// mapping, and in the values of its container environment (an
    /// `extends:` base's included).
    pub references: Vec<Span>,
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

/// The references to `var` that `service` holds: those written in its
/// mappings of the project's compose files, then those of `feeds` (values
/// it inherits, from an `extends:` base).
fn references_in(
    ws: &Workspace,
    p: &Project,
    service: &Service,
    var: &str,
    feeds: &[Feed],
) -> Vec<Span> {
    let mut out: Vec<Span> = Vec::new();
    let mut seen: HashSet<Span> = HashSet::new();
    // The service's mappings, per file: each file's services read once.
    let mut mappings: Vec<(FileId, Vec<TextRange>)> = Vec::new();
    for r in p.references.iter().filter(|r| r.variable == var) {
        let file = r.reference.file;
        let i = match mappings.iter().position(|(f, _)| *f == file) {
            Some(i) => i,
            None => {
                let ranges = ws.compose.get(&file).map_or_else(Vec::new, |tree| {
                    tree.documents()
                        .flat_map(|d| &d.services)
                        .filter(|t| t.name.value == service.name)
                        .map(|t| t.range)
                        .collect()
                });
                mappings.push((file, ranges));
                mappings.len() - 1
            }
        };
        let start = r.reference.range.start;
        let inside = mappings[i]
            .1
            .iter()
            .any(|m| m.start <= start && start < m.end);
        if inside && seen.insert(r.reference) {
            out.push(r.reference);
        }
    }
    for f in feeds {
        if seen.insert(f.reference) {
            out.push(f.reference);
        }
    }
    out
}

fn stage_name(facts: &ImageFacts, index: usize) -> String {
    facts
        .stages
        .get(index)
        .and_then(|s| s.name.clone())
        .unwrap_or_else(|| index.to_string())
}

pub(crate) fn explain_service(
    ws: &Workspace,
    p: &Project,
    s: &Service,
    var: &str,
) -> ServiceExplanation {
    let received = s.container_env.get(var);
    // `environment:` sets VAR without `${VAR}`: where.
    let hard_coded = received
        .filter(|w| {
            w.winner.source == EnvSource::ComposeEnvironment
                && w.winner.value.is_some()
                && !w.winner.via.iter().any(|v| v.variable == var)
        })
        .map(|w| DefinedAt {
            source: w.winner.source,
            key: w.winner.key_span,
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
            Reason::ShellInterpolated
        } else if !feeds.is_empty() {
            Reason::OnlyFeeds {
                from: InterpolationSource::Shell,
                feeds: feeds.clone(),
            }
        } else {
            Reason::NotReferenced {
                from: InterpolationSource::Shell,
                service: s.name.clone(),
            }
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
            segments: Vec::new(),
            feeds: if used { Vec::new() } else { feeds.clone() },
        });
    }

    // 2. The project `.env` / `--env-file` lines.
    // An `include:`'s env files are read for the included files only.
    let defs: Vec<&DotenvDefinition> = p
        .dotenv_definitions
        .iter()
        .filter(|d| d.name == var)
        .filter(|d| {
            s.scope > 0 || !p.include_env_files.contains(&d.file) || p.env_files.contains(&d.file)
        })
        .collect();
    let env_file_ids: Vec<FileId> = s.env_files.iter().filter_map(|e| e.file).collect();
    for (i, d) in defs.iter().enumerate() {
        let used = d.effective
            && winner_via(
                &|v| matches!(&v.source, Some(VariableSource::Dotenv { key, .. }) if *key == d.key),
            );
        let reason = if !d.effective {
            if project_var.is_some_and(|v| v.source == VariableSource::Process) {
                Reason::OverriddenByShell
            } else {
                Reason::OverriddenByLater {
                    later: defs[i + 1..].last().map(|later| later.key),
                }
            }
        } else if used {
            Reason::DotenvInterpolated {
                reference: received
                    .and_then(|w| w.winner.via.iter().find(|v| v.variable == var))
                    .map(|v| v.reference),
            }
        } else if !feeds.is_empty() {
            Reason::OnlyFeeds {
                from: InterpolationSource::Dotenv,
                feeds: feeds.clone(),
            }
        } else if env_file_ids.contains(&d.file) {
            Reason::DotenvAlsoEnvFile {
                service: s.name.clone(),
            }
        } else if let Some(by) = hard_coded {
            Reason::HardCoded {
                service: s.name.clone(),
                by,
            }
        } else {
            Reason::NotReferenced {
                from: InterpolationSource::Dotenv,
                service: s.name.clone(),
            }
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
            segments: d.segments.clone(),
            feeds: if used { Vec::new() } else { feeds.clone() },
        });
    }

    // 3. The service's own definitions: the winner, then what it shadows.
    if let Some(w) = received {
        let mut all = vec![(&w.winner, true)];
        all.extend(w.shadowed.iter().map(|d| (d, false)));
        for (d, wins) in all {
            let reason = if wins {
                Reason::Wins { source: d.source }
            } else {
                Reason::Shadowed {
                    by: DefinedAt {
                        source: w.winner.source,
                        key: w.winner.key_span,
                    },
                    same_value: d.value == w.winner.value,
                }
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
                segments: d.segments.clone(),
                feeds: Vec::new(),
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
                                reason: Reason::StageNotRun {
                                    stage: stage_name(facts, index),
                                    runs: run.clone(),
                                    service: s.name.clone(),
                                },
                                stage: Some(stage_name(facts, index)),
                                service: None,
                                via: Vec::new(),
                                segments: Vec::new(),
                                feeds: Vec::new(),
                            });
                        }
                    }
                    InstructionKind::Arg(decls) => {
                        // An ARG of a stage the service does not run: that
                        // stage's; of one it runs: build time only.
                        let reason = if in_chain {
                            Reason::BuildTimeOnly
                        } else {
                            Reason::StageNotRun {
                                stage: stage_name(facts, index),
                                runs: run.clone(),
                                service: s.name.clone(),
                            }
                        };
                        candidates.extend(arg_candidates(
                            facts,
                            decls,
                            var,
                            &reason,
                            Some(stage_name(facts, index)),
                        ));
                    }
                    _ => {}
                }
            }
        }
        // The ARGs before the first FROM.
        let first = facts
            .stages
            .first()
            .map_or(facts.dockerfile.instructions.len(), |st| {
                st.instructions.start
            });
        for ins in facts.dockerfile.instructions.iter().take(first) {
            if let InstructionKind::Arg(decls) = &ins.kind {
                candidates.extend(arg_candidates(facts, decls, var, &Reason::GlobalArg, None));
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
            let shared = match d.source {
                EnvSource::ComposeEnvFile => env_file_ids.contains(&d.key_span.file),
                EnvSource::ComposeEnvironment => false,
                EnvSource::ImageEnv => true,
            };
            if shared {
                continue;
            }
            let reason = Reason::OtherService {
                owner: o.name.clone(),
                source: d.source,
                service: s.name.clone(),
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
                segments: d.segments.clone(),
                feeds: Vec::new(),
            });
        }
    }

    // 6. The app's settings default.
    if let Some((_class, field)) = app_field(ws, p, s, var) {
        let reason = match (received.is_some() && s.active, field.required) {
            (true, _) => Reason::AppDefaultOverridden,
            (false, false) => Reason::AppDefaultUsed,
            (false, true) => Reason::AppFieldRequired,
        };
        let default = field.default_value();
        candidates.push(Candidate {
            source: CandidateSource::AppDefault,
            key_span: Some(field.span()),
            value_span: default.map(|d| Span::new(field.file, d.range)),
            value: default.map(|d| d.text.clone()),
            used: false,
            reason,
            stage: None,
            service: None,
            via: Vec::new(),
            segments: Vec::new(),
            feeds: Vec::new(),
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
            segments: w.winner.segments.clone(),
        });
    let references = references_in(ws, p, s, var, &feeds);
    let mut why_not = Vec::new();
    let mut suggestions = Vec::new();
    if final_value.is_none() {
        why_not = reasons_not_received(p, s, var, &candidates, &feeds, &references);
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
        references,
    }
}

/// The declarations of `var` among `decls` (one `ARG` instruction), as
/// candidates for `reason`.
fn arg_candidates(
    facts: &ImageFacts,
    decls: &[crate::syntax::dockerfile::ArgDecl],
    var: &str,
    reason: &Reason,
    stage: Option<String>,
) -> Vec<Candidate> {
    let file = facts.dockerfile_file;
    decls
        .iter()
        .filter(|a| a.name.value == var)
        .map(|a| Candidate {
            source: CandidateSource::ImageArg,
            key_span: Some(Span::new(file, a.name.range)),
            value_span: a.default.as_ref().map(|d| Span::new(file, d.range)),
            value: a.default.as_ref().map(|d| d.value.clone()),
            used: false,
            reason: reason.clone(),
            stage: stage.clone(),
            service: None,
            via: Vec::new(),
            segments: Vec::new(),
            feeds: Vec::new(),
        })
        .collect()
}

fn reasons_not_received(
    p: &Project,
    s: &Service,
    var: &str,
    candidates: &[Candidate],
    feeds: &[Feed],
    references: &[Span],
) -> Vec<NotReceived> {
    let mut out = Vec::new();
    if !s.active {
        out.push(NotReceived::InactiveProfile {
            service: s.name.clone(),
            profiles: s.profiles.iter().map(|v| v.text.clone()).collect(),
        });
    }
    if let Some(w) = s.container_env.get(var) {
        if w.winner.value.is_none() {
            out.push(NotReceived::PassthroughUnset {
                entry: w.winner.key_span,
            });
        }
    }
    let in_dotenv = candidates
        .iter()
        .any(|c| c.source == CandidateSource::Dotenv);
    let in_shell = candidates
        .iter()
        .any(|c| c.source == CandidateSource::Process);
    if in_dotenv || in_shell {
        out.push(NotReceived::OnlyInterpolation {
            from: if in_dotenv {
                InterpolationSource::Dotenv
            } else {
                InterpolationSource::Shell
            },
            service: s.name.clone(),
            feeds: feeds.iter().map(|f| f.into.clone()).collect(),
        });
    } else if !references.is_empty()
        && !p.variables.contains_key(var)
        && s.container_env.get(var).is_none()
    {
        out.push(NotReceived::OnlyReferenced {
            service: s.name.clone(),
            feeds: feeds.to_vec(),
            references: references.to_vec(),
        });
    }
    for c in candidates.iter().filter(|c| c.service.is_some()) {
        if let Some(at) = c.key_span {
            out.push(NotReceived::OtherService {
                at,
                reason: c.reason.clone(),
            });
        }
    }
    for c in candidates.iter().filter(|c| {
        matches!(
            c.source,
            CandidateSource::ImageEnv | CandidateSource::ImageArg
        )
    }) {
        if let Some(at) = c.key_span {
            out.push(NotReceived::InDockerfile {
                at,
                reason: c.reason.clone(),
            });
        }
    }
    if out.is_empty() {
        let elsewhere = other_dockerfiles(p, s, var);
        if PLATFORM_ARGS.contains(&var) {
            out.push(NotReceived::PlatformArg);
        } else if !elsewhere.is_empty() {
            out.push(NotReceived::OtherDockerfile { at: elsewhere });
        } else if p.references.iter().any(|r| r.variable == var) {
            out.push(NotReceived::ReferencedElsewhere {
                service: s.name.clone(),
            });
        } else {
            out.push(NotReceived::Undefined);
        }
    }
    out
}

/// Where the Dockerfiles of the project's other images, not `s`'s,
/// declare `var` (`ARG`, `ENV`, in any stage), each place once.
fn other_dockerfiles(p: &Project, s: &Service, var: &str) -> Vec<Span> {
    let mut seen: Vec<FileId> = s.image_facts.iter().map(|f| f.dockerfile_file).collect();
    let mut out: Vec<Span> = Vec::new();
    for facts in p.services.iter().filter_map(|o| o.image_facts.as_ref()) {
        let file = facts.dockerfile_file;
        if seen.contains(&file) {
            continue;
        }
        seen.push(file);
        for ins in &facts.dockerfile.instructions {
            out.extend(
                ins.declared()
                    .into_iter()
                    .filter(|n| n.value == var)
                    .map(|n| Span::new(file, n.range)),
            );
        }
    }
    out
}

/// The settings field that reads `var` in a settings class the service's
/// code instantiates ([`crate::model::app`]).
fn app_field<'a>(
    ws: &'a Workspace,
    p: &Project,
    s: &Service,
    var: &str,
) -> Option<(&'a SettingsClass, &'a AppField)> {
    // The classes the code instantiates first, then any class of the
    // container (its instantiation may be in a module not read).
    let app = ws.app.in_service(ws, p, s);
    app.classes
        .iter()
        .map(|(c, _)| *c)
        .chain(app.defined.iter().copied())
        .find_map(|c| c.field_for(var).map(|f| (c, f)))
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
    for c in ws.app.in_service(ws, p, s).defined {
        for f in &c.fields {
            // A field read in any case is `var` itself, not a near name.
            for n in f.env_names.iter().filter(|n| !c.matches(n, var)) {
                names.push((n.clone(), Some(f.span())));
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
/// How many names a search for a near one ([`Near`]) compares, in all:
/// a suggestion, not worth quadratic time (100,000 unset names beside
/// 100,000 set ones).
pub const NEAR_COMPARISONS: usize = 1 << 18;

/// Searches for names near others ([`is_near`]) within
/// [`NEAR_COMPARISONS`] comparisons in all; past them, none is found.
#[derive(Debug)]
pub struct Near {
    left: usize,
}

impl Default for Near {
    fn default() -> Self {
        Near {
            left: NEAR_COMPARISONS,
        }
    }
}

impl Near {
    /// The first of `candidates` whose name (`name_of`) is near `name`.
    pub fn find<T>(
        &mut self,
        name: &str,
        candidates: impl IntoIterator<Item = T>,
        name_of: impl Fn(&T) -> &str,
    ) -> Option<T> {
        for c in candidates {
            if self.left == 0 {
                return None;
            }
            self.left -= 1;
            if is_near(name, name_of(&c)) {
                return Some(c);
            }
        }
        None
    }
}

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
    crate::model::distance::edit_distance(&a.to_ascii_uppercase(), &b.to_ascii_uppercase(), limit)
        <= limit
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
        assert_eq!(s.candidates[0].reason, Reason::ShellInterpolated);
        assert_eq!(s.candidates[1].reason, Reason::OverriddenByShell);
        assert_eq!(
            s.candidates[2].reason,
            Reason::Wins {
                source: EnvSource::ComposeEnvironment
            }
        );
    }

    /// An `include:`'s `.env` is read for the included files: it is where
    /// an included service's value comes from, and no candidate of a
    /// service of the including file.
    #[test]
    fn an_includes_dotenv_is_its_files_own() {
        let compose = "include: [sub/inc.yml]\nservices:\n  app:\n    image: busybox\n    environment:\n      S: ${S:-unset}\n";
        let inc = "services:\n  db:\n    image: busybox\n    environment:\n      S: ${S:-unset}\n";
        let files = [
            ("compose.yaml", compose),
            ("sub/inc.yml", inc),
            ("sub/.env", "S=sub\n"),
        ];
        let db = explain_in(&files, &[], "S", "db");
        assert_eq!(
            db.final_value.as_ref().unwrap().value.as_deref(),
            Some("sub")
        );
        assert_eq!(sources(&db)[0], ("dotenv", true));
        let app = explain_in(&files, &[], "S", "app");
        assert_eq!(
            app.final_value.as_ref().unwrap().value.as_deref(),
            Some("unset")
        );
        assert!(!sources(&app).iter().any(|(k, _)| *k == "dotenv"));
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
        // Overridden by the second line (`MODE=a\n` is 7 bytes).
        match &s.candidates[0].reason {
            Reason::OverriddenByLater { later: Some(at) } => assert_eq!(at.range.start, 7),
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            s.candidates[1].reason,
            Reason::DotenvInterpolated { reference: Some(_) }
        ));
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
        let in_worker = Reason::OtherService {
            owner: "worker".into(),
            source: EnvSource::ComposeEnvFile,
            service: "app".into(),
        };
        assert_eq!(s.candidates[0].reason, in_worker);
        assert!(
            s.why_not.iter().any(
                |w| matches!(w, NotReceived::OtherService { reason, .. } if *reason == in_worker)
            ),
            "{:?}",
            s.why_not
        );
    }

    #[test]
    fn inactive_profile() {
        let compose = "services:\n  debug:\n    image: python:3.12-slim\n    profiles: [tools]\n    environment:\n      - X=1\n";
        let s = explain_in(&[("compose.yaml", compose)], &[], "X", "debug");
        assert!(s.final_value.is_none());
        assert_eq!(
            s.why_not[0],
            NotReceived::InactiveProfile {
                service: "debug".into(),
                profiles: vec!["tools".into()]
            }
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
            matches!(s.why_not[..], [NotReceived::PassthroughUnset { .. }]),
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
        let not_run = Reason::StageNotRun {
            stage: "build".into(),
            runs: "runtime".into(),
            service: "app".into(),
        };
        assert_eq!(s.candidates[0].reason, not_run);
        assert!(
            matches!(&s.why_not[..], [NotReceived::InDockerfile { reason, .. }] if *reason == not_run)
        );
        let s = explain_in(&files, &[], "VERSION", "app");
        // The `build` stage's ARG, then the one of the stage it runs.
        assert_eq!(sources(&s), [("image.arg", false), ("image.arg", false)]);
        assert_eq!(s.candidates[0].reason, not_run);
        assert_eq!(s.candidates[1].reason, Reason::BuildTimeOnly);
    }

    /// `${MASTER:-y}` with MASTER unset: the default is what the service
    /// receives, and the reference says so (not "unset, empty").
    #[test]
    fn a_default_that_applies_is_known() {
        let compose = "services:\n  app:\n    image: busybox\n    environment:\n      - MASTER=${MASTER:-y}\n      - KEEP=${KEEP-k}\n      - PLAIN=${PLAIN}\n";
        let via = |dotenv: &str, var: &str| {
            let s = explain_in(
                &[("compose.yaml", compose), (".env", dotenv)],
                &[],
                var,
                "app",
            );
            s.final_value.unwrap().via.remove(0)
        };
        let v = via("", "MASTER");
        assert_eq!((v.source.as_ref(), v.default_applies()), (None, true));
        // `:-` also replaces an empty value; `-` only an unset one.
        assert!(via("MASTER=\n", "MASTER").default_applies());
        assert!(!via("MASTER=n\n", "MASTER").default_applies());
        assert!(via("", "KEEP").default_applies());
        assert!(!via("KEEP=\n", "KEEP").default_applies());
        assert!(!via("", "PLAIN").default_applies());
    }

    /// A service that interpolates VAR into another key refers to it,
    /// even when nothing sets VAR: its explanation keeps the references
    /// and says why it has no VAR of its own.
    #[test]
    fn a_service_that_only_interpolates_an_unset_variable_refers_to_it() {
        let compose = "services:\n  minio:\n    image: minio/minio\n    environment:\n      - MINIO_ROOT_USER=${KEY:-minioadmin}\n  tagged:\n    image: busybox\n    command: echo ${KEY}\n  app:\n    image: busybox\n    environment:\n      - KEY=${KEY}\n  other:\n    image: busybox\n";
        let files = [("compose.yaml", compose)];
        let minio = explain_in(&files, &[], "KEY", "minio");
        assert!(minio.final_value.is_none());
        assert_eq!(minio.references.len(), 1);
        // First; then that `app` sets KEY, not minio.
        match &minio.why_not[..] {
            [NotReceived::OnlyReferenced {
                service,
                references,
                feeds,
            }, NotReceived::OtherService { .. }] => {
                assert_eq!(service, "minio");
                assert_eq!(references.len(), 1);
                let into: Vec<&str> = feeds.iter().map(|f| f.into.as_str()).collect();
                assert_eq!(into, ["MINIO_ROOT_USER"]);
            }
            other => panic!("{other:?}"),
        }
        // A reference outside `environment:` counts too.
        let tagged = explain_in(&files, &[], "KEY", "tagged");
        assert_eq!(tagged.references.len(), 1);
        assert!(
            matches!(&tagged.why_not[..], [NotReceived::OnlyReferenced { feeds, .. }, ..] if feeds.is_empty()),
            "{:?}",
            tagged.why_not
        );
        let other = explain_in(&files, &[], "KEY", "other");
        assert!(other.references.is_empty());
        assert!(matches!(
            other.why_not[..],
            [NotReceived::OtherService { .. }]
        ));
    }

    /// Every ARG is a definition: in a stage the service does not run, and
    /// before the first FROM; BuildKit's platform ARGs are BuildKit's.
    #[test]
    fn args_of_every_stage_and_the_platform_args() {
        let df = "ARG BASE=3.12\nFROM --platform=$BUILDPLATFORM python:${BASE}-slim AS builder\nARG TOKEN=ghp_x\nRUN echo\n\nFROM python:3.12-slim AS runtime\nCOPY --from=builder /x /x\n";
        let compose = "services:\n  app:\n    build:\n      context: .\n      target: runtime\n";
        let files = [("compose.yaml", compose), ("Dockerfile", df)];
        let s = explain_in(&files, &[], "TOKEN", "app");
        assert_eq!(sources(&s), [("image.arg", false)]);
        assert_eq!(s.candidates[0].value.as_deref(), Some("ghp_x"));
        assert_eq!(s.candidates[0].stage.as_deref(), Some("builder"));
        assert_eq!(
            s.candidates[0].reason,
            Reason::StageNotRun {
                stage: "builder".into(),
                runs: "runtime".into(),
                service: "app".into(),
            }
        );
        assert!(
            matches!(&s.why_not[..], [NotReceived::InDockerfile { .. }]),
            "{:?}",
            s.why_not
        );
        let s = explain_in(&files, &[], "BASE", "app");
        assert_eq!(sources(&s), [("image.arg", false)]);
        assert_eq!(s.candidates[0].reason, Reason::GlobalArg);
        assert_eq!(s.candidates[0].stage, None);
        let s = explain_in(&files, &[], "BUILDPLATFORM", "app");
        assert!(s.candidates.is_empty());
        assert_eq!(s.why_not, [NotReceived::PlatformArg]);
        // A service built from another Dockerfile: defined there, not
        // "nowhere".
        let two = "services:\n  app:\n    build:\n      context: .\n      target: runtime\n  db:\n    image: postgres\n";
        let files2 = [("compose.yaml", two), ("Dockerfile", df)];
        let s = explain_in(&files2, &[], "TOKEN", "db");
        match &s.why_not[..] {
            [NotReceived::OtherDockerfile { at }] => assert_eq!(at.len(), 1),
            other => panic!("{other:?}"),
        }
        // Not built here: still BuildKit's name, not an undefined one.
        let s = explain_in(
            &[("compose.yaml", "services:\n  app:\n    image: busybox\n")],
            &[],
            "TARGETARCH",
            "app",
        );
        assert_eq!(s.why_not, [NotReceived::PlatformArg]);
    }

    #[test]
    fn app_settings_default_and_required_field() {
        let py = "from pydantic_settings import BaseSettings\n\nclass Settings(BaseSettings):\n    redis_url: str = \"redis://localhost:6379/0\"\n    api_token: str\n\nsettings = Settings()\n";
        let compose = "services:\n  app:\n    build: .\n";
        let files = [
            ("compose.yaml", compose),
            ("Dockerfile", "FROM python:3.12-slim\nCOPY . /app/\n"),
            ("app/config.py", py),
        ];
        let s = explain_in(&files, &[], "REDIS_URL", "app");
        assert_eq!(sources(&s), [("app.default", false)]);
        assert_eq!(s.candidates[0].reason, Reason::AppDefaultUsed);
        let s = explain_in(&files, &[], "API_TOKEN", "app");
        assert_eq!(s.candidates[0].reason, Reason::AppFieldRequired);
        assert_eq!(s.why_not, [NotReceived::Undefined]);
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
