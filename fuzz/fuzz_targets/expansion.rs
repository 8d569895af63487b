//! Expansion depth and size, with structure: the input is not text but a
//! description (`arbitrary`) of what hostile files are made of — references
//! nested N deep (closed or not), doubling chains (`A1=${A0}${A0}`…), many
//! references to one large value, shell patterns on it — written into a
//! `.env`, a compose file and a Dockerfile, then modelled, linted and
//! rendered in memory. A random byte mutator rarely builds these (10 M runs
//! of the other targets found none). Besides not panicking or overflowing
//! the stack: every value the model resolves stays within the bound
//! (`syntax::limits::MAX_EXPANDED`), and so does every Dockerfile expansion.
//! Built for fuzzing, the byte bounds are 16 times smaller (`--cfg fuzzing`,
//! see `syntax::limits`): the same paths, reached 16 times sooner.
#![no_main]

use std::path::{Path, PathBuf};

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use mppeep_lint::syntax::dockerfile;
use mppeep_lint::syntax::limits::MAX_EXPANDED;
use mppeep_lint::{all_meta, load_workspace, run, Context, MemFs, SecretPolicy, Settings, WorkspaceOptions};

/// One value, as a tree of references.
#[derive(Arbitrary, Debug)]
enum Value {
    Text(u8),
    /// `$Vn` / `${Vn}`.
    Var { name: u8, braced: bool },
    /// `${Vn<op>arg}` with op one of `:-` `-` `:+` `+` `:?` `?` and, in a
    /// Dockerfile, `#` `##` `%` `%%` `/` `//`.
    Op { name: u8, op: u8, arg: Box<Value> },
    /// `${V:-` repeated `depth` times (up to 2,000: 20 times the bound)
    /// around `inner`, closed or not.
    Nest { depth: u16, closed: bool, inner: Box<Value> },
    /// `inner` repeated.
    Repeat { times: u16, inner: Box<Value> },
    Seq(Vec<Value>),
}

#[derive(Arbitrary, Debug)]
struct Input {
    /// `A0`'s length (the value doubled), up to 8 KiB.
    seed: u16,
    /// Doubling steps (`A{i+1}=${Ai}${Ai}`), up to 48.
    doubling: u8,
    /// The pattern of a shell-pattern operation on the last doubled value.
    pattern: Vec<u8>,
    /// Lines `Vn=<value>` of the `.env` and `ARG Vn=<value>` of the Dockerfile.
    values: Vec<Value>,
}

const OPS: [&str; 12] = [":-", "-", ":+", "+", ":?", "?", "#", "##", "%", "%%", "/", "//"];
const TEXT: [&str; 6] = ["x", "}", "$", "${", "*", "a b"];

/// Writes `v`; `budget` bounds the text (the tree may ask for more), and
/// `steps` the calls (repeats of repeats of nothing write nothing, 499^k
/// times: a hang of the generator, not of the linter).
fn write(v: &Value, out: &mut String, budget: usize, steps: &mut usize) {
    if out.len() > budget || *steps == 0 {
        return;
    }
    *steps -= 1;
    match v {
        Value::Text(t) => out.push_str(TEXT[*t as usize % TEXT.len()]),
        Value::Var { name, braced } => {
            let n = name % 8;
            if *braced {
                out.push_str(&format!("${{V{n}}}"));
            } else {
                out.push_str(&format!("$V{n}"));
            }
        }
        Value::Op { name, op, arg } => {
            out.push_str(&format!("${{V{}{}", name % 8, OPS[*op as usize % OPS.len()]));
            write(arg, out, budget, steps);
            out.push('}');
        }
        Value::Nest { depth, closed, inner } => {
            let depth = (*depth as usize) % 2_000;
            for _ in 0..depth {
                out.push_str("${V:-");
            }
            write(inner, out, budget, steps);
            if *closed {
                for _ in 0..depth {
                    out.push('}');
                }
            }
        }
        Value::Repeat { times, inner } => {
            for _ in 0..(*times as usize % 500) {
                write(inner, out, budget, steps);
            }
        }
        Value::Seq(items) => items.iter().for_each(|i| write(i, out, budget, steps)),
    }
}

fuzz_target!(|input: Input| {
    // What the generator writes stays under the bound: a literal value
    // longer than it is not an expansion (the assertions below are about
    // what references make of the text).
    let budget = MAX_EXPANDED / 4;
    let seed = "x".repeat(input.seed as usize % 8_192);
    let steps = input.doubling as usize % 48;
    let mut env = format!("A0={seed}\n");
    let mut df = format!("FROM alpine:3 AS base\nARG A0={seed}\n");
    for i in 0..steps {
        env.push_str(&format!("A{}=${{A{i}}}${{A{i}}}\n", i + 1));
        df.push_str(&format!("ARG A{}=${{A{i}}}${{A{i}}}\n", i + 1));
    }
    let pattern: String = input
        .pattern
        .iter()
        .take(64)
        .map(|b| ['*', '?', 'x', '[', ']', '!', 'a', '\\'][*b as usize % 8])
        .collect();
    df.push_str(&format!("ENV P=${{A{steps}##{pattern}}} Q=${{A{steps}//{pattern}/yy}}\n"));
    let mut compose = String::from("services:\n  app:\n    build: .\n    environment:\n");
    for (n, v) in input.values.iter().take(16).enumerate() {
        let mut text = String::new();
        write(v, &mut text, budget, &mut 100_000);
        let text: String = text.chars().filter(|c| *c != '\n' && *c != '\0').collect();
        env.push_str(&format!("V{n}={text}\n"));
        df.push_str(&format!("ARG V{n}={text}\nENV E{n}=\"{text}\"\n"));
        compose.push_str(&format!("      K{n}: '{}'\n", text.replace('\'', "''")));
        // The expander alone: bounded whatever the lookup returns.
        let big = "y".repeat(MAX_EXPANDED / 3);
        let mut lookup = |_: &str| Some(big.clone());
        if let Ok(v) = dockerfile::try_expand(&text, &[], &mut lookup) {
            assert!(v.len() <= MAX_EXPANDED, "a Dockerfile value of {} bytes", v.len());
        }
    }
    compose.push_str(&format!("      B: ${{A{steps}}}\n"));
    df.push_str("USER app\n");
    let fs = MemFs::with_files(
        Path::new("/p"),
        [("compose.yaml", compose.as_str()), (".env", env.as_str()), ("Dockerfile", df.as_str())],
    );
    let opts = WorkspaceOptions {
        files: vec![PathBuf::from("/p/compose.yaml")],
        ..Default::default()
    };
    let ws = load_workspace(&fs, Path::new("/p"), &opts);
    for p in &ws.projects {
        for (name, v) in &p.variables {
            assert!(v.value.len() <= MAX_EXPANDED, "{name} is {} bytes", v.value.len());
        }
    }
    let policy = SecretPolicy::default();
    let ctx = Context::new(&ws, &policy);
    let diags = run(&ctx, &Settings::default());
    let redactor = mppeep_lint::redactor_for(&ws, &policy);
    let out = mppeep_lint::render(
        mppeep_lint::cli::Format::Pretty,
        &diags,
        &ws.sources,
        &all_meta(),
        3,
        &redactor,
        &redactor,
        false,
        None,
    );
    // Bounded by the findings, not by what the values expand to.
    assert!(out.len() <= 64 * 1024 + diags.len() * 8 * 1024, "{} bytes of output", out.len());
});
