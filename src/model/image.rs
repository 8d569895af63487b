//! The facts of the image a compose service builds: its stages, the stage it
//! runs (build `target`, else the last), and what that stage inherits through
//! `FROM <stage>`: USER, HEALTHCHECK, ENV, EXPOSE, CMD/ENTRYPOINT, WORKDIR.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use crate::model::loader::Loader;
use crate::model::types::*;
use crate::source::{FileId, FileKind, Span};
use crate::syntax::dockerfile::{self, Dockerfile, HealthcheckSpec, InstructionKind};
use crate::syntax::limits::Allowance;

/// The facts of the image `build` describes, with `args` the build arguments
/// (compose `build.args`, already interpolated). Problems reading the
/// Dockerfile are returned as warnings: the project itself is still valid.
pub fn image_facts(
    loader: &mut Loader,
    build: &BuildConfig,
    args: &BTreeMap<String, String>,
    allowance: &mut Allowance,
) -> (Option<ImageFacts>, Vec<ModelError>) {
    let id = match loader.load(&build.dockerfile_path, FileKind::Dockerfile) {
        Ok(id) => id,
        Err(e) => {
            let message = format!(
                "cannot read the Dockerfile of this build ({}): {}",
                loader.display(&build.dockerfile_path),
                e
            );
            let span = build
                .dockerfile
                .as_ref()
                .map(|d| d.span)
                .unwrap_or(build.span);
            return (None, vec![ModelError::new(message, Some(span))]);
        }
    };
    let parsed = loader.dockerfile(id);
    let target = build.target.as_ref().map(|t| t.text.as_str());
    let facts = facts_within(id, parsed, target, args, allowance);
    let mut problems = Vec::new();
    if let (Some(f), Some(t)) = (&facts, &build.target) {
        if f.target_missing {
            problems.push(ModelError {
                message: format!("target stage {:?} could not be found", t.text),
                span: Some(t.span),
                kind: ModelErrorKind::Other,
            });
        }
    }
    (facts, problems)
}

/// What the expansions of one walk of a Dockerfile may still cost, and the
/// first bound they stopped at.
struct Bounds {
    budget: dockerfile::Budget,
    hit: Option<(Span, String)>,
}

impl Bounds {
    /// A word kept as written (FROM, USER, WORKDIR, EXPOSE) unquoted and
    /// expanded within the bounds; past one, nothing ([`Bounds::take`]).
    fn word(
        &mut self,
        raw: &str,
        escape: char,
        env: &BTreeMap<String, Option<String>>,
        args: &BTreeMap<String, Option<String>>,
        at: Span,
    ) -> String {
        let r = expand_raw(raw, escape, env, args, &mut self.budget);
        self.take(r, at)
    }

    /// The value, or nothing past a bound (the first one kept, at `at`).
    fn take(&mut self, r: Result<String, String>, at: Span) -> String {
        r.unwrap_or_else(|message| {
            self.hit.get_or_insert((at, message));
            String::new()
        })
    }
}

/// Scope of build arguments while walking a Dockerfile.
struct Args<'a> {
    build_args: &'a BTreeMap<String, String>,
    global: BTreeMap<String, Option<String>>,
}

/// The facts of `target` (or the last stage) of a parsed Dockerfile, its
/// expansions bounded by [`dockerfile::Budget::FILE_BYTES`].
pub fn facts_of(
    file: FileId,
    df: Arc<Dockerfile>,
    target: Option<&str>,
    build_args: &BTreeMap<String, String>,
) -> Option<ImageFacts> {
    let mut allowance = Allowance::new(dockerfile::Budget::FILE_BYTES);
    facts_within(file, df, target, build_args, &mut allowance)
}

/// [`facts_of`], the bytes its expansions read and write spent from the
/// project's `allowance` too (a Dockerfile that many services build, each
/// with its own arguments, is walked once per service).
pub fn facts_within(
    file: FileId,
    df: Arc<Dockerfile>,
    target: Option<&str>,
    build_args: &BTreeMap<String, String>,
    allowance: &mut Allowance,
) -> Option<ImageFacts> {
    let span = |r| Span::new(file, r);
    let mut args = Args {
        build_args,
        global: BTreeMap::new(),
    };
    let mut stages: Vec<Stage> = Vec::new();
    // Stage names, lowercased, to their index (the last stage of a name,
    // as `position` over the earlier stages would find the first: kept
    // first).
    let mut by_name: HashMap<String, usize> = HashMap::new();
    let within = if allowance.exhausted() {
        0
    } else {
        allowance.left()
    };
    let mut bounds = Bounds {
        budget: dockerfile::Budget::within(within),
        hit: None,
    };
    let before = bounds.budget.bytes_left();
    // Per-stage state, inherited through FROM <stage>.
    struct State {
        env: Env,
        user: Option<Located<String>>,
        healthcheck: Option<Located<ImageHealthcheck>>,
        expose: Vec<Located<String>>,
        cmd: Option<Located<dockerfile::Command>>,
        entrypoint: Option<Located<dockerfile::Command>>,
        workdir: Option<Located<String>>,
    }
    // First the stages: each FROM is read with the global ARGs (those
    // before the first FROM, all known by then), which gives the chain of
    // stages the image is made of. Only that chain is evaluated (BuildKit
    // builds no other stage), and each of its states moves from parent to
    // child instead of being copied: 100,000 chained stages are linear.
    for (i, ins) in df.instructions.iter().enumerate() {
        match &ins.kind {
            InstructionKind::From { image, alias } => {
                if let Some(last) = stages.last_mut() {
                    last.instructions.end = i;
                }
                let base = bounds.word(
                    &image.value,
                    df.escape,
                    &BTreeMap::new(),
                    &args.global,
                    span(image.range),
                );
                let parent = by_name.get(&base.to_ascii_lowercase()).copied();
                let index = stages.len();
                if let Some(a) = alias {
                    by_name.entry(a.value.to_ascii_lowercase()).or_insert(index);
                }
                stages.push(Stage {
                    index,
                    name: alias.as_ref().map(|a| a.value.clone()),
                    base,
                    from_span: span(ins.range),
                    base_span: span(image.range),
                    parent,
                    instructions: i..df.instructions.len(),
                });
            }
            InstructionKind::Arg(decls) if stages.is_empty() => {
                for d in decls {
                    let name = d.name.value.clone();
                    let default = d.default.as_ref().map(|v| {
                        let r = expand_with(
                            &v.value,
                            &d.literal,
                            &BTreeMap::new(),
                            &args.global,
                            &mut bounds.budget,
                        );
                        bounds.take(r, span(v.range))
                    });
                    let value = args.build_args.get(&name).cloned().or(default);
                    args.global.insert(name, value);
                }
            }
            _ => {}
        }
    }
    if stages.is_empty() {
        return None;
    }
    let (stage, target_missing) = match target {
        Some(t) => match stages
            .iter()
            .position(|s| s.name.as_deref().is_some_and(|n| n.eq_ignore_ascii_case(t)))
        {
            Some(i) => (i, false),
            None => (stages.len() - 1, true),
        },
        None => (stages.len() - 1, false),
    };
    // A parent always comes before its child (a FROM names only stages
    // already defined), so the chain ends.
    let mut chain = vec![stage];
    let mut in_chain = vec![false; stages.len()];
    in_chain[stage] = true;
    let mut cursor = stage;
    while let Some(p) = stages[cursor].parent {
        if std::mem::replace(&mut in_chain[p], true) {
            break;
        }
        chain.push(p);
        cursor = p;
    }

    let mut states: Vec<Option<State>> = (0..stages.len()).map(|_| None).collect();
    let mut stage_args: BTreeMap<String, Option<String>> = BTreeMap::new();
    let mut cur: Option<usize> = None;
    for ins in df.instructions.iter() {
        if let InstructionKind::From { .. } = &ins.kind {
            let s = cur.map_or(0, |c| c + 1);
            cur = Some(s);
            stage_args.clear();
            if in_chain[s] {
                let inherited = stages[s].parent.and_then(|p| states[p].take());
                states[s] = Some(inherited.unwrap_or_else(|| State {
                    env: Env::default(),
                    user: None,
                    healthcheck: None,
                    expose: Vec::new(),
                    cmd: None,
                    entrypoint: None,
                    workdir: None,
                }));
            }
            continue;
        }
        let Some(s) = cur else { continue };
        let Some(st) = states[s].as_mut() else {
            continue;
        };
        match &ins.kind {
            InstructionKind::Arg(decls) => {
                for d in decls {
                    let name = d.name.value.clone();
                    let default = d.default.as_ref().map(|v| {
                        let r = expand_with(
                            &v.value,
                            &d.literal,
                            &st.env.values,
                            &stage_args,
                            &mut bounds.budget,
                        );
                        bounds.take(r, span(v.range))
                    });
                    let value = args
                        .build_args
                        .get(&name)
                        .cloned()
                        .or(default)
                        .or_else(|| args.global.get(&name).cloned().flatten());
                    stage_args.insert(name, value);
                }
            }
            InstructionKind::Env(pairs) => {
                for p in pairs {
                    let value = expand_env(
                        &p.value.value,
                        &p.literal,
                        &st.env.values,
                        &stage_args,
                        &args.global,
                        &mut bounds.budget,
                    );
                    let value = bounds.take(value, span(p.value.range));
                    st.env.set(
                        &p.key.value,
                        Located {
                            value,
                            span: span(p.value.range),
                            stage: s,
                        },
                        span(p.key.range),
                    );
                }
            }
            InstructionKind::User(u) => {
                let value = bounds.word(
                    &u.value,
                    df.escape,
                    &st.env.values,
                    &stage_args,
                    span(u.range),
                );
                st.user = Some(Located {
                    value,
                    span: span(u.range),
                    stage: s,
                });
            }
            InstructionKind::Healthcheck(h) => {
                let hc = match h {
                    HealthcheckSpec::None => ImageHealthcheck {
                        none: true,
                        command: None,
                    },
                    HealthcheckSpec::Check { command } => ImageHealthcheck {
                        none: false,
                        command: Some(command.clone()),
                    },
                };
                st.healthcheck = Some(Located {
                    value: hc,
                    span: span(ins.range),
                    stage: s,
                });
            }
            InstructionKind::Expose(ports) => {
                for p in ports {
                    let value = bounds.word(
                        &p.value,
                        df.escape,
                        &st.env.values,
                        &stage_args,
                        span(p.range),
                    );
                    for word in value.split_whitespace() {
                        st.expose.push(Located {
                            value: word.to_string(),
                            span: span(p.range),
                            stage: s,
                        });
                    }
                }
            }
            InstructionKind::Cmd(c) => {
                st.cmd = Some(Located {
                    value: c.clone(),
                    span: span(ins.range),
                    stage: s,
                });
            }
            InstructionKind::Entrypoint(c) => {
                // Setting ENTRYPOINT resets a CMD inherited from the parent stage.
                if st.cmd.as_ref().is_some_and(|c| c.stage != s) {
                    st.cmd = None;
                }
                st.entrypoint = Some(Located {
                    value: c.clone(),
                    span: span(ins.range),
                    stage: s,
                });
            }
            InstructionKind::Workdir(w) => {
                let value = bounds.word(
                    &w.value,
                    df.escape,
                    &st.env.values,
                    &stage_args,
                    span(w.range),
                );
                st.workdir = Some(Located {
                    value,
                    span: span(w.range),
                    stage: s,
                });
            }
            _ => {}
        }
    }
    let root = &stages[cursor];
    let base_image = Some(Located {
        value: root.base.clone(),
        span: root.base_span,
        stage: root.index,
    });
    let st = states[stage].take()?;
    allowance.spend(before - bounds.budget.bytes_left());
    let over = crate::syntax::limits::project_too_large("BuildKit");
    if bounds.hit.as_ref().is_some_and(|(_, m)| *m == over) {
        allowance.exhaust();
    }
    Some(ImageFacts {
        dockerfile_file: file,
        dockerfile: df,
        stages,
        stage,
        chain,
        base_image,
        user: st.user,
        healthcheck: st.healthcheck,
        env: st.env.into_definitions(),
        expose: st.expose,
        cmd: st.cmd,
        entrypoint: st.entrypoint,
        workdir: st.workdir,
        target_missing,
        limit: bounds.hit,
    })
}

/// Unquote and expand a word kept as written (USER, WORKDIR, EXPOSE, FROM).
fn expand_raw(
    raw: &str,
    escape: char,
    env: &BTreeMap<String, Option<String>>,
    args: &BTreeMap<String, Option<String>>,
    budget: &mut dockerfile::Budget,
) -> Result<String, String> {
    let mut lookup = |name: &str| {
        env.get(name)
            .cloned()
            .flatten()
            .or_else(|| args.get(name).cloned().flatten())
    };
    let u = dockerfile::unquote(raw, escape);
    dockerfile::expand_within(&u.value, &u.literal, &mut lookup, budget)
}

/// A stage's `ENV`, kept as the instructions set it, each update in
/// constant time (a Dockerfile of 16,000 `ENV` lines is linear): the
/// definitions in order, the last of each key alive; where each key's live
/// definition is; and the values, as expansion reads them.
#[derive(Clone, Default)]
struct Env {
    definitions: Vec<Option<(String, Located<String>, Span)>>,
    position: HashMap<String, usize>,
    values: BTreeMap<String, Option<String>>,
}

impl Env {
    fn set(&mut self, key: &str, value: Located<String>, key_span: Span) {
        if let Some(old) = self.position.get(key) {
            self.definitions[*old] = None;
        }
        self.position
            .insert(key.to_string(), self.definitions.len());
        self.values
            .insert(key.to_string(), Some(value.value.clone()));
        self.definitions
            .push(Some((key.to_string(), value, key_span)));
    }

    /// The effective definitions, in the order they were made.
    fn into_definitions(self) -> Vec<(String, Located<String>, Span)> {
        self.definitions.into_iter().flatten().collect()
    }
}

/// An `ENV` value: like [`expand_with`], but a variable that is neither an
/// ENV nor a declared ARG of this Dockerfile likely comes from the base
/// image (`PATH`, `HOME`...), which we cannot see: it is kept as `${NAME}`
/// rather than guessed empty.
fn expand_env(
    value: &str,
    literal: &[crate::source::TextRange],
    env: &BTreeMap<String, Option<String>>,
    args: &BTreeMap<String, Option<String>>,
    global: &BTreeMap<String, Option<String>>,
    budget: &mut dockerfile::Budget,
) -> Result<String, String> {
    if !value.contains('$') {
        return Ok(value.to_string());
    }
    let mut lookup = |name: &str| {
        if let Some(v) = env.get(name) {
            return v.clone();
        }
        match args.get(name) {
            Some(v) => v.clone(),
            None if global.contains_key(name) => None,
            None => Some(format!("${{{name}}}")),
        }
    };
    dockerfile::expand_within(value, literal, &mut lookup, budget)
}

/// Expand `$VAR` references with ENV before ARG, as BuildKit does.
fn expand_with(
    value: &str,
    literal: &[crate::source::TextRange],
    env: &BTreeMap<String, Option<String>>,
    args: &BTreeMap<String, Option<String>>,
    budget: &mut dockerfile::Budget,
) -> Result<String, String> {
    if !value.contains('$') {
        return Ok(value.to_string());
    }
    let mut lookup = |name: &str| {
        env.get(name)
            .cloned()
            .flatten()
            .or_else(|| args.get(name).cloned().flatten())
    };
    dockerfile::expand_within(value, literal, &mut lookup, budget)
}
