//! `shell-form-entrypoint`: the image a server runs from starts it with a
//! shell-form `CMD` or `ENTRYPOINT` under a `/bin/sh` that stays process 1
//! (Debian's and Ubuntu's dash): `docker stop`'s SIGTERM goes to the shell,
//! which ignores it, and the server is killed 10 seconds later.

use crate::facts::base_image::official_name;
use crate::facts::commands::{image_command, servers};
use crate::facts::image_ref::ImageRef;
use crate::facts::images::{runs_stage, JudgedImage};
use crate::facts::ports::exposed_ports;
use crate::rules::{Context, Diagnostic, Edit, Fix, Rule, RuleId, RuleMeta, Severity};
use crate::source::{Span, TextRange};
use crate::syntax::dockerfile::{Command, InstructionKind};
use crate::syntax::shell;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: RuleId::ShellFormEntrypoint,
        severity: Severity::Warning,
        summary: "A server's image starts it with a shell-form CMD or ENTRYPOINT on a Debian or Ubuntu base, whose /bin/sh (dash) stays process 1: `docker stop` reaches the shell, not the server, which is killed 10 s later.",
        doc: include_str!("../../rules/shell-form-entrypoint.md"),
        cases: &[],
    },
    check,
};

/// Official images whose default variants are built on Debian or Ubuntu,
/// where `/bin/sh` is dash: it forks the last command of `sh -c` instead
/// of replacing itself with it (dash 0.5.12: checked). BusyBox's ash
/// (Alpine) and bash exec the last simple command themselves.
const DASH_BASES: &[&str] = &[
    "python",
    "node",
    "ruby",
    "golang",
    "php",
    "rust",
    "perl",
    "debian",
    "ubuntu",
    "buildpack-deps",
    "eclipse-temurin",
    "nginx",
    "httpd",
    "tomcat",
];

/// Whether `/bin/sh` of the base image is dash: a known Debian or Ubuntu
/// official image, not an Alpine variant.
fn sh_is_dash(base: &str) -> bool {
    let Some(image) = ImageRef::parse(base) else {
        return false;
    };
    let tag = image.tag.unwrap_or("latest").to_ascii_lowercase();
    official_name(&image).is_some_and(|n| DASH_BASES.contains(&n.as_str()))
        && !tag.contains("alpine")
        && !tag.contains("windowsservercore")
        && !tag.contains("ubi")
        && !tag.contains("nanoserver")
}

/// Shell builtins `exec` cannot replace the shell with.
const BUILTINS: &[&str] = &[
    "cd", ".", "source", "wait", "true", "false", ":", "export", "set", "unset", "trap", "read",
    "exit", "return", "eval", "echo", "printf", "test", "[", "shift", "ulimit", "umask", "alias",
    "unalias", "getopts", "hash", "readonly", "type", "local", "command", "times", "jobs", "fg",
    "bg", "kill",
];

fn check(ctx: &Context) -> Vec<Diagnostic> {
    let purposes = ctx.facts().purposes();
    let mut out = Vec::new();
    for image in ctx.facts().images() {
        // Development and build images: a container stopped by hand.
        if purposes.image(image).is_some() {
            continue;
        }
        if let Some(d) = judge(ctx, image) {
            out.push(d);
        }
    }
    out
}

/// The script a `sh -c` runs when a command is `["sh", "-c", SCRIPT]`
/// (or `/bin/sh`, `dash`), with where it is written.
fn sh_c_script(
    items: &[crate::source::Spanned<String>],
) -> Option<&crate::source::Spanned<String>> {
    let program = items.first()?.value.rsplit('/').next()?;
    if !matches!(program, "sh" | "dash") || items.get(1)?.value != "-c" {
        return None;
    }
    items.get(2)
}

fn judge(ctx: &Context, image: &JudgedImage) -> Option<Diagnostic> {
    let facts = &image.facts;
    // What runs under `/bin/sh -c`: a shell-form ENTRYPOINT (CMD is then
    // ignored); a shell-form CMD, process 1 without ENTRYPOINT, and the
    // arguments of an exec-form one (`exec "$@"` of its script makes the
    // shell process 1; tini hands SIGTERM to the shell, which dies and
    // leaves the server); or `["sh", "-c", SCRIPT]` written out.
    let (keyword, located, under_entrypoint) = match (&facts.entrypoint, &facts.cmd) {
        (Some(e), _) if matches!(e.value, Command::Shell(_)) => ("ENTRYPOINT", e, false),
        (Some(e), Some(c)) if matches!(c.value, Command::Shell(_)) => ("CMD", c, true),
        (Some(e), _) => ("ENTRYPOINT", e, false),
        (None, Some(c)) => ("CMD", c, false),
        (None, None) => return None,
    };
    let (text, written_out) = match &located.value {
        Command::Shell(text) => (text, false),
        Command::Exec(items) => (sh_c_script(items)?, true),
    };
    // The services that run the instruction: not those that replace it.
    let replaced = |s: &&crate::model::types::Service| {
        s.entrypoint.is_some() || (keyword == "CMD" && s.command.is_some())
    };
    let services: Vec<&crate::model::types::Service> = image
        .services
        .iter()
        .copied()
        .filter(|s| !replaced(s))
        .collect();
    if !image.services.is_empty() && services.is_empty() {
        return None;
    }
    // The shell: the last `SHELL` along the chain, else `/bin/sh -c`. bash
    // (not a login shell) execs the last command; another shell is not
    // known.
    let shell = image.instructions().filter_map(|(_, _, i)| match &i.kind {
        InstructionKind::Shell(words) => Some(words),
        _ => None,
    });
    if let Some(words) = shell.last().filter(|_| !written_out) {
        let program = words
            .first()
            .map(|w| w.value.rsplit('/').next().unwrap_or_default());
        if !matches!(program, Some("sh" | "dash")) {
            return None;
        }
    }
    let base = facts.base_image.as_ref()?;
    if !sh_is_dash(&base.value) {
        return None;
    }
    let commands = shell::split(&text.value, text.range.start);
    let last = commands.last()?;
    // `exec server` already replaces the shell; a script that traps or
    // waits handles the signal itself; `[…` is a broken exec form.
    let words = commands.iter().flat_map(|c| &c.words);
    let handles = words
        .clone()
        .any(|w| !w.quoted && matches!(w.text.as_str(), "exec" | "trap" | "wait" | "eval"));
    if handles || text.value.trim_start().starts_with('[') {
        return None;
    }
    // A server: it listens (EXPOSE, a port its services publish or
    // expose) or is a web server we know.
    let listens = !facts.expose.is_empty()
        || services
            .iter()
            .any(|s| !s.ports.is_empty() || !exposed_ports(s).is_empty());
    let cmd = image_command(ctx.ws, facts.dockerfile_file, &located.value);
    if !listens && servers(&cmd).is_empty() {
        return None;
    }
    let program = last.program_name().unwrap_or("the command");
    // A JSON string without escapes: its text between the quotes.
    let range = if written_out && text.range.len() == text.value.len() + 2 {
        TextRange::new(text.range.start + 1, text.range.end - 1)
    } else {
        text.range
    };
    let at = Span::new(facts.dockerfile_file, range);
    let how = if under_entrypoint {
        format!("`{keyword}` in shell form runs under the ENTRYPOINT as `/bin/sh -c`")
    } else if written_out {
        format!("`{keyword}` runs `sh -c` as process 1")
    } else {
        format!("`{keyword}` in shell form runs `/bin/sh -c` as process 1")
    };
    let mut d = Diagnostic::new(
        RULE.meta.id,
        at,
        format!(
            "{how}, and the base image's sh (dash) keeps running beside `{program}` instead of replacing itself with it: `docker stop`'s SIGTERM reaches the shell, not `{program}`, which never shuts down cleanly and is killed when the grace period ends (10 s)"
        ),
    )
    .with_span_label("/bin/sh stays in front of the server")
    .with_help(format!(
        "use the exec form (`{keyword} [\"{program}\", …]`), or start the last command with `exec` so that it replaces the shell"
    ));
    for s in &services {
        let (span, label) = runs_stage(s, facts.run_stage());
        d = d.with_label(span, label);
    }
    // The fix edits the text as written: not through continuations or
    // comments (the parsed text joins them), not inside a JSON string.
    let written = ctx.ws.sources.get(facts.dockerfile_file).slice(text.range);
    if !written_out && written == text.value {
        if let Some(fix) = exec_fix(&text.value, text.range, facts.dockerfile_file, &commands) {
            d = d.with_fix(fix);
        }
    }
    Some(d)
}

/// `exec ` before the last command, when it is the top level's last
/// command (after `&&` or `;`, or alone; not in a pipeline, a group or a
/// loop), is a program (not a builtin, not after an assignment) and
/// nothing follows it.
fn exec_fix(
    text: &str,
    range: TextRange,
    file: crate::source::FileId,
    commands: &[shell::SimpleCommand],
) -> Option<Fix> {
    let last = commands.last()?;
    let start = last.range.start.checked_sub(range.start)?;
    let end = last.range.end.checked_sub(range.start)?;
    if !text.get(end..)?.trim().is_empty() {
        return None;
    }
    let before = match commands.len().checked_sub(2).map(|i| &commands[i]) {
        Some(prev) => text
            .get(prev.range.end.checked_sub(range.start)?..start)?
            .trim(),
        None => text.get(..start)?.trim(),
    };
    if !matches!(before, "" | "&&" | ";") {
        return None;
    }
    let first = last.words.first()?;
    if shell::program_index(last.words.iter().map(|w| (w.text.as_str(), w.quoted))) != Some(0)
        || BUILTINS.contains(&first.text.as_str())
        || first.quoted
    {
        return None;
    }
    // Any group, loop, condition, pipeline or background job: left to the
    // user.
    let words = commands.iter().flat_map(|c| &c.words);
    let keyword = words.clone().any(|w| {
        !w.quoted
            && matches!(
                w.text.as_str(),
                "if" | "then" | "fi" | "do" | "done" | "{" | "}" | "case" | "esac"
            )
    });
    if keyword || text.replace("&&", "").contains(['(', ')', '|', '&']) {
        return None;
    }
    Some(Fix::edits(
        "`exec` before the last command, so that it replaces the shell",
        vec![Edit {
            span: Span::new(file, TextRange::new(last.range.start, last.range.start)),
            replacement: "exec ".to_string(),
        }],
        false,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::secrets::SecretPolicy;
    use crate::rules::testing::{assert_fires, assert_silent};

    fn dockerfile(base: &str, tail: &str) -> String {
        format!("FROM {base}\nUSER nobody\nEXPOSE 8000\n{tail}")
    }

    fn raw(files: &[(&str, &str)]) -> Vec<Diagnostic> {
        let dir = crate::rules::testing::write_project(files);
        let ws = crate::rules::testing::workspace(dir.path());
        let policy = SecretPolicy::default();
        (RULE.check)(&Context::new(&ws, &policy))
    }

    #[test]
    fn at_the_shell_text_on_debian_bases() {
        let d = assert_fires(
            &RULE,
            &[(
                "Dockerfile",
                &dockerfile("python:3.12-slim", "CMD gunicorn app:app\n"),
            )],
        );
        assert_eq!(d[0].text, "gunicorn app:app");
        assert!(d[0].message.contains("`gunicorn`"), "{}", d[0].message);
        // A shell-form ENTRYPOINT is process 1 whatever CMD says.
        let d = assert_fires(
            &RULE,
            &[(
                "Dockerfile",
                &dockerfile(
                    "node:22",
                    "ENTRYPOINT node server.js\nCMD [\"--port\", \"8000\"]\n",
                ),
            )],
        );
        assert_eq!(d[0].text, "node server.js");
        // Inherited from the stage the image is built FROM.
        let df = "FROM python:3.12-slim AS base\nCMD uvicorn app:app --host 0.0.0.0\nFROM base\nUSER nobody\n";
        let d = assert_fires(&RULE, &[("Dockerfile", df)]);
        assert_eq!(d[0].line, 2);
    }

    #[test]
    fn silent_where_the_shell_goes_away_or_nothing_serves() {
        for df in [
            dockerfile("python:3.12-alpine", "CMD gunicorn app:app\n"),
            dockerfile("python:3.12-slim", "CMD exec gunicorn app:app\n"),
            dockerfile("python:3.12-slim", "CMD [\"gunicorn\", \"app:app\"]\n"),
            dockerfile(
                "python:3.12-slim",
                "SHELL [\"/bin/bash\", \"-c\"]\nCMD gunicorn app:app\n",
            ),
            dockerfile("ghcr.io/acme/base:1", "CMD gunicorn app:app\n"),
            "FROM python:3.12-slim\nUSER nobody\nCMD python -m app.migrate\n".to_string(),
        ] {
            assert_silent(&RULE, &[("Dockerfile", &df)]);
        }
        // Every service replaces the command.
        assert_silent(
            &RULE,
            &[
                (
                    "Dockerfile",
                    &dockerfile("python:3.12-slim", "CMD gunicorn app:app\n"),
                ),
                (
                    "compose.yaml",
                    "services:\n  app:\n    build: .\n    command: [\"gunicorn\", \"app:app\"]\n",
                ),
            ],
        );
    }

    /// Found by review.
    #[test]
    fn under_an_entrypoint_written_out_and_other_shells() {
        // CMD under an exec-form ENTRYPOINT (tini, a script's `exec "$@"`).
        let d = assert_fires(
            &RULE,
            &[(
                "Dockerfile",
                &dockerfile(
                    "python:3.12-slim",
                    "ENTRYPOINT [\"tini\", \"--\"]\nCMD gunicorn app:app\n",
                ),
            )],
        );
        assert!(
            d[0].message.contains("under the ENTRYPOINT"),
            "{}",
            d[0].message
        );
        // `sh -c` written out.
        let d = assert_fires(
            &RULE,
            &[(
                "Dockerfile",
                &dockerfile(
                    "python:3.12-slim",
                    "CMD [\"sh\", \"-c\", \"gunicorn app:app\"]\n",
                ),
            )],
        );
        assert_eq!(d[0].text, "gunicorn app:app");
        // A SHELL that is still dash; bash is not reported.
        assert_fires(
            &RULE,
            &[(
                "Dockerfile",
                &dockerfile(
                    "python:3.12-slim",
                    "SHELL [\"/bin/sh\", \"-eu\", \"-c\"]\nCMD gunicorn app:app\n",
                ),
            )],
        );
        for silent in [
            dockerfile(
                "python:3.12-slim",
                "CMD trap 'kill -TERM $P' TERM; gunicorn app & P=$!; wait $P\n",
            ),
            dockerfile(
                "python:3.12-slim",
                "CMD if true; then exec gunicorn a; else exec uvicorn b; fi\n",
            ),
            dockerfile("python:3.12-slim", "CMD ['gunicorn', 'app:app']\n"),
            dockerfile("eclipse-temurin:21-ubi9-minimal", "CMD java -jar app.jar\n"),
            dockerfile("openjdk:21-jdk", "CMD java -jar app.jar\n"),
        ] {
            assert_silent(&RULE, &[("Dockerfile", &silent)]);
        }
    }

    #[test]
    fn the_fix_puts_exec_before_the_last_program() {
        let fixed = |tail: &str| -> Option<String> {
            let df = dockerfile("python:3.12-slim", tail);
            let d = raw(&[("Dockerfile", &df)]);
            let fix = d.first()?.fix.clone()?;
            let at = fix.edits[0].span.range.start;
            Some(format!(
                "{}{}{}",
                &df[..at],
                fix.edits[0].replacement,
                &df[at..]
            ))
        };
        assert!(fixed("CMD gunicorn app:app\n")
            .unwrap()
            .ends_with("CMD exec gunicorn app:app\n"));
        assert!(fixed("CMD cd /srv && gunicorn app:app\n")
            .unwrap()
            .ends_with("CMD cd /srv && exec gunicorn app:app\n"));
        for none in [
            "CMD gunicorn app:app | tee log\n",
            "CMD gunicorn app:app &\n",
            "CMD PORT=8000 gunicorn app:app\n",
            "CMD if true; then gunicorn app:app; fi\n",
            "CMD gunicorn app:app || sleep 1\n",
            "CMD cd /a && \\\n  mkdir -p x && \\\n  gunicorn app:app\n",
            "CMD cd /a && alias x=y\n",
        ] {
            assert_eq!(fixed(none).filter(|f| f.contains("exec ")), None, "{none}");
        }
    }
}
