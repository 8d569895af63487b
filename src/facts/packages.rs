//! What the `RUN` instructions of a stage chain install with the system
//! package managers, for the rules that ask "is gcc in the final image?"
//! or "is curl there for the healthcheck?". Not a rule.
//!
//! Recognised, after `sudo`, `env A=b` and the like:
//!
//! | manager | installs | removes |
//! |---|---|---|
//! | `apt-get`, `apt`, `aptitude` | `install`, `reinstall` | `remove`, `purge`, `autoremove`; `apt-mark auto` then an auto-remove |
//! | `apk` | `add` (with `--virtual NAME` / `-t NAME`) | `del` (a package or a virtual group) |
//! | `yum`, `dnf`, `dnf5`, `microdnf`, `tdnf` | `install`, `reinstall`, `groupinstall`, `group install` | `remove`, `erase`, `autoremove`, `groupremove`, `group remove` |
//!
//! Package names lose their version, release and architecture (`gcc=4:12`,
//! `gcc/bookworm`, `gcc:amd64`, `gcc~12`, `gcc>=12`); local files
//! (`./x.deb`, `x.apk`, `x.rpm`, URLs) are not packages. A `$VAR` word is
//! expanded from the shell assignments earlier in the same `RUN`
//! (`buildDeps='gcc make'`) and the `ENV`/`ARG` of the chain before it;
//! a word that cannot be expanded is skipped. Simulations (`apt-get -s`)
//! install nothing. What the base image already holds is not known.

use std::collections::BTreeMap;

use crate::facts::run::{is_option, run_commands};
use crate::model::types::{ImageFacts, Stage};
use crate::model::workspace::Workspace;
use crate::source::{FileId, SourceFile, Span, TextRange};
use crate::syntax::dockerfile::{Budget, Dockerfile, InstructionKind};
use crate::syntax::shell::{SimpleCommand, Word};

/// A package manager family.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Manager {
    /// Debian, Ubuntu: `apt-get`, `apt`, `aptitude`.
    Apt,
    /// Alpine: `apk`.
    Apk,
    /// Red Hat, Fedora, Amazon Linux: `yum`, `dnf`, `microdnf`, `tdnf`.
    Rpm,
}

/// One package a `RUN` installs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct InstalledPackage {
    /// The package name without version, release or architecture.
    pub name: String,
    /// The word as written (for `$buildDeps`, the variable).
    pub span: Span,
    /// The command that installs it (`apt-get install -y gcc make`).
    pub command: Span,
    /// The stage whose `RUN` installs it.
    pub stage: usize,
    pub manager: Manager,
    /// Removed further on in the same `RUN` (so never in a layer).
    pub removed_in_same_run: bool,
    /// Removed by a later `RUN` of the chain: not in the final file
    /// system, still in the layer that installed it.
    pub removed_later: Option<Span>,
    /// `apk add --virtual NAME`: the group's name and where it is written.
    pub group: Option<(String, Span)>,
}

impl InstalledPackage {
    /// Whether the package is in the final file system of the chain.
    pub fn present(&self) -> bool {
        !self.removed_in_same_run && self.removed_later.is_none()
    }
}

/// What the `RUN`s of the image a service builds install (its stage and the
/// stages it is built `FROM`).
pub(crate) fn installed_in_image(ws: &Workspace, facts: &ImageFacts) -> Vec<InstalledPackage> {
    installed_in_chain(
        ws,
        facts.dockerfile_file,
        &facts.dockerfile,
        &facts.stages,
        &facts.chain,
    )
}

/// What the `RUN`s of `chain` (a stage, its parent stage, …, as in
/// [`ImageFacts::chain`]) install, in build order: the root stage first.
pub(crate) fn installed_in_chain(
    ws: &Workspace,
    file: FileId,
    df: &Dockerfile,
    stages: &[Stage],
    chain: &[usize],
) -> Vec<InstalledPackage> {
    let source = ws.sources.get(file);
    let mut out: Vec<InstalledPackage> = Vec::new();
    // ENV and ARG values seen so far along the chain, for `$VAR` words. A
    // global ARG (before the first FROM) is not among them: a stage sees it
    // only through an `ARG NAME` of its own, which takes its default.
    let globals: BTreeMap<&str, &str> = df
        .global_args()
        .filter_map(|a| Some((a.name.value.as_str(), a.default.as_ref()?.value.as_str())))
        .collect();
    let mut image_vars: BTreeMap<String, String> = BTreeMap::new();
    // One bound for the whole walk, as the model keeps.
    let mut budget = Budget::file();
    for &s in chain.iter().rev() {
        let Some(stage) = stages.get(s) else { continue };
        for n in stage.instructions.clone() {
            let Some(ins) = df.instructions.get(n) else {
                continue;
            };
            match &ins.kind {
                // Values are expanded where they are set (`ARG V=gcc` then
                // `ENV PKGS=$V`), as BuildKit does.
                InstructionKind::Env(pairs) => {
                    for p in pairs {
                        let value =
                            expand_here(&p.value.value, &p.literal, &image_vars, &mut budget);
                        image_vars.insert(p.key.value.clone(), value);
                    }
                }
                InstructionKind::Arg(decls) => {
                    for d in decls {
                        let value = match &d.default {
                            Some(v) => {
                                Some(expand_here(&v.value, &d.literal, &image_vars, &mut budget))
                            }
                            None => globals.get(d.name.value.as_str()).map(|v| v.to_string()),
                        };
                        if let Some(v) = value {
                            image_vars.insert(d.name.value.clone(), v);
                        }
                    }
                }
                InstructionKind::Run { .. } => {
                    let commands = run_commands(source, ins);
                    let events = events(source, &commands, &image_vars);
                    apply(&mut out, events, file, s);
                }
                _ => {}
            }
        }
    }
    out
}

/// An ENV value or ARG default with the variables set before it expanded;
/// past the walk's `budget`, nothing (the model reports where).
fn expand_here(
    value: &str,
    literal: &[TextRange],
    vars: &BTreeMap<String, String>,
    budget: &mut Budget,
) -> String {
    if !value.contains('$') {
        return value.to_string();
    }
    let mut lookup = |n: &str| vars.get(n).cloned();
    crate::syntax::dockerfile::expand_within(value, literal, &mut lookup, budget)
        .unwrap_or_default()
}

/// Whether the image a service builds has `program` (`curl`, `wget`,
/// `nc`…), as far as its Dockerfile tells.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Presence {
    /// A `RUN` of the chain installs the package that provides it, and
    /// nothing removes it.
    Installed(InstalledPackage),
    /// Something we do not model may have brought it: a `RUN` that runs an
    /// installer or script (`curl … | sh`, `./install.sh`, `dpkg -i`,
    /// `conda install`), runs the program itself, or a `COPY --from`/`ADD`
    /// into a folder of programs (`/usr`, `/usr/local/bin`). Where.
    Unknown(Span),
    /// No `RUN` installs it and nothing else could have: only the base image
    /// may have it.
    NotInstalled,
}

/// Whether the image a service builds (its stage and the stages it is built
/// `FROM`) has `program`; see [`Presence`]. Says nothing of the base image.
/// `installed`: what the image installs ([`installed_in_image`], which
/// [`crate::facts::Facts::installed`] computes once).
pub(crate) fn program_in_image(
    ws: &Workspace,
    facts: &ImageFacts,
    installed: &[InstalledPackage],
    program: &str,
) -> Presence {
    if let Some(p) = installed_program(installed, program) {
        return Presence::Installed(p.clone());
    }
    // Installed and removed again: a RUN that ran it then says nothing.
    let removed = installed.iter().any(|p| provides(&p.name, program));
    let file = facts.dockerfile_file;
    let source = ws.sources.get(file);
    let df = &facts.dockerfile;
    for &s in facts.chain.iter().rev() {
        let Some(stage) = facts.stages.get(s) else {
            continue;
        };
        for n in stage.instructions.clone() {
            let Some(ins) = df.instructions.get(n) else {
                continue;
            };
            match &ins.kind {
                InstructionKind::Run { .. } => {
                    for c in run_commands(source, ins) {
                        let runs_it = !removed && c.program_name() == Some(program);
                        if runs_it || opaque_installer(&c) {
                            return Presence::Unknown(Span::new(file, c.range));
                        }
                    }
                }
                InstructionKind::Copy {
                    add, sources, dest, ..
                } => {
                    let from_elsewhere = *add || ins.flag("from").is_some();
                    let into_programs = dest
                        .as_ref()
                        .is_some_and(|d| holds_programs(d.value.trim_matches('"')));
                    let named = sources.iter().any(|src| {
                        let p = src.value.trim_end_matches('/');
                        p.rsplit('/').next() == Some(program)
                    });
                    if (from_elsewhere && into_programs) || named {
                        return Presence::Unknown(Span::new(file, ins.range));
                    }
                }
                _ => {}
            }
        }
    }
    Presence::NotInstalled
}

/// A folder that holds programs, or one above such folders: `/`, `/usr`,
/// `/usr/local`, `/bin`, `/usr/local/bin`, `/opt/x/bin`.
fn holds_programs(dest: &str) -> bool {
    let d = dest.trim_end_matches('/');
    matches!(d, "" | "/usr" | "/usr/local") || d.ends_with("/bin") || d.ends_with("/sbin")
}

/// Package managers whose installs are not modelled here.
const OTHER_INSTALLERS: &[&str] = &[
    "dpkg",
    "rpm",
    "conda",
    "mamba",
    "micromamba",
    "pacman",
    "zypper",
    "emerge",
    "xbps-install",
    "opkg",
    "brew",
    "nix-env",
    "nix",
    "snap",
    "port",
    "pkg",
    "gdebi",
    "alien",
];

/// Programs that are no script of the project's when given by their path.
const KNOWN_TOOLS: &[&str] = &[
    "node", "npm", "npx", "yarn", "pnpm", "uv", "poetry", "java", "ruby", "gem", "bundle", "php",
    "composer", "go", "cargo", "rustc", "curl", "wget", "git", "tar", "unzip",
];

/// Whether a command of a `RUN` may install anything we cannot see: a
/// script (`./install.sh`, `/scripts/setup`, `bash install.sh`), a shell
/// reading its script from a pipe (`curl … | sh`) or a string (`sh -c
/// "…"`), `eval`, `source`, or a package manager not modelled here (`dpkg
/// -i`, `conda install`…).
pub(crate) fn opaque_installer(c: &SimpleCommand) -> bool {
    let Some((program, args)) = c.program() else {
        return false;
    };
    let name = program.base_name();
    let path = program.text.as_str();
    let system = ["/bin/", "/usr/bin/", "/sbin/", "/usr/sbin/"]
        .iter()
        .any(|d| path.strip_prefix(d).is_some_and(|rest| !rest.contains('/')));
    // A program given by its path is a script of the project's, unless it
    // is a tool we know (`/opt/venv/bin/pip`, `/usr/local/bin/node`).
    let known_tool =
        name.starts_with("pip") || name.starts_with("python") || KNOWN_TOOLS.contains(&name);
    if name.ends_with(".sh") || (path.contains('/') && !system && !known_tool) {
        return true;
    }
    if super::run::SHELLS.contains(&name) {
        // `sh` alone, `sh -s`, `sh -c "…"`, `bash install.sh`: all run a
        // script we do not read; `bash <<EOF` runs the heredoc, which
        // `run_commands` reads.
        return !args.iter().any(|a| a.text.starts_with("<<"));
    }
    matches!(name, "eval" | "source" | ".") || OTHER_INSTALLERS.contains(&name)
}

/// The first package of `packages` still present that provides `program`.
pub(crate) fn installed_program<'a>(
    packages: &'a [InstalledPackage],
    program: &str,
) -> Option<&'a InstalledPackage> {
    packages
        .iter()
        .find(|p| p.present() && provides(&p.name, program))
}

/// Packages that provide a program under another name. A package always
/// provides the program of its own name (`curl` → `curl`).
const PROVIDES: &[(&str, &[&str])] = &[
    ("curl-minimal", &["curl"]),
    ("wget2", &["wget"]),
    ("busybox", &["wget", "ping", "ps"]),
    ("netcat-openbsd", &["nc", "netcat"]),
    ("netcat-traditional", &["nc", "netcat"]),
    ("netcat", &["nc"]),
    ("nmap-ncat", &["nc", "ncat"]),
    ("procps", &["ps", "pgrep", "pkill", "top"]),
    ("procps-ng", &["ps", "pgrep", "pkill", "top"]),
    ("iputils-ping", &["ping"]),
    ("iputils", &["ping"]),
    ("dnsutils", &["dig", "nslookup"]),
    ("bind-tools", &["dig", "nslookup"]),
    ("bind-utils", &["dig", "nslookup"]),
    ("postgresql-client", &["psql", "pg_isready"]),
    ("redis-tools", &["redis-cli"]),
    ("redis", &["redis-cli", "redis-server"]),
    ("default-mysql-client", &["mysql", "mysqladmin"]),
    ("mariadb-client", &["mysql", "mysqladmin", "mariadb"]),
    ("mysql-client", &["mysql", "mysqladmin"]),
    ("nodejs", &["node"]),
];

/// Whether installing `package` gives the command `program`.
pub(crate) fn provides(package: &str, program: &str) -> bool {
    if package == program {
        return true;
    }
    // postgresql-client-16 (Debian), postgresql16-client (Alpine).
    let family = if package.starts_with("postgresql") && package.contains("-client") {
        "postgresql-client"
    } else {
        package
    };
    PROVIDES
        .iter()
        .any(|(p, programs)| *p == family && programs.contains(&program))
}

/// Whether `c` installs packages (`apt-get install`, `apk add`, `dnf
/// install`…, not a simulation): its manager and the range from its program
/// to its subcommand (`apt-get -y install`).
pub(crate) fn install_command(c: &SimpleCommand) -> Option<(Manager, TextRange)> {
    let (program, args) = c.program()?;
    let name = program.base_name();
    let manager = match name {
        "apt-get" | "apt" | "aptitude" => Manager::Apt,
        "apk" => Manager::Apk,
        "yum" | "dnf" | "dnf5" | "microdnf" | "tdnf" => Manager::Rpm,
        _ => return None,
    };
    let (plain, _) = subcommand(manager, args)?;
    let sub = plain.first()?;
    let installs = match manager {
        Manager::Apt => matches!(sub.text.as_str(), "install" | "reinstall"),
        Manager::Apk => sub.text == "add",
        Manager::Rpm => matches!(
            sub.text.as_str(),
            "install" | "reinstall" | "groupinstall" | "group" | "groups"
        ),
    };
    installs.then(|| (manager, TextRange::new(program.range.start, sub.range.end)))
}

/// Whether `c` downloads the package index (`apt-get update`, `apt
/// update`, `aptitude update`, `apk update`, `dnf makecache`…): its manager
/// and the range from its program to its subcommand. For apt, the index is
/// the package lists in `/var/lib/apt/lists`, in the layer of this `RUN`.
pub(crate) fn index_update(c: &SimpleCommand) -> Option<(Manager, TextRange)> {
    let (program, args) = c.program()?;
    let manager = match program.base_name() {
        "apt-get" | "apt" | "aptitude" => Manager::Apt,
        "apk" => Manager::Apk,
        "yum" | "dnf" | "dnf5" | "microdnf" | "tdnf" => Manager::Rpm,
        _ => return None,
    };
    let (plain, _) = subcommand(manager, args)?;
    let sub = plain.first()?;
    let updates = match manager {
        Manager::Apt | Manager::Apk => sub.text == "update",
        Manager::Rpm => sub.text == "makecache",
    };
    updates.then(|| (manager, TextRange::new(program.range.start, sub.range.end)))
}

/// What one command of a `RUN` does to the packages.
#[derive(Debug)]
enum Event {
    Install {
        manager: Manager,
        /// The install command, program to last word.
        command: TextRange,
        /// (name, word range)
        names: Vec<(String, TextRange)>,
        group: Option<(String, TextRange)>,
    },
    Remove {
        manager: Manager,
        names: Vec<String>,
        /// Also removes what is marked as automatically installed.
        auto: bool,
        range: TextRange,
    },
    /// `apt-mark auto`: `None` for every package (`'.*'`).
    MarkAuto(Option<Vec<String>>),
}

fn events(
    source: &SourceFile,
    commands: &[SimpleCommand],
    image_vars: &BTreeMap<String, String>,
) -> Vec<Event> {
    let mut shell_vars: BTreeMap<String, String> = BTreeMap::new();
    let mut out = Vec::new();
    for c in commands {
        // `name=value` alone (or after export/local/readonly) sets a shell variable.
        let words: Vec<&Word> = c
            .words
            .iter()
            .skip_while(|w| matches!(w.text.as_str(), "export" | "local" | "readonly"))
            .collect();
        if !words.is_empty() && words.iter().all(|w| assignment(source, w).is_some()) {
            for w in words {
                if let Some((k, v)) = assignment(source, w) {
                    shell_vars.insert(k.to_string(), v.to_string());
                }
            }
            continue;
        }
        let Some((mut program, mut args)) = c.program() else {
            continue;
        };
        let mut name = program.base_name();
        // `… | xargs apt-mark auto`: the command xargs runs, with names from stdin.
        let from_stdin = name == "xargs";
        if from_stdin {
            let Some((p, a)) = after_xargs(args) else {
                continue;
            };
            (program, args) = (p, a);
            name = program.base_name();
        }
        let lookup = |w: &Word| -> Option<Vec<String>> {
            expand(&w.text, &|n| {
                shell_vars.get(n).or_else(|| image_vars.get(n)).cloned()
            })
        };
        let event = match name {
            "apt-get" | "apt" | "aptitude" => apt(args, &lookup),
            "apt-mark" => apt_mark(args, from_stdin),
            "apk" => apk(args, &lookup),
            "yum" | "dnf" | "dnf5" | "microdnf" | "tdnf" => rpm(args, &lookup),
            _ => None,
        };
        if let Some(mut e) = event {
            match &mut e {
                Event::Remove { range, .. } => *range = c.range,
                Event::Install { command, .. } => *command = c.range,
                Event::MarkAuto(_) => {}
            }
            out.push(e);
        }
    }
    out
}

/// `NAME=value` with `NAME=` written unquoted (`"A=b"` is a plain word).
fn assignment<'w>(source: &SourceFile, w: &'w Word) -> Option<(&'w str, &'w str)> {
    let (k, v) = w.text.split_once('=')?;
    let ok = !k.is_empty()
        && !k.starts_with(|c: char| c.is_ascii_digit())
        && k.chars().all(|c| c == '_' || c.is_ascii_alphanumeric())
        && source.slice(w.range).starts_with(&format!("{k}="));
    ok.then_some((k, v))
}

/// A word with `$NAME` / `${NAME}` expanded, split into fields; `None` when
/// it uses anything else (`$(…)`, `${A:-b}`) or an unknown variable.
fn expand(text: &str, lookup: &dyn Fn(&str) -> Option<String>) -> Option<Vec<String>> {
    if !text.contains('$') && !text.contains('`') {
        return Some(vec![text.to_string()]);
    }
    if text.contains('`') {
        return None;
    }
    let mut out = String::new();
    let mut rest = text;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        let (name, used) = if let Some(inner) = after.strip_prefix('{') {
            let end = inner.find('}')?;
            (&inner[..end], end + 2)
        } else {
            let end = after
                .find(|c: char| !(c == '_' || c.is_ascii_alphanumeric()))
                .unwrap_or(after.len());
            (&after[..end], end)
        };
        if name.is_empty() || !name.chars().all(|c| c == '_' || c.is_ascii_alphanumeric()) {
            return None;
        }
        out.push_str(&lookup(name)?);
        rest = &after[used..];
    }
    out.push_str(rest);
    if out.contains('$') {
        return None;
    }
    Some(out.split_whitespace().map(str::to_string).collect())
}

type Lookup<'a> = dyn Fn(&Word) -> Option<Vec<String>> + 'a;

/// Options (of any manager) whose value is the next word.
fn takes_value(manager: Manager, opt: &str) -> bool {
    match manager {
        Manager::Apt => matches!(
            opt,
            "-o" | "-c"
                | "-t"
                | "--option"
                | "--config-file"
                | "--target-release"
                | "--default-release"
        ),
        Manager::Apk => matches!(
            opt,
            "-t" | "--virtual"
                | "-X"
                | "--repository"
                | "-p"
                | "--root"
                | "--arch"
                | "--cache-dir"
                | "--keys-dir"
                | "--repositories-file"
                | "--cache-max-age"
        ),
        Manager::Rpm => matches!(
            opt,
            "-c" | "--config"
                | "--setopt"
                | "--enablerepo"
                | "--disablerepo"
                | "--releasever"
                | "--installroot"
                | "-x"
                | "--exclude"
                | "--repo"
                | "--repoid"
                | "--forcearch"
        ),
    }
}

/// A simulation: nothing is installed or removed.
fn simulates(manager: Manager, opt: &str) -> bool {
    let long = matches!(
        opt,
        "--simulate" | "--just-print" | "--dry-run" | "--recon" | "--no-act" | "--assumeno"
    );
    let short = !opt.starts_with("--")
        && opt.len() > 1
        && opt[1..].chars().all(|c| c.is_ascii_alphabetic())
        && opt.contains('s');
    long || (short && manager != Manager::Rpm)
}

/// An option and the value it took from the next word.
type OptionWord<'w> = (&'w Word, Option<&'w Word>);

/// The subcommand and the other words, options and their values left out.
/// `None` for a simulation.
fn subcommand(manager: Manager, args: &[Word]) -> Option<(Vec<&Word>, Vec<OptionWord<'_>>)> {
    let mut plain = Vec::new();
    let mut options = Vec::new();
    let mut i = 0;
    while i < args.len() {
        let w = &args[i];
        if is_option(w) {
            if simulates(manager, &w.text) {
                return None;
            }
            if takes_value(manager, &w.text) {
                options.push((w, args.get(i + 1)));
                i += 2;
            } else {
                options.push((w, None));
                i += 1;
            }
            continue;
        }
        plain.push(w);
        i += 1;
    }
    Some((plain, options))
}

fn has_option(options: &[OptionWord], names: &[&str]) -> bool {
    options.iter().any(|(o, _)| {
        let n = o.text.split('=').next().unwrap_or_default();
        names.contains(&n)
    })
}

/// Package names of the words (expanded), with their ranges.
fn names(
    words: &[&Word],
    lookup: &Lookup,
    clean: fn(&str) -> Option<String>,
) -> Vec<(String, TextRange)> {
    let mut out = Vec::new();
    for w in words {
        let Some(fields) = lookup(w) else { continue };
        for f in fields {
            if let Some(n) = clean(&f) {
                out.push((n, w.range));
            }
        }
    }
    out
}

fn is_local_file(name: &str) -> bool {
    name.contains('/')
        || name.contains("://")
        || [".deb", ".apk", ".rpm"].iter().any(|e| name.ends_with(e))
}

fn apt_name(word: &str) -> Option<String> {
    if is_local_file(word) || word.is_empty() || word.starts_with('-') {
        return None;
    }
    let name = word.split(['=', '/']).next().unwrap_or(word);
    let name = name.split(':').next().unwrap_or(name);
    (!name.is_empty()).then(|| name.to_string())
}

fn apk_name(word: &str) -> Option<String> {
    if is_local_file(word) || word.is_empty() || word.starts_with('-') {
        return None;
    }
    let name = word.split(['=', '~', '<', '>', '@']).next().unwrap_or(word);
    (!name.is_empty()).then(|| name.to_string())
}

fn rpm_name(word: &str) -> Option<String> {
    if is_local_file(word) || word.is_empty() || word.starts_with('-') {
        return None;
    }
    Some(word.to_string())
}

fn apt(args: &[Word], lookup: &Lookup) -> Option<Event> {
    let (plain, options) = subcommand(Manager::Apt, args)?;
    let (sub, rest) = plain.split_first()?;
    let auto_flag = has_option(&options, &["--auto-remove", "--autoremove"]);
    let empty = TextRange::default();
    match sub.text.as_str() {
        "install" | "reinstall" => Some(Event::Install {
            manager: Manager::Apt,
            command: empty,
            names: names(rest, lookup, apt_name),
            group: None,
        }),
        sub @ ("remove" | "purge" | "autoremove" | "auto-remove" | "autopurge") => {
            Some(Event::Remove {
                manager: Manager::Apt,
                names: names(rest, lookup, apt_name)
                    .into_iter()
                    .map(|n| n.0)
                    .collect(),
                auto: auto_flag || !matches!(sub, "remove" | "purge"),
                range: empty,
            })
        }
        _ => None,
    }
}

/// The command `xargs [options]` runs, and its arguments.
fn after_xargs(args: &[Word]) -> Option<(&Word, &[Word])> {
    let mut i = 0;
    while i < args.len() {
        let t = args[i].text.as_str();
        if !t.starts_with('-') {
            return Some((&args[i], &args[i + 1..]));
        }
        // Options whose value is the next word.
        i += if matches!(t, "-n" | "-I" | "-L" | "-P" | "-d" | "-s" | "-E" | "-a") {
            2
        } else {
            1
        };
    }
    None
}

/// `apt-mark auto NAMES`; with names from stdin (`| xargs apt-mark auto`),
/// every package.
fn apt_mark(args: &[Word], from_stdin: bool) -> Option<Event> {
    let plain: Vec<&Word> = args.iter().filter(|w| !is_option(w)).collect();
    let (sub, rest) = plain.split_first()?;
    if sub.text != "auto" {
        return None;
    }
    let every = from_stdin
        || rest
            .iter()
            .any(|w| w.text.contains(['*', '?', '[', '$', '`']));
    Some(Event::MarkAuto(if every {
        None
    } else {
        Some(rest.iter().filter_map(|w| apt_name(&w.text)).collect())
    }))
}

fn apk(args: &[Word], lookup: &Lookup) -> Option<Event> {
    let (plain, options) = subcommand(Manager::Apk, args)?;
    let (sub, rest) = plain.split_first()?;
    let empty = TextRange::default();
    match sub.text.as_str() {
        "add" => {
            let group = options.iter().find_map(|(o, v)| {
                let (name, attached) = match o.text.split_once('=') {
                    Some((n, val)) => (n, Some(val)),
                    None => (o.text.as_str(), None),
                };
                if name != "--virtual" && name != "-t" {
                    return None;
                }
                match (attached, v) {
                    (Some(val), _) => Some((val.to_string(), o.range)),
                    (None, Some(v)) => Some((v.text.clone(), v.range)),
                    (None, None) => None,
                }
            });
            Some(Event::Install {
                manager: Manager::Apk,
                command: empty,
                names: names(rest, lookup, apk_name),
                group,
            })
        }
        "del" => Some(Event::Remove {
            manager: Manager::Apk,
            names: names(rest, lookup, apk_name)
                .into_iter()
                .map(|n| n.0)
                .collect(),
            auto: false,
            range: empty,
        }),
        _ => None,
    }
}

fn rpm(args: &[Word], lookup: &Lookup) -> Option<Event> {
    let (plain, _) = subcommand(Manager::Rpm, args)?;
    let (mut sub, mut rest) = plain.split_first()?;
    if matches!(sub.text.as_str(), "group" | "groups") {
        (sub, rest) = rest.split_first()?;
        sub = match sub.text.as_str() {
            "install" => sub,
            "remove" => sub,
            _ => return None,
        };
    }
    let empty = TextRange::default();
    match sub.text.as_str() {
        "install" | "reinstall" | "groupinstall" => Some(Event::Install {
            manager: Manager::Rpm,
            command: empty,
            names: names(rest, lookup, rpm_name),
            group: None,
        }),
        "remove" | "erase" | "autoremove" | "groupremove" => Some(Event::Remove {
            manager: Manager::Rpm,
            names: names(rest, lookup, rpm_name)
                .into_iter()
                .map(|n| n.0)
                .collect(),
            auto: sub.text == "autoremove",
            range: empty,
        }),
        _ => None,
    }
}

/// Record the installs of one `RUN` and what it removes.
fn apply(out: &mut Vec<InstalledPackage>, events: Vec<Event>, file: FileId, stage: usize) {
    let first_of_run = out.len();
    // Indices (into `out`) of this RUN's packages marked as automatic.
    let mut auto: Vec<usize> = Vec::new();
    for e in events {
        match e {
            Event::Install {
                manager,
                command,
                names,
                group,
            } => {
                for (name, range) in names {
                    out.push(InstalledPackage {
                        name,
                        span: Span::new(file, range),
                        command: Span::new(file, command),
                        stage,
                        manager,
                        removed_in_same_run: false,
                        removed_later: None,
                        group: group
                            .as_ref()
                            .map(|(g, r)| (g.clone(), Span::new(file, *r))),
                    });
                }
            }
            Event::MarkAuto(which) => {
                for (i, p) in out.iter().enumerate().skip(first_of_run) {
                    if p.manager == Manager::Apt
                        && which.as_ref().is_none_or(|names| names.contains(&p.name))
                    {
                        auto.push(i);
                    }
                }
            }
            Event::Remove {
                manager,
                names,
                auto: autoremove,
                range,
            } => {
                for (i, p) in out.iter_mut().enumerate() {
                    if p.manager != manager || !p.present() {
                        continue;
                    }
                    let named = names.contains(&p.name)
                        || p.group.as_ref().is_some_and(|(g, _)| names.contains(g));
                    let automatic = autoremove && auto.contains(&i);
                    if !(named || automatic) {
                        continue;
                    }
                    if i >= first_of_run {
                        p.removed_in_same_run = true;
                    } else {
                        p.removed_later = Some(Span::new(file, range));
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::image::facts_of;
    use crate::rules::testing::{workspace, write_project};

    /// (name, text of its span, present) of what the last stage's chain installs.
    fn installed(dockerfile: &str) -> Vec<(String, String, bool)> {
        let dir = write_project(&[("Dockerfile", dockerfile)]);
        let ws = workspace(dir.path());
        let (id, df) = ws.dockerfiles.iter().next().expect("a Dockerfile");
        let facts = facts_of(*id, df.clone(), None, &BTreeMap::new()).expect("stages");
        let src = ws.sources.get(*id);
        installed_in_image(&ws, &facts)
            .into_iter()
            .map(|p| {
                (
                    p.name.clone(),
                    src.slice(p.span.range).to_string(),
                    p.present(),
                )
            })
            .collect()
    }

    fn names_present(dockerfile: &str) -> Vec<String> {
        installed(dockerfile)
            .into_iter()
            .filter(|p| p.2)
            .map(|p| p.0)
            .collect()
    }

    /// Something is installed, and all of it is removed again.
    #[track_caller]
    fn all_removed(dockerfile: &str) {
        let got = installed(dockerfile);
        assert!(!got.is_empty() && got.iter().all(|p| !p.2), "{got:?}");
    }

    /// A global ARG reaches a RUN only when its stage declares it again.
    #[test]
    fn global_args_need_a_declaration_in_the_stage() {
        let df = "ARG PKGS=gcc\nFROM debian\nRUN apt-get install -y curl $PKGS\n";
        assert_eq!(names_present(df), ["curl"]);
        let df = "ARG PKGS=gcc\nFROM debian\nARG PKGS\nRUN apt-get install -y curl $PKGS\n";
        assert_eq!(names_present(df), ["curl", "gcc"]);
    }

    #[test]
    fn apt_get_versions_options_and_simulation() {
        let got = installed("FROM debian:12\nRUN apt-get -o Acquire::Retries=3 update && apt-get install -y -t bookworm-backports --no-install-recommends gcc=4:12.2 \"libpq-dev:amd64\" ./local.deb\nRUN apt-get install -s curl\n");
        assert_eq!(
            got,
            [
                ("gcc".into(), "gcc=4:12.2".into(), true),
                ("libpq-dev".into(), "\"libpq-dev:amd64\"".into(), true)
            ]
        );
        assert_eq!(
            names_present("FROM debian\nRUN apt --yes --no-install-recommends install curl\n"),
            ["curl"]
        );
    }

    #[test]
    fn removed_in_the_same_run_or_later() {
        let got = installed("FROM debian\nRUN apt-get install -y gcc make && make && apt-get purge -y --auto-remove gcc\nRUN apt-get remove -y make\n");
        assert_eq!(got[0], ("gcc".into(), "gcc".into(), false));
        assert_eq!(got[1], ("make".into(), "make".into(), false));
        let dir = write_project(&[("Dockerfile", "FROM debian\nRUN apt-get install -y gcc make && apt-get purge -y gcc\nRUN apt-get remove -y make\n")]);
        let ws = workspace(dir.path());
        let (id, df) = ws.dockerfiles.iter().next().unwrap();
        let facts = facts_of(*id, df.clone(), None, &BTreeMap::new()).unwrap();
        let p = installed_in_image(&ws, &facts);
        assert!(p[0].removed_in_same_run && p[0].removed_later.is_none());
        assert!(!p[1].removed_in_same_run && p[1].removed_later.is_some());
    }

    #[test]
    fn apt_mark_auto_then_autoremove() {
        let df = "FROM debian\nRUN set -eux; savedAptMark=\"$(apt-mark showmanual)\"; apt-get install -y gcc; make; apt-mark auto '.*' > /dev/null; apt-mark manual $savedAptMark; apt-get purge -y --auto-remove -o APT::AutoRemove::RecommendsImportant=false\n";
        all_removed(df);
        let df = "FROM debian\nRUN saved=\"$(apt-mark showmanual)\"; apt-get install -y dpkg-dev; apt-mark showmanual | xargs -r apt-mark auto > /dev/null; apt-mark manual $saved; apt-get purge -y --auto-remove\n";
        all_removed(df);
        // docker-library/postgres: the purge runs under `then`.
        let df = "FROM debian\nRUN saved=\"$(apt-mark showmanual)\"; apt-get install -y dpkg-dev; apt-mark showmanual | xargs apt-mark auto > /dev/null; apt-mark manual $saved; if [ -n \"$tempDir\" ]; then apt-get purge -y --auto-remove; fi\n";
        all_removed(df);
        // Marked automatic but never auto-removed: still there.
        let df = "FROM debian\nRUN apt-get install -y gcc; apt-mark auto gcc\n";
        assert_eq!(names_present(df), ["gcc"]);
    }

    #[test]
    fn apk_virtual_groups() {
        let df = "FROM alpine:3.20\nRUN apk add --no-cache --virtual .build-deps gcc musl-dev && pip install x && apk del --no-network .build-deps\n";
        all_removed(df);
        let df = "FROM alpine:3.20\nRUN apk add --no-cache -t .build-deps gcc~=13 curl>8\n";
        let dir = write_project(&[("Dockerfile", df)]);
        let ws = workspace(dir.path());
        let (id, d) = ws.dockerfiles.iter().next().unwrap();
        let facts = facts_of(*id, d.clone(), None, &BTreeMap::new()).unwrap();
        let p = installed_in_image(&ws, &facts);
        assert_eq!(p[0].name, "gcc");
        assert_eq!(p[1].name, "curl");
        let (g, span) = p[0].group.clone().unwrap();
        assert_eq!(g, ".build-deps");
        assert_eq!(ws.sources.get(*id).slice(span.range), ".build-deps");
    }

    #[test]
    fn variables_from_the_run_and_env() {
        let df = "FROM debian\nENV RUNTIME=\"curl ca-certificates\"\nRUN buildDeps='gcc make'; apt-get install -y $buildDeps $RUNTIME $UNKNOWN; apt-get purge -y $buildDeps\n";
        let got = installed(df);
        assert_eq!(got[0], ("gcc".into(), "$buildDeps".into(), false));
        assert_eq!(got[2], ("curl".into(), "$RUNTIME".into(), true));
        assert_eq!(got.len(), 4);
    }

    /// A variable set from another is found like one set directly.
    #[test]
    fn variables_set_from_variables() {
        let df = "FROM debian\nARG V=gcc\nENV PKGS=$V\nRUN apt-get install -y $PKGS\n";
        assert_eq!(names_present(df), ["gcc"]);
        let df = "FROM debian\nENV A=gcc\nARG B=\"${A} make\"\nRUN apt-get install -y $B\n";
        assert_eq!(names_present(df), ["gcc", "make"]);
    }

    #[test]
    fn rpm_and_inheritance() {
        let df = "FROM fedora:40 AS base\nRUN dnf install -y --setopt=install_weak_deps=False gcc-c++ python3-devel && dnf clean all\nFROM base AS final\nRUN microdnf remove gcc-c++\n";
        assert_eq!(names_present(df), ["python3-devel"]);
        let df = "FROM rockylinux:9\nRUN yum -y group install \"Development Tools\"\n";
        assert_eq!(names_present(df), ["Development Tools"]);
    }

    #[test]
    fn programs() {
        let df =
            "FROM debian\nRUN apt-get install -y netcat-openbsd curl && apt-get purge -y curl\n";
        let dir = write_project(&[("Dockerfile", df)]);
        let ws = workspace(dir.path());
        let (id, d) = ws.dockerfiles.iter().next().unwrap();
        let facts = facts_of(*id, d.clone(), None, &BTreeMap::new()).unwrap();
        let p = installed_in_image(&ws, &facts);
        assert!(installed_program(&p, "nc").is_some());
        assert!(matches!(
            program_in_image(&ws, &facts, &installed_in_image(&ws, &facts), "nc"),
            Presence::Installed(p) if p.name == "netcat-openbsd"
        ));
        assert_eq!(
            program_in_image(&ws, &facts, &installed_in_image(&ws, &facts), "curl"),
            Presence::NotInstalled
        );
        assert!(installed_program(&p, "curl").is_none());
        assert!(installed_program(&p, "wget").is_none());
        assert!(provides("postgresql16-client", "pg_isready"));
    }

    fn presence(dockerfile: &str, program: &str) -> Presence {
        let dir = write_project(&[("Dockerfile", dockerfile)]);
        let ws = workspace(dir.path());
        let (id, d) = ws.dockerfiles.iter().next().unwrap();
        let facts = facts_of(*id, d.clone(), None, &BTreeMap::new()).unwrap();
        program_in_image(&ws, &facts, &installed_in_image(&ws, &facts), program)
    }

    /// What we cannot see may have brought the program: never "not installed".
    /// The commands that download the package index, as written.
    #[test]
    fn index_updates() {
        let updates = |line: &str| -> Vec<(Manager, String)> {
            crate::syntax::shell::split(line, 0)
                .iter()
                .filter_map(index_update)
                .map(|(m, r)| (m, line[r.start..r.end].to_string()))
                .collect()
        };
        assert_eq!(
            updates("apt-get -qq update && apt update; sudo aptitude update"),
            [
                (Manager::Apt, "apt-get -qq update".to_string()),
                (Manager::Apt, "apt update".to_string()),
                (Manager::Apt, "aptitude update".to_string()),
            ]
        );
        assert_eq!(
            updates("apt-get -o Acquire::Retries=3 update"),
            [(
                Manager::Apt,
                "apt-get -o Acquire::Retries=3 update".to_string()
            )]
        );
        assert_eq!(
            updates("apk update && dnf makecache"),
            [
                (Manager::Apk, "apk update".to_string()),
                (Manager::Rpm, "dnf makecache".to_string()),
            ]
        );
        for none in [
            "apt-get install -y curl",
            "apt-get upgrade",
            "apt-get -s update",
            "echo apt-get update",
            "update-ca-certificates",
        ] {
            assert!(updates(none).is_empty(), "{none}");
        }
    }

    #[test]
    fn opaque_installers_and_copies_leave_it_unknown() {
        for run in [
            "RUN curl -fsSL https://example.com/install | sh",
            "RUN wget -qO- https://example.com/x | bash -s -- -y",
            "RUN ./install.sh",
            "RUN /scripts/setup-deps --all",
            "RUN bash scripts/deps.sh",
            "RUN sh -c 'apt-get install -y curl'",
            "RUN dpkg -i /tmp/tools.deb",
            "RUN conda install -y curl",
            "RUN curl -o /tmp/x https://example.com/x",
            "COPY --from=deps /install/usr /usr",
            "COPY --from=curlimages/curl:8.8.0 /usr/bin/curl /usr/local/bin/curl",
            "ADD https://example.com/tools.tar.gz /usr/local/bin/",
            "COPY bin/curl /app/curl",
        ] {
            let df = format!("FROM deps AS deps\nFROM debian:12-slim\n{run}\n");
            assert!(
                matches!(presence(&df, "curl"), Presence::Unknown(_)),
                "{run}"
            );
        }
        for run in [
            "RUN apt-get update && apt-get install -y wget",
            "RUN /usr/bin/apt-get install -y wget",
            "COPY --from=build /app /app",
            "RUN pip install --no-cache-dir httpx",
            "RUN bash <<EOF\napt-get install -y wget\nEOF",
            "RUN /opt/venv/bin/pip install httpx",
            "RUN apt-get install -y curl && curl -o /x https://e.com && apt-get purge -y curl",
        ] {
            let df = format!("FROM debian:12-slim\n{run}\n");
            assert_eq!(presence(&df, "curl"), Presence::NotInstalled, "{run}");
        }
    }
}
