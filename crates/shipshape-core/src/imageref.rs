//! Container image references (`registry:5000/team/app:1.2@sha256:…`): one parser following the
//! distribution reference grammar, and one classification of how well a reference pins its image.
//! Every analyser (Dockerfile `FROM`, Compose and Kubernetes `image:`, `docker run`, images read
//! from the Engine or a registry) parses and classifies references here, so one reference draws
//! one class, and one severity, wherever it is written.
//!
//! ## Grammar
//! `[host[:port]/]path[:tag][@digest]`, as Docker reads it:
//! - the first `/`-separated component is a registry host when it contains `.` or `:`, is
//!   `localhost`, or has upper-case letters; otherwise the image is on Docker Hub (`docker.io`),
//!   where a one-component path means `library/<path>`;
//! - path components are lower case: `[a-z0-9]+` joined by `.`, `_`, `__` or runs of `-`;
//! - a tag is `[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`;
//! - a digest is `sha256:` + 64, `sha384:` + 96 or `sha512:` + 128 lower-case hex digits;
//! - the name (host and path) is at most 255 characters;
//! - a bare 64-hex string, or `sha256:` and 64 hex digits alone, is an image ID, not a name.
//!
//! Variables (`$X`, `${X}`, `${X:-default}`, `$(cmd)`) may stand anywhere; they are kept as
//! written and match anything. A literal `:` or `@` inside a variable does not separate parts.
//!
//! ## Classes
//! See [`ImageClass`]; [`classify`] is the one entry point for text, [`ImageRef::class`] for a
//! parsed reference.

use crate::Severity;
use std::borrow::Cow;
use std::fmt;
use std::ops::Range;

/// The longest name (host and path) the grammar accepts.
pub const NAME_MAX: usize = 255;
/// The longest tag the grammar accepts.
pub const TAG_MAX: usize = 128;

/// Why a text is not an image reference.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefError {
    /// Nothing (or only whitespace around nothing) was given.
    Empty,
    /// The name (host and path) is longer than [`NAME_MAX`] characters.
    NameTooLong,
    /// The repository path has upper-case letters.
    Uppercase,
    /// The repository path breaks the grammar (empty component, stray character, whitespace).
    InvalidName,
    /// The registry host breaks the grammar.
    InvalidRegistry,
    /// The tag is empty, too long, or has a character outside `A-Za-z0-9_.-`.
    InvalidTag,
    /// The digest is not `sha256`/`sha384`/`sha512` with the right number of lower-case hex digits.
    InvalidDigest,
    /// An image ID (64 hex digits, optionally after `sha256:`), which names content, not a
    /// repository. [`classify`] takes it for [`ImageClass::Digest`].
    ImageId,
}

impl fmt::Display for RefError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            RefError::Empty => "empty",
            RefError::NameTooLong => "the name is longer than 255 characters",
            RefError::Uppercase => "repository names must be lowercase",
            RefError::InvalidName => {
                "repository names are lowercase letters, digits and . _ - separated by /"
            }
            RefError::InvalidRegistry => "malformed registry host",
            RefError::InvalidTag => "malformed tag",
            RefError::InvalidDigest => "malformed digest",
            RefError::ImageId => "an image ID, not a repository name",
        })
    }
}

impl std::error::Error for RefError {}

/// How well a reference pins the image it names. Decided once, here, for every analyser.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ImageClass {
    /// Pinned by content: `@sha256:…` (with or without a tag), or an image ID.
    Digest,
    /// The explicit `latest` tag.
    Latest,
    /// No tag and no digest: Docker pulls `latest`.
    Untagged,
    /// A tag that is not a version (see [`is_version_tag`]): a channel (`lts`, `stable`, `edge`,
    /// `nightly`), a variant alone (`alpine`, `slim`), a codename (`bookworm`), a bare major
    /// version (`20`, `v3`), a major with a variant (`20-alpine`), or any other name (`prod`).
    /// Such tags move to new releases by design.
    MovingTag,
    /// A specific version (at least `major.minor`, a date stamp or a commit hash) without a digest.
    VersionTag,
    /// The tag (or the whole reference) comes from a variable with no known value, and no digest
    /// is written: the reference is only known at build or deploy time.
    Variable,
    /// `scratch`: the empty base, nothing to pull.
    Scratch,
}

impl ImageClass {
    /// Severity of the "not pinned" finding every analyser reports for this class, `None` when
    /// there is nothing to report:
    ///
    /// | class | severity |
    /// |---|---|
    /// | `Latest`, `Untagged` | medium: whatever was pushed last, across major versions |
    /// | `MovingTag` | low: moves to new releases, within the channel the tag names |
    /// | `VersionTag` | low: a tag can be re-pointed; only a digest names exact content |
    /// | `Digest`, `Scratch`, `Variable` | none |
    pub fn unpinned_severity(self) -> Option<Severity> {
        match self {
            ImageClass::Latest | ImageClass::Untagged => Some(Severity::Medium),
            ImageClass::MovingTag | ImageClass::VersionTag => Some(Severity::Low),
            ImageClass::Digest | ImageClass::Variable | ImageClass::Scratch => None,
        }
    }

    /// A stable lower-case name (`moving-tag`).
    pub fn as_str(self) -> &'static str {
        match self {
            ImageClass::Digest => "digest",
            ImageClass::Latest => "latest",
            ImageClass::Untagged => "untagged",
            ImageClass::MovingTag => "moving-tag",
            ImageClass::VersionTag => "version-tag",
            ImageClass::Variable => "variable",
            ImageClass::Scratch => "scratch",
        }
    }
}

impl fmt::Display for ImageClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Classifies a reference as written (variables included). Image IDs are [`ImageClass::Digest`];
/// text that is not a reference is an error, and analysers report nothing about its pinning.
pub fn classify(text: &str) -> Result<ImageClass, RefError> {
    match ImageRef::parse(text) {
        Ok(r) => Ok(r.class()),
        Err(RefError::ImageId) => Ok(ImageClass::Digest),
        Err(e) => Err(e),
    }
}

/// Whether a tag names a specific version, the line between [`ImageClass::VersionTag`] and
/// [`ImageClass::MovingTag`]. It does when it
/// - starts with at least `major.minor`, optionally after `v` (`1.27`, `3.12.7-slim-bookworm`,
///   `v2.10.1`, `22.04`, `17.0.10_7-jre`), or has a `-` or `_` separated part that does
///   (`min-6.3.0`, `server-v1.2`);
/// - or holds a date stamp `YYYYMMDD` / `YYYY-MM-DD` / `YYYY.MM.DD` (`jammy-20240111`,
///   `RELEASE.2024-01-11T07-46-16Z`);
/// - or has a `-`, `_` or `.` separated part of 7 to 64 lower-case hex digits with at least one
///   digit and one letter: a commit hash (`sha-1a2b3c4`).
///
/// Everything else is moving: `20`, `v3`, `20-alpine`, `lts`, `bookworm-slim`, `alpine3.20`,
/// `20-alpine3.20` (the variant's version does not pin the main one).
pub fn is_version_tag(tag: &str) -> bool {
    // major.minor at the start of the tag or of a `-`/`_` separated part
    let versioned = |part: &str| {
        let b = part.as_bytes();
        let start = usize::from(matches!(b.first(), Some(b'v' | b'V')));
        let digits = |from: usize| {
            b.get(from..)
                .unwrap_or_default()
                .iter()
                .take_while(|c| c.is_ascii_digit())
                .count()
        };
        let major = digits(start);
        major > 0 && b.get(start + major) == Some(&b'.') && digits(start + major + 1) > 0
    };
    tag.split(['-', '_']).any(versioned)
        || has_date_stamp(tag.as_bytes())
        || tag.split(['-', '_', '.']).any(|part| {
            (7..=64).contains(&part.len())
                && part
                    .bytes()
                    .all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(&c))
                && part.bytes().any(|c| c.is_ascii_digit())
                && part.bytes().any(|c| c.is_ascii_alphabetic())
        })
}

/// `YYYYMMDD`, `YYYY-MM-DD` or `YYYY.MM.DD` (years 19xx and 20xx), not inside a longer number.
fn has_date_stamp(b: &[u8]) -> bool {
    let two = |i: usize| -> Option<u32> {
        let (x, y) = (*b.get(i)?, *b.get(i + 1)?);
        (x.is_ascii_digit() && y.is_ascii_digit())
            .then(|| u32::from(x - b'0') * 10 + u32::from(y - b'0'))
    };
    (0..b.len()).any(|i| {
        if i > 0 && b[i - 1].is_ascii_digit() {
            return false;
        }
        if !matches!(two(i), Some(19 | 20)) || two(i + 2).is_none() {
            return false;
        }
        let mut j = i + 4;
        let sep = b.get(j).filter(|c| matches!(c, b'-' | b'.')).copied();
        if sep.is_some() {
            j += 1;
        }
        let Some(month) = two(j) else { return false };
        j += 2;
        if let Some(s) = sep {
            if b.get(j) != Some(&s) {
                return false;
            }
            j += 1;
        }
        let Some(day) = two(j) else { return false };
        (1..=12).contains(&month)
            && (1..=31).contains(&day)
            && !b.get(j + 2).is_some_and(u8::is_ascii_digit)
    })
}

/// A parsed image reference. Parts are slices of the original text, variables kept as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageRef<'a> {
    /// The whole reference as given.
    pub raw: &'a str,
    /// Registry host (and port) as written, if one is named (`None`: Docker Hub).
    pub registry: Option<&'a str>,
    /// Repository path as written, without registry, tag or digest (`nginx` stays `nginx`,
    /// `library/nginx` stays `library/nginx`; see [`ImageRef::path`] for the normalised form).
    pub repository: &'a str,
    /// The tag, without its `:`.
    pub tag: Option<&'a str>,
    /// The digest, without its `@` (`sha256:…`).
    pub digest: Option<&'a str>,
    /// Byte range of the tag in `raw`.
    pub tag_span: Option<Range<usize>>,
    /// Byte range of the digest in `raw`.
    pub digest_span: Option<Range<usize>>,
    /// Whether the text holds a variable (`$X`, `${X}`, `$(cmd)`) anywhere.
    pub has_variables: bool,
    /// The tag holds a variable (`app:${TAG}`), or the last path component does and no literal
    /// tag or digest follows, so the variable may carry the tag (`app${SUFFIX}`, `${IMAGE}`).
    tag_in_variable: bool,
    /// Byte range of `repository` in `raw`.
    repo_span: Range<usize>,
}

/// Byte ranges of the variables in a text.
fn variables(b: &[u8]) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'$' {
            i += 1;
            continue;
        }
        let end = match b.get(i + 1) {
            Some(&open @ (b'{' | b'(')) => {
                let close = if open == b'{' { b'}' } else { b')' };
                let mut depth = 0usize;
                let mut j = i + 1;
                let mut end = None;
                while j < b.len() {
                    if b[j] == open {
                        depth += 1;
                    } else if b[j] == close {
                        depth -= 1;
                        if depth == 0 {
                            end = Some(j + 1);
                            break;
                        }
                    }
                    j += 1;
                }
                end
            }
            Some(c) if c.is_ascii_alphabetic() || *c == b'_' => {
                let mut j = i + 1;
                while j < b.len() && (b[j].is_ascii_alphanumeric() || b[j] == b'_') {
                    j += 1;
                }
                Some(j)
            }
            Some(c) if c.is_ascii_digit() => Some(i + 2),
            _ => None,
        };
        match end {
            Some(e) => {
                out.push(i..e);
                i = e;
            }
            None => i += 1,
        }
    }
    out
}

/// Positions of `c` outside variables.
fn literal_positions<'v>(
    b: &'v [u8],
    vars: &'v [Range<usize>],
    c: u8,
) -> impl DoubleEndedIterator<Item = usize> + 'v {
    b.iter()
        .enumerate()
        .filter(move |(i, x)| **x == c && !vars.iter().any(|v| v.contains(i)))
        .map(|(i, _)| i)
}

/// Whether `range` overlaps a variable.
fn has_var(vars: &[Range<usize>], range: &Range<usize>) -> bool {
    vars.iter()
        .any(|v| v.start < range.end && range.start < v.end)
}

/// The characters of `range` that are not inside a variable.
fn literal_bytes<'v>(
    b: &'v [u8],
    vars: &'v [Range<usize>],
    range: Range<usize>,
) -> impl Iterator<Item = u8> + 'v {
    range
        .filter(move |i| !vars.iter().any(|v| v.contains(i)))
        .map(move |i| b[i])
}

fn is_domain_component(c: &str) -> bool {
    let b = c.as_bytes();
    !b.is_empty()
        && b.iter().all(|x| x.is_ascii_alphanumeric() || *x == b'-')
        && b[0] != b'-'
        && b[b.len() - 1] != b'-'
}

fn is_domain(host: &str) -> bool {
    if let Some(rest) = host.strip_prefix('[') {
        // [IPv6]:port
        let Some((addr, after)) = rest.split_once(']') else {
            return false;
        };
        return !addr.is_empty()
            && addr.bytes().all(|x| x.is_ascii_hexdigit() || x == b':')
            && (after.is_empty()
                || after
                    .strip_prefix(':')
                    .is_some_and(|p| !p.is_empty() && p.bytes().all(|x| x.is_ascii_digit())));
    }
    let (name, port) = match host.split_once(':') {
        Some((n, p)) => (n, Some(p)),
        None => (host, None),
    };
    name.split('.').all(is_domain_component)
        && port.is_none_or(|p| !p.is_empty() && p.bytes().all(|x| x.is_ascii_digit()))
}

/// `[a-z0-9]+` joined by `.`, `_`, `__` or runs of `-`.
fn is_path_component(c: &str) -> bool {
    let b = c.as_bytes();
    if b.is_empty() || !b[0].is_ascii_alphanumeric() || !b[b.len() - 1].is_ascii_alphanumeric() {
        return false;
    }
    let mut i = 0;
    while i < b.len() {
        if b[i].is_ascii_lowercase() || b[i].is_ascii_digit() {
            i += 1;
            continue;
        }
        let sep_start = i;
        while i < b.len() && matches!(b[i], b'.' | b'_' | b'-') {
            i += 1;
        }
        let sep = &c[sep_start..i];
        let ok =
            matches!(sep, "." | "_" | "__") || (!sep.is_empty() && sep.bytes().all(|x| x == b'-'));
        if !ok {
            return false;
        }
    }
    true
}

fn is_tag_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, b'_' | b'.' | b'-')
}

fn is_digest(d: &str) -> bool {
    let Some((alg, hex)) = d.split_once(':') else {
        return false;
    };
    let want = match alg {
        "sha256" => 64,
        "sha384" => 96,
        "sha512" => 128,
        _ => return false,
    };
    hex.len() == want
        && hex
            .bytes()
            .all(|x| x.is_ascii_digit() || (b'a'..=b'f').contains(&x))
}

fn is_hex64(s: &str) -> bool {
    s.len() == 64
        && s.bytes()
            .all(|x| x.is_ascii_digit() || (b'a'..=b'f').contains(&x))
}

impl<'a> ImageRef<'a> {
    /// Parses a reference with the distribution grammar (see the module docs).
    pub fn parse(raw: &'a str) -> Result<Self, RefError> {
        let r = Self::split(raw)?;
        r.validate()?;
        Ok(r)
    }

    /// Splits a reference the same way as [`ImageRef::parse`] without checking the characters of
    /// each part: for heuristics that read a repository name out of partly interpolated text
    /// (`postgres:` when `${TAG}` had no value). Never use it to judge pinning.
    pub fn parse_lenient(raw: &'a str) -> Option<Self> {
        Self::split(raw).ok()
    }

    fn split(raw: &'a str) -> Result<Self, RefError> {
        if raw.is_empty() {
            return Err(RefError::Empty);
        }
        let b = raw.as_bytes();
        let vars = variables(b);
        let at = literal_positions(b, &vars, b'@').next();
        let name_end = at.unwrap_or(raw.len());
        let digest_span = at.map(|i| i + 1..raw.len());
        let last_slash = literal_positions(&b[..name_end], &vars, b'/').next_back();
        let after_slash = last_slash.map_or(0, |i| i + 1);
        let colon = literal_positions(&b[..name_end], &vars, b':')
            .next_back()
            .filter(|&i| i >= after_slash);
        let tag_span = colon.map(|i| i + 1..name_end);
        let repo_end = colon.unwrap_or(name_end);
        let first_slash = literal_positions(&b[..repo_end], &vars, b'/').next();
        let registry_end = first_slash.filter(|&i| {
            let first = &raw[..i];
            first.contains(['.', ':'])
                || first == "localhost"
                || first.bytes().any(|x| x.is_ascii_uppercase())
                || has_var(&vars, &(0..i))
        });
        let repo_start = registry_end.map_or(0, |i| i + 1);
        if repo_start >= repo_end {
            return Err(RefError::InvalidName);
        }
        let tag_in_variable = match &tag_span {
            Some(span) => has_var(&vars, span),
            None => at.is_none() && has_var(&vars, &(after_slash..repo_end)),
        };
        Ok(ImageRef {
            raw,
            registry: registry_end.map(|i| &raw[..i]),
            repository: &raw[repo_start..repo_end],
            tag: tag_span.clone().map(|s| &raw[s]),
            digest: digest_span.clone().map(|s| &raw[s]),
            tag_span,
            digest_span,
            has_variables: !vars.is_empty(),
            tag_in_variable,
            repo_span: repo_start..repo_end,
        })
    }

    fn validate(&self) -> Result<(), RefError> {
        let raw = self.raw;
        let b = raw.as_bytes();
        let vars = variables(b);
        if !self.has_variables
            && (is_hex64(raw) || raw.strip_prefix("sha256:").is_some_and(is_hex64))
        {
            return Err(RefError::ImageId);
        }
        let Range {
            start: repo_start,
            end: repo_end,
        } = self.repo_span.clone();
        if repo_end > NAME_MAX {
            return Err(RefError::NameTooLong);
        }
        if let Some(host) = self.registry {
            let ok = if has_var(&vars, &(0..host.len())) {
                literal_bytes(b, &vars, 0..host.len())
                    .all(|x| x.is_ascii_alphanumeric() || b".-:[]".contains(&x))
            } else {
                is_domain(host)
            };
            if !ok {
                return Err(RefError::InvalidRegistry);
            }
        }
        // path components, split on literal slashes
        let mut start = repo_start;
        let slashes: Vec<usize> = literal_positions(&b[..repo_end], &vars, b'/')
            .filter(|&i| i >= repo_start)
            .chain([repo_end])
            .collect();
        for end in slashes {
            let range = start..end;
            if range.is_empty() {
                return Err(RefError::InvalidName);
            }
            let literal: Vec<u8> = literal_bytes(b, &vars, range.clone()).collect();
            if literal.iter().any(u8::is_ascii_uppercase) {
                return Err(RefError::Uppercase);
            }
            let ok = if has_var(&vars, &range) {
                literal
                    .iter()
                    .all(|x| x.is_ascii_lowercase() || x.is_ascii_digit() || b"._-".contains(x))
            } else {
                is_path_component(&raw[range])
            };
            if !ok {
                return Err(RefError::InvalidName);
            }
            start = end + 1;
        }
        if let Some(span) = &self.tag_span {
            let ok = if has_var(&vars, span) {
                literal_bytes(b, &vars, span.clone()).all(is_tag_char)
            } else {
                let t = &b[span.clone()];
                !t.is_empty()
                    && t.len() <= TAG_MAX
                    && t[0] != b'.'
                    && t[0] != b'-'
                    && t.iter().all(|x| is_tag_char(*x))
            };
            if !ok {
                return Err(RefError::InvalidTag);
            }
        }
        if let Some(span) = &self.digest_span {
            let ok = if has_var(&vars, span) {
                literal_bytes(b, &vars, span.clone())
                    .all(|x| x.is_ascii_alphanumeric() || b":+._-".contains(&x))
            } else {
                is_digest(&raw[span.clone()])
            };
            if !ok {
                return Err(RefError::InvalidDigest);
            }
        }
        Ok(())
    }

    /// How well the reference pins its image (see [`ImageClass`]).
    pub fn class(&self) -> ImageClass {
        if self.digest.is_some() {
            return ImageClass::Digest;
        }
        match self.tag {
            _ if self.tag_in_variable => ImageClass::Variable,
            None if self.registry.is_none() && self.repository == "scratch" => ImageClass::Scratch,
            None => ImageClass::Untagged,
            Some("latest") => ImageClass::Latest,
            Some(t) if is_version_tag(t) => ImageClass::VersionTag,
            Some(_) => ImageClass::MovingTag,
        }
    }

    /// Whether the image is on Docker Hub (no registry, `docker.io`, `index.docker.io` or
    /// `registry-1.docker.io`).
    pub fn is_docker_hub(&self) -> bool {
        matches!(
            self.registry,
            None | Some("docker.io") | Some("index.docker.io") | Some("registry-1.docker.io")
        )
    }

    /// The registry host with Docker's normalisation: `docker.io` when none is named, and for
    /// the legacy `index.docker.io`.
    pub fn domain(&self) -> &'a str {
        match self.registry {
            None | Some("index.docker.io") => "docker.io",
            Some(r) => r,
        }
    }

    /// The repository path with Docker Hub's implicit `library/` (`nginx` is `library/nginx`).
    pub fn path(&self) -> Cow<'a, str> {
        if self.domain() == "docker.io" && !self.repository.contains('/') {
            Cow::Owned(format!("library/{}", self.repository))
        } else {
            Cow::Borrowed(self.repository)
        }
    }

    /// `domain/path`, fully qualified (`docker.io/library/nginx`).
    pub fn full_name(&self) -> String {
        format!("{}/{}", self.domain(), self.path())
    }

    /// The repository without Docker Hub's `library/` prefix (`nginx`, `team/app`).
    pub fn short_name(&self) -> &'a str {
        if self.is_docker_hub() {
            self.repository
                .strip_prefix("library/")
                .unwrap_or(self.repository)
        } else {
            self.repository
        }
    }

    /// The name as Docker shows it: [`ImageRef::short_name`] on Docker Hub, `host/path`
    /// elsewhere (`nginx`, `quay.io/centos/centos`).
    pub fn familiar_name(&self) -> Cow<'a, str> {
        match self.registry {
            Some(r) if !self.is_docker_hub() => Cow::Owned(format!("{r}/{}", self.repository)),
            _ => Cow::Borrowed(self.short_name()),
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
        self.class() == ImageClass::Digest
    }

    /// Whether the tag floats by definition: absent (means `latest`) or `latest`.
    pub fn is_latest(&self) -> bool {
        matches!(self.class(), ImageClass::Latest | ImageClass::Untagged)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ImageClass::*;

    const HEX: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    #[test]
    fn splits() {
        let r = ImageRef::parse("nginx").unwrap();
        assert_eq!(
            (r.registry, r.repository, r.tag, r.digest),
            (None, "nginx", None, None)
        );
        assert!(r.is_latest());
        assert_eq!(r.full_name(), "docker.io/library/nginx");
        let text = format!("localhost:5000/team/app:1.2@sha256:{HEX}");
        let r = ImageRef::parse(&text).unwrap();
        assert_eq!(r.registry, Some("localhost:5000"));
        assert_eq!(r.repository, "team/app");
        assert_eq!(r.tag, Some("1.2"));
        assert_eq!(&text[r.tag_span.clone().unwrap()], "1.2");
        assert_eq!(
            &text[r.digest_span.clone().unwrap()],
            format!("sha256:{HEX}")
        );
        assert!(r.is_digest_pinned());
        assert!(!r.is_latest());
        assert_eq!(r.base_name(), "app");
        assert_eq!(r.full_name(), "localhost:5000/team/app");
        let r = ImageRef::parse("docker.io/library/python:3.12-slim").unwrap();
        assert_eq!(r.short_name(), "python");
        assert_eq!(r.familiar_name(), "python");
        let r = ImageRef::parse("index.docker.io/nginx").unwrap();
        assert_eq!(
            (r.domain(), r.path().as_ref()),
            ("docker.io", "library/nginx")
        );
        let r = ImageRef::parse("gcr.io/distroless/static:nonroot").unwrap();
        assert_eq!(r.short_name(), "distroless/static");
        assert_eq!(r.familiar_name(), "gcr.io/distroless/static");
        let r = ImageRef::parse("registry:5000/app").unwrap();
        assert_eq!((r.registry, r.tag), (Some("registry:5000"), None));
        // an upper-case first component is a host, as in Docker
        let r = ImageRef::parse("MyRegistry/app:1").unwrap();
        assert_eq!(r.registry, Some("MyRegistry"));
        // variables: the registry, the tag
        let r = ImageRef::parse("${REGISTRY:-ghcr.io}/acme/app:${TAG:-1.2}").unwrap();
        assert_eq!(r.registry, Some("${REGISTRY:-ghcr.io}"));
        assert_eq!(r.repository, "acme/app");
        assert_eq!(r.tag, Some("${TAG:-1.2}"));
        assert!(r.has_variables);
        let r = ImageRef::parse("$IMAGE:latest").unwrap();
        assert_eq!((r.repository, r.tag), ("$IMAGE", Some("latest")));
        // lenient splitting of partly interpolated text
        assert!(ImageRef::parse("postgres:").is_err());
        assert_eq!(
            ImageRef::parse_lenient("postgres:").unwrap().repository,
            "postgres"
        );
        assert_eq!(
            ImageRef::parse_lenient("/postgres:16").unwrap().repository,
            "/postgres"
        );
    }

    /// One row per reference: the class, or the error.
    #[test]
    fn table() {
        let long_name = format!("{}/app", "a".repeat(252));
        let longest_name = format!("{}/app", "a".repeat(251));
        let long_tag = format!("app:{}", "1".repeat(129));
        let longest_tag = format!("app:1.{}", "1".repeat(126));
        let digest = format!("a/b@sha256:{HEX}");
        let tagged_digest = format!("node:20@sha256:{HEX}");
        let var_digest = format!("${{IMAGE}}@sha256:{HEX}");
        let id = format!("sha256:{HEX}");
        let upper_digest = format!("a@sha256:{}", HEX.to_ascii_uppercase());
        let sha512 = format!("a@sha512:{HEX}{HEX}");
        let rows: Vec<(&str, Result<ImageClass, RefError>)> = vec![
            // untagged and latest
            ("node", Ok(Untagged)),
            ("library/node", Ok(Untagged)),
            ("docker.io/library/node", Ok(Untagged)),
            ("registry:5000/x", Ok(Untagged)),
            ("localhost/app", Ok(Untagged)),
            ("node:latest", Ok(Latest)),
            ("$IMAGE:latest", Ok(Latest)),
            ("${REGISTRY}/node:latest", Ok(Latest)),
            ("${REGISTRY}/node", Ok(Untagged)),
            // moving tags
            ("node:lts", Ok(MovingTag)),
            ("node:current", Ok(MovingTag)),
            ("nginx:stable", Ok(MovingTag)),
            ("alpine:edge", Ok(MovingTag)),
            ("rust:nightly", Ok(MovingTag)),
            ("node:alpine", Ok(MovingTag)),
            ("python:slim", Ok(MovingTag)),
            ("node:20", Ok(MovingTag)),
            ("python:3", Ok(MovingTag)),
            ("traefik:v3", Ok(MovingTag)),
            ("node:20-alpine", Ok(MovingTag)),
            ("debian:bookworm", Ok(MovingTag)),
            ("debian:bookworm-slim", Ok(MovingTag)),
            ("python:alpine3.20", Ok(MovingTag)),
            ("app:prod", Ok(MovingTag)),
            ("app:LATEST", Ok(MovingTag)),
            ("app:12345", Ok(MovingTag)),
            // version tags
            ("node:20.11.1", Ok(VersionTag)),
            ("nginx:1.27", Ok(VersionTag)),
            ("ubuntu:22.04", Ok(VersionTag)),
            ("python:3.12.7-slim-bookworm", Ok(VersionTag)),
            ("traefik:v3.1.2", Ok(VersionTag)),
            ("eclipse-temurin:17.0.10_7-jre", Ok(VersionTag)),
            ("localhost:5000/a/b:1.2", Ok(VersionTag)),
            ("ubuntu:jammy-20240111", Ok(VersionTag)),
            ("minio/minio:RELEASE.2024-01-11T07-46-16Z", Ok(VersionTag)),
            ("app:sha-1a2b3c4", Ok(VersionTag)),
            ("apache/openmeetings:min-6.3.0", Ok(VersionTag)),
            ("node:20-alpine3.20", Ok(MovingTag)),
            ("${REGISTRY:-ghcr.io}/acme/app:2.0.1", Ok(VersionTag)),
            (&longest_tag, Ok(VersionTag)),
            (&longest_name, Ok(Untagged)),
            // digests and image IDs
            (&digest, Ok(Digest)),
            (&tagged_digest, Ok(Digest)),
            (&var_digest, Ok(Digest)),
            ("app@${DIGEST}", Ok(Digest)),
            (&sha512, Ok(Digest)),
            (&id, Ok(Digest)),
            (HEX, Ok(Digest)),
            // variables
            ("x:${TAG}", Ok(Variable)),
            ("x:$TAG", Ok(Variable)),
            ("node:${NODE_VERSION}-alpine", Ok(Variable)),
            ("${IMAGE}", Ok(Variable)),
            ("$IMAGE", Ok(Variable)),
            ("app${SUFFIX}", Ok(Variable)),
            ("registry.example.com/$(cat name)", Ok(Variable)),
            ("scratch", Ok(Scratch)),
            // not references
            ("", Err(RefError::Empty)),
            ("Node:20", Err(RefError::Uppercase)),
            ("library/Node", Err(RefError::Uppercase)),
            ("ghcr.io/Acme/app", Err(RefError::Uppercase)),
            (&long_name, Err(RefError::NameTooLong)),
            (&long_tag, Err(RefError::InvalidTag)),
            ("app:", Err(RefError::InvalidTag)),
            ("app:-x", Err(RefError::InvalidTag)),
            ("app:bad tag", Err(RefError::InvalidTag)),
            ("a b", Err(RefError::InvalidName)),
            (":tag", Err(RefError::InvalidName)),
            ("/app", Err(RefError::InvalidName)),
            ("a//b", Err(RefError::InvalidName)),
            ("a-/b", Err(RefError::InvalidName)),
            ("a___b", Err(RefError::InvalidName)),
            ("-bad.com/app", Err(RefError::InvalidRegistry)),
            ("host:port/app", Err(RefError::InvalidRegistry)),
            ("app@sha256:abc", Err(RefError::InvalidDigest)),
            (
                "app@md5:0123456789abcdef0123456789abcdef",
                Err(RefError::InvalidDigest),
            ),
            (&upper_digest, Err(RefError::InvalidDigest)),
            ("app@", Err(RefError::InvalidDigest)),
        ];
        let mut wrong = Vec::new();
        for (text, want) in &rows {
            let got = classify(text);
            if got != *want {
                wrong.push(format!("{text:?}: got {got:?}, want {want:?}"));
            }
        }
        assert!(wrong.is_empty(), "{}", wrong.join("\n"));
        // every class appears
        for class in [
            Digest, Latest, Untagged, MovingTag, VersionTag, Variable, Scratch,
        ] {
            assert!(rows.iter().any(|(_, c)| *c == Ok(class)), "{class}");
        }
    }

    #[test]
    fn severities() {
        assert_eq!(Latest.unpinned_severity(), Some(Severity::Medium));
        assert_eq!(Untagged.unpinned_severity(), Some(Severity::Medium));
        assert_eq!(MovingTag.unpinned_severity(), Some(Severity::Low));
        assert_eq!(VersionTag.unpinned_severity(), Some(Severity::Low));
        for c in [Digest, Variable, Scratch] {
            assert_eq!(c.unpinned_severity(), None);
        }
    }

    #[test]
    fn version_rule() {
        for t in [
            "1.2",
            "v1.2",
            "1.2.3-rc1",
            "20240115",
            "2024-01-15",
            "x-2024.01.15",
            "git-0a1b2c3d",
        ] {
            assert!(is_version_tag(t), "{t}");
        }
        for t in [
            "1",
            "v1",
            "1.",
            ".1",
            "1-2",
            "202401150",
            "2024-13-01",
            "deadbeef",
            "1234567",
            "lts",
        ] {
            assert!(!is_version_tag(t), "{t}");
        }
    }

    #[test]
    fn hostile_text_does_not_panic() {
        for t in [
            "$",
            "${",
            "${a",
            "$(",
            "@",
            ":",
            "/",
            "a@b@c",
            "é:1",
            "a:é",
            "${a}${b}:${c}@${d}",
            "[::1]:5000/a",
            "[::1/a",
        ] {
            let _ = classify(t);
            let _ = ImageRef::parse_lenient(t);
        }
        assert_eq!(classify("[::1]:5000/a:1.0"), Ok(VersionTag));
    }
}
