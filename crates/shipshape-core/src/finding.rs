//! The one finding model shared by every analyser.

use crate::checklist::ChecklistItem;
use crate::rule::RuleMeta;
use crate::severity::{Confidence, Severity};
use crate::source::SourceFile;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// Which kind of input a finding comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SourceKind {
    Dockerfile,
    Dockerignore,
    Compose,
    Kubernetes,
    DockerRun,
    /// Rule metadata only: a runtime rule that reads every runtime source (`docker run` lines,
    /// Compose, Kubernetes, inspect output). Its findings name the source they were found in.
    Runtime,
    Image,
    Sbom,
    Vulnerability,
    Secret,
    Engine,
    /// shipshape's own configuration (for example an expired ignore).
    Policy,
}

impl SourceKind {
    /// The kebab-case name used in output.
    pub fn as_str(self) -> &'static str {
        match self {
            SourceKind::Dockerfile => "dockerfile",
            SourceKind::Dockerignore => "dockerignore",
            SourceKind::Compose => "compose",
            SourceKind::Kubernetes => "kubernetes",
            SourceKind::DockerRun => "docker-run",
            SourceKind::Runtime => "runtime",
            SourceKind::Image => "image",
            SourceKind::Sbom => "sbom",
            SourceKind::Vulnerability => "vulnerability",
            SourceKind::Secret => "secret",
            SourceKind::Engine => "engine",
            SourceKind::Policy => "policy",
        }
    }
}

/// A half-open byte range `start..end` into a source text: the one byte-range type of every
/// analyser (Dockerfile syntax nodes, runtime model values). [`SourceFile::span`] resolves it to a
/// [`Span`] of lines and columns for output.
///
/// Offsets are bytes (not chars) and always fall on UTF-8 character boundaries of the source
/// the span was produced from.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ByteSpan {
    /// First byte (inclusive).
    pub start: usize,
    /// One past the last byte (exclusive).
    pub end: usize,
}

impl ByteSpan {
    /// Creates a span; `end` is clamped so that `end >= start`.
    pub const fn new(start: usize, end: usize) -> Self {
        ByteSpan {
            start,
            end: if end < start { start } else { end },
        }
    }

    /// An empty span located at `at`.
    pub const fn empty(at: usize) -> Self {
        ByteSpan { start: at, end: at }
    }

    /// Length in bytes.
    pub const fn len(&self) -> usize {
        self.end - self.start
    }

    /// True when the span covers no byte.
    pub const fn is_empty(&self) -> bool {
        self.end <= self.start
    }

    /// The source text covered by this span, or `""` when the span does not fit `src`.
    pub fn slice<'a>(&self, src: &'a str) -> &'a str {
        src.get(self.start..self.end).unwrap_or("")
    }

    /// The smallest span covering both `self` and `other`.
    pub fn cover(self, other: ByteSpan) -> ByteSpan {
        ByteSpan::new(self.start.min(other.start), self.end.max(other.end))
    }

    /// True when `offset` lies inside the span (`start <= offset < end`).
    pub const fn contains(&self, offset: usize) -> bool {
        self.start <= offset && offset < self.end
    }

    /// True when `other` lies entirely inside `self`.
    pub const fn contains_span(&self, other: ByteSpan) -> bool {
        self.start <= other.start && other.end <= self.end
    }
}

impl std::fmt::Display for ByteSpan {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}..{}", self.start, self.end)
    }
}

/// A region of a text file. Lines and columns are 1-based; columns count Unicode scalar values;
/// `end_column` is exclusive (the column after the last character), as in SARIF.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Span {
    pub line: u32,
    pub column: u32,
    pub end_line: u32,
    pub end_column: u32,
    /// Byte offsets into the file, for renderers and fixes.
    #[serde(skip)]
    pub byte_start: usize,
    #[serde(skip)]
    pub byte_end: usize,
}

/// Where a finding is.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
pub struct Location {
    /// Display path of the file (relative to the scan root) or the image reference.
    pub path: String,
    /// The region within the file, when the finding points at text.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub span: Option<Span>,
    /// A symbolic path within structured input, e.g. `services.web.ports[0]` or `config.User`.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub key: Option<String>,
    /// The image layer (digest) holding the file, for image findings.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub layer: Option<String>,
    /// The container (name or id), for live findings.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub container: Option<String>,
}

impl Location {
    /// A location at a byte range of a source file.
    pub fn in_file(file: &SourceFile, start: usize, end: usize) -> Self {
        Location {
            path: file.path().to_string(),
            span: Some(file.span(start, end)),
            ..Location::default()
        }
    }

    /// A location naming a whole file or object without a region.
    pub fn path(path: impl Into<String>) -> Self {
        Location {
            path: path.into(),
            ..Location::default()
        }
    }

    /// Adds a symbolic key.
    pub fn with_key(mut self, key: impl Into<String>) -> Self {
        self.key = Some(key.into());
        self
    }

    /// The 1-based start line, if any.
    pub fn line(&self) -> Option<u32> {
        self.span.map(|s| s.line)
    }
}

/// How safe it is to apply a fix automatically (ruff's levels).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FixApplicability {
    /// Keeps meaning; applied by `fix`.
    Safe,
    /// Valid, but may change behaviour; applied only on request.
    Unsafe,
    /// Shown to the user, never applied.
    DisplayOnly,
}

/// A suggested fix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fix {
    /// What to do, in words.
    pub description: String,
    pub applicability: FixApplicability,
    /// Text replacements (byte ranges of the finding's file), empty when the fix is advice only.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub edits: Vec<Edit>,
}

/// Replace `start..end` of the file with `replacement`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Edit {
    pub start: usize,
    pub end: usize,
    pub replacement: String,
}

/// One problem found by one rule at one place.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// The rule that reported it: its code, slug, docs and equivalents are read from the rule's
    /// static metadata, never copied. Compares equal to its code (`f.rule == "SS1001"`);
    /// serialised as the code.
    #[serde(serialize_with = "serialize_rule")]
    pub rule: &'static RuleMeta,
    pub severity: Severity,
    /// How sure the rule is (high unless the rule says otherwise); `--min-confidence` filters.
    pub confidence: Confidence,
    /// The part of the project its path belongs to (production unless classified otherwise):
    /// only the contexts in `gate-contexts` decide the exit code and the checklist.
    pub context: crate::context::PathContext,
    pub message: String,
    pub location: Location,
    /// Further places that explain the finding (e.g. the stage a `COPY --from` names).
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub related: Vec<Location>,
    pub checklist: ChecklistItem,
    pub source: SourceKind,
    /// Stable identity: survives edits elsewhere in the file (hash of rule, path and the flagged text).
    pub fingerprint: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub fix: Option<Fix>,
    /// The Pod Security Standards profile that forbids what this finding reports, if any
    /// (runtime findings): the policy gates on it ([`crate::profile`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub profile: Option<crate::profile::Profile>,
    /// The vulnerability a vulnerability finding reports: ids, package, KEV/EPSS, VEX status.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vulnerability: Option<Box<crate::vulnerability::VulnerabilityInfo>>,
}

fn serialize_rule<S: serde::Serializer>(rule: &&'static RuleMeta, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(rule.code)
}

impl Finding {
    /// A finding at a byte range of a source file. The fingerprint is derived from the rule, the
    /// path and the flagged text (whitespace-normalised), so it survives edits above the line.
    pub fn at(
        meta: &'static RuleMeta,
        file: &SourceFile,
        start: usize,
        end: usize,
        message: impl Into<String>,
    ) -> Self {
        let location = Location::in_file(file, start, end);
        let context = file
            .text()
            .get(location.span.map_or(0..0, |s| s.byte_start..s.byte_end))
            .unwrap_or("");
        Finding::new(meta, location, message, context)
    }

    /// A finding anywhere; `context` is the text that identifies it for the fingerprint (for
    /// example the flagged key and value, or the file path inside an image).
    pub fn new(
        meta: &'static RuleMeta,
        location: Location,
        message: impl Into<String>,
        context: &str,
    ) -> Self {
        let fingerprint = fingerprint(meta.code, &location, context);
        Finding {
            rule: meta,
            severity: meta.severity,
            confidence: Confidence::High,
            context: crate::context::PathContext::Production,
            message: message.into(),
            location,
            related: Vec::new(),
            checklist: meta.checklist,
            source: meta.source,
            fingerprint,
            fix: None,
            profile: None,
            vulnerability: None,
        }
    }

    /// Says which Pod Security Standards profile forbids what this finding reports.
    pub fn with_profile(mut self, profile: Option<crate::profile::Profile>) -> Self {
        self.profile = profile;
        self
    }

    /// Overrides the rule's default severity for this finding.
    pub fn with_severity(mut self, severity: Severity) -> Self {
        self.severity = severity;
        self
    }

    /// Sets how sure the rule is of this finding.
    pub fn with_confidence(mut self, confidence: Confidence) -> Self {
        self.confidence = confidence;
        self
    }

    /// Attaches a fix suggestion.
    pub fn with_fix(mut self, fix: Fix) -> Self {
        self.fix = Some(fix);
        self
    }

    /// Adds a related location.
    pub fn with_related(mut self, location: Location) -> Self {
        self.related.push(location);
        self
    }

    /// Attaches what a vulnerability finding reports, structured.
    pub fn with_vulnerability(mut self, info: crate::vulnerability::VulnerabilityInfo) -> Self {
        self.vulnerability = Some(Box::new(info));
        self
    }

    /// Whether this finding reports a vulnerability in the CISA KEV catalog.
    pub fn known_exploited(&self) -> bool {
        self.vulnerability.as_ref().is_some_and(|v| v.kev.is_some())
    }

    /// The rule's stable kebab-case name, e.g. `root-user`.
    pub fn slug(&self) -> &'static str {
        self.rule.slug
    }

    /// Overrides the source kind (a rule shared by several front ends reports where it was found).
    pub fn with_source(mut self, source: SourceKind) -> Self {
        self.source = source;
        self
    }
}

/// 16 hex digits of SHA-256 over rule, path, layer/container/key and whitespace-normalised context.
pub fn fingerprint(code: &str, location: &Location, context: &str) -> String {
    let mut h = Sha256::new();
    // The layer is left out (an empty part, so other fingerprints are unchanged): a layer digest
    // changes on every rebuild, and an image finding is the same finding in the next build.
    for part in [
        code,
        location.path.as_str(),
        location.key.as_deref().unwrap_or(""),
        "",
        location.container.as_deref().unwrap_or(""),
    ] {
        h.update(part.as_bytes());
        h.update([0u8]);
    }
    for (i, word) in context.split_whitespace().enumerate() {
        if i > 0 {
            h.update(b" ");
        }
        h.update(word.as_bytes());
    }
    let digest = h.finalize();
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(16);
    for b in &digest[..8] {
        out.push(char::from(HEX[usize::from(b >> 4)]));
        out.push(char::from(HEX[usize::from(b & 0xf)]));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rule::tests::TEST_RULE;

    #[test]
    fn fingerprint_survives_edits_above() {
        let a = SourceFile::new("Dockerfile", "FROM x\nUSER root\n");
        let b = SourceFile::new("Dockerfile", "# comment\nFROM x\n\nUSER   root\n");
        let fa = Finding::at(&TEST_RULE, &a, 7, 16, "m");
        let start = b.text().find("USER").unwrap();
        let fb = Finding::at(&TEST_RULE, &b, start, start + 11, "m");
        assert_eq!(fa.fingerprint, fb.fingerprint);
        assert_ne!(fa.location.span, fb.location.span);
        let c = SourceFile::new("other/Dockerfile", "FROM x\nUSER root\n");
        let fc = Finding::at(&TEST_RULE, &c, 7, 16, "m");
        assert_ne!(fa.fingerprint, fc.fingerprint);
        assert_eq!(fa.fingerprint.len(), 16);
    }
}
