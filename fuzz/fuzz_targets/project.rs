//! A whole project from one input: a compose file, its `.env`, a Dockerfile,
//! an env_file and a settings module (split on NUL bytes), modelled, linted
//! by every rule, explained and rendered in every format — in memory.
//! Besides not panicking: every span of every diagnostic, label and fix lies
//! in its file on character boundaries, no rule fails (`internal-error`), and
//! the JSON and SARIF outputs are JSON.
#![no_main]

use std::path::{Path, PathBuf};

use libfuzzer_sys::fuzz_target;
use mppeep_lint::cli::Format;
use mppeep_lint::{
    all_meta, env_json, env_text, explain, explain_json, explain_mermaid, explain_text,
    load_workspace, redactor_for, run, Context, Masking, MemFs, SecretPolicy, Settings,
    WorkspaceOptions,
};

const NAMES: [&str; 5] = ["compose.yaml", ".env", "Dockerfile", "app.env", "app/config.py"];

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let fs = MemFs::with_files(Path::new("/p"), NAMES.into_iter().zip(text.split('\0')));
    let opts = WorkspaceOptions {
        files: vec![PathBuf::from("/p/compose.yaml")],
        process_env: [("HOME".to_string(), "/root".to_string())].into_iter().collect(),
        ..Default::default()
    };
    let ws = load_workspace(&fs, Path::new("/p"), &opts);
    let policy = SecretPolicy::default();
    let ctx = Context::new(&ws, &policy);
    let diags = run(&ctx, &Settings::default());
    for d in &diags {
        assert_ne!(d.rule, mppeep_lint::RuleId::InternalError, "{}", d.message);
        let fix = d.fix.iter().flat_map(|f| f.edits.iter().map(|e| e.span));
        for span in std::iter::once(d.span).chain(d.labels.iter().map(|l| l.span)).chain(fix) {
            let text = &ws.sources.get(span.file).text;
            let (a, b) = (span.range.start, span.range.end);
            assert!(
                a <= b && b <= text.len() && text.is_char_boundary(a) && text.is_char_boundary(b),
                "{}: span {a}..{b} in a text of {} bytes",
                d.rule,
                text.len()
            );
        }
    }
    let redactor = redactor_for(&ws, &policy);
    for format in [
        Format::Pretty,
        Format::Compact,
        Format::Json,
        Format::Sarif,
        Format::Github,
        Format::Junit,
        Format::Gitlab,
        Format::Checkstyle,
        Format::Rdjson,
    ] {
        let out = mppeep_lint::render(format, &diags, &ws.sources, &all_meta(), 5, &redactor, &redactor, true, None);
        if matches!(format, Format::Json | Format::Sarif | Format::Gitlab | Format::Rdjson) {
            assert!(serde_json::from_str::<serde_json::Value>(&out).is_ok(), "{format:?} is not JSON");
        }
    }
    let mask = Masking { policy: &policy, redactor: &redactor };
    let _ = env_json(&ws, &mask);
    let _ = env_text(&ws, &mask);
    for var in ["DEBUG", "SECRET_KEY", "A"] {
        let ex = explain(&ws, var, None);
        let _ = explain_text(&ws, &ex, &mask);
        let _ = explain_json(&ws, &ex, &mask);
        let _ = explain_mermaid(&ws, &ex, &mask);
    }
});
