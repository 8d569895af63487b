//! A service's `volumes:` items read as Compose reads them: the short
//! syntax split after interpolation (`src:dst[:mode]`, with Windows
//! drives), the long syntax's fields; a source that is a path makes a bind
//! mount, a name a named volume.

use crate::model::types::{MountConfig, Value};

/// What a mount is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MountKind {
    /// A host path.
    Bind,
    /// A named volume (or an anonymous one, without source).
    Volume,
    /// `tmpfs`, `npipe`, `cluster`, `image`: no host path.
    Other,
}

/// A `volumes:` item as Compose reads it, its texts borrowed from the
/// model's values; ranges are into [`Mount::value`]'s text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mount<'a> {
    pub kind: MountKind,
    /// The host path or the volume's name, as written after interpolation.
    pub source: Option<&'a str>,
    /// The value the source is in, and where in its text.
    pub source_at: Option<(&'a Value, std::ops::Range<usize>)>,
    /// The path in the container; `None` when the item has none (Compose
    /// rejects it).
    pub target: Option<&'a str>,
    pub read_only: bool,
}

impl MountConfig {
    /// The item as Compose reads it; `None` for a short item Compose
    /// rejects (an empty section between colons, too many colons).
    pub fn read(&self) -> Option<Mount<'_>> {
        match &self.short {
            Some(v) => short(v),
            None => {
                let source = self.source.as_ref().map(|s| s.text.as_str());
                let kind = match self.kind.as_ref().map(|k| k.text.as_str()) {
                    Some("bind") => MountKind::Bind,
                    Some("volume") => MountKind::Volume,
                    Some(_) => MountKind::Other,
                    // The type is required; without it, as a short item.
                    None if source.is_some_and(is_file_path) => MountKind::Bind,
                    None => MountKind::Volume,
                };
                Some(Mount {
                    kind,
                    source: source.filter(|s| !s.is_empty()),
                    source_at: self
                        .source
                        .as_ref()
                        .filter(|s| !s.text.is_empty())
                        .map(|s| (s, 0..s.text.len())),
                    target: self.target.as_ref().map(|t| t.text.as_str()),
                    read_only: self.read_only.as_ref().is_some_and(|r| is_true(&r.text)),
                })
            }
        }
    }

    /// What Compose merges items by: the path in the container (an item
    /// it cannot read, by its text).
    pub fn merge_key(&self) -> String {
        match self.read() {
            // `/sock/` and `/sock` are one path (compose-go cleans it).
            Some(Mount {
                target: Some(t), ..
            }) if t.len() > 1 => t.trim_end_matches('/').to_string(),
            Some(Mount {
                target: Some(t), ..
            }) => t.to_string(),
            _ => self
                .short
                .as_ref()
                .map_or_else(String::new, |v| v.text.clone()),
        }
    }
}

/// A boolean as Compose reads one after interpolation (YAML 1.1's words
/// too, which it warns of).
pub fn is_true(text: &str) -> bool {
    matches!(
        text.to_ascii_lowercase().as_str(),
        "true" | "y" | "yes" | "on"
    )
}

/// Whether Compose reads a source as a host path: `.`, `/` or `~` first,
/// a Windows pipe (`\\`) or drive (`C:`).
fn is_file_path(source: &str) -> bool {
    if source.starts_with(['.', '/', '~']) || source.starts_with(r"\\") {
        return true;
    }
    let mut chars = source.chars();
    matches!((chars.next(), chars.next()), (Some(c), Some(':')) if c.is_alphabetic())
}

/// `src:dst[:mode]` as Compose splits it: at each `:` but the one after a
/// drive letter; one section is the target of an anonymous volume; the
/// mode is `,`-separated options of which `ro` and `rw` set read-only.
fn short(v: &Value) -> Option<Mount<'_>> {
    let spec = v.text.as_str();
    if spec.is_empty() {
        return None;
    }
    // An anonymous volume at `spec` in the container.
    let anonymous = Some(Mount {
        kind: MountKind::Volume,
        source: None,
        source_at: None,
        target: Some(spec),
        read_only: false,
    });
    if spec.len() <= 2 {
        return anonymous;
    }
    let mut sections: Vec<std::ops::Range<usize>> = Vec::new();
    let mut start = 0;
    for (i, c) in spec.char_indices() {
        if c != ':' {
            continue;
        }
        let buffer = &spec[start..i];
        let mut b = buffer.chars();
        let drive = matches!((b.next(), b.next()), (Some(l), None) if l.is_alphabetic());
        if drive {
            continue;
        }
        sections.push(start..i);
        start = i + 1;
    }
    sections.push(start..spec.len());
    if sections.iter().any(|r| r.is_empty()) || sections.len() > 3 {
        return None;
    }
    if sections.len() == 1 {
        return anonymous;
    }
    let source = &spec[sections[0].clone()];
    let mut read_only = false;
    if let Some(mode) = sections.get(2) {
        for option in spec[mode.clone()].split(',') {
            match option {
                "ro" => read_only = true,
                "rw" => read_only = false,
                _ => {}
            }
        }
    }
    Some(Mount {
        kind: if is_file_path(source) {
            MountKind::Bind
        } else {
            MountKind::Volume
        },
        source: Some(source),
        source_at: Some((v, sections[0].clone())),
        target: Some(&spec[sections[1].clone()]),
        read_only,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::{FileId, Span, TextRange};

    fn value(text: &str) -> Value {
        Value {
            text: text.to_string(),
            span: Span::new(FileId(0), TextRange::new(0, text.len())),
            via: Vec::new(),
            segments: Vec::new(),
        }
    }

    fn item(text: &str) -> MountConfig {
        MountConfig {
            span: Span::new(FileId(0), TextRange::new(0, text.len())),
            short: Some(value(text)),
            kind: None,
            source: None,
            target: None,
            read_only: None,
        }
    }

    /// (source, target, read-only, kind) of an item.
    type Read<'a> = (Option<&'a str>, &'a str, bool, MountKind);

    /// As `docker-compose config` 2.40.3 prints them.
    #[test]
    fn short_items_as_compose_reads_them() {
        let cases: &[(&str, Option<Read>)] = &[
            (
                "/var/run/docker.sock:/var/run/docker.sock",
                Some((
                    Some("/var/run/docker.sock"),
                    "/var/run/docker.sock",
                    false,
                    MountKind::Bind,
                )),
            ),
            (
                "/var/run/docker.sock:/a:z,ro",
                Some((Some("/var/run/docker.sock"), "/a", true, MountKind::Bind)),
            ),
            (
                "/run/docker.sock:/f:rw",
                Some((Some("/run/docker.sock"), "/f", false, MountKind::Bind)),
            ),
            (
                r"C:\x:/e",
                Some((Some(r"C:\x"), "/e", false, MountKind::Bind)),
            ),
            (
                "data:/var/lib/data",
                Some((Some("data"), "/var/lib/data", false, MountKind::Volume)),
            ),
            (
                "./src:/app:ro",
                Some((Some("./src"), "/app", true, MountKind::Bind)),
            ),
            ("~/x:/y", Some((Some("~/x"), "/y", false, MountKind::Bind))),
            ("/data", Some((None, "/data", false, MountKind::Volume))),
            ("/a::/b", None),
            ("/a:/b:ro:x", None),
        ];
        for (text, want) in cases {
            let it = item(text);
            let got = it
                .read()
                .map(|m| (m.source, m.target.unwrap(), m.read_only, m.kind));
            assert_eq!(&got, want, "{text}");
        }
    }

    #[test]
    fn long_items() {
        let mut it = item("");
        it.short = None;
        it.kind = Some(value("bind"));
        it.source = Some(value("/run/docker.sock"));
        it.target = Some(value("/sock"));
        it.read_only = Some(value("yes"));
        let m = it.read().unwrap();
        assert_eq!(
            (m.kind, m.source, m.target, m.read_only),
            (
                MountKind::Bind,
                Some("/run/docker.sock"),
                Some("/sock"),
                true
            )
        );
        assert_eq!(it.merge_key(), "/sock");
        // `/sock/` is `/sock` to Compose's merge.
        it.target = Some(value("/sock/"));
        assert_eq!(it.merge_key(), "/sock");
    }
}
