//! `env-example-drift`: the committed template of the project `.env`
//! (`.env.example`…) and what the compose files read have drifted apart —
//! a variable they need that the template does not list, a template key
//! nothing reads, a key the template lists that the `.env` made from it
//! lacks.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::facts::build_context::dotenv_in_container;
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

/// Variables the tooling that runs `docker compose` exports: Laravel
/// Sail's `WWWUSER` and `WWWGROUP`.
const SET_BY_TOOLING: &[&str] = &["WWWUSER", "WWWGROUP"];

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
        // The last line of a key is the one Compose reads.
        for e in &file.entries {
            keys.insert(e.key.as_str(), Span::new(id, e.key_range));
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
            .rfind(|e| e.key == name)
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
        // A template of a folder above (the repository's, for a compose
        // file of its documentation) documents the main install: the
        // variants say in their own pages what more they need.
        let Some(t) = p.dotenv_template else { continue };
        if ws.sources.get(t).path.parent() == Some(p.directory.as_path()) {
            by_template.entry(t).or_default().push(p);
        }
    }
    let mut out = Vec::new();
    let mut near = Near::default();
    for (id, projects) in by_template {
        // A template that does not parse is `env-syntax`'s; an empty one
        // documents nothing to compare (`missing-dotenv` names the
        // variables).
        let Some(file) = ws.dotenv.get(&id) else {
            continue;
        };
        if !file.errors.is_empty() || file.entries.is_empty() {
            continue;
        }
        let template = Template::read(ws, id, file);
        let named = not_listed(&template, &projects, &mut near, &mut out);
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
    t: &Template,
    projects: &[&Project],
    near: &mut Near,
    out: &mut Vec<Diagnostic>,
) -> BTreeSet<Span> {
    // The template keys named as a variable's likely spelling.
    let mut named = BTreeSet::new();
    // The finding of each variable, by index in `out`.
    let mut found: HashMap<&str, usize> = HashMap::new();
    // What the compose files of the template's folder reference.
    let referenced: BTreeSet<&str> = projects
        .iter()
        .flat_map(|p| p.references.iter().map(|r| r.variable.as_str()))
        .collect();
    for p in projects {
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
            // An `include:`d file reads its own folder's `.env` first.
            if t.documents(name)
                || SHELL_VARIABLES.contains(&name)
                || SET_BY_TOOLING.contains(&name)
                || p.included_files.contains(&v.reference.file)
            {
                continue;
            }
            // In `.env`: a fresh install lacks it. Set by the shell or by
            // Compose: not the template's. Unset while `.env` is there:
            // `unset-variable`'s.
            let in_dotenv = match &v.source {
                Some(VariableSource::Dotenv { file, key, .. }) if Some(*file) == dotenv => {
                    Some(*key)
                }
                None if dotenv.is_none() && !in_image.contains(&v.reference) => None,
                _ => continue,
            };
            if let Some(&i) = found.get(name) {
                if let Some(d) = out.get_mut(i) {
                    if d.labels.len() < 4
                        && d.span != v.reference
                        && !d.labels.iter().any(|l| l.span == v.reference)
                    {
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
                Some((k, span)) if !referenced.contains(*k) => {
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
        }) || dotenv_in_container(ws, p)
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
        .chain(
            // `secrets:`/`configs:` with `environment: NAME`.
            projects
                .iter()
                .flat_map(|p| &p.compose_files)
                .filter_map(|f| ws.compose.get(f))
                .flat_map(|c| c.environment_sources()),
        )
        .collect();
    // Keys of the `.env` that is there: an unread one is
    // `env-only-in-dotenv`'s.
    let in_dotenv: BTreeSet<&str> = projects
        .iter()
        .filter_map(|p| p.env_files.first())
        .filter_map(|f| ws.dotenv.get(f))
        .flat_map(|f| f.entries.iter().map(|e| e.key.as_str()))
        .collect();
    // The keys for the compose files to read: not those Compose reads
    // itself, nor those the template's comments or values name.
    let judged: Vec<(&str, Span)> = t
        .keys
        .iter()
        .filter(|(k, _)| !t.mentioned.contains(*k) && !crate::model::read_by_compose(k))
        .map(|(k, s)| (*k, *s))
        .collect();
    let unread: Vec<(&str, Span)> = judged
        .iter()
        .filter(|(k, _)| !referenced.contains(k))
        .copied()
        .collect();
    let read = judged.len() - unread.len();
    if unread.is_empty() || read * READ_SHARE.1 < judged.len() * READ_SHARE.0 {
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
                "`{template}` lists {key}, but no compose file references ${{{key}}}, and the `.env` reaches no container (no `env_file:`, mount or COPY takes it): set in the `.env`, it changes nothing"
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
        // `# WORKERS=8  (we use the default)`: a choice, said.
        let commented = comment_names(&ws.sources.get(dotenv).text);
        let shown = ".env";
        for v in &p.references {
            let name = v.variable.as_str();
            let Some(&key) = t.keys.get(name) else {
                continue;
            };
            if needs_value(v.form)
                || v.source.is_some()
                || has.contains(name)
                || commented.contains(name)
                || reported.contains(name)
            {
                continue;
            }
            // Copying the template's line would change nothing: its value
            // is the default, or empty where `:-`/`:+` read empty as unset.
            let value = t.value(name);
            let colon = matches!(
                v.form,
                ReferenceForm::Op(OpKind::DefaultIfEmpty | OpKind::AltIfNonEmpty)
            );
            if (colon && value.as_deref() == Some(""))
                || value.is_some() && v.literal_default(&ws.sources) == value
            {
                continue;
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
        // `prod.env` sets SECRET_KEY, which `.env.example` lacks: were the
        // template consulted, that would be reported.
        let dir = crate::rules::testing::write_project(&[
            ("compose.yaml", COMPOSE),
            (".env.example", "DATABASE_URL=\n"),
            (
                "prod.env",
                "DATABASE_URL=postgresql://db/app\nSECRET_KEY=x\n",
            ),
        ]);
        let check = |env_files: Vec<std::path::PathBuf>| {
            let opts = crate::model::workspace::WorkspaceOptions {
                paths: vec![dir.path().to_path_buf()],
                env_files,
                ..Default::default()
            };
            let ws = crate::model::workspace::load_workspace(&crate::fs::DiskFs, dir.path(), &opts);
            let policy = crate::model::secrets::SecretPolicy::default();
            (RULE.check)(&Context::new(&ws, &policy)).len()
        };
        assert!(check(vec![dir.path().join("prod.env")]) == 0);
        // Without it, the template is read: the same files say something.
        assert!(check(Vec::new()) > 0);
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

    /// Found by review: templates of other env files, a template a service
    /// reads, another folder's `.env` through `include:`.
    #[test]
    fn only_the_templates_of_this_dotenv() {
        let compose = "services:\n  app:\n    image: python:3.12-slim\n    environment:\n      DB: ${POSTGRES_PASSWORD}\n";
        // The front end's template, not the `.env`'s.
        assert_silent(
            &RULE,
            &[
                ("compose.yaml", compose),
                (".env.local.example", "NEXT_PUBLIC_API_URL=\n"),
            ],
        );
        // The template of an env_file (`example.db.env` of `db.env`), and
        // of `.env.prod`, which a service reads.
        let compose = "services:\n  app:\n    image: python:3.12-slim\n    env_file: [db.env, .env.prod]\n    environment:\n      PORT: ${APP_PORT}\n";
        assert_silent(
            &RULE,
            &[
                ("compose.yaml", compose),
                ("example.db.env", "DB_HOST=\n"),
                ("db.env", "DB_HOST=db\n"),
                (".env.prod.example", "SECRET_KEY=\n"),
                (".env.prod", "SECRET_KEY=x\n"),
                (".env", "APP_PORT=8000\n"),
            ],
        );
        // The prod compose file's own template, though `.env.dev.example`
        // comes first by name.
        let prod = "services:\n  app:\n    image: python:3.12-slim\n    environment:\n      P: ${PROD_ONLY}\n";
        assert_silent(
            &RULE,
            &[
                ("docker-compose.prod.yml", prod),
                (".env.dev.example", "DEV_ONLY=\n"),
                (".env.prod.example", "PROD_ONLY=\n"),
            ],
        );
        // `.env_example` and `.env-example` are templates too.
        let d = fired(
            &RULE,
            &[
                ("compose.yaml", COMPOSE),
                (".env-example", "DATABASE_URL=\n"),
            ],
        );
        assert_eq!(d.len(), 1);
        // An `include:`d file reads its own folder's `.env`.
        let root = "include:\n  - sub/compose.yaml\nservices:\n  app:\n    image: python:3.12-slim\n    environment:\n      A: ${A}\n";
        let sub = "services:\n  sub:\n    image: python:3.12-slim\n    environment:\n      SUB: ${SUB_VAR}\n";
        assert_silent(
            &RULE,
            &[
                ("compose.yaml", root),
                ("sub/compose.yaml", sub),
                ("sub/.env", "SUB_VAR=x\n"),
                ("sub/.env.example", "SUB_VAR=\n"),
                (".env.example", "A=\n"),
                (".env", "A=1\n"),
            ],
        );
    }

    /// Found by the final review: `.env.local.example` documents the
    /// `.env.local` a service reads, even when it covers the variables;
    /// `.env.prod.example` beside `docker-compose.prod.yml` is the `.env`'s
    /// template by its name, however little it covers; a docs compose
    /// file's template above may be named `.env-example`.
    #[test]
    fn templates_by_purpose_and_of_other_env_files() {
        let compose = "services:\n  app:\n    image: python:3.12-slim\n    env_file: .env.local\n    environment:\n      A: ${A}\n      B: ${B}\n";
        assert_silent(
            &RULE,
            &[
                ("compose.yaml", compose),
                (".env.local.example", "A=\nB=\nAPP_SECRET_UNUSED=\n"),
                (".env.local", "A=1\n"),
            ],
        );
        let prod = "services:\n  app:\n    image: python:3.12-slim\n    environment:\n      A: ${A}\n      B: ${B}\n      C: ${C}\n";
        let d = fired(
            &RULE,
            &[
                ("docker-compose.prod.yml", prod),
                (".env.prod.example", "A=\nZ=1\n"),
            ],
        );
        let names: Vec<&str> = d.iter().map(|d| d.text.as_str()).collect();
        assert_eq!(names, ["${B}", "${C}"], "{d:?}");
        let m = fired(
            &crate::rules::missing_dotenv::RULE,
            &[
                ("docker-compose.prod.yml", prod),
                (".env.prod.example", "A=\nZ=1\n"),
            ],
        );
        assert!(m[0].message.contains(".env.prod.example"), "{m:?}");
        // `env_file: .env`: its template is the `.env`'s (linkding's
        // `.env.sample`, found by the corpus review).
        let compose = "services:\n  app:\n    image: python:3.12-slim\n    env_file: .env\n";
        let m = fired(
            &crate::rules::missing_dotenv::RULE,
            &[("compose.yaml", compose), (".env.sample", "A=\n")],
        );
        assert!(m[0].message.contains("`.env.sample` documents it"), "{m:?}");
    }

    /// Found by review: the `.env` reaches a container another way.
    #[test]
    fn a_dotenv_the_app_reads_itself() {
        let keys = "A=\nB=\nC=\nJWT_SECRET=\n";
        let base = "services:\n  app:\n    image: node:22\n    environment:\n      A: ${A}\n      B: ${B}\n      C: ${C}\n";
        for extra in [
            "    volumes:\n      - .:/app\n",
            "    volumes:\n      - ./.env:/app/.env:ro\n",
        ] {
            let compose = format!("{base}{extra}");
            assert_silent(&RULE, &[("compose.yaml", &compose), (".env.example", keys)]);
        }
        let compose = "services:\n  app:\n    build: .\n    user: node\n    environment:\n      A: ${A}\n      B: ${B}\n      C: ${C}\n";
        assert_silent(
            &RULE,
            &[
                ("compose.yaml", compose),
                ("Dockerfile", "FROM node:22\nCOPY .env ./\n"),
                (".env.example", keys),
            ],
        );
        // Taken along by `COPY . .`: a leak (`env-file-in-image`), not a
        // way the app is meant to read it; ignored by `.dockerignore`: it
        // does not reach.
        let d = fired(
            &RULE,
            &[
                ("compose.yaml", compose),
                ("Dockerfile", "FROM node:22\nCOPY . ./\n"),
                (".env.example", keys),
            ],
        );
        assert_eq!(d.len(), 1);
        let d = fired(
            &RULE,
            &[
                ("compose.yaml", compose),
                ("Dockerfile", "FROM node:22\nCOPY . ./\n"),
                (".dockerignore", ".env\n"),
                (".env.example", keys),
            ],
        );
        assert_eq!(d.len(), 1);
        // A secret filled from the environment reads the key.
        let compose = format!(
            "{base}    secrets: [api_key]\nsecrets:\n  api_key:\n    environment: JWT_SECRET\n"
        );
        assert_silent(&RULE, &[("compose.yaml", &compose), (".env.example", keys)]);
    }

    /// Found by review: copying the template would change nothing.
    #[test]
    fn a_missing_key_that_changes_nothing() {
        let compose = "services:\n  app:\n    image: python:3.12-slim\n    environment:\n      A: ${A}\n      WORKERS: ${WORKERS:-4}\n      FLAG: ${FLAG:+on}\n";
        let files = |template: &'static str, dotenv: &'static str| {
            fired(
                &RULE,
                &[
                    ("compose.yaml", compose),
                    (".env.example", template),
                    (".env", dotenv),
                ],
            )
        };
        // Empty in the template: `:-` and `:+` read it as unset.
        assert!(files("A=\nWORKERS=\nFLAG=\n", "A=1\n").is_empty());
        // The last line of a key is the one read: the default.
        assert!(files("A=\nWORKERS=8\nWORKERS=4\n", "A=1\n").is_empty());
        // Left out of `.env` on purpose, and said so.
        assert!(files("A=\nWORKERS=8\n", "A=1\n# WORKERS=8 (we use the default)\n").is_empty());
        assert_eq!(files("A=\nWORKERS=8\n", "A=1\n").len(), 1);
    }

    /// Found by review: a template above, one that does not parse, an
    /// empty one, a wrapper's variables.
    #[test]
    fn templates_that_say_nothing_about_this_project() {
        let docs =
            "services:\n  app:\n    image: python:3.12-slim\n    environment:\n      A: ${A}\n";
        assert_silent(
            &RULE,
            &[
                ("docker/compose.yaml", docs),
                (".env.example", "APP_SECRET=\nA=\n"),
            ],
        );
        assert_silent(
            &RULE,
            &[
                ("compose.yaml", COMPOSE),
                (
                    ".env.example",
                    "DATABASE_URL=1\nB=\"unterminated\nSECRET_KEY=3\n",
                ),
            ],
        );
        assert_silent(
            &RULE,
            &[("compose.yaml", COMPOSE), (".env.example", "# fill in\n")],
        );
        let sail = "services:\n  app:\n    image: sail-8.3/app\n    environment:\n      WWWUSER: ${WWWUSER}\n      DATABASE_URL: ${DATABASE_URL}\n";
        assert_silent(
            &RULE,
            &[("compose.yaml", sail), (".env.example", "DATABASE_URL=\n")],
        );
    }

    /// Found by review: a close key another compose file reads is no
    /// misspelling; a finding is not labelled at its own span.
    #[test]
    fn close_names_and_labels_across_projects() {
        let a = "services:\n  db:\n    image: python:3.12-slim\n    environment:\n      P: ${DB_PORT}\n";
        let b = "services:\n  replica:\n    image: python:3.12-slim\n    environment:\n      P: ${DB_PORT2}\n";
        let d = fired(
            &RULE,
            &[
                ("compose.yaml", a),
                ("compose.replica.yaml", b),
                (".env.example", "DB_PORT2=\n"),
            ],
        );
        assert_eq!(d.len(), 1);
        assert!(
            !d[0].help.as_deref().unwrap_or("").contains("rename"),
            "{:?}",
            d[0].help
        );
        // `compose.extras.yaml` completes `compose.yaml`: two projects
        // with the same reference.
        let extras = "services:\n  app:\n    environment:\n      EXTRA: \"1\"\n";
        let d = fired(
            &RULE,
            &[
                ("compose.yaml", COMPOSE),
                ("compose.extras.yaml", extras),
                (".env.example", "DATABASE_URL=\n"),
            ],
        );
        assert_eq!(d.len(), 1);
        for f in &d {
            assert!(
                f.labels
                    .iter()
                    .all(|l| !(l.0 == f.file && l.1 == f.text && l.2 == "also needed here")),
                "{f:?}"
            );
        }
    }
}
