//! `mppeep-lint explain VAR`: the explanation as text with source snippets,
//! as JSON ([`json::ExplainReport`]), and as a Mermaid flowchart that renders
//! in GitHub markdown. The model gives reasons as data ([`Reason`],
//! [`NotReceived`]); their words are here, and only here. Every value goes
//! through the masking.

use std::fmt::Write;

use crate::model::explain::*;
use crate::model::types::*;
use crate::model::workspace::Workspace;
use crate::report::env::{variable_definition, variable_source, Masking};
use crate::report::escape;
use crate::report::json::{self, Location};
use crate::source::Span;

fn loc(ws: &Workspace, span: Span) -> (String, usize, usize) {
    let f = ws.sources.get(span.file);
    let lc = f.line_col(span.range.start);
    (esc(&f.display), lc.line, lc.column)
}

/// A piece of user text on one line ([`escape::text`]).
pub(crate) fn esc(s: &str) -> String {
    escape::text(s).into_owned()
}

pub(crate) fn at(ws: &Workspace, span: Span) -> String {
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
        esc(&mask
            .redactor
            .redact_source(Some(span.file), text, range.start)),
    )
}

/// A candidate's value, masked by its map.
pub(crate) fn candidate_value(var: &str, c: &Candidate, mask: &Masking) -> Option<String> {
    c.value
        .as_deref()
        .map(|v| mask.value(var, v, c.value_span, &c.via, &c.segments))
}

/// The value a service receives, masked by its map.
pub(crate) fn final_value(var: &str, f: &Final, mask: &Masking) -> Option<String> {
    f.value
        .as_deref()
        .map(|v| mask.value(var, v, f.value_span, &f.via, &f.segments))
}

pub(crate) fn show_value(value: Option<String>) -> String {
    match value {
        Some(v) => format!("\"{}\"", esc(&v).replace('"', "\\\"")),
        None => "(unset)".to_string(),
    }
}

/// A reference as written (`${MASTER:-y}`), secrets masked.
pub(crate) fn reference_text(ws: &Workspace, v: &Via, mask: &Masking) -> String {
    let file = ws.sources.get(v.reference.file);
    esc(&mask.redactor.redact_source(
        Some(v.reference.file),
        file.slice(v.reference.range),
        v.reference.range.start,
    ))
}

/// The default written in `${NAME:-d}` / `${NAME-d}`, masked as values
/// are (and as the reference is); `None` for another form or a default
/// that holds a reference.
pub(crate) fn default_value(ws: &Workspace, v: &Via, mask: &Masking) -> Option<String> {
    let d = v.literal_default(&ws.sources)?;
    Some(if mask.redactor.covers(v.reference) {
        crate::model::secrets::MASK.to_string()
    } else {
        mask.value(&v.variable, &d, None, &[], &[])
    })
}

/// Where a reference's value comes from, after "from": `.env:3`, the
/// shell, its default (`quote` shows the default's value: `show_value`
/// in text, a code span in markdown) when that is what it resolves to.
pub(crate) fn via_origin(
    ws: &Workspace,
    v: &Via,
    mask: &Masking,
    quote: fn(Option<String>) -> String,
) -> String {
    if v.default_applies() {
        let name = esc(&v.variable);
        let why = match &v.source {
            None => format!("neither the shell nor .env sets {name}"),
            Some(VariableSource::Dotenv { key, .. }) => {
                format!("{} sets {name} empty", at(ws, *key))
            }
            Some(VariableSource::Process) => format!("the shell sets {name} empty"),
            Some(VariableSource::Compose) => format!("Compose sets {name} empty"),
        };
        return match default_value(ws, v, mask) {
            Some(d) => format!("its default {} ({why})", quote(Some(d))),
            None => format!("its default ({why})"),
        };
    }
    match &v.source {
        Some(VariableSource::Dotenv { key, .. }) => at(ws, *key),
        Some(VariableSource::Process) => "the shell".to_string(),
        Some(VariableSource::Compose) => "Compose (the project name)".to_string(),
        None => "nowhere (empty)".to_string(),
    }
}

fn interpolation_source(from: InterpolationSource) -> &'static str {
    match from {
        InterpolationSource::Shell => "shell",
        InterpolationSource::Dotenv => "dotenv",
    }
}

/// `` `environment:` at compose.yaml:4 ``.
pub(crate) fn defined_at_text(ws: &Workspace, d: &DefinedAt) -> String {
    let at = at(ws, d.key);
    match d.source {
        EnvSource::ComposeEnvironment => format!("`environment:` at {at}"),
        EnvSource::ComposeEnvFile => format!("env_file at {at}"),
        EnvSource::ImageEnv => format!("the image's ENV at {at}"),
    }
}

fn feeds_text(ws: &Workspace, feeds: &[Feed]) -> String {
    feeds
        .iter()
        .map(|f| format!("{} ({})", f.into, at(ws, f.reference)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A candidate's reason in words (`var`: the explained variable).
pub(crate) fn reason_text(ws: &Workspace, var: &str, reason: &Reason) -> String {
    use InterpolationSource::{Dotenv, Shell};
    match reason {
        Reason::ShellInterpolated => "the shell's value is interpolated into the service's definition below (the shell wins over .env)".to_string(),
        Reason::DotenvInterpolated { reference: Some(r) } => {
            format!("interpolated into the service's {var} at {}", at(ws, *r))
        }
        Reason::DotenvInterpolated { reference: None } => {
            format!("interpolated into the service's {var}")
        }
        Reason::OnlyFeeds { from: Shell, feeds } => format!(
            "only feeds the interpolation of {}; the shell environment does not reach containers by itself",
            feeds_text(ws, feeds)
        ),
        Reason::OnlyFeeds { from: Dotenv, feeds } => format!(
            "only feeds the interpolation of {}: Compose does not pass .env to containers",
            feeds_text(ws, feeds)
        ),
        Reason::NotReferenced { from: Shell, service } => format!(
            "the shell environment only feeds interpolation, and nothing of service `{service}` references ${{{var}}}"
        ),
        Reason::NotReferenced { from: Dotenv, service } => format!(
            ".env only feeds `${{…}}` interpolation, and nothing of service `{service}` references ${{{var}}}"
        ),
        Reason::DotenvAlsoEnvFile { service } => format!(
            "as the project .env it only feeds interpolation; service `{service}` also reads this file as an env_file (see below)"
        ),
        Reason::HardCoded { service, by } => format!(
            ".env only feeds interpolation, and service `{service}` hard-codes {var} in {}",
            defined_at_text(ws, by)
        ),
        Reason::OverriddenByShell => "overridden: the shell's value wins over .env".to_string(),
        Reason::OverriddenByLater { later: Some(l) } => {
            format!("overridden by a later definition at {}", at(ws, *l))
        }
        Reason::OverriddenByLater { later: None } => "overridden".to_string(),
        Reason::Wins { source } => match source {
            EnvSource::ComposeEnvironment => {
                "wins: Compose's `environment:` beats env_file and the image's ENV"
            }
            EnvSource::ComposeEnvFile => {
                "wins: env_file beats the image's ENV (the last env_file line that sets it)"
            }
            EnvSource::ImageEnv => "wins: no compose setting overrides the image's ENV",
        }
        .to_string(),
        Reason::Shadowed { by, same_value } => format!(
            "shadowed by {}{}",
            defined_at_text(ws, by),
            if *same_value {
                " (same value)"
            } else {
                ", which sets a different value"
            }
        ),
        Reason::StageNotRun {
            stage,
            runs,
            service,
        } => format!(
            "set in stage `{stage}`, which service `{service}` does not run (it runs `{runs}`)"
        ),
        Reason::BuildTimeOnly => "ARG is build-time only: it is not in the running container's environment (copy it with `ENV NAME=$NAME`)".to_string(),
        Reason::GlobalArg => format!("a global ARG (before the first FROM): only FROM lines see it, and a stage that declares `ARG {var}` again; build time only, it is not in the running container's environment"),
        Reason::OtherService {
            owner,
            source: EnvSource::ComposeEnvFile,
            service,
        } => format!("in an env_file of service `{owner}`, which service `{service}` does not read"),
        Reason::OtherService {
            owner,
            source: EnvSource::ComposeEnvironment | EnvSource::ImageEnv,
            service,
        } => format!("set in `environment:` of service `{owner}`, not of `{service}`"),
        Reason::AppDefaultOverridden => {
            format!("pydantic reads the container's {var} instead of this default")
        }
        Reason::AppDefaultUsed => {
            format!("the app falls back to this default: the container has no {var}")
        }
        Reason::AppFieldRequired => format!(
            "required field: without {var} in the container, the settings fail to load (ValidationError) at start-up"
        ),
    }
}

/// Why a service does not receive `var`, in words.
pub(crate) fn not_received_text(ws: &Workspace, var: &str, why: &NotReceived) -> String {
    match why {
        NotReceived::InactiveProfile { service, profiles } => format!(
            "service `{service}` does not run: its profile{} `{}` {} not enabled (`--profile` or COMPOSE_PROFILES)",
            if profiles.len() == 1 { "" } else { "s" },
            profiles.join("`, `"),
            if profiles.len() == 1 { "is" } else { "are" },
        ),
        NotReceived::PassthroughUnset { entry } => format!(
            "`environment:` passes {var} through ({}), but neither the shell nor .env sets it, so Compose leaves it out",
            at(ws, *entry)
        ),
        NotReceived::OnlyInterpolation {
            from,
            service,
            feeds,
        } => {
            let what = match from {
                InterpolationSource::Dotenv => "the project .env",
                InterpolationSource::Shell => "the shell",
            };
            let mut msg = format!(
                "{var} is only in {what}, which only feeds `${{…}}` interpolation in compose files; to pass it, add `{var}: ${{{var}}}` to the `environment:` of service `{service}`"
            );
            if *from == InterpolationSource::Dotenv {
                msg.push_str(" or list the file under its `env_file:`");
            }
            if !feeds.is_empty() {
                let _ = write!(msg, " (it is interpolated into {})", feeds.join(", "));
            }
            msg
        }
        NotReceived::OtherService { at: place, reason } => format!(
            "{var} is {} ({})",
            reason_text(ws, var, reason),
            at(ws, *place)
        ),
        NotReceived::InDockerfile { at: place, reason } => format!(
            "the Dockerfile has {var} ({}): {}",
            at(ws, *place),
            reason_text(ws, var, reason)
        ),
        NotReceived::OnlyReferenced {
            service,
            feeds,
            references,
        } => {
            let mut how = Vec::new();
            if !feeds.is_empty() {
                how.push(format!("into {}", feeds_text(ws, feeds)));
            }
            let elsewhere: Vec<String> = references
                .iter()
                .filter(|r| !feeds.iter().any(|f| f.reference == **r))
                .map(|r| at(ws, *r))
                .collect();
            if !elsewhere.is_empty() {
                how.push(format!("in its definition ({})", elsewhere.join(", ")));
            }
            format!(
                "service `{service}` only interpolates ${{{var}}} {}, and neither the shell nor .env sets {var}; it has no {var} of its own",
                how.join(" and ")
            )
        }
        NotReceived::PlatformArg => format!(
            "{var} is one of BuildKit's automatic platform ARGs: BuildKit sets it while building (for FROM lines, and in a stage that declares `ARG {var}`); it is not in the running container's environment"
        ),
        NotReceived::OtherDockerfile { at: places } => format!(
            "{var} is defined only in Dockerfiles that other services are built from ({})",
            places.iter().map(|p| at(ws, *p)).collect::<Vec<_>>().join(", ")
        ),
        NotReceived::ReferencedElsewhere { service } => format!(
            "{var} is referenced in compose, but not as a variable of service `{service}`"
        ),
        NotReceived::Undefined => format!("{var} is not defined anywhere in this project"),
    }
}

/// The text for people.
pub fn explain_text(ws: &Workspace, ex: &Explanation, mask: &Masking) -> String {
    escape::output(&explain_lines(ws, ex, mask)).into_owned()
}

/// [`explain_text`] before its last escape; every piece of user text
/// escaped where it is written.
fn explain_lines(ws: &Workspace, ex: &Explanation, mask: &Masking) -> String {
    let var = &esc(&ex.variable);
    let mut out = String::new();
    if ex.projects.is_empty() {
        let _ = writeln!(out, "no compose project found: nothing receives {var}");
    }
    for p in &ex.projects {
        let files: Vec<String> = p
            .compose_files
            .iter()
            .map(|f| esc(&ws.sources.get(*f).display))
            .collect();
        let _ = writeln!(
            out,
            "{var} in project {} ({})",
            esc(&p.name),
            files.join(", ")
        );
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
        let others: Vec<String> = p
            .services
            .iter()
            .filter(|s| unrelated(s))
            .map(|s| esc(&s.service))
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
            let names: Vec<String> = alike.iter().map(|s| esc(&s.service)).collect();
            let _ = writeln!(
                out,
                "\n  services {}: none receives {var}",
                names.join(", ")
            );
            let first = alike[0];
            if first.candidates.is_empty() {
                for w in &first.why_not {
                    let text = not_received_text(ws, var, w);
                    let _ = writeln!(out, "    why: {}", esc(&mask.redactor.redact(&text)));
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
                let _ = writeln!(out, "    did you mean `{}`{place}?", esc(&sg.name));
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
                    show_value(candidate_value(var, c, mask))
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
                        esc(&s.service),
                        show_value(final_value(var, f, mask)),
                        f.source.as_str(),
                        at(ws, f.key_span)
                    );
                    let _ = writeln!(out, "    flow: {}", flow_line(ws, s, var, mask));
                }
                None => {
                    let _ = writeln!(out, "  service {}: does NOT receive {var}", esc(&s.service));
                    for w in &s.why_not {
                        let text = not_received_text(ws, var, w);
                        let _ = writeln!(out, "    why: {}", esc(&mask.redactor.redact(&text)));
                    }
                    for sg in &s.suggestions {
                        let place = sg
                            .span
                            .map(|sp| format!(" ({})", at(ws, sp)))
                            .unwrap_or_default();
                        let _ = writeln!(out, "    did you mean `{}`{place}?", esc(&sg.name));
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
                    let _ = write!(extra, ", stage {}", esc(st));
                }
                if let Some(o) = &c.service {
                    let _ = write!(extra, ", service {}", esc(o));
                }
                let _ = writeln!(
                    out,
                    "    {mark} {:<19} {place}{extra}  = {}",
                    c.source.as_str(),
                    show_value(candidate_value(var, c, mask))
                );
                if let Some(sp) = c.key_span {
                    let (line, text) = snippet(ws, sp, mask);
                    let _ = writeln!(out, "      {line:>4} | {text}");
                }
                for v in &c.via {
                    let _ = writeln!(
                        out,
                        "           {} ({}) from {}",
                        reference_text(ws, v, mask),
                        at(ws, v.reference),
                        via_origin(ws, v, mask, show_value)
                    );
                }
                let reason = reason_text(ws, var, &c.reason);
                let _ = writeln!(out, "        {}", esc(&mask.redactor.redact(&reason)));
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

/// A running service without VAR that refers to it nowhere, whose only
/// candidates are the project's interpolation variables and other
/// services' definitions, while another service does receive VAR: named in
/// passing, not explained.
pub(crate) fn is_unrelated(any_receives: bool, s: &ServiceExplanation) -> bool {
    any_receives
        && s.final_value.is_none()
        && s.active
        && s.references.is_empty()
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
            _ if v.default_applies() => steps.push(via_origin(ws, v, mask, show_value)),
            Some(VariableSource::Dotenv { key, .. }) => {
                steps.push(format!(".env ({})", at(ws, *key)))
            }
            Some(VariableSource::Process) => steps.push("the shell".to_string()),
            Some(VariableSource::Compose) => steps.push("Compose (the project name)".to_string()),
            None => {
                steps.push("nothing (no shell or .env value: Compose substitutes \"\")".to_string())
            }
        }
        steps.push(format!(
            "`{}` ({})",
            reference_text(ws, v, mask),
            at(ws, v.reference)
        ));
    }
    if f.via.iter().all(|v| v.variable != var) {
        steps.push(format!("{} ({})", f.source.as_str(), at(ws, f.key_span)));
    }
    steps.push(format!("container `{}` {}", esc(&s.service), esc(var)));
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

fn location(ws: &Workspace, span: Span) -> Location {
    Location::of(&ws.sources, span)
}

fn via_json(ws: &Workspace, via: &[Via]) -> Vec<json::Via> {
    via.iter()
        .map(|v| json::Via {
            variable: v.variable.clone(),
            source: variable_source(v.source.as_ref()),
            reference: location(ws, v.reference),
            definition: variable_definition(&ws.sources, v),
        })
        .collect()
}

fn feeds_json(ws: &Workspace, feeds: &[Feed]) -> Vec<json::Feed> {
    feeds
        .iter()
        .map(|f| json::Feed {
            into: f.into.clone(),
            reference: location(ws, f.reference),
        })
        .collect()
}

fn defined_at_json(ws: &Workspace, d: &DefinedAt) -> json::DefinedAt {
    json::DefinedAt {
        source: d.source.as_str(),
        definition: location(ws, d.key),
    }
}

/// A candidate's reason as data and words; names from the user's files
/// through the redactor, like the words.
fn reason_json(
    ws: &Workspace,
    var: &str,
    reason: &Reason,
    mask: &Masking,
) -> json::Why<json::CandidateReason> {
    use json::CandidateReason as K;
    let name = |n: &String| mask.redactor.redact(n);
    let kind = match reason {
        Reason::ShellInterpolated => K::ShellInterpolated,
        Reason::DotenvInterpolated { reference } => K::DotenvInterpolated {
            reference: reference.map(|r| location(ws, r)),
        },
        Reason::OnlyFeeds { from, feeds } => K::OnlyFeeds {
            from: interpolation_source(*from),
            feeds: feeds_json(ws, feeds),
        },
        Reason::NotReferenced { from, service } => K::NotReferenced {
            from: interpolation_source(*from),
            service: name(service),
        },
        Reason::DotenvAlsoEnvFile { service } => K::DotenvAlsoEnvFile {
            service: name(service),
        },
        Reason::HardCoded { service, by } => K::HardCoded {
            service: name(service),
            by: defined_at_json(ws, by),
        },
        Reason::OverriddenByShell => K::OverriddenByShell,
        Reason::OverriddenByLater { later } => K::OverriddenByLater {
            later: later.map(|l| location(ws, l)),
        },
        Reason::Wins { source } => K::Wins {
            source: source.as_str(),
        },
        Reason::Shadowed { by, same_value } => K::Shadowed {
            by: defined_at_json(ws, by),
            same_value: *same_value,
        },
        Reason::StageNotRun {
            stage,
            runs,
            service,
        } => K::StageNotRun {
            stage: name(stage),
            runs: name(runs),
            service: name(service),
        },
        Reason::BuildTimeOnly => K::BuildTimeOnly,
        Reason::GlobalArg => K::GlobalArg,
        Reason::OtherService {
            owner,
            source,
            service,
        } => K::OtherService {
            owner: name(owner),
            source: source.as_str(),
            service: name(service),
        },
        Reason::AppDefaultOverridden => K::AppDefaultOverridden,
        Reason::AppDefaultUsed => K::AppDefaultUsed,
        Reason::AppFieldRequired => K::AppFieldRequired,
    };
    json::Why {
        kind,
        text: mask.redactor.redact(&reason_text(ws, var, reason)),
    }
}

fn not_received_json(
    ws: &Workspace,
    var: &str,
    why: &NotReceived,
    mask: &Masking,
) -> json::NotReceived {
    use json::NotReceivedReason as K;
    let name = |n: &String| mask.redactor.redact(n);
    let kind = match why {
        NotReceived::InactiveProfile { service, profiles } => K::InactiveProfile {
            service: name(service),
            profiles: profiles.iter().map(name).collect(),
        },
        NotReceived::PassthroughUnset { entry } => K::PassthroughUnset {
            entry: location(ws, *entry),
        },
        NotReceived::OnlyInterpolation {
            from,
            service,
            feeds,
        } => K::OnlyInterpolation {
            from: interpolation_source(*from),
            service: name(service),
            feeds: feeds.clone(),
        },
        NotReceived::OtherService { at, reason } => K::OtherService {
            definition: location(ws, *at),
            reason: reason_json(ws, var, reason, mask),
        },
        NotReceived::InDockerfile { at, reason } => K::InDockerfile {
            definition: location(ws, *at),
            reason: reason_json(ws, var, reason, mask),
        },
        NotReceived::OnlyReferenced {
            service,
            feeds,
            references,
        } => K::OnlyReferenced {
            service: name(service),
            feeds: feeds_json(ws, feeds),
            references: references.iter().map(|r| location(ws, *r)).collect(),
        },
        NotReceived::PlatformArg => K::PlatformArg,
        NotReceived::OtherDockerfile { at } => K::OtherDockerfile {
            definitions: at.iter().map(|a| location(ws, *a)).collect(),
        },
        NotReceived::ReferencedElsewhere { service } => K::ReferencedElsewhere {
            service: name(service),
        },
        NotReceived::Undefined => K::Undefined,
    };
    json::Why {
        kind,
        text: mask.redactor.redact(&not_received_text(ws, var, why)),
    }
}

fn candidate_json(ws: &Workspace, var: &str, c: &Candidate, mask: &Masking) -> json::Candidate {
    json::Candidate {
        source: c.source.as_str(),
        definition: c.key_span.map(|sp| location(ws, sp)),
        value: candidate_value(var, c, mask),
        used: c.used,
        reason: reason_json(ws, var, &c.reason, mask),
        stage: c.stage.as_ref().map(|st| mask.redactor.redact(st)),
        service: c.service.clone(),
        via: via_json(ws, &c.via),
        feeds: feeds_json(ws, &c.feeds),
    }
}

fn services_json(
    ws: &Workspace,
    var: &str,
    p: &ProjectExplanation,
    mask: &Masking,
) -> json::Ordered<json::ServiceExplanation> {
    let services = p.services.iter().map(|s| {
        let service = json::ServiceExplanation {
            active: s.active,
            final_value: s.final_value.as_ref().map(|f| json::Final {
                value: final_value(var, f, mask),
                source: f.source.as_str(),
                definition: location(ws, f.key_span),
                via: via_json(ws, &f.via),
            }),
            candidates: s
                .candidates
                .iter()
                .map(|c| candidate_json(ws, var, c, mask))
                .collect(),
            why_not: s
                .why_not
                .iter()
                .map(|w| not_received_json(ws, var, w, mask))
                .collect(),
            suggestions: s
                .suggestions
                .iter()
                .map(|sg| json::Suggestion {
                    name: sg.name.clone(),
                    definition: sg.span.map(|sp| location(ws, sp)),
                })
                .collect(),
        };
        (s.service.clone(), service)
    });
    json::Ordered(services.collect())
}

fn reference_form(form: ReferenceForm) -> String {
    match form {
        ReferenceForm::Plain => "plain".to_string(),
        ReferenceForm::Passthrough => "passthrough".to_string(),
        ReferenceForm::Op(k) => k.as_str().to_string(),
    }
}

fn references_json(ws: &Workspace, p: &ProjectExplanation) -> Vec<json::Reference> {
    p.references
        .iter()
        .map(|r| json::Reference {
            location: location(ws, r.reference),
            form: reference_form(r.form),
        })
        .collect()
}

/// [`json::ExplainReport`]: `services` and `references` are those of the
/// first project (Compose's default file wins); `projects` holds every
/// project.
pub fn explain_json(ws: &Workspace, ex: &Explanation, mask: &Masking) -> json::ExplainReport {
    let var = &ex.variable;
    let projects: Vec<json::ProjectExplanation> = ex
        .projects
        .iter()
        .map(|p| json::ProjectExplanation {
            name: p.name.clone(),
            files: p
                .compose_files
                .iter()
                .map(|f| ws.sources.get(*f).display.clone())
                .collect(),
            services: services_json(ws, var, p, mask),
            references: references_json(ws, p),
        })
        .collect();
    let (services, references) = match ex.projects.first() {
        Some(p) => (services_json(ws, var, p, mask), references_json(ws, p)),
        None => (json::Ordered::default(), Vec::new()),
    };
    json::ExplainReport {
        variable: var.clone(),
        services,
        references,
        projects,
    }
}

/// Text safe inside a quoted Mermaid label.
fn mm(text: &str) -> String {
    let mut out = String::new();
    for c in escape::text(text).chars() {
        match c {
            '"' => out.push_str("#quot;"),
            '<' => out.push_str("#lt;"),
            '>' => out.push_str("#gt;"),
            '#' => out.push_str("#35;"),
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
                    show_value(final_value(var, f, mask))
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
                    CandidateSource::ImageEnv if matches!(c.reason, Reason::StageNotRun { .. }) => {
                        (String::new(), Some("stage not run"))
                    }
                    _ => (format!("{cid} -.->|shadowed| {id}"), None),
                };
                let mut label = format!(
                    "{}<br/>{}<br/>{}",
                    mm(c.source.as_str()),
                    mm(&place),
                    mm(&show_value(candidate_value(var, c, mask)))
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
    escape::output(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fs::DiskFs;
    use crate::model::secrets::{Redactor, SecretPolicy};
    use crate::model::workspace::{load_workspace, WorkspaceOptions};

    /// `explain VAR -s SERVICE` on a project made of `files`, in the shell
    /// `shell`: the text and the JSON.
    fn explained(
        files: &[(&str, &str)],
        shell: &[(&str, &str)],
        var: &str,
        service: &str,
    ) -> (String, serde_json::Value) {
        explained_with(files, shell, var, Some(service), false)
    }

    /// [`explained`] for every service (`service: None`), and with the
    /// secrets masked as the CLI masks them (`masked`).
    fn explained_with(
        files: &[(&str, &str)],
        shell: &[(&str, &str)],
        var: &str,
        service: Option<&str>,
        masked: bool,
    ) -> (String, serde_json::Value) {
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
                .collect(),
            ..Default::default()
        };
        let ws = load_workspace(&DiskFs, dir.path(), &opts);
        let ex = crate::model::explain::explain(&ws, var, service);
        let policy = SecretPolicy::default();
        let redactor = if masked {
            crate::model::secrets::redactor_for(&ws, &policy)
        } else {
            Redactor::disabled()
        };
        let mask = Masking {
            policy: &policy,
            redactor: &redactor,
        };
        let json = serde_json::to_value(explain_json(&ws, &ex, &mask)).unwrap();
        (explain_text(&ws, &ex, &mask), json)
    }

    /// Every line of `want` is a line of `text` (leading blanks aside).
    fn has_lines(text: &str, want: &[&str]) {
        let lines: Vec<&str> = text.lines().map(str::trim_start).collect();
        for w in want {
            assert!(lines.contains(w), "no line {w:?} in:\n{text}");
        }
    }

    /// The `kind`s and `text`s of the service's candidates' reasons.
    fn reasons(json: &serde_json::Value, service: &str) -> Vec<(String, String)> {
        json["services"][service]["candidates"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                let r = &c["reason"];
                (
                    r["kind"].as_str().unwrap().to_string(),
                    r["text"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    }

    #[test]
    fn interpolation_reasons_in_words() {
        let compose = "services:\n  app:\n    image: python:3.12-slim\n    environment:\n      LOG_LEVEL: ${LOG_LEVEL:-info}\n      MODE: ${MODE}\n";
        let files = [
            ("compose.yaml", compose),
            (".env", "LOG_LEVEL=debug\nMODE=a\nMODE=b\n"),
        ];
        let (text, json) = explained(&files, &[("LOG_LEVEL", "warning")], "LOG_LEVEL", "app");
        let want = [
            ("shell_interpolated", "the shell's value is interpolated into the service's definition below (the shell wins over .env)"),
            ("overridden_by_shell", "overridden: the shell's value wins over .env"),
            ("wins", "wins: Compose's `environment:` beats env_file and the image's ENV"),
        ];
        assert_eq!(
            reasons(&json, "app"),
            want.map(|(k, t)| (k.into(), t.into()))
        );
        has_lines(&text, &want.map(|(_, t)| t));
        let (text, json) = explained(&files, &[], "MODE", "app");
        let want = [
            (
                "overridden_by_later",
                "overridden by a later definition at .env:3",
            ),
            (
                "dotenv_interpolated",
                "interpolated into the service's MODE at compose.yaml:6",
            ),
        ];
        assert_eq!(
            reasons(&json, "app")[..2],
            want.map(|(k, t)| (k.into(), t.into()))
        );
        has_lines(&text, &want.map(|(_, t)| t));
        let later = &json["services"]["app"]["candidates"][0]["reason"]["later"];
        assert_eq!(
            (later["file"].as_str(), later["line"].as_u64()),
            (Some(".env"), Some(3))
        );
    }

    #[test]
    fn reasons_for_what_does_not_arrive_in_words() {
        let compose = "services:\n  app:\n    build:\n      context: .\n      target: runtime\n    environment:\n      PORT: \"9000\"\n      TOKEN_URL:\n  worker:\n    image: python:3.12-slim\n    env_file: worker.env\n  debug:\n    image: python:3.12-slim\n    profiles: [tools, dev]\n    environment:\n      - X=1\n";
        let df = "FROM python:3.12-slim AS build\nENV PIP_NO_CACHE_DIR=1\nARG VERSION=1\n\nFROM python:3.12-slim AS runtime\nARG VERSION\nENV PORT=8000\nUSER 1000\nCOPY app /app/app\n";
        let py = "from pydantic_settings import BaseSettings\n\nclass Settings(BaseSettings):\n    redis_url: str = \"redis://localhost:6379/0\"\n    api_token: str\n\nsettings = Settings()\n";
        let files = [
            ("compose.yaml", compose),
            ("Dockerfile", df),
            ("worker.env", "QUEUE=jobs\n"),
            ("app/config.py", py),
        ];
        let case = |var: &str, service: &str, lines: &[&str]| {
            let (text, _) = explained(&files, &[], var, service);
            has_lines(&text, lines);
        };
        case(
            "PORT",
            "app",
            &["shadowed by `environment:` at compose.yaml:7, which sets a different value"],
        );
        case("TOKEN_URL", "app", &["why: `environment:` passes TOKEN_URL through (compose.yaml:8), but neither the shell nor .env sets it, so Compose leaves it out"]);
        case("QUEUE", "app", &[
            "why: QUEUE is in an env_file of service `worker`, which service `app` does not read (worker.env:1)",
            "in an env_file of service `worker`, which service `app` does not read",
        ]);
        case("X", "debug", &["why: service `debug` does not run: its profiles `tools`, `dev` are not enabled (`--profile` or COMPOSE_PROFILES)"]);
        case("PIP_NO_CACHE_DIR", "app", &["why: the Dockerfile has PIP_NO_CACHE_DIR (Dockerfile:2): set in stage `build`, which service `app` does not run (it runs `runtime`)"]);
        case("VERSION", "app", &["ARG is build-time only: it is not in the running container's environment (copy it with `ENV NAME=$NAME`)"]);
        case(
            "REDIS_URL",
            "app",
            &["the app falls back to this default: the container has no REDIS_URL"],
        );
        case("API_TOKEN", "app", &[
            "required field: without API_TOKEN in the container, the settings fail to load (ValidationError) at start-up",
            "why: API_TOKEN is not defined anywhere in this project",
        ]);
        // In JSON: the same words beside the data.
        let (_, json) = explained(&files, &[], "PIP_NO_CACHE_DIR", "app");
        let why = &json["services"]["app"]["why_not"][0];
        assert_eq!(why["kind"], "in_dockerfile");
        assert_eq!(why["definition"]["line"], 2);
        assert_eq!(why["reason"]["kind"], "stage_not_run");
        assert_eq!(why["reason"]["stage"], "build");
        assert_eq!(why["reason"]["runs"], "runtime");
        assert!(why["text"]
            .as_str()
            .unwrap()
            .starts_with("the Dockerfile has"));
    }

    /// A `:-` default that applies is said to be the default, as written,
    /// masked when secret as values are: not "from nowhere (empty)".
    #[test]
    fn a_default_that_applies_is_named() {
        let compose = "services:\n  app:\n    image: busybox\n    environment:\n      - MASTER=${MASTER:-y}\n      - MINIO_ROOT_USER=${S3_ACCESS_KEY:-minioadmin}\n";
        let files = [("compose.yaml", compose)];
        let (text, _) = explained(&files, &[], "MASTER", "app");
        has_lines(
            &text,
            &[
                "${MASTER:-y} (compose.yaml:5) from its default \"y\" (neither the shell nor .env sets MASTER)",
            ],
        );
        assert!(!text.contains("nowhere"), "{text}");
        assert!(
            text.contains("flow: its default \"y\" (neither the shell nor .env sets MASTER) → `${MASTER:-y}` (compose.yaml:5)"),
            "{text}"
        );
        // `.env` sets it empty: `:-` still takes the default.
        let files_empty = [("compose.yaml", compose), (".env", "MASTER=\n")];
        let (text, _) = explained(&files_empty, &[], "MASTER", "app");
        has_lines(
            &text,
            &["${MASTER:-y} (compose.yaml:5) from its default \"y\" (.env:1 sets MASTER empty)"],
        );
        // A secret's default is masked, in the reference and in the words.
        let (text, _) = explained_with(&files, &[], "MINIO_ROOT_USER", Some("app"), true);
        assert!(!text.contains("minioadmin"), "{text}");
        assert!(
            text.contains(
                "from its default \"********\" (neither the shell nor .env sets S3_ACCESS_KEY)"
            ),
            "{text}"
        );
    }

    /// A service that interpolates the variable into another of its
    /// values refers to it: explained, not named among those that do not.
    #[test]
    fn a_service_that_interpolates_the_variable_refers_to_it() {
        let compose = "services:\n  minio:\n    image: minio/minio\n    environment:\n      - MINIO_ROOT_USER=${KEY:-minioadmin}\n  app:\n    image: busybox\n    environment:\n      - KEY=${KEY}\n  other:\n    image: busybox\n";
        let (text, _) = explained_with(&[("compose.yaml", compose)], &[], "KEY", None, false);
        has_lines(
            &text,
            &[
                "service minio: does NOT receive KEY",
                "why: service `minio` only interpolates ${KEY} into MINIO_ROOT_USER (compose.yaml:5), and neither the shell nor .env sets KEY; it has no KEY of its own",
                "service other: no KEY, and nothing of it refers to it",
            ],
        );
    }

    /// An ARG is a definition, wherever it is; BuildKit's platform ARGs
    /// are BuildKit's: neither is "not defined anywhere".
    #[test]
    fn args_are_definitions() {
        let df = "ARG BASE=3.12\nFROM --platform=$BUILDPLATFORM python:${BASE}-slim AS builder\nARG TOKEN=ghp_x\n\nFROM python:3.12-slim AS runtime\nCOPY --from=builder /x /x\n";
        let compose = "services:\n  app:\n    build:\n      context: .\n      target: runtime\n";
        let files = [("compose.yaml", compose), ("Dockerfile", df)];
        let (text, json) = explained(&files, &[], "TOKEN", "app");
        has_lines(&text, &["why: the Dockerfile has TOKEN (Dockerfile:3): set in stage `builder`, which service `app` does not run (it runs `runtime`)"]);
        assert!(!text.contains("not defined anywhere"), "{text}");
        assert_eq!(json["services"]["app"]["candidates"][0]["value"], "ghp_x");
        let (text, json) = explained(&files, &[], "BASE", "app");
        has_lines(&text, &["why: the Dockerfile has BASE (Dockerfile:1): a global ARG (before the first FROM): only FROM lines see it, and a stage that declares `ARG BASE` again; build time only, it is not in the running container's environment"]);
        assert_eq!(reasons(&json, "app")[0].0, "global_arg");
        let (text, json) = explained(&files, &[], "BUILDPLATFORM", "app");
        has_lines(&text, &["why: BUILDPLATFORM is one of BuildKit's automatic platform ARGs: BuildKit sets it while building (for FROM lines, and in a stage that declares `ARG BUILDPLATFORM`); it is not in the running container's environment"]);
        assert_eq!(
            json["services"]["app"]["why_not"][0]["kind"],
            "platform_arg"
        );
        // A service not built from it: the ARG is there, not nowhere.
        let two = "services:\n  app:\n    build:\n      context: .\n      target: runtime\n  db:\n    image: postgres\n";
        let (text, json) = explained(
            &[("compose.yaml", two), ("Dockerfile", df)],
            &[],
            "TOKEN",
            "db",
        );
        has_lines(&text, &["why: TOKEN is defined only in Dockerfiles that other services are built from (Dockerfile:3)"]);
        assert_eq!(
            json["services"]["db"]["why_not"][0]["kind"],
            "other_dockerfile"
        );
    }
}
