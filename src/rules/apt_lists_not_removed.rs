//! `apt-lists-not-removed`: an `apt-get update` whose `RUN` leaves the
//! package lists (`/var/lib/apt/lists`) in the image.

use crate::facts::packages::{index_update, install_command, opaque_installer, Manager};
use crate::facts::run::{mounts, run_commands};
use crate::rules::flow::merge_same_span;
use crate::rules::{Context, Diagnostic, Edit, Fix, Rule, RuleId, RuleMeta, Severity};
use crate::source::{SourceFile, Span, TextRange};
use crate::syntax::dockerfile::{Command, Instruction, InstructionKind};
use crate::syntax::shell::SimpleCommand;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: RuleId::AptListsNotRemoved,
        severity: Severity::Warning,
        summary: "`apt-get update` in a RUN that does not end with `rm -rf /var/lib/apt/lists/*` (or cache-mount the lists): tens of megabytes of package lists stay in the image.",
        doc: include_str!("../../rules/apt-lists-not-removed.md"),
        cases: &[],
    },
    check,
};

const LISTS: &str = "/var/lib/apt/lists";

/// A path argument that covers the package lists: the lists, what is in
/// them, or a folder above them (`/var/lib/apt`, `/var/lib/apt/*`).
fn covers_lists(path: &str) -> bool {
    let p = path.trim_end_matches(['*', '/']);
    let ancestor = p.is_empty() && path.starts_with('/') || LISTS.starts_with(&format!("{p}/"));
    p == LISTS || ancestor || (path.starts_with(LISTS) && !path.contains("partial"))
}

/// Whether this command removes the package lists.
fn removes_lists(c: &SimpleCommand) -> bool {
    let Some((program, args)) = c.program() else {
        return false;
    };
    let name = program.base_name();
    match name {
        "rm" => args.iter().any(|a| covers_lists(&a.text)),
        "find" => {
            args.iter().any(|a| covers_lists(&a.text))
                && args
                    .iter()
                    .any(|a| a.text == "-delete" || a.text == "-exec")
        }
        // apt ≥ 2.7.8 (Debian trixie, Ubuntu 24.04): clean + the lists.
        "apt-get" | "apt" => args.iter().any(|a| a.text == "dist-clean"),
        _ => false,
    }
}

fn check(ctx: &Context) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let purposes = ctx.facts().purposes();
    for image in ctx.facts().images() {
        // Development, test and build images: their size is not the point.
        if purposes.image(image).is_some() {
            continue;
        }
        let file = image.facts.dockerfile_file;
        let source = ctx.ws.sources.get(file);
        let escape = image.facts.dockerfile.escape;
        let instructions: Vec<&Instruction> = image.instructions().map(|(_, _, i)| i).collect();
        for (k, ins) in instructions.iter().enumerate() {
            let commands = run_commands(source, ins);
            // `apt-get update` writes the lists into this RUN's layer; an
            // install without it writes none (the lists, if any, are in an
            // earlier layer, where that RUN's own finding is).
            let updates: Vec<(usize, TextRange)> = commands
                .iter()
                .enumerate()
                .filter_map(|(i, c)| match index_update(c) {
                    Some((Manager::Apt, r)) => Some((i, r)),
                    _ => None,
                })
                .collect();
            let installs: Vec<(usize, TextRange)> = commands
                .iter()
                .enumerate()
                .filter_map(|(i, c)| match install_command(c) {
                    Some((Manager::Apt, r)) => Some((i, r)),
                    _ => None,
                })
                .collect();
            let Some(&(_, update)) = updates.first() else {
                continue;
            };
            let last = updates.iter().chain(&installs).map(|&(i, _)| i).max();
            let last = last.unwrap_or_default();
            // Removed after the last update or install, or maybe by a
            // script we cannot read (`/scripts/cleanup.sh`).
            if commands[last + 1..]
                .iter()
                .any(|c| removes_lists(c) || opaque_installer(c))
            {
                continue;
            }
            let mounted = mounts(ins).iter().any(|m| {
                m.kind.keeps_out_of_the_layer()
                    && m.target.as_deref().is_some_and(|t| {
                        let t = t.trim_end_matches('/');
                        t == LISTS || LISTS.starts_with(&format!("{t}/"))
                    })
            });
            if mounted {
                continue;
            }
            // The install the RUN is for, else the update itself.
            let (range, what) = match installs.first() {
                Some(&(_, install)) => (install, "installs with apt".to_string()),
                None => (
                    update,
                    format!("downloads them with `{}`", source.slice(update)),
                ),
            };
            let message = format!("the package lists stay in the image: this RUN {what} but does not remove /var/lib/apt/lists");
            let mut d = Diagnostic::new(
                RULE.meta.id,
                Span::new(file, range),
                message,
            )
            .with_span_label("downloads the package lists into this layer")
            .with_help("end the same RUN with `&& rm -rf /var/lib/apt/lists/*` (a later RUN cannot shrink this layer), or mount them: `RUN --mount=type=cache,target=/var/lib/apt/lists …`");
            // A later RUN that installs with apt reads these lists: removing
            // them would break it.
            // So may any later RUN that mentions apt (`sh -c "apt-get
            // install"`, `apt-get upgrade`, `xargs apt-get install`), an
            // ONBUILD, or an image built FROM this one: no fix then.
            let read_later = instructions[k + 1..].iter().any(|later| {
                matches!(later.kind, InstructionKind::Run { .. })
                    && (source.slice(later.range).contains("apt")
                        || source.slice(later.range).contains("dpkg"))
            }) || image
                .facts
                .dockerfile
                .instructions
                .iter()
                .any(|i| i.keyword == "ONBUILD")
                || base_of_another(ctx, file);
            if !read_later && escape == '\\' {
                if let Some(edit) = removal_edit(source, ins, &commands) {
                    d = d.with_fix(Fix::edits(
                        "remove the package lists at the end of the same RUN",
                        vec![Edit {
                            span: Span::new(file, edit.0),
                            replacement: edit.1,
                        }],
                        true,
                    ));
                }
            }
            out.push(image.with_labels(d));
        }
    }
    merge_same_span(out)
}

/// Whether the image a service builds from `file` is the base of a
/// Dockerfile of the workspace (`image: acme/base:1` built here, `FROM
/// acme/base:1` there), whose RUNs may read the lists.
fn base_of_another(ctx: &Context, file: crate::source::FileId) -> bool {
    use crate::facts::image_ref::ImageRef;
    let names: Vec<String> = ctx
        .ws
        .active_services()
        .filter(|(_, s)| {
            s.build.is_some()
                && s.image_facts
                    .as_ref()
                    .is_some_and(|f| f.dockerfile_file == file)
        })
        .filter_map(|(_, s)| s.image.as_ref())
        .filter_map(|i| ImageRef::parse(&i.text).map(|r| r.repository()))
        .collect();
    !names.is_empty()
        && ctx.ws.dockerfiles.values().any(|df| {
            df.instructions.iter().any(|i| match &i.kind {
                InstructionKind::From { image, .. } => {
                    ImageRef::parse(&image.value).is_some_and(|r| names.contains(&r.repository()))
                }
                _ => false,
            })
        })
}

/// Where ` && rm -rf /var/lib/apt/lists/*` goes in a shell-form RUN (no
/// heredoc): after its last command, when nothing but blanks or a `;`
/// follows it (not inside parentheses or braces). On a RUN written over
/// several lines, on a line of its own, in the RUN's style: `&&` leading
/// the line or ending the one before.
fn removal_edit(
    source: &SourceFile,
    ins: &Instruction,
    commands: &[SimpleCommand],
) -> Option<(TextRange, String)> {
    let InstructionKind::Run {
        command: Command::Shell(text),
        heredocs,
    } = &ins.kind
    else {
        return None;
    };
    if !heredocs.is_empty() {
        return None;
    }
    let last = commands.last()?;
    let end = last.range.end;
    if end > text.range.end
        || !matches!(
            source.slice(TextRange::new(end, text.range.end)).trim(),
            "" | ";"
        )
    {
        return None;
    }
    let written = source.slice(TextRange::new(ins.range.start, end));
    let removal = "rm -rf /var/lib/apt/lists/*";
    let Some(line_start) = written.rfind('\n') else {
        return Some((TextRange::new(end, end), format!(" && {removal}")));
    };
    // The RUN's own line breaks.
    let eol = if written[..line_start].ends_with('\r') {
        "\r\n"
    } else {
        "\n"
    };
    let indent_of = |line: &str| -> String {
        line.chars()
            .take_while(|c| *c == ' ' || *c == '\t')
            .collect()
    };
    let leading = written
        .lines()
        .skip(1)
        .filter(|l| l.trim_start().starts_with("&&"))
        .last();
    let replacement = match leading {
        Some(line) => format!(" \\{eol}{}&& {removal}", indent_of(line)),
        None => format!(
            " && \\{eol}{}{removal}",
            indent_of(&written[line_start + 1..])
        ),
    };
    Some((TextRange::new(end, end), replacement))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{assert_fires, assert_silent};

    #[test]
    fn install_without_cleanup() {
        let df = "FROM debian:12\nRUN apt-get update && apt-get -y install curl\n";
        let d = assert_fires(&RULE, &[("Dockerfile", df)]);
        assert_eq!(d[0].text, "apt-get -y install");
        let df = "FROM debian:12\nRUN apt update && apt install -y curl\n";
        assert_eq!(
            assert_fires(&RULE, &[("Dockerfile", df)])[0].text,
            "apt install"
        );
    }

    #[test]
    fn the_fix_ends_the_run_with_the_removal() {
        use crate::rules::testing::{fixed, fixed_text};
        for (run, after) in [
            (
                "RUN apt-get update && apt-get install -y curl",
                "RUN apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists/*",
            ),
            (
                "RUN set -eux; apt-get update; apt-get install -y curl;",
                "RUN set -eux; apt-get update; apt-get install -y curl && rm -rf /var/lib/apt/lists/*;",
            ),
            (
                "RUN apt-get update \\\n    && apt-get install -y \\\n        curl",
                "RUN apt-get update \\\n    && apt-get install -y \\\n        curl \\\n    && rm -rf /var/lib/apt/lists/*",
            ),
            (
                "RUN apt-get update && \\\r\n    apt-get install -y curl",
                "RUN apt-get update && \\\r\n    apt-get install -y curl && \\\r\n    rm -rf /var/lib/apt/lists/*",
            ),
        ] {
            let df = format!("FROM debian:12\n{run}\n");
            let text = fixed_text(&RULE, &[("Dockerfile", &df)]);
            assert_eq!(text, format!("FROM debian:12\n{after}\n"), "{run}");
            let again = fixed(&RULE, &[("Dockerfile", &text)]);
            assert!(again.0.is_empty(), "{again:?}");
        }
        // No fix: a later RUN installs from these lists (or may); a
        // subshell; a heredoc.
        for df in [
            "FROM debian:12\nRUN apt-get update\nRUN apt-get install -y curl\n",
            "FROM debian:12\nRUN apt-get update && apt-get install -y curl\nRUN sh -c \"apt-get install -y wget\"\n",
            "FROM debian:12\nRUN apt-get update && apt-get install -y curl\nONBUILD RUN apt-get install -y wget\n",
            "FROM debian:12\nRUN (apt-get update && apt-get install -y curl)\n",
            "FROM debian:12\nRUN <<EOF\napt-get update\napt-get install -y curl\nEOF\n",
        ] {
            assert_fires(&RULE, &[("Dockerfile", df)]);
            assert!(fixed(&RULE, &[("Dockerfile", df)]).0.is_empty(), "{df}");
        }
        // The base of another image the project builds.
        let files = [
            (
                "compose.yaml",
                "services:\n  base:\n    build: base\n    image: acme/base:1\n  app:\n    build: app\n",
            ),
            ("base/Dockerfile", "FROM debian:12\nRUN apt-get update && apt-get install -y curl\n"),
            ("app/Dockerfile", "FROM acme/base:1\nRUN apt-get install -y wget\n"),
        ];
        assert!(fixed(&RULE, &files).0.is_empty());
    }

    #[test]
    fn cleanup_in_the_same_run() {
        for df in [
            "FROM debian:12\nRUN apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists/*\n",
            "FROM debian:12\nRUN set -eux; apt-get update; apt-get install -y curl; rm -rf \"/var/lib/apt/lists\"\n",
            "FROM debian:13\nRUN apt-get update && apt-get install -y curl && apt-get dist-clean\n",
            "FROM debian:12\nRUN --mount=type=cache,target=/var/lib/apt/lists,sharing=locked apt-get update && apt-get install -y curl\n",
            "FROM debian:12\nRUN <<EOF\napt-get update\napt-get install -y curl\nrm -rf /var/lib/apt/lists/*\nEOF\n",
            // A folder above the lists removes them too.
            "FROM debian:12\nRUN apt-get update && apt-get install -y curl && rm -rf /var/lib/apt /var/cache/apt\n",
            "FROM debian:12\nRUN apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/*\n",
            "FROM debian:12\nRUN apt-get update && apt-get install -y curl && find /var/lib/apt/ -type f -delete\n",
            "FROM debian:12\nRUN --mount=type=cache,target=/var/lib/apt/ apt-get update && apt-get install -y curl\n",
        ] {
            assert_silent(&RULE, &[("Dockerfile", df)]);
        }
    }

    #[test]
    fn cleanup_before_install_or_in_a_later_run() {
        let df = "FROM debian:12\nRUN rm -rf /var/lib/apt/lists/* && apt-get update && apt-get install -y curl\n";
        assert_fires(&RULE, &[("Dockerfile", df)]);
        let df = "FROM debian:12\nRUN apt-get update && apt-get install -y curl\nRUN rm -rf /var/lib/apt/lists/*\n";
        assert_fires(&RULE, &[("Dockerfile", df)]);
    }

    /// `apt-get update` writes the lists: the RUN that runs it keeps them
    /// in its layer, whatever a later RUN installs or removes.
    #[test]
    fn the_run_that_downloads_the_lists() {
        let df = "FROM debian:12\nRUN apt-get update && apt-get -y upgrade\nRUN apt-get install -y curl\n";
        let d = assert_fires(&RULE, &[("Dockerfile", df)]);
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!((d[0].line, d[0].text.as_str()), (2, "apt-get update"));
        let df = "FROM debian:12\nRUN apt-get update\nRUN apt-get install -y curl && rm -rf /var/lib/apt/lists/*\n";
        let d = assert_fires(&RULE, &[("Dockerfile", df)]);
        assert_eq!((d.len(), d[0].line), (1, 2), "{d:?}");
        // An install that downloads nothing writes no lists.
        let df = "FROM debian:12\nRUN apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists/*\nRUN apt-get install -y ./local.deb\n";
        assert_silent(&RULE, &[("Dockerfile", df)]);
        let df = "FROM acme/base:1.0\nRUN apt-get install -y curl\n";
        assert_silent(&RULE, &[("Dockerfile", df)]);
    }

    #[test]
    fn builder_stages_are_thrown_away() {
        let df = "FROM debian:12 AS deps\nRUN apt-get update && apt-get install -y gcc\nFROM debian:12\nCOPY --from=deps /x /x\n";
        assert_silent(&RULE, &[("Dockerfile", df)]);
        let compose = "services:\n  app:\n    build:\n      context: .\n      target: deps\n";
        assert_fires(&RULE, &[("compose.yaml", compose), ("Dockerfile", df)]);
        // A service that runs a stage named for building builds.
        let df = df.replace("deps", "build");
        let compose = compose.replace("deps", "build");
        assert_silent(&RULE, &[("compose.yaml", &compose), ("Dockerfile", &df)]);
    }

    #[test]
    fn simulation_and_other_managers() {
        let df = "FROM debian:12\nRUN apt-get install -s curl\nRUN apk add curl\n";
        assert_silent(&RULE, &[("Dockerfile", df)]);
    }

    /// A script after the install may clean up: nothing is asserted.
    #[test]
    fn scripts_after_the_install() {
        let df = "FROM debian:12\nRUN apt-get update && apt-get install -y curl && /scripts/cleanup.sh\n";
        assert_silent(&RULE, &[("Dockerfile", df)]);
        let df = "FROM debian:12\nRUN /scripts/cleanup.sh && apt-get update && apt-get install -y curl\n";
        assert_fires(&RULE, &[("Dockerfile", df)]);
    }

    /// A sibling of the lists, or a folder that only starts like them, is
    /// not them.
    #[test]
    fn other_folders_are_not_the_lists() {
        for rm in [
            "rm -rf /var/lib/ap",
            "rm -rf /var/lib/apt-x",
            "rm -rf /var/cache/apt/*",
            "rm -rf lists",
        ] {
            let df =
                format!("FROM debian:12\nRUN apt-get update && apt-get install -y curl && {rm}\n");
            assert_fires(&RULE, &[("Dockerfile", &df)]);
        }
    }

    /// Development, test and build images: their size is not the point.
    #[test]
    fn development_images() {
        let df = "FROM debian:12\nRUN apt-get update && apt-get -y install curl\n";
        let app = ("Dockerfile", "FROM debian:12\n");
        for name in [
            ".devcontainer/Dockerfile",
            "docker/builder-go.dockerfile",
            "Dockerfile.dev",
        ] {
            assert_silent(&RULE, &[app, (name, df)]);
        }
    }
}
