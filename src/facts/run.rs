//! What a `RUN` instruction executes, for the rules that read commands:
//! its simple commands with the exact source range of every word, from the
//! shell form (`RUN a && b`), a heredoc script (`RUN <<EOF` … `EOF`) or the
//! exec form (`RUN ["pip", "install", "x"]`, `["sh", "-c", "…"]`); and its
//! `--mount` options.

use crate::source::{SourceFile, TextRange};
use crate::syntax::dockerfile::{Command, Instruction, InstructionKind};
use crate::syntax::shell::{self, SimpleCommand, Word};

/// Shells whose script may come from a heredoc or `-c`.
pub(crate) const SHELLS: &[&str] = &["sh", "bash", "ash", "dash", "zsh", "ksh"];

/// The simple commands a `RUN` executes, in order, with word ranges into
/// `source` (the Dockerfile). Empty for other instructions.
///
/// A heredoc is read as a shell script when the command line is only the
/// heredoc (`RUN <<EOF`, unless the script starts with a non-shell `#!`) or
/// feeds it to a shell (`RUN bash <<EOF`); other heredocs are data
/// (`RUN python3 <<EOF`, `RUN cat <<EOF > /etc/x`).
pub(crate) fn run_commands(source: &SourceFile, ins: &Instruction) -> Vec<SimpleCommand> {
    let InstructionKind::Run { command, heredocs } = &ins.kind else {
        return Vec::new();
    };
    match command {
        Command::Shell(text) => {
            let line = shell::split(source.slice(text.range), text.range.start);
            let mut out: Vec<SimpleCommand> = Vec::new();
            let mut script_heredoc = false;
            for c in line {
                let words: Vec<&Word> = c
                    .words
                    .iter()
                    .filter(|w| !w.text.starts_with("<<"))
                    .collect();
                if words.len() == c.words.len() {
                    out.push(c);
                    continue;
                }
                // This simple command reads a heredoc.
                let program = words
                    .first()
                    .map(|w| w.text.rsplit('/').next().unwrap_or(&w.text));
                script_heredoc |= match program {
                    None => true,
                    Some(p) => SHELLS.contains(&p) && !words.iter().any(|w| w.text == "-c"),
                };
                if !words.is_empty() {
                    out.push(c);
                }
            }
            if script_heredoc {
                for h in heredocs {
                    let body = source.slice(h.body.range);
                    let interpreter =
                        body.lines()
                            .next()
                            .and_then(|l| l.strip_prefix("#!"))
                            .map(|l| {
                                let mut parts = l.split_whitespace();
                                let first = parts.next().unwrap_or_default();
                                let first = first.rsplit('/').next().unwrap_or(first);
                                if first == "env" {
                                    parts.next().unwrap_or_default().to_string()
                                } else {
                                    first.to_string()
                                }
                            });
                    if interpreter.is_some_and(|i| !SHELLS.contains(&i.as_str())) {
                        continue;
                    }
                    out.extend(shell::split(body, h.body.range.start));
                }
            }
            out
        }
        Command::Exec(items) => {
            let program = items
                .first()
                .map(|w| w.value.rsplit('/').next().unwrap_or(&w.value));
            if let (Some(p), Some(flag), Some(script)) = (program, items.get(1), items.get(2)) {
                if SHELLS.contains(&p) && flag.value == "-c" {
                    let written = source.slice(script.range);
                    let inner = written.strip_prefix('"').and_then(|s| s.strip_suffix('"'));
                    if inner == Some(script.value.as_str()) {
                        return shell::split(&script.value, script.range.start + 1);
                    }
                    // JSON escapes inside: the words cannot be located
                    // exactly; each points at the whole string.
                    return shell::split(&script.value, 0)
                        .into_iter()
                        .map(|mut c| {
                            for w in &mut c.words {
                                w.range = script.range;
                            }
                            c.range = script.range;
                            c
                        })
                        .collect();
                }
            }
            let words: Vec<Word> = items
                .iter()
                .map(|i| Word {
                    text: i.value.clone(),
                    range: i.range,
                    quoted: true,
                })
                .collect();
            match (words.first(), words.last()) {
                (Some(f), Some(l)) => {
                    let range = TextRange::new(f.range.start, l.range.end);
                    vec![SimpleCommand { words, range }]
                }
                _ => Vec::new(),
            }
        }
    }
}

/// What a `RUN --mount` mounts, as BuildKit names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum MountType {
    /// The default: files of the build context or of a stage, read-only.
    Bind,
    /// A cache directory kept between builds, never in the image.
    Cache,
    /// An empty in-memory filesystem, never in the image.
    Tmpfs,
    Secret,
    Ssh,
    /// A type BuildKit does not have: the build fails.
    Unknown,
}

impl MountType {
    fn parse(text: &str) -> MountType {
        match text.trim().to_ascii_lowercase().as_str() {
            "bind" => MountType::Bind,
            "cache" => MountType::Cache,
            "tmpfs" => MountType::Tmpfs,
            "secret" => MountType::Secret,
            "ssh" => MountType::Ssh,
            _ => MountType::Unknown,
        }
    }

    /// Whether what is written under it stays out of the image's layer.
    pub fn keeps_out_of_the_layer(self) -> bool {
        matches!(self, MountType::Cache | MountType::Tmpfs)
    }
}

/// One `--mount=type=…,target=…` of a `RUN`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Mount {
    /// `bind` when not given, as in BuildKit.
    pub kind: MountType,
    pub target: Option<String>,
    /// The flag's value as written.
    pub range: TextRange,
}

/// The `--mount` flags of an instruction.
pub(crate) fn mounts(ins: &Instruction) -> Vec<Mount> {
    ins.flag_values("mount")
        .map(|v| {
            let mut kind = MountType::Bind;
            let mut target = None;
            for field in v.value.split(',') {
                let (k, val) = field.split_once('=').unwrap_or((field, ""));
                match k.trim().to_ascii_lowercase().as_str() {
                    "type" => kind = MountType::parse(val),
                    "target" | "dst" | "destination" => {
                        target = Some(val.trim().trim_end_matches('/').to_string())
                    }
                    _ => {}
                }
            }
            Mount {
                kind,
                target,
                range: v.range,
            }
        })
        .collect()
}

/// Whether a word is an option (`-y`, `--no-cache`, `--virtual=.x`); `-`
/// alone (stdin) is not.
pub(crate) fn is_option(w: &Word) -> bool {
    w.text.starts_with('-') && w.text.len() > 1
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::{FileKind, SourceFile};
    use crate::syntax::dockerfile::parse;

    fn commands(text: &str) -> Vec<Vec<(String, String)>> {
        let src = SourceFile::new(
            "Dockerfile".into(),
            "Dockerfile".into(),
            FileKind::Dockerfile,
            text.into(),
        );
        let df = parse(text);
        df.instructions
            .iter()
            .flat_map(|i| run_commands(&src, i))
            .map(|c| {
                c.words
                    .iter()
                    .map(|w| (w.text.clone(), src.slice(w.range).to_string()))
                    .collect()
            })
            .collect()
    }

    fn programs(text: &str) -> Vec<String> {
        commands(text).into_iter().map(|c| c[0].0.clone()).collect()
    }

    #[test]
    fn shell_form_ranges_are_exact() {
        let c =
            commands("FROM a\nRUN --mount=type=cache,target=/x apt-get install -y \\\n  \"gcc\"\n");
        assert_eq!(c[0][3], ("gcc".to_string(), "\"gcc\"".to_string()));
    }

    #[test]
    fn heredoc_scripts_and_data() {
        let c = commands("FROM a\nRUN <<EOF\napt-get install -y gcc\nEOF\n");
        assert_eq!(c[0][3], ("gcc".to_string(), "gcc".to_string()));
        assert_eq!(
            programs("FROM a\nRUN bash <<EOF\npip install x\nEOF\n"),
            ["bash", "pip"]
        );
        assert_eq!(
            programs("FROM a\nRUN python3 <<EOF\npip install x\nEOF\n"),
            ["python3"]
        );
        assert_eq!(
            programs("FROM a\nRUN cat <<EOF > /x\npip install x\nEOF\n"),
            ["cat"]
        );
        assert!(programs("FROM a\nRUN <<EOF\n#!/usr/bin/env python3\nimport os\nEOF\n").is_empty());
        assert_eq!(
            programs("FROM a\nRUN <<EOF\n#!/bin/bash\npip install x\nEOF\n"),
            ["pip"]
        );
    }

    #[test]
    fn exec_form() {
        let c = commands("FROM a\nRUN [\"pip\", \"install\", \"x\"]\n");
        assert_eq!(c[0][1], ("install".to_string(), "\"install\"".to_string()));
        let c = commands(
            "FROM a\nRUN [\"/bin/sh\", \"-c\", \"apt-get install -y gcc && rm -rf /x\"]\n",
        );
        assert_eq!(c[0][3], ("gcc".to_string(), "gcc".to_string()));
        assert_eq!(c[1][0].0, "rm");
        let c = commands("FROM a\nRUN [\"sh\", \"-c\", \"echo \\\"x\\\" && pip install y\"]\n");
        assert_eq!(c[1][2].0, "y");
    }

    #[test]
    fn mount_flags() {
        let df = parse("FROM a\nRUN --mount=type=cache,target=/root/.cache/pip/ --mount=source=x,target=/y pip install z\n");
        let m = mounts(&df.instructions[1]);
        assert_eq!(m[0].kind, MountType::Cache);
        assert_eq!(m[0].target.as_deref(), Some("/root/.cache/pip"));
        assert_eq!(m[1].kind, MountType::Bind);
    }
}
