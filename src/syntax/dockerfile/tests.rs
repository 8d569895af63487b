use super::*;
use std::time::{Duration, Instant};

fn at(src: &str, r: TextRange) -> &str {
    src.get(r.start..r.end).unwrap_or("<bad range>")
}

fn ok(src: &str) -> Dockerfile {
    let df = parse(src);
    assert!(df.errors.is_empty(), "unexpected errors: {:?}", df.errors);
    df
}

fn messages(df: &Dockerfile) -> Vec<&str> {
    df.errors.iter().map(|e| e.message.as_str()).collect()
}

fn env_of(i: &Instruction) -> &[EnvPair] {
    match &i.kind {
        InstructionKind::Env(p) => p,
        k => panic!("not ENV: {k:?}"),
    }
}

fn shell_text(c: &Command) -> &Spanned<String> {
    match c {
        Command::Shell(s) => s,
        c => panic!("not shell form: {c:?}"),
    }
}

fn exec_items(c: &Command) -> &[Spanned<String>] {
    match c {
        Command::Exec(v) => v,
        c => panic!("not exec form: {c:?}"),
    }
}

#[test]
fn from_with_platform_and_alias() {
    let src = "FROM --platform=$BUILDPLATFORM python:3.12-slim As Builder\nfrom alpine\n";
    let df = ok(src);
    assert_eq!(df.instructions.len(), 2);
    let i = &df.instructions[0];
    assert_eq!(i.keyword, "FROM");
    assert_eq!(at(src, i.keyword_range), "FROM");
    assert_eq!(
        at(src, i.range),
        "FROM --platform=$BUILDPLATFORM python:3.12-slim As Builder"
    );
    let p = i.flag("platform").expect("platform");
    assert_eq!(p.value, "$BUILDPLATFORM");
    assert_eq!(at(src, p.range), "$BUILDPLATFORM");
    assert_eq!(at(src, i.flags[0].range), "--platform=$BUILDPLATFORM");
    assert_eq!(at(src, i.flags[0].name.range), "platform");
    let InstructionKind::From { image, alias } = &i.kind else {
        panic!()
    };
    assert_eq!(image.value, "python:3.12-slim");
    assert_eq!(at(src, image.range), "python:3.12-slim");
    let alias = alias.as_ref().expect("alias");
    assert_eq!(at(src, alias.range), "Builder");
    assert_eq!(df.instructions[1].keyword, "FROM");
    assert_eq!(at(src, df.instructions[1].keyword_range), "from");

    let stages = df.stages();
    assert_eq!(stages.len(), 2);
    assert_eq!(stages[0].instructions, 0..1);
    assert!(stages[0].is_named("builder"));
    assert_eq!(
        stages[0].platform.as_ref().map(|p| p.value.as_str()),
        Some("$BUILDPLATFORM")
    );
    assert_eq!(stages[1].image.value, "alpine");
    assert_eq!(stages[1].alias, None);
}

#[test]
fn from_errors() {
    let df = parse("FROM\n");
    assert_eq!(
        messages(&df),
        vec!["FROM requires either one or three arguments"]
    );
    let df = parse("FROM a b\n");
    assert_eq!(
        messages(&df),
        vec!["FROM requires either one or three arguments"]
    );
    let df = parse("FROM a AS 1x\n");
    assert_eq!(df.errors.len(), 1);
    assert!(df.errors[0]
        .message
        .contains("invalid name for build stage"));
}

#[test]
fn no_from_and_unknown_instruction() {
    let src = "ARG A=1\nRUN echo\n";
    let df = parse(src);
    assert_eq!(
        messages(&df),
        vec![
            "dockerfile contains no stages to build",
            "no build stage in current context"
        ]
    );
    let src = "FROM a\nFOO bar\n";
    let df = parse(src);
    assert_eq!(messages(&df), vec!["unknown instruction: FOO"]);
    assert_eq!(at(src, df.errors[0].range), "FOO");
    assert_eq!(df.instructions.len(), 2);
    let df = parse("");
    assert_eq!(messages(&df), vec!["file with no instructions"]);
    let df = parse("# just a comment\n\n");
    assert_eq!(messages(&df), vec!["file with no instructions"]);
}

#[test]
fn args_before_and_in_stages() {
    let src = "ARG BASE=alpine:3 \\\n  VERSION\nFROM $BASE\narg  TOKEN=\"a b\" X='$y'\n";
    let df = ok(src);
    let globals: Vec<_> = df.global_args().collect();
    assert_eq!(globals.len(), 2);
    assert_eq!(at(src, globals[0].name.range), "BASE");
    let d = globals[0].default.as_ref().expect("default");
    assert_eq!(d.value, "alpine:3");
    assert_eq!(at(src, d.range), "alpine:3");
    assert_eq!(globals[1].name.value, "VERSION");
    assert_eq!(at(src, globals[1].name.range), "VERSION");
    assert!(globals[1].default.is_none());
    let InstructionKind::Arg(decls) = &df.instructions[2].kind else {
        panic!()
    };
    assert_eq!(df.instructions[2].keyword, "ARG");
    let d = decls[0].default.as_ref().expect("default");
    assert_eq!(d.value, "a b");
    assert_eq!(at(src, d.range), "\"a b\"");
    let d = decls[1].default.as_ref().expect("default");
    assert_eq!(d.value, "$y");
    assert_eq!(decls[1].literal, vec![TextRange::new(0, 2)]);
    assert_eq!(
        expand(&d.value, &decls[1].literal, &mut |_| Some("no".into())),
        "$y"
    );
    assert_eq!(
        messages(&parse("FROM a\nARG\n")),
        vec!["ARG requires at least one argument"]
    );
}

#[test]
fn env_forms() {
    let src = "FROM a\nENV K=V K2=\"v 2\" K3=$HOME/x K4='$lit' K5=a\\ b K6=\"q\\\"q\" \\\n    K7=${X:-d}\nENV LEGACY value with  spaces\nENV EMPTY=\n";
    let df = ok(src);
    let pairs = env_of(&df.instructions[1]);
    let got: Vec<(&str, &str)> = pairs
        .iter()
        .map(|p| (p.key.value.as_str(), p.value.value.as_str()))
        .collect();
    assert_eq!(
        got,
        vec![
            ("K", "V"),
            ("K2", "v 2"),
            ("K3", "$HOME/x"),
            ("K4", "$lit"),
            ("K5", "a b"),
            ("K6", "q\"q"),
            ("K7", "${X:-d}"),
        ]
    );
    let raw: Vec<&str> = pairs.iter().map(|p| at(src, p.value.range)).collect();
    assert_eq!(
        raw,
        vec![
            "V",
            "\"v 2\"",
            "$HOME/x",
            "'$lit'",
            "a\\ b",
            "\"q\\\"q\"",
            "${X:-d}"
        ]
    );
    assert_eq!(at(src, pairs[6].key.range), "K7");
    assert_eq!(pairs[3].literal, vec![TextRange::new(0, 4)]);
    assert!(pairs[0].literal.is_empty());
    let mut lookup = |n: &str| (n == "HOME").then(|| "/root".to_string());
    assert_eq!(
        expand(&pairs[2].value.value, &pairs[2].literal, &mut lookup),
        "/root/x"
    );
    assert_eq!(
        expand(&pairs[3].value.value, &pairs[3].literal, &mut lookup),
        "$lit"
    );
    assert_eq!(
        expand(&pairs[6].value.value, &pairs[6].literal, &mut lookup),
        "d"
    );
    let inst = &df.instructions[1];
    assert!(at(src, inst.range).starts_with("ENV K=V"));
    assert!(at(src, inst.range).ends_with("K7=${X:-d}"));

    let legacy = env_of(&df.instructions[2]);
    assert_eq!(legacy.len(), 1);
    assert_eq!(legacy[0].key.value, "LEGACY");
    assert_eq!(legacy[0].value.value, "value with  spaces");
    assert_eq!(at(src, legacy[0].value.range), "value with  spaces");
    let empty = env_of(&df.instructions[3]);
    assert_eq!(empty[0].value.value, "");
    assert_eq!(empty[0].value.range.start, empty[0].value.range.end);
}

#[test]
fn env_errors() {
    assert_eq!(
        messages(&parse("FROM a\nENV\n")),
        vec!["ENV requires at least one argument"]
    );
    assert_eq!(
        messages(&parse("FROM a\nENV ONLYKEY\n")),
        vec!["ENV must have two arguments"]
    );
    let df = parse("FROM a\nENV A=1 B\n");
    assert_eq!(df.errors.len(), 1);
    assert!(df.errors[0].message.contains("can't find = in"));
    assert_eq!(
        messages(&parse("FROM a\nENV =x\n")),
        vec!["ENV names can not be blank"]
    );
    let df = parse("FROM a\nENV A='open\n");
    assert_eq!(df.errors.len(), 1);
}

#[test]
fn user_workdir_expose() {
    let src = "FROM a\nUSER app:app\nWORKDIR /srv/app\nEXPOSE 9000 80/tcp $PORT\nuser\n";
    let df = parse(src);
    assert_eq!(messages(&df), vec!["USER requires exactly one argument"]);
    let InstructionKind::User(u) = &df.instructions[1].kind else {
        panic!()
    };
    assert_eq!(u.value, "app:app");
    assert_eq!(at(src, u.range), "app:app");
    let InstructionKind::Workdir(w) = &df.instructions[2].kind else {
        panic!()
    };
    assert_eq!(at(src, w.range), "/srv/app");
    let InstructionKind::Expose(ports) = &df.instructions[3].kind else {
        panic!()
    };
    let p: Vec<&str> = ports.iter().map(|p| at(src, p.range)).collect();
    assert_eq!(p, vec!["9000", "80/tcp", "$PORT"]);
    assert_eq!(ports[2].value, "$PORT");
}

#[test]
fn healthcheck() {
    let src = "FROM a\nHEALTHCHECK NONE\nHEALTHCHECK --interval=30s --timeout=10s --start-period=40s --retries=3 \\\n  CMD curl -f http://localhost/ || exit 1\nHEALTHCHECK CMD [\"/bin/check\", \"-q\"]\n";
    let df = ok(src);
    assert_eq!(
        df.instructions[1].kind,
        InstructionKind::Healthcheck(HealthcheckSpec::None)
    );
    let h = &df.instructions[2];
    assert_eq!(h.flags.len(), 4);
    assert_eq!(h.flag("interval").map(|f| f.value.as_str()), Some("30s"));
    assert_eq!(h.flag("retries").map(|f| at(src, f.range)), Some("3"));
    let InstructionKind::Healthcheck(HealthcheckSpec::Check { command }) = &h.kind else {
        panic!()
    };
    let t = shell_text(command);
    assert_eq!(t.value, "curl -f http://localhost/ || exit 1");
    assert_eq!(at(src, t.range), "curl -f http://localhost/ || exit 1");
    let c = df.instructions[3].command().expect("command");
    let items = exec_items(c);
    assert_eq!(items[1].value, "-q");
    assert_eq!(at(src, items[1].range), "\"-q\"");

    assert_eq!(
        messages(&parse("FROM a\nHEALTHCHECK NONE x\n")),
        vec!["HEALTHCHECK NONE takes no arguments"]
    );
    assert_eq!(
        messages(&parse("FROM a\nHEALTHCHECK CMD\n")),
        vec!["Missing command after HEALTHCHECK CMD"]
    );
    assert_eq!(
        messages(&parse("FROM a\nHEALTHCHECK --bogus=1 CMD x\n")),
        vec!["unknown flag: bogus"]
    );
}

#[test]
fn exec_and_shell_forms() {
    let src = "FROM a\nCMD [\"python\", \"-m\", \"app\", \"\\u00e9\\\"\"]\nENTRYPOINT [\"a\" , \\\n  \"b\"]\nCMD [not json]\nRUN apt-get update && \\\n    # comment inside\n    apt-get install -y curl\nSHELL [\"/bin/bash\", \"-c\"]\nCMD [\"a\", 1]\n";
    let df = parse(src);
    assert_eq!(
        messages(&df),
        vec!["when using JSON array syntax, arrays must be comprised of strings only"]
    );
    let items = exec_items(df.instructions[1].command().expect("cmd"));
    let v: Vec<&str> = items.iter().map(|s| s.value.as_str()).collect();
    assert_eq!(v, vec!["python", "-m", "app", "é\""]);
    assert_eq!(at(src, items[3].range), "\"\\u00e9\\\"\"");
    let items = exec_items(df.instructions[2].command().expect("entrypoint"));
    assert_eq!(at(src, items[1].range), "\"b\"");
    let t = shell_text(df.instructions[3].command().expect("cmd"));
    assert_eq!(t.value, "[not json]");
    let run = &df.instructions[4];
    let t = shell_text(run.command().expect("run"));
    assert_eq!(t.value, "apt-get update &&     apt-get install -y curl");
    assert_eq!(
        at(src, t.range),
        "apt-get update && \\\n    # comment inside\n    apt-get install -y curl"
    );
    assert_eq!(
        at(src, run.range),
        "RUN apt-get update && \\\n    # comment inside\n    apt-get install -y curl"
    );
    let InstructionKind::Shell(sh) = &df.instructions[5].kind else {
        panic!()
    };
    assert_eq!(sh[0].value, "/bin/bash");
}

#[test]
fn run_flags() {
    let src = "FROM a\nRUN --mount=type=cache,target=/root/.cache --mount=type=secret,id=x --network=none pip install .\n";
    let df = ok(src);
    let run = &df.instructions[1];
    let mounts: Vec<&str> = run.flag_values("mount").map(|m| at(src, m.range)).collect();
    assert_eq!(
        mounts,
        vec!["type=cache,target=/root/.cache", "type=secret,id=x"]
    );
    assert_eq!(
        shell_text(run.command().expect("run")).value,
        "pip install ."
    );
    assert_eq!(
        messages(&parse("FROM a\nRUN --foo echo\n")),
        vec!["unknown flag: foo"]
    );
}

#[test]
fn copy_and_add() {
    let src = "FROM a\nCOPY --from=builder --chown=app:app --chmod=755 --link /src/a /src/b /dst/\nADD [\"a b\", \"/c d/\"]\nCOPY . .\ncopy one\n";
    let df = parse(src);
    assert_eq!(df.errors.len(), 1);
    assert!(df.errors[0]
        .message
        .starts_with("COPY requires at least two arguments"));
    let c = &df.instructions[1];
    assert_eq!(c.flag("from").map(|f| f.value.as_str()), Some("builder"));
    assert_eq!(c.flag("chown").map(|f| at(src, f.range)), Some("app:app"));
    assert!(c.has_flag("link"));
    assert_eq!(c.flag("link"), None);
    let InstructionKind::Copy {
        add, sources, dest, ..
    } = &c.kind
    else {
        panic!()
    };
    assert!(!add);
    let s: Vec<&str> = sources.iter().map(|s| at(src, s.range)).collect();
    assert_eq!(s, vec!["/src/a", "/src/b"]);
    assert_eq!(dest.as_ref().map(|d| at(src, d.range)), Some("/dst/"));
    let InstructionKind::Copy {
        add, sources, dest, ..
    } = &df.instructions[2].kind
    else {
        panic!()
    };
    assert!(add);
    assert_eq!(sources[0].value, "a b");
    assert_eq!(dest.as_ref().map(|d| d.value.as_str()), Some("/c d/"));
    assert_eq!(dest.as_ref().map(|d| at(src, d.range)), Some("\"/c d/\""));
}

#[test]
fn heredocs() {
    let src = "FROM a\nRUN <<EOF\necho hi\nEOF\nRUN <<-\"END\" cat > /x && cat <<two\n\techo $A\n\tEND\nsecond\ntwo\nCOPY <<EOF /dest\nbody\nEOF\nRUN echo done\n";
    let df = ok(src);
    assert_eq!(df.instructions.len(), 5);
    let r = &df.instructions[1];
    assert_eq!(at(src, r.range), "RUN <<EOF\necho hi\nEOF");
    let InstructionKind::Run { command, heredocs } = &r.kind else {
        panic!()
    };
    assert_eq!(shell_text(command).value, "<<EOF");
    assert_eq!(heredocs.len(), 1);
    assert_eq!(heredocs[0].name, "EOF");
    assert_eq!(heredocs[0].body.value, "echo hi\n");
    assert_eq!(at(src, heredocs[0].body.range), "echo hi\n");
    assert!(heredocs[0].expand);

    let r = &df.instructions[2];
    let InstructionKind::Run { heredocs, .. } = &r.kind else {
        panic!()
    };
    assert_eq!(heredocs.len(), 2);
    assert_eq!(heredocs[0].name, "END");
    assert!(heredocs[0].chomp);
    assert!(!heredocs[0].expand);
    assert_eq!(heredocs[0].body.value, "\techo $A\n");
    assert_eq!(heredocs[0].content(), "echo $A\n");
    assert_eq!(at(src, heredocs[0].name_range), "<<-\"END\"");
    assert_eq!(heredocs[1].name, "two");
    assert_eq!(heredocs[1].body.value, "second\n");
    assert!(at(src, r.range).ends_with("second\ntwo"));

    let InstructionKind::Copy {
        sources,
        dest,
        heredocs,
        ..
    } = &df.instructions[3].kind
    else {
        panic!()
    };
    assert_eq!(sources[0].value, "<<EOF");
    assert_eq!(dest.as_ref().map(|d| d.value.as_str()), Some("/dest"));
    assert_eq!(heredocs[0].body.value, "body\n");
    assert_eq!(df.instructions[4].keyword, "RUN");
}

#[test]
fn heredoc_not_in_exec_form_or_quotes() {
    let src = "FROM a\nRUN [\"cat\", \"<<EOF\"]\nRUN echo \"<<EOF\"\nCMD cat <<EOF\n";
    let df = ok(src);
    assert_eq!(df.instructions.len(), 4);
}

#[test]
fn unterminated_heredoc() {
    let src = "FROM a\nRUN <<EOF\nno end";
    let df = parse(src);
    assert_eq!(messages(&df), vec!["unterminated heredoc EOF"]);
    assert_eq!(at(src, df.errors[0].range), "RUN <<EOF\nno end");
    let InstructionKind::Run { heredocs, .. } = &df.instructions[1].kind else {
        panic!()
    };
    assert_eq!(heredocs[0].body.value, "no end");
}

#[test]
fn escape_directive_and_directives() {
    let src = "# escape=`\n# syntax=docker/dockerfile:1\nFROM mcr.microsoft.com/windows\nRUN dir c:\\ `\n  && echo hi\nENV P=C:\\path\n";
    let df = ok(src);
    assert_eq!(df.escape, '`');
    let t = shell_text(df.instructions[1].command().expect("run"));
    assert_eq!(t.value, "dir c:\\   && echo hi");
    assert_eq!(env_of(&df.instructions[2])[0].value.value, "C:\\path");

    // Not at the top: an ordinary comment.
    let src = "FROM a\n# escape=`\nRUN a \\\n  b\n";
    let df = ok(src);
    assert_eq!(df.escape, '\\');
    assert_eq!(df.instructions.len(), 2);
    // After another comment: ignored too.
    let df = ok("# hello\n# escape=`\nFROM a\n");
    assert_eq!(df.escape, '\\');
    // Case-insensitive, spaces allowed.
    let df = ok("#  ESCAPE = `\nFROM a\n");
    assert_eq!(df.escape, '`');
    let df = parse("# escape=x\nFROM a\n");
    assert_eq!(df.errors.len(), 1);
    let df = parse("# escape=`\n# escape=\\\nFROM a\n");
    assert_eq!(
        messages(&df),
        vec!["only one escape parser directive can be used"]
    );
    let df = ok("# check=skip=all\n# escape=`\nFROM a\n");
    assert_eq!(df.escape, '`');
}

#[test]
fn continuations() {
    // Trailing whitespace after the escape, empty and comment lines inside.
    let src = "FROM a\nRUN echo a \\  \n\n  # c\n    b \\\t\r\n  c\nRUN echo x\\\\\nRUN done\n";
    let df = ok(src);
    assert_eq!(df.instructions.len(), 4);
    let t = shell_text(df.instructions[1].command().expect("run"));
    assert_eq!(t.value, "echo a     b   c");
    assert!(at(src, df.instructions[1].range).ends_with("  c"));
    // An escaped escape is not a continuation.
    let t = shell_text(df.instructions[2].command().expect("run"));
    assert_eq!(t.value, "echo x\\\\");
    // Continuation at EOF.
    let df = ok("FROM a\nRUN x \\");
    assert_eq!(df.instructions.len(), 2);
}

#[test]
fn crlf_bom_and_case() {
    let src = "\u{FEFF}from alpine AS base\r\nRun echo hi\r\nenv A=1\r\n";
    let df = ok(src);
    assert_eq!(df.instructions[1].keyword, "RUN");
    assert_eq!(at(src, df.instructions[1].range), "Run echo hi");
    assert_eq!(at(src, df.instructions[0].keyword_range), "from");
    assert_eq!(env_of(&df.instructions[2])[0].value.value, "1");
}

#[test]
fn other_instructions() {
    let src = "FROM a\nLABEL a=b c=\"d e\"\nONBUILD RUN echo\nVOLUME [\"/data\"]\nSTOPSIGNAL SIGTERM\nMAINTAINER me\n";
    let df = ok(src);
    let InstructionKind::Other(t) = &df.instructions[2].kind else {
        panic!()
    };
    assert_eq!(at(src, t.range), "RUN echo");
    assert_eq!(df.instructions[2].keyword, "ONBUILD");
    assert_eq!(
        messages(&parse("FROM a\nONBUILD FROM x\n")),
        vec!["FROM isn't allowed as an ONBUILD trigger"]
    );
    assert_eq!(
        messages(&parse("FROM a\nLABEL x\n")),
        vec!["LABEL must have two arguments"]
    );
}

#[test]
fn onbuild_heredoc() {
    let src = "FROM a\nONBUILD RUN <<EOF\necho\nEOF\nRUN x\n";
    let df = ok(src);
    assert_eq!(df.instructions.len(), 3);
    assert!(at(src, df.instructions[1].range).ends_with("EOF"));
}

#[test]
fn stages_ranges() {
    let src = "ARG V=1\nFROM a AS one\nRUN x\nENV A=1\nFROM one\nCOPY --from=one /a /b\n";
    let df = ok(src);
    let st = df.stages();
    assert_eq!(st.len(), 2);
    assert_eq!(st[0].from_index, 1);
    assert_eq!(st[0].instructions, 1..4);
    assert_eq!(st[1].instructions, 4..6);
    assert_eq!(df.stage_instructions(&st[1]).len(), 2);
    assert_eq!(df.global_args().count(), 1);
}

#[test]
fn nasty_inputs_do_not_panic() {
    let start = Instant::now();
    let mut inputs: Vec<String> = vec![
        "\\".into(),
        "FROM a\n\\".into(),
        "FROM a\nRUN <<EOF".into(),
        "FROM a\nRUN <<".into(),
        "FROM a\nRUN <<''\n".into(),
        "FROM a\nCOPY <<EOF <<EOF\n".into(),
        "FROM a\nENV A=\"unterminated\n".into(),
        "FROM a\nENV A=${\n".into(),
        "FROM a\nCMD [\n".into(),
        "FROM a\nCMD [\"\\".into(),
        "FROM a\nRUN --".into(),
        "FROM a\nRUN --mount=\"x".into(),
        "# escape=`\n`".into(),
        "FROM a\nHEALTHCHECK".into(),
        "FROM a\nHEALTHCHECK \u{3000}CMD x".into(),
        "\u{FEFF}".into(),
        "\r\r\r\n\r".into(),
        "FROM é\u{0}\u{1}\u{7f}\u{FFFD} AS \u{10FFFF}\n".into(),
        "FROM a\nENV \u{00A0}=x é=ü\n".into(),
        "FROM a\nRUN echo \u{2028}\\\n".into(),
        "FROM a\nARG =\n".into(),
        "FROM a\nEXPOSE\n".into(),
        "FROM a\nONBUILD\n".into(),
        "FROM a\nSHELL\n".into(),
        format!("FROM a\nCMD {}\n", "[".repeat(10_000)),
        format!("FROM a\nENV A={}\n", "${A:-".repeat(5_000)),
    ];
    let bytes: Vec<u8> = (0..=255u8).cycle().take(70_000).collect();
    inputs.push(String::from_utf8_lossy(&bytes).into_owned());
    // 100k-line continuation.
    let mut long = String::from("FROM a\nRUN echo start \\\n");
    for i in 0..100_000 {
        long.push_str(&format!("  && echo {i} \\\n"));
    }
    long.push_str("  && true\n");
    inputs.push(long);
    // Many lines, no trailing newline, CRLF.
    inputs.push("FROM a\r\nRUN x\r\n".repeat(50_000));
    for input in &inputs {
        let df = parse(input);
        for i in &df.instructions {
            assert!(input.get(i.range.start..i.range.end).is_some());
            assert!(input
                .get(i.keyword_range.start..i.keyword_range.end)
                .is_some());
        }
        for e in &df.errors {
            assert!(e.range.start <= e.range.end && e.range.end <= input.len());
        }
    }
    let df = parse(&inputs[inputs.len() - 2]);
    assert!(df.errors.is_empty());
    let t = shell_text(df.instructions[1].command().expect("run"));
    assert!(t.value.ends_with("&& true"));
    assert!(
        start.elapsed() < Duration::from_secs(20),
        "too slow: {:?}",
        start.elapsed()
    );
}

#[test]
fn large_file_is_linear() {
    let mut src = String::from("FROM a\n");
    let line = "RUN echo aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa \\\n";
    while src.len() < 50 * 1024 * 1024 {
        src.push_str(line);
        src.push_str("  && b\n");
    }
    let start = Instant::now();
    let df = parse(&src);
    assert!(df.errors.is_empty());
    assert!(
        start.elapsed() < Duration::from_secs(30),
        "too slow: {:?}",
        start.elapsed()
    );
}

/// Every real Dockerfile in the shared corpus parses without errors
/// (templates with `{{ }}` may give errors, never panics).
#[test]
fn corpus_dockerfiles() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus");
    let root = if root.is_dir() {
        root
    } else {
        std::path::PathBuf::from("/work/shared/corpus")
    };
    if !root.is_dir() {
        crate::testing::skipped("corpus", "the corpus Dockerfiles: no corpus");
        return;
    }
    let mut seen = 0;
    let mut failures = Vec::new();
    for entry in walkdir::WalkDir::new(&root).into_iter().flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let is_template = name.ends_with(".template");
        let wanted = name == "Dockerfile"
            || name.starts_with("Dockerfile.")
            || name.ends_with(".Dockerfile")
            || (is_template && name.starts_with("Dockerfile"));
        if !wanted || !entry.file_type().is_file() {
            continue;
        }
        let Ok(bytes) = std::fs::read(entry.path()) else {
            continue;
        };
        let text = String::from_utf8_lossy(&bytes);
        // A symbolic link checked out as a file: the tool reads its target.
        if crate::fs::symlink_stand_in(&text).is_some() {
            continue;
        }
        let df = parse(&text);
        seen += 1;
        for i in &df.instructions {
            assert!(text.get(i.range.start..i.range.end).is_some());
        }
        let path = entry.path().to_string_lossy().into_owned();
        // A fixture that is broken on purpose.
        if path.ends_with("wrong-composefile/service1/Dockerfile") {
            assert_eq!(messages(&df), vec!["unknown instruction: WRONG"]);
            continue;
        }
        let templated = is_template || path.contains("{{") || text.contains("{{");
        if !templated && !df.errors.is_empty() {
            failures.push(format!("{path}: {:?}", df.errors));
        }
    }
    eprintln!("parsed {seen} corpus Dockerfiles");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// `references` finds what BuildKit's lexer looks up: not in single
/// quotes, not escaped; defaults marked; special parameters left out.
#[test]
fn references_in_words() {
    let refs = |s: &str, esc: char| -> Vec<(String, String, bool)> {
        references(s, TextRange::new(0, s.len()), esc)
            .into_iter()
            .map(|r| {
                (
                    r.name,
                    s[r.range.start..r.range.end].to_string(),
                    r.defaulted,
                )
            })
            .collect()
    };
    let got = refs(
        r#"a=$A b="${B}x" c='$C' d=\$D ${E:-$F} ${G%.*} $1 $$ ${H:+"${I}"} ${J?m}"#,
        '\\',
    );
    let want = [
        ("A", "$A", false),
        ("B", "${B}", false),
        ("E", "${E:-$F}", true),
        ("F", "$F", true),
        ("G", "${G%.*}", false),
        ("H", "${H:+\"${I}\"}", true),
        ("I", "${I}", true),
        ("J", "${J?m}", false),
    ];
    let want: Vec<(String, String, bool)> = want
        .iter()
        .map(|(a, b, c)| (a.to_string(), b.to_string(), *c))
        .collect();
    assert_eq!(got, want);
    // With `# escape=``, the backtick protects and `\` is a character.
    let got = refs(r"`$A \$B", '`');
    assert_eq!(got, [("B".to_string(), "$B".to_string(), false)]);
    // Offsets are the file's; an unclosed `${` ends the scan.
    let text = "COPY $X ${Y";
    let r = references(text, TextRange::new(5, text.len()), '\\');
    assert_eq!(r.len(), 1);
    assert_eq!(r[0].range, TextRange::new(5, 7));
}

/// Found by review: 50,000 nested `${A:-…}` overflowed the stack (one
/// recursion per level, each rescanning the rest); comment lines inside a
/// continuation are dropped, as BuildKit does; names are Unicode; `?`
/// marks a required reference.
#[test]
fn references_are_bounded_and_read_as_buildkit_does() {
    let deep = format!("{}x{}", "${A:-".repeat(50_000), "}".repeat(50_000));
    let r = references(&deep, TextRange::new(0, deep.len()), '\\');
    assert!(r.len() <= crate::syntax::limits::MAX_NESTING);
    let text = "a=1 \\\n  # note $NOPE\n  b=$YES";
    let r = references(text, TextRange::new(0, text.len()), '\\');
    assert_eq!(r.len(), 1);
    assert_eq!(r[0].name, "YES");
    // Found by the final review: a `}` in quotes inside a default is text;
    // a comment line inside quotes is dropped too.
    let text = r#"X=${A:-"}"$B}"#;
    let r = references(text, TextRange::new(0, text.len()), '\\');
    assert_eq!(r.len(), 2, "{r:?}");
    assert!(r.iter().all(|x| x.defaulted), "{r:?}");
    let text = "X=\"1 \\\n# comment $C\n  \" Y=$D";
    let r = references(text, TextRange::new(0, text.len()), '\\');
    assert_eq!(r.len(), 1, "{r:?}");
    assert_eq!(r[0].name, "D");
    let text = "b=$FOOé c=${D:?missing}";
    let r = references(text, TextRange::new(0, text.len()), '\\');
    assert_eq!(r[0].name, "FOOé");
    assert!(r[1].required && !r[1].defaulted);
}

#[test]
fn the_names_an_env_or_an_arg_declares() {
    let src = "ARG A B=1\nFROM x\nENV C=1 D=\"2\"\nRUN echo $A\n";
    let df = ok(src);
    let names = |i: usize| -> Vec<(String, &str)> {
        df.instructions[i]
            .declared()
            .into_iter()
            .map(|n| (n.value.clone(), at(src, n.range)))
            .collect()
    };
    assert_eq!(names(0), [("A".into(), "A"), ("B".into(), "B")]);
    assert_eq!(names(2), [("C".into(), "C"), ("D".into(), "D")]);
    assert!(names(1).is_empty() && names(3).is_empty());
}
