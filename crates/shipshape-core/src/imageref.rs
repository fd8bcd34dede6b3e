//! Container image references (`registry:5000/team/app:1.2@sha256:…`), split the way Docker
//! does: the first path component is a registry when it contains `.` or `:` or is `localhost`.

/// A parsed image reference. Parts are slices of the original text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageRef<'a> {
    /// The whole reference as given.
    pub raw: &'a str,
    /// Registry host (and port), if one is named.
    pub registry: Option<&'a str>,
    /// Repository path without registry, tag or digest (`library/nginx` stays `library/nginx`).
    pub repository: &'a str,
    pub tag: Option<&'a str>,
    /// `sha256:…`
    pub digest: Option<&'a str>,
}

impl<'a> ImageRef<'a> {
    /// Splits a reference. Returns `None` for empty text or text with whitespace.
    pub fn parse(raw: &'a str) -> Option<Self> {
        if raw.is_empty() || raw.chars().any(char::is_whitespace) {
            return None;
        }
        let (rest, digest) = match raw.split_once('@') {
            Some((r, d)) => (r, Some(d)),
            None => (raw, None),
        };
        let (registry, path) = match rest.split_once('/') {
            Some((first, remainder))
                if first.contains('.') || first.contains(':') || first == "localhost" =>
            {
                (Some(first), remainder)
            }
            _ => (None, rest),
        };
        let last_slash = path.rfind('/').map_or(0, |i| i + 1);
        let (repository, tag) = match path[last_slash..].rfind(':') {
            Some(i) => (&path[..last_slash + i], Some(&path[last_slash + i + 1..])),
            None => (path, None),
        };
        if repository.is_empty() {
            return None;
        }
        Some(ImageRef {
            raw,
            registry,
            repository,
            tag: tag.filter(|t| !t.is_empty()),
            digest: digest.filter(|d| !d.is_empty()),
        })
    }

    /// The repository without Docker Hub's `library/` prefix (`nginx`, `team/app`).
    pub fn short_name(&self) -> &'a str {
        let is_hub = matches!(
            self.registry,
            None | Some("docker.io") | Some("index.docker.io") | Some("registry-1.docker.io")
        );
        if is_hub {
            self.repository
                .strip_prefix("library/")
                .unwrap_or(self.repository)
        } else {
            self.repository
        }
    }

    /// The last path component (`app` for `team/app`).
    pub fn base_name(&self) -> &'a str {
        self.repository
            .rsplit('/')
            .next()
            .unwrap_or(self.repository)
    }

    /// Whether the reference is pinned by a content digest.
    pub fn is_digest_pinned(&self) -> bool {
        self.digest
            .is_some_and(|d| d.starts_with("sha256:") || d.starts_with("sha512:"))
    }

    /// Whether the tag floats by definition: absent (means `latest`) or `latest`.
    pub fn is_latest(&self) -> bool {
        self.digest.is_none() && matches!(self.tag, None | Some("latest"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits() {
        let r = ImageRef::parse("nginx").unwrap();
        assert_eq!(
            (r.registry, r.repository, r.tag, r.digest),
            (None, "nginx", None, None)
        );
        assert!(r.is_latest());
        let r = ImageRef::parse("localhost:5000/team/app:1.2@sha256:abc").unwrap();
        assert_eq!(r.registry, Some("localhost:5000"));
        assert_eq!(r.repository, "team/app");
        assert_eq!(r.tag, Some("1.2"));
        assert!(r.is_digest_pinned());
        assert!(!r.is_latest());
        assert_eq!(r.base_name(), "app");
        let r = ImageRef::parse("docker.io/library/python:3.12-slim").unwrap();
        assert_eq!(r.short_name(), "python");
        let r = ImageRef::parse("gcr.io/distroless/static:nonroot").unwrap();
        assert_eq!(r.short_name(), "distroless/static");
        let r = ImageRef::parse("registry:5000/app").unwrap();
        assert_eq!((r.registry, r.tag), (Some("registry:5000"), None));
        assert!(ImageRef::parse("").is_none());
        assert!(ImageRef::parse("a b").is_none());
        assert!(ImageRef::parse(":tag").is_none());
    }
}
