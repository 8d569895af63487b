//! `env-example-drift`: the committed template of the project `.env`
//! (`.env.example`…) and what the compose files read have drifted apart —
//! a variable they need that the template does not list, a template key
//! nothing reads, a key the template lists that the `.env` made from it
//! lacks.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::model::explain::Near;
use crate::model::types::*;
use crate::model::workspace::Workspace;
use crate::model::SHELL_VARIABLES;
use crate::rules::{Context, Diagnostic, Rule, RuleId, RuleMeta, Severity};
use crate::source::{FileId, Span, TextRange};
use crate::syntax::dotenv::{comment_names, DotenvFile};
use crate::syntax::template::OpKind;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: RuleId::EnvExampleDrift,
        severity: Severity::Warning,
        summary: "The `.env` template (`.env.example`…) and the compose files disagree: a variable they need that it does not list, a key nothing reads, a key the `.env` made from it lacks.",
        doc: include_str!("../../rules/env-example-drift.md"),
        cases: &[],
    },
    check,
};

/// A template whose keys are mostly not read by the compose files
/// documents more than them (the app's own settings, read when it runs
/// outside Docker): its unread keys are not reported. A key nothing reads
/// is reported when at least this share of the template's other keys is
/// read by Compose.
const READ_SHARE: (usize, usize) = (2, 3);

/// What one template lists.
struct Template<'w> {
    id: FileId,
    name: &'w str,
    /// Each key, at its first line.
    keys: BTreeMap<&'w str, Span>,
    /// Names its comments mention, and its values interpolate: documented.
    mentioned: BTreeSet<&'w str>,
    first_key: Span,
    file: &'w DotenvFile,
}

impl<'w> Template<'w> {
    fn read(ws: &'w Workspace, id: FileId, file: &'w DotenvFile) -> Self {
        let mut keys = BTreeMap::new();
        for e in &file.entries {
            keys.entry(e.key.as_str())
                .or_insert(Span::new(id, e.key_range));
        }
        let source = ws.sources.get(id);
        let name = source
            .path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or(&source.display);
        let mut mentioned = comment_names(&source.text);
        mentioned.extend(file.interpolated());
        let first_key = file
            .entries
            .first()
            .map_or(Span::new(id, TextRange::empty(0)), |e| {
                Span::new(id, e.key_range)
            });
        Template {
            id,
            name,
            keys,
            mentioned,
            first_key,
            file,
        }
    }

    /// The template's value of `name`, when it holds no reference.
    fn value(&self, name: &str) -> Option<String> {
        self.file
            .entries
            .iter()
            .find(|e| e.key == name)
            .and_then(|e| e.literal_value())
    }

    fn documents(&self, name: &str) -> bool {
        self.keys.contains_key(name) || self.mentioned.contains(name)
    }
}

/// A reference that needs a value: `${X}`, `${X:?}`, `${X?}`.
fn needs_value(form: ReferenceForm) -> bool {
    matches!(
        form,
        ReferenceForm::Plain | ReferenceForm::Op(OpKind::Required | OpKind::RequiredNonEmpty)
    )
}

fn check(ctx: &Context) -> Vec<Diagnostic> {
    let ws = ctx.ws;
    // The projects documented by each template (the compose files of one
    // folder share its `.env`, and its template).
    let mut by_template: BTreeMap<FileId, Vec<&Project>> = BTreeMap::new();
    for p in ws.whole_projects() {
        if let Some(t) = p.dotenv_template {
            by_template.entry(t).or_default().push(p);
        }
    }
    let mut out = Vec::new();
    let mut near = Near::default();
    for (id, projects) in by_template {
        let Some(file) = ws.dotenv.get(&id) else {
            continue;
        };
        let template = Template::read(ws, id, file);
        let named = not_listed(ws, &template, &projects, &mut near, &mut out);
        not_read(ws, &template, &projects, &named, &mut near, &mut out);
        not_in_dotenv(ws, &template, &projects, &mut out);
    }
    out
}

/// The project `.env`, when it is there.
fn project_dotenv(p: &Project) -> Option<FileId> {
    p.env_files.first().copied()
}

/// The variables the compose files need (no default) that the template
/// does not list: set in `.env` only (a fresh install lacks them), or set
/// nowhere while the `.env` is still to be made from the template.
fn not_listed(
    ws: &Workspace,
    t: &Template,
    projects: &[&Project],
    near: &mut Near,
    out: &mut Vec<Diagnostic>,
) -> BTreeSet<Span> {
    // The template keys named as a variable's likely spelling.
    let mut named = BTreeSet::new();
    // The finding of each variable, by index in `out`.
    let mut found: HashMap<&str, usize> = HashMap::new();
    let template_dir = ws.sources.get(t.id).path.parent();
    for p in projects {
        // A template of a folder above (the repository's, for a compose
        // file of its documentation) documents the main install: the
        // variants say in their own pages what more they need.
        if template_dir != Some(p.directory.as_path()) {
            continue;
        }
        let dotenv = project_dotenv(p);
        // `image: app:${TAG}`: a tag the build tooling or the CI sets.
        let in_image: BTreeSet<Span> = p
            .services
            .iter()
            .filter_map(|s| s.image.as_ref())
            .flat_map(|i| i.via.iter().map(|v| v.reference))
            .collect();
        for v in p.references.iter().filter(|v| needs_value(v.form)) {
            let name = v.variable.as_str();
            if t.documents(name) || SHELL_VARIABLES.contains(&name) {
                continue;
            }
            // In `.env`: a fresh install lacks it. Set by the shell or by
            // Compose: not the template's. Unset while `.env` is there:
            // `unset-variable`'s.
            let in_dotenv = match &v.source {
                Some(VariableSource::Dotenv { key, .. }) => Some(*key),
                None if dotenv.is_none() && !in_image.contains(&v.reference) => None,
                _ => continue,
            };
            if let Some(&i) = found.get(name) {
                if let Some(d) = out.get_mut(i) {
                    if d.labels.len() < 4 && !d.labels.iter().any(|l| l.span == v.reference) {
                        d.labels.push(crate::rules::Label {
                            span: v.reference,
                            message: "also needed here".into(),
                        });
                    }
                }
                continue;
            }
            let template = t.name;
            let required = v.form != ReferenceForm::Plain;
            let outcome = if required {
                "Compose refuses to start"
            } else {
                "Compose substitutes an empty string"
            };
            let message = match in_dotenv {
                Some(_) => format!(
                    "{name} is set in `.env` but `{template}` does not list it: an install made from the template lacks it, and {outcome}"
                ),
                None => format!(
                    "the compose files need {name} (no default) but `{template}`, the template of the `.env` to create, does not list it: {outcome}"
                ),
            };
            let mut d = Diagnostic::new(RULE.meta.id, v.reference, message)
                .with_span_label(format!("needs {name}"));
            if let Some(key) = in_dotenv {
                d = d.with_label(key, "set here only");
            }
            let close = near.find(name, t.keys.iter(), |(k, _)| k);
            match close {
                Some((k, span)) if !p.references.iter().any(|r| r.variable == **k) => {
                    let k = k.to_string();
                    named.insert(*span);
                    d = d
                        .with_label(*span, format!("the template has `{k}`: did you mean it?"))
                        .with_help(format!(
                            "rename one of `{name}` and `{k}` so that they match"
                        ));
                }
                _ => {
                    d = d.with_label(t.first_key, "the template").with_help(format!(
                        "add `{name}=` to `{template}`, with a comment saying what it holds; or give the reference a default (`${{{name}:-…}}`)"
                    ));
                }
            }
            found.insert(name, out.len());
            out.push(d);
        }
    }
    named
}

/// Whether any project reads every key of the `.env` (or of the template
/// itself) as an `env_file:`: then each key reaches a container.
fn read_whole(ws: &Workspace, t: &Template, projects: &[&Project]) -> bool {
    let template_path = &ws.sources.get(t.id).path;
    projects.iter().any(|p| {
        let dotenv = p.directory.join(".env");
        p.services.iter().any(|s| {
            s.env_files
                .iter()
                .any(|e| e.resolved == dotenv || &e.resolved == template_path)
        })
    })
}

/// The template keys no compose file reads, when the template is the
/// compose files' (most of its keys are read): a key left over, or one
/// misspelt.
fn not_read(
    ws: &Workspace,
    t: &Template,
    projects: &[&Project],
    named: &BTreeSet<Span>,
    near: &mut Near,
    out: &mut Vec<Diagnostic>,
) {
    if read_whole(ws, t, projects) {
        return;
    }
    let referenced: BTreeSet<&str> = projects
        .iter()
        .flat_map(|p| {
            p.references.iter().map(|r| r.variable.as_str()).chain(
                p.dotenv_definitions
                    .iter()
                    .flat_map(|d| d.via.iter().map(|v| v.variable.as_str())),
            )
        })
        .collect();
    // Keys of the `.env` that is there: an unread one is
    // `env-only-in-dotenv`'s.
    let in_dotenv: BTreeSet<&str> = projects
        .iter()
        .filter_map(|p| p.env_files.first())
        .filter_map(|f| ws.dotenv.get(f))
        .flat_map(|f| f.entries.iter().map(|e| e.key.as_str()))
        .collect();
    let used = |k: &str| {
        referenced.contains(k) || t.mentioned.contains(k) || crate::model::read_by_compose(k)
    };
    let unread: Vec<(&str, Span)> = t
        .keys
        .iter()
        .filter(|(k, _)| !used(k))
        .map(|(k, s)| (*k, *s))
        .collect();
    let read = t.keys.len() - unread.len();
    if unread.is_empty() || read * READ_SHARE.1 < t.keys.len() * READ_SHARE.0 {
        return;
    }
    for (key, span) in unread {
        if in_dotenv.contains(key) || named.contains(&span) {
            continue;
        }
        let template = t.name;
        let mut d = Diagnostic::new(
            RULE.meta.id,
            span,
            format!(
                "`{template}` lists {key}, but no compose file references ${{{key}}} and no service reads the `.env` as an env_file: set in the `.env`, it reaches no container"
            ),
        )
        .with_span_label("nothing reads it");
        // A reference to a close name that gets no value: a misspelling.
        let unset = projects
            .iter()
            .flat_map(|p| p.references.iter())
            .filter(|r| r.source.is_none() && !t.documents(&r.variable));
        if let Some(r) = near.find(key, unset, |r| r.variable.as_str()) {
            d = d
                .with_label(r.reference, format!("did you mean this `{}`?", r.variable))
                .with_help(format!(
                    "rename one of `{key}` and `{}` so that they match",
                    r.variable
                ));
        } else {
            d = d.with_help(format!(
                "remove the line from `{template}` if nothing needs {key}; otherwise reference it in a compose file (`{key}: ${{{key}}}` under the service's `environment:`)"
            ));
        }
        // A service that hard-codes the key: the template's value would
        // not replace it.
        let hard_coded = projects
            .iter()
            .flat_map(|p| p.services.iter())
            .find_map(|s| {
                let v = s.container_env.get(key)?;
                (v.winner.source == EnvSource::ComposeEnvironment).then_some((s, v))
            });
        if let Some((s, v)) = hard_coded {
            let at = v.winner.value_span.unwrap_or(v.winner.key_span);
            d = d.with_label(
                at,
                format!("service `{}` hard-codes {key} here instead", s.name),
            );
        }
        out.push(d);
    }
}

/// With the `.env` there: the keys the template lists that it lacks, which
/// the compose files read with a default (without one, the variable is
/// unset: `unset-variable`'s).
fn not_in_dotenv(ws: &Workspace, t: &Template, projects: &[&Project], out: &mut Vec<Diagnostic>) {
    let mut reported: BTreeSet<&str> = BTreeSet::new();
    for p in projects {
        let Some(dotenv) = project_dotenv(p) else {
            continue;
        };
        let Some(file) = ws.dotenv.get(&dotenv) else {
            continue;
        };
        let has: BTreeSet<&str> = file.entries.iter().map(|e| e.key.as_str()).collect();
        let shown = ".env";
        for v in &p.references {
            let name = v.variable.as_str();
            let Some(&key) = t.keys.get(name) else {
                continue;
            };
            if needs_value(v.form)
                || v.source.is_some()
                || has.contains(name)
                || reported.contains(name)
            {
                continue;
            }
            // The template's value is the default: nothing differs.
            if let (Some(default), Some(value)) = (reference_default(ws, v), t.value(name)) {
                if default == value {
                    continue;
                }
            }
            reported.insert(name);
            let what = match v.form {
                ReferenceForm::Passthrough => "the service does not receive it",
                ReferenceForm::Op(OpKind::DefaultIfEmpty | OpKind::DefaultIfUnset) => {
                    "Compose uses the compose file's default"
                }
                _ => "Compose reads it as unset",
            };
            let template = t.name;
            out.push(
                Diagnostic::new(
                    RULE.meta.id,
                    key,
                    format!("`{template}` lists {name}, but `{shown}` does not set it: {what}"),
                )
                .with_span_label(format!("not in `{shown}`"))
                .with_label(v.reference, "read here")
                .with_help(format!(
                    "add {name} to `{shown}` (the template's line says what it holds), or remove it from `{template}` if the default is meant"
                )),
            );
        }
    }
}

/// The literal default of `${NAME:-d}` / `${NAME-d}` at `v`.
fn reference_default(ws: &Workspace, v: &Via) -> Option<String> {
    let source = ws.sources.get(v.reference.file);
    let text = source
        .text
        .get(v.reference.range.start..v.reference.range.end)?;
    let t = crate::syntax::template::parse(text, 0).ok()?;
    let [crate::syntax::template::Piece::Var(r)] = t.pieces.as_slice() else {
        return None;
    };
    let op = r.op.as_ref()?;
    matches!(op.kind, OpKind::DefaultIfEmpty | OpKind::DefaultIfUnset)
        .then(|| op.arg.literal_text())
        .flatten()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{assert_fires, assert_silent, fired};

    const COMPOSE: &str = "services:\n  app:\n    image: python:3.12-slim\n    environment:\n      DATABASE_URL: ${DATABASE_URL}\n      SECRET_KEY: ${SECRET_KEY}\n";

    #[test]
    fn a_needed_variable_the_template_does_not_list() {
        let d = assert_fires(
            &RULE,
            &[
                ("compose.yaml", COMPOSE),
                (".env.example", "DATABASE_URL=postgresql://db/app\n"),
            ],
        );
        assert_eq!(d.len(), 1);
        assert_eq!(
            (d[0].file.as_str(), d[0].text.as_str()),
            ("compose.yaml", "${SECRET_KEY}")
        );
        assert!(
            d[0].message.contains("does not list it"),
            "{}",
            d[0].message
        );
        // Set in `.env`, absent from the template.
        let d = assert_fires(
            &RULE,
            &[
                ("compose.yaml", COMPOSE),
                (".env.example", "DATABASE_URL=\n"),
                (".env", "DATABASE_URL=postgresql://db/app\nSECRET_KEY=x\n"),
            ],
        );
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].labels[0].1, "SECRET_KEY");
        assert!(
            d[0].message.contains("is set in `.env`"),
            "{}",
            d[0].message
        );
    }

    #[test]
    fn listed_commented_mentioned_defaulted_or_from_the_shell() {
        for template in [
            "DATABASE_URL=\nSECRET_KEY=\n",
            "DATABASE_URL=\n# SECRET_KEY=change-me\n",
            "DATABASE_URL=\n# SECRET_KEY is made by the install script\n",
            "DATABASE_URL=\nURL=${SECRET_KEY}\n",
        ] {
            assert_silent(
                &RULE,
                &[("compose.yaml", COMPOSE), (".env.example", template)],
            );
        }
        let compose = "services:\n  app:\n    image: python:3.12-slim\n    user: ${UID}:${GID:-1000}\n    environment:\n      DATABASE_URL: ${DATABASE_URL}\n      HOME_DIR: ${HOME}\n      LEVEL: ${LOG_LEVEL:-info}\n";
        let d = fired(
            &RULE,
            &[
                ("compose.yaml", compose),
                (".env.example", "DATABASE_URL=\n"),
            ],
        );
        // UID needs a value; HOME is the shell's; LOG_LEVEL has a default.
        let names: Vec<&str> = d.iter().map(|d| d.text.as_str()).collect();
        assert_eq!(names, ["${UID}"]);
    }

    #[test]
    fn unset_while_the_dotenv_is_there_is_unset_variables() {
        assert_silent(
            &RULE,
            &[
                ("compose.yaml", COMPOSE),
                (".env.example", "DATABASE_URL=\n"),
                (".env", "DATABASE_URL=postgresql://db/app\n"),
            ],
        );
    }

    #[test]
    fn a_close_key_in_the_template() {
        let d = assert_fires(
            &RULE,
            &[
                ("compose.yaml", COMPOSE),
                (".env.example", "DATABASE_URL=\nSECRET_KEYS=\n"),
            ],
        );
        // One finding at the reference, naming the template's key; the
        // key itself is not reported again as unread.
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(d[0].labels[0].1, "SECRET_KEYS");
        assert!(d[0].help.as_deref().unwrap_or("").contains("rename"));
    }

    #[test]
    fn a_template_key_nothing_reads() {
        let compose = "services:\n  app:\n    image: python:3.12-slim\n    environment:\n      A: ${A}\n      B: ${B:-b}\n      C: ${C}\n";
        let d = assert_fires(
            &RULE,
            &[
                ("compose.yaml", compose),
                (
                    ".env.example",
                    "A=\nB=\nC=\nOLD_FEATURE_FLAG=1\nCOMPOSE_PROJECT_NAME=x\n",
                ),
            ],
        );
        assert_eq!(d.len(), 1);
        assert_eq!(
            (d[0].file.as_str(), d[0].text.as_str()),
            (".env.example", "OLD_FEATURE_FLAG")
        );
    }

    #[test]
    fn a_template_mostly_for_the_app_or_read_whole() {
        // Most keys are the app's own settings: not the compose files'
        // template alone.
        let compose =
            "services:\n  app:\n    image: python:3.12-slim\n    environment:\n      A: ${A}\n";
        assert_silent(
            &RULE,
            &[
                ("compose.yaml", compose),
                (".env.example", "A=\nSMTP_HOST=\nSMTP_PORT=\nSENTRY_DSN=\n"),
            ],
        );
        // env_file: .env passes every key.
        let compose = "services:\n  app:\n    image: python:3.12-slim\n    env_file: .env\n    environment:\n      A: ${A}\n";
        assert_silent(
            &RULE,
            &[
                ("compose.yaml", compose),
                (".env.example", "A=\nB=\n"),
                (".env", "A=1\nB=2\n"),
            ],
        );
    }

    #[test]
    fn a_hard_coded_key_is_labelled() {
        let compose = "services:\n  app:\n    image: python:3.12-slim\n    environment:\n      A: ${A}\n      B: ${B}\n      WORKERS: 1\n";
        let d = assert_fires(
            &RULE,
            &[
                ("compose.yaml", compose),
                (".env.example", "A=\nB=\nWORKERS=4\n"),
            ],
        );
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].text, "WORKERS");
        assert_eq!(d[0].labels[0].1, "1");
    }

    #[test]
    fn image_tags_and_templates_of_a_folder_above() {
        // `image: app:${TAG}`: the tooling's, not the template's.
        let compose = "services:\n  app:\n    image: app:${TAG}\n    environment:\n      A: ${A}\n";
        assert_silent(
            &RULE,
            &[("compose.yaml", compose), (".env.example", "A=\n")],
        );
        // Set in `.env` only: a fresh install lacks it all the same.
        let d = assert_fires(
            &RULE,
            &[
                ("compose.yaml", compose),
                (".env.example", "A=\n"),
                (".env", "A=1\nTAG=1.2\n"),
            ],
        );
        assert_eq!(d[0].text, "${TAG}");
        // The repository's template, for a compose file of its docs.
        let docs = "services:\n  app:\n    image: python:3.12-slim\n    environment:\n      A: ${A}\n      PREFIX: ${IPV6_PREFIX:?set it}\n";
        assert_silent(
            &RULE,
            &[("docs/ipv6/compose.yaml", docs), (".env.example", "A=\n")],
        );
    }

    #[test]
    fn a_template_named_for_the_compose_file() {
        // `dev.env` documents docker-compose-dev.yml, though `deploy.env`
        // defines more of its variables.
        let dev = "services:\n  app:\n    image: python:3.12-slim\n    environment:\n      A: ${A}\n      B: ${B}\n      MAIL: ${MAIL_TEMPLATE}\n";
        let d = fired(
            &RULE,
            &[
                ("docker-compose-dev.yml", dev),
                ("deploy.env", "A=\nB=\nMAIL_TEMPLATE=\n"),
                ("dev.env", "A=\nB=\n"),
            ],
        );
        assert_eq!(d.len(), 1, "{d:?}");
        assert!(d[0].message.contains("dev.env"), "{}", d[0].message);
    }

    #[test]
    fn a_template_key_the_dotenv_lacks() {
        let compose = "services:\n  app:\n    image: python:3.12-slim\n    environment:\n      A: ${A}\n      WORKERS: ${WORKERS:-4}\n";
        let d = assert_fires(
            &RULE,
            &[
                ("compose.yaml", compose),
                (".env.example", "A=\nWORKERS=8\n"),
                (".env", "A=1\n"),
            ],
        );
        assert_eq!(d.len(), 1);
        assert_eq!(
            (d[0].file.as_str(), d[0].text.as_str()),
            (".env.example", "WORKERS")
        );
        assert_eq!(d[0].labels[0].1, "${WORKERS:-4}");
        // The template's value is the default: nothing is lost.
        assert_silent(
            &RULE,
            &[
                ("compose.yaml", compose),
                (".env.example", "A=\nWORKERS=4\n"),
                (".env", "A=1\n"),
            ],
        );
    }

    #[test]
    fn an_env_file_given_replaces_the_template() {
        let dir = crate::rules::testing::write_project(&[
            ("compose.yaml", COMPOSE),
            (".env.example", "DATABASE_URL=\n"),
        ]);
        let opts = crate::model::workspace::WorkspaceOptions {
            paths: vec![dir.path().to_path_buf()],
            env_files: vec![dir.path().join(".env.example")],
            ..Default::default()
        };
        let ws = crate::model::workspace::load_workspace(&crate::fs::DiskFs, dir.path(), &opts);
        let policy = crate::model::secrets::SecretPolicy::default();
        assert!((RULE.check)(&Context::new(&ws, &policy)).is_empty());
    }

    #[test]
    fn one_template_for_two_projects() {
        // compose.yml reads A, compose.deploy.yml reads B: both read.
        let a = "services:\n  app:\n    image: python:3.12-slim\n    environment:\n      A: ${A}\n      C: ${C}\n";
        let b = "services:\n  web:\n    image: nginx:1.27\n    environment:\n      B: ${B}\n";
        assert_silent(
            &RULE,
            &[
                ("compose.yml", a),
                ("compose.deploy.yml", b),
                (".env.example", "A=\nB=\nC=\n"),
            ],
        );
    }
}
