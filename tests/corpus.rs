//! Every parser reads every file of `../shared/corpus/` without panicking,
//! and the whole tool runs on every corpus project (exit code 0, 1 or 2,
//! never a crash). Skips cleanly where the corpus is absent.

use std::path::{Path, PathBuf};
use std::process::Command;

use mppeep_lint::syntax::{compose, dockerfile, dotenv, python, template};

fn corpus() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus");
    if dir.is_dir() {
        Some(dir)
    } else {
        mppeep_lint::testing::skipped(
            "corpus",
            &format!("the corpus tests: {} is absent", dir.display()),
        );
        None
    }
}

fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = entry.path();
            let Ok(ft) = entry.file_type() else { continue };
            if ft.is_dir() {
                stack.push(p);
            } else if ft.is_file() {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

#[test]
fn every_parser_reads_every_corpus_file() {
    let Some(dir) = corpus() else { return };
    let all = files(&dir);
    assert!(
        all.len() > 100,
        "corpus looks truncated: {} files",
        all.len()
    );
    let mut compose_ok = 0;
    let mut settings_classes = 0;
    for path in &all {
        let Ok(bytes) = std::fs::read(path) else {
            continue;
        };
        let text = String::from_utf8_lossy(&bytes);
        // Each parser on every file, whatever its kind: none may panic.
        let c = compose::parse(&text);
        let _ = dotenv::parse(&text);
        let _ = dockerfile::parse(&text);
        let py = python::parse(&text);
        if path.extension().is_some_and(|e| e == "py") {
            settings_classes += py
                .classes
                .iter()
                .filter(|c| c.bases.iter().any(|b| b.ends_with("BaseSettings")))
                .count();
        }
        for line in text.lines().take(2000) {
            let _ = template::parse(line, 0);
        }
        let name = path.file_name().unwrap_or_default().to_string_lossy();
        if (name.ends_with(".yml") || name.ends_with(".yaml")) && c.errors.is_empty() {
            compose_ok += 1;
        }
    }
    // The corpus's settings modules (polar, mealie, lnbits…) are read.
    assert!(
        settings_classes >= 5,
        "only {settings_classes} BaseSettings classes read"
    );
    // Real compose files parse: errors are the exception.
    assert!(
        compose_ok > 100,
        "only {compose_ok} YAML files parsed cleanly"
    );
}

#[test]
fn the_tool_runs_on_every_corpus_project() {
    let Some(dir) = corpus() else { return };
    let projects = dir.join("projects");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&projects)
        .expect("projects")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.push(dir.join("conformance"));
    dirs.sort();
    for d in dirs {
        for args in [
            vec!["check", "--format", "json", "--no-config"],
            vec!["env", "--format", "json"],
        ] {
            let out = Command::new(env!("CARGO_BIN_EXE_mppeep-lint"))
                .args(&args)
                .arg(&d)
                .output()
                .expect("run mppeep-lint");
            let code = out.status.code();
            assert!(
                matches!(code, Some(0..=2)),
                "{} {:?}: exit {:?}\n{}",
                d.display(),
                args,
                code,
                String::from_utf8_lossy(&out.stderr)
            );
            let json: Result<serde_json::Value, _> = serde_json::from_slice(&out.stdout);
            assert!(
                json.is_ok() || code == Some(2),
                "{} {:?}: not JSON",
                d.display(),
                args
            );
        }
    }
}

/// The ecosystem check (what ruff runs over real projects): `check` on each
/// project of `../shared/corpus/projects/`, every finding compared with the
/// reviewed list `tests/corpus/findings.tsv`. Fails on a finding not in the
/// list, on a listed finding that is gone, on a line still `unreviewed`, on
/// a `debatable` line that names no class, and on any `fp`.
///
/// `UPDATE_CORPUS_FINDINGS=1 cargo test --test corpus` rewrites the list
/// from the current findings: verdicts and notes of the findings still there
/// are kept, new findings are marked `unreviewed`, gone ones are dropped.
#[test]
fn corpus_findings_match_the_reviewed_list() {
    let Some(dir) = corpus() else {
        return;
    };
    let projects = dir.join("projects");
    let list = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus/findings.tsv");
    let found = review::current_findings(&projects);
    let listed = review::read(&list);
    if std::env::var_os("UPDATE_CORPUS_FINDINGS").is_some() {
        let rows = review::merge(&found, &listed);
        review::write(&list, &rows);
        eprintln!("{}", review::summary(&rows));
        return;
    }
    let mut problems = review::compare(&found, &listed);
    // Repeats grouped: one finding per rule and primary span (an anchor used
    // by twenty services is one finding naming them).
    let mut seen = std::collections::BTreeSet::new();
    for f in &found {
        if !seen.insert((&f.project, &f.rule, &f.location)) {
            problems.push(format!(
                "two findings of {} at {} {}: group them",
                f.rule, f.project, f.location
            ));
        }
    }
    eprintln!("{}", review::summary(&listed));
    assert!(
        problems.is_empty(),
        "the corpus findings differ from tests/corpus/findings.tsv \
         (UPDATE_CORPUS_FINDINGS=1 rewrites it; then review every `unreviewed` line):\n{}",
        problems.join("\n")
    );
}

mod review {
    use std::collections::BTreeMap;
    use std::path::Path;
    use std::process::Command;

    /// The classes a `debatable` verdict may name (its note starts with
    /// `class: `).
    pub const CLASSES: &[&str] = &[
        // The file is for local development, tests or CI, not production.
        "dev-only",
        // The project chose this on purpose, and says so or clearly means it.
        "deliberate",
        // Right only once the user creates the `.env` (or env_file) the
        // project documents; the finding says so.
        "needs-dotenv",
        // An image whose job is to build or to develop in (toolchains kept).
        "build-image",
        // The project's upstream image sets it; the project cannot change it.
        "upstream",
        // An example or tutorial project, meant to be read and adapted.
        "example",
    ];

    /// One finding: where, which rule, what it said.
    #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
    pub struct Finding {
        pub project: String,
        /// `file:line:col`, the file relative to the project.
        pub location: String,
        pub rule: String,
        pub message: String,
    }

    impl Finding {
        fn key(&self) -> (String, String, String) {
            (
                self.project.clone(),
                self.rule.clone(),
                self.location.clone(),
            )
        }
    }

    /// A line of the reviewed list.
    #[derive(Debug, Clone)]
    pub struct Row {
        pub finding: Finding,
        pub verdict: String,
        pub note: String,
    }

    pub fn current_findings(projects: &Path) -> Vec<Finding> {
        let mut names: Vec<String> = std::fs::read_dir(projects)
            .expect("projects")
            .flatten()
            .filter(|e| e.path().is_dir())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        let mut out = Vec::new();
        for name in names {
            let o = Command::new(env!("CARGO_BIN_EXE_mppeep-lint"))
                .current_dir(projects)
                .env_clear()
                .args(["check", "--format", "json", "--no-config", "--no-shell-env"])
                .arg(&name)
                .output()
                .expect("run mppeep-lint");
            let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap_or_else(|e| {
                panic!(
                    "{name}: no JSON ({e}): {}",
                    String::from_utf8_lossy(&o.stderr)
                )
            });
            for d in v["diagnostics"].as_array().expect("diagnostics") {
                let file = d["file"].as_str().unwrap_or_default();
                let rel = file
                    .strip_prefix(&format!("{name}/"))
                    .unwrap_or(file)
                    .to_string();
                out.push(Finding {
                    project: name.clone(),
                    location: format!("{rel}:{}:{}", d["line"], d["column"]),
                    rule: d["name"].as_str().unwrap_or_default().to_string(),
                    message: one_line(d["message"].as_str().unwrap_or_default()),
                });
            }
        }
        out
    }

    fn one_line(s: &str) -> String {
        s.replace(['\t', '\n', '\r'], " ")
    }

    const HEADER: &str = "# project\trule\tlocation\tverdict\tnote\tmessage";

    pub fn read(path: &Path) -> Vec<Row> {
        let Ok(text) = std::fs::read_to_string(path) else {
            return Vec::new();
        };
        text.lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
            .map(|l| {
                let c: Vec<&str> = l.splitn(6, '\t').collect();
                let get = |i: usize| c.get(i).copied().unwrap_or_default().to_string();
                Row {
                    finding: Finding {
                        project: get(0),
                        rule: get(1),
                        location: get(2),
                        message: get(5),
                    },
                    verdict: get(3),
                    note: get(4),
                }
            })
            .collect()
    }

    pub fn write(path: &Path, rows: &[Row]) {
        let mut text = String::from(HEADER);
        text.push('\n');
        for r in rows {
            let f = &r.finding;
            text.push_str(&format!(
                "{}\t{}\t{}\t{}\t{}\t{}\n",
                f.project, f.rule, f.location, r.verdict, r.note, f.message
            ));
        }
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    /// The current findings, each with the verdict of a listed line with
    /// the same project, rule and location (taken once), else `unreviewed`.
    pub fn merge(found: &[Finding], listed: &[Row]) -> Vec<Row> {
        let mut pool: BTreeMap<(String, String, String), Vec<&Row>> = BTreeMap::new();
        for r in listed {
            pool.entry(r.finding.key()).or_default().push(r);
        }
        for rows in pool.values_mut() {
            rows.reverse();
        }
        let mut out: Vec<Row> = found
            .iter()
            .map(|f| match pool.get_mut(&f.key()).and_then(Vec::pop) {
                Some(r) => Row {
                    finding: f.clone(),
                    verdict: r.verdict.clone(),
                    note: r.note.clone(),
                },
                None => Row {
                    finding: f.clone(),
                    verdict: "unreviewed".into(),
                    note: String::new(),
                },
            })
            .collect();
        out.sort_by(|a, b| a.finding.cmp(&b.finding));
        out
    }

    /// Every way the current findings and the list disagree, and every line
    /// of the list that is not an acceptable verdict.
    pub fn compare(found: &[Finding], listed: &[Row]) -> Vec<String> {
        let mut problems = Vec::new();
        let mut counts: BTreeMap<(String, String, String), (usize, usize)> = BTreeMap::new();
        for f in found {
            counts.entry(f.key()).or_default().0 += 1;
        }
        for r in listed {
            counts.entry(r.finding.key()).or_default().1 += 1;
        }
        for ((project, rule, location), (now, then)) in &counts {
            if now > then {
                let msg = found
                    .iter()
                    .find(|f| &f.project == project && &f.rule == rule && &f.location == location)
                    .map(|f| f.message.as_str())
                    .unwrap_or_default();
                problems.push(format!(
                    "new finding: {project} {rule} {location} ({} more than listed): {msg}",
                    now - then
                ));
            } else if then > now {
                problems.push(format!(
                    "gone: {project} {rule} {location} ({} fewer than listed)",
                    then - now
                ));
            }
        }
        for r in listed {
            let f = &r.finding;
            let at = format!("{} {} {}", f.project, f.rule, f.location);
            match r.verdict.as_str() {
                "tp" => {}
                "fp" => problems.push(format!("false positive still reported: {at}: {}", r.note)),
                "debatable" => {
                    let class = r.note.split(':').next().unwrap_or_default().trim();
                    if !CLASSES.contains(&class) {
                        problems.push(format!(
                            "debatable without a class ({}): {at}",
                            CLASSES.join(", ")
                        ));
                    }
                }
                "unreviewed" => problems.push(format!("unreviewed: {at}: {}", f.message)),
                other => problems.push(format!("unknown verdict `{other}`: {at}")),
            }
        }
        problems
    }

    /// Findings per rule and verdict, and the precision TP / (TP + FP).
    pub fn summary(rows: &[Row]) -> String {
        let mut per_rule: BTreeMap<&str, BTreeMap<&str, usize>> = BTreeMap::new();
        for r in rows {
            *per_rule
                .entry(&r.finding.rule)
                .or_default()
                .entry(&r.verdict)
                .or_default() += 1;
        }
        let mut out =
            String::from("corpus findings per rule (tp / debatable / fp / unreviewed):\n");
        let (mut tp, mut fp) = (0, 0);
        for (rule, v) in &per_rule {
            let g = |k: &str| v.get(k).copied().unwrap_or(0);
            tp += g("tp");
            fp += g("fp");
            out.push_str(&format!(
                "  {rule:<28} {:>4} {:>4} {:>4} {:>4}\n",
                g("tp"),
                g("debatable"),
                g("fp"),
                g("unreviewed")
            ));
        }
        if tp + fp > 0 {
            out.push_str(&format!(
                "  precision TP/(TP+FP) = {:.1} % over {} findings\n",
                100.0 * tp as f64 / (tp + fp) as f64,
                rows.len()
            ));
        }
        out
    }
}

/// Masking hides secrets and nothing else: every finding of every corpus
/// project, rendered in JSON (messages, help, labels, fixes) and pretty
/// (source snippets), with and without `--show-secrets`; wherever the two
/// differ, what the mask hides must be a secret's value — the value of a
/// secret-named key written in one of the project's files, or a URL's
/// password — never a service name, a path or a word of a message.
#[test]
fn masks_cover_only_secret_values() {
    let Some(dir) = corpus() else { return };
    let projects = dir.join("projects");
    let mut names: Vec<String> = std::fs::read_dir(&projects)
        .expect("projects")
        .flatten()
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let mut problems = Vec::new();
    let mut masked_total = 0;
    for name in &names {
        let secrets = masking::secret_values(&projects.join(name));
        for format in ["json", "pretty"] {
            let run = |show: bool| {
                let mut c = Command::new(env!("CARGO_BIN_EXE_mppeep-lint"));
                c.current_dir(&projects)
                    .env_clear()
                    .args(["check", "--no-config", "--no-shell-env", "--color", "never"])
                    .args(["--format", format]);
                if show {
                    c.arg("--show-secrets");
                }
                let o = c.arg(name).output().expect("run mppeep-lint");
                String::from_utf8_lossy(&o.stdout).into_owned()
            };
            let (masked, shown) = (run(false), run(true));
            for hidden in masking::hidden(&masked, &shown) {
                masked_total += 1;
                if !masking::is_secret(&hidden, &secrets) {
                    problems.push(format!(
                        "{name} ({format}): masks {hidden:?}, which is no secret's value"
                    ));
                }
            }
        }
    }
    eprintln!("{masked_total} masked texts checked");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

mod masking {
    use std::collections::BTreeSet;
    use std::path::Path;

    use mppeep_lint::{is_secret_name, url_password_ranges, MASK};

    /// The values of secret-named keys written in the project's files
    /// (`KEY=value`, `KEY: value`, `- KEY=value`, `ENV KEY=value`, `ARG
    /// KEY=value`), quotes removed, and every URL password in them.
    pub fn secret_values(dir: &Path) -> BTreeSet<String> {
        let mut out = BTreeSet::new();
        for path in super::files(dir) {
            let Ok(text) = std::fs::read_to_string(&path) else {
                continue;
            };
            for r in url_password_ranges(&text) {
                out.insert(text[r].to_string());
            }
            for line in text.lines() {
                let l = line.trim_start().trim_start_matches("- ");
                let l = l
                    .strip_prefix("ENV ")
                    .or_else(|| l.strip_prefix("ARG "))
                    .or_else(|| l.strip_prefix("export "))
                    .unwrap_or(l)
                    .trim_start();
                let Some(at) = l.find(['=', ':']) else {
                    continue;
                };
                let key = l[..at].trim().trim_matches(['"', '\'']);
                if key.is_empty() || !is_secret_name(key) {
                    continue;
                }
                let value = l[at + 1..].trim().trim_matches(['"', '\'']);
                if !value.is_empty() {
                    out.insert(value.to_string());
                }
            }
        }
        out
    }

    /// What the masked output hides: for each line that differs, each
    /// `********` (or run of `*` in a snippet) of the masked line, as the
    /// text that stands in its place in the shown line.
    pub fn hidden(masked: &str, shown: &str) -> Vec<String> {
        let mut out = Vec::new();
        for (m, s) in masked.lines().zip(shown.lines()) {
            if m == s {
                continue;
            }
            // Snippet lines keep their length: compare byte for byte.
            if m.len() == s.len() {
                let (mb, sb) = (m.as_bytes(), s.as_bytes());
                let mut i = 0;
                while i < mb.len() {
                    if mb[i] == b'*' && sb[i] != b'*' {
                        let start = i;
                        while i < mb.len() && mb[i] == b'*' && sb[i] != b'*' {
                            i += 1;
                        }
                        out.push(in_context(s, start, i));
                    } else {
                        i += 1;
                    }
                }
                continue;
            }
            // Messages: each MASK replaces a whole value; align the text
            // around it.
            let mut rest_m = m;
            let mut rest_s = s;
            while let Some(at) = rest_m.find(MASK) {
                let before = &rest_m[..at];
                let Some(s_at) = rest_s.find(before).map(|i| i + before.len()) else {
                    break;
                };
                let after_m = &rest_m[at + MASK.len()..];
                // The value ends where the masked text resumes (up to the
                // next mask).
                let until_next = after_m.find(MASK).map_or(after_m, |n| &after_m[..n]);
                let anchor: String = until_next.chars().take(8).collect();
                if anchor.is_empty() && !after_m.is_empty() {
                    break;
                }
                let value_end = if anchor.is_empty() {
                    rest_s.len()
                } else {
                    match rest_s[s_at..].find(&anchor) {
                        Some(e) => s_at + e,
                        None => break,
                    }
                };
                let base = s.len() - rest_s.len();
                out.push(in_context(s, base + s_at, base + value_end));
                rest_m = after_m;
                rest_s = &rest_s[value_end..];
            }
        }
        out
    }

    /// The hidden text of `line[start..end]`, marked `<partial>` when it
    /// is only part of a word (a value never is: masking `plane` inside
    /// `makeplane__plane` hides a name, not a secret).
    fn in_context(line: &str, start: usize, end: usize) -> String {
        let word = |c: char| c.is_alphanumeric() || c == '_';
        let before = line[..start].chars().next_back();
        let after = line[end..].chars().next();
        let hidden = &line[start..end];
        let partial = (before.is_some_and(word) && hidden.starts_with(word))
            || (after.is_some_and(word) && hidden.ends_with(word));
        if partial {
            format!("<partial>{hidden}")
        } else {
            hidden.to_string()
        }
    }

    /// Whether `hidden` is (a part of) a secret value, standing as a whole.
    pub fn is_secret(hidden: &str, secrets: &BTreeSet<String>) -> bool {
        if hidden.starts_with("<partial>") {
            return false;
        }
        let h = hidden.trim_matches(['"', '\'']);
        h.is_empty() || secrets.iter().any(|s| s.contains(h))
    }
}
