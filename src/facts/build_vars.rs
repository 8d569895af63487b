//! The variables a Dockerfile uses where BuildKit expands them itself, and
//! those that nothing defines there — what BuildKit's `UndefinedVar` and
//! `UndefinedArgInFrom` checks report, read with `docker build --check`'s
//! scope: every stage, in file order.
//!
//! BuildKit expands `$NAME` in the words of FROM (with the global ARGs and
//! the platform arguments only), ENV, ARG defaults, LABEL, COPY/ADD (paths,
//! `--chown`, `--checksum`), WORKDIR, USER, VOLUME, STOPSIGNAL, EXPOSE and
//! RUN's `--mount` options, against the stage's environment: the base
//! image's `ENV`, `PATH`, the stage's earlier ARGs (with or without a value)
//! and ENVs, and those of the stage it is built `FROM`. Not RUN, CMD,
//! ENTRYPOINT or HEALTHCHECK, whose shell expands at run time. A global
//! ARG (before the first FROM) is seen by FROM lines only, until a stage
//! declares it again; so are the platform arguments (`TARGETARCH`…).
//!
//! Where this differs from BuildKit, on purpose: a reference with a
//! default (`${NAME:-x}`, `${NAME:+x}`) is never undefined (the author said
//! what happens when it is unset); EXPOSE is checked (BuildKit expands it
//! without reporting); COPY heredoc bodies and ONBUILD are not checked.

use std::collections::{BTreeMap, HashMap, HashSet};

use crate::facts::base_image::known_env;
use crate::facts::image_ref::ImageRef;
use crate::source::{FileId, Span, TextRange};
use crate::syntax::dockerfile::{
    expand_word_within, references, Budget, Dockerfile, Instruction, InstructionKind, WordRef,
};

/// The arguments BuildKit sets for FROM lines (and for a stage's `ARG
/// NAME` without a value).
pub(crate) const PLATFORM_ARGS: &[&str] = &[
    "BUILDPLATFORM",
    "BUILDOS",
    "BUILDOSVERSION",
    "BUILDARCH",
    "BUILDVARIANT",
    "TARGETPLATFORM",
    "TARGETOS",
    "TARGETOSVERSION",
    "TARGETARCH",
    "TARGETVARIANT",
    "TARGETSTAGE",
];

/// At most this many names copied from stages to the stages built from
/// them, in one file.
const MAX_COPIED: usize = 1 << 20;

/// Names BuildKit never reports (`nonEnvArgs`).
const NEVER_REPORTED: &[&str] = &["BUILDKIT_SBOM_SCAN_CONTEXT", "BUILDKIT_SBOM_SCAN_STAGE"];

/// Why a variable has no value where it is used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Undefined {
    /// In a FROM line: no global ARG of that name (FROM lines see only the
    /// ARGs before the first FROM, and the platform arguments).
    InFrom,
    /// A global ARG, declared at `global`, that the stage does not declare
    /// again. `used_in_from`: a FROM line uses it too (to pick the base
    /// image's version, whose environment may set the same name).
    GlobalNotDeclared { global: Span, used_in_from: bool },
    /// A platform argument the stage does not declare (`ARG TARGETARCH`).
    PlatformNotDeclared,
    /// The stage declares it (ARG or ENV) only after this line, at `at`.
    DeclaredLater { at: Span },
    /// The same ENV sets it, at `at`: an ENV expands all its pairs before
    /// it sets any.
    SameInstruction { at: Span },
    /// Neither the stage (nor the stages it is built from) declares it.
    /// Whether the base image's environment does is known only for the
    /// images of [`known_env`].
    Nowhere,
}

/// A variable used where BuildKit expands it, with no value there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct UndefinedUse {
    pub name: String,
    /// The reference, `$NAME` or `${NAME…}`.
    pub reference: Span,
    /// The stage's index and name; `None` for a FROM line.
    pub stage: Option<(usize, Option<String>)>,
    /// The FROM instruction of the stage (the line itself for a FROM).
    pub from: Span,
    pub why: Undefined,
    /// The external image the stage is built on, as written with the
    /// global ARGs expanded; `None` for a FROM line.
    pub base: Option<String>,
    /// Whether the base image's environment is known ([`known_env`]) not
    /// to set the name.
    pub base_known: bool,
    /// A name defined there that is close to this one (a misspelling), and
    /// where it is defined (`None` for a name the base image or BuildKit
    /// sets: `PATH`, a platform argument).
    pub near: Option<(String, Option<Span>)>,
    /// `${NAME:?msg}`: BuildKit stops the build.
    pub required: bool,
    /// The variables of the FROM line at the root of the stage's chain
    /// (`FROM $BASE`): a build argument that changes them changes the base
    /// image.
    pub base_vars: Vec<String>,
}

/// What a stage defines at its end, for the stages built `FROM` it.
#[derive(Clone)]
struct Scope {
    /// Each name with where it is declared (ARG or ENV), in order of
    /// names: a close name is searched in a stable order.
    defined: BTreeMap<String, Span>,
    /// The external image at the root, expanded.
    base: Option<String>,
    /// The names the root image's configuration sets, when known; `None`
    /// also when a stage of the chain has ONBUILD triggers, which may
    /// declare more in the stages built from it.
    base_env: Option<&'static [&'static str]>,
    /// The variables of the root's FROM line.
    base_vars: Vec<String>,
}

impl Scope {
    fn defines(&self, name: &str) -> bool {
        name == "PATH"
            || self.defined.contains_key(name)
            || self.base_env.is_some_and(|e| e.contains(&name))
    }
}

/// Every undefined use in the Dockerfile `file` (its text `text`).
pub(crate) fn undefined_uses(file: FileId, text: &str, df: &Dockerfile) -> Vec<UndefinedUse> {
    let span = |r: TextRange| Span::new(file, r);
    let refs = |r: TextRange| references(text, r, df.escape);
    let mut out = Vec::new();
    // Global ARGs: declared (with or without a value), and their values
    // for reading FROM lines.
    let mut globals: BTreeMap<String, Span> = BTreeMap::new();
    let mut global_values: HashMap<String, String> = HashMap::new();
    // Names used in FROM lines.
    let mut in_from: HashSet<String> = HashSet::new();
    // Each stage's first declaration (ARG or ENV) of each name: (index of
    // the instruction, where).
    let mut declared: Vec<HashMap<String, (usize, TextRange)>> = Vec::new();
    for (i, ins) in df.instructions.iter().enumerate() {
        match &ins.kind {
            InstructionKind::From { image, .. } => {
                in_from.extend(refs(image.range).into_iter().map(|r| r.name));
                if let Some(p) = ins.flag("platform") {
                    in_from.extend(refs(p.range).into_iter().map(|r| r.name));
                }
                declared.push(HashMap::new());
            }
            InstructionKind::Arg(decls) if !declared.is_empty() => {
                if let Some(d) = declared.last_mut() {
                    for a in decls {
                        d.entry(a.name.value.clone()).or_insert((i, a.name.range));
                    }
                }
            }
            InstructionKind::Env(pairs) => {
                if let Some(d) = declared.last_mut() {
                    for p in pairs {
                        d.entry(p.key.value.clone()).or_insert((i, p.key.range));
                    }
                }
            }
            InstructionKind::Arg(decls) => {
                for d in decls {
                    globals
                        .entry(d.name.value.clone())
                        .or_insert(span(d.name.range));
                    if let Some(v) = &d.default {
                        global_values.insert(d.name.value.clone(), v.value.clone());
                    }
                }
            }
            _ => {}
        }
    }
    let mut stages: Vec<(Option<String>, Scope)> = Vec::new();
    // Each stage's index by its name, lowercased (a walk over the stages
    // for each FROM was quadratic).
    let mut by_name: HashMap<String, usize> = HashMap::new();
    let mut cur: Option<(usize, Option<String>, Scope)> = None;
    let mut from = Span::new(file, TextRange::empty(0));
    // One search for close names per file: bounded in all.
    let mut near = crate::model::explain::Near::default();
    // The names copied from parent stages to their children: past the
    // bound, the rest of the file is not read (a file of many stages
    // built from one another would be quadratic).
    let mut copied = 0usize;
    // What the FROM lines' expansions may read and write, in all.
    let mut budget = Budget::file();
    for (i, ins) in df.instructions.iter().enumerate() {
        if let InstructionKind::From { image, alias } = &ins.kind {
            // FROM: the global ARGs and the platform arguments only.
            let mut words = refs(image.range);
            if let Some(p) = ins.flag("platform") {
                words.extend(refs(p.range));
            }
            for r in words {
                if r.defaulted
                    || globals.contains_key(&r.name)
                    || PLATFORM_ARGS.contains(&r.name.as_str())
                {
                    continue;
                }
                let candidates = globals
                    .iter()
                    .map(|(n, s)| (n.as_str(), Some(*s)))
                    .chain(PLATFORM_ARGS.iter().map(|n| (*n, None)));
                let near = near
                    .find(&r.name, candidates, |(n, _)| n)
                    .map(|(n, s)| (n.to_string(), s));
                out.push(UndefinedUse {
                    name: r.name,
                    reference: span(r.range),
                    stage: None,
                    from: span(ins.range),
                    why: Undefined::InFrom,
                    base: None,
                    base_known: false,
                    near,
                    required: r.required,
                    base_vars: Vec::new(),
                });
            }
            if let Some((index, name, scope)) = cur.take() {
                debug_assert_eq!(index, stages.len());
                stages.push((name, scope));
            }
            let base = expand_word_within(
                &image.value,
                df.escape,
                &mut |n| global_values.get(n).cloned(),
                &mut budget,
            )
            .unwrap_or_default();
            let parent = by_name.get(&base.trim().to_ascii_lowercase()).copied();
            let scope = match parent {
                Some(p) => {
                    copied += stages[p].1.defined.len();
                    if copied > MAX_COPIED {
                        break;
                    }
                    stages[p].1.clone()
                }
                None => Scope {
                    defined: BTreeMap::new(),
                    base_env: ImageRef::parse(&base).and_then(|r| known_env(&r)),
                    base: Some(base),
                    base_vars: refs(image.range).into_iter().map(|r| r.name).collect(),
                },
            };
            if let Some(a) = alias {
                // BuildKit refuses two stages of one name; the first is kept.
                by_name
                    .entry(a.value.to_ascii_lowercase())
                    .or_insert(stages.len());
            }
            cur = Some((stages.len(), alias.as_ref().map(|a| a.value.clone()), scope));
            from = span(ins.range);
            continue;
        }
        let Some((index, name, scope)) = cur.as_mut() else {
            continue;
        };
        let in_stage = declared.get(*index);
        let later = |name: &str| {
            in_stage
                .and_then(|d| d.get(name))
                .filter(|(at, _)| *at >= i)
                .map(|(at, r)| (*at == i, span(*r)))
        };
        let mut check = |r: WordRef, scope: &Scope, out: &mut Vec<UndefinedUse>| {
            if r.defaulted || scope.defines(&r.name) || NEVER_REPORTED.contains(&r.name.as_str()) {
                return;
            }
            let why = if let Some((same, at)) = later(&r.name) {
                if same {
                    Undefined::SameInstruction { at }
                } else {
                    Undefined::DeclaredLater { at }
                }
            } else if let Some(g) = globals.get(&r.name) {
                Undefined::GlobalNotDeclared {
                    global: *g,
                    used_in_from: in_from.contains(&r.name),
                }
            } else if PLATFORM_ARGS.contains(&r.name.as_str()) {
                Undefined::PlatformNotDeclared
            } else {
                Undefined::Nowhere
            };
            // What BuildKit would suggest: the stage's names, `PATH` and
            // the base image's.
            let candidates = scope
                .defined
                .iter()
                .map(|(n, s)| (n.as_str(), Some(*s)))
                .chain(std::iter::once(("PATH", None)))
                .chain(scope.base_env.unwrap_or(&[]).iter().map(|n| (*n, None)));
            let near = near
                .find(&r.name, candidates, |(n, _)| n)
                .map(|(n, s)| (n.to_string(), s));
            out.push(UndefinedUse {
                name: r.name,
                reference: span(r.range),
                stage: Some((*index, name.clone())),
                from,
                why,
                base: scope.base.clone(),
                base_known: scope.base_env.is_some(),
                near,
                required: r.required,
                base_vars: scope.base_vars.clone(),
            });
        };
        if ins.keyword == "ONBUILD" {
            // Its triggers run in the stages built from this one, and may
            // declare names there.
            scope.base_env = None;
            continue;
        }
        match &ins.kind {
            InstructionKind::Env(pairs) => {
                // Every pair is expanded before any is set.
                for p in pairs {
                    for r in refs(p.key.range).into_iter().chain(refs(p.value.range)) {
                        check(r, scope, &mut out);
                    }
                }
                for p in pairs {
                    scope.defined.insert(p.key.value.clone(), span(p.key.range));
                }
            }
            InstructionKind::Arg(decls) => {
                // One at a time: `ARG A=1 B=$A` sees A.
                for d in decls {
                    if let Some(v) = &d.default {
                        for r in refs(v.range) {
                            check(r, scope, &mut out);
                        }
                    }
                    scope
                        .defined
                        .insert(d.name.value.clone(), span(d.name.range));
                }
            }
            InstructionKind::Run { .. } => {
                let fields = checked_words(ins)
                    .into_iter()
                    .flat_map(|r| mount_fields(text, r));
                for r in fields.flat_map(refs) {
                    check(r, scope, &mut out);
                }
            }
            _ => {
                for r in checked_words(ins).into_iter().flat_map(refs) {
                    check(r, scope, &mut out);
                }
            }
        }
    }
    // `# check=skip=UndefinedVar` (or `all`): the owner opted out of
    // BuildKit's check; `UndefinedArgInFrom` for FROM lines.
    let skipped = skipped_checks(text);
    let skips = |c: &str| skipped.iter().any(|s| s == c || s == "all");
    if skips("UndefinedVar") || skips("UndefinedArgInFrom") {
        out.retain(|u| match u.why {
            Undefined::InFrom => !skips("UndefinedArgInFrom"),
            _ => !skips("UndefinedVar"),
        });
    }
    out
}

/// The checks a `# check=skip=A,B` parser directive turns off (directives
/// are the comment lines `# key=value` at the very top of the file).
fn skipped_checks(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in text.lines() {
        let Some(d) = line.trim().strip_prefix('#') else {
            break;
        };
        let Some((key, value)) = d.split_once('=') else {
            break;
        };
        if !key.trim().eq_ignore_ascii_case("check") {
            continue;
        }
        for part in value.split(';') {
            if let Some((k, v)) = part.split_once('=') {
                if k.trim().eq_ignore_ascii_case("skip") {
                    out.extend(v.split(',').map(|x| x.trim().to_string()));
                }
            }
        }
    }
    out
}

/// The names some `ARG` of the file declares (global or in a stage): a
/// build argument of one of them is consumed.
pub(crate) fn declared_args(df: &Dockerfile) -> HashSet<&str> {
    df.instructions
        .iter()
        .filter_map(|i| match &i.kind {
            InstructionKind::Arg(decls) => Some(decls.iter().map(|d| d.name.value.as_str())),
            _ => None,
        })
        .flatten()
        .collect()
}

/// The fields of a `--mount` value as written (`type=cache,target=$DIR`)
/// that BuildKit expands: all but `from=`, which it refuses to expand
/// when it parses the file (another error than an empty variable).
fn mount_fields(text: &str, r: TextRange) -> Vec<TextRange> {
    let value = text.get(r.start..r.end).unwrap_or("");
    let mut out = Vec::new();
    let mut at = r.start;
    for field in value.split(',') {
        let lower = field
            .trim_start_matches(['"', '\'', ' '])
            .to_ascii_lowercase();
        if !lower.starts_with("from=") {
            out.push(TextRange::new(at, at + field.len()));
        }
        at += field.len() + 1;
    }
    out
}

/// The words BuildKit expands in an instruction other than FROM, ENV and
/// ARG, as written.
fn checked_words(ins: &Instruction) -> Vec<TextRange> {
    let flags = |names: &[&str]| -> Vec<TextRange> {
        ins.flags
            .iter()
            .filter(|f| names.contains(&f.name.value.as_str()))
            .filter_map(|f| f.value.as_ref().map(|v| v.range))
            .collect()
    };
    match &ins.kind {
        InstructionKind::Copy { sources, dest, .. } => {
            let mut out = flags(&["chown", "checksum"]);
            out.extend(
                sources
                    .iter()
                    .filter(|s| !s.value.starts_with("<<"))
                    .map(|s| s.range),
            );
            out.extend(dest.iter().map(|d| d.range));
            out
        }
        InstructionKind::User(w) | InstructionKind::Workdir(w) => vec![w.range],
        InstructionKind::Expose(ports) => ports.iter().map(|p| p.range).collect(),
        InstructionKind::Run { .. } => flags(&["mount"]),
        InstructionKind::Other(arg)
            if matches!(ins.keyword.as_str(), "LABEL" | "VOLUME" | "STOPSIGNAL") =>
        {
            vec![arg.range]
        }
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::dockerfile::parse;

    /// (name, reference as written, why) of each undefined use.
    fn uses(text: &str) -> Vec<(String, String, Undefined, bool)> {
        let df = parse(text);
        undefined_uses(FileId(0), text, &df)
            .into_iter()
            .map(|u| {
                (
                    u.name,
                    text[u.reference.range.start..u.reference.range.end].to_string(),
                    u.why,
                    u.base_known,
                )
            })
            .collect()
    }

    fn names(text: &str) -> Vec<String> {
        uses(text).into_iter().map(|u| u.0).collect()
    }

    // The cases below follow BuildKit's frontend (dockerfile2llb's
    // `dispatch`, `reportUnmatchedVariables`, the lexer's unmatched
    // names) and its tests (`testUnmatchedVars`, `testUndeclaredArg`,
    // `testAllTargetUnmarshal`).

    #[test]
    fn undeclared_and_declared() {
        assert_eq!(names("FROM alpine AS base\nCOPY $foo .\n"), ["foo"]);
        assert!(names("FROM alpine\nARG foo\nCOPY Dockerfile${foo} .\n").is_empty());
        // Used before its ARG: once, at the COPY; RUN is not expanded.
        let u = uses("FROM alpine\nCOPY $foo .\nARG foo=bar\nRUN echo $foo\n");
        assert_eq!(u.len(), 1);
        assert!(matches!(u[0].2, Undefined::DeclaredLater { .. }));
    }

    #[test]
    fn run_cmd_entrypoint_healthcheck_are_not_expanded() {
        let df = "FROM alpine\nRUN echo $A\nCMD [\"sh\", \"-c\", \"echo $B\"]\nENTRYPOINT [\"/bin/echo\", \"$C\"]\nHEALTHCHECK CMD [\"/bin/check\", \"$D\"]\n";
        assert!(names(df).is_empty());
        // RUN's --mount options are.
        assert_eq!(
            names("FROM alpine\nRUN --mount=type=cache,target=$CACHE_DIR true\n"),
            ["CACHE_DIR"]
        );
    }

    #[test]
    fn path_and_the_base_image() {
        assert!(names("FROM scratch\nENV PATH=$PATH:/app/bin\n").is_empty());
        let u = uses("FROM alpine\nENV PATH=$PAHT:/tmp/bin\n");
        assert_eq!((u[0].0.as_str(), u[0].3), ("PAHT", true));
        // Python's image sets PYTHON_VERSION; an unknown image may set
        // anything (reported, but not known).
        assert!(names("FROM python:3.12-slim\nLABEL v=$PYTHON_VERSION\n").is_empty());
        let u = uses("FROM ghcr.io/acme/base:1\nWORKDIR $APP_HOME\n");
        assert_eq!((u[0].0.as_str(), u[0].3), ("APP_HOME", false));
    }

    #[test]
    fn global_args_and_platform_arguments() {
        let u = uses("ARG VERSION=1.0\nFROM alpine\nLABEL version=$VERSION\n");
        assert!(matches!(
            u[0].2,
            Undefined::GlobalNotDeclared {
                used_in_from: false,
                ..
            }
        ));
        assert!(
            names("ARG VERSION=1.0\nFROM alpine\nARG VERSION\nLABEL version=$VERSION\n").is_empty()
        );
        // In FROM: global ARGs (even without a value) and the platform
        // arguments; a global default is never checked.
        assert!(
            names("ARG A=$nope\nARG TAG\nFROM --platform=$BUILDPLATFORM alpine:${TAG}\n")
                .is_empty()
        );
        let u = uses("ARG tag=latest\nFROM busybox:${tag}${version} AS b\n");
        assert_eq!((u[0].0.as_str(), &u[0].2), ("version", &Undefined::InFrom));
        // Inside a stage, a platform argument needs its ARG.
        let u = uses("FROM alpine\nCOPY app-$TARGETARCH /app\n");
        assert_eq!(u[0].2, Undefined::PlatformNotDeclared);
        assert!(names("FROM alpine\nARG TARGETARCH\nCOPY app-$TARGETARCH /app\n").is_empty());
    }

    #[test]
    fn quotes_escapes_and_defaults() {
        assert_eq!(
            names("FROM alpine\nENV A='$foo' B=\\$bar\nENV C=\"$baz\"\n"),
            ["baz"]
        );
        // A default or alternate says what happens when unset (BuildKit
        // reports these too; we do not).
        assert!(
            names("FROM alpine\nWORKDIR ${APP_DIR:-/app}\nENV L=/usr/lib${LD:+:${LD}}\n")
                .is_empty()
        );
        // `# escape=``: the backtick protects, `\` does not.
        assert_eq!(
            names("# escape=`\nFROM alpine\nENV A=\\$foo B=`$bar\n"),
            ["foo"]
        );
    }

    #[test]
    fn env_and_arg_in_one_instruction() {
        // ENV expands every pair before setting any; ARG one at a time.
        assert_eq!(names("FROM alpine\nENV A=1 B=$A\n"), ["A"]);
        assert!(names("FROM alpine\nARG C=1 D=$C\n").is_empty());
    }

    #[test]
    fn inherited_from_the_parent_stage() {
        let df = "FROM alpine AS base\nARG foo=Dockerfile\nARG noval\nENV bar=x\n\nFROM base\nCOPY $foo /$bar/$noval\n";
        assert!(names(df).is_empty());
        // Every stage is checked, as `docker build --check` does.
        assert_eq!(
            names("FROM scratch AS first\nCOPY $foo .\n\nFROM scratch AS second\nCOPY $bar .\n"),
            ["foo", "bar"]
        );
    }

    #[test]
    fn words_of_each_instruction() {
        let df = "FROM alpine\nCOPY --chown=$UID:$GID --chmod=$M --from=$S a /a\nUSER $U\nWORKDIR $W\nVOLUME $V\nSTOPSIGNAL $SIG\nEXPOSE $PORT\nLABEL k=$L\nMAINTAINER $MAINT\n";
        assert_eq!(names(df), ["UID", "GID", "U", "W", "V", "SIG", "PORT", "L"]);
    }

    #[test]
    fn a_close_name_is_suggested() {
        let df = parse("FROM alpine\nARG DIR_ASSETS=assets/\nCOPY $DIR_ASSET .\n");
        let text = "FROM alpine\nARG DIR_ASSETS=assets/\nCOPY $DIR_ASSET .\n";
        let u = undefined_uses(FileId(0), text, &df);
        assert_eq!(u[0].near.as_ref().map(|n| n.0.as_str()), Some("DIR_ASSETS"));
    }

    /// Found by review: comment lines in a continuation, ONBUILD triggers,
    /// `ENV A=1 B=$A`, `${X:?}`, `--mount=from=$X`, the skip directive,
    /// Windows and onbuild tags, suggestions of `PATH` and platform
    /// arguments.
    #[test]
    fn what_review_found() {
        assert!(names("FROM alpine\nLABEL a=1 \\\n# note $NOPE\n  b=2\n").is_empty());
        // ONBUILD ARG/ENV of the parent may declare it: its base is no
        // longer known.
        let u = uses("FROM alpine AS base\nONBUILD ARG FOO\nFROM base\nCOPY $FOO /\n");
        assert!(!u[0].3, "{u:?}");
        let u = uses("FROM alpine\nENV A=1 B=$A\n");
        assert!(matches!(u[0].2, Undefined::SameInstruction { .. }));
        let df = "FROM alpine\nWORKDIR ${C:?x}\n";
        assert!(undefined_uses(FileId(0), df, &parse(df))[0].required);
        assert!(names("FROM alpine\nRUN --mount=type=cache,from=$STG,target=/c true\n").is_empty());
        assert_eq!(
            names("FROM alpine\nRUN --mount=type=cache,from=x,target=$DIR true\n"),
            ["DIR"]
        );
        for d in [
            "# check=skip=UndefinedVar\n",
            "# syntax=docker/dockerfile:1\n# check=skip=all;error=true\n",
        ] {
            assert!(
                names(&format!("{d}FROM alpine\nCOPY $foo .\n")).is_empty(),
                "{d}"
            );
        }
        // `check=skip=UndefinedVar` leaves FROM lines to `UndefinedArgInFrom`.
        assert_eq!(names("# check=skip=UndefinedVar\nFROM alpine:$T\n"), ["T"]);
        assert!(!uses("FROM golang:1.25-windowsservercore-ltsc2022\nLABEL v=$GIT_VERSION\n")[0].3);
        assert!(!uses("FROM node:8-onbuild\nLABEL v=$NODE_ENV\n")[0].3);
        let df = "FROM alpine\nENV PATH=$PAHT:/bin\n";
        let u = undefined_uses(FileId(0), df, &parse(df));
        assert_eq!(u[0].near, Some(("PATH".to_string(), None)));
        let df = "FROM --platform=$BULIDPLATFORM alpine\n";
        let u = undefined_uses(FileId(0), df, &parse(df));
        assert_eq!(
            u[0].near.as_ref().map(|n| n.0.as_str()),
            Some("BUILDPLATFORM")
        );
    }
}
