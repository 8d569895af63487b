//! Compose semantics of the model, in memory: every project here is built
//! from strings through [`MemFs`], never with the `docker-compose` binary, so
//! these tests cannot pass by skipping. Each expected value was checked
//! against Docker Compose v2.40 (`docker-compose config --format json`);
//! `tests/conformance/cases/` holds the same kinds of projects for CI to
//! check against the binary. One test (at least) per bullet of DESIGN.md §5.

use std::collections::BTreeMap;

use super::*;
use crate::fs::MemFs;
use crate::source::SourceMap;

const ROOT: &str = "/p";

/// What `docker compose` is run with, besides the project's files.
#[derive(Default)]
struct Run<'a> {
    /// `-f` files; `compose.yaml` when empty.
    files: &'a [&'a str],
    shell: &'a [(&'a str, &'a str)],
    /// `--env-file`.
    env_files: &'a [&'a str],
    /// `--profile`.
    profiles: &'a [&'a str],
}

struct Built {
    project: Project,
    sources: SourceMap,
}

fn build_with(files: &[(&str, &str)], run: Run) -> Built {
    let root = Path::new(ROOT);
    let fs = MemFs::with_files(root, files.iter().copied());
    let mut loader = Loader::new(&fs, root.to_path_buf());
    let paths = |names: &[&str]| names.iter().map(|n| root.join(n)).collect::<Vec<_>>();
    let opts = ProjectOptions {
        files: if run.files.is_empty() {
            paths(&["compose.yaml"])
        } else {
            paths(run.files)
        },
        project_directory: None,
        env_files: paths(run.env_files),
        profiles: run.profiles.iter().map(|p| p.to_string()).collect(),
        process_env: run
            .shell
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
    };
    let project = load_project(&mut loader, &opts);
    Built {
        project,
        sources: loader.into_parts().sources,
    }
}

fn build(files: &[(&str, &str)]) -> Built {
    build_with(files, Run::default())
}

impl Built {
    fn service(&self, name: &str) -> &Service {
        self.project
            .service(name)
            .unwrap_or_else(|| panic!("no service {name}"))
    }

    /// The service's container environment: key → value (`None`: a
    /// passthrough no source sets, which Compose prints as null).
    fn env(&self, service: &str) -> BTreeMap<&str, Option<&str>> {
        self.service(service)
            .container_env
            .vars
            .iter()
            .map(|(k, v)| (k.as_str(), v.winner.value.as_deref()))
            .collect()
    }

    fn value(&self, service: &str, key: &str) -> Option<&str> {
        self.env(service).get(key).copied().flatten()
    }

    /// An interpolation variable of the project (shell, then `.env`).
    fn variable(&self, name: &str) -> Option<&str> {
        self.project.variables.get(name).map(|v| v.value.as_str())
    }

    fn errors(&self) -> Vec<&str> {
        self.project
            .errors
            .iter()
            .map(|e| e.message.as_str())
            .collect()
    }

    fn text(&self, span: Span) -> &str {
        self.sources.get(span.file).slice(span.range)
    }

    /// Where each service's definition of `key` comes from, the winner first.
    fn sources_of(&self, service: &str, key: &str) -> Vec<EnvSource> {
        self.service(service)
            .container_env
            .get(key)
            .map(|v| v.definitions().map(|d| d.source).collect())
            .unwrap_or_default()
    }
}

fn env_of<'a>(pairs: &[(&'a str, &'a str)]) -> BTreeMap<&'a str, Option<&'a str>> {
    pairs.iter().map(|(k, v)| (*k, Some(*v))).collect()
}

// ------------------------------------------------------------ environment:

/// `- KEY="v"` keeps the quotes; `KEY: "v"` does not.
#[test]
fn a_list_entry_keeps_its_quotes_a_map_entry_does_not() {
    let b = build(&[(
        "compose.yaml",
        "services:\n  list:\n    image: busybox\n    environment:\n      - A=\"v\"\n      - B='v'\n      - C=v\n  map:\n    image: busybox\n    environment:\n      A: \"v\"\n      B: 'v'\n      C: '\"v\"'\n",
    )]);
    assert_eq!(
        b.env("list"),
        env_of(&[("A", "\"v\""), ("B", "'v'"), ("C", "v")])
    );
    assert_eq!(
        b.env("map"),
        env_of(&[("A", "v"), ("B", "v"), ("C", "\"v\"")])
    );
}

/// `!reset` and `!override` (checked against Compose v2.40): a reset field
/// or service is gone, its own value too; an overridden one replaces the
/// earlier file's instead of merging; an environment key can be reset.
#[test]
fn reset_and_override_tags() {
    let base = "services:\n  app:\n    image: busybox\n    environment: {A: a, B: b}\n    ports: [\"8000:8000\"]\n    expose: [\"9000\"]\n  gone:\n    image: busybox\n  whole:\n    image: busybox\n    environment: {W: w}\n";
    let over = "services:\n  app:\n    environment:\n      A: !reset\n      C: c\n    ports: !override [\"7000:7000\"]\n    expose: !reset\n  gone: !reset\n  whole: !override\n    image: alpine\n";
    let b = build_with(
        &[("base.yml", base), ("over.yml", over)],
        Run {
            files: &["base.yml", "over.yml"],
            ..Run::default()
        },
    );
    assert!(b.project.service("gone").is_none());
    assert_eq!(b.env("app"), env_of(&[("B", "b"), ("C", "c")]));
    let app = b.service("app");
    let ports: Vec<&str> = app.ports.iter().map(|p| p.raw.text.as_str()).collect();
    assert_eq!(ports, ["7000:7000"]);
    assert!(app.expose.is_empty());
    assert!(b.env("whole").is_empty());
    assert_eq!(b.service("whole").image.as_ref().unwrap().text, "alpine");
    // In a single file: left out.
    let b = build(&[(
        "compose.yaml",
        "services:\n  app:\n    image: busybox\n    environment: !reset {A: a}\n  gone: !reset\n    image: busybox\n",
    )]);
    assert!(b.env("app").is_empty());
    assert!(b.project.service("gone").is_none());
}

/// `format: raw` takes each line literally; `format:` and `required:` are
/// interpolated, `required:` reads YAML 1.1 booleans in any case, and what
/// reads as no boolean or no known format fails (checked against Compose
/// v2.40).
#[test]
fn env_file_format_raw_and_required_as_compose_reads_them() {
    let compose = "services:\n  app:\n    image: busybox\n    env_file:\n      - path: raw.env\n        format: ${FMT}\n      - path: gone.env\n        required: oFF\n";
    let raw = "# c\n LEAD=x\nQ=\"q\" # kept\nD=$$x ${LEAD}\nT=t  \r\nP\n";
    let b = build_with(
        &[("compose.yaml", compose), ("raw.env", raw)],
        Run {
            shell: &[("FMT", "raw"), ("P", "from-shell")],
            ..Run::default()
        },
    );
    assert!(b.errors().is_empty(), "{:?}", b.errors());
    assert_eq!(
        b.env("app"),
        env_of(&[
            ("D", "$$x ${LEAD}"),
            ("LEAD", "x"),
            ("P", "from-shell"),
            ("Q", "\"q\" # kept"),
            ("T", "t  "),
        ])
    );
    for (spec, error) in [
        ("format: json", "unsupported env_file format \"json\""),
        ("required: maybe", "invalid boolean: maybe"),
        ("required: 0", "must be a boolean or string"),
    ] {
        let compose = format!("services:\n  app:\n    image: busybox\n    env_file:\n      - path: raw.env\n        {spec}\n");
        let b = build(&[("compose.yaml", &compose), ("raw.env", "K=v\n")]);
        assert!(
            b.errors().iter().any(|e| e.contains(error)),
            "{spec}: {:?}",
            b.errors()
        );
    }
    let raw = |text| {
        build(&[("compose.yaml", "services:\n  app:\n    image: busybox\n    env_file:\n      - path: raw.env\n        format: raw\n"), ("raw.env", text)])
    };
    assert_eq!(
        raw("K2 =y\n").errors(),
        ["variable 'K2 ' contains whitespaces"]
    );
    assert_eq!(raw("=v\n").errors(), ["no variable name on line '=v'"]);
}

/// A list item is interpolated whole, then split at its first `=` (checked
/// against Compose v2.40): the key may come from a variable, a variable may
/// hold `KEY=value`, `$$` is one `$`, and an item without `=` after
/// interpolation passes a variable through. Map keys are never interpolated.
/// The same for `build.args`.
#[test]
fn a_list_item_is_interpolated_whole_then_split() {
    let compose = "services:\n  app:\n    image: busybox\n    build:\n      context: .\n      args:\n        - ${K}=v\n        - ${KV}\n        - $$J=2\n        - ${K:-a=b}=c\n    environment:\n      - ${K}=v\n      - PRE_${K}_POST=x\n      - ${K2:-DEF}=y\n      - ${KV}\n      - $$K=1\n      - Z=${KV}\n      - ${K:-a=b}=c\n      - ${E}=e\n      - ${M:-m}\n  map:\n    image: busybox\n    environment:\n      ${K}: v\n";
    let b = build(&[
        ("compose.yaml", compose),
        (".env", "K=kk\nKV=A=1\nm=fromdotenv\nE=\n"),
        ("Dockerfile", "FROM busybox\n"),
    ]);
    assert_eq!(
        b.env("app"),
        env_of(&[
            ("", "e"),
            ("$K", "1"),
            ("A", "1"),
            ("DEF", "y"),
            ("PRE_kk_POST", "x"),
            ("Z", "A=1"),
            ("kk", "c"),
            ("m", "fromdotenv"),
        ])
    );
    assert_eq!(b.env("map"), env_of(&[("${K}", "v")]));
    let args: Vec<(&str, Option<&str>)> = b
        .service("app")
        .build
        .as_ref()
        .unwrap()
        .args
        .iter()
        .map(|(k, _, v)| (k.as_str(), v.as_ref().map(|v| v.text.as_str())))
        .collect();
    assert_eq!(
        args,
        [("A", Some("1")), ("$J", Some("2")), ("kk", Some("c"))]
    );
    // The value `v` of `- ${K}=v` is pointed at where it is written.
    let d = &b
        .service("app")
        .container_env
        .get("PRE_kk_POST")
        .unwrap()
        .winner;
    assert_eq!(b.text(d.value_span.unwrap()), "x");
}

/// `- KEY` / `KEY:` take the process environment's value (then `.env`'s),
/// or stay null.
#[test]
fn a_passthrough_takes_the_shell_then_dotenv_or_stays_null() {
    let compose = "services:\n  list:\n    image: busybox\n    environment:\n      - S\n      - D\n      - U\n  map:\n    image: busybox\n    environment:\n      S:\n      D:\n      U:\n";
    let b = build_with(
        &[("compose.yaml", compose), (".env", "S=dotenv\nD=dotenv\n")],
        Run {
            shell: &[("S", "shell")],
            ..Run::default()
        },
    );
    for service in ["list", "map"] {
        let env = b.env(service);
        assert_eq!(env["S"], Some("shell"), "{service}");
        assert_eq!(env["D"], Some("dotenv"), "{service}");
        assert_eq!(env["U"], None, "{service}");
    }
    assert!(b.errors().is_empty(), "{:?}", b.errors());
}

/// A passthrough no source sets still replaces an env_file's value (Compose
/// prints null).
#[test]
fn an_unset_passthrough_overrides_the_env_file() {
    let b = build(&[
        (
            "compose.yaml",
            "services:\n  app:\n    image: busybox\n    env_file: e.env\n    environment:\n      - K\n",
        ),
        ("e.env", "K=file\n"),
    ]);
    assert_eq!(b.env("app")["K"], None);
}

/// `${VAR:?msg}` with VAR unset or empty fails the whole configuration with
/// msg.
#[test]
fn a_required_variable_without_a_value_fails_the_configuration() {
    let compose = "services:\n  app:\n    image: busybox\n    environment:\n      R: ${R:?R is required}\n  other:\n    image: busybox\n";
    for dotenv in ["", "R=\n"] {
        let b = build(&[("compose.yaml", compose), (".env", dotenv)]);
        assert_eq!(
            b.errors(),
            ["required variable R is missing a value: R is required"],
            "{dotenv:?}"
        );
        let e = &b.project.errors[0];
        assert_eq!(e.required_variable(), Some("R"));
        assert_eq!(b.text(e.span.unwrap()), "${R:?R is required}");
    }
    let b = build_with(
        &[("compose.yaml", compose)],
        Run {
            shell: &[("R", "set")],
            ..Run::default()
        },
    );
    assert!(b.errors().is_empty());
    assert_eq!(b.value("app", "R"), Some("set"));
}

/// Compose prints `$` as `$$`; the value in the container has one `$`.
#[test]
fn a_doubled_dollar_is_one_dollar_in_the_container() {
    let b = build(&[(
        "compose.yaml",
        "services:\n  app:\n    image: busybox\n    environment:\n      P: \"p$$w\"\n      Q: $${NOT_A_VARIABLE}\n",
    )]);
    assert_eq!(b.value("app", "P"), Some("p$w"));
    assert_eq!(b.value("app", "Q"), Some("${NOT_A_VARIABLE}"));
}

// ------------------------------------------------------------------- .env

/// Every `.env` rule of DESIGN.md §5, read both as the project `.env`
/// (interpolation variables) and as an `env_file:` (the container).
#[test]
fn dotenv_values_as_compose_reads_them() {
    let dotenv = "K1 = v\nK2=a b c  \nK3=v # c\nK4=v#c\nK5= lead\nexport K6=v\nK7=\"a\\nb\\tc\"\nK8='a\\nb'\nK9=\"first\nsecond\"\nNOEQ\nK10=one\nK10=two\nA=a\nK11=${A}-$A-${U:-d}\nK12=\"${A}-$A-${U:-d}\"\nK13='${A}-$A'\nK14=x$$y\n";
    let b = build(&[
        (".env", dotenv),
        ("app.env", dotenv),
        (
            "compose.yaml",
            "services:\n  app:\n    image: busybox\n    env_file: app.env\n",
        ),
    ]);
    let want = [
        ("K1", "v"),
        ("K2", "a b c"),
        ("K3", "v"),
        ("K4", "v#c"),
        ("K5", "lead"),
        ("K6", "v"),
        ("K7", "a\nb\tc"),
        ("K8", "a\\nb"),
        ("K9", "first\nsecond"),
        ("K10", "two"),
        ("A", "a"),
        ("K11", "a-a-d"),
        ("K12", "a-a-d"),
        ("K13", "${A}-$A"),
        ("K14", "x$y"),
    ];
    assert_eq!(b.env("app"), env_of(&want));
    for (k, v) in want {
        assert_eq!(b.variable(k), Some(v), "{k}");
    }
    // A line with no `=` sets nothing.
    assert_eq!(b.variable("NOEQ"), None);
    assert!(b.errors().is_empty(), "{:?}", b.errors());
}

/// `KEY="open` without a closing quote fails, as the project `.env` and as
/// an env_file.
#[test]
fn an_unterminated_quote_fails_the_configuration() {
    let compose = "services:\n  app:\n    image: busybox\n";
    let b = build(&[(".env", "OK=1\nK=\"open\n"), ("compose.yaml", compose)]);
    assert_eq!(b.errors().len(), 1, "{:?}", b.errors());
    assert_eq!(b.project.errors[0].kind, ModelErrorKind::Syntax);
    let b = build(&[
        ("e.env", "K='open\n"),
        (
            "compose.yaml",
            "services:\n  app:\n    image: busybox\n    env_file: e.env\n",
        ),
    ]);
    assert_eq!(b.errors().len(), 1, "{:?}", b.errors());
}

/// The project `.env` feeds interpolation only: nothing of it reaches a
/// container by itself.
#[test]
fn dotenv_is_not_passed_to_containers() {
    let b = build(&[
        (".env", "X=1\nY=2\n"),
        (
            "compose.yaml",
            "services:\n  app:\n    image: busybox\n    environment:\n      Y: ${Y}\n",
        ),
    ]);
    assert_eq!(b.env("app"), env_of(&[("Y", "2")]));
}

/// A `.env` value sees the shell, then the file's earlier lines; a later
/// line is not seen yet.
#[test]
fn dotenv_interpolation_sees_the_shell_then_earlier_lines() {
    let b = build_with(
        &[
            (
                ".env",
                "K=${S}-suffix\nBASE=x\nE=${BASE}/y\nL=${LATER:-none}\nLATER=x\n",
            ),
            ("compose.yaml", "services:\n  app:\n    image: busybox\n"),
        ],
        Run {
            shell: &[("S", "shell")],
            ..Run::default()
        },
    );
    assert_eq!(b.variable("K"), Some("shell-suffix"));
    assert_eq!(b.variable("E"), Some("x/y"));
    assert_eq!(b.variable("L"), Some("none"));
}

/// `--env-file` replaces `.env`; of two, the later one wins.
#[test]
fn env_file_flags_replace_dotenv_and_the_last_wins() {
    let files = [
        (".env", "K=dotenv\nD=dotenv\n"),
        ("a.env", "K=a\nJ=a\n"),
        ("b.env", "K=b\n"),
        (
            "compose.yaml",
            "services:\n  app:\n    image: busybox\n    environment:\n      K: ${K}\n      J: ${J}\n      D: ${D:-none}\n",
        ),
    ];
    let b = build_with(
        &files,
        Run {
            env_files: &["a.env", "b.env"],
            ..Run::default()
        },
    );
    assert_eq!(
        b.env("app"),
        env_of(&[("K", "b"), ("J", "a"), ("D", "none")])
    );
}

/// Of several `--env-file`s, a later file's `${A}` sees what the earlier
/// ones set, after its own earlier lines (one map of what was read so far).
#[test]
fn a_later_env_file_flag_sees_the_earlier_ones_after_its_own_lines() {
    let b = build_with(
        &[
            ("a.env", "A=froma\n"),
            ("b.env", "F=${A}\nA=fromb\nH=${A}\n"),
            (
                "compose.yaml",
                "services:\n  app:\n    image: busybox\n    environment:\n      F: ${F}\n      H: ${H}\n",
            ),
        ],
        Run {
            env_files: &["a.env", "b.env"],
            ..Run::default()
        },
    );
    assert_eq!(b.variable("F"), Some("froma"));
    assert_eq!(b.variable("H"), Some("fromb"));
    assert_eq!(b.variable("A"), Some("fromb"));
}

// -------------------------------------------------------------- precedence

/// For interpolation, the shell beats `.env`.
#[test]
fn the_shell_beats_dotenv_for_interpolation() {
    let b = build_with(
        &[
            (".env", "K=dotenv\n"),
            (
                "compose.yaml",
                "services:\n  app:\n    image: busybox\n    environment:\n      K: ${K}\n",
            ),
        ],
        Run {
            shell: &[("K", "shell")],
            ..Run::default()
        },
    );
    assert_eq!(b.value("app", "K"), Some("shell"));
    let via = &b.service("app").container_env.get("K").unwrap().winner.via;
    assert_eq!(via[0].source, Some(VariableSource::Process));
    // The `.env` line is known, and marked as not effective.
    assert!(!b.project.dotenv_definitions[0].effective);
}

/// The container environment: image ENV < env_file < `environment:`; of
/// env_files, the later one wins.
#[test]
fn environment_beats_env_file_beats_the_image() {
    let b = build(&[
        (
            "Dockerfile",
            "FROM busybox\nENV A=image B=image C=image D=image\n",
        ),
        ("one.env", "A=one\nB=one\nC=one\n"),
        ("two.env", "B=two\n"),
        (
            "compose.yaml",
            "services:\n  app:\n    build: .\n    env_file: [one.env, two.env]\n    environment:\n      A: compose\n",
        ),
    ]);
    assert_eq!(
        b.env("app"),
        env_of(&[("A", "compose"), ("B", "two"), ("C", "one"), ("D", "image")])
    );
    use EnvSource::*;
    assert_eq!(
        b.sources_of("app", "A"),
        [ComposeEnvironment, ComposeEnvFile, ImageEnv]
    );
    assert_eq!(
        b.sources_of("app", "B"),
        [ComposeEnvFile, ComposeEnvFile, ImageEnv]
    );
    assert_eq!(b.sources_of("app", "D"), [ImageEnv]);
}

/// A passthrough that nothing sets leaves the image's ENV in place.
#[test]
fn an_unset_passthrough_leaves_the_image_env() {
    let b = build(&[
        ("Dockerfile", "FROM busybox\nENV K=image\n"),
        (
            "compose.yaml",
            "services:\n  app:\n    build: .\n    environment:\n      - K\n",
        ),
    ]);
    assert_eq!(b.value("app", "K"), Some("image"));
    assert_eq!(b.sources_of("app", "K"), [EnvSource::ImageEnv]);
}

// ------------------------------------------------------------- env_file

/// Inside an env_file, `${A}` is looked up in the project environment
/// (shell, then `.env`), then in the service's own `environment:`, before
/// the file's own earlier lines.
#[test]
fn env_file_lookup_project_then_environment_then_earlier_lines() {
    let compose = "services:\n  app:\n    image: busybox\n    env_file: e.env\n    environment:\n      A: y\n";
    let files = [
        ("e.env", "A=x\nF=${A}\nG=${S}\nB=only\nH=${B}\n"),
        ("compose.yaml", compose),
    ];
    let b = build(&files);
    assert_eq!(b.value("app", "F"), Some("y"));
    assert_eq!(b.value("app", "G"), Some(""));
    assert_eq!(b.value("app", "H"), Some("only"));
    let b = build_with(
        &files,
        Run {
            shell: &[("A", "shell"), ("S", "s")],
            ..Run::default()
        },
    );
    assert_eq!(b.value("app", "F"), Some("shell"));
    assert_eq!(b.value("app", "G"), Some("s"));
    // A bare KEY takes the project's value; one nothing sets is left out.
    let b = build(&[
        (".env", "K=dotenv\n"),
        ("e.env", "K\nMISSING\n"),
        (
            "compose.yaml",
            "services:\n  app:\n    image: busybox\n    env_file: e.env\n",
        ),
    ]);
    assert_eq!(b.env("app"), env_of(&[("K", "dotenv")]));
}

/// Then in what earlier env_files of the same service set (`${A:?}` too);
/// a file's own earlier line, being set later, wins over them.
#[test]
fn env_file_lookup_sees_earlier_env_files() {
    let compose = "services:\n  one:\n    image: busybox\n    env_file: [a.env, b.env]\n  two:\n    image: busybox\n    env_file: [a.env, c.env, d.env]\n  three:\n    image: busybox\n    env_file: [a.env, d.env]\n    environment:\n      A: own\n";
    let b = build(&[
        ("a.env", "A=froma\n"),
        ("b.env", "F=${A}\nG=${A:?need}\nA=fromb\nH=${A}\n"),
        ("c.env", "A=fromc\n"),
        ("d.env", "G=${A}\nA=fromd\nH=${A}\n"),
        ("compose.yaml", compose),
    ]);
    assert!(b.errors().is_empty(), "{:?}", b.errors());
    assert_eq!(
        b.env("one"),
        env_of(&[
            ("A", "fromb"),
            ("F", "froma"),
            ("G", "froma"),
            ("H", "fromb")
        ])
    );
    assert_eq!(
        b.env("two"),
        env_of(&[("A", "fromd"), ("G", "fromc"), ("H", "fromd")])
    );
    assert_eq!(
        b.env("three"),
        env_of(&[("A", "own"), ("G", "own"), ("H", "own")])
    );
    // Each `${A}` knows the line it took its value from.
    let origin = |service: &str, key: &str| -> String {
        let d = &b.service(service).container_env.get(key).unwrap().winner;
        match &d.via[0].source {
            Some(VariableSource::Dotenv { key, .. }) => {
                let f = b.sources.get(key.file);
                format!("{}:{}", f.display, f.line_col(key.range.start).line)
            }
            other => format!("{other:?}"),
        }
    };
    assert_eq!(origin("one", "F"), "a.env:1");
    assert_eq!(origin("one", "H"), "b.env:3");
    assert_eq!(origin("two", "G"), "c.env:1");
}

/// Repeated env_file paths are dropped: the first position is kept, paths
/// compared as written.
#[test]
fn a_repeated_env_file_keeps_its_first_position() {
    let compose = "services:\n  app:\n    image: busybox\n    env_file: [a.env, b.env, a.env]\n  other:\n    image: busybox\n    env_file: [a.env, b.env, ./a.env]\n";
    let b = build(&[
        ("a.env", "X=1\n"),
        ("b.env", "X=2\n"),
        ("compose.yaml", compose),
    ]);
    assert_eq!(b.value("app", "X"), Some("2"));
    assert_eq!(b.service("app").env_files.len(), 2);
    // `./a.env` is written otherwise: read again, last.
    assert_eq!(b.value("other", "X"), Some("1"));
}

/// A required env_file that is not there fails; `required: false` does not;
/// its path is interpolated.
#[test]
fn env_file_paths_required_and_interpolated() {
    let b = build(&[(
        "compose.yaml",
        "services:\n  app:\n    image: busybox\n    env_file: missing.env\n",
    )]);
    assert_eq!(b.project.errors.len(), 1);
    assert!(matches!(
        b.project.errors[0].kind,
        ModelErrorKind::EnvFileNotFound(_)
    ));
    let b = build(&[
        ("a.env", "K=a\n"),
        (".env", "STAGE=prod\n"),
        ("prod.env", "P=prod\n"),
        (
            "compose.yaml",
            "services:\n  app:\n    image: busybox\n    env_file:\n      - path: a.env\n      - path: missing.env\n        required: false\n      - ${STAGE}.env\n",
        ),
    ]);
    assert!(b.errors().is_empty(), "{:?}", b.errors());
    assert_eq!(b.env("app"), env_of(&[("K", "a"), ("P", "prod")]));
}

// ------------------------------------------------------- -f and extends

/// `-f a -f b`: scalars replaced, `environment:` merged by key, env_file
/// lists concatenated (a repeated path keeps its first position), services
/// of either file.
#[test]
fn later_files_merge_over_earlier_ones() {
    let a = "services:\n  app:\n    image: busybox:1\n    env_file: [a.env]\n    environment:\n      K: a\n      J: a\n  only_a:\n    image: busybox\n";
    let b = "services:\n  app:\n    image: busybox:2\n    env_file: [b.env, a.env]\n    environment:\n      - K=b\n      - L=b\n  only_b:\n    image: busybox\n    environment: [B=1]\n";
    let built = build_with(
        &[
            ("a.yml", a),
            ("b.yml", b),
            ("a.env", "X=a\nY=a\n"),
            ("b.env", "X=b\n"),
        ],
        Run {
            files: &["a.yml", "b.yml"],
            ..Run::default()
        },
    );
    assert_eq!(
        built.env("app"),
        env_of(&[("J", "a"), ("K", "b"), ("L", "b"), ("X", "b"), ("Y", "a")])
    );
    let app = built.service("app");
    assert_eq!(app.image.as_ref().unwrap().text, "busybox:2");
    let env_files: Vec<&str> = app.env_files.iter().map(|e| e.path.text.as_str()).collect();
    assert_eq!(env_files, ["a.env", "b.env"]);
    let names: Vec<&str> = built
        .project
        .services
        .iter()
        .map(|s| s.name.as_str())
        .collect();
    assert_eq!(names, ["app", "only_a", "only_b"]);
    assert_eq!(built.project.compose_files.len(), 2);
}

/// A file of several YAML documents is read as that many `-f` files: each
/// merged over the ones before, `extends` within its own document, the
/// last `name:` the project's; where each value is written stays exact.
#[test]
fn documents_of_a_file_merge_as_files_do() {
    let text = "name: one\nservices:\n  app:\n    image: busybox\n    environment:\n      A: a\n      B: b\n  old:\n    image: busybox\n---\nname: two\nservices:\n  app:\n    environment:\n      B: second\n  old: !reset {}\n  base:\n    image: busybox\n    environment:\n      F: f\n  child:\n    extends: base\n";
    let built = build(&[("compose.yaml", text)]);
    assert!(built.errors().is_empty(), "{:?}", built.errors());
    assert_eq!(built.env("app"), env_of(&[("A", "a"), ("B", "second")]));
    assert_eq!(built.env("child"), env_of(&[("F", "f")]));
    assert!(built.project.service("old").is_none());
    assert_eq!(built.variable("COMPOSE_PROJECT_NAME"), Some("two"));
    assert_eq!(built.project.compose_files.len(), 1);
    let b = built.service("app").container_env.get("B").unwrap();
    let span = b.winner.value_span.expect("written");
    assert_eq!(built.text(span), "second");
    assert!(span.range.start > text.find("---").unwrap());

    // `extends` does not look into another document.
    let built = build(&[(
        "compose.yaml",
        "services:\n  a:\n    image: busybox\n---\nservices:\n  b:\n    extends: a\n",
    )]);
    assert_eq!(
        built.errors(),
        ["cannot extend service \"a\": service not found"]
    );

    // Another file's later document is searched for the base.
    let built = build(&[
        (
            "base.yaml",
            "services:\n  a:\n    image: busybox\n---\nservices:\n  b:\n    image: busybox\n    environment: [B=b]\n",
        ),
        (
            "compose.yaml",
            "services:\n  c:\n    extends:\n      file: base.yaml\n      service: b\n",
        ),
    ]);
    assert!(built.errors().is_empty(), "{:?}", built.errors());
    assert_eq!(built.env("c"), env_of(&[("B", "b")]));

    // Each document is validated; an empty one is refused.
    let built = build(&[(
        "compose.yaml",
        "services:\n  a:\n    image: busybox\n---\nservices:\n  a:\n    enviroment: {}\n",
    )]);
    assert!(
        built.errors().iter().any(|e| e.contains("enviroment")),
        "{:?}",
        built.errors()
    );
    let built = build(&[("compose.yaml", "services:\n  a:\n    image: busybox\n---\n")]);
    assert!(!built.errors().is_empty());
}

/// `extends` (in the same file or another, through several levels): the
/// base service under the one that extends it, merged with the same rules.
#[test]
fn extends_merges_the_base_service_under_its_own() {
    let base = "services:\n  web:\n    image: busybox\n    env_file: common.env\n    environment:\n      K: web\n      J: web\n";
    let compose = "services:\n  mid:\n    extends: {file: base.yml, service: web}\n    environment:\n      J: mid\n  app:\n    extends: mid\n    environment:\n      M: app\n    env_file: [app.env, common.env]\n";
    let b = build(&[
        ("base.yml", base),
        ("compose.yaml", compose),
        ("common.env", "C=common\nX=common\n"),
        ("app.env", "X=app\n"),
    ]);
    assert!(b.errors().is_empty(), "{:?}", b.errors());
    assert_eq!(
        b.env("mid"),
        env_of(&[("C", "common"), ("J", "mid"), ("K", "web"), ("X", "common")])
    );
    assert_eq!(
        b.env("app"),
        env_of(&[
            ("C", "common"),
            ("J", "mid"),
            ("K", "web"),
            ("M", "app"),
            ("X", "app")
        ])
    );
    let app = b.service("app");
    assert_eq!(app.image.as_ref().unwrap().text, "busybox");
    // The service keeps its own name and where it is written.
    assert_eq!(b.text(app.name_span), "app");
    // The base file's service is not a service of the project.
    assert!(b.project.service("web").is_none());
}

/// A file `extends` reads from another folder: its build context,
/// Dockerfile and env_file are resolved from that folder (as the real
/// binary prints them), its `file:` interpolated.
#[test]
fn an_extended_file_resolves_its_paths_from_its_own_folder() {
    let b = build(&[
        (
            "compose.yaml",
            "services:\n  app:\n    extends:\n      file: ${DIR:-base}/common.yml\n      service: web\n",
        ),
        (
            "base/common.yml",
            "services:\n  web:\n    build:\n      context: ctx\n      dockerfile: Dockerfile.web\n    env_file: web.env\n",
        ),
        ("base/web.env", "W=base\n"),
        ("web.env", "W=top\n"),
        ("base/ctx/Dockerfile.web", "FROM busybox\nENV IMG=1\n"),
    ]);
    assert!(b.errors().is_empty(), "{:?}", b.errors());
    let app = b.service("app");
    let build = app.build.as_ref().unwrap();
    assert_eq!(build.context, Path::new(ROOT).join("base/ctx"));
    assert_eq!(
        build.dockerfile_path,
        Path::new(ROOT).join("base/ctx/Dockerfile.web")
    );
    assert_eq!(b.value("app", "W"), Some("base"));
    assert!(app.image_facts.is_some());
}

#[test]
fn extending_a_service_that_does_not_exist_is_an_error() {
    let b = build(&[(
        "compose.yaml",
        "services:\n  app:\n    image: busybox\n    extends: nowhere\n",
    )]);
    let errors = b.errors();
    assert_eq!(errors.len(), 1);
    assert!(errors[0].contains("\"nowhere\""), "{errors:?}");
}

/// A base written after the service that extends it is resolved first:
/// `web` gets `base`'s environment through `mid` (Compose: B, M, W).
#[test]
fn extends_is_resolved_through_every_level_in_any_order() {
    let compose = "services:\n  web:\n    extends: {service: mid}\n    environment:\n      W: \"1\"\n  mid:\n    extends: {service: base}\n    environment:\n      M: \"1\"\n  base:\n    image: busybox\n    environment:\n      B: \"1\"\n";
    let b = build(&[("compose.yaml", compose)]);
    assert!(b.errors().is_empty(), "{:?}", b.errors());
    let one = Some("1");
    assert_eq!(
        b.env("web"),
        BTreeMap::from([("B", one), ("M", one), ("W", one)])
    );
    assert_eq!(b.service("web").image.as_ref().unwrap().text, "busybox");
}

/// Compose: "Circular reference:" and the services of the cycle, one
/// error however many services are on it, where the cycle closes.
#[test]
fn extends_cycles_are_compose_errors() {
    let within = "services:\n  web:\n    image: busybox\n    extends:\n      service: api\n  api:\n    extends:\n      service: web\n";
    let b = build(&[("compose.yaml", within)]);
    assert_eq!(
        b.errors(),
        ["Circular reference: web in compose.yaml, extends api in compose.yaml, extends web in compose.yaml"]
    );
    assert_eq!(b.text(b.project.errors[0].span.unwrap()), "web");
    let itself = "services:\n  web:\n    image: busybox\n    extends: web\n";
    let b = build(&[("compose.yaml", itself)]);
    assert_eq!(
        b.errors(),
        ["Circular reference: web in compose.yaml, extends web in compose.yaml"]
    );
    // Across files: each file is loaded again, the chain is kept.
    let b = build(&[
        (
            "compose.yaml",
            "services:\n  web:\n    image: busybox\n    extends: {file: other.yaml, service: api}\n",
        ),
        (
            "other.yaml",
            "services:\n  api:\n    image: busybox\n    extends: {file: compose.yaml, service: web}\n",
        ),
    ]);
    assert_eq!(
        b.errors(),
        ["Circular reference: web in compose.yaml, extends api in other.yaml, extends web in compose.yaml"]
    );
}

/// A chain longer than our bound: our own error, at the link past it.
#[test]
fn extends_depth_is_bounded() {
    let mut compose = String::from("services:\n  s0:\n    image: busybox\n");
    for i in 1..=150 {
        compose.push_str(&format!("  s{i}:\n    extends: s{}\n", i - 1));
    }
    let b = build(&[("compose.yaml", &compose)]);
    let e = &b.project.errors[0];
    assert_eq!(e.kind, ModelErrorKind::Limit);
    assert!(
        e.message.contains("a limit of mppeep-lint"),
        "{}",
        e.message
    );
    // s100 resolves (100 levels), s101 does not.
    assert_eq!(b.service("s100").image.as_ref().unwrap().text, "busybox");
}

// ------------------------------------------------------------- profiles

/// A service with profiles runs only when one of them is enabled:
/// `--profile`, else COMPOSE_PROFILES (shell or `.env`).
#[test]
fn profiles_decide_which_services_run() {
    let compose = "services:\n  app:\n    image: busybox\n  debug:\n    image: busybox\n    profiles: [debug, tools]\n";
    let active = |b: &Built| -> Vec<String> {
        b.project
            .active_services()
            .map(|s| s.name.clone())
            .collect()
    };
    let b = build(&[("compose.yaml", compose)]);
    assert_eq!(active(&b), ["app"]);
    assert!(!b.service("debug").active);
    let b = build_with(
        &[("compose.yaml", compose)],
        Run {
            profiles: &["tools"],
            ..Run::default()
        },
    );
    assert_eq!(active(&b), ["app", "debug"]);
    let b = build_with(
        &[("compose.yaml", compose)],
        Run {
            shell: &[("COMPOSE_PROFILES", "x, debug")],
            ..Run::default()
        },
    );
    assert_eq!(active(&b), ["app", "debug"]);
    let files = [
        ("compose.yaml", compose),
        (".env", "COMPOSE_PROFILES=tools\n"),
    ];
    assert_eq!(active(&build(&files)), ["app", "debug"]);
    // `--profile` wins over COMPOSE_PROFILES.
    let b = build_with(
        &files,
        Run {
            profiles: &["other"],
            ..Run::default()
        },
    );
    assert_eq!(active(&b), ["app"]);
}

// ------------------------------------------------------------ the project

/// COMPOSE_PROJECT_NAME: the shell's or `.env`'s, else the last `name:`
/// (interpolated), else the folder's name normalized; offered to
/// interpolation.
#[test]
fn the_project_name() {
    let compose = "name: demo-${SUFFIX:-x}\nservices:\n  app:\n    image: busybox\n    environment:\n      P: ${COMPOSE_PROJECT_NAME}\n      Q: pre-$COMPOSE_PROJECT_NAME\n";
    let b = build(&[("compose.yaml", compose)]);
    assert_eq!(b.project.name, "demo-x");
    assert_eq!(
        b.env("app"),
        env_of(&[("P", "demo-x"), ("Q", "pre-demo-x")])
    );
    let b = build(&[
        ("compose.yaml", compose),
        (".env", "COMPOSE_PROJECT_NAME=fromenv\n"),
    ]);
    assert_eq!(b.project.name, "fromenv");
    assert_eq!(b.value("app", "P"), Some("fromenv"));
    let b = build(&[(
        "compose.yaml",
        "services:\n  app:\n    image: busybox\n    environment:\n      - P=${COMPOSE_PROJECT_NAME}\n",
    )]);
    assert_eq!(b.value("app", "P"), Some("p"));
    assert_eq!(normalize_project_name("My.App_1-x"), "myapp_1-x");
}

/// Every `${VAR}` of the compose files and every passthrough is a
/// reference, each once, in file order.
#[test]
fn references_are_collected_once_in_order() {
    let b = build(&[(
        "compose.yaml",
        "services:\n  app:\n    image: ${IMAGE:-busybox}\n    environment:\n      - A=${X}${X}\n      - PASS\n",
    )]);
    let refs: Vec<(&str, &str)> = b
        .project
        .references
        .iter()
        .map(|r| (r.variable.as_str(), b.text(r.reference)))
        .collect();
    assert_eq!(
        refs,
        [
            ("IMAGE", "${IMAGE:-busybox}"),
            ("X", "${X}"),
            ("X", "${X}"),
            ("PASS", "PASS")
        ]
    );
}

// ------------------------------------------------ where a value was written

/// Where a piece of a value came from, as a test reads it.
#[derive(Debug, PartialEq, Eq)]
struct Found {
    /// (file name, the line up to the span, the span's text), when exact.
    exact: Option<(String, String, String)>,
    /// The variables that carried it, the outermost first.
    vias: Vec<String>,
    /// (file name, text) of the smallest written text known to hold it.
    within: Option<(String, String)>,
}

fn exact(file: &str, before: &str, text: &str, vias: &[&str]) -> Found {
    Found {
        exact: Some((file.into(), before.into(), text.into())),
        vias: vias.iter().map(|v| v.to_string()).collect(),
        within: Some((file.into(), text.into())),
    }
}

impl Built {
    fn place(&self, span: Span) -> (String, String, String) {
        let file = self.sources.get(span.file);
        let name = file
            .path
            .file_name()
            .unwrap()
            .to_string_lossy()
            .into_owned();
        let line_start = file.text[..span.range.start]
            .rfind('\n')
            .map_or(0, |i| i + 1);
        (
            name,
            file.text[line_start..span.range.start].to_string(),
            self.text(span).to_string(),
        )
    }

    /// Where the `nth` (0-based) occurrence of `needle` in the container
    /// value of `key` came from.
    fn origin(&self, service: &str, key: &str, needle: &str, nth: usize) -> Found {
        let def = &self.service(service).container_env.get(key).unwrap().winner;
        let value = def.value.as_deref().unwrap();
        let (at, _) = value
            .match_indices(needle)
            .nth(nth)
            .unwrap_or_else(|| panic!("no {needle} #{nth} in {value}"));
        let o = def.origin_of(at..at + needle.len()).unwrap();
        assert_eq!(
            def.span_of(at..at + needle.len()),
            o.span,
            "span_of is origin_of's span"
        );
        Found {
            exact: o.span.map(|s| self.place(s)),
            vias: o.vias.iter().map(|v| v.variable.clone()).collect(),
            within: o.within.map(|s| {
                let (f, _, t) = self.place(s);
                (f, t)
            }),
        }
    }
}

/// Two `.env` variables that hold the same word: each range of the
/// container value follows its own variable.
#[test]
fn a_range_follows_its_own_variable_into_the_dotenv() {
    let b = build(&[
        (".env", "DB_USER=postgres\nDB_HOST=postgres\n"),
        (
            "compose.yaml",
            "services:\n  app:\n    image: busybox\n    environment:\n      URL: postgresql://${DB_USER}:pw@${DB_HOST}/app\n",
        ),
    ]);
    assert_eq!(
        b.origin("app", "URL", "postgres", 1),
        exact(".env", "DB_USER=", "postgres", &["DB_USER"])
    );
    assert_eq!(
        b.origin("app", "URL", "postgres", 2),
        exact(".env", "DB_HOST=", "postgres", &["DB_HOST"])
    );
    // The scheme and `:pw@` are written in the compose file.
    assert_eq!(
        b.origin("app", "URL", ":pw@", 0),
        exact(
            "compose.yaml",
            "      URL: postgresql://${DB_USER}",
            ":pw@",
            &[]
        )
    );
    // A range across a variable and text around it is no one place.
    assert_eq!(
        b.origin("app", "URL", "postgres:pw", 0),
        Found {
            exact: None,
            vias: vec![],
            within: Some((
                "compose.yaml".into(),
                "postgresql://${DB_USER}:pw@${DB_HOST}/app".into()
            )),
        }
    );
}

/// `- KEY=value`: the key and `=` are part of the scalar; the value's map
/// is the rest of it.
#[test]
fn a_list_entry_maps_its_value_after_the_key() {
    let b = build(&[
        (".env", "H=db\n"),
        (
            "compose.yaml",
            "services:\n  app:\n    image: busybox\n    environment:\n      - URL=redis://db:6379/0\n      - \"QUOTED=redis://db/1\"\n      - VIA=redis://${H}/2\n      - H\n",
        ),
    ]);
    assert_eq!(
        b.origin("app", "URL", "db", 0),
        exact("compose.yaml", "      - URL=redis://", "db", &[])
    );
    assert_eq!(
        b.origin("app", "QUOTED", "db", 0),
        exact("compose.yaml", "      - \"QUOTED=redis://", "db", &[])
    );
    assert_eq!(
        b.origin("app", "VIA", "db", 0),
        exact(".env", "H=", "db", &["H"])
    );
    assert_eq!(
        b.origin("app", "VIA", "/2", 0),
        exact("compose.yaml", "      - VIA=redis://${H}", "/2", &[])
    );
    // A passthrough `- H`: the project's value, from `.env`.
    assert_eq!(
        b.origin("app", "H", "db", 0),
        exact(".env", "H=", "db", &["H"])
    );
}

/// The default of an unset variable is its own text; a nested one too.
#[test]
fn a_default_is_written_inside_its_reference() {
    let b = build(&[
        (".env", "SET=cache\n"),
        (
            "compose.yaml",
            "services:\n  app:\n    image: busybox\n    environment:\n      A: pg://${PGHOST:-postgres}/x\n      B: pg://${PGHOST-${SET}}/x\n      C: pg://${PGHOST:-${UNSET:-db}}/x\n      D: ${SET:+on}\n",
        ),
    ]);
    assert_eq!(
        b.origin("app", "A", "postgres", 0),
        exact("compose.yaml", "      A: pg://${PGHOST:-", "postgres", &[])
    );
    assert_eq!(
        b.origin("app", "B", "cache", 0),
        exact(".env", "SET=", "cache", &["SET"])
    );
    assert_eq!(
        b.origin("app", "C", "db", 0),
        exact(
            "compose.yaml",
            "      C: pg://${PGHOST:-${UNSET:-",
            "db",
            &[]
        )
    );
    assert_eq!(
        b.origin("app", "D", "on", 0),
        exact("compose.yaml", "      D: ${SET:+", "on", &[])
    );
}

/// A `.env` value that interpolates another: followed on into it.
#[test]
fn a_dotenv_value_is_followed_into_its_own_variables() {
    let b = build(&[
        (
            ".env",
            "DB_HOST=postgres\nDB_USER=postgres\nURL=postgresql://${DB_USER}@${DB_HOST}/app\n",
        ),
        (
            "compose.yaml",
            "services:\n  app:\n    image: busybox\n    environment:\n      URL: ${URL}\n",
        ),
    ]);
    assert_eq!(
        b.origin("app", "URL", "postgres", 2),
        exact(".env", "DB_HOST=", "postgres", &["URL", "DB_HOST"])
    );
    assert_eq!(
        b.origin("app", "URL", "/app", 0),
        exact(
            ".env",
            "URL=postgresql://${DB_USER}@${DB_HOST}",
            "/app",
            &["URL"]
        )
    );
    // An env_file line that reads an earlier line, and a `.env` variable.
    let b = build(&[
        (".env", "PORT=5432\n"),
        ("app.env", "HOST=db\nURL=pg://${HOST}:${PORT}/x\n"),
        (
            "compose.yaml",
            "services:\n  app:\n    image: busybox\n    env_file: app.env\n",
        ),
    ]);
    assert_eq!(
        b.origin("app", "URL", "db", 0),
        exact("app.env", "HOST=", "db", &["HOST"])
    );
    assert_eq!(
        b.origin("app", "URL", "5432", 0),
        exact(".env", "PORT=", "5432", &["PORT"])
    );
    // A variable the shell sets is written nowhere the model read.
    let b = build_with(
        &[(
            "compose.yaml",
            "services:\n  app:\n    image: busybox\n    environment:\n      URL: pg://${HOST}/x\n",
        )],
        Run {
            shell: &[("HOST", "db")],
            ..Run::default()
        },
    );
    assert_eq!(
        b.origin("app", "URL", "db", 0),
        Found {
            exact: None,
            vias: vec!["HOST".into()],
            within: None,
        }
    );
}

/// Text decoded from another form (a YAML escape, `$$`, a quoted `.env`
/// value with an escape, a folded scalar) maps to the whole literal, not
/// to bytes.
#[test]
fn decoded_text_maps_to_its_literal_not_to_bytes() {
    let b = build(&[
        (".env", "E=\"pg://db\\t/x\"\nQ='pg://db/x'\n"),
        (
            "compose.yaml",
            "services:\n  app:\n    image: busybox\n    environment:\n      ESC: \"pg://db\\t${Q}\"\n      DOLLAR: pg://db$$/x\n      E: ${E}\n      Q: ${Q}\n      FOLDED: >-\n        pg://db\n        /x ${Q}\n",
        ),
    ]);
    let whole = |file: &str, text: &str| Found {
        exact: None,
        vias: vec![],
        within: Some((file.into(), text.into())),
    };
    assert_eq!(
        b.origin("app", "ESC", "db", 0),
        whole("compose.yaml", "\"pg://db\\t${Q}\"")
    );
    // The variable of an escaped scalar is still followed exactly.
    assert_eq!(
        b.origin("app", "ESC", "db", 1),
        exact(".env", "Q='pg://", "db", &["Q"])
    );
    // `$$` is one byte for two; the literal before it is exact.
    assert_eq!(
        b.origin("app", "DOLLAR", "db", 0),
        exact("compose.yaml", "      DOLLAR: pg://", "db", &[])
    );
    assert_eq!(
        b.origin("app", "DOLLAR", "$", 0),
        whole("compose.yaml", "$$")
    );
    // `"pg://db\t/x"` in `.env`: the literal holding the escape.
    let e = b.origin("app", "E", "db", 0);
    assert_eq!((e.exact, e.vias), (None, vec!["E".to_string()]));
    assert_eq!(e.within.unwrap().0, ".env");
    let f = b.origin("app", "FOLDED", "db", 0);
    assert_eq!(
        (f.exact, f.within.map(|w| w.0)),
        (None, Some("compose.yaml".into()))
    );
}

/// An image's ENV: exact inside its quotes; a compose scalar without `$`
/// too.
#[test]
fn image_env_and_plain_scalars_map_exactly() {
    let b = build(&[
        (
            "Dockerfile",
            "FROM busybox\nENV URL=\"pg://db/x\" PLAIN=pg://cache/y\n",
        ),
        (
            "compose.yaml",
            "services:\n  app:\n    build: .\n    environment:\n      MAP: 'pg://queue/z'\n",
        ),
    ]);
    assert_eq!(
        b.origin("app", "URL", "db", 0),
        exact("Dockerfile", "ENV URL=\"pg://", "db", &[])
    );
    assert_eq!(
        b.origin("app", "PLAIN", "cache", 0),
        exact(
            "Dockerfile",
            "ENV URL=\"pg://db/x\" PLAIN=pg://",
            "cache",
            &[]
        )
    );
    assert_eq!(
        b.origin("app", "MAP", "queue", 0),
        exact("compose.yaml", "      MAP: 'pg://", "queue", &[])
    );
}

/// `include:`: the included file sees the shell, then the project's `.env`,
/// then its own folder's `.env` (for names still unset), each value with
/// where it is written; its relative paths are its folder's.
#[test]
fn include_reads_its_own_env_after_the_projects() {
    let b = build_with(
        &[
            (
                "compose.yaml",
                "include:\n  - sub/inc.yml\nservices:\n  app:\n    image: busybox\n    depends_on: [db]\n",
            ),
            (".env", "M=main\n"),
            ("sub/.env", "M=sub\nS=sub\nH=sub\n"),
            (
                "sub/inc.yml",
                "services:\n  db:\n    image: busybox\n    env_file: db.env\n    environment:\n      M: ${M}\n      S: ${S}\n      H: ${H}\n",
            ),
            ("sub/db.env", "D=1\n"),
        ],
        Run {
            shell: &[("H", "shell")],
            ..Run::default()
        },
    );
    assert!(b.errors().is_empty(), "{:?}", b.errors());
    assert_eq!(
        b.env("db"),
        BTreeMap::from([
            ("D", Some("1")),
            ("H", Some("shell")),
            ("M", Some("main")),
            ("S", Some("sub"))
        ])
    );
    let s = &b.service("db").container_env.vars["S"].winner;
    let source = s.via[0].source.clone().unwrap();
    let VariableSource::Dotenv { file, .. } = source else {
        panic!("{source:?}")
    };
    assert_eq!(b.sources.get(file).display, "sub/.env");
    assert_eq!(b.project.compose_files.len(), 2);
    assert_eq!(b.project.included_files.len(), 1);
    assert_eq!(b.project.include_env_files.len(), 1);
}

/// A missing include, a service the including file defines otherwise, a
/// cycle: Compose's errors, each where it is written.
#[test]
fn include_errors_point_at_what_is_wrong() {
    let b = build(&[(
        "compose.yaml",
        "include:\n  - nope.yml\nservices:\n  app:\n    image: busybox\n",
    )]);
    assert_eq!(b.errors(), ["open /p/nope.yml: no such file or directory"]);
    assert_eq!(b.text(b.project.errors[0].span.unwrap()), "nope.yml");
    let b = build(&[
        (
            "compose.yaml",
            "include: [a.yml]\nservices:\n  db:\n    image: postgres\n",
        ),
        ("a.yml", "services:\n  db:\n    image: busybox\n"),
    ]);
    assert_eq!(b.errors(), ["services.db conflicts with imported resource"]);
    let span = b.project.errors[0].span.unwrap();
    assert_eq!(
        (b.sources.get(span.file).display.as_str(), b.text(span)),
        ("a.yml", "db")
    );
    // Written alike: the same service, no conflict.
    let b = build(&[
        (
            "compose.yaml",
            "include: [a.yml]\nservices:\n  db:\n    image: busybox\n",
        ),
        ("a.yml", "services:\n  db:\n    image: busybox\n"),
    ]);
    assert!(b.errors().is_empty(), "{:?}", b.errors());
    let b = build(&[
        (
            "compose.yaml",
            "include: [a.yml]\nservices:\n  m:\n    image: busybox\n",
        ),
        (
            "a.yml",
            "include: [compose.yaml]\nservices:\n  a:\n    image: busybox\n",
        ),
    ]);
    assert_eq!(
        b.errors(),
        ["include cycle detected:\n/p/compose.yaml\n include /p/a.yml\n include /p/compose.yaml"]
    );
}

/// A chain of includes longer than our bound: our own error, no deeper.
#[test]
fn include_depth_is_bounded() {
    let mut files = vec![(
        "compose.yaml".to_string(),
        "include: [f1.yml]\nservices:\n  m:\n    image: busybox\n".to_string(),
    )];
    for i in 1..=150 {
        files.push((
            format!("f{i}.yml"),
            format!(
                "include: [f{}.yml]\nservices:\n  s{i}:\n    image: busybox\n",
                i + 1
            ),
        ));
    }
    files.push((
        "f151.yml".into(),
        "services:\n  last:\n    image: busybox\n".into(),
    ));
    let refs: Vec<(&str, &str)> = files
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    let b = build(&refs);
    let e = &b.project.errors[0];
    assert_eq!(e.kind, ModelErrorKind::Limit);
    assert!(b.project.service("s30").is_some());
    assert!(b.project.service("last").is_none());
}

/// An include's `env_file:` that is not there fails the configuration (a
/// file an install creates, as a service's required `env_file:`), and the
/// included services are still modelled, so that nothing else is judged
/// on a project without them.
#[test]
fn include_missing_env_file_is_an_error_and_keeps_the_services() {
    let b = build(&[
        (
            "compose.yaml",
            "include:\n  - path: db.yml\n    env_file: db.env\nservices:\n  app:\n    image: busybox\n    depends_on: [db]\n",
        ),
        ("db.yml", "services:\n  db:\n    image: postgres\n"),
    ]);
    assert_eq!(b.errors(), ["stat /p/db.env: no such file or directory"]);
    let e = &b.project.errors[0];
    assert!(matches!(e.kind, ModelErrorKind::EnvFileNotFound(_)));
    assert_eq!(b.text(e.span.unwrap()), "db.env");
    assert!(b.project.service("db").is_some());
}

/// Each level including the next twice (`f1` → `f2`, `f2` → …): 2^30
/// loads. Our bound on the files `include:` loads stops it, with our
/// error, at once.
#[test]
fn include_fan_out_is_bounded() {
    let mut files = vec![(
        "compose.yaml".to_string(),
        "include: [f1.yml, f1.yml]\nservices:\n  m:\n    image: busybox\n".to_string(),
    )];
    for i in 1..30 {
        files.push((
            format!("f{i}.yml"),
            format!(
                "include: [f{n}.yml, f{n}.yml]\nservices:\n  s{i}:\n    image: busybox\n",
                n = i + 1
            ),
        ));
    }
    files.push((
        "f30.yml".into(),
        "services:\n  last:\n    image: busybox\n".into(),
    ));
    let refs: Vec<(&str, &str)> = files
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    let started = std::time::Instant::now();
    let b = build(&refs);
    assert!(started.elapsed().as_secs() < 20, "{:?}", started.elapsed());
    assert!(b
        .project
        .errors
        .iter()
        .any(|e| e.kind == ModelErrorKind::Limit));
}

/// Compose's validation (`model::validate`), located where the file is
/// wrong: the unknown key, the value of the wrong type, the service name,
/// the reference.
#[test]
fn what_compose_refuses_is_located() {
    let located = |files: &[(&str, &str)], run: Run| -> Vec<(String, String)> {
        let b = build_with(files, run);
        b.project
            .errors
            .iter()
            .map(|e| {
                (
                    e.message.clone(),
                    b.text(e.span.expect("located")).to_string(),
                )
            })
            .collect()
    };
    let e = located(
        &[(
            "compose.yaml",
            "services:\n  app:\n    image: busybox\n    enviroment:\n      A: 1\n",
        )],
        Run::default(),
    );
    assert_eq!(e.len(), 1, "{e:?}");
    assert!(e[0].0.contains("did you mean `environment`?"));
    assert_eq!(e[0].1, "enviroment");
    let e = located(
        &[("compose.yaml", "services:\n  app:\n    image: 123\n")],
        Run::default(),
    );
    assert_eq!(
        e,
        [("services.app.image must be a string".into(), "123".into())]
    );
    let e = located(
        &[(
            "compose.yaml",
            "services:\n  app:\n    environment:\n      A: 1\n",
        )],
        Run::default(),
    );
    assert_eq!(
        e,
        [(
            "service \"app\" has neither an image nor a build context specified: invalid compose project".into(),
            "app".into()
        )]
    );
    let e = located(
        &[(
            "compose.yaml",
            "services:\n  app:\n    image: x\n    volumes:\n      - data:/d\n      - ./src:/src\n    networks: [front, default]\n    secrets: [s]\n",
        )],
        Run::default(),
    );
    let texts: Vec<&str> = e.iter().map(|(_, t)| t.as_str()).collect();
    assert_eq!(texts, ["data:/d", "front", "s"], "{e:?}");
    // An override without image, an image from extends, a service left out
    // by its profile: nothing to refuse.
    let base = "services:\n  app:\n    image: x\n";
    let e = located(
        &[
            ("compose.yaml", base),
            ("o.yaml", "services:\n  app:\n    environment: {A: 1}\n  tool:\n    profiles: [t]\n    depends_on: [nope]\n"),
        ],
        Run {
            files: &["compose.yaml", "o.yaml"],
            ..Run::default()
        },
    );
    assert!(e.is_empty(), "{e:?}");
    let e = located(
        &[(
            "compose.yaml",
            "services:\n  base:\n    image: x\n  app:\n    extends: base\n",
        )],
        Run::default(),
    );
    assert!(e.is_empty(), "{e:?}");
    // A port and a size are judged once interpolated, when every variable
    // they read is set.
    let e = located(
        &[
            (
                "compose.yaml",
                "services:\n  app:\n    image: x\n    ports: [\"${P}:80\"]\n    mem_limit: ${M}\n",
            ),
            (".env", "P=abc\n"),
        ],
        Run::default(),
    );
    assert_eq!(e, [("invalid hostPort: abc".into(), "\"${P}:80\"".into())]);
}

/// `dockerfile_inline:` builds no file of the context; empty, it is not
/// set; with `dockerfile:` (in one file or merged) Compose refuses the
/// project. Each checked with `docker-compose config` v2.40.3.
#[test]
fn dockerfile_inline_as_compose_reads_it() {
    let b = build(&[
        (
            "compose.yaml",
            "services:\n  app:\n    build:\n      context: .\n      dockerfile_inline: |\n        FROM alpine\n",
        ),
        ("Dockerfile", "FROM busybox\n"),
    ]);
    assert!(b.errors().is_empty(), "{:?}", b.errors());
    assert!(b.service("app").image_facts.is_none());
    let b = build(&[
        (
            "compose.yaml",
            "services:\n  app:\n    build:\n      context: .\n      dockerfile_inline: \"\"\n",
        ),
        ("Dockerfile", "FROM busybox\n"),
    ]);
    assert!(b.service("app").image_facts.is_some());
    let both = "declares mutualy exclusive dockerfile and dockerfile_inline";
    let b = build(&[
        (
            "compose.yaml",
            "services:\n  app:\n    build:\n      context: .\n      dockerfile: Dockerfile\n      dockerfile_inline: \"FROM alpine\"\n",
        ),
        ("Dockerfile", "FROM busybox\n"),
    ]);
    assert!(
        b.errors().iter().any(|e| e.contains(both)),
        "{:?}",
        b.errors()
    );
    let b = build_with(
        &[
            (
                "compose.yaml",
                "services:\n  app:\n    build:\n      context: .\n      dockerfile: Dockerfile\n",
            ),
            (
                "compose.override.yaml",
                "services:\n  app:\n    build:\n      dockerfile_inline: \"FROM alpine\"\n",
            ),
            ("Dockerfile", "FROM busybox\n"),
        ],
        Run {
            files: &["compose.yaml", "compose.override.yaml"],
            ..Run::default()
        },
    );
    assert!(
        b.errors().iter().any(|e| e.contains(both)),
        "{:?}",
        b.errors()
    );
}
