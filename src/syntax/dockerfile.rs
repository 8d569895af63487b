//! Dockerfiles parsed with BuildKit's rules (escape directive, continuations,
//! comments inside continuations, heredocs, exec and shell forms, lowercase
//! instructions), keeping the range of every instruction and argument.

use crate::source::{Spanned, SyntaxError, TextRange};

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Dockerfile {
    /// The escape character (`\` or `` ` `` from `# escape=`).
    pub escape: char,
    pub instructions: Vec<Instruction>,
    pub errors: Vec<SyntaxError>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Instruction {
    /// Upper-cased keyword (`FROM`, `RUN`, ...).
    pub keyword: String,
    pub keyword_range: TextRange,
    /// The whole instruction, continuations and heredoc bodies included.
    pub range: TextRange,
    /// `--name=value` flags (`--from`, `--chown`, `--platform`, `--mount`, ...).
    pub flags: Vec<Flag>,
    pub kind: InstructionKind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flag {
    pub name: Spanned<String>,
    pub value: Option<Spanned<String>>,
    pub range: TextRange,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InstructionKind {
    From {
        image: Spanned<String>,
        alias: Option<Spanned<String>>,
    },
    Arg(Vec<ArgDecl>),
    /// `ENV K=V ...` or legacy `ENV K V`.
    Env(Vec<EnvPair>),
    User(Spanned<String>),
    Healthcheck(HealthcheckSpec),
    Cmd(Command),
    Entrypoint(Command),
    /// `COPY`/`ADD`: sources and destination (flags in `Instruction::flags`).
    Copy {
        add: bool,
        sources: Vec<Spanned<String>>,
        dest: Option<Spanned<String>>,
        heredocs: Vec<Heredoc>,
    },
    Expose(Vec<Spanned<String>>),
    Run {
        command: Command,
        heredocs: Vec<Heredoc>,
    },
    Workdir(Spanned<String>),
    Shell(Vec<Spanned<String>>),
    /// Any other instruction (LABEL, VOLUME, ONBUILD, STOPSIGNAL, MAINTAINER...):
    /// its argument text.
    Other(Spanned<String>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArgDecl {
    pub name: Spanned<String>,
    /// The default, as written after `=` with quotes removed; `$VAR` kept.
    pub default: Option<Spanned<String>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvPair {
    pub key: Spanned<String>,
    /// The value after quote removal, with `$VAR` / `${VAR:-x}` references
    /// kept as written (expanded by `expand` with the stage's ARG/ENV).
    /// `range` covers the value as written, quotes included.
    pub value: Spanned<String>,
    /// Ranges (inside the value) that came from single quotes: no expansion there.
    pub literal: Vec<TextRange>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HealthcheckSpec {
    /// `HEALTHCHECK NONE`
    None,
    Check {
        /// `--interval=30s` ... (also in `Instruction::flags`).
        command: Command,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// `["a", "b"]`: JSON array, each element decoded.
    Exec(Vec<Spanned<String>>),
    /// Shell form: the text as written (continuations joined, comments removed).
    Shell(Spanned<String>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Heredoc {
    pub name: String,
    pub body: Spanned<String>,
}
