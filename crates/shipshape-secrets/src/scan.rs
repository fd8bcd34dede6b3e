//! From engine matches to findings: allowlists, baseline, `.gitleaksignore`, redaction,
//! fingerprints over a hash of the secret.

use crate::classify::redact;
use crate::engine::{Engine, RawMatch, DEFAULT};
use crate::options::SecretsOptions;
use crate::rules::Rank;
use sha2::{Digest, Sha256};
use shipshape_core::finding::{Finding, Location};
use shipshape_core::source::SourceFile;
use std::borrow::Cow;
use std::collections::HashSet;

/// Bytes examined for a NUL when deciding whether content is binary.
/// Bytes looked at to tell a binary file (a NUL among them) from text.
pub const BINARY_PROBE: usize = 8192;

/// The commit that introduced a blob (history scans).
#[derive(Debug, Clone)]
pub(crate) struct Provenance {
    pub commit: String,
    pub author: String,
    pub date: String,
}

/// Everything one text produced.
#[derive(Debug, Default)]
pub(crate) struct TextResult {
    pub findings: Vec<Finding>,
    /// The text with every reported secret masked (or in full with `show_secrets`), for snippets.
    pub source: Option<SourceFile>,
}

/// Context shared by the scans of one run.
pub(crate) struct Ctx<'a> {
    pub opts: &'a SecretsOptions,
    pub engine: &'a Engine,
    /// `.gitleaksignore` entries (gitleaks fingerprints or ours).
    pub ignored: Option<&'a HashSet<String>>,
}

impl<'a> Ctx<'a> {
    pub fn new(opts: &'a SecretsOptions, ignored: Option<&'a HashSet<String>>) -> Self {
        let engine: &Engine = match &opts.gitleaks_config {
            Some(g) => g.engine(),
            None => &DEFAULT,
        };
        Ctx {
            opts,
            engine,
            ignored,
        }
    }
}

/// Whether content looks binary (a NUL byte near the start).
pub fn is_binary(bytes: &[u8]) -> bool {
    memchr::memchr(0, &bytes[..bytes.len().min(BINARY_PROBE)]).is_some()
}

/// Hex SHA-256 of a secret (the identity baselines and fingerprints use; never the raw value).
pub fn secret_hash(secret: &[u8]) -> String {
    let d = Sha256::digest(secret);
    d.iter().map(|b| format!("{b:02x}")).collect()
}

/// Scans one text. Returns `None` when nothing is reported.
pub(crate) fn scan_text(
    ctx: &Ctx<'_>,
    path: &str,
    bytes: &[u8],
    prov: Option<&Provenance>,
) -> Option<TextResult> {
    scan_text_lines(ctx, path, bytes, prov, None)
}

/// [`scan_text`] with keywords searched only in `region` (see [`Engine::scan_lines`]).
pub(crate) fn scan_text_lines(
    ctx: &Ctx<'_>,
    path: &str,
    bytes: &[u8],
    prov: Option<&Provenance>,
    region: Option<(usize, usize)>,
) -> Option<TextResult> {
    let opts = ctx.opts;
    if opts.allowlist.path_allowed(path) {
        return None;
    }
    if let Some(g) = &opts.gitleaks_config {
        if g.path_allowed(path) {
            return None;
        }
    }
    let raw = ctx.engine.scan_lines(bytes, Some(path), region);
    let encoded = encoded_matches(ctx, path, bytes, region.unwrap_or((0, bytes.len())));
    if raw.is_empty() && encoded.is_empty() {
        return None;
    }
    // Findings point into the text as UTF-8; invalid sequences are replaced, which can move offsets,
    // so such a text is scanned again in its lossy form (and its base64 runs are not decoded).
    let (text, raw, encoded): (Cow<'_, str>, Vec<RawMatch>, _) = match std::str::from_utf8(bytes) {
        Ok(t) => (Cow::Borrowed(t), raw, encoded),
        Err(_) => {
            let lossy = String::from_utf8_lossy(bytes).into_owned();
            // (line filters speak of the original bytes: the lossy text is scanned whole)
            let raw = ctx.engine.scan(lossy.as_bytes(), Some(path));
            (Cow::Owned(lossy), raw, Vec::new())
        }
    };
    let file = SourceFile::new(path, text.as_ref());
    let mut findings = findings_for(ctx, &file, &raw, prov);
    findings.extend(encoded_findings(ctx, &file, &encoded, prov));
    if findings.is_empty() {
        return None;
    }
    let source = if opts.show_secrets {
        file
    } else {
        let mut masked = text.into_owned().into_bytes();
        for f in &findings {
            if let Some(span) = f.location.span {
                for b in masked
                    .get_mut(span.byte_start..span.byte_end)
                    .into_iter()
                    .flatten()
                {
                    if b.is_ascii() {
                        *b = b'*';
                    }
                }
            }
        }
        SourceFile::new(path, String::from_utf8_lossy(&masked).into_owned())
    };
    Some(TextResult {
        findings,
        source: Some(source),
    })
}

/// Base64 runs of `bytes[range]` that decode to text holding a credential, with the engine's
/// matches in the decoded text. Entropy-only matches are left out (decoded text is not code), and
/// so is a run on a line with an inline allow marker.
fn encoded_matches(
    ctx: &Ctx<'_>,
    path: &str,
    bytes: &[u8],
    range: (usize, usize),
) -> Vec<(crate::decode::Decoded, Vec<RawMatch>)> {
    crate::decode::text_runs(bytes, range)
        .into_iter()
        .filter(|d| !crate::engine::inline_allowed(bytes, d.start, d.end))
        .filter_map(|d| {
            let found: Vec<RawMatch> = ctx
                .engine
                .scan(d.text.as_bytes(), Some(path))
                .into_iter()
                .filter(|m| ctx.engine.rules[m.rule].rank != Rank::Entropy)
                .collect();
            (!found.is_empty()).then_some((d, found))
        })
        .collect()
}

/// Findings for credentials found in decoded base64, pointing at the encoded run in `file`.
fn encoded_findings(
    ctx: &Ctx<'_>,
    file: &SourceFile,
    encoded: &[(crate::decode::Decoded, Vec<RawMatch>)],
    prov: Option<&Provenance>,
) -> Vec<Finding> {
    let mut out = Vec::new();
    for (d, found) in encoded {
        let decoded = SourceFile::new(file.path(), d.text.as_str());
        for mut f in findings_for(ctx, &decoded, found, prov) {
            f.location = Location::in_file(file, d.start, d.end);
            f.message.push_str(" (base64-encoded)");
            out.push(f);
        }
    }
    out
}

/// Turns matches in a source file into findings, applying allowlists, baseline and ignores.
pub(crate) fn findings_for(
    ctx: &Ctx<'_>,
    file: &SourceFile,
    raw: &[RawMatch],
    prov: Option<&Provenance>,
) -> Vec<Finding> {
    let opts = ctx.opts;
    let text = file.text();
    let mut out = Vec::new();
    for m in raw {
        let Some(secret) = text.get(m.start..m.end) else {
            continue;
        };
        if opts.allowlist.secret_allowed(secret.as_bytes()) {
            continue;
        }
        let rule = &ctx.engine.rules[m.rule];
        let line = file.line_col(m.start).0;
        if let Some(g) = &opts.gitleaks_config {
            let line_text = file.line_text(line).unwrap_or("");
            let matched = text.get(m.match_start..m.match_end).unwrap_or(secret);
            if g.globally_allowed(secret, matched, line_text, prov.map(|p| p.commit.as_str())) {
                continue;
            }
        }
        let gl_id = rule
            .meta
            .equivalent("gitleaks")
            .filter(|_| rule.builtin.is_some())
            .unwrap_or(&rule.label);
        if let Some(ignored) = ctx.ignored {
            let plain = format!("{}:{gl_id}:{line}", file.path());
            let with_commit = prov.map(|p| format!("{}:{plain}", p.commit));
            if ignored.contains(&plain) || with_commit.is_some_and(|c| ignored.contains(&c)) {
                continue;
            }
        }
        let shown = if opts.show_secrets {
            secret.to_string()
        } else {
            redact(secret)
        };
        // Entropy-only detections are heuristics: they say so in the finding's confidence
        // (`--min-confidence` sets them aside), not in its message.
        let confidence = if rule.rank == Rank::Entropy {
            shipshape_core::Confidence::Low
        } else {
            shipshape_core::Confidence::High
        };
        let mut message = format!("{}: `{shown}` (entropy {:.2})", rule.description, m.entropy);
        let location = Location::in_file(file, m.start, m.end);
        let context = format!("{}:{}", rule.label, secret_hash(secret.as_bytes()));
        let mut finding =
            Finding::new(rule.meta, location, String::new(), &context).with_confidence(confidence);
        if let Some(p) = prov {
            message.push_str(&format!(
                "; introduced in commit {} by {} on {}",
                short(&p.commit),
                p.author,
                p.date
            ));
            finding = finding.with_related(Location::path(file.path()).with_key(format!(
                "commit {} author {} date {}",
                p.commit, p.author, p.date
            )));
        }
        finding.message = message;
        if let Some(b) = &opts.baseline {
            if b.contains(&finding) {
                continue;
            }
        }
        if let Some(ignored) = ctx.ignored {
            if ignored.contains(&finding.fingerprint) {
                continue;
            }
        }
        out.push(finding);
    }
    out
}

fn short(commit: &str) -> &str {
    commit.get(..12).unwrap_or(commit)
}

/// Scans one text already in memory (a discovered file, a Dockerfile, an env value). Inline
/// `shipshape:allow` / `gitleaks:allow` markers, allowlists and the baseline apply.
pub fn scan_source(file: &SourceFile, opts: &SecretsOptions) -> Vec<Finding> {
    let ctx = Ctx::new(opts, None);
    if opts.allowlist.path_allowed(file.path()) {
        return Vec::new();
    }
    let bytes = file.text().as_bytes();
    let raw = ctx.engine.scan(bytes, Some(file.path()));
    let encoded = encoded_matches(&ctx, file.path(), bytes, (0, bytes.len()));
    let mut findings = findings_for(&ctx, file, &raw, None);
    findings.extend(encoded_findings(&ctx, file, &encoded, None));
    findings
}

/// Scans raw bytes (an image layer entry). Binary content and content over `max_file_size` are
/// skipped unless the options say otherwise.
pub fn scan_bytes(display_path: &str, bytes: &[u8], opts: &SecretsOptions) -> Vec<Finding> {
    if bytes.len() as u64 > opts.max_file_size || (!opts.scan_binaries && is_binary(bytes)) {
        return Vec::new();
    }
    let ctx = Ctx::new(opts, None);
    scan_text(&ctx, display_path, bytes, None)
        .map(|r| r.findings)
        .unwrap_or_default()
}
