//! `copy-from-unknown-stage`: `COPY --from=name` (or `RUN --mount=from=name`)
//! where `name` is no stage of the Dockerfile but is one edit away from
//! one (`buidler` for `builder`): BuildKit reads it as an image to pull.

use crate::model::distance::edit_distance;
use crate::rules::{Context, Diagnostic, Edit, Fix, Rule, RuleId, RuleMeta, Severity};
use crate::source::{FileId, Span, TextRange};
use crate::syntax::dockerfile::{Dockerfile, InstructionKind};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: RuleId::CopyFromUnknownStage,
        severity: Severity::Error,
        summary: "`COPY --from=buidler` (or `RUN --mount=from=…`) where the stage is `builder`: BuildKit pulls an image of that name instead.",
        doc: include_str!("../../rules/copy-from-unknown-stage.md"),
        cases: &[],
    },
    check,
};

fn check(ctx: &Context) -> Vec<Diagnostic> {
    let ws = ctx.ws;
    // `--from` may name a build context compose passes
    // (`additional_contexts:`), which the model does not follow: say
    // nothing where any compose file passes one.
    let named_contexts = ws
        .compose
        .keys()
        .any(|id| ws.sources.get(*id).text.contains("additional_contexts"));
    let mut out = Vec::new();
    for (id, df) in &ws.dockerfiles {
        if !named_contexts {
            copies(*id, &ws.sources.get(*id).text, df, &mut out);
        }
    }
    out
}

/// Every stage name, lowercased, with where it is written.
fn stage_names(df: &Dockerfile) -> Vec<(String, TextRange)> {
    df.instructions
        .iter()
        .filter_map(|i| match &i.kind {
            InstructionKind::From { alias: Some(a), .. } => {
                Some((a.value.to_ascii_lowercase(), a.range))
            }
            _ => None,
        })
        .collect()
}

/// A bare word BuildKit would read as an image on Docker Hub: no
/// registry, path, tag, digest or variable, not a stage index.
/// A Docker Official Image (`node`, `alpine`) is copied from on purpose,
/// however close to a stage's name.
fn bare_word(name: &str) -> bool {
    !name.is_empty()
        && !name.contains(['/', ':', '@', '.', '$'])
        && !name.chars().all(|c| c.is_ascii_digit())
        && !crate::facts::base_image::is_official_image(name)
}

/// The stage `name` was most likely meant to be: the one closest, one
/// edit (a letter added, dropped, changed or two swapped) away, and only
/// one at that distance.
fn meant<'a>(name: &str, stages: &'a [(String, TextRange)]) -> Option<&'a (String, TextRange)> {
    let lower = name.to_ascii_lowercase();
    if lower.len() < 3 || stages.iter().any(|(s, _)| *s == lower) {
        return None;
    }
    let close: Vec<&(String, TextRange)> = stages
        .iter()
        .filter(|(s, _)| edit_distance(&lower, s, 1) == 1)
        .collect();
    match close.as_slice() {
        [one] => Some(one),
        _ => None,
    }
}

fn copies(file: FileId, text: &str, df: &Dockerfile, out: &mut Vec<Diagnostic>) {
    let stages = stage_names(df);
    for ins in &df.instructions {
        // `COPY --from=x`, `ADD --from=x` (not `ADD`'s own image use).
        let mut names: Vec<(String, TextRange)> = Vec::new();
        if matches!(ins.kind, InstructionKind::Copy { .. }) {
            if let Some(f) = ins.flag("from") {
                if text.get(f.range.start..f.range.end) == Some(f.value.as_str()) {
                    names.push((f.value.clone(), f.range));
                }
            }
        }
        // `RUN --mount=type=bind,from=x,…`: the field's own bytes.
        for m in ins.flag_values("mount") {
            if text.get(m.range.start..m.range.end) != Some(m.value.as_str()) {
                continue;
            }
            let mut offset = 0;
            for field in m.value.split(',') {
                if let Some(v) = field.strip_prefix("from=") {
                    let start = m.range.start + offset + "from=".len();
                    names.push((v.to_string(), TextRange::new(start, start + v.len())));
                }
                offset += field.len() + 1;
            }
        }
        for (name, range) in names {
            if !bare_word(&name) {
                continue;
            }
            let Some((stage, at)) = meant(&name, &stages) else {
                continue;
            };
            out.push(
                Diagnostic::new(
                    RULE.meta.id,
                    Span::new(file, range),
                    format!(
                        "`{name}` is no stage of this Dockerfile: BuildKit pulls an image named `{name}` from Docker Hub instead (the build fails, or copies from an image of that name, whoever published it); the stage is `{stage}`"
                    ),
                )
                .with_span_label("not a stage: an image to pull")
                .with_label(Span::new(file, *at), format!("the stage `{stage}`"))
                .with_help(format!("write `{stage}`"))
                .with_fix(Fix::edits(
                    format!("name the stage `{stage}`"),
                    vec![Edit {
                        span: Span::new(file, range),
                        replacement: stage.clone(),
                    }],
                    false,
                )),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{assert_fires, assert_silent, fixed_text};

    const BUILD: &str = "FROM golang:1.23 AS builder\nRUN go build -o /app .\n";

    #[test]
    fn a_misspelt_stage() {
        for (copy, text) in [
            ("COPY --from=buidler /app /app", "buidler"),
            ("COPY --from=Builders /app /app", "Builders"),
            (
                "RUN --mount=type=bind,from=bulder,target=/b cp /b/app /app",
                "bulder",
            ),
        ] {
            let df = format!("{BUILD}FROM debian:12-slim\n{copy}\n");
            let d = assert_fires(&RULE, &[("Dockerfile", &df)]);
            assert_eq!(d[0].text, text, "{copy}");
            assert_eq!(d[0].labels[0].1, "builder");
        }
        let df = format!("{BUILD}FROM debian:12-slim\nCOPY --from=buidler /app /app\n");
        let fixed = fixed_text(&RULE, &[("Dockerfile", &df)]);
        assert!(fixed.contains("COPY --from=builder /app"), "{fixed}");
    }

    #[test]
    fn images_indexes_stages_and_far_names() {
        for copy in [
            "COPY --from=builder /app /app",
            "COPY --from=BUILDER /app /app",
            "COPY --from=0 /app /app",
            "COPY --from=golang:1.23 /usr/local/go /go",
            "COPY --from=ghcr.io/acme/builder /x /x",
            "COPY --from=busybox /bin/sh /sh",
            "COPY --from=$BASE /x /x",
        ] {
            let df = format!("{BUILD}FROM debian:12-slim\n{copy}\n");
            assert_silent(&RULE, &[("Dockerfile", &df)]);
        }
        // An official image one edit away from a stage: copied on purpose.
        let df = "FROM node:22 AS code\nFROM alpine:3.20 AS alpine3\nFROM debian:12\nCOPY --from=node /usr/local/bin/node /n\nCOPY --from=alpine /etc/apk /x\n";
        assert_silent(&RULE, &[("Dockerfile", df)]);
        // Two stages one edit away: which one is a guess.
        let df =
            "FROM a AS build1\nFROM a AS build2\nFROM debian:12-slim\nCOPY --from=build3 /x /x\n";
        assert_silent(&RULE, &[("Dockerfile", df)]);
        // A named build context compose passes.
        let compose = "services:\n  app:\n    build:\n      context: .\n      additional_contexts:\n        buidler: ../other\n";
        let df = format!("{BUILD}FROM debian:12-slim\nCOPY --from=buidler /app /app\n");
        assert_silent(&RULE, &[("Dockerfile", &df), ("compose.yaml", compose)]);
    }
}
