//! Baselines: the findings a project already has, kept by fingerprint, so
//! that only new ones are reported (`check --baseline FILE`, written by
//! `check --write-baseline FILE`). No I/O: the command line reads and
//! writes the file.
//!
//! A finding's fingerprint is its rule, its file and the text of the line
//! it points at (secret values masked, whatever `--show-secrets`, and
//! trimmed): lines inserted or removed elsewhere leave it unchanged; an
//! edit of the line itself changes it. It is the line's text, not the
//! finding's place: a finding fixed on one line and made again on an
//! identical line elsewhere in the file is taken for the old one. Several findings with the same
//! fingerprint are counted: a baseline of two hides two of them, never a
//! third. The file holds fingerprints, rules, paths and line numbers (for
//! people to read; they are not compared), never a message nor a value.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::rules::{Diagnostic, RuleId};
use crate::source::{FileId, SourceMap};

/// FNV-1a of the parts, each ended by a NUL: a stable fingerprint that
/// does not depend on the Rust version.
pub fn fnv1a(parts: &[&str]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for p in parts {
        for b in p.bytes().chain(std::iter::once(0)) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    format!("{h:016x}")
}

/// Masks a piece of a file (`file`, its text, its offset), always on.
pub type Mask<'a> = &'a dyn Fn(FileId, &str, usize) -> String;

/// The fingerprint of the finding `d`, its file named `path`: its rule,
/// that path and its line's text, masked by `mask`, each run of `*` made
/// one (a masked secret keeps its length: a secret rotated to another
/// length must not make its finding new).
///
/// Computed for many findings at a time: each line is masked once, however
/// many findings it holds (masking a long line for each of its findings
/// was quadratic).
pub struct Fingerprints<'a> {
    sources: &'a SourceMap,
    mask: Mask<'a>,
    /// The masked text of each line (file, first byte), as hashed.
    lines: HashMap<(FileId, usize), String>,
    /// The fingerprint of each rule, path and line: hashing a long line
    /// for each of its findings was quadratic too.
    done: HashMap<(RuleId, String, FileId, usize), String>,
}

impl<'a> Fingerprints<'a> {
    pub fn new(sources: &'a SourceMap, mask: Mask<'a>) -> Self {
        Fingerprints {
            sources,
            mask,
            lines: HashMap::new(),
            done: HashMap::new(),
        }
    }

    pub fn of(&mut self, d: &Diagnostic, path: &str) -> String {
        let f = self.sources.get(d.span.file);
        let line = f.line_range(f.line_col(d.span.range.start).line);
        let key = (d.rule, path.to_string(), d.span.file, line.start);
        if let Some(done) = self.done.get(&key) {
            return done.clone();
        }
        let mask = self.mask;
        let shown = self
            .lines
            .entry((d.span.file, line.start))
            .or_insert_with(|| {
                let text = mask(d.span.file, f.slice(line), line.start);
                let mut shown = String::with_capacity(text.len());
                for c in text.trim().chars() {
                    if !(c == '*' && shown.ends_with('*')) {
                        shown.push(c);
                    }
                }
                shown
            });
        let fingerprint = fnv1a(&[d.rule.name(), path, shown]);
        self.done.insert(key, fingerprint.clone());
        fingerprint
    }
}

/// The file `--write-baseline` writes.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    /// What the file is, and its version.
    #[serde(rename = "mppeep-lint-baseline")]
    version: u32,
    findings: Vec<Entry>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    rule: String,
    /// Relative to the baseline's folder, `/`-separated.
    file: String,
    /// Where the finding was when the baseline was written (not compared).
    line: usize,
    fingerprint: String,
}

const VERSION: u32 = 1;

/// The fingerprints of a baseline file, each with how many findings it
/// hides.
#[derive(Debug, Default)]
pub struct Baseline {
    counts: HashMap<String, usize>,
}

/// Each finding with the path its baseline entry names (see
/// [`fingerprint`]).
pub type Named<'a> = (&'a Diagnostic, String);

impl Baseline {
    /// Reads a baseline file's text; the error says what is wrong with it.
    pub fn parse(text: &str) -> Result<Baseline, String> {
        let file: File = serde_json::from_str(text)
            .map_err(|e| format!("not a baseline written by `--write-baseline`: {e}"))?;
        if file.version != VERSION {
            return Err(format!(
                "baseline version {} is not one this mppeep-lint reads (it writes version {VERSION})",
                file.version
            ));
        }
        let mut counts: HashMap<String, usize> = HashMap::new();
        for e in file.findings {
            *counts.entry(e.fingerprint).or_default() += 1;
        }
        Ok(Baseline { counts })
    }

    /// The text of a baseline of `findings`.
    pub fn write(sources: &SourceMap, mask: Mask, findings: &[Named]) -> String {
        let mut fingerprints = Fingerprints::new(sources, mask);
        let findings = findings
            .iter()
            .map(|(d, path)| Entry {
                rule: d.rule.name().to_string(),
                file: path.clone(),
                line: sources.get(d.span.file).line_col(d.span.range.start).line,
                fingerprint: fingerprints.of(d, path),
            })
            .collect();
        let file = File {
            version: VERSION,
            findings,
        };
        crate::report::render::pretty_json(&file)
    }

    /// Whether each of `findings` is new (not held by the baseline), in
    /// order: each fingerprint hides as many findings as the baseline
    /// counts of it, the first ones. And how many entries of the baseline
    /// matched no finding (fixed since, or their lines edited).
    pub fn new_ones(
        &self,
        sources: &SourceMap,
        mask: Mask,
        findings: &[Named],
    ) -> (Vec<bool>, usize) {
        let mut left = self.counts.clone();
        let mut fingerprints = Fingerprints::new(sources, mask);
        let new = findings
            .iter()
            .map(|(d, path)| match left.get_mut(&fingerprints.of(d, path)) {
                Some(n) if *n > 0 => {
                    *n -= 1;
                    false
                }
                _ => true,
            })
            .collect();
        (new, left.values().sum())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_baseline_that_is_not_one_is_refused_with_why() {
        assert!(Baseline::parse("")
            .unwrap_err()
            .contains("--write-baseline"));
        assert!(Baseline::parse("{\"findings\": []}").is_err());
        assert!(
            Baseline::parse("{\"mppeep-lint-baseline\": 2, \"findings\": []}")
                .unwrap_err()
                .contains("version 2")
        );
        let b = Baseline::parse(
            "{\"mppeep-lint-baseline\": 1, \"findings\": [{\"rule\": \"r\", \"file\": \"a\", \"line\": 1, \"fingerprint\": \"f\"}, {\"rule\": \"r\", \"file\": \"a\", \"line\": 2, \"fingerprint\": \"f\"}]}",
        )
        .unwrap();
        assert_eq!(b.counts.get("f"), Some(&2));
    }

    #[test]
    fn the_fingerprint_hash_is_stable() {
        // The value SARIF consumers and committed baselines already hold.
        assert_eq!(fnv1a(&["a", "b"]), fnv1a(&["a", "b"]));
        assert_ne!(fnv1a(&["ab", ""]), fnv1a(&["a", "b"]));
        assert_eq!(fnv1a(&[]), "cbf29ce484222325");
    }
}
