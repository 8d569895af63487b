//! Dockerfiles parsed with BuildKit's rules (escape directive, continuations,
//! comments inside continuations, heredocs, exec and shell forms, lowercase
//! instructions), keeping the range of every instruction and argument.
//!
//! Entry points: [`parse`] for a whole file, [`unquote`], [`expand`],
//! [`try_expand`] and [`expand_word`] for BuildKit's quote removal and
//! variable expansion, and the helpers [`Dockerfile::stages`] and
//! [`Instruction::flag`].
//!
//! Argument values are kept as written unless a field says otherwise:
//! BuildKit expands variables and removes quotes when it *runs* an
//! instruction, not when it parses it, so the model does that with
//! [`expand_word`] (raw words) or [`expand`] (ENV/ARG values, already unquoted).

use std::ops::Range;

use crate::source::{Spanned, SyntaxError, TextRange};

mod expand;
mod parse;
#[cfg(test)]
mod tests;
mod words;

pub use expand::{expand, expand_within, expand_word, expand_word_within, try_expand, Budget};
pub use words::{references, unquote, Unquoted, WordRef};

/// Parses a Dockerfile with BuildKit's rules. Never fails: problems BuildKit
/// would reject the file for are in [`Dockerfile::errors`], and everything
/// that could be read is in [`Dockerfile::instructions`].
pub fn parse(text: &str) -> Dockerfile {
    parse::parse(text)
}

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
    /// `FROM [--platform=p] image [AS name]`. `image` and `alias` are as
    /// written; stage names compare case-insensitively (BuildKit lowercases
    /// them).
    From {
        image: Spanned<String>,
        alias: Option<Spanned<String>>,
    },
    Arg(Vec<ArgDecl>),
    /// `ENV K=V ...` or legacy `ENV K V`.
    Env(Vec<EnvPair>),
    /// `user[:group]` as written (quotes kept; see [`expand_word`]).
    User(Spanned<String>),
    Healthcheck(HealthcheckSpec),
    Cmd(Command),
    Entrypoint(Command),
    /// `COPY`/`ADD`: sources and destination (flags in `Instruction::flags`).
    /// Paths are as written (JSON form: decoded); a heredoc source appears in
    /// `sources` as its `<<EOF` word and its body in `heredocs`.
    Copy {
        add: bool,
        sources: Vec<Spanned<String>>,
        dest: Option<Spanned<String>>,
        heredocs: Vec<Heredoc>,
    },
    /// Ports as written (`80`, `80/tcp`, `$PORT`), not expanded.
    Expose(Vec<Spanned<String>>),
    Run {
        command: Command,
        heredocs: Vec<Heredoc>,
    },
    /// The path as written (quotes kept; see [`expand_word`]).
    Workdir(Spanned<String>),
    /// The JSON array of `SHELL`. (A non-JSON `SHELL` is an error; its text
    /// is then the single element.)
    Shell(Vec<Spanned<String>>),
    /// Any other instruction (LABEL, VOLUME, ONBUILD, STOPSIGNAL, MAINTAINER...):
    /// its argument text.
    Other(Spanned<String>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArgDecl {
    pub name: Spanned<String>,
    /// The default, as written after `=` with quotes removed; `$VAR` kept.
    /// `range` covers the default as written, quotes included.
    pub default: Option<Spanned<String>>,
    /// Byte ranges inside `default.value` not to expand (see [`EnvPair::literal`]).
    pub literal: Vec<TextRange>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvPair {
    pub key: Spanned<String>,
    /// The value after quote removal, with `$VAR` / `${VAR:-x}` references
    /// kept as written (expanded by `expand` with the stage's ARG/ENV).
    /// `range` covers the value as written, quotes included.
    pub value: Spanned<String>,
    /// Ranges that came from single quotes or escaped characters (`\$`):
    /// no expansion there. These are byte offsets into `value.value` (not
    /// into the file), ready for [`expand`].
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
    /// The delimiter with quotes removed (`EOF` for `<<"EOF"`).
    pub name: String,
    /// The body lines as written, line breaks included, terminator excluded
    /// (no tab stripping even for `<<-`; see [`Heredoc::content`]).
    pub body: Spanned<String>,
    /// The `<<EOF` word on the instruction line.
    pub name_range: TextRange,
    /// `<<-EOF`: leading tabs are stripped from the body and the terminator.
    pub chomp: bool,
    /// False when the delimiter was quoted: no variable expansion in the body.
    pub expand: bool,
}

impl Heredoc {
    /// The body as BuildKit uses it (`<<-` strips leading tabs of each line).
    pub fn content(&self) -> String {
        if !self.chomp {
            return self.body.value.clone();
        }
        self.body
            .value
            .split_inclusive('\n')
            .map(|l| l.trim_start_matches('\t'))
            .collect()
    }
}

/// One build stage: a `FROM` and the instructions up to the next one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StageSyntax {
    /// Index in [`Dockerfile::instructions`] of the stage's `FROM`.
    pub from_index: usize,
    /// Indices of the stage's instructions, its `FROM` included.
    pub instructions: Range<usize>,
    /// The base image as written (`$VAR` not expanded) or the name of an
    /// earlier stage.
    pub image: Spanned<String>,
    /// The `AS` name, as written.
    pub alias: Option<Spanned<String>>,
    /// The `--platform` value, as written.
    pub platform: Option<Spanned<String>>,
}

impl StageSyntax {
    /// Whether `name` is this stage's alias (case-insensitive, as in BuildKit).
    pub fn is_named(&self, name: &str) -> bool {
        self.alias
            .as_ref()
            .is_some_and(|a| a.value.eq_ignore_ascii_case(name))
    }
}

impl Dockerfile {
    /// The build stages in order.
    pub fn stages(&self) -> Vec<StageSyntax> {
        let starts: Vec<usize> = self
            .instructions
            .iter()
            .enumerate()
            .filter(|(_, i)| matches!(i.kind, InstructionKind::From { .. }))
            .map(|(n, _)| n)
            .collect();
        let mut out = Vec::with_capacity(starts.len());
        for (k, &start) in starts.iter().enumerate() {
            let end = starts
                .get(k + 1)
                .copied()
                .unwrap_or(self.instructions.len());
            let Some(inst) = self.instructions.get(start) else {
                continue;
            };
            if let InstructionKind::From { image, alias } = &inst.kind {
                out.push(StageSyntax {
                    from_index: start,
                    instructions: start..end,
                    image: image.clone(),
                    alias: alias.clone(),
                    platform: inst.flag("platform").cloned(),
                });
            }
        }
        out
    }

    /// Instructions before the first `FROM` (global `ARG`s).
    pub fn global_args(&self) -> impl Iterator<Item = &ArgDecl> {
        self.instructions
            .iter()
            .take_while(|i| !matches!(i.kind, InstructionKind::From { .. }))
            .filter_map(|i| match &i.kind {
                InstructionKind::Arg(decls) => Some(decls.iter()),
                _ => None,
            })
            .flatten()
    }

    /// The instructions of one stage.
    pub fn stage_instructions(&self, stage: &StageSyntax) -> &[Instruction] {
        self.instructions
            .get(stage.instructions.clone())
            .unwrap_or(&[])
    }
}

impl Instruction {
    /// The names an `ENV` (its keys) or an `ARG` (its names) declares, as
    /// written; none for another instruction.
    pub fn declared(&self) -> Vec<&Spanned<String>> {
        match &self.kind {
            InstructionKind::Env(pairs) => pairs.iter().map(|p| &p.key).collect(),
            InstructionKind::Arg(decls) => decls.iter().map(|d| &d.name).collect(),
            _ => Vec::new(),
        }
    }

    /// The value of the last `--name=value` flag (`None` when absent or
    /// written without a value). Values have quotes removed, `$VAR` kept.
    pub fn flag(&self, name: &str) -> Option<&Spanned<String>> {
        self.flags
            .iter()
            .rev()
            .find(|f| f.name.value == name)
            .and_then(|f| f.value.as_ref())
    }

    /// Every value of a repeatable flag (`--mount`, `--exclude`), in order.
    pub fn flag_values<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Spanned<String>> {
        self.flags
            .iter()
            .filter(move |f| f.name.value == name)
            .filter_map(|f| f.value.as_ref())
    }

    /// Whether a flag is present at all (`--link`, `--link=true`).
    pub fn has_flag(&self, name: &str) -> bool {
        self.flags.iter().any(|f| f.name.value == name)
    }

    /// The command of CMD, ENTRYPOINT, RUN or `HEALTHCHECK CMD`.
    pub fn command(&self) -> Option<&Command> {
        match &self.kind {
            InstructionKind::Cmd(c) | InstructionKind::Entrypoint(c) => Some(c),
            InstructionKind::Run { command, .. } => Some(command),
            InstructionKind::Healthcheck(HealthcheckSpec::Check { command }) => Some(command),
            _ => None,
        }
    }
}
