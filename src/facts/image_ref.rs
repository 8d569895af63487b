//! An image reference as Docker reads it: `[registry[:port]/]path[:tag]
//! [@digest]`, parsed once for every rule (`registry.local:5000/postgres:16`
//! is `postgres` tagged `16` on `registry.local:5000`, not a tag
//! `5000/postgres:16`).

/// A parsed image reference; every part borrows the text it was read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ImageRef<'a> {
    /// `ghcr.io`, `registry.local:5000`, `localhost`; `None` for Docker Hub
    /// written without one.
    pub registry: Option<&'a str>,
    /// `postgres`, `library/postgres`, `bitnami/postgresql`.
    pub path: &'a str,
    /// `16-alpine`, `latest`; `None` when not written.
    pub tag: Option<&'a str>,
    /// `sha256:…`.
    pub digest: Option<&'a str>,
}

impl<'a> ImageRef<'a> {
    /// Reads `reference` (surrounding blanks ignored). `None` for an empty
    /// reference or one with an unexpanded variable (`${BASE}`), whose
    /// image is not known.
    pub fn parse(reference: &'a str) -> Option<ImageRef<'a>> {
        let r = reference.trim();
        if r.is_empty() || r.contains('$') || r.contains(char::is_whitespace) {
            return None;
        }
        let (name, digest) = match r.split_once('@') {
            Some((n, d)) => (n, Some(d)),
            None => (r, None),
        };
        // A tag is after the last `:` that follows the last `/` (a `:`
        // before it is a registry's port).
        let slash = name.rfind('/').map_or(0, |i| i + 1);
        let (repo, tag) = match name[slash..].rfind(':') {
            Some(c) => (&name[..slash + c], Some(&name[slash + c + 1..])),
            None => (name, None),
        };
        // The first component is a registry when it has a `.` or a `:`, or
        // is `localhost` (Docker's rule).
        let (registry, path) = match repo.split_once('/') {
            Some((first, rest))
                if first.contains('.') || first.contains(':') || first == "localhost" =>
            {
                (Some(first), rest)
            }
            _ => (None, repo),
        };
        if path.is_empty() {
            return None;
        }
        Some(ImageRef {
            registry,
            path,
            tag: tag.filter(|t| !t.is_empty()),
            digest: digest.filter(|d| !d.is_empty()),
        })
    }

    /// Where `part` (this reference's `tag`, `name()`...) is in `text`, the
    /// text the reference was parsed from: byte offsets, for
    /// [`crate::model::types::Value::span_of`].
    pub fn range_in(text: &str, part: &'a str) -> Option<std::ops::Range<usize>> {
        let start = (part.as_ptr() as usize).checked_sub(text.as_ptr() as usize)?;
        let end = start + part.len();
        (end <= text.len()).then_some(start..end)
    }

    /// The last component of the path, lowercase-compared by callers:
    /// `postgres` for `docker.io/library/postgres:16`.
    pub fn name(&self) -> &'a str {
        self.path.rsplit('/').next().unwrap_or(self.path)
    }

    /// The repository as Docker Hub names it: `library/postgres` for
    /// `postgres`, the path as written otherwise; with its registry.
    pub fn repository(&self) -> String {
        let registry = self
            .registry
            .filter(|r| !matches!(*r, "docker.io" | "index.docker.io" | "registry-1.docker.io"));
        let path = if registry.is_none() && !self.path.contains('/') {
            format!("library/{}", self.path)
        } else {
            self.path.to_string()
        };
        match registry {
            Some(r) => format!("{r}/{path}"),
            None => path,
        }
    }

    /// Whether two references name the same repository (tags and digests
    /// aside): `postgres` and `docker.io/library/postgres:16`.
    pub fn same_repository(&self, other: &ImageRef) -> bool {
        self.repository().eq_ignore_ascii_case(&other.repository())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (registry, path, tag, digest)
    type Parts<'a> = (Option<&'a str>, &'a str, Option<&'a str>, Option<&'a str>);

    fn parts(s: &str) -> Option<Parts<'_>> {
        ImageRef::parse(s).map(|r| (r.registry, r.path, r.tag, r.digest))
    }

    #[test]
    fn references_as_docker_reads_them() {
        assert_eq!(parts("postgres"), Some((None, "postgres", None, None)));
        assert_eq!(
            parts("postgres:16"),
            Some((None, "postgres", Some("16"), None))
        );
        assert_eq!(
            parts("registry.local:5000/postgres:16"),
            Some((Some("registry.local:5000"), "postgres", Some("16"), None))
        );
        assert_eq!(
            parts("localhost/app"),
            Some((Some("localhost"), "app", None, None))
        );
        assert_eq!(
            parts("ghcr.io/org/app:1.2@sha256:abc"),
            Some((Some("ghcr.io"), "org/app", Some("1.2"), Some("sha256:abc")))
        );
        assert_eq!(
            parts("bitnami/postgresql"),
            Some((None, "bitnami/postgresql", None, None))
        );
        assert_eq!(
            parts("myregistry:5000/team/app"),
            Some((Some("myregistry:5000"), "team/app", None, None))
        );
        assert_eq!(
            parts("app@sha256:abc"),
            Some((None, "app", None, Some("sha256:abc")))
        );
        for unknown in ["", "  ", "${BASE}", "python:${V}", "a b"] {
            assert_eq!(parts(unknown), None, "{unknown}");
        }
    }

    #[test]
    fn names_and_repositories() {
        let r = ImageRef::parse("docker.io/library/postgres:16").unwrap();
        assert_eq!(r.name(), "postgres");
        assert_eq!(r.repository(), "library/postgres");
        assert!(r.same_repository(&ImageRef::parse("postgres").unwrap()));
        assert!(!r.same_repository(&ImageRef::parse("bitnami/postgresql").unwrap()));
        assert_eq!(
            ImageRef::parse("ghcr.io/org/app").unwrap().repository(),
            "ghcr.io/org/app"
        );
    }
}
