//! Attestations attached to an image: the attestation manifests BuildKit puts in an image index
//! beside the image manifests (`vnd.docker.reference.type: attestation-manifest`, their layers
//! in-toto statements), and OCI 1.1 referrers (manifests whose `subject` is the image), from a
//! registry's referrers API (or its `sha256-<hex>` tag fallback) or an OCI layout's `index.json`.
//!
//! Every document and blob is verified against its digest; an in-toto statement's
//! `predicateType` is read from the statement itself (streamed, never held whole), not only from
//! the annotation that advertises it.

use crate::error::{ErrorKind, ImageError, Result};
use crate::image::{parse_json, Image};
use crate::reference::SourceType;
use crate::registry::{ReferrersLookup, Remote};
use crate::spec::{self, Descriptor, Index, Manifest};
use crate::store::{self, HashingReader, Store};
use serde::Deserialize;
use std::collections::{HashSet, VecDeque};
use std::io::{BufReader, Read};

/// Annotation BuildKit sets on an attestation manifest's descriptor in an index.
pub const ANN_REFERENCE_TYPE: &str = "vnd.docker.reference.type";
/// Annotation naming the image manifest an attestation manifest is about.
pub const ANN_REFERENCE_DIGEST: &str = "vnd.docker.reference.digest";
/// Annotation on an attestation layer naming its in-toto predicate type.
pub const ANN_PREDICATE_TYPE: &str = "in-toto.io/predicate-type";
/// Annotation cosign sets on a Sigstore bundle holding a signed attestation.
pub const ANN_BUNDLE_PREDICATE_TYPE: &str = "dev.sigstore.bundle.predicateType";
/// Annotation cosign sets on the layers of its `sha256-<hex>.att` attestation manifests.
pub const ANN_COSIGN_PREDICATE_TYPE: &str = "predicateType";
/// The media type of an in-toto statement.
pub const MT_IN_TOTO: &str = "application/vnd.in-toto+json";

/// At most this many manifests and indexes are read while looking for attestations.
const MAX_DOCUMENTS: usize = 1024;
const MAX_NESTING: usize = 4;

/// What an attestation says about the image.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum AttestationKind {
    /// A bill of materials (SPDX, CycloneDX).
    Sbom,
    /// Build provenance (SLSA).
    Provenance,
    /// A vulnerability exploitability statement (OpenVEX).
    Vex,
    /// A signature (cosign, Sigstore bundle, Notary) with no attestation inside.
    Signature,
    /// Anything else.
    Other,
}

impl AttestationKind {
    /// The name reports use (as serialised).
    pub fn as_str(self) -> &'static str {
        match self {
            AttestationKind::Sbom => "sbom",
            AttestationKind::Provenance => "provenance",
            AttestationKind::Vex => "vex",
            AttestationKind::Signature => "signature",
            AttestationKind::Other => "other",
        }
    }
}

impl AttestationSource {
    /// The name reports use (as serialised).
    pub fn as_str(self) -> &'static str {
        match self {
            AttestationSource::Index => "index",
            AttestationSource::Referrer => "referrer",
            AttestationSource::CosignTag => "cosign-tag",
        }
    }
}

/// Where an attestation was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum AttestationSource {
    /// An attestation manifest in the image index (BuildKit `--sbom`, `--provenance`).
    Index,
    /// An OCI referrer: a manifest whose `subject` is the image.
    Referrer,
    /// cosign's `sha256-<hex>.att` tag on the registry (signed DSSE envelopes; how cosign stores
    /// attestations when it does not use OCI 1.1 referrers).
    CosignTag,
}

/// One attestation: a blob (usually an in-toto statement) carried by an attestation manifest or
/// a referrer, verified against its digest.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Attestation {
    pub kind: AttestationKind,
    /// The in-toto predicate type (`https://spdx.dev/Document`), from the statement when the blob
    /// is one, else from the annotations.
    pub predicate_type: Option<String>,
    /// The blob's media type (`application/vnd.in-toto+json`, `application/vnd.cyclonedx+json`).
    pub media_type: String,
    /// The referrer manifest's artifact type (empty for BuildKit attestation manifests).
    pub artifact_type: String,
    pub source: AttestationSource,
    /// The manifest that carries it.
    pub manifest: String,
    /// The blob.
    pub digest: String,
    pub size: u64,
}

impl Attestation {
    /// The format it is in, for people: `SPDX`, `CycloneDX`, `SLSA provenance v1`, `OpenVEX`.
    pub fn format(&self) -> String {
        let p = self.predicate_type.as_deref().unwrap_or("");
        let t = if self.artifact_type.is_empty() {
            &self.media_type
        } else {
            &self.artifact_type
        };
        if p.starts_with("https://spdx.dev/Document") || t.contains("spdx") {
            return "SPDX".into();
        }
        if p.starts_with("https://cyclonedx.org/bom") || t.contains("cyclonedx") {
            return "CycloneDX".into();
        }
        if let Some(v) = p.strip_prefix("https://slsa.dev/provenance/") {
            return format!("SLSA provenance {v}");
        }
        if p.starts_with("https://openvex.dev/ns") || t.contains("openvex") {
            return "OpenVEX".into();
        }
        if !p.is_empty() {
            return p.to_string();
        }
        t.to_string()
    }

    /// `SBOM (SPDX, in-toto attestation)`, `SLSA provenance v1 (OCI referrer)`.
    pub fn describe(&self) -> String {
        let how = match (self.source, self.predicate_type.is_some()) {
            (AttestationSource::Index, _) => "in-toto attestation",
            (AttestationSource::Referrer, true) => "in-toto attestation, OCI referrer",
            (AttestationSource::Referrer, false) => "OCI referrer",
            (AttestationSource::CosignTag, _) => "cosign attestation",
        };
        match self.kind {
            AttestationKind::Sbom => format!("SBOM ({}, {how})", self.format()),
            AttestationKind::Vex => format!("VEX ({}, {how})", self.format()),
            AttestationKind::Signature => format!("signature ({how})"),
            _ => format!("{} ({how})", self.format()),
        }
    }
}

/// What kind of attestation a predicate type or media type is.
pub fn classify(predicate_type: Option<&str>, media_or_artifact_type: &str) -> AttestationKind {
    if let Some(p) = predicate_type {
        if p.starts_with("https://spdx.dev/Document") || p.starts_with("https://cyclonedx.org/bom")
        {
            return AttestationKind::Sbom;
        }
        if p.starts_with("https://slsa.dev/provenance/") {
            return AttestationKind::Provenance;
        }
        if p.starts_with("https://openvex.dev/ns") {
            return AttestationKind::Vex;
        }
        return AttestationKind::Other;
    }
    let t = media_or_artifact_type;
    if t.starts_with("application/vnd.cyclonedx")
        || t.starts_with("application/spdx")
        || t.starts_with("text/spdx")
    {
        AttestationKind::Sbom
    } else if t.starts_with("application/vnd.openvex") {
        AttestationKind::Vex
    } else if t.starts_with("application/vnd.dev.sigstore.bundle")
        || t.starts_with("application/vnd.dev.cosign")
        || t.starts_with("application/vnd.cncf.notary.signature")
    {
        AttestationKind::Signature
    } else {
        AttestationKind::Other
    }
}

/// The attestations of an image, or why its source cannot carry any.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Attestations {
    pub list: Vec<Attestation>,
    /// Set when the source keeps no attestations at all (a `docker save` archive, the Docker
    /// Engine's classic image store): the list is then empty and says nothing.
    pub not_carried: Option<String>,
    /// The manifest digest they are about, when known.
    pub subject: Option<String>,
    /// How referrers were looked up: `oci-layout`, `referrers-api`, `tag-schema`.
    pub referrers_lookup: Option<&'static str>,
}

impl Attestations {
    /// Whether one of `kind` is there.
    pub fn has(&self, kind: AttestationKind) -> bool {
        self.list.iter().any(|a| a.kind == kind)
    }

    /// The attestations of one kind.
    pub fn of_kind(&self, kind: AttestationKind) -> impl Iterator<Item = &Attestation> {
        self.list.iter().filter(move |a| a.kind == kind)
    }

    /// What the image carries, for people: `SBOM (SPDX, in-toto attestation) and SLSA
    /// provenance v1 (in-toto attestation)`; duplicates (one per platform) are named once.
    pub fn summary(&self) -> String {
        let mut seen: Vec<String> = Vec::new();
        let mut sorted: Vec<&Attestation> = self.list.iter().collect();
        sorted.sort_by_key(|a| a.kind);
        for a in sorted {
            let d = a.describe();
            if !seen.contains(&d) {
                seen.push(d);
            }
        }
        match seen.as_slice() {
            [] => "no attestations".into(),
            [one] => one.clone(),
            [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
        }
    }
}

/// Where an image's attestations are looked up.
#[derive(Debug)]
pub(crate) enum Origin {
    /// The image's own store: its `index.json`, when it has one.
    Store,
    /// The registry it was pulled from.
    Registry(Box<Remote>),
}

/// A manifest that may carry attestations, and the descriptor that named it.
struct Candidate {
    via: Descriptor,
    digest: String,
    manifest: Manifest,
    source: AttestationSource,
}

/// Looks up and verifies the attestations of `image`.
pub(crate) fn collect(
    image: &Image,
    origin: &Origin,
    store: &dyn Store,
    cap: u64,
) -> Result<Attestations> {
    let (candidates, subject, lookup) = match origin {
        Origin::Registry(remote) => {
            let Some(subject) = image.manifest_digest.clone() else {
                return Ok(Attestations::default());
            };
            let (c, lookup) = from_registry(remote, &subject)?;
            (c, Some(subject), lookup)
        }
        Origin::Store => {
            if store.open("index.json")?.is_none() {
                return Ok(Attestations {
                    not_carried: Some(not_carried_reason(image.source)),
                    ..Attestations::default()
                });
            }
            let (c, subject) = from_store(image, store, cap)?;
            (c, subject, "oci-layout")
        }
    };
    let mut list = Vec::new();
    for c in candidates {
        for layer in &c.manifest.layers {
            let predicate = layer
                .annotations
                .get(ANN_PREDICATE_TYPE)
                .or_else(|| layer.annotations.get(ANN_BUNDLE_PREDICATE_TYPE))
                .or_else(|| c.via.annotations.get(ANN_BUNDLE_PREDICATE_TYPE))
                .or_else(|| c.manifest.annotations.get(ANN_BUNDLE_PREDICATE_TYPE))
                .or_else(|| {
                    (c.source == AttestationSource::CosignTag)
                        .then(|| layer.annotations.get(ANN_COSIGN_PREDICATE_TYPE))
                        .flatten()
                })
                .cloned();
            let mut reader = match origin {
                Origin::Registry(remote) => remote.blob(&layer.digest)?,
                Origin::Store => {
                    let path = store::blob_path(&layer.digest)?;
                    store
                        .open(&path)?
                        .ok_or_else(|| {
                            ImageError::new(
                                ErrorKind::NotFound,
                                format!(
                                    "attestation blob {} of manifest {} is missing",
                                    layer.digest, c.digest
                                ),
                            )
                        })?
                        .0
                }
            };
            let what = format!("attestation {} of manifest {}", layer.digest, c.digest);
            // The (verified) manifest says how long the blob is: nothing past that is read.
            let declared = u64::try_from(layer.size).map_err(|_| {
                ImageError::new(ErrorKind::Format, format!("{what}: negative size"))
            })?;
            let mut reader = Read::take(reader.by_ref(), declared.saturating_add(1));
            let (size, from_statement) = if layer.media_type == MT_IN_TOTO {
                read_statement(&mut reader, &layer.digest, &what)?
            } else {
                let mut h = HashingReader::new(&mut reader);
                let got = h.finish().map_err(|e| ImageError::io(&what, e))?;
                check_digest(&got, &layer.digest, &what)?;
                (h.count, None)
            };
            if size != declared {
                return Err(ImageError::new(
                    ErrorKind::Format,
                    format!("{what}: {size} bytes, but the manifest says {declared}"),
                ));
            }
            let predicate_type = from_statement.or(predicate);
            let artifact_type = if !c.manifest.artifact_type.is_empty() {
                c.manifest.artifact_type.clone()
            } else if c.source == AttestationSource::Referrer {
                c.manifest.config.media_type.clone()
            } else {
                String::new()
            };
            let typed = if artifact_type.is_empty() {
                layer.media_type.as_str()
            } else {
                artifact_type.as_str()
            };
            list.push(Attestation {
                kind: classify(predicate_type.as_deref(), typed),
                predicate_type,
                media_type: layer.media_type.clone(),
                artifact_type,
                source: c.source,
                manifest: c.digest.clone(),
                digest: layer.digest.clone(),
                size,
            });
        }
    }
    // A `docker save` archive may have an OCI index (Docker 25 and later write one) and still
    // have dropped the attestations (the classic image store keeps none): finding none there
    // says nothing.
    let not_carried = (list.is_empty()
        && matches!(image.source, SourceType::DockerArchive | SourceType::Engine))
    .then(|| not_carried_reason(image.source));
    Ok(Attestations {
        list,
        not_carried,
        subject,
        referrers_lookup: Some(lookup),
    })
}

fn not_carried_reason(source: SourceType) -> String {
    match source {
        SourceType::Engine => "the Docker Engine's export holds none, and its classic image store keeps none (only the containerd image store does); scan the image in its registry or as an OCI layout".into(),
        _ => "a `docker save` archive holds none, and it drops them unless the Engine uses the containerd image store; scan the image in its registry or as an OCI layout".into(),
    }
}

fn check_digest(got: &str, want: &str, what: &str) -> Result<()> {
    if got.eq_ignore_ascii_case(want) {
        Ok(())
    } else {
        Err(ImageError::new(
            ErrorKind::Digest,
            format!("{what}: digest mismatch: content is {got}"),
        ))
    }
}

/// Streams an in-toto statement through the hasher, reading only its type fields; checks the
/// whole content against `digest` (a damaged blob is a digest error before a format error).
/// Returns its size and predicate type.
fn read_statement(r: &mut dyn Read, digest: &str, what: &str) -> Result<(u64, Option<String>)> {
    #[derive(Deserialize)]
    struct Statement {
        #[serde(rename = "_type")]
        kind: String,
        #[serde(rename = "predicateType")]
        predicate_type: String,
    }
    let mut buf = BufReader::new(HashingReader::new(r));
    let mut de = serde_json::Deserializer::from_reader(&mut buf);
    let parsed = Statement::deserialize(&mut de).and_then(|s| de.end().map(|()| s));
    // The rest of the stream (after an error, or past what `end` looked at) is hashed too.
    let h = buf.get_mut();
    let got = h.finish().map_err(|e| ImageError::io(what, e))?;
    check_digest(&got, digest, what)?;
    let st = parsed.map_err(|e| {
        ImageError::new(
            ErrorKind::Format,
            format!("{what}: not an in-toto statement: {e}"),
        )
    })?;
    if !st.kind.starts_with("https://in-toto.io/Statement/") {
        return Err(ImageError::new(
            ErrorKind::Format,
            format!("{what}: `_type` is `{}`, not an in-toto statement", st.kind),
        ));
    }
    Ok((h.count, Some(st.predicate_type)))
}

/// Attestation manifests of the index the image came from, and its referrers.
fn from_registry(remote: &Remote, subject: &str) -> Result<(Vec<Candidate>, &'static str)> {
    let mut out = Vec::new();
    if let Some(index) = &remote.index {
        for d in attestation_descriptors(index, subject) {
            let bytes = remote.manifest(&d.digest)?;
            out.push(Candidate {
                manifest: parse_json(&bytes, &format!("attestation manifest {}", d.digest))?,
                digest: d.digest.clone(),
                via: d.clone(),
                source: AttestationSource::Index,
            });
        }
    }
    let (referrers, lookup) = remote.referrers(subject)?;
    if referrers.manifests.len() > MAX_DOCUMENTS {
        return Err(ImageError::new(
            ErrorKind::Limit,
            format!(
                "{} referrers of {subject} (the limit is {MAX_DOCUMENTS})",
                referrers.manifests.len()
            ),
        ));
    }
    for d in &referrers.manifests {
        let bytes = remote.manifest(&d.digest)?;
        let manifest: Manifest = parse_json(&bytes, &format!("referrer manifest {}", d.digest))?;
        // The tag schema's index is kept by clients: trust only what names this image.
        if manifest
            .subject
            .as_ref()
            .is_some_and(|s| s.digest == subject)
        {
            out.push(Candidate {
                manifest,
                digest: d.digest.clone(),
                via: d.clone(),
                source: AttestationSource::Referrer,
            });
        }
    }
    // cosign's own tag, for attestations it attached without OCI 1.1 referrers.
    if let Some((digest, bytes)) = remote.cosign_attestations(subject)? {
        out.push(Candidate {
            manifest: parse_json(&bytes, &format!("cosign attestation manifest {digest}"))?,
            via: Descriptor::default(),
            digest,
            source: AttestationSource::CosignTag,
        });
    }
    let lookup = match lookup {
        ReferrersLookup::Api => "referrers-api",
        ReferrersLookup::TagSchema => "tag-schema",
    };
    Ok((out, lookup))
}

/// BuildKit's attestation manifests for `subject` in an index.
fn attestation_descriptors<'a>(
    index: &'a Index,
    subject: &'a str,
) -> impl Iterator<Item = &'a Descriptor> {
    index.manifests.iter().filter(move |d| {
        d.annotations.get(ANN_REFERENCE_TYPE).map(String::as_str) == Some("attestation-manifest")
            && d.annotations.get(ANN_REFERENCE_DIGEST).map(String::as_str) == Some(subject)
    })
}

/// Every manifest reachable from the store's `index.json` (indexes followed, bounded), then
/// those that attest the image: attestation manifests naming it, and manifests whose subject it
/// is (referrers written into the layout, directly or through a `sha256-<hex>` index).
fn from_store(
    image: &Image,
    store: &dyn Store,
    cap: u64,
) -> Result<(Vec<Candidate>, Option<String>)> {
    let top: Index = parse_json(
        &store::read_doc(store, "index.json", None, cap)?,
        "index.json",
    )?;
    let mut queue: VecDeque<(Descriptor, usize)> =
        top.manifests.into_iter().map(|d| (d, 0)).collect();
    let mut seen = HashSet::new();
    let mut found: Vec<(Descriptor, Manifest)> = Vec::new();
    let mut missing: Vec<Descriptor> = Vec::new();
    while let Some((d, depth)) = queue.pop_front() {
        if !seen.insert(d.digest.clone()) {
            continue;
        }
        if seen.len() > MAX_DOCUMENTS {
            return Err(ImageError::new(
                ErrorKind::Limit,
                format!("more than {MAX_DOCUMENTS} manifests in the layout's indexes"),
            ));
        }
        let path = store::blob_path(&d.digest)?;
        if store.open(&path)?.is_none() {
            // Layouts often keep one platform of a multi-platform index; a missing manifest
            // matters only if it attests this image (checked below).
            missing.push(d);
            continue;
        }
        let bytes = store::read_doc(store, &path, Some(&d.digest), cap)?;
        if spec::is_index(&d.media_type) || spec::sniff_is_index(&bytes) {
            if depth >= MAX_NESTING {
                return Err(ImageError::new(
                    ErrorKind::Format,
                    "indexes nested too deeply",
                ));
            }
            let inner: Index = parse_json(&bytes, &format!("image index {}", d.digest))?;
            queue.extend(inner.manifests.into_iter().map(|c| (c, depth + 1)));
            continue;
        }
        let m: Manifest = parse_json(&bytes, &format!("manifest {}", d.digest))?;
        found.push((d, m));
    }
    let subject = image.manifest_digest.clone().or_else(|| {
        let config = image.config_digest.as_deref()?;
        found
            .iter()
            .find(|(_, m)| m.config.digest == config && m.subject.is_none())
            .map(|(d, _)| d.digest.clone())
    });
    let Some(subject) = subject else {
        return Ok((Vec::new(), None));
    };
    let is_attestation = |d: &Descriptor| {
        d.annotations.get(ANN_REFERENCE_TYPE).map(String::as_str) == Some("attestation-manifest")
            && d.annotations.get(ANN_REFERENCE_DIGEST) == Some(&subject)
    };
    if let Some(d) = missing.iter().find(|d| is_attestation(d)) {
        return Err(ImageError::new(
            ErrorKind::NotFound,
            format!(
                "attestation manifest {} is missing from the layout",
                d.digest
            ),
        ));
    }
    let mut out = Vec::new();
    for (d, m) in found {
        let source = if is_attestation(&d) {
            AttestationSource::Index
        } else if m.subject.as_ref().is_some_and(|s| s.digest == subject) {
            AttestationSource::Referrer
        } else {
            continue;
        };
        out.push(Candidate {
            digest: d.digest.clone(),
            via: d,
            manifest: m,
            source,
        });
    }
    Ok((out, Some(subject)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_from_predicate_and_media_types() {
        assert_eq!(
            classify(Some("https://spdx.dev/Document"), ""),
            AttestationKind::Sbom
        );
        assert_eq!(
            classify(Some("https://cyclonedx.org/bom/v1.6"), ""),
            AttestationKind::Sbom
        );
        assert_eq!(
            classify(Some("https://slsa.dev/provenance/v0.2"), MT_IN_TOTO),
            AttestationKind::Provenance
        );
        assert_eq!(
            classify(Some("https://openvex.dev/ns/v0.2.0"), ""),
            AttestationKind::Vex
        );
        assert_eq!(
            classify(Some("https://example.com/x"), ""),
            AttestationKind::Other
        );
        assert_eq!(
            classify(None, "application/vnd.cyclonedx+json"),
            AttestationKind::Sbom
        );
        assert_eq!(
            classify(None, "application/spdx+json"),
            AttestationKind::Sbom
        );
        assert_eq!(
            classify(None, "application/vnd.openvex+json"),
            AttestationKind::Vex
        );
        assert_eq!(
            classify(None, "application/vnd.dev.sigstore.bundle.v0.3+json"),
            AttestationKind::Signature
        );
        assert_eq!(
            classify(None, "application/octet-stream"),
            AttestationKind::Other
        );
    }

    #[test]
    fn statements_are_hashed_whole_and_typed() {
        let read = |t: &[u8]| read_statement(&mut &t[..], &crate::build::sha256(t), "t");
        let text = br#"{"_type":"https://in-toto.io/Statement/v1","subject":[],"predicateType":"https://slsa.dev/provenance/v1","predicate":{"x":[1,2,{"y":"z"}]}}
"#;
        let (n, p) = read(text).expect("statement");
        assert_eq!(n, text.len() as u64);
        assert_eq!(p.as_deref(), Some("https://slsa.dev/provenance/v1"));
        let other = crate::build::sha256(b"other");
        let e = read_statement(&mut &text[..], &other, "t").expect_err("wrong digest");
        assert_eq!(e.kind, ErrorKind::Digest);
        let e = read_statement(&mut &b"{not json"[..], &other, "t").expect_err("damaged");
        assert_eq!(e.kind, ErrorKind::Digest, "the digest is checked first");
        for bad in [
            &br#"{"_type":"x","predicateType":"y"}"#[..],
            br#"{"_type":"https://in-toto.io/Statement/v1""#,
            br#"{"_type":"https://in-toto.io/Statement/v1","predicateType":"p"} trailing"#,
        ] {
            let e = read(bad).expect_err("not a statement");
            assert_eq!(e.kind, ErrorKind::Format);
        }
    }
}
