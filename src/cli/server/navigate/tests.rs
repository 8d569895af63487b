//! Each request on a small project linted as the server lints it: a
//! compose file with its default override, a `.env`, an env_file, a
//! two-stage Dockerfile. Variable names carry a `NAV_` prefix so that the
//! shell the tests run in does not set them.

use lsp_types::{HoverContents, Location};

use super::super::text::Encoding;
use super::super::{lint, Linted, Snapshot};
use super::{completion, definition, hover, references};
use crate::fs::{normalize, DiskFs, Overlay};

const COMPOSE: &str = "\
services:
  app:
    build:
      context: .
      target: runtime
    environment:
      NAV_DATABASE_URL: ${NAV_DATABASE_URL}
      NAV_LOG_LEVEL: ${NAV_LOG_LEVEL:-info}
      NAV_SECRET_KEY: ${NAV_SECRET_KEY}
      PORT: \"9000\"
    env_file: app.env
    depends_on:
      db:
        condition: service_healthy
      cache:
        condition: service_started
  db:
    image: postgres:16
    environment:
      - POSTGRES_PASSWORD=${NAV_DB_PASSWORD}
  cache:
    image: redis:7
    # cache needs ${NAV_NOT_A_REFERENCE}
    depends_on:
      - db
";

const OVERRIDE: &str = "\
services:
  app:
    environment:
      NAV_LOG_LEVEL: debug
  worker:
    image: busybox
    depends_on: [app]
    environment:
      - NAV_DATABASE_URL
      - NAV_ADMIN_PASSWORD=${NAV_ADMIN_UNSET:-d3fault-s3cret}
  admin:
    extends: worker
";

const DOTENV: &str = "\
NAV_DATABASE_URL=postgresql://user:hunter2pass@db:5432/app
NAV_SECRET_KEY=sup3r-s3cret-value-xyz
NAV_DB_PASSWORD=an0ther-secret-pw
NAV_LOG_LEVEL=warning
NAV_HOST=db.internal
NAV_URL=http://${NAV_HOST}:80/
";

const APP_ENV: &str = "\
WORKERS=4
API_TOKEN=tok-3x4mple-s3cret
";

const DOCKERFILE: &str = "\
FROM python:3.12-slim AS build
ARG VERSION=1
ENV PIP_NO_CACHE_DIR=1
RUN echo build > /x

FROM python:3.12-slim AS runtime
ARG VERSION
ENV PORT=8000
ENV APP_VERSION=$VERSION
COPY --from=build /x /x
";

/// The secrets' values: none may ever be shown.
const SECRETS: [&str; 5] = [
    "hunter2pass",
    "sup3r-s3cret-value-xyz",
    "an0ther-secret-pw",
    "tok-3x4mple-s3cret",
    "d3fault-s3cret",
];

struct Fixture {
    dir: tempfile::TempDir,
    linted: Linted,
}

fn fixture(files: &[(&str, &str)]) -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    for (path, text) in files {
        std::fs::write(dir.path().join(path), text).unwrap();
    }
    let linted = lint(dir.path(), &Overlay::new(&DiskFs), None, false).unwrap();
    Fixture { dir, linted }
}

fn seed() -> Fixture {
    fixture(&[
        ("compose.yaml", COMPOSE),
        ("compose.override.yaml", OVERRIDE),
        (".env", DOTENV),
        ("app.env", APP_ENV),
        ("Dockerfile", DOCKERFILE),
    ])
}

impl Fixture {
    fn path(&self, file: &str) -> std::path::PathBuf {
        normalize(&self.dir.path().join(file))
    }

    fn snap_offset(&self, file: &str, offset: usize) -> Snapshot<'_> {
        let id = self.linted.ws.sources.find(&self.path(file)).unwrap();
        Snapshot {
            linted: &self.linted,
            enc: Encoding::Utf16,
            file: id,
            offset,
        }
    }

    /// A snapshot at the `|` of `needle` (written without it) in `file`.
    fn snap(&self, file: &str, needle: &str) -> Snapshot<'_> {
        let cursor = needle.find('|').unwrap();
        let plain = needle.replace('|', "");
        let text = std::fs::read_to_string(self.path(file)).unwrap();
        let at = text
            .find(&plain)
            .unwrap_or_else(|| panic!("{plain:?} in {file}"));
        self.snap_offset(file, at + cursor)
    }

    fn hover(&self, file: &str, needle: &str) -> Option<String> {
        hover(&self.snap(file, needle)).map(|h| match h.contents {
            HoverContents::Markup(m) => m.value,
            other => panic!("{other:?}"),
        })
    }

    /// `file:line` of each location, the file relative to the project.
    fn show(&self, locations: &[Location]) -> Vec<String> {
        locations
            .iter()
            .map(|l| {
                let path = l.uri.to_file_path().unwrap();
                let rel = path.strip_prefix(self.dir.path()).unwrap_or(&path);
                format!("{}:{}", rel.display(), l.range.start.line + 1)
            })
            .collect()
    }

    fn definition(&self, file: &str, needle: &str) -> Vec<String> {
        self.show(&definition(&self.snap(file, needle)))
    }

    fn references(&self, file: &str, needle: &str, declaration: bool) -> Vec<String> {
        self.show(&references(&self.snap(file, needle), declaration))
    }

    fn labels(&self, file: &str, needle: &str) -> Vec<String> {
        completion(&self.snap(file, needle))
            .into_iter()
            .map(|i| i.label)
            .collect()
    }
}

#[test]
fn hover_on_a_reference_says_what_it_resolves_to_and_who_receives_it() {
    let f = seed();
    let snap = f.snap("compose.yaml", "${NAV_DATA|BASE_URL}");
    let h = hover(&snap).unwrap();
    let HoverContents::Markup(m) = &h.contents else {
        panic!("{h:?}")
    };
    assert_eq!(m.kind, lsp_types::MarkupKind::Markdown);
    let text = &m.value;
    assert!(text.starts_with("**`NAV_DATABASE_URL`**"), "{text}");
    // The reference: its value, masked, from its `.env` line.
    assert!(
        text.contains(
            "`${NAV_DATABASE_URL}` at compose.yaml:7 → `\"postgresql://user:********@db:5432/app\"` from .env:1"
        ),
        "{text}"
    );
    // Those that reference it: `app`, and `worker` by its passthrough.
    assert!(
        text.contains("used by `worker`, `app`\n") || text.contains("used by `app`, `worker`\n"),
        "{text}"
    );
    // Each service: `app` by its `environment:`, `worker` by its
    // passthrough in the override file.
    assert!(
        text.contains("- **`app`**: `\"postgresql://user:********@db:5432/app\"` from `environment:` at compose.yaml:7 (`${NAV_DATABASE_URL}` from .env:1)"),
        "{text}"
    );
    assert!(
        text.contains("- **`worker`**: `\"postgresql://user:********@db:5432/app\"` from `environment:` at compose.override.yaml:9"),
        "{text}"
    );
    assert!(
        text.contains("`db`, `cache`: no NAV_DATABASE_URL"),
        "{text}"
    );
    assert!(!text.contains("hunter2pass"), "{text}");
    // The range is the name's.
    let line = "      NAV_DATABASE_URL: ${NAV_DATABASE_URL}";
    let start = line.find("${").unwrap() as u32 + 2;
    assert_eq!(
        h.range,
        Some(lsp_types::Range::new(
            lsp_types::Position::new(6, start),
            lsp_types::Position::new(6, start + "NAV_DATABASE_URL".len() as u32)
        ))
    );
}

#[test]
fn hover_on_keys_says_which_definition_wins_and_what_it_overrides() {
    let f = seed();
    // The base file's key: the override file's value wins.
    let text = f.hover("compose.yaml", "NAV_LOG|_LEVEL: ${").unwrap();
    assert!(
        text.contains("- **`app`**: `\"debug\"` from `environment:` at compose.override.yaml:4"),
        "{text}"
    );
    // What it overrides: the `.env` line, with explain's reason.
    assert!(
        text.contains("✗ dotenv .env:4: .env only feeds interpolation, and service `app` hard-codes NAV_LOG_LEVEL in `environment:` at compose.override.yaml:4"),
        "{text}"
    );
    // The `.env` line itself: what wins over it, said once.
    let text = f.hover(".env", "NAV_LOG_LE|VEL=").unwrap();
    assert!(text.contains("✗ dotenv .env:4: .env only feeds"), "{text}");
    assert!(!text.contains("this definition"), "{text}");
    // A `.env` line no service receives: what it does, and why it stops.
    let text = f.hover(".env", "NAV_DB_PASS|WORD").unwrap();
    assert!(
        text.contains("this definition (dotenv at .env:3) = `\"********\"`: only feeds the interpolation of POSTGRES_PASSWORD (compose.yaml:20)"),
        "{text}"
    );
    assert!(
        text.contains("- **`db`**: does not receive NAV_DB_PASSWORD: NAV_DB_PASSWORD is only in the project .env"),
        "{text}"
    );
    // A `${VAR}` in a `.env` value.
    let text = f.hover(".env", "${NAV_HO|ST}").unwrap();
    assert!(
        text.contains("`${NAV_HOST}` at .env:6 → `\"db.internal\"` from .env:5"),
        "{text}"
    );
    // An env_file key: who reads it.
    let text = f.hover("app.env", "WORK|ERS").unwrap();
    assert!(
        text.contains("- **`app`**: `\"4\"` from env_file at app.env:1"),
        "{text}"
    );
    // An image ENV the service's `environment:` shadows.
    let text = f.hover("Dockerfile", "ENV PO|RT").unwrap();
    assert!(
        text.contains("- **`app`**: `\"9000\"` from `environment:` at compose.yaml:10"),
        "{text}"
    );
    assert!(
        text.contains("✗ image.env Dockerfile:8: shadowed by `environment:` at compose.yaml:10"),
        "{text}"
    );
    // A build-time ARG.
    let text = f.hover("Dockerfile", "ARG VERS|ION\n").unwrap();
    assert!(
        text.contains(
            "this definition (image.arg at Dockerfile:7) = `(unset)`: ARG is build-time only"
        ),
        "{text}"
    );
}

#[test]
fn a_secrets_value_never_appears_in_a_hover_or_a_completion() {
    let f = seed();
    let mut masked = 0;
    for file in [
        "compose.yaml",
        "compose.override.yaml",
        ".env",
        "app.env",
        "Dockerfile",
    ] {
        let text = std::fs::read_to_string(f.path(file)).unwrap();
        for (at, _) in text.char_indices() {
            let snap = f.snap_offset(file, at);
            if let Some(h) = hover(&snap) {
                let HoverContents::Markup(m) = h.contents else {
                    panic!()
                };
                for s in SECRETS {
                    assert!(!m.value.contains(s), "{file}@{at}: {}", m.value);
                }
                if m.value.contains("NAV_SECRET_KEY") && m.value.contains("`\"********\"`") {
                    masked += 1;
                }
            }
            for item in completion(&snap) {
                let shown = format!("{item:?}");
                for s in SECRETS {
                    assert!(!shown.contains(s), "{file}@{at}: {shown}");
                }
            }
        }
    }
    // A default written in a secret's value, masked with it.
    let text = f
        .hover("compose.override.yaml", "${NAV_ADMIN_UN|SET")
        .unwrap();
    assert!(
        text.contains("`${NAV_ADMIN_UNSET:-**************}` at compose.override.yaml:10 → `\"********\"` (its default)"),
        "{text}"
    );
    // The hovers on NAV_SECRET_KEY did show it, masked.
    assert!(masked > 0);
    let text = f.hover("compose.yaml", "${NAV_SECRET|_KEY}").unwrap();
    assert!(
        text.contains("- **`app`**: `\"********\"` from `environment:` at compose.yaml:9"),
        "{text}"
    );
}

#[test]
fn definitions() {
    let f = seed();
    // `$PATH` in `ENV PATH=...:$PATH`: the value before the instruction —
    // the one an earlier `ENV` sets, or none here (the base image's).
    let f4 = fixture(&[(
        "Dockerfile",
        "FROM python:3.12-slim\nENV PATH=/a:$PATH\nENV PATH=/b:$PATH\n",
    )]);
    assert!(f4.definition("Dockerfile", "/a:$PA|TH").is_empty());
    assert_eq!(f4.definition("Dockerfile", "/b:$PA|TH"), ["Dockerfile:2"]);
    // `${VAR}` → its `.env` line.
    assert_eq!(
        f.definition("compose.yaml", "${NAV_DATABASE|_URL}"),
        [".env:1"]
    );
    assert_eq!(
        f.definition("compose.yaml", "${NAV_LOG_LEVEL|:-info}"),
        [".env:4"]
    );
    // An `environment:` key → the definition that wins for its service:
    // the override file's; itself, whose value `.env` gives.
    assert_eq!(
        f.definition("compose.yaml", "NAV_LOG_L|EVEL: ${"),
        ["compose.override.yaml:4"]
    );
    assert_eq!(
        f.definition("compose.yaml", "NAV_DATABASE_|URL: ${"),
        [".env:1"]
    );
    assert_eq!(
        f.definition("compose.override.yaml", "- NAV_DATA|BASE_URL"),
        [".env:1"]
    );
    // An env_file key → the `env_file:` that reads it; its path → the file.
    assert_eq!(f.definition("app.env", "WORK|ERS"), ["compose.yaml:11"]);
    assert_eq!(
        f.definition("compose.yaml", "env_file: app|.env"),
        ["app.env:1"]
    );
    // A `.env` key → the references it feeds.
    assert_eq!(
        f.definition(".env", "NAV_DB_PASS|WORD"),
        ["compose.yaml:20"]
    );
    // `target:` → the stage.
    assert_eq!(
        f.definition("compose.yaml", "target: run|time"),
        ["Dockerfile:6"]
    );
    // `depends_on:`, map form with `condition:`, list form, flow list in the
    // override file → the first file that defines the service.
    assert_eq!(
        f.definition("compose.yaml", "      d|b:\n        condition"),
        ["compose.yaml:17"]
    );
    assert_eq!(f.definition("compose.yaml", "- d|b\n"), ["compose.yaml:17"]);
    assert_eq!(
        f.definition("compose.override.yaml", "[a|pp]"),
        ["compose.yaml:2"]
    );
    // `extends:` → the service of its document.
    assert_eq!(
        f.definition("compose.override.yaml", "extends: wor|ker"),
        ["compose.override.yaml:5"]
    );
    // `${VAR}` in a `.env` value → the line that sets it.
    assert_eq!(f.definition(".env", "${NAV_HO|ST}"), [".env:5"]);
    // The override file's key → the base file's.
    assert_eq!(
        f.definition("compose.override.yaml", "  a|pp:"),
        ["compose.yaml:2"]
    );
    // The Dockerfile: `$VAR` → its ARG in the stage; `--from=` → the stage;
    // an ARG → nothing sets it in compose.
    assert_eq!(f.definition("Dockerfile", "$VER|SION"), ["Dockerfile:7"]);
    assert_eq!(
        f.definition("Dockerfile", "--from=bu|ild"),
        ["Dockerfile:1"]
    );
    assert!(f.definition("Dockerfile", "ARG VERS|ION\n").is_empty());
    // An image ENV → the definition that wins over it.
    assert_eq!(f.definition("Dockerfile", "ENV PO|RT"), ["compose.yaml:10"]);
}

#[test]
fn references_of_variables_services_and_stages() {
    let f = seed();
    // From the `.env` key: the `${VAR}` and the key of `app`, the
    // passthrough of `worker` (one place).
    assert_eq!(
        f.references(".env", "NAV_DATA|BASE_URL", false),
        [
            "compose.override.yaml:9",
            "compose.yaml:7",
            "compose.yaml:7"
        ]
    );
    let with = f.references(".env", "NAV_DATA|BASE_URL", true);
    assert_eq!(with.len(), 4);
    assert!(with.contains(&".env:1".to_string()));
    // The same from a `${VAR}`.
    assert_eq!(
        f.references("compose.yaml", "${NAV_DATA|BASE_URL}", true),
        with
    );
    // A `${VAR}` in a `.env` value is a use.
    assert_eq!(
        f.references(".env", "NAV_HO|ST=", true),
        [".env:5", ".env:6"]
    );
    // A service named by `extends:`.
    assert_eq!(
        f.references("compose.override.yaml", "  wor|ker:", false),
        ["compose.override.yaml:12"]
    );
    // The Dockerfile's ARG, ENV and `$VAR`.
    assert_eq!(
        f.references("Dockerfile", "ARG VERS|ION\n", true),
        ["Dockerfile:2", "Dockerfile:7", "Dockerfile:9"]
    );
    // env_file keys and Dockerfile ENV among the uses of PORT.
    assert_eq!(
        f.references("compose.yaml", "PO|RT: ", false),
        ["Dockerfile:8", "compose.yaml:10"]
    );
    // A service: its `depends_on:` items, map and list form.
    assert_eq!(
        f.references("compose.yaml", "  d|b:\n    image", false),
        ["compose.yaml:13", "compose.yaml:25"]
    );
    assert_eq!(
        f.references("compose.yaml", "  d|b:\n    image", true),
        ["compose.yaml:13", "compose.yaml:17", "compose.yaml:25"]
    );
    // Across files: `app` in the override's flow list.
    assert_eq!(
        f.references("compose.yaml", "  a|pp:", true),
        [
            "compose.override.yaml:2",
            "compose.override.yaml:7",
            "compose.yaml:2"
        ]
    );
    // A stage: `--from=` and the `target:` that builds it.
    assert_eq!(
        f.references("Dockerfile", "AS bu|ild", true),
        ["Dockerfile:1", "Dockerfile:10"]
    );
    assert_eq!(
        f.references("compose.yaml", "target: run|time", true),
        ["Dockerfile:6", "compose.yaml:5"]
    );
}

#[test]
fn completion_of_variables_and_services() {
    let f = seed();
    let snap = f.snap("compose.yaml", "${NAV_DA|TABASE_URL}");
    let items = completion(&snap);
    let labels: Vec<&str> = items.iter().map(|i| i.label.as_str()).collect();
    // The project's `.env` first, in order, then the names the compose
    // files use (set or not), then env_file keys.
    assert_eq!(
        labels[..9],
        [
            "NAV_DATABASE_URL",
            "NAV_SECRET_KEY",
            "NAV_DB_PASSWORD",
            "NAV_LOG_LEVEL",
            "NAV_HOST",
            "NAV_URL",
            "NAV_ADMIN_UNSET",
            "WORKERS",
            "API_TOKEN"
        ]
    );
    let unset = items.iter().find(|i| i.label == "NAV_ADMIN_UNSET").unwrap();
    assert!(
        unset.detail.as_deref().unwrap().ends_with("(not set)"),
        "{unset:?}"
    );
    // Nothing typed yet: the shell's other variables (PATH, HOME…) wait
    // for a name to match.
    assert!(!labels.contains(&"PATH"), "{labels:?}");
    assert!(items.len() <= super::complete::MAX_ITEMS);
    let secret = &items[1];
    assert_eq!(secret.detail.as_deref(), Some(".env:2 = \"********\""));
    assert_eq!(
        items[0].detail.as_deref(),
        Some(".env:1 = \"postgresql://user:********@db:5432/app\"")
    );
    // The name typed (and its rest) is replaced; the `}` is there.
    let Some(lsp_types::CompletionTextEdit::Edit(edit)) = &items[0].text_edit else {
        panic!("{:?}", items[0])
    };
    assert_eq!(edit.new_text, "NAV_DATABASE_URL");
    let line = "      NAV_DATABASE_URL: ${NAV_DATABASE_URL}";
    let start = line.find("${").unwrap() as u32 + 2;
    assert_eq!(edit.range.start, lsp_types::Position::new(6, start));
    assert_eq!(edit.range.end.character, line.len() as u32 - 1);
    // After a lone `$` in a `.env` value: a `$` written (`$$`) is not one.
    let f2 = fixture(&[
        ("compose.yaml", "services:\n  app:\n    image: busybox\n"),
        (
            ".env",
            "NAV_A=1\nNAV_B=x-${NAV_\nNAV_C=$$NAV_\nNAV_D='${NAV_'\n",
        ),
    ]);
    // The `.env` does not parse while `${` is open: its lines before the
    // error are still offered.
    assert_eq!(f2.labels(".env", "x-${NAV_|"), ["NAV_A"]);
    let items = completion(&f2.snap(".env", "x-${NAV_|"));
    let Some(lsp_types::CompletionTextEdit::Edit(edit)) = &items[0].text_edit else {
        panic!()
    };
    assert_eq!(edit.new_text, "NAV_A}");
    assert!(f2.labels(".env", "$$NAV_|").is_empty());
    assert!(f2.labels(".env", "'${NAV_|").is_empty());
    // `depends_on:`, map form: every service but the one edited and those
    // listed already (`cache`).
    assert_eq!(
        f.labels("compose.yaml", "      d|b:\n        condition"),
        ["db", "worker", "admin"]
    );
    // Right after an item's `-`: the dash stays, the name goes after a
    // space.
    let f3 = fixture(&[(
        "compose.yaml",
        "services:\n  a:\n    image: busybox\n    depends_on:\n      - b\n      -\n  b:\n    image: busybox\n  c:\n    image: busybox\n",
    )]);
    let items = completion(&f3.snap("compose.yaml", "      -|\n  b:"));
    let labels: Vec<&str> = items.iter().map(|i| i.label.as_str()).collect();
    assert_eq!(labels, ["c"]);
    let Some(lsp_types::CompletionTextEdit::Edit(edit)) = &items[0].text_edit else {
        panic!()
    };
    assert_eq!(edit.new_text, " c");
    assert_eq!(edit.range.start, edit.range.end, "nothing replaced");
    // List form, and a flow list.
    assert_eq!(
        f.labels("compose.yaml", "- d|b\n"),
        ["app", "db", "worker", "admin"]
    );
    assert_eq!(
        f.labels("compose.override.yaml", "[a|pp]"),
        ["app", "db", "cache", "admin"]
    );
    // Not under `condition:`.
    assert!(f
        .labels("compose.yaml", "condition: service_h|ealthy")
        .is_empty());
}

#[test]
fn whitespace_and_comments_answer_nothing() {
    let f = seed();
    for needle in [
        "|    build:",
        "  |  build:",
        "# cache ne|eds",
        "${NAV_NOT_A|_REFERENCE}",
    ] {
        let snap = f.snap("compose.yaml", needle);
        assert!(hover(&snap).is_none(), "{needle}");
        assert!(definition(&snap).is_empty(), "{needle}");
        assert!(references(&snap, true).is_empty(), "{needle}");
        assert!(completion(&snap).is_empty(), "{needle}");
    }
    let snap = f.snap("Dockerfile", "|\nFROM python:3.12-slim AS runtime");
    assert!(hover(&snap).is_none());
    assert!(definition(&snap).is_empty());
}

#[test]
fn files_with_syntax_errors_do_not_panic() {
    let f = fixture(&[
        (
            "compose.yaml",
            "services:\n  app:\n    image: [unclosed\n    environment:\n      X: ${Y:-\n    depends_on:\n      - \n",
        ),
        (".env", "Y=1\nbad line ${\nZ=\"unterminated\n"),
        ("app.env", "=\n"),
        ("Dockerfile", "FROM\nENV\nARG =\nCOPY --from= a\nRUN $\n"),
    ]);
    for file in ["compose.yaml", ".env", "Dockerfile"] {
        let Some(id) = f.linted.ws.sources.find(&f.path(file)) else {
            continue;
        };
        let len = f.linted.ws.sources.get(id).text.len();
        for at in 0..=len + 1 {
            let snap = f.snap_offset(file, at);
            let _ = hover(&snap);
            let _ = definition(&snap);
            let _ = references(&snap, true);
            let _ = completion(&snap);
        }
    }
}

#[test]
fn projects_of_one_folder_that_say_the_same_share_one_block() {
    let f = fixture(&[
        (
            "compose.yaml",
            "services:\n  web:\n    image: nginx:1.27\n    environment:\n      NAV_MODE: ${NAV_MODE:-y}\n",
        ),
        // Merged over compose.yaml (it defines no image): a second project
        // of the folder, which says the same of NAV_MODE.
        ("compose.extra.yaml", "services:\n  web:\n    labels: [extra]\n"),
    ]);
    let h = f.hover("compose.yaml", "${NAV_MO|DE").unwrap();
    let headings: Vec<&str> = h.lines().filter(|l| l.starts_with("**")).collect();
    assert_eq!(headings.len(), 1, "{h}");
    assert!(
        headings[0].contains("(compose.yaml; compose.yaml + compose.extra.yaml)"),
        "{h}"
    );
    // The default that applies is said so, not "from nowhere".
    assert!(h.contains("its default"), "{h}");
    assert!(!h.contains("nowhere"), "{h}");
}
