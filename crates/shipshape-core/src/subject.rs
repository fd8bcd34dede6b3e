//! What an image scan looked at: the image's identity and make-up, carried to the
//! machine-readable reports (the human report prints a summary line instead). Filled by the
//! image analyser's wiring; the core only carries it.

/// The scanned image.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImageSubject {
    /// The reference as the user gave it.
    pub reference: String,
    /// How it was read: `docker-archive`, `oci-archive`, `oci`, `docker` (the Engine),
    /// `registry`.
    pub source: String,
    /// The name or tag it was selected by (`app:1.2`).
    pub name: Option<String>,
    pub manifest_digest: Option<String>,
    /// The configuration's digest: the image ID.
    pub config_digest: Option<String>,
    /// `repo@sha256:…` names the Engine or registry knows it by.
    pub repo_digests: Vec<String>,
    /// `os/arch[/variant]` from the configuration.
    pub platform: String,
    /// The distribution, from os-release.
    pub os: Option<String>,
    /// The configured user (empty: root by default).
    pub user: String,
    pub base_image: Option<String>,
    pub layers: Vec<SubjectLayer>,
    /// `None`: the source keeps no attestations (a `docker save` archive), so their absence says
    /// nothing; `Some`: what the image carries.
    pub attestations: Option<Vec<SubjectAttestation>>,
    /// Vulnerabilities the database gave, by rating, before ignores and filters (the quick
    /// view); `None` when they were not looked up.
    pub vulnerabilities: Option<QuickView>,
}

/// One layer, bottom first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SubjectLayer {
    /// The blob digest when the source names one, else the diff id.
    pub digest: String,
    /// Digest of the uncompressed tar.
    pub diff_id: Option<String>,
    /// Bytes as stored.
    pub size: u64,
    pub uncompressed_size: u64,
    /// The history step that made it.
    pub created_by: Option<String>,
    /// Its digests were not computed by this scan: an earlier one verified it in the same,
    /// unchanged file (the verified-digest cache).
    pub verified_earlier: bool,
}

/// One attestation the image carries.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SubjectAttestation {
    /// `sbom`, `provenance`, `vex`, `signature`, `other`.
    pub kind: String,
    pub predicate_type: Option<String>,
    pub media_type: String,
    /// `index` (a BuildKit attestation manifest), `referrer`, `cosign-tag`.
    pub source: String,
    pub digest: String,
}

/// The quick view of an image's vulnerabilities (as `docker scout quickview` shows it).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct QuickView {
    pub all: VulnerabilityCounts,
    /// The part from the base image's layers, when the history says where the base ends.
    pub from_base: Option<VulnerabilityCounts>,
}

/// Vulnerability counts by rating.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct VulnerabilityCounts {
    pub critical: usize,
    pub high: usize,
    pub medium: usize,
    /// Low and negligible.
    pub low: usize,
    pub unrated: usize,
}
